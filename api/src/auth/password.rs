//! argon2id hashing with the OWASP parameters (m = 19 MiB, t = 2, p = 1: the argon2 crate's
//! defaults), always on a blocking thread so a sign-in never stalls the async runtime.
//!
//! Each hash holds 19 MiB: at most one per core runs at once, a short queue waits, and beyond
//! it a request is refused at once with "busy, try again in a second" — memory stays bounded
//! whatever the sign-in rate (150 concurrent sign-ins took 3 GB before).

use std::sync::{
    LazyLock,
    atomic::{AtomicUsize, Ordering},
};

use tokio::sync::Semaphore;

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

fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}

/// Hashes running at once.
static RUNNING: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(cores()));
/// Hashes running or waiting.
static ADMITTED: AtomicUsize = AtomicUsize::new(0);

/// Runs `work` on a blocking thread once a hashing slot is free, or refuses at once when the
/// queue is full.
async fn bounded<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
    let limit = cores() * 5;
    if ADMITTED.fetch_add(1, Ordering::SeqCst) >= limit {
        ADMITTED.fetch_sub(1, Ordering::SeqCst);
        return Err(ApiError::Busy {
            retry_after_secs: 1,
        });
    }
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            ADMITTED.fetch_sub(1, Ordering::SeqCst);
        }
    }
    let _leave = Leave;
    let _slot = RUNNING.acquire().await.map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(ApiError::internal)
}

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
    bounded(move || hash_now(password.expose())).await?
}

/// `stored` is `None` for an unknown email or a user who never set a password: the dummy hash
/// is verified instead and the answer is `false`.
pub async fn verify(password: String, stored: Option<String>) -> ApiResult<bool> {
    bounded(move || match stored {
        Some(phc) => verify_now(&password, &phc),
        None => {
            let _ = verify_now(&password, &DUMMY_HASH);
            false
        }
    })
    .await
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
