//! Client secrets: 32 random bytes, shown once as hex, kept as an HMAC-SHA256 keyed by the
//! client id. A secret of 256 random bits needs no slow password hash (nobody can guess it;
//! the hash only keeps a database leak from handing out credentials), and the keyed hash
//! compares in constant time (`Mac::verify_slice`).

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// A fresh secret, as the client will send it.
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn mac(client: uuid::Uuid, secret: &str) -> HmacSha256 {
    let mut mac =
        HmacSha256::new_from_slice(client.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(secret.as_bytes());
    mac
}

/// What is stored for `secret` of `client`.
pub fn hash(client: uuid::Uuid, secret: &str) -> String {
    hex::encode(mac(client, secret).finalize().into_bytes())
}

/// Whether `secret` is the one stored as `stored`, in constant time.
pub fn verify(client: uuid::Uuid, secret: &str, stored: &str) -> bool {
    let Ok(stored) = hex::decode(stored) else {
        return false;
    };
    mac(client, secret).verify_slice(&stored).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_verifies_for_its_client_only() {
        let client = uuid::Uuid::now_v7();
        let secret = generate();
        assert_eq!(secret.len(), 64);
        let stored = hash(client, &secret);
        assert!(verify(client, &secret, &stored));
        assert!(!verify(client, &generate(), &stored));
        assert!(!verify(uuid::Uuid::now_v7(), &secret, &stored));
        assert!(!verify(client, &secret, "not hex"));
    }
}
