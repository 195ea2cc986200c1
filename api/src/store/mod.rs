//! What every slice's store shares: domain codes as column values, keyset pagination, and the
//! write transaction.

pub mod codes;
pub mod page;

pub use codes::{Coded, codes};
pub use page::{Cursor, Key, Page, PageRequest, keyset};

/// `Err(NotFound)` for a row the caller may not know about.
pub fn not_found() -> crate::error::ApiError {
    crate::error::ApiError::Domain(domain::Error::NotFound)
}
