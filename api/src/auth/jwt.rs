//! Access tokens: HS256 JWTs carrying the user and its tenant.
//!
//! Verification pins the algorithm and *requires* `exp`, `iss`, `aud` and `sub`: jsonwebtoken
//! only checks `iss`/`aud` when present unless they are listed as required.
//!
//! Times are checked against the application clock, the one that issued the token, never the
//! system clock: jsonwebtoken's own `exp`/`nbf` checks read the system time, so they are off
//! and [`JwtKeys::verify`] does them. In production the clock has no offset and nothing changes;
//! a test that travels in time issues and checks tokens on the same time line.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

pub const ISSUER: &str = "passerelle";
pub const AUDIENCE: &str = "passerelle-api";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The user (or API client) id.
    pub sub: Uuid,
    /// The tenant the subject belongs to.
    pub tid: Uuid,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    /// Not before (optional; tokens we issue set it to `iat`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// The sign-in session this token belongs to, checked on every request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Uuid>,
    /// `sub` is an API client (a partner system), checked against its row on every request.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub client: bool,
}

/// Seconds of tolerance on `exp`, `nbf` and `iat`, for clocks of replicas that differ a little.
const LEEWAY_SECS: i64 = 5;

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl JwtKeys {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Checked in `verify` against the application clock instead.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    pub fn issue(
        &self,
        subject: Uuid,
        tenant: Uuid,
        now: OffsetDateTime,
        lifetime: std::time::Duration,
    ) -> ApiResult<(String, OffsetDateTime)> {
        self.issue_for(subject, tenant, None, now, lifetime)
    }

    /// A token of session `session`.
    pub fn issue_for(
        &self,
        subject: Uuid,
        tenant: Uuid,
        session: Option<Uuid>,
        now: OffsetDateTime,
        lifetime: std::time::Duration,
    ) -> ApiResult<(String, OffsetDateTime)> {
        self.sign(subject, tenant, session, false, now, lifetime)
    }

    /// A token of API client `client`.
    pub fn issue_client(
        &self,
        client: Uuid,
        tenant: Uuid,
        now: OffsetDateTime,
        lifetime: std::time::Duration,
    ) -> ApiResult<(String, OffsetDateTime)> {
        self.sign(client, tenant, None, true, now, lifetime)
    }

    fn sign(
        &self,
        subject: Uuid,
        tenant: Uuid,
        session: Option<Uuid>,
        client: bool,
        now: OffsetDateTime,
        lifetime: std::time::Duration,
    ) -> ApiResult<(String, OffsetDateTime)> {
        let expires = now + lifetime;
        let claims = Claims {
            sub: subject,
            tid: tenant,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: now.unix_timestamp(),
            exp: expires.unix_timestamp(),
            nbf: Some(now.unix_timestamp()),
            sid: session,
            client,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(ApiError::internal)?;
        Ok((token, expires))
    }

    /// Any defect (bad signature, other algorithm, `alg: none`, expired at `now`, not yet
    /// valid at `now`, missing claim) is `Unauthenticated`; the reason is logged at debug level.
    pub fn verify(&self, token: &str, now: OffsetDateTime) -> ApiResult<Claims> {
        let refused = |reason: &dyn std::fmt::Display| {
            tracing::debug!(%reason, "rejected access token");
            ApiError::Domain(domain::Error::Unauthenticated)
        };
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|err| refused(&err))?
            .claims;
        let now = now.unix_timestamp();
        if claims.exp < now - LEEWAY_SECS {
            return Err(refused(&"expired"));
        }
        if claims.nbf.unwrap_or(claims.iat).max(claims.iat) > now + LEEWAY_SECS {
            return Err(refused(&"issued in the future"));
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn keys() -> JwtKeys {
        JwtKeys::new(b"0123456789abcdef0123456789abcdef")
    }

    #[test]
    fn a_fresh_token_verifies() {
        let (token, _) = keys()
            .issue(
                Uuid::nil(),
                Uuid::max(),
                OffsetDateTime::now_utc(),
                Duration::from_secs(60),
            )
            .unwrap();
        let claims = keys().verify(&token, OffsetDateTime::now_utc()).unwrap();
        assert_eq!(claims.tid, Uuid::max());
    }

    #[test]
    fn validity_follows_the_clock_that_is_passed_not_the_system_clock() {
        let issued = time::macros::datetime!(2001-02-03 10:00 UTC);
        let (token, _) = keys()
            .issue(Uuid::nil(), Uuid::nil(), issued, Duration::from_secs(3600))
            .unwrap();
        let at = |minutes: i64| issued + time::Duration::minutes(minutes);
        assert!(keys().verify(&token, at(0)).is_ok());
        assert!(keys().verify(&token, at(59)).is_ok());
        assert!(keys().verify(&token, at(61)).is_err(), "expired");
        assert!(keys().verify(&token, at(-1)).is_err(), "not yet valid");
        assert!(
            keys().verify(&token, OffsetDateTime::now_utc()).is_err(),
            "long expired by the system clock too"
        );
    }

    #[test]
    fn expired_foreign_and_unsigned_tokens_are_refused() {
        let long_ago = OffsetDateTime::now_utc() - Duration::from_secs(3600);
        let (expired, _) = keys()
            .issue(Uuid::nil(), Uuid::nil(), long_ago, Duration::from_secs(60))
            .unwrap();
        assert!(keys().verify(&expired, OffsetDateTime::now_utc()).is_err());

        let other = JwtKeys::new(b"another-key-another-key-another-key");
        let (foreign, _) = other
            .issue(
                Uuid::nil(),
                Uuid::nil(),
                OffsetDateTime::now_utc(),
                Duration::from_secs(60),
            )
            .unwrap();
        assert!(keys().verify(&foreign, OffsetDateTime::now_utc()).is_err());

        let (good, _) = keys()
            .issue(
                Uuid::nil(),
                Uuid::nil(),
                OffsetDateTime::now_utc(),
                Duration::from_secs(60),
            )
            .unwrap();
        let payload = good.split('.').nth(1).unwrap();
        let none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
        assert!(keys().verify(&none, OffsetDateTime::now_utc()).is_err());
    }
}
