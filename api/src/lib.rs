//! Passerelle: the organisations of a territory refer a person to one another and follow every
//! referral to its end. This crate is the binary's library: configuration, the HTTP server,
//! the GraphQL schema, the web pages and the store, one module per business context.

pub mod app;
pub mod auth;
pub mod cli;
pub mod clients;
pub mod clock;
pub mod config;
pub mod consents;
pub mod db;
pub mod demo;
pub mod directory;
pub mod entities;
pub mod error;
pub mod escalations;
pub mod events;
pub mod graphql;
pub mod live;
pub mod monitoring;
pub mod notifications;
pub mod ops;
pub mod people;
pub mod referrals;
pub mod service;
pub mod store;
pub mod web;

pub use app::{AppState, serve};

#[cfg(test)]
mod architecture_tests;
pub use config::Config;
