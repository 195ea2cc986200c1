//! Working days in France: due dates are promised in working days, so weekends and the eleven
//! national public holidays do not count.
//!
//! Alsace-Moselle's two extra days (Good Friday, 26 December) are not included: no tenant there yet.

use time::{Date, Duration, Month, OffsetDateTime, Weekday};

/// Easter Sunday of `year` (Gregorian calendar), by the anonymous Gregorian computus
/// (Meeus/Jones/Butcher). Panics outside the years `time` can represent (±9999).
pub fn easter_sunday(year: i32) -> Date {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    let month = if month == 3 {
        Month::March
    } else {
        Month::April
    };
    Date::from_calendar_date(year, month, day as u8).expect("the computus yields March or April")
}

/// Whether `date` is a French national public holiday (jour férié).
pub fn is_public_holiday(date: Date) -> bool {
    use Month::*;
    let fixed = matches!(
        (date.month(), date.day()),
        (January, 1)
            | (May, 1)
            | (May, 8)
            | (July, 14)
            | (August, 15)
            | (November, 1)
            | (November, 11)
            | (December, 25)
    );
    if fixed {
        return true;
    }
    if !matches!(date.month(), March | April | May | June) {
        return false;
    }
    let easter = easter_sunday(date.year());
    // Easter Monday, Ascension Thursday, Whit Monday.
    [1, 39, 50]
        .into_iter()
        .any(|offset| easter + Duration::days(offset) == date)
}

/// Monday to Friday, and not a public holiday.
pub fn is_working_day(date: Date) -> bool {
    !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) && !is_public_holiday(date)
}

/// The date `days` working days after `start`: counting starts the day after, so a referral sent on
/// a Friday with one day to answer is due on Monday. `0` returns `start` itself.
pub fn add_working_days(start: Date, days: u32) -> Date {
    let mut date = start;
    let mut left = days;
    while left > 0 {
        date = date.next_day().expect("due dates stay within year 9999");
        if is_working_day(date) {
            left -= 1;
        }
    }
    date
}

/// Number of working days in `(from, to]`; negative (the count over `(to, from]`) when `to` is
/// before `from`. Used for delays in monitoring and for how far past its due date a referral is.
pub fn working_days_between(from: Date, to: Date) -> i64 {
    let (low, high, sign) = if from <= to {
        (from, to, 1)
    } else {
        (to, from, -1)
    };
    let mut count = 0;
    let mut date = low;
    while date < high {
        date = date.next_day().expect("date is before another valid date");
        if is_working_day(date) {
            count += 1;
        }
    }
    sign * count
}

