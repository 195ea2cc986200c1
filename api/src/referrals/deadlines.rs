//! Deadline follow-up, in working days: a reminder to the receiver before the due date, an
//! overdue notice on the due day, an escalation to the receiving organisation's admins and the
//! territory's coordinators when it is still open some days later. And the territory's
//! thresholds for them.
//!
//! Each stage is sent once per referral: a guarded `UPDATE … WHERE <stage>_at IS NULL` decides
//! which replica sends it (the others update no row and move on), and the mail, the timeline
//! entry and that mark are written in one transaction, through `events::record`.

use std::{collections::HashMap, time::Duration};

use domain::{Action, DeadlineDays, ReferralEventKind, ReferralId, ReferralStatus, Role, TenantId};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, sea_query::Expr,
};
use time::OffsetDateTime;
use tokio::{sync::watch, task::JoinHandle};

use crate::{
    AppState,
    entities::{organisation, referral, tenant, user, user_role},
    error::ApiResult,
    events::{self, By, Happened, Hooks, Tx, What},
    notifications::{MailKind, NewMail, mails},
    referrals::notify,
    service::Ctx,
    store::{codes, not_found},
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

    fn event_kind(self) -> ReferralEventKind {
        match self {
            Stage::Reminder => ReferralEventKind::ReminderSent,
            Stage::Overdue => ReferralEventKind::OverdueNoticeSent,
            Stage::Escalation => ReferralEventKind::Escalated,
        }
    }

    fn mail_kind(self) -> MailKind {
        match self {
            Stage::Reminder => MailKind::Reminder,
            Stage::Overdue => MailKind::Overdue,
            Stage::Escalation => MailKind::Escalation,
        }
    }

    /// Statuses in which the stage still applies: a reminder only while the receiver has not
    /// answered; the others while the referral is open and its clock runs.
    fn statuses(self) -> Vec<&'static str> {
        let answerable = [ReferralStatus::Sent, ReferralStatus::Acknowledged];
        codes(ReferralStatus::ALL.into_iter().filter(|s| match self {
            Stage::Reminder => answerable.contains(s),
            _ => !s.is_final() && !s.clock_paused(),
        }))
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
    app.auth.throttle.forget_old(&app.db, now).await?;
    pass(&app.db, &app.hooks, now).await
}

