//! Partner systems' machine clients: an organisation's admin creates one (its secret shown
//! once, kept hashed), lists and revokes them; the client exchanges its credentials for a
//! short-lived token at `POST /oauth/token` (RFC 6749 §4.4) and then acts as a user of its
//! organisation with its roles would — same permission table, same tenant scoping — and is
//! named on the timelines. Its token is checked against its row at every request, so a revoked
//! client stops at once.

pub mod graphql;
pub mod oauth;
pub mod pages;
pub mod secret;
pub mod service;
pub mod store;
