//! Referrals: a person referred by one organisation to another's service under a consent,
//! followed to its end through the state machine of `domain`, with an append-only timeline.

pub mod commands;
pub mod deadlines;
pub mod graphql;
pub mod loaders;
pub mod notify;
pub mod pages;
pub mod settings;
pub mod store;
pub mod visibility;
