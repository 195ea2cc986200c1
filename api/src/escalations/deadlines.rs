//! The answer deadline of escalations, in working days: a reminder to the assignee (or the
//! back-office mailbox) when the answer is due, then the receiving organisation's admins are
//! told one working day later — each once per due moment.
//!
//! The same claim pattern as the referral stages: a guarded `UPDATE … SET <stage>_at = now WHERE
//! <stage>_at IS NULL AND status = 'OPEN' AND due_at = <the due moment seen>` decides which
//! replica sends it (the others update no row and move on), and the mail (with a dedup key),
//! the history line and that mark are written in one transaction, through `events::record`.

use std::time::Duration;

use domain::{EscalationEventKind, EscalationId, Role, TenantId};
use sea_orm::DatabaseConnection;
use time::OffsetDateTime;
use tokio::{sync::watch, task::JoinHandle};

use crate::{
    AppState,
    entities::escalation,
    error::ApiResult,
    escalations::{notify, store},
    events::{self, By, Happened, Hooks, Tx, What},
    notifications::MailKind,
    referrals::deadlines::holders_of,
};

/// How many escalations of one stage one pass handles at most.
const BATCH: u64 = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// At the due moment: to whoever works it.
    Reminder,
    /// One working day later: to the receiving organisation's admins.
    AdminsAlert,
}

impl Stage {
    fn column(self) -> escalation::Column {
        match self {
            Stage::Reminder => escalation::Column::RemindedAt,
            Stage::AdminsAlert => escalation::Column::AdminsAlertedAt,
        }
    }

    fn event_kind(self) -> EscalationEventKind {
        match self {
            Stage::Reminder => EscalationEventKind::ReminderSent,
            Stage::AdminsAlert => EscalationEventKind::AdminsAlerted,
        }
    }

    fn mail_kind(self) -> MailKind {
        match self {
            Stage::Reminder => MailKind::EscalationReminder,
            Stage::AdminsAlert => MailKind::EscalationOverdue,
        }
    }

    /// When the stage is due for an escalation due at `due`.
    pub fn at(self, due: OffsetDateTime) -> OffsetDateTime {
        match self {
            Stage::Reminder => due,
            Stage::AdminsAlert => domain::escalation::admins_alert_at(due),
        }
    }
}

/// What one pass sent.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    pub reminders: usize,
    pub admin_alerts: usize,
}

/// One pass over every tenant: sends what is due now.
pub async fn run_once(app: &AppState) -> ApiResult<Sent> {
    pass(&app.db, &app.hooks, app.clock.now()).await
}

async fn pass(db: &DatabaseConnection, hooks: &Hooks, now: OffsetDateTime) -> ApiResult<Sent> {
    let mut sent = Sent::default();
    for stage in [Stage::Reminder, Stage::AdminsAlert] {
        for candidate in store::stage_candidates(db, stage.column(), now, BATCH).await? {
            if now >= stage.at(candidate.due_at)
                && send_stage(db, hooks, stage, &candidate, now).await?
            {
                match stage {
                    Stage::Reminder => sent.reminders += 1,
                    Stage::AdminsAlert => sent.admin_alerts += 1,
                }
            }
        }
    }
    Ok(sent)
}

/// Marks, mails and records one stage; false when another replica (or a change) got there
/// first.
async fn send_stage(
    db: &DatabaseConnection,
    hooks: &Hooks,
    stage: Stage,
    row: &escalation::Model,
    now: OffsetDateTime,
) -> ApiResult<bool> {
    let mut tx = Tx::begin(db, hooks).await?;
    if !store::mark_stage(tx.conn(), row, stage.column(), now).await? {
        return Ok(false);
    }
    let recipients = match stage {
        Stage::Reminder => notify::receiver(tx.conn(), row)
            .await?
            .into_iter()
            .collect(),
        Stage::AdminsAlert => holders_of(
            tx.conn(),
            row.tenant_id,
            Role::OrgAdmin,
            Some(row.to_organisation_id),
        )
        .await?
        .into_iter()
        .map(|u| u.email)
        .collect(),
    };
    let mut mail = notify::mail(
        tx.conn(),
        hooks,
        row,
        row.to_organisation_id,
        stage.mail_kind(),
        recipients,
    )
    .await?;
    mail.dedup_key = Some(format!(
        "{}:{}:{}",
        stage.mail_kind().as_str(),
        row.id,
        row.due_at.unix_timestamp()
    ));
    events::record(
        &mut tx,
        Happened {
            tenant_id: TenantId::from_uuid(row.tenant_id),
            at: now,
            by: By::SYSTEM,
            what: What::Escalation {
                escalation: EscalationId::from_uuid(row.id),
                kind: stage.event_kind(),
                body: None,
                from: Some(row.status.0),
                to: row.status.0,
                transfer: None,
                assignee: row.assignee_id.map(domain::UserId::from_uuid),
            },
            mails: vec![mail],
        },
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Runs a pass every `tick` until `shutdown` turns true.
pub fn spawn(app: AppState, tick: Duration, mut shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match run_once(&app).await {
                Ok(sent) if sent != Sent::default() => {
                    tracing::info!(?sent, "escalation deadline stages sent")
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(error = ?err, "escalation deadline pass failed"),
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
