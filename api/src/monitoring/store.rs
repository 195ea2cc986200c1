//! Monitoring in the database: the summary row of each referral (`referral_figures`), written in
//! the transaction of every change that concerns its delays, and the `GROUP BY`s over those rows
//! that the report is made of. No query here returns referrals: only counts per organisation and
//! service, and counts per number of working days (histograms), from which `domain` computes
//! medians and percentiles.

use std::collections::HashMap;

use domain::{
    DeclineReason, Outcome, ReferralEventKind, ReferralId, ReferralStatus, TenantId, Urgency,
    monitoring::{self, DelayTrack, Figures, Histogram, Step},
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, ExprTrait,
    FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, Func, OnConflict, SimpleExpr},
};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::{
    directory,
    entities::{referral, referral_figure},
    error::ApiResult,
    referrals,
    store::{Coded, codes},
};

use referral_figure::Column as C;

// ------------------------------------------------------------------------- the summary rows

fn step(at: Option<OffsetDateTime>, days: Option<i32>) -> Option<Step> {
    Some(Step {
        at: at?,
        days: u32::try_from(days?).unwrap_or(0),
    })
}

fn days(step: Option<Step>) -> Option<i32> {
    step.map(|s| i32::try_from(s.days).unwrap_or(i32::MAX))
}

/// The delays a summary row holds.
fn track_of(row: &referral_figure::Model) -> DelayTrack {
    DelayTrack {
        sent_at: row.sent_at,
        first_due_at: row.first_due_at,
        paused_since: row.paused_since,
        paused_days: u32::try_from(row.paused_days).unwrap_or(0),
        first_answer: step(row.first_answer_at, row.first_answer_days),
        decision: row
            .decision
            .zip(step(row.decided_at, row.decision_days))
            .map(|(d, s)| (d.0, s)),
        completion: step(row.completed_at, row.completion_days),
    }
}

/// The summary row of a referral in its current state, with its delays.
fn row_of(
    referral: &referral::Model,
    track: &DelayTrack,
    chain_length: i32,
) -> referral_figure::Model {
    let week = |at: Option<OffsetDateTime>| at.map(|at| monitoring::week_start(at.date()));
    referral_figure::Model {
        tenant_id: referral.tenant_id,
        referral_id: referral.id,
        organisation_id: referral.to_organisation_id,
        service_id: referral.service_id,
        status: referral.status,
        outcome: referral.outcome,
        decline_reason: referral.decline_reason,
        chain_length,
        sent_at: track.sent_at,
        sent_week: monitoring::week_start(track.sent_at.date()),
        first_due_at: track.first_due_at,
        due_at: referral.due_at,
        closed_at: referral.closed_at,
        paused_since: track.paused_since,
        paused_days: i32::try_from(track.paused_days).unwrap_or(i32::MAX),
        first_answer_at: track.first_answer.map(|s| s.at),
        first_answer_week: week(track.first_answer.map(|s| s.at)),
        first_answer_days: days(track.first_answer),
        answered_in_time: track.answered_in_time(),
        decision: track.decision.map(|(d, _)| Coded(d)),
        decided_at: track.decision.map(|(_, s)| s.at),
        decision_days: days(track.decision.map(|(_, s)| s)),
        completed_at: track.completion.map(|s| s.at),
        completed_week: week(track.completion.map(|s| s.at)),
        completion_days: days(track.completion),
    }
}

/// Inserts or replaces a summary row.
async fn upsert(conn: &impl ConnectionTrait, row: referral_figure::Model) -> ApiResult<()> {
    referral_figure::Entity::insert(referral_figure::ActiveModel::from(row))
        .on_conflict(
            OnConflict::columns([C::TenantId, C::ReferralId])
                .update_columns([
                    C::Status,
                    C::Outcome,
                    C::DeclineReason,
                    C::ChainLength,
                    C::DueAt,
                    C::ClosedAt,
                    C::PausedSince,
                    C::PausedDays,
                    C::FirstAnswerAt,
                    C::FirstAnswerWeek,
                    C::FirstAnswerDays,
                    C::AnsweredInTime,
                    C::Decision,
                    C::DecidedAt,
                    C::DecisionDays,
                    C::CompletedAt,
                    C::CompletedWeek,
                    C::CompletionDays,
                ])
                .to_owned(),
        )
        .exec(conn)
        .await?;
    Ok(())
}

