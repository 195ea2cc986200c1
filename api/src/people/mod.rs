//! People: the person records an organisation holds, found or created by its agents.

pub mod commands;
pub mod graphql;
pub mod pages;
pub mod store;
