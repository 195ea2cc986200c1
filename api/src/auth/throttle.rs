//! Limits failed sign-ins per account and per client address, counted per `login` call (so a
//! GraphQL document with many aliased `login` fields is counted field by field).
//!
//! OWASP ASVS 2.2.1 asks for at most 100 failures an hour on one account *without* letting an
//! attacker lock the real user out. The account limit therefore applies only to addresses that
//! have not signed in to that account successfully before: the user's usual address keeps
//! working while an attacker elsewhere is stopped. Every address also has its own limit, across
//! all accounts, against password spraying.
//!
//! The state is in memory, per process: with several replicas each enforces its own limits,
//! which still bounds an attacker to `replicas × limit`. A shared store is the upgrade path.
//!
//! Windows are measured on the application clock (`now` is passed in), like every other expiry.

use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    sync::Mutex,
    time::Duration,
};

use time::OffsetDateTime;

/// How long ago `then` was, never negative (a clock moved backwards counts as "just now").
fn since(now: OffsetDateTime, then: OffsetDateTime) -> Duration {
    (now - then).try_into().unwrap_or(Duration::ZERO)
}

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub window: Duration,
    pub per_account: usize,
    pub per_address: usize,
    /// How long a successful sign-in makes an (account, address) pair trusted.
    pub trust_for: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(3600),
            per_account: 20,
            per_address: 50,
            trust_for: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

#[derive(Default)]
struct State {
    by_account: HashMap<String, VecDeque<OffsetDateTime>>,
    by_address: HashMap<IpAddr, VecDeque<OffsetDateTime>>,
    trusted: HashMap<(String, IpAddr), OffsetDateTime>,
}

pub struct LoginThrottle {
    limits: Limits,
    state: Mutex<State>,
}

/// Refused: try again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after: Duration,
}

impl LoginThrottle {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            state: Mutex::new(State::default()),
        }
    }

    /// Whether this attempt may be checked at all. Call before verifying the password.
    pub fn check(
        &self,
        account: &str,
        address: IpAddr,
        now: OffsetDateTime,
    ) -> Result<(), Throttled> {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let window = self.limits.window;
        if let Some(wait) = over_limit(
            state.by_address.get_mut(&address),
            self.limits.per_address,
            window,
            now,
        ) {
            return Err(Throttled { retry_after: wait });
        }
        let trusted = state
            .trusted
            .get(&(account.to_owned(), address))
            .is_some_and(|at| since(now, *at) < self.limits.trust_for);
        if !trusted
            && let Some(wait) = over_limit(
                state.by_account.get_mut(account),
                self.limits.per_account,
                window,
                now,
            )
        {
            return Err(Throttled { retry_after: wait });
        }
        Ok(())
    }

    pub fn record_failure(&self, account: &str, address: IpAddr, now: OffsetDateTime) {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        state
            .by_account
            .entry(account.to_owned())
            .or_default()
            .push_back(now);
        state.by_address.entry(address).or_default().push_back(now);
        if state.by_account.len() + state.by_address.len() > 100_000 {
            self.forget_old(&mut state, now);
        }
    }

    pub fn record_success(&self, account: &str, address: IpAddr, now: OffsetDateTime) {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        state.trusted.insert((account.to_owned(), address), now);
    }

    fn forget_old(&self, state: &mut State, now: OffsetDateTime) {
        let window = self.limits.window;
        let recent = |q: &mut VecDeque<OffsetDateTime>| {
            q.retain(|t| since(now, *t) < window);
            !q.is_empty()
        };
        state.by_account.retain(|_, q| recent(q));
        state.by_address.retain(|_, q| recent(q));
        let trust_for = self.limits.trust_for;
        state.trusted.retain(|_, at| since(now, *at) < trust_for);
    }
}

/// Drops failures older than the window; if `limit` remain, how long until the oldest expires.
fn over_limit(
    failures: Option<&mut VecDeque<OffsetDateTime>>,
    limit: usize,
    window: Duration,
    now: OffsetDateTime,
) -> Option<Duration> {
    let failures = failures?;
    while failures.front().is_some_and(|t| since(now, *t) >= window) {
        failures.pop_front();
    }
    (failures.len() >= limit).then(|| window.saturating_sub(since(now, failures[0])))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ATTACKER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 9));
    const USER_HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 4));

    fn throttle() -> LoginThrottle {
        LoginThrottle::new(Limits {
            per_account: 5,
            per_address: 8,
            ..Limits::default()
        })
    }

    #[test]
    fn an_account_under_attack_is_closed_to_new_addresses_only() {
        let t = throttle();
        let now = time::macros::datetime!(2026-12-02 10:00 UTC);
        t.record_success("alice@x.fr", USER_HOME, now);
        for _ in 0..5 {
            t.check("alice@x.fr", ATTACKER, now).unwrap();
            t.record_failure("alice@x.fr", ATTACKER, now);
        }
        assert!(t.check("alice@x.fr", ATTACKER, now).is_err());
        // A third address has never signed in: refused too.
        assert!(
            t.check("alice@x.fr", IpAddr::from([192, 0, 2, 1]), now)
                .is_err()
        );
        // Alice's own address still gets through.
        assert!(t.check("alice@x.fr", USER_HOME, now).is_ok());
    }

    #[test]
    fn an_address_spraying_many_accounts_is_stopped() {
        let t = throttle();
        let now = time::macros::datetime!(2026-12-02 10:00 UTC);
        for i in 0..8 {
            let account = format!("user{i}@x.fr");
            t.check(&account, ATTACKER, now).unwrap();
            t.record_failure(&account, ATTACKER, now);
        }
        let refused = t.check("fresh@x.fr", ATTACKER, now).unwrap_err();
        assert!(refused.retry_after <= Duration::from_secs(3600));
    }

    #[test]
    fn failures_expire_with_the_window() {
        let t = throttle();
        let start = time::macros::datetime!(2026-12-02 10:00 UTC);
        for _ in 0..5 {
            t.record_failure("bob@x.fr", ATTACKER, start);
        }
        assert!(t.check("bob@x.fr", ATTACKER, start).is_err());
        assert!(
            t.check("bob@x.fr", ATTACKER, start + Duration::from_secs(3601))
                .is_ok()
        );
    }
}
