//! Coordinator monitoring, the pure part: how a referral's delays are counted, how figures add
//! up and become rates and percentiles, when a partner is flagged, and the written definition of
//! every figure.
//!
//! The API keeps one summary row per referral ([`DelayTrack`], updated in the transaction of each
//! change) and aggregates those rows in SQL into [`Figures`]; nothing here touches a database.
//!
//! Delays are in working days (the [`crate::calendar`]: weekends and French public holidays do
//! not count), counted on the dates of the instants, with the clock stopped while a referral is
//! INFO_REQUESTED — exactly as due dates are.

mod definitions;

pub use definitions::{Definition, FLAGGED, REPORT, WEEKLY, definition};

use std::collections::BTreeMap;

use time::{Date, Duration, OffsetDateTime};

use crate::code_enum::code_enum;
use crate::{DeclineReason, Error, Outcome, ReferralEventKind, ReferralStatus, Result};

code_enum! {
    /// What the receiver decided: the end of the receiver's first examination.
    pub enum Decision (field = "decision") {
        Accept = "ACCEPT" => "Acceptation",
        Decline = "DECLINE" => "Refus",
        Redirect = "REDIRECT" => "Réorientation",
    }
}

/// When something happened to a referral, and after how many working days of running clock
/// since it was sent.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub at: OffsetDateTime,
    pub days: u32,
}

/// The delays of one referral, folded from its timeline one event at a time: the API stores it
/// as the referral's summary row and updates it in the transaction of each change.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct DelayTrack {
    pub sent_at: OffsetDateTime,
    /// The due date promised when it was sent. The first answer always comes before any pause
    /// (asking for information *is* an answer), so this is the due date it is measured against.
    pub first_due_at: OffsetDateTime,
    /// Set while INFO_REQUESTED: the clock is stopped since then.
    pub paused_since: Option<OffsetDateTime>,
    /// Working days spent in finished pauses.
    pub paused_days: u32,
    /// The receiver's first answer: acknowledge, ask for information, accept, decline, redirect.
    pub first_answer: Option<Step>,
    pub decision: Option<(Decision, Step)>,
    /// Completion with an outcome.
    pub completion: Option<Step>,
}

/// Whether a timeline event of this kind can change a referral's figures (comments,
/// assignments and deadline notices cannot).
pub const fn concerns_delays(kind: ReferralEventKind) -> bool {
    use ReferralEventKind as K;
    matches!(
        kind,
        K::Create
            | K::Acknowledge
            | K::RequestInfo
            | K::ProvideInfo
            | K::Accept
            | K::Decline
            | K::Redirect
            | K::Complete
            | K::Cancel
            | K::ConsentWithdrawn
    )
}

impl DelayTrack {
    /// A referral just sent at `sent_at`, due at `due_at`.
    pub const fn sent(sent_at: OffsetDateTime, due_at: OffsetDateTime) -> Self {
        Self {
            sent_at,
            first_due_at: due_at,
            paused_since: None,
            paused_days: 0,
            first_answer: None,
            decision: None,
            completion: None,
        }
    }

    /// Working days of running clock from sending to `at`: the working days in
    /// `(sent date, at date]`, less those spent waiting for information.
    pub fn elapsed(&self, at: OffsetDateTime) -> u32 {
        let total = crate::working_days_between(self.sent_at.date(), at.date());
        let paused = i64::from(self.paused_days)
            + self.paused_since.map_or(0, |since| {
                crate::working_days_between(since.date(), at.date()).max(0)
            });
        u32::try_from((total - paused).max(0)).unwrap_or(u32::MAX)
    }

    /// Folds one timeline event in: `kind` happened at `at`, leaving the referral in `to`.
    /// Events that do not concern delays change nothing; so does an event seen twice.
    pub fn record(&mut self, kind: ReferralEventKind, at: OffsetDateTime, to: ReferralStatus) {
        use ReferralEventKind as K;
        if !concerns_delays(kind) || kind == K::Create {
            return;
        }
        // Leaving INFO_REQUESTED (information provided, a decline, a redirect, a cancellation)
        // restarts the clock first, so the step is measured on the running clock.
        if let Some(since) = self.paused_since
            && !to.clock_paused()
        {
            let days = crate::working_days_between(since.date(), at.date()).max(0);
            self.paused_days = self
                .paused_days
                .saturating_add(u32::try_from(days).unwrap_or(u32::MAX));
            self.paused_since = None;
        }
        let step = Step {
            at,
            days: self.elapsed(at),
        };
        let answer = matches!(
            kind,
            K::Acknowledge | K::RequestInfo | K::Accept | K::Decline | K::Redirect
        );
        if answer && self.first_answer.is_none() {
            self.first_answer = Some(step);
        }
        let decision = match kind {
            K::Accept => Some(Decision::Accept),
            K::Decline => Some(Decision::Decline),
            K::Redirect => Some(Decision::Redirect),
            _ => None,
        };
        if let Some(decision) = decision
            && self.decision.is_none()
        {
            self.decision = Some((decision, step));
        }
        if kind == K::Complete && self.completion.is_none() {
            self.completion = Some(step);
        }
        if to.clock_paused() && self.paused_since.is_none() {
            self.paused_since = Some(at);
        }
    }

