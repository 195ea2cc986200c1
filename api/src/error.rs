//! The one error type of the API layer and its single conversion to a GraphQL error.
//!
//! `ApiError` deliberately does not implement `Display`: async-graphql turns any `Display` error
//! into the client's message, so a `?` on a `DbErr` would send SQL to the client. Here a database
//! error becomes `Internal`, is logged with an id, and the client sees only a generic message.

use std::sync::Arc;

use async_graphql::ErrorExtensions;
use domain::Error as DomainError;

#[derive(Debug, Clone)]
pub enum ApiError {
    Domain(DomainError),
    /// A unique key already holds this value (CONFLICT, naming the field).
    Duplicate {
        field: &'static str,
        message: String,
    },
    /// Wrong email or password: one message for both, so nobody learns which accounts exist.
    SignInRefused,
    /// Too many failed sign-ins; may try again after this many seconds.
    Throttled {
        retry_after_secs: u64,
    },
    /// Too much at once (password checks, a client's request rate); try again shortly.
    Busy {
        retry_after_secs: u64,
    },
    Internal(Arc<anyhow::Error>),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn invalid(field: &str, message: &str) -> Self {
        Self::Domain(DomainError::invalid(field, message))
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(Arc::new(err.into()))
    }

    /// The contract's `extensions.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Domain(DomainError::NotFound) => "NOT_FOUND",
            Self::Domain(DomainError::Conflict(_)) | Self::Duplicate { .. } => "CONFLICT",
            Self::Domain(DomainError::Invalid { .. }) => "BAD_USER_INPUT",
            Self::Domain(DomainError::Forbidden) => "FORBIDDEN",
            Self::Domain(DomainError::Unauthenticated)
            | Self::SignInRefused
            | Self::Throttled { .. } => "UNAUTHENTICATED",
            Self::Busy { .. } => "TOO_MANY_REQUESTS",
            Self::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    /// The message shown to the client: French, generic, never an internal detail.
    pub fn public_message(&self) -> String {
        match self {
            Self::Domain(DomainError::NotFound) => "Ressource introuvable.".into(),
            Self::Domain(DomainError::Conflict(msg)) | Self::Duplicate { message: msg, .. } => {
                msg.clone()
            }
            Self::Domain(DomainError::Invalid { field, message }) => format!("{field} : {message}"),
            Self::Domain(DomainError::Forbidden) => "Action non autorisée.".into(),
            Self::Domain(DomainError::Unauthenticated) => "Authentification requise.".into(),
            Self::SignInRefused => "Adresse e-mail ou mot de passe incorrect.".into(),
            Self::Throttled { retry_after_secs } => format!(
                "Trop de tentatives de connexion. Réessayez dans {} minute(s).",
                retry_after_secs.div_ceil(60).max(1)
            ),
            Self::Busy { retry_after_secs } => format!(
                "Le service est très sollicité : réessayez dans {retry_after_secs} seconde(s)."
            ),
            Self::Internal(_) => "Erreur interne.".into(),
        }
    }

    /// Seconds after which the client may try again, for a limit (HTTP 429, `Retry-After`).
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::Throttled { retry_after_secs } | Self::Busy { retry_after_secs } => {
                Some(*retry_after_secs)
            }
            _ => None,
        }
    }

    /// The message without the field name, for a page that shows it beside the field.
    pub fn message_for_field(&self) -> String {
        match self {
            Self::Domain(DomainError::Invalid { message, .. }) => message.clone(),
            other => other.public_message(),
        }
    }

    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Domain(DomainError::Invalid { field, .. }) => Some(field),
            Self::Duplicate { field, .. } => Some(field),
            _ => None,
        }
    }

    /// For the command line, where the whole story may be told.
    pub fn into_anyhow(self) -> anyhow::Error {
        match self {
            Self::Internal(err) => anyhow::anyhow!("{err:#}"),
            other => anyhow::anyhow!("{} [{}]", other.public_message(), other.code()),
        }
    }

    /// Logs internal errors with an id the client can quote; returns that id.
    fn log(&self) -> Option<String> {
        match self {
            Self::Internal(err) => {
                let id = uuid::Uuid::new_v4().to_string();
                tracing::error!(error_id = %id, error = ?err, "internal error");
                Some(id)
            }
            _ => None,
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        Self::Domain(err)
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::internal(err)
    }
}

impl From<sea_orm::TransactionError<ApiError>> for ApiError {
    fn from(err: sea_orm::TransactionError<ApiError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(api) => api,
        }
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        let error_id = err.log();
        async_graphql::Error::new(err.public_message()).extend_with(|_, ext| {
            ext.set("code", err.code());
            if let Some(field) = err.field() {
                ext.set("field", field);
            }
            if let Some(retry_after) = err.retry_after() {
                ext.set("retryAfter", retry_after);
            }
            if let Some(id) = &error_id {
                ext.set("errorId", id.as_str());
            }
        })
    }
}

