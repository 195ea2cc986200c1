//! Escalations ("garantir le back office"): an agent who is stuck asks an expert of a partner
//! organisation, sees from the start when the answer is due (in working days), and may have it
//! handed on to another partner. Only the two organisations involved (and one that transferred
//! it on, read-only) ever see one.
//!
//! `service` is the application service every front end calls; `view` what it returns;
//! `store` its queries; `notify` the mails a change causes; `deadlines` the reminder and the
//! admins' alert; `graphql` and `pages` the two front ends.

pub mod deadlines;
pub mod graphql;
pub mod notify;
pub mod pages;
pub mod service;
pub mod store;
pub mod view;
