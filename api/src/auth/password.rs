//! argon2id hashing with the OWASP parameters (m = 19 MiB, t = 2, p = 1: the argon2 crate's
//! defaults), always on a blocking thread so a sign-in never stalls the async runtime.
//!
//! Each hash holds 19 MiB: hashes run on a fixed set of threads, one per core, a short queue
//! waits, and beyond it a request is refused at once with "busy, try again in a second". Fixed
//! threads matter as much as the count: the allocator keeps a freed hash's memory in the arena
//! of the thread that used it, so hashing on ever new blocking threads kept 2 GB resident after
//! a burst, where a few threads reuse the same few blocks.

use std::sync::{
    LazyLock, Mutex,
    atomic::{AtomicUsize, Ordering},
    mpsc,
};

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

type Job = Box<dyn FnOnce() + Send>;

/// The hashing threads, fed through one queue.
static HASHERS: LazyLock<Mutex<mpsc::Sender<Job>>> = LazyLock::new(|| {
    let (send, receive) = mpsc::channel::<Job>();
    let receive = std::sync::Arc::new(Mutex::new(receive));
    for n in 0..cores() {
        let receive = receive.clone();
        std::thread::Builder::new()
            .name(format!("argon2-{n}"))
            .spawn(move || {
                loop {
                    let job = match receive.lock() {
                        Ok(queue) => queue.recv(),
                        Err(poisoned) => poisoned.into_inner().recv(),
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => break,
                    }
                }
            })
            .expect("a hashing thread");
    }
    Mutex::new(send)
});
/// Hashes running or waiting.
static ADMITTED: AtomicUsize = AtomicUsize::new(0);

/// Runs `work` on a hashing thread, or refuses at once when the queue is full.
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
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = done.send(work());
    });
    HASHERS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .send(job)
        .map_err(|_| ApiError::internal(anyhow::anyhow!("the hashing threads stopped")))?;
    result
        .await
        .map_err(|_| ApiError::internal(anyhow::anyhow!("a hashing job was dropped")))
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
