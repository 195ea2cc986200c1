use time::macros::{date, datetime};

use super::*;
use crate::ReferralEventKind as K;
use crate::ReferralStatus as S;

fn histogram(values: &[u32]) -> Histogram {
    let mut h = Histogram::default();
    for v in values {
        h.add(*v, 1);
    }
    h
}

#[test]
fn median_is_the_middle_or_the_mean_of_the_two_middles() {
    assert_eq!(histogram(&[]).median(), None);
    assert_eq!(histogram(&[4]).median(), Some(4.0));
    assert_eq!(histogram(&[9, 1, 5, 1, 0]).median(), Some(1.0));
    assert_eq!(histogram(&[1, 2, 3, 4]).median(), Some(2.5));
    assert_eq!(histogram(&[3, 3, 3, 10]).median(), Some(3.0));
}

#[test]
fn p90_is_the_nearest_rank() {
    assert_eq!(histogram(&[]).p90(), None);
    assert_eq!(histogram(&[7]).p90(), Some(7.0));
    // Rank ⌈0.9 × 5⌉ = 5.
    assert_eq!(histogram(&[0, 1, 1, 5, 9]).p90(), Some(9.0));
    // Rank ⌈0.9 × 10⌉ = 9.
    assert_eq!(histogram(&(1..=10).collect::<Vec<_>>()).p90(), Some(9.0));
    // Rank ⌈0.9 × 20⌉ = 18: eighteen 2s, then two 30s.
    let mut h = Histogram::default();
    h.add(2, 18);
    h.add(30, 2);
    assert_eq!(h.p90(), Some(2.0));
    h.add(30, 1);
    // 21 values: rank ⌈18.9⌉ = 19 → 30.
    assert_eq!(h.p90(), Some(30.0));
}

#[test]
fn histograms_merge_by_adding_counts() {
    let mut a = histogram(&[1, 2]);
    a.merge(&histogram(&[2, 8]));
    assert_eq!(a.iter().collect::<Vec<_>>(), [(1, 1), (2, 2), (8, 1)]);
    assert_eq!(a.count(), 4);
    a.add(5, 0);
    assert_eq!(a.count(), 4, "adding nothing adds no value");
}

#[test]
fn rates_are_none_without_a_base() {
    assert_eq!(rate(1, 4), Some(0.25));
    assert_eq!(rate(0, 0), None);
}

/// Sent on Thursday 7 May 2026; Friday 8 May (Victory in Europe Day) and Thursday 14 May
/// (Ascension) are public holidays.
#[test]
fn delays_skip_weekends_and_holidays_and_stop_while_information_is_awaited() {
    let mut track = DelayTrack::sent(
        datetime!(2026-05-07 10:00 UTC),
        datetime!(2026-05-12 10:00 UTC),
    );
    // Monday 11: Fri 8 (holiday), Sat, Sun do not count → 1 working day.
    track.record(
        K::Acknowledge,
        datetime!(2026-05-11 09:00 UTC),
        S::Acknowledged,
    );
    assert_eq!(
        track.first_answer,
        Some(Step {
            at: datetime!(2026-05-11 09:00 UTC),
            days: 1
        })
    );
    assert_eq!(track.answered_in_time(), Some(true));
    // Tuesday 12: 2 days; the clock stops.
    track.record(
        K::RequestInfo,
        datetime!(2026-05-12 15:00 UTC),
        S::InfoRequested,
    );
    assert_eq!(track.paused_since, Some(datetime!(2026-05-12 15:00 UTC)));
    assert_eq!(track.elapsed(datetime!(2026-05-15 10:00 UTC)), 2, "stopped");
    // Monday 18: the pause lasted Wed 13, [Thu 14 holiday], Fri 15, Mon 18 = 3 working days.
    track.record(
        K::ProvideInfo,
        datetime!(2026-05-18 11:00 UTC),
        S::Acknowledged,
    );
    assert_eq!((track.paused_since, track.paused_days), (None, 3));
    // Wednesday 20: 7 working days since Thursday 7, less 3 paused = 4.
    track.record(K::Accept, datetime!(2026-05-20 16:00 UTC), S::Accepted);
    assert_eq!(
        track.decision,
        Some((
            Decision::Accept,
            Step {
                at: datetime!(2026-05-20 16:00 UTC),
                days: 4
            }
        ))
    );
    // Friday 22: 9 − 3 = 6.
    track.record(K::Complete, datetime!(2026-05-22 10:00 UTC), S::Completed);
    assert_eq!(track.completion.map(|s| s.days), Some(6));
    // The first answer stays the first.
    assert_eq!(track.first_answer.map(|s| s.days), Some(1));
}

#[test]
fn a_decline_while_waiting_ends_the_pause_first() {
    // Sent Monday 2 March 2026, information asked the same day, declined Thursday 5 March.
    let mut track = DelayTrack::sent(
        datetime!(2026-03-02 09:00 UTC),
        datetime!(2026-03-16 09:00 UTC),
    );
    track.record(
        K::RequestInfo,
        datetime!(2026-03-02 11:00 UTC),
        S::InfoRequested,
    );
    track.record(K::Decline, datetime!(2026-03-05 11:00 UTC), S::Declined);
    assert_eq!(track.first_answer.map(|s| s.days), Some(0));
    assert_eq!(track.paused_days, 3);
    assert_eq!(
        track.decision.map(|(d, s)| (d, s.days)),
        Some((Decision::Decline, 0))
    );
}

