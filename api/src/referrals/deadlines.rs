//! Deadline follow-up, in working days: a reminder to the receiver before the due date, an
//! overdue notice on the due day, an escalation to the receiving organisation's admins and the
//! territory's coordinators when it is still open some days later.
//!
//! Each stage is sent once per referral: a guarded `UPDATE … WHERE <stage>_at IS NULL` decides
//! which replica sends it (the others update no row and move on), and the mail, the timeline
//! entry and that mark are written in one transaction.

use std::{collections::HashMap, time::Duration};

use domain::{ReferralStatus, Role, Roles, TenantId};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};
use time::OffsetDateTime;
use tokio::{sync::watch, task::JoinHandle};

use crate::{
    AppState, db,
    entities::{organisation, referral, referral_event, service, tenant, user},
    error::ApiResult,
    notifications::{self, NewMail, mails},
};

/// How many referrals of one stage one pass handles at most.
const BATCH: u64 = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Reminder,
    Overdue,
    Escalation,
}

impl Stage {
    fn column(self) -> referral::Column {
        match self {
            Stage::Reminder => referral::Column::RemindedAt,
            Stage::Overdue => referral::Column::OverdueNotifiedAt,
            Stage::Escalation => referral::Column::EscalatedAt,
        }
    }

    fn event_kind(self) -> &'static str {
        match self {
            Stage::Reminder => "REMINDER_SENT",
            Stage::Overdue => "OVERDUE_NOTICE_SENT",
            Stage::Escalation => "ESCALATED",
        }
    }

    fn mail_kind(self) -> &'static str {
        match self {
            Stage::Reminder => "REMINDER",
            Stage::Overdue => "OVERDUE",
            Stage::Escalation => "ESCALATION",
        }
    }

    /// Statuses in which the stage still applies: a reminder only while the receiver has not
    /// answered; the others while the referral is open and its clock runs.
    fn statuses(self) -> Vec<&'static str> {
        let answerable = [ReferralStatus::Sent, ReferralStatus::Acknowledged];
        ReferralStatus::ALL
            .iter()
            .filter(|s| match self {
                Stage::Reminder => answerable.contains(s),
                _ => !s.is_final() && **s != ReferralStatus::InfoRequested,
            })
            .map(|s| s.as_str())
            .collect()
    }
}

/// What one pass sent.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    pub reminders: usize,
    pub overdue: usize,
    pub escalations: usize,
}

/// Whether `stage` is due today for a referral due on `due`, under the tenant's thresholds.
pub fn stage_due(
    stage: Stage,
    due: OffsetDateTime,
    now: OffsetDateTime,
    settings: &tenant::Model,
) -> bool {
    match stage {
        Stage::Reminder => {
            now < due
                && domain::working_days_between(now.date(), due.date())
                    <= i64::from(settings.reminder_days_before)
        }
        Stage::Overdue => now >= due,
        Stage::Escalation => {
            now >= due
                && domain::working_days_between(due.date(), now.date())
                    >= i64::from(settings.escalation_days_after)
        }
    }
}

/// One pass over every tenant: sends what is due now.
pub async fn run_once(app: &AppState) -> ApiResult<Sent> {
    let now = app.clock.now();
    let tenants: HashMap<uuid::Uuid, tenant::Model> = tenant::Entity::find()
        .all(&app.db)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let mut sent = Sent::default();
    for stage in [Stage::Reminder, Stage::Overdue, Stage::Escalation] {
        // Reminders look ahead (at most the largest threshold, in calendar days with margin);
        // the other stages look only at what is already due.
        let horizon = match stage {
            Stage::Reminder => {
                let days = tenants
                    .values()
                    .map(|t| t.reminder_days_before)
                    .max()
                    .unwrap_or(0)
                    .clamp(0, 60);
                now + time::Duration::days(i64::from(days) * 2 + 14)
            }
            _ => now,
        };
        let candidates = referral::Entity::find()
            .filter(referral::Column::Status.is_in(stage.statuses()))
            .filter(stage.column().is_null())
            .filter(referral::Column::DueAt.lte(horizon))
            .order_by_asc(referral::Column::DueAt)
            .limit(BATCH)
            .all(&app.db)
            .await?;
        for candidate in candidates {
            let Some(settings) = tenants.get(&candidate.tenant_id) else {
                continue;
            };
            if stage_due(stage, candidate.due_at, now, settings)
                && send_stage(app, stage, &candidate, now).await?
            {
                match stage {
                    Stage::Reminder => sent.reminders += 1,
                    Stage::Overdue => sent.overdue += 1,
                    Stage::Escalation => sent.escalations += 1,
                }
            }
        }
    }
    Ok(sent)
}

