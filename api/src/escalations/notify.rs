//! Which mails an escalation causes, to whom. They are recorded with the change's event, in its
//! transaction. Every one names the category, the organisations, the deadline and a link —
//! never the subject or the messages (`mails::EscalationMail` has no room for them).

use domain::{EscalationAction, OrganisationId, Party, TenantId, UserId};
use sea_orm::{ConnectionTrait, EntityTrait};

use crate::{
    entities::{escalation, organisation},
    error::ApiResult,
    events::Hooks,
    notifications::{
        MailKind, NewMail,
        mails::{self, EscalationMail},
    },
    referrals::notify::{date_fr, email_of, mailbox_of},
};

async fn name_of(
    conn: &impl ConnectionTrait,
    tenant: uuid::Uuid,
    org: uuid::Uuid,
) -> ApiResult<String> {
    Ok(organisation::Entity::find_by_id((tenant, org))
        .one(conn)
        .await?
        .map(|o| o.name)
        .unwrap_or_default())
}

/// The agent who opened it, or the sending organisation's mailbox once that agent is gone.
async fn sender(conn: &impl ConnectionTrait, row: &escalation::Model) -> ApiResult<Option<String>> {
    Ok(match email_of(conn, row.tenant_id, row.created_by).await? {
        Some(agent) => Some(agent),
        None => mailbox_of(conn, row.tenant_id, row.from_organisation_id).await?,
    })
}

/// Whoever works it at the receiving organisation: its assignee, or the back-office mailbox.
pub async fn receiver(
    conn: &impl ConnectionTrait,
    row: &escalation::Model,
) -> ApiResult<Option<String>> {
    Ok(
        match email_of(conn, row.tenant_id, row.assignee_id).await? {
            Some(assignee) => Some(assignee),
            None => mailbox_of(conn, row.tenant_id, row.to_organisation_id).await?,
        },
    )
}

/// A mail of `kind` about `row`, to `recipients`, shown to `organisation`'s admins under
/// Courriels; with the due date when it is about waiting for an answer.
pub async fn mail(
    conn: &impl ConnectionTrait,
    hooks: &Hooks,
    row: &escalation::Model,
    organisation: uuid::Uuid,
    kind: MailKind,
    recipients: Vec<String>,
) -> ApiResult<NewMail> {
    let from = name_of(conn, row.tenant_id, row.from_organisation_id).await?;
    let to = name_of(conn, row.tenant_id, row.to_organisation_id).await?;
    let due = date_fr(row.due_at);
    let waiting = !matches!(
        kind,
        MailKind::EscalationAnswered | MailKind::EscalationClosed
    );
    let link = hooks.escalation_link(row.id);
    let rendered = mails::escalation(
        hooks,
        kind,
        &EscalationMail {
            category: &row.category,
            from_name: &from,
            to_name: &to,
            due_date_fr: waiting.then_some(due.as_str()),
            link: &link,
        },
    )?;
    let mut recipients = recipients;
    recipients.sort();
    recipients.dedup();
    if recipients.is_empty() {
        tracing::warn!(kind = kind.as_str(), escalation = %row.id, "no recipient for this notification");
    }
    Ok(NewMail {
        tenant_id: TenantId::from_uuid(row.tenant_id),
        organisation_id: Some(OrganisationId::from_uuid(organisation)),
        kind,
        recipients,
        rendered,
        referral_id: None,
        dedup_key: None,
        in_app: false,
    })
}

/// A new escalation: the receiving organisation's back-office mailbox.
pub async fn created(
    conn: &impl ConnectionTrait,
    hooks: &Hooks,
    row: &escalation::Model,
) -> ApiResult<Vec<NewMail>> {
    let to: Vec<String> = receiver(conn, row).await?.into_iter().collect();
    Ok(vec![
        mail(
            conn,
            hooks,
            row,
            row.to_organisation_id,
            MailKind::EscalationCreated,
            to,
        )
        .await?,
    ])
}

/// A change by one side tells the other: an answer or a closing by the back office goes to the
/// agent; a reply, a reopening or a closing by the agent to the assignee (or the mailbox, except
/// for a closing); a transfer to the new organisation's mailbox; an assignment to the new
/// assignee, unless they took it themselves.
pub async fn changed(
    conn: &impl ConnectionTrait,
    hooks: &Hooks,
    next: &escalation::Model,
    action: EscalationAction,
    by: Party,
    actor: Option<UserId>,
) -> ApiResult<Vec<NewMail>> {
    use EscalationAction as A;
    let (kind, recipients, organisation) = match (action, by) {
        (A::Answer, _) => (
            MailKind::EscalationAnswered,
            sender(conn, next).await?,
            next.from_organisation_id,
        ),
        (A::Close, Party::Receiver) => (
            MailKind::EscalationClosed,
            sender(conn, next).await?,
            next.from_organisation_id,
        ),
        (A::Close, _) => (
            MailKind::EscalationClosed,
            email_of(conn, next.tenant_id, next.assignee_id).await?,
            next.to_organisation_id,
        ),
        (A::Reply, _) => (
            MailKind::EscalationReplied,
            receiver(conn, next).await?,
            next.to_organisation_id,
        ),
        (A::Reopen, _) => (
            MailKind::EscalationReopened,
            receiver(conn, next).await?,
            next.to_organisation_id,
        ),
        (A::Transfer, _) => (
            MailKind::EscalationTransferred,
            mailbox_of(conn, next.tenant_id, next.to_organisation_id).await?,
            next.to_organisation_id,
        ),
        (A::Assign, _) if next.assignee_id != actor.map(|a| a.as_uuid()) => (
            MailKind::EscalationAssigned,
            email_of(conn, next.tenant_id, next.assignee_id).await?,
            next.to_organisation_id,
        ),
        (A::Assign | A::Take, _) => return Ok(Vec::new()),
    };
    let Some(recipient) = recipients else {
        return Ok(Vec::new());
    };
    Ok(vec![
        mail(conn, hooks, next, organisation, kind, vec![recipient]).await?,
    ])
}
