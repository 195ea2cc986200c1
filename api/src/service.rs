//! The narrow context every application service takes: who acts, the database, the time of
//! the request, and where events go. Each front end (GraphQL, pages, and later signed links
//! and webhooks) builds one per request and calls the same services; no rule, role check or
//! visibility decision lives in a front end.

use domain::{Action, Actor, Target};
use sea_orm::DatabaseConnection;
use time::OffsetDateTime;

use crate::{
    error::{ApiError, ApiResult},
    events::{Hooks, Tx},
};

#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub actor: &'a Actor,
    pub db: &'a DatabaseConnection,
    /// One time for the whole request: every check and write of it agrees on "now".
    pub now: OffsetDateTime,
    pub hooks: &'a Hooks,
}

impl<'a> Ctx<'a> {
    /// A write transaction whose events are recorded with [`crate::events::record`].
    pub async fn begin_write(&self) -> ApiResult<Tx<'a>> {
        Tx::begin(self.db, self.hooks).await
    }

    /// `domain::authorize` for the caller.
    pub fn authorize(&self, action: Action, target: &Target) -> ApiResult<()> {
        Ok(domain::authorize(self.actor, action, target)?)
    }

    /// `action` on the caller's own organisation.
    pub fn authorize_own(&self, action: Action) -> ApiResult<()> {
        self.authorize(
            action,
            &Target::organisation(self.actor.tenant_id, self.actor.organisation_id),
        )
    }

    /// `action` on the caller's territory.
    pub fn authorize_tenant(&self, action: Action) -> ApiResult<()> {
        self.authorize(action, &Target::tenant(self.actor.tenant_id))
    }

    /// Whether the caller may do `action` on their own organisation (what a menu offers).
    pub fn may_own(&self, action: Action) -> bool {
        self.authorize_own(action).is_ok()
    }

    /// Whether the caller may do `action` on their territory.
    pub fn may_tenant(&self, action: Action) -> bool {
        self.authorize_tenant(action).is_ok()
    }
}

/// An id given as input: malformed is BAD_USER_INPUT naming the field.
pub fn input_id<T: std::str::FromStr>(field: &str, raw: &str) -> ApiResult<T> {
    raw.trim()
        .parse::<T>()
        .map_err(|_| ApiError::invalid(field, "identifiant invalide"))
}

/// The id of a resource looked up: malformed is NOT_FOUND, like any id the caller cannot see.
pub fn lookup_id<T: std::str::FromStr>(raw: &str) -> ApiResult<T> {
    raw.trim()
        .parse::<T>()
        .map_err(|_| ApiError::Domain(domain::Error::NotFound))
}

/// An optional id given as input; blank is none.
pub fn optional_input_id<T: std::str::FromStr>(
    field: &str,
    raw: Option<&str>,
) -> ApiResult<Option<T>> {
    raw.map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| input_id(field, r))
        .transpose()
}
