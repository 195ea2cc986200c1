//! The time source. Production reads the system clock; tests move it forward instead of
//! sleeping, so deadline rules can be checked at any working day.

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

use time::OffsetDateTime;

#[derive(Clone, Default)]
pub struct Clock {
    /// Microseconds added to the system time.
    offset: Arc<AtomicI64>,
}

impl Clock {
    /// Now, to the microsecond: PostgreSQL keeps no more, and a time that does not survive a
    /// round trip would break keyset cursors and equality checks.
    pub fn now(&self) -> OffsetDateTime {
        let now = OffsetDateTime::now_utc()
            + time::Duration::microseconds(self.offset.load(Ordering::Relaxed));
        now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000)
            .unwrap_or(now)
    }

    /// Moves the clock so that `now()` is `at` (tests travel to a given working day). To the
    /// microsecond: whole seconds would land up to a second before `at`, on the wrong side of
    /// a due moment half of the time.
    pub fn travel_to(&self, at: OffsetDateTime) {
        let offset = at - OffsetDateTime::now_utc();
        self.offset.store(micros(offset), Ordering::Relaxed);
    }

    pub fn advance(&self, by: time::Duration) {
        self.offset.fetch_add(micros(by), Ordering::Relaxed);
    }
}

fn micros(d: time::Duration) -> i64 {
    i64::try_from(d.whole_microseconds()).unwrap_or(i64::MAX)
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

    #[test]
    fn travelling_lands_on_the_moment_not_a_second_before() {
        let clock = Clock::default();
        let at = time::macros::datetime!(2027-03-01 09:00 UTC);
        clock.travel_to(at);
        let now = clock.now();
        let off = now - at;
        assert!(
            off > -time::Duration::milliseconds(1) && off < time::Duration::seconds(1),
            "{now}"
        );
    }
}
