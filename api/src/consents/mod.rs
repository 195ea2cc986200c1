//! Consent records: who agreed to share what with whom, when, how and until when; withdrawal.

pub mod graphql;
pub mod service;
pub mod store;