/// How many referrals the chain up to this one counts (1: not redirected).
async fn chain_length(conn: &impl ConnectionTrait, row: &referral::Model) -> ApiResult<i32> {
    let tenant = TenantId::from_uuid(row.tenant_id);
    let mut length = 1;
    let mut parent = row.parent_id;
    // Chains are short; the bound only guards against a loop written by hand.
    while let Some(id) = parent
        && length < 64
    {
        parent = referrals::store::get(conn, tenant, ReferralId::from_uuid(id))
            .await?
            .and_then(|p| p.parent_id);
        length += 1;
    }
    Ok(length)
}

/// The delays of a referral replayed from its whole timeline: for a referral whose summary row
/// is missing (made before monitoring existed).
async fn replay(conn: &impl ConnectionTrait, row: &referral::Model) -> ApiResult<DelayTrack> {
    let tenant = TenantId::from_uuid(row.tenant_id);
    let events = referrals::store::timeline(conn, tenant, ReferralId::from_uuid(row.id)).await?;
    // The due date moves only when information is provided; before that, it is the first one.
    let moved = events
        .iter()
        .any(|e| e.kind.0 == ReferralEventKind::ProvideInfo);
    let first_due = if moved {
        let service = directory::store::service_get(
            conn,
            tenant,
            domain::ServiceId::from_uuid(row.service_id),
        )
        .await?;
        let days = match row.urgency.0 {
            Urgency::Standard => service.response_days,
            Urgency::Urgent => service.urgent_response_days,
        };
        domain::due_at(row.created_at, u32::try_from(days).unwrap_or(0))
    } else {
        row.due_at
    };
    let mut track = DelayTrack::sent(row.created_at, first_due);
    for event in events {
        if let Some(to) = event.to_status {
            track.record(event.kind.0, event.at, to.0);
        }
    }
    Ok(track)
}

/// Called by `events::record` for every timeline line, in its transaction: brings the
/// referral's summary row up to date. Lines that do not concern delays cost nothing.
pub async fn record_referral_event(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    referral: ReferralId,
    kind: ReferralEventKind,
    at: OffsetDateTime,
    to: ReferralStatus,
) -> ApiResult<()> {
    if !monitoring::concerns_delays(kind) {
        return Ok(());
    }
    let Some(row) = referrals::store::get(conn, tenant, referral).await? else {
        return Ok(());
    };
    let existing = referral_figure::Entity::find_by_id((tenant.as_uuid(), referral.as_uuid()))
        .one(conn)
        .await?;
    let (track, chain) = match existing {
        Some(summary) if kind != ReferralEventKind::Create => {
            let mut track = track_of(&summary);
            track.record(kind, at, to);
            (track, summary.chain_length)
        }
        _ if kind == ReferralEventKind::Create => (
            DelayTrack::sent(row.created_at, row.due_at),
            chain_length(conn, &row).await?,
        ),
        // No row yet for an older referral: its whole timeline, this line included.
        _ => (replay(conn, &row).await?, chain_length(conn, &row).await?),
    };
    upsert(conn, row_of(&row, &track, chain)).await
}

/// How many referrals one backfill transaction summarises.
const BACKFILL_BATCH: u64 = 500;