/// The due moment `days` working days after `start`, at the same time of day and UTC offset.
pub fn due_at(start: OffsetDateTime, days: u32) -> OffsetDateTime {
    start.replace_date(add_working_days(start.date(), days))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn easter_matches_known_dates() {
        for (year, easter) in [
            (2024, date!(2024 - 03 - 31)),
            (2025, date!(2025 - 04 - 20)),
            (2026, date!(2026 - 04 - 05)),
            (2027, date!(2027 - 03 - 28)),
            (2038, date!(2038 - 04 - 25)),
            (2008, date!(2008 - 03 - 23)),
            (2285, date!(2285 - 03 - 22)),
        ] {
            assert_eq!(easter_sunday(year), easter, "{year}");
        }
    }

    #[test]
    fn the_eleven_holidays_of_2026() {
        let holidays: Vec<Date> = {
            let mut date = date!(2026 - 01 - 01);
            let mut found = vec![];
            while date.year() == 2026 {
                if is_public_holiday(date) {
                    found.push(date);
                }
                date = date.next_day().unwrap();
            }
            found
        };
        assert_eq!(
            holidays,
            [
                date!(2026 - 01 - 01),
                date!(2026 - 04 - 06), // Easter Monday
                date!(2026 - 05 - 01),
                date!(2026 - 05 - 08),
                date!(2026 - 05 - 14), // Ascension
                date!(2026 - 05 - 25), // Whit Monday
                date!(2026 - 07 - 14),
                date!(2026 - 08 - 15),
                date!(2026 - 11 - 01),
                date!(2026 - 11 - 11),
                date!(2026 - 12 - 25),
            ]
        );
    }

    #[test]
    fn weekends_and_holidays_are_not_working_days() {
        assert!(is_working_day(date!(2026 - 03 - 02))); // Monday
        assert!(!is_working_day(date!(2026 - 03 - 07))); // Saturday
        assert!(!is_working_day(date!(2026 - 03 - 08))); // Sunday
        assert!(!is_working_day(date!(2026 - 07 - 14))); // Tuesday, national day
        assert!(!is_working_day(date!(2024 - 04 - 01))); // Easter Monday 2024
        assert!(!is_working_day(date!(2024 - 03 - 31))); // Easter Sunday is a Sunday anyway
    }

    #[test]
    fn adding_zero_days_keeps_the_start() {
        assert_eq!(
            add_working_days(date!(2026 - 03 - 07), 0),
            date!(2026 - 03 - 07)
        );
    }

    #[test]
    fn adding_days_skips_the_weekend() {
        // Friday + 1 = Monday; Thursday + 3 = Tuesday.
        assert_eq!(
            add_working_days(date!(2026 - 03 - 06), 1),
            date!(2026 - 03 - 09)
        );
        assert_eq!(
            add_working_days(date!(2026 - 03 - 05), 3),
            date!(2026 - 03 - 10)
        );
        // From a Saturday, the first working day is Monday.
        assert_eq!(
            add_working_days(date!(2026 - 03 - 07), 1),
            date!(2026 - 03 - 09)
        );
        assert_eq!(
            add_working_days(date!(2026 - 03 - 02), 10),
            date!(2026 - 03 - 16)
        );
    }

    #[test]
    fn adding_days_skips_easter_monday() {
        // Thursday 2 April 2026 + 2 = Tuesday 7 April (Fri 3, [Mon 6 off], Tue 7).
        assert_eq!(
            add_working_days(date!(2026 - 04 - 02), 2),
            date!(2026 - 04 - 07)
        );
    }

    #[test]
    fn adding_days_across_may_2026() {
        // Thu 30 April + 5: [Fri 1 May off], Mon 4, Tue 5, Wed 6, Thu 7, [Fri 8 May off], Mon 11.
        assert_eq!(
            add_working_days(date!(2026 - 04 - 30), 5),
            date!(2026 - 05 - 11)
        );
        // Mon 11 + 4: Tue 12, Wed 13, [Thu 14 Ascension off], Fri 15, Mon 18.
        assert_eq!(
            add_working_days(date!(2026 - 05 - 11), 4),
            date!(2026 - 05 - 18)
        );
        // Whole stretch in one go.
        assert_eq!(
            add_working_days(date!(2026 - 04 - 30), 9),
            date!(2026 - 05 - 18)
        );
    }

    #[test]
    fn adding_days_across_christmas_and_new_year() {
        // Wed 23 Dec 2026 + 3: Thu 24, [Fri 25 off], Mon 28, Tue 29.
        assert_eq!(
            add_working_days(date!(2026 - 12 - 23), 3),
            date!(2026 - 12 - 29)
        );
        // Wed 30 Dec 2026 + 2: Thu 31, [Fri 1 Jan off], Mon 4 Jan 2027.
        assert_eq!(
            add_working_days(date!(2026 - 12 - 30), 2),
            date!(2027 - 01 - 04)
        );
    }

    #[test]
    fn working_days_between_is_the_inverse_of_adding() {
        let start = date!(2026 - 04 - 30);
        for days in 0..60 {
            let end = add_working_days(start, days);
            assert_eq!(working_days_between(start, end), i64::from(days));
            assert_eq!(working_days_between(end, start), -i64::from(days));
        }
        assert_eq!(
            working_days_between(date!(2026 - 03 - 06), date!(2026 - 03 - 08)),
            0
        );
        assert_eq!(
            working_days_between(date!(2026 - 03 - 06), date!(2026 - 03 - 06)),
            0
        );
    }

    #[test]
    fn due_at_keeps_time_and_offset() {
        let sent = datetime!(2026-12-24 16:30 +01:00);
        assert_eq!(due_at(sent, 1), datetime!(2026-12-28 16:30 +01:00));
        assert_eq!(due_at(sent, 0), sent);
    }
}
