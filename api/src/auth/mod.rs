//! Who is calling: users and their sign-in (argon2id, JWT, limiter), the `Actor` every service
//! call is scoped by, account management, and the first tenant's bootstrap.

pub mod bootstrap;
pub mod graphql;
pub mod invitations;
pub mod jwt;
pub mod loaders;
pub mod password;
pub mod service;
pub mod sign_in;
pub mod store;
pub mod throttle;