/// Writes the summary rows missing for referrals made before monitoring existed (at start-up,
/// after the migrations). Idempotent; each batch in its own write transaction. Returns how many
/// rows were written.
pub async fn backfill(db: &DatabaseConnection) -> ApiResult<usize> {
    let mut written = 0;
    loop {
        let txn = crate::db::begin_write(db).await?;
        let missing: Vec<referral::Model> = referral::Entity::find()
            .filter(Expr::cust(
                "NOT EXISTS (SELECT 1 FROM referral_figures f \
                     WHERE f.tenant_id = referrals.tenant_id AND f.referral_id = referrals.id)",
            ))
            .order_by_asc(referral::Column::CreatedAt)
            .limit(BACKFILL_BATCH)
            .all(&txn)
            .await?;
        if missing.is_empty() {
            txn.commit().await?;
            return Ok(written);
        }
        for row in &missing {
            let track = replay(&txn, row).await?;
            let chain = chain_length(&txn, row).await?;
            upsert(&txn, row_of(row, &track, chain)).await?;
        }
        written += missing.len();
        txn.commit().await?;
    }
}

// ------------------------------------------------------------------------------ the figures

/// Which referrals a report covers: those of the tenant sent in `[from, until)`, optionally
/// received by one organisation or through one service.
#[derive(Debug, Clone, Copy)]
pub struct Cohort {
    pub tenant: TenantId,
    pub from: OffsetDateTime,
    pub until: OffsetDateTime,
    pub organisation: Option<Uuid>,
    pub service: Option<Uuid>,
}

impl Cohort {
    /// The tenant, the receiver and the service: the part every query shares.
    fn scope(&self) -> Condition {
        let mut scope = Condition::all().add(C::TenantId.eq(self.tenant.as_uuid()));
        if let Some(organisation) = self.organisation {
            scope = scope.add(C::OrganisationId.eq(organisation));
        }
        if let Some(service) = self.service {
            scope = scope.add(C::ServiceId.eq(service));
        }
        scope
    }

    /// Sent during the period.
    fn sent(&self) -> Condition {
        self.scope()
            .add(C::SentAt.gte(self.from))
            .add(C::SentAt.lt(self.until))
    }

    /// `column` (an event's time) during the period.
    fn during(&self, column: C) -> Condition {
        self.scope()
            .add(column.gte(self.from))
            .add(column.lt(self.until))
    }
}

/// `SUM(CASE WHEN condition THEN 1 ELSE 0 END)`: a count within a `GROUP BY`.
fn count_if(condition: impl Into<Condition>) -> SimpleExpr {
    Func::sum(Expr::case(condition.into(), Expr::cust("1")).finally(Expr::cust("0"))).into()
}

fn is_open() -> Condition {
    let finals = codes(ReferralStatus::ALL.into_iter().filter(|s| s.is_final()));
    Condition::all().add(C::Status.is_not_in(finals))
}

#[derive(Debug, FromQueryResult)]
struct CountRow {
    organisation_id: Uuid,
    service_id: Uuid,
    sent: i64,
    open: i64,
    overdue: i64,
    answered: i64,
    in_time: i64,
    late_unanswered: i64,
    accepted: i64,
    decisions: i64,
    declined: i64,
    redirected: i64,
    cancelled: i64,
    completed: i64,
    right_opened: i64,
}

#[derive(Debug, FromQueryResult)]
struct ValueRow {
    organisation_id: Uuid,
    service_id: Uuid,
    value: i32,
    n: i64,
}

#[derive(Debug, FromQueryResult)]
struct CodeRow {
    organisation_id: Uuid,
    service_id: Uuid,
    code: String,
    n: i64,
}