/// Marks, mails and records one stage; false when another replica (or a status change) got
/// there first.
async fn send_stage(
    app: &AppState,
    stage: Stage,
    r: &referral::Model,
    now: OffsetDateTime,
) -> ApiResult<bool> {
    let txn = db::begin_write(&app.db).await?;
    let marked = referral::Entity::update_many()
        .col_expr(stage.column(), Expr::value(Some(now)))
        .filter(referral::Column::TenantId.eq(r.tenant_id))
        .filter(referral::Column::Id.eq(r.id))
        .filter(stage.column().is_null())
        .filter(referral::Column::Status.is_in(stage.statuses()))
        .exec(&txn)
        .await?;
    if marked.rows_affected != 1 {
        return Ok(false);
    }
    let rendered = render(app, &txn, stage, r, now).await?;
    let recipients = recipients(&txn, stage, r).await?;
    notifications::enqueue(
        &txn,
        NewMail {
            tenant_id: TenantId::from_uuid(r.tenant_id),
            organisation_id: Some(domain::OrganisationId::from_uuid(r.to_organisation_id)),
            kind: stage.mail_kind(),
            recipients,
            rendered,
            referral_id: Some(r.id),
            dedup_key: Some(format!("{}:{}", stage.mail_kind(), r.id)),
        },
        now,
    )
    .await?;
    referral_event::Entity::insert(referral_event::ActiveModel::from(referral_event::Model {
        tenant_id: r.tenant_id,
        id: uuid::Uuid::now_v7(),
        referral_id: r.id,
        at: now,
        kind: stage.event_kind().to_owned(),
        actor_id: None,
        actor_organisation_id: None,
        comment: None,
        from_status: Some(r.status.clone()),
        to_status: Some(r.status.clone()),
    }))
    .exec(&txn)
    .await?;
    txn.commit().await?;
    app.mail_wake.notify_one();
    Ok(true)
}

async fn render(
    app: &AppState,
    conn: &impl ConnectionTrait,
    stage: Stage,
    r: &referral::Model,
    now: OffsetDateTime,
) -> ApiResult<notifications::RenderedMail> {
    let service_name = service::Entity::find_by_id((r.tenant_id, r.service_id))
        .one(conn)
        .await?
        .map(|s| s.name)
        .unwrap_or_default();
    let due = r.due_at.date();
    let due_fr = format!(
        "{:02}/{:02}/{}",
        due.day(),
        u8::from(due.month()),
        due.year()
    );
    let link = format!("{}/orientations/{}", app.config.public_url(), r.id);
    match stage {
        Stage::Reminder => mails::referral_reminder(app, &service_name, &due_fr, &link),
        Stage::Overdue => mails::referral_overdue(app, &service_name, &due_fr, &link),
        Stage::Escalation => {
            let organisation =
                organisation::Entity::find_by_id((r.tenant_id, r.to_organisation_id))
                    .one(conn)
                    .await?
                    .map(|o| o.name)
                    .unwrap_or_default();
            let late = domain::working_days_between(due, now.date());
            mails::referral_escalation(app, &service_name, &organisation, &due_fr, late, &link)
        }
    }
}

/// Reminder and overdue notice: the receiving mailbox and the assignee. Escalation: the
/// receiving organisation's admins and the territory's coordinators.
async fn recipients(
    conn: &impl ConnectionTrait,
    stage: Stage,
    r: &referral::Model,
) -> ApiResult<Vec<String>> {
    let mut to = Vec::new();
    match stage {
        Stage::Reminder | Stage::Overdue => {
            let org = organisation::Entity::find_by_id((r.tenant_id, r.to_organisation_id))
                .one(conn)
                .await?;
            to.extend(org.and_then(|o| o.back_office_email));
            if let Some(assignee) = r.assignee_id {
                let user = user::Entity::find_by_id((r.tenant_id, assignee))
                    .one(conn)
                    .await?;
                to.extend(user.filter(|u| u.active).map(|u| u.email));
            }
        }
        Stage::Escalation => {
            let users = user::Entity::find()
                .filter(user::Column::TenantId.eq(r.tenant_id))
                .filter(user::Column::Active.eq(true))
                .filter(
                    Condition::any()
                        .add(user::Column::OrganisationId.eq(r.to_organisation_id))
                        .add(user::Column::Roles.like("%COORDINATOR%")),
                )
                .all(conn)
                .await?;
            for u in users {
                let roles = Roles::parse_csv(&u.roles)?;
                let admin_of_receiver =
                    u.organisation_id == r.to_organisation_id && roles.contains(Role::OrgAdmin);
                if admin_of_receiver || roles.contains(Role::Coordinator) {
                    to.push(u.email);
                }
            }
        }
    }
    to.sort();
    to.dedup();
    Ok(to)
}

/// Runs a pass every `tick` until `shutdown` turns true.
pub fn spawn(app: AppState, tick: Duration, mut shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match run_once(&app).await {
                Ok(sent) if sent != Sent::default() => {
                    tracing::info!(?sent, "deadline stages sent")
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(error = ?err, "deadline pass failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(tick) => {}
                _ = shutdown.changed() => break,
            }
            if *shutdown.borrow() {
                break;
            }
        }
    })
}
