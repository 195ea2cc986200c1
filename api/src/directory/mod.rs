//! The territory's directory: organisations and the services they can be referred to.

pub mod graphql;
pub mod loaders;
pub mod service;
pub mod store;