async fn pass(db: &DatabaseConnection, hooks: &Hooks, now: OffsetDateTime) -> ApiResult<Sent> {
    let tenants: HashMap<uuid::Uuid, tenant::Model> = tenant::Entity::find()
        .all(db)
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
            .all(db)
            .await?;
        for candidate in candidates {
            let Some(settings) = tenants.get(&candidate.tenant_id) else {
                continue;
            };
            if stage_due(stage, candidate.due_at, now, settings)
                && send_stage(db, hooks, stage, &candidate, now).await?
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
    db: &DatabaseConnection,
    hooks: &Hooks,
    stage: Stage,
    r: &referral::Model,
    now: OffsetDateTime,
) -> ApiResult<bool> {
    let mut tx = Tx::begin(db, hooks).await?;
    let marked = referral::Entity::update_many()
        .col_expr(stage.column(), Expr::value(Some(now)))
        .filter(referral::Column::TenantId.eq(r.tenant_id))
        .filter(referral::Column::Id.eq(r.id))
        .filter(stage.column().is_null())
        .filter(referral::Column::Status.is_in(stage.statuses()))
        .exec(tx.conn())
        .await?;
    if marked.rows_affected != 1 {
        return Ok(false);
    }
    let rendered = render(tx.conn(), hooks, stage, r, now).await?;
    let recipients = recipients(tx.conn(), stage, r).await?;
    let mut mail: NewMail = notify::mail(
        r,
        r.to_organisation_id,
        stage.mail_kind(),
        recipients.into_iter().map(Some).collect(),
        rendered,
    );
    mail.dedup_key = Some(format!("{}:{}", stage.mail_kind().as_str(), r.id));
    events::record(
        &mut tx,
        Happened {
            tenant_id: TenantId::from_uuid(r.tenant_id),
            at: now,
            by: By::SYSTEM,
            what: What::Referral {
                referral: ReferralId::from_uuid(r.id),
                kind: stage.event_kind(),
                comment: None,
                from: Some(r.status.0),
                to: r.status.0,
            },
            mails: vec![mail],
        },
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

async fn render(
    conn: &impl ConnectionTrait,
    hooks: &Hooks,
    stage: Stage,
    r: &referral::Model,
    now: OffsetDateTime,
) -> ApiResult<crate::notifications::RenderedMail> {
    let service_name = notify::service_name(conn, r).await?;
    let due_fr = notify::date_fr(r.due_at);
    let link = hooks.referral_link(r.id);
    match stage {
        Stage::Reminder => mails::referral_reminder(hooks, &service_name, &due_fr, &link),
        Stage::Overdue => mails::referral_overdue(hooks, &service_name, &due_fr, &link),
        Stage::Escalation => {
            let organisation =
                organisation::Entity::find_by_id((r.tenant_id, r.to_organisation_id))
                    .one(conn)
                    .await?
                    .map(|o| o.name)
                    .unwrap_or_default();
            let late = domain::working_days_between(r.due_at.date(), now.date());
            mails::referral_escalation(hooks, &service_name, &organisation, &due_fr, late, &link)
        }
    }
}

/// The active users of a tenant holding `role`, optionally of one organisation: an indexed
/// query on `user_roles (tenant_id, role)`.
pub async fn holders_of(
    conn: &impl ConnectionTrait,
    tenant: uuid::Uuid,
    role: Role,
    organisation: Option<uuid::Uuid>,
) -> ApiResult<Vec<user::Model>> {
    let ids: Vec<uuid::Uuid> = user_role::Entity::find()
        .select_only()
        .column(user_role::Column::UserId)
        .filter(user_role::Column::TenantId.eq(tenant))
        .filter(user_role::Column::Role.eq(role.as_str()))
        .into_tuple()
        .all(conn)
        .await?;
    let mut query = user::Entity::find()
        .filter(user::Column::TenantId.eq(tenant))
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Id.is_in(ids));
    if let Some(org) = organisation {
        query = query.filter(user::Column::OrganisationId.eq(org));
    }
    Ok(query.all(conn).await?)
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
            to.extend(notify::mailbox_of(conn, r.tenant_id, r.to_organisation_id).await?);
            to.extend(notify::email_of(conn, r.tenant_id, r.assignee_id).await?);
        }
        Stage::Escalation => {
            let admins = holders_of(
                conn,
                r.tenant_id,
                Role::OrgAdmin,
                Some(r.to_organisation_id),
            )
            .await?;
            let coordinators = holders_of(conn, r.tenant_id, Role::Coordinator, None).await?;
            to.extend(admins.into_iter().chain(coordinators).map(|u| u.email));
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

// ------------------------------------------------------------------- the territory's thresholds

/// The territory's reminder and escalation thresholds, in working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub reminder_days_before: DeadlineDays,
    pub escalation_days_after: DeadlineDays,
}

async fn tenant_of(ctx: &Ctx<'_>) -> ApiResult<tenant::Model> {
    tenant::Entity::find_by_id(ctx.actor.tenant_id.as_uuid())
        .one(ctx.db)
        .await?
        .ok_or_else(not_found)
}

fn thresholds_of(t: &tenant::Model) -> ApiResult<Thresholds> {
    Ok(Thresholds {
        reminder_days_before: DeadlineDays::parse("reminderDaysBefore", t.reminder_days_before)?,
        escalation_days_after: DeadlineDays::parse("escalationDaysAfter", t.escalation_days_after)?,
    })
}

pub async fn thresholds(ctx: &Ctx<'_>) -> ApiResult<Thresholds> {
    ctx.authorize_tenant(Action::ManageDeadlineSettings)
        .or_else(|_| ctx.authorize_tenant(Action::ReadDeadlineSettings))?;
    thresholds_of(&tenant_of(ctx).await?)
}

/// Sets them (tenant admin); each must be 0 to 30 working days.
pub async fn set_thresholds(
    ctx: &Ctx<'_>,
    reminder_days_before: i32,
    escalation_days_after: i32,
) -> ApiResult<Thresholds> {
    ctx.authorize_tenant(Action::ManageDeadlineSettings)?;
    let thresholds = Thresholds {
        reminder_days_before: DeadlineDays::parse("reminderDaysBefore", reminder_days_before)?,
        escalation_days_after: DeadlineDays::parse("escalationDaysAfter", escalation_days_after)?,
    };
    tenant::Entity::update(tenant::ActiveModel {
        id: Set(ctx.actor.tenant_id.as_uuid()),
        reminder_days_before: Set(thresholds.reminder_days_before.get() as i32),
        escalation_days_after: Set(thresholds.escalation_days_after.get() as i32),
        ..Default::default()
    })
    .exec(ctx.db)
    .await?;
    thresholds_of(&tenant_of(ctx).await?)
}
