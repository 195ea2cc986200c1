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

    /// Sender of outgoing mail.
    #[arg(
        long,
        env = "PASSERELLE_MAIL_FROM",
        default_value = "Passerelle <ne-pas-repondre@passerelle.localhost>",
        global = true
    )]
    pub mail_from: String,

    /// Delivery attempts before a mail is marked dead and the admins are told.
    #[arg(
        long,
        env = "PASSERELLE_MAIL_MAX_ATTEMPTS",
        default_value_t = 8,
        global = true
    )]
    pub mail_max_attempts: i32,

    /// How often the mail worker looks for due mails, in milliseconds.
    #[arg(
        long,
        env = "PASSERELLE_MAIL_POLL_MS",
        default_value_t = 1000,
        global = true
    )]
    pub mail_poll_ms: u64,

    /// Mails claimed by the worker at a time.
    #[arg(
        long,
        env = "PASSERELLE_MAIL_BATCH",
        default_value_t = 50,
        global = true
    )]
    pub mail_batch: u64,

    /// First retry delay in milliseconds, doubled at each failed attempt.
    #[arg(
        long,
        env = "PASSERELLE_MAIL_BACKOFF_MS",
        default_value_t = 30_000,
        global = true
    )]
    pub mail_backoff_ms: u64,

    /// Longest retry delay in milliseconds.
    #[arg(
        long,
        env = "PASSERELLE_MAIL_BACKOFF_MAX_MS",
        default_value_t = 3_600_000,
        global = true
    )]
    pub mail_backoff_max_ms: u64,

    /// How long a worker may hold claimed mails, in seconds; a crashed worker's mails are
    /// taken up again after this.
    #[arg(
        long,
        env = "PASSERELLE_MAIL_LEASE_SECS",
        default_value_t = 60,
        global = true
    )]
    pub mail_lease_secs: u64,

    /// Run the mail worker in this process (`--worker false` for a replica that only serves).
    #[arg(
        long,
        env = "PASSERELLE_WORKER",
        default_value_t = true,
        action = clap::ArgAction::Set,
        global = true
    )]
    pub worker: bool,

    /// Seconds between two passes of the deadline scheduler (reminders, overdue, escalation).
    #[arg(
        long,
        env = "PASSERELLE_DEADLINE_TICK_SECS",
        default_value_t = 60,
        global = true
    )]
    pub deadline_tick_secs: u64,

    /// Behind a reverse proxy: take the client's address (for the sign-in limiter) from the
    /// last `X-Forwarded-For` entry, the one the proxy added. Never set it without a proxy:
    /// clients could then choose their own address.
    #[arg(long, env = "PASSERELLE_BEHIND_PROXY", default_value_t = false, action = clap::ArgAction::Set, global = true)]
    pub behind_proxy: bool,

    /// Milliseconds a client may take to send a request's headers before it is disconnected
    /// (against slow-header clients holding connections open).
    #[arg(
        long,
        env = "PASSERELLE_HEADER_TIMEOUT_MS",
        default_value_t = 10_000,
        global = true
    )]
    pub header_timeout_ms: u64,
    /// Who publishes the service, as the legal notice names them (the territory's operator:
    /// "Conseil départemental du Pas-de-Calais"). Unset: the signed-in user's territory, or a
    /// neutral sentence for a visitor.
    #[arg(long, env = "PASSERELLE_PUBLISHER", global = true)]
    pub publisher: Option<String>,

    /// The host of the service, as the legal notice names it (name, address, telephone).
    /// Unset: a neutral sentence pointing to the publisher.
    #[arg(long, env = "PASSERELLE_HOSTING", global = true)]
    pub hosting: Option<String>,

    /// How to reach the data protection officer (an address or a mail), shown on
    /// `/donnees-personnelles`. Unset: the page sends people to the publisher.
    #[arg(long, env = "PASSERELLE_DPO_CONTACT", global = true)]
    pub dpo_contact: Option<String>,

    /// `demo` only: how many referrals its year of history holds (a few thousand by default;
    /// fewer starts faster).
    #[arg(
        long,
        env = "PASSERELLE_DEMO_REFERRALS",
        default_value_t = 2000,
        global = true
    )]
    pub demo_referrals: u32,
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
            mail_from: "Passerelle <ne-pas-repondre@passerelle.localhost>".into(),
            mail_max_attempts: 8,
            mail_poll_ms: 1000,
            mail_batch: 50,
            mail_backoff_ms: 30_000,
            mail_backoff_max_ms: 3_600_000,
            mail_lease_secs: 60,
            worker: true,
            deadline_tick_secs: 60,
            behind_proxy: false,
            header_timeout_ms: 10_000,
            demo_referrals: 2000,
            publisher: None,
            hosting: None,
            dpo_contact: None,
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

    /// The client's address as the sign-in limiter should count it.
    pub fn client_ip(
        &self,
        peer: std::net::IpAddr,
        headers: &axum::http::HeaderMap,
    ) -> std::net::IpAddr {
        if !self.behind_proxy {
            return peer;
        }
        headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse().ok())
            .next_back()
            .unwrap_or(peer)
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
    fn the_forwarded_address_counts_only_behind_a_proxy() {
        let mut config = Config::for_database("sqlite::memory:");
        let peer: std::net::IpAddr = "10.0.0.1".parse().unwrap();
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "203.0.113.9, 198.51.100.7".parse().unwrap(),
        );
        assert_eq!(
            config.client_ip(peer, &headers),
            peer,
            "a client cannot pick its address"
        );
        config.behind_proxy = true;
        assert_eq!(
            config.client_ip(peer, &headers),
            "198.51.100.7".parse::<std::net::IpAddr>().unwrap()
        );
        assert_eq!(config.client_ip(peer, &axum::http::HeaderMap::new()), peer);
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
