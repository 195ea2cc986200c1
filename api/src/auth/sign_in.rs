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
    /// Keys the forms' CSRF tokens (derived from the signing secret).
    pub csrf_key: Vec<u8>,
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
        // Counted before the password is checked: concurrent attempts cannot outrun the limit.
        let attempt = self.throttle.reserve(db, email, client_ip, now).await?;
        let user = store::user_for_sign_in(db, email)
            .await?
            .filter(|u| u.active);
        let stored = user.as_ref().and_then(|u| u.password_hash.clone());
        // A password longer than any we accept is not worth hashing.
        let ok = password.chars().count() <= domain::Password::MAX_CHARS
            && password::verify(password, stored).await?;
        let Some(user) = user.filter(|_| ok) else {
            tracing::info!("sign-in refused");
            return Err(ApiError::SignInRefused);
        };
        self.throttle.succeeded(db, attempt, now).await?;
        let expires = now + self.token_lifetime;
        let session = store::session_open(db, &user, now, expires).await?;
        let (token, expires_at) = self.jwt.issue_for(
            user.id,
            user.tenant_id,
            Some(session),
            now,
            self.token_lifetime,
        )?;
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
        let unauthenticated = || ApiError::Domain(domain::Error::Unauthenticated);
        if claims.client {
            return crate::clients::service::actor_of_token(db, tenant, claims.sub, now).await;
        }
        // A user's token stands while its session does (signed out, deactivated… it ends).
        let session = claims.sid.ok_or_else(unauthenticated)?;
        if !store::session_live(db, tenant, session, claims.sub, now).await? {
            return Err(unauthenticated());
        }
        let user = store::user_by_id(db, tenant, UserId::from_uuid(claims.sub))
            .await?
            .filter(|user| user.active)
            .ok_or(ApiError::Domain(domain::Error::Unauthenticated))?;
        store::actor_of(db, &user).await
    }

    /// Ends the session a token belongs to; a token that does not verify ends nothing.
    pub async fn sign_out(
        &self,
        db: &DatabaseConnection,
        token: &str,
        now: OffsetDateTime,
    ) -> ApiResult<()> {
        if let Ok(claims) = self.jwt.verify(token, now)
            && let Some(session) = claims.sid
        {
            store::session_revoke(db, TenantId::from_uuid(claims.tid), session, now).await?;
        }
        Ok(())
    }
}