/// A stored code that no longer parses is the database's fault, not the caller's.
fn unreadable(err: domain::Error) -> crate::error::ApiError {
    crate::error::ApiError::internal(anyhow::anyhow!(
        "unreadable code in referral_figures: {err:?}"
    ))
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// The figures of a cohort per (receiving organisation, service), `now` deciding what is open
/// and overdue today. Seven aggregate queries over the summary rows, whatever the number of
/// referrals.
pub async fn figures(
    db: &impl ConnectionTrait,
    cohort: &Cohort,
    now: OffsetDateTime,
) -> ApiResult<HashMap<(Uuid, Uuid), Figures>> {
    let status = |s: ReferralStatus| C::Status.eq(s.as_str());
    let counts: Vec<CountRow> = referral_figure::Entity::find()
        .select_only()
        .column(C::OrganisationId)
        .column(C::ServiceId)
        .column_as(C::ReferralId.count(), "sent")
        .column_as(count_if(is_open()), "open")
        .column_as(
            count_if(
                is_open()
                    .add(C::Status.ne(ReferralStatus::InfoRequested.as_str()))
                    .add(C::DueAt.lt(now)),
            ),
            "overdue",
        )
        .column_as(count_if(C::FirstAnswerAt.is_not_null()), "answered")
        .column_as(count_if(C::AnsweredInTime.eq(true)), "in_time")
        .column_as(
            count_if(
                Condition::all().add(C::FirstAnswerAt.is_null()).add(
                    Expr::col(C::FirstDueAt)
                        .lt(Func::coalesce([Expr::col(C::ClosedAt), Expr::val(now)])),
                ),
            ),
            "late_unanswered",
        )
        .column_as(
            count_if(C::Decision.eq(monitoring::Decision::Accept.as_str())),
            "accepted",
        )
        .column_as(count_if(C::Decision.is_not_null()), "decisions")
        .column_as(count_if(status(ReferralStatus::Declined)), "declined")
        .column_as(count_if(status(ReferralStatus::Redirected)), "redirected")
        .column_as(count_if(status(ReferralStatus::Cancelled)), "cancelled")
        .column_as(count_if(status(ReferralStatus::Completed)), "completed")
        .column_as(
            count_if(C::Outcome.eq(Outcome::RightOpened.as_str())),
            "right_opened",
        )
        .filter(cohort.sent())
        .group_by(C::OrganisationId)
        .group_by(C::ServiceId)
        .into_model()
        .all(db)
        .await?;
    let mut out: HashMap<(Uuid, Uuid), Figures> = HashMap::new();
    for c in counts {
        let f = out.entry((c.organisation_id, c.service_id)).or_default();
        f.sent = count(c.sent);
        f.open = count(c.open);
        f.overdue = count(c.overdue);
        f.first_answers.answered = count(c.answered);
        f.first_answers.in_time = count(c.in_time);
        f.first_answers.late_unanswered = count(c.late_unanswered);
        f.accepted = count(c.accepted);
        f.decisions = count(c.decisions);
        f.declined = count(c.declined);
        f.redirected = count(c.redirected);
        f.cancelled = count(c.cancelled);
        f.completed = count(c.completed);
        f.right_opened = count(c.right_opened);
    }
    for (column, extra, histogram) in [
        (
            C::FirstAnswerDays,
            None,
            (|f: &mut Figures| &mut f.first_answers.days) as fn(&mut Figures) -> &mut Histogram,
        ),
        (C::DecisionDays, None, |f: &mut Figures| {
            &mut f.days_to_decision
        }),
        (C::CompletionDays, None, |f: &mut Figures| {
            &mut f.days_to_completion
        }),
        (
            C::ChainLength,
            Some(C::Status.ne(ReferralStatus::Redirected.as_str())),
            |f: &mut Figures| &mut f.chain_lengths,
        ),
    ] {
        let mut condition = cohort.sent().add(column.is_not_null());
        if let Some(extra) = extra {
            condition = condition.add(extra);
        }
        let rows: Vec<ValueRow> = referral_figure::Entity::find()
            .select_only()
            .column(C::OrganisationId)
            .column(C::ServiceId)
            .column_as(column, "value")
            .column_as(C::ReferralId.count(), "n")
            .filter(condition)
            .group_by(C::OrganisationId)
            .group_by(C::ServiceId)
            .group_by(column)
            .into_model()
            .all(db)
            .await?;
        for r in rows {
            let f = out.entry((r.organisation_id, r.service_id)).or_default();
            histogram(f).add(u32::try_from(r.value).unwrap_or(0), count(r.n));
        }
    }
    for (column, reasons) in [(C::DeclineReason, true), (C::Outcome, false)] {
        let rows: Vec<CodeRow> = referral_figure::Entity::find()
            .select_only()
            .column(C::OrganisationId)
            .column(C::ServiceId)
            .column_as(column, "code")
            .column_as(C::ReferralId.count(), "n")
            .filter(cohort.sent().add(column.is_not_null()))
            .group_by(C::OrganisationId)
            .group_by(C::ServiceId)
            .group_by(column)
            .into_model()
            .all(db)
            .await?;
        for r in rows {
            let f = out.entry((r.organisation_id, r.service_id)).or_default();
            if reasons {
                let reason = DeclineReason::parse(&r.code).map_err(unreadable)?;
                *f.decline_reasons.entry(reason).or_default() += count(r.n);
            } else {
                let outcome = Outcome::parse(&r.code).map_err(unreadable)?;
                *f.outcomes.entry(outcome).or_default() += count(r.n);
            }
        }
    }
    Ok(out)
}

/// One week of the weekly series.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WeekCounts {
    pub sent: u64,
    pub first_answers: Histogram,
    pub completed: u64,
    pub right_opened: u64,
}

