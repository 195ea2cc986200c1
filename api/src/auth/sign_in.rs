//! Signing in, the one path for GraphQL and the web form: the limiter, the constant-time
//! password check, the token; and from a token back to the caller.

use std::net::IpAddr;

use domain::{Actor, TenantId, UserId};
use sea_orm::DatabaseConnection;
use time::OffsetDateTime;

use crate::{
    auth::{jwt::JwtKeys, password, store, throttle::LoginThrottle},
    entities::user,
    error::{ApiError, ApiResult},
};

/// What signing in and checking tokens need: built once at start-up.
pub struct Authenticator {
    pub jwt: JwtKeys,
    pub throttle: LoginThrottle,
    pub token_lifetime: std::time::Duration,
}

pub struct SignedIn {
    pub token: String,
    pub expires_at: OffsetDateTime,
    pub user: user::Model,
}

impl Authenticator {
    pub async fn sign_in(
        &self,
        db: &DatabaseConnection,
        now: OffsetDateTime,
        email: &str,
        password: String,
        client_ip: IpAddr,
    ) -> ApiResult<SignedIn> {
        self.throttle
            .check(email, client_ip, now)
            .map_err(|t| ApiError::Throttled {
                retry_after_secs: t.retry_after.as_secs(),
            })?;
        let user = store::user_for_sign_in(db, email)
            .await?
            .filter(|u| u.active);
        let stored = user.as_ref().and_then(|u| u.password_hash.clone());
        let ok = password::verify(password, stored).await?;
        let Some(user) = user.filter(|_| ok) else {
            self.throttle.record_failure(email, client_ip, now);
            tracing::info!("sign-in refused");
            return Err(ApiError::SignInRefused);
        };
        self.throttle.record_success(email, client_ip, now);
        let (token, expires_at) =
            self.jwt
                .issue(user.id, user.tenant_id, now, self.token_lifetime)?;
        Ok(SignedIn {
            token,
            expires_at,
            user,
        })
    }

    /// The caller a token stands for. The user and their roles are read again on each
    /// request, so a deactivated user or a changed role takes effect at once.
    pub async fn actor(
        &self,
        db: &DatabaseConnection,
        token: &str,
        now: OffsetDateTime,
    ) -> ApiResult<Actor> {
        let claims = self.jwt.verify(token, now)?;
        let tenant = TenantId::from_uuid(claims.tid);
        let user = store::user_by_id(db, tenant, UserId::from_uuid(claims.sub))
            .await?
            .filter(|user| user.active)
            .ok_or(ApiError::Domain(domain::Error::Unauthenticated))?;
        store::actor_of(db, &user).await
    }
}