    /// Whether the first answer came by the due date promised at sending (`None`: no answer).
    pub fn answered_in_time(&self) -> Option<bool> {
        self.first_answer.map(|a| a.at <= self.first_due_at)
    }
}

/// The Monday of the week of `date` (weeks run Monday to Sunday, as in France).
pub fn week_start(date: Date) -> Date {
    date - Duration::days(i64::from(date.weekday().number_days_from_monday()))
}

/// Counts of referrals by a number of working days (or a chain length): what SQL returns for a
/// `GROUP BY days`, so percentiles are computed without ever loading the referrals.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Histogram(BTreeMap<u32, u64>);

impl Histogram {
    pub fn add(&mut self, value: u32, count: u64) {
        if count > 0 {
            *self.0.entry(value).or_default() += count;
        }
    }

    pub fn merge(&mut self, other: &Self) {
        for (value, count) in &other.0 {
            self.add(*value, *count);
        }
    }

    pub fn count(&self) -> u64 {
        self.0.values().sum()
    }

    /// The values and how often each occurs, smallest first.
    pub fn iter(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        self.0.iter().map(|(v, c)| (*v, *c))
    }

    /// The value at 1-based `rank` in sorted order.
    fn at_rank(&self, rank: u64) -> Option<u32> {
        let mut seen = 0;
        for (value, count) in &self.0 {
            seen += count;
            if seen >= rank {
                return Some(*value);
            }
        }
        None
    }

    /// The median: the middle value, or the mean of the two middle values when the count is
    /// even. `None` when empty.
    pub fn median(&self) -> Option<f64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let low = self.at_rank(n.div_ceil(2))?;
        let high = self.at_rank(n / 2 + 1)?;
        Some(if n % 2 == 1 {
            f64::from(low)
        } else {
            (f64::from(low) + f64::from(high)) / 2.0
        })
    }

    /// The `percent`-th percentile by the nearest-rank method: the smallest value such that at
    /// least `percent` % of the values are at most it. `None` when empty.
    pub fn percentile(&self, percent: u32) -> Option<f64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let rank = (n * u64::from(percent.clamp(1, 100))).div_ceil(100).max(1);
        self.at_rank(rank).map(f64::from)
    }

    pub fn p90(&self) -> Option<f64> {
        self.percentile(90)
    }
}

/// `part / whole`, or `None` when there is nothing to divide.
pub fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// First answers to requests sent during a period, and how soon they came: the same figures
/// for referrals and, later, escalations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FirstAnswers {
    /// Requests that got a first answer.
    pub answered: u64,
    /// Of those, answered by the promised due date.
    pub in_time: u64,
    /// Requests still without an answer when their due date passed (open now, or closed
    /// later than it).
    pub late_unanswered: u64,
    /// Working days to the first answer.
    pub days: Histogram,
}

impl FirstAnswers {
    pub fn merge(&mut self, other: &Self) {
        self.answered += other.answered;
        self.in_time += other.in_time;
        self.late_unanswered += other.late_unanswered;
        self.days.merge(&other.days);
    }

    /// The requests whose answer is due or given: the base of the in-time share.
    pub fn measured(&self) -> u64 {
        self.answered + self.late_unanswered
    }

    /// Share answered by the due date, among those answered or past due.
    pub fn in_time_rate(&self) -> Option<f64> {
        rate(self.in_time, self.measured())
    }

    /// Share answered late or not at all by the due date: the complement of the above.
    pub fn late_rate(&self) -> Option<f64> {
        rate(self.measured() - self.in_time, self.measured())
    }
}

/// The figures of a set of referrals sent during a period (one service, one organisation, the
/// territory): counts that add up, and histograms that merge.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figures {
    pub sent: u64,
    pub open: u64,
    pub overdue: u64,
    pub accepted: u64,
    pub declined: u64,
    pub redirected: u64,
    pub cancelled: u64,
    pub completed: u64,
    pub right_opened: u64,
    /// Decisions taken: acceptances, declines and redirects.
    pub decisions: u64,
    pub first_answers: FirstAnswers,
    pub days_to_decision: Histogram,
    pub days_to_completion: Histogram,
    pub decline_reasons: BTreeMap<DeclineReason, u64>,
    pub outcomes: BTreeMap<Outcome, u64>,
    /// Referrals not redirected further, by the length of the chain that brought them (1 = sent
    /// there directly).
    pub chain_lengths: Histogram,
}

