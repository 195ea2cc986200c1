//! Configuration, read in one place: environment variables, each overridable by the flag of the
//! same name in kebab-case (`PASSERELLE_DATABASE_URL` → `--database-url`).

use std::{fmt, net::SocketAddr, time::Duration};

/// A value that must never be printed: `Debug` shows `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/passerelle.db?mode=rwc";

#[derive(clap::Args, Clone, Debug)]
pub struct Config {
    /// Database: `sqlite://…` (embedded default) or `postgres://…`.
    #[arg(long, env = "PASSERELLE_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,

    /// Address the HTTP server listens on.
    #[arg(
        long,
        env = "PASSERELLE_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: SocketAddr,

    /// The address users reach the service at, used in links and to mark cookies `Secure`.
    /// Defaults to `http://<bind>`.
    #[arg(long, env = "PASSERELLE_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// Key signing the access tokens (HS256, at least 32 bytes). Required by `serve`;
    /// `demo` makes a random one when unset.
    #[arg(
        long,
        env = "PASSERELLE_JWT_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub jwt_secret: Option<Secret>,

    /// SMTP server for outgoing mail (`smtp://`, `smtps://`); unset keeps mails locally.
    #[arg(
        long,
        env = "PASSERELLE_SMTP_URL",
        hide_env_values = true,
        global = true
    )]
    pub smtp_url: Option<Secret>,

    /// Lifetime of an access token, in minutes.
    #[arg(
        long,
        env = "PASSERELLE_TOKEN_MINUTES",
        default_value_t = 60,
        global = true
    )]
    pub token_minutes: u64,
}

impl Config {
    /// A configuration for tests and embedding: everything explicit, nothing read from the
    /// environment.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            bind: "127.0.0.1:0".parse().expect("literal address"),
            public_url: None,
            jwt_secret: Some(Secret::new(random_secret())),
            smtp_url: None,
            token_minutes: 60,
        }
    }

    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.bind))
            .trim_end_matches('/')
            .to_owned()
    }

    /// Cookies are `Secure` only when users reach us over https; a plain-http demo would
    /// otherwise never keep its session.
    pub fn secure_cookies(&self) -> bool {
        self.public_url().starts_with("https://")
    }

    pub fn token_lifetime(&self) -> Duration {
        Duration::from_secs(self.token_minutes * 60)
    }
}

/// 32 random bytes, hex-encoded: a signing key for demo runs and tests.
pub fn random_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let mut config = Config::for_database("sqlite::memory:");
        config.smtp_url = Some(Secret::new("smtp://user:hunter2@mail"));
        let printed = format!("{config:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        let key = config
            .jwt_secret
            .as_ref()
            .map(|s| s.expose().to_owned())
            .unwrap_or_default();
        assert!(!printed.contains(&key));
    }

    #[test]
    fn cookies_are_secure_behind_https_only() {
        let mut config = Config::for_database("sqlite::memory:");
        assert!(!config.secure_cookies());
        config.public_url = Some("https://passerelle.example/".into());
        assert!(config.secure_cookies());
        assert_eq!(config.public_url(), "https://passerelle.example");
    }
}
