//! The single error type of the domain.
//!
//! The API layer maps each variant to a GraphQL `extensions.code` (BAD_USER_INPUT, NOT_FOUND, …), so
//! the variants are about what the caller should be told, not about what went wrong inside.

/// What a rule of the domain can answer instead of "yes".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The resource does not exist *for this caller* — also used for other tenants' and other
    /// organisations' private resources, so that their existence is never revealed.
    #[error("not found")]
    NotFound,
    /// The request is valid but the current state forbids it (stale version, wrong status, duplicate).
    #[error("conflict: {0}")]
    Conflict(String),
    /// One input field is at fault; `message` is in French because it is shown to users.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// The caller can see the resource but their roles do not allow the action.
    #[error("forbidden")]
    Forbidden,
    /// No valid identity was presented.
    #[error("unauthenticated")]
    Unauthenticated,
}

impl Error {
    /// Shorthand for [`Error::Invalid`], so call sites read `Error::invalid("email", "…")`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Result of every fallible domain function.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_names_the_field_in_its_message() {
        let error = Error::invalid("password", "doit contenir au moins 12 caractères");
        assert_eq!(
            error.to_string(),
            "password: doit contenir au moins 12 caractères"
        );
        assert_eq!(
            error,
            Error::Invalid {
                field: "password".into(),
                message: "doit contenir au moins 12 caractères".into()
            }
        );
    }

    #[test]
    fn conflict_carries_its_reason() {
        assert_eq!(
            Error::Conflict("version périmée".into()).to_string(),
            "conflict: version périmée"
        );
        assert_eq!(Error::NotFound.to_string(), "not found");
    }
}
