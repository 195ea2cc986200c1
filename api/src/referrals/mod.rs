//! Referrals: a person referred by one organisation to another's service under a consent,
//! followed to its end through the state machine of `domain`, with an append-only timeline.
//!
//! `service` is the application service every front end calls; `view` what it returns;
//! `store` its queries; `notify` the mails a change causes; `deadlines` the follow-up stages
//! and the territory's thresholds; `graphql` and `pages` the two front ends.

pub mod deadlines;
pub mod graphql;
pub mod loaders;
pub mod notify;
pub mod pages;
pub mod service;
pub mod store;
pub mod view;
