//! Who is calling: users and their sign-in (argon2id, JWT, limiter), the `Actor` every store
//! call is scoped by, and user management.

pub mod actor;
pub mod commands;
pub mod graphql;
pub mod invitations;
pub mod jwt;
pub mod password;
pub mod store;
pub mod throttle;