/// A unique-constraint violation means the thing already exists: a `Conflict`, whatever the
/// backend's wording. Everything else stays internal.
pub fn conflict_on_unique(err: sea_orm::DbErr, field: &'static str, what: &str) -> ApiError {
    conflict_saying(err, field, format!("{what} existe déjà."))
}

/// Like [`conflict_on_unique`], with the whole message given (one that says nothing of where
/// the value is already used).
pub fn conflict_saying(err: sea_orm::DbErr, field: &'static str, message: String) -> ApiError {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            ApiError::Duplicate { field, message }
        }
        _ => err.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gql(err: ApiError) -> async_graphql::ServerError {
        async_graphql::Error::from(err).into_server_error(async_graphql::Pos::default())
    }

    fn code(err: &async_graphql::ServerError) -> String {
        let ext = err.extensions.as_ref().expect("extensions");
        ext.get("code")
            .expect("code")
            .to_string()
            .trim_matches('"')
            .to_string()
    }

    #[test]
    fn every_branch_has_its_code() {
        let cases = [
            (ApiError::Domain(DomainError::NotFound), "NOT_FOUND"),
            (
                ApiError::Domain(DomainError::Conflict("x".into())),
                "CONFLICT",
            ),
            (ApiError::invalid("email", "invalide"), "BAD_USER_INPUT"),
            (ApiError::Domain(DomainError::Forbidden), "FORBIDDEN"),
            (
                ApiError::Domain(DomainError::Unauthenticated),
                "UNAUTHENTICATED",
            ),
            (
                ApiError::Duplicate {
                    field: "name",
                    message: "x".into(),
                },
                "CONFLICT",
            ),
            (ApiError::SignInRefused, "UNAUTHENTICATED"),
            (
                ApiError::Throttled {
                    retry_after_secs: 90,
                },
                "UNAUTHENTICATED",
            ),
            (
                ApiError::Busy {
                    retry_after_secs: 1,
                },
                "TOO_MANY_REQUESTS",
            ),
            (
                ApiError::internal(anyhow::anyhow!("boom")),
                "INTERNAL_SERVER_ERROR",
            ),
        ];
        for (err, expected) in cases {
            assert_eq!(code(&gql(err)), expected);
        }
    }

    /// The error bodies partners receive, one per code; the internal one's id is masked.
    #[test]
    fn error_bodies_as_partners_see_them() {
        let cases = [
            ("not_found", ApiError::Domain(DomainError::NotFound)),
            (
                "conflict",
                ApiError::Domain(DomainError::Conflict(
                    "L'orientation a changé entre-temps.".into(),
                )),
            ),
            (
                "bad_user_input",
                ApiError::invalid("email", "adresse invalide"),
            ),
            ("forbidden", ApiError::Domain(DomainError::Forbidden)),
            ("unauthenticated", ApiError::SignInRefused),
            (
                "throttled",
                ApiError::Throttled {
                    retry_after_secs: 90,
                },
            ),
            (
                "busy",
                ApiError::Busy {
                    retry_after_secs: 1,
                },
            ),
            (
                "internal",
                ApiError::internal(anyhow::anyhow!("SELECT secret FROM users")),
            ),
        ];
        for (name, err) in cases {
            let body = serde_json::to_string_pretty(&gql(err)).unwrap();
            let masked = mask_error_id(&body);
            insta::assert_snapshot!(format!("error_{name}"), masked);
        }
    }

    /// Replaces the random `errorId` so the snapshot is stable.
    fn mask_error_id(body: &str) -> String {
        body.lines()
            .map(|line| match line.split_once(": ") {
                Some((key, _)) if key.trim() == "\"errorId\"" => format!("{key}: \"[masked]\""),
                _ => line.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn invalid_names_the_field() {
        let err = gql(ApiError::invalid("email", "adresse invalide"));
        let ext = err.extensions.expect("extensions");
        assert_eq!(
            ext.get("field").map(|v| v.to_string()),
            Some("\"email\"".into())
        );
    }

    #[test]
    fn database_errors_never_reach_the_client() {
        let db = sea_orm::DbErr::Custom("SELECT secret FROM users WHERE password = 'x'".into());
        let err = gql(ApiError::from(db));
        assert_eq!(err.message, "Erreur interne.");
        assert_eq!(code(&err), "INTERNAL_SERVER_ERROR");
    }
}
