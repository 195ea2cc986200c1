//! People: the person records an organisation holds, found or created by its agents.

pub mod graphql;
pub mod pages;
pub mod service;
pub mod store;