#[test]
fn a_late_first_answer_is_not_in_time_and_events_that_do_not_concern_delays_change_nothing() {
    let mut track = DelayTrack::sent(
        datetime!(2026-03-02 09:00 UTC),
        datetime!(2026-03-04 09:00 UTC),
    );
    let before = track;
    for kind in [
        K::Comment,
        K::Assign,
        K::Unassigned,
        K::ReminderSent,
        K::OverdueNoticeSent,
        K::Escalated,
        K::Create,
    ] {
        track.record(kind, datetime!(2026-03-03 09:00 UTC), S::Sent);
    }
    assert_eq!(track, before);
    assert_eq!(track.answered_in_time(), None);
    track.record(
        K::Acknowledge,
        datetime!(2026-03-04 09:00:01 UTC),
        S::Acknowledged,
    );
    assert_eq!(track.answered_in_time(), Some(false));
    // A sender's cancellation is not an answer.
    let mut cancelled = before;
    cancelled.record(K::Cancel, datetime!(2026-03-03 09:00 UTC), S::Cancelled);
    assert_eq!(cancelled.first_answer, None);
}

#[test]
fn weeks_start_on_monday() {
    assert_eq!(week_start(date!(2026 - 03 - 02)), date!(2026 - 03 - 02));
    assert_eq!(week_start(date!(2026 - 03 - 08)), date!(2026 - 03 - 02));
    assert_eq!(week_start(date!(2026 - 01 - 01)), date!(2025 - 12 - 29));
}

fn figures(
    answered: u64,
    in_time: u64,
    late_unanswered: u64,
    accepted: u64,
    decisions: u64,
) -> Figures {
    Figures {
        sent: answered + late_unanswered,
        accepted,
        decisions,
        first_answers: FirstAnswers {
            answered,
            in_time,
            late_unanswered,
            days: Histogram::default(),
        },
        ..Figures::default()
    }
}

#[test]
fn organisations_over_a_threshold_are_flagged_on_enough_referrals() {
    let thresholds = AlertThresholds::default();
    // 3 late of 10 = 30 %: not above 30 %.
    assert_eq!(alerts(&figures(10, 7, 0, 5, 10), &thresholds), []);
    // 2 answered late + 2 unanswered past due, of 10 measured = 40 %.
    assert_eq!(
        alerts(&figures(8, 6, 2, 5, 10), &thresholds),
        [Alert::LateAnswers]
    );
    // 2 acceptances of 10 decisions = 20 % < 25 %.
    assert_eq!(
        alerts(&figures(10, 10, 0, 2, 10), &thresholds),
        [Alert::LowAcceptance]
    );
    // Too few to judge: 4 measured, all late; 4 decisions, none accepted.
    assert_eq!(alerts(&figures(4, 0, 0, 0, 4), &thresholds), []);
    let strict = AlertThresholds {
        min_referrals: 1,
        ..thresholds
    };
    assert_eq!(
        alerts(&figures(4, 0, 0, 0, 4), &strict),
        [Alert::LateAnswers, Alert::LowAcceptance]
    );
}

#[test]
fn thresholds_are_checked() {
    assert_eq!(
        AlertThresholds::parse(30, 25, 5),
        Ok(AlertThresholds::default())
    );
    assert!(AlertThresholds::parse(101, 25, 5).is_err());
    assert!(AlertThresholds::parse(30, -1, 5).is_err());
    assert!(AlertThresholds::parse(30, 25, 0).is_err());
}

#[test]
fn rates_of_figures() {
    let mut f = figures(8, 6, 2, 3, 4);
    f.sent = 12;
    f.redirected = 2;
    f.completed = 5;
    assert_eq!(f.acceptance_rate(), Some(0.75));
    assert_eq!(f.loop_closed_rate(), Some(0.5));
    assert_eq!(f.answered_in_time_rate(), Some(0.6));
    assert_eq!(f.first_answers.late_rate(), Some(0.4));
    assert_eq!(Figures::default().acceptance_rate(), None);
    let mut total = Figures::default();
    total.merge(&f);
    total.merge(&f);
    assert_eq!(total.sent, 24);
    assert_eq!(total.first_answers.measured(), 20);
    assert_eq!(total.acceptance_rate(), Some(0.75));
}

#[test]
fn every_figure_is_defined_once_in_french() {
    for list in [REPORT, WEEKLY] {
        let mut keys: Vec<_> = list.iter().map(|d| d.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), list.len(), "one definition per key");
        for d in list {
            assert!(!d.label.is_empty() && d.definition.ends_with('.'), "{d:?}");
        }
    }
    assert_eq!(
        definition("rightOpened").map(|d| d.label),
        Some("Droits ouverts")
    );
}
