//! argon2id hashing with the OWASP parameters (m = 19 MiB, t = 2, p = 1: the argon2 crate's
//! defaults), always on a blocking thread so a sign-in never stalls the async runtime.

use std::sync::LazyLock;

use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash},
};

use crate::error::{ApiError, ApiResult};

/// Verified when the email is unknown, so that an unknown email costs as long as a wrong
/// password and timing does not reveal which accounts exist.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    hash_now("passerelle-dummy-password-for-timing").expect("hashing a constant cannot fail")
});

fn hash_now(password: &str) -> ApiResult<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|err| ApiError::internal(anyhow::anyhow!("argon2 hash: {err}")))
}

fn verify_now(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

pub async fn hash(password: domain::Password) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || hash_now(password.expose()))
        .await
        .map_err(ApiError::internal)?
}

/// `stored` is `None` for an unknown email or a user who never set a password: the dummy hash
/// is verified instead and the answer is `false`.
pub async fn verify(password: String, stored: Option<String>) -> ApiResult<bool> {
    tokio::task::spawn_blocking(move || match stored {
        Some(phc) => verify_now(&password, &phc),
        None => {
            let _ = verify_now(&password, &DUMMY_HASH);
            false
        }
    })
    .await
    .map_err(ApiError::internal)
}

/// Builds the dummy hash before the first sign-in needs it.
pub fn warm_up() {
    LazyLock::force(&DUMMY_HASH);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_wrong_passwords_do_not() {
        let password = domain::Password::parse("password", "une phrase de passe longue").unwrap();
        let phc = hash(password).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(
            verify("une phrase de passe longue".into(), Some(phc.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify("une phrase de passe fausse".into(), Some(phc))
                .await
                .unwrap()
        );
        assert!(
            !verify("une phrase de passe longue".into(), None)
                .await
                .unwrap()
        );
    }
}
