//! Access tokens: HS256 JWTs carrying the user and its tenant.
//!
//! Verification pins the algorithm and *requires* `exp`, `iss`, `aud` and `sub`: jsonwebtoken
//! only checks `iss`/`aud` when present unless they are listed as required.

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
}

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
        validation.leeway = 5;
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
        let expires = now + lifetime;
        let claims = Claims {
            sub: subject,
            tid: tenant,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: now.unix_timestamp(),
            exp: expires.unix_timestamp(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(ApiError::internal)?;
        Ok((token, expires))
    }

    /// Any defect (bad signature, other algorithm, `alg: none`, expired, missing claim) is
    /// `Unauthenticated`; the reason is logged at debug level only.
    pub fn verify(&self, token: &str) -> ApiResult<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|err| {
                tracing::debug!(reason = %err, "rejected access token");
                ApiError::Domain(domain::Error::Unauthenticated)
            })
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
        let claims = keys().verify(&token).unwrap();
        assert_eq!(claims.tid, Uuid::max());
    }

    #[test]
    fn expired_foreign_and_unsigned_tokens_are_refused() {
        let long_ago = OffsetDateTime::now_utc() - Duration::from_secs(3600);
        let (expired, _) = keys()
            .issue(Uuid::nil(), Uuid::nil(), long_ago, Duration::from_secs(60))
            .unwrap();
        assert!(keys().verify(&expired).is_err());

        let other = JwtKeys::new(b"another-key-another-key-another-key");
        let (foreign, _) = other
            .issue(
                Uuid::nil(),
                Uuid::nil(),
                OffsetDateTime::now_utc(),
                Duration::from_secs(60),
            )
            .unwrap();
        assert!(keys().verify(&foreign).is_err());

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
        assert!(keys().verify(&none).is_err());
    }
}