#[derive(Debug, FromQueryResult)]
struct WeekRow {
    week: Date,
    n: i64,
}

#[derive(Debug, FromQueryResult)]
struct WeekValueRow {
    week: Date,
    value: i32,
    n: i64,
}

#[derive(Debug, FromQueryResult)]
struct WeekCodeRow {
    week: Date,
    code: String,
    n: i64,
}

/// What happened each week of the period: referrals sent, first answers given (with their
/// delays), completions and rights opened — by the week of the event.
pub async fn weekly(
    db: &impl ConnectionTrait,
    cohort: &Cohort,
) -> ApiResult<HashMap<Date, WeekCounts>> {
    let mut out: HashMap<Date, WeekCounts> = HashMap::new();
    let sent: Vec<WeekRow> = referral_figure::Entity::find()
        .select_only()
        .column_as(C::SentWeek, "week")
        .column_as(C::ReferralId.count(), "n")
        .filter(cohort.sent())
        .group_by(C::SentWeek)
        .into_model()
        .all(db)
        .await?;
    for r in sent {
        out.entry(r.week).or_default().sent = count(r.n);
    }
    let answers: Vec<WeekValueRow> = referral_figure::Entity::find()
        .select_only()
        .column_as(C::FirstAnswerWeek, "week")
        .column_as(C::FirstAnswerDays, "value")
        .column_as(C::ReferralId.count(), "n")
        .filter(cohort.during(C::FirstAnswerAt))
        .group_by(C::FirstAnswerWeek)
        .group_by(C::FirstAnswerDays)
        .into_model()
        .all(db)
        .await?;
    for r in answers {
        out.entry(r.week)
            .or_default()
            .first_answers
            .add(u32::try_from(r.value).unwrap_or(0), count(r.n));
    }
    let completions: Vec<WeekCodeRow> = referral_figure::Entity::find()
        .select_only()
        .column_as(C::CompletedWeek, "week")
        .column_as(C::Outcome, "code")
        .column_as(C::ReferralId.count(), "n")
        .filter(cohort.during(C::CompletedAt).add(C::Outcome.is_not_null()))
        .group_by(C::CompletedWeek)
        .group_by(C::Outcome)
        .into_model()
        .all(db)
        .await?;
    for r in completions {
        let week = out.entry(r.week).or_default();
        week.completed += count(r.n);
        if r.code == Outcome::RightOpened.as_str() {
            week.right_opened += count(r.n);
        }
    }
    Ok(out)
}
