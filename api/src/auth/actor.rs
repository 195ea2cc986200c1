//! From a bearer token to the `Actor` that every store call takes first.
//!
//! The user is read again on each request, so a deactivated user or a changed role takes
//! effect at once rather than when the token expires.

use domain::{Actor, OrganisationId, Roles, TenantId, UserId};

use crate::{
    AppState,
    auth::store,
    error::{ApiError, ApiResult},
};

pub async fn from_token(app: &AppState, token: &str) -> ApiResult<Actor> {
    let claims = app.jwt.verify(token, app.clock.now())?;
    let user = store::user_by_id(
        &app.db,
        TenantId::from_uuid(claims.tid),
        UserId::from_uuid(claims.sub),
    )
    .await?
    .filter(|user| user.active)
    .ok_or(ApiError::Domain(domain::Error::Unauthenticated))?;
    actor_of(&user)
}

pub fn actor_of(user: &crate::entities::user::Model) -> ApiResult<Actor> {
    Ok(Actor {
        tenant_id: TenantId::from_uuid(user.tenant_id),
        organisation_id: OrganisationId::from_uuid(user.organisation_id),
        user_id: Some(UserId::from_uuid(user.id)),
        roles: Roles::parse_csv(&user.roles).map_err(ApiError::internal)?,
    })
}
