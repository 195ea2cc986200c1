//! The time source. Production reads the system clock; tests move it forward instead of
//! sleeping, so deadline rules can be checked at any working day.

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

use time::OffsetDateTime;

#[derive(Clone, Default)]
pub struct Clock {
    /// Seconds added to the system time.
    offset: Arc<AtomicI64>,
}

impl Clock {
    /// Now, to the microsecond: PostgreSQL keeps no more, and a time that does not survive a
    /// round trip would break keyset cursors and equality checks.
    pub fn now(&self) -> OffsetDateTime {
        let now = OffsetDateTime::now_utc()
            + time::Duration::seconds(self.offset.load(Ordering::Relaxed));
        now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000)
            .unwrap_or(now)
    }

    /// Moves the clock so that `now()` is `at` (tests travel to a given working day).
    pub fn travel_to(&self, at: OffsetDateTime) {
        let offset = at - OffsetDateTime::now_utc();
        self.offset.store(offset.whole_seconds(), Ordering::Relaxed);
    }

    pub fn advance(&self, by: time::Duration) {
        self.offset.fetch_add(by.whole_seconds(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_now_forward() {
        let clock = Clock::default();
        let before = clock.now();
        clock.advance(time::Duration::days(3));
        assert!(clock.now() - before >= time::Duration::days(3));
    }
}