impl Figures {
    pub fn merge(&mut self, other: &Self) {
        self.sent += other.sent;
        self.open += other.open;
        self.overdue += other.overdue;
        self.accepted += other.accepted;
        self.declined += other.declined;
        self.redirected += other.redirected;
        self.cancelled += other.cancelled;
        self.completed += other.completed;
        self.right_opened += other.right_opened;
        self.decisions += other.decisions;
        self.first_answers.merge(&other.first_answers);
        self.days_to_decision.merge(&other.days_to_decision);
        self.days_to_completion.merge(&other.days_to_completion);
        for (reason, n) in &other.decline_reasons {
            *self.decline_reasons.entry(*reason).or_default() += n;
        }
        for (outcome, n) in &other.outcomes {
            *self.outcomes.entry(*outcome).or_default() += n;
        }
        self.chain_lengths.merge(&other.chain_lengths);
    }

    /// Referrals that got a first answer.
    pub fn acknowledged(&self) -> u64 {
        self.first_answers.answered
    }

    /// Acceptances among decisions (acceptances, declines, redirects).
    pub fn acceptance_rate(&self) -> Option<f64> {
        rate(self.accepted, self.decisions)
    }

    /// Completed with an outcome, among the referrals sent that were not redirected (a
    /// redirected referral's loop is closed, or not, by the referral it led to).
    pub fn loop_closed_rate(&self) -> Option<f64> {
        rate(self.completed, self.sent - self.redirected.min(self.sent))
    }

    pub fn answered_in_time_rate(&self) -> Option<f64> {
        self.first_answers.in_time_rate()
    }
}

/// A territory's alert thresholds, in percent.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct AlertThresholds {
    /// An organisation is flagged when more than this share of its referrals were answered
    /// late (or not at all) by their due date.
    pub late_percent_above: u32,
    /// … or when fewer than this share of its decisions were acceptances.
    pub acceptance_percent_below: u32,
    /// A rate is judged only over at least this many referrals, so one late answer out of two
    /// does not flag a partner.
    pub min_referrals: u32,
}

impl Default for AlertThresholds {
    fn default() -> Self {
        Self {
            late_percent_above: 30,
            acceptance_percent_below: 25,
            min_referrals: 5,
        }
    }
}

impl AlertThresholds {
    /// Checks values given as input: percents within 0–100, a sample of 1 to 1,000.
    pub fn parse(late: i32, acceptance: i32, min_referrals: i32) -> Result<Self> {
        let percent = |field: &str, value: i32| {
            u32::try_from(value)
                .ok()
                .filter(|v| *v <= 100)
                .ok_or_else(|| Error::invalid(field, "doit être un pourcentage entre 0 et 100"))
        };
        Ok(Self {
            late_percent_above: percent("latePercentAbove", late)?,
            acceptance_percent_below: percent("acceptancePercentBelow", acceptance)?,
            min_referrals: u32::try_from(min_referrals)
                .ok()
                .filter(|v| (1..=1000).contains(v))
                .ok_or_else(|| Error::invalid("minReferrals", "doit être entre 1 et 1000"))?,
        })
    }
}

code_enum! {
    /// Why an organisation is flagged.
    pub enum Alert (field = "alert") {
        LateAnswers = "LATE_ANSWERS" => "Trop de réponses en retard",
        LowAcceptance = "LOW_ACCEPTANCE" => "Taux d'acceptation faible",
    }
}

/// The alerts an organisation's figures raise under `thresholds`.
pub fn alerts(figures: &Figures, thresholds: &AlertThresholds) -> Vec<Alert> {
    let enough = |n: u64| n >= u64::from(thresholds.min_referrals);
    let mut raised = Vec::new();
    let answers = &figures.first_answers;
    if enough(answers.measured())
        && answers
            .late_rate()
            .is_some_and(|late| late * 100.0 > f64::from(thresholds.late_percent_above))
    {
        raised.push(Alert::LateAnswers);
    }
    if enough(figures.decisions)
        && figures
            .acceptance_rate()
            .is_some_and(|rate| rate * 100.0 < f64::from(thresholds.acceptance_percent_below))
    {
        raised.push(Alert::LowAcceptance);
    }
    raised
}

#[cfg(test)]
mod tests;
