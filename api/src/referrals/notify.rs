//! Which mail a referral change causes, to whom — written to the outbox inside the change's own
//! transaction. Mails name the service, the urgency, the due date and a link: never the person.

use domain::{Party, ReferralAction, ReferralStatus, TenantId, Urgency};
use sea_orm::{ConnectionTrait, EntityTrait};

use crate::{
    AppState,
    entities::{organisation, referral, service, user},
    error::ApiResult,
    notifications::{self, NewMail, RenderedMail, mails},
};

fn link(app: &AppState, referral: &referral::Model) -> String {
    format!("{}/orientations/{}", app.config.public_url(), referral.id)
}

fn due_date_fr(referral: &referral::Model) -> String {
    let d = referral.due_at.date();
    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
}

async fn mailbox_of(
    conn: &impl ConnectionTrait,
    tenant: uuid::Uuid,
    org: uuid::Uuid,
) -> ApiResult<Option<String>> {
    Ok(organisation::Entity::find_by_id((tenant, org))
        .one(conn)
        .await?
        .and_then(|o| o.back_office_email))
}

async fn email_of(
    conn: &impl ConnectionTrait,
    tenant: uuid::Uuid,
    id: Option<uuid::Uuid>,
) -> ApiResult<Option<String>> {
    let Some(id) = id else { return Ok(None) };
    Ok(user::Entity::find_by_id((tenant, id))
        .one(conn)
        .await?
        .filter(|u| u.active)
        .map(|u| u.email))
}

async fn service_name(
    conn: &impl ConnectionTrait,
    referral: &referral::Model,
) -> ApiResult<String> {
    Ok(
        service::Entity::find_by_id((referral.tenant_id, referral.service_id))
            .one(conn)
            .await?
            .map(|s| s.name)
            .unwrap_or_default(),
    )
}

async fn send(
    conn: &impl ConnectionTrait,
    app: &AppState,
    referral: &referral::Model,
    organisation: uuid::Uuid,
    kind: &'static str,
    recipients: Vec<Option<String>>,
    rendered: RenderedMail,
) -> ApiResult<()> {
    let mut recipients: Vec<String> = recipients.into_iter().flatten().collect();
    recipients.sort();
    recipients.dedup();
    if recipients.is_empty() {
        // Typically an organisation without a back-office mailbox: say so, the change stands.
        tracing::warn!(kind, referral = %referral.id, organisation = %organisation, "no recipient for this notification");
    }
    let mail = NewMail {
        tenant_id: TenantId::from_uuid(referral.tenant_id),
        organisation_id: Some(domain::OrganisationId::from_uuid(organisation)),
        kind,
        recipients,
        rendered,
        referral_id: Some(referral.id),
        dedup_key: None,
    };
    notifications::enqueue(conn, mail, app.clock.now()).await?;
    Ok(())
}

/// A new referral: the receiving organisation's back-office mailbox (and the assignee, if any).
pub async fn created(
    app: &AppState,
    conn: &impl ConnectionTrait,
    referral: &referral::Model,
    service: &service::Model,
) -> ApiResult<()> {
    let urgency = Urgency::parse(&referral.urgency)?;
    let rendered = mails::referral_created(
        app,
        &service.name,
        urgency.label_fr(),
        &due_date_fr(referral),
        &link(app, referral),
    )?;
    let to = vec![
        mailbox_of(conn, referral.tenant_id, referral.to_organisation_id).await?,
        email_of(conn, referral.tenant_id, referral.assignee_id).await?,
    ];
    send(
        conn,
        app,
        referral,
        referral.to_organisation_id,
        "REFERRAL_CREATED",
        to,
        rendered,
    )
    .await
}

/// A change by one side tells the other: the receiver's changes go to the sending agent, the
/// sender's (information provided, cancellation) to the receiver's assignee or mailbox. An
/// assignment tells the new assignee; a comment stays on the timeline and mails no one.
pub async fn changed(
    app: &AppState,
    conn: &impl ConnectionTrait,
    next: &referral::Model,
    from: ReferralStatus,
    by: Party,
    action: ReferralAction,
) -> ApiResult<()> {
    let to = ReferralStatus::parse(&next.status)?;
    let link = link(app, next);
    match action {
        ReferralAction::Comment => return Ok(()),
        ReferralAction::Assign => {
            let Some(assignee) = email_of(conn, next.tenant_id, next.assignee_id).await? else {
                return Ok(());
            };
            let service = service_name(conn, next).await?;
            let urgency = Urgency::parse(&next.urgency)?;
            let rendered = mails::referral_created(
                app,
                &service,
                urgency.label_fr(),
                &due_date_fr(next),
                &link,
            )?;
            return send(
                conn,
                app,
                next,
                next.to_organisation_id,
                "REFERRAL_ASSIGNED",
                vec![Some(assignee)],
                rendered,
            )
            .await;
        }
        _ => {}
    }
    let service = service_name(conn, next).await?;
    match by {
        Party::Receiver => {
            let sender = email_of(conn, next.tenant_id, Some(next.created_by)).await?;
            let (kind, rendered) = if to == ReferralStatus::InfoRequested && from != to {
                (
                    "REFERRAL_INFO_REQUESTED",
                    mails::referral_info_requested(app, &service, &link)?,
                )
            } else {
                (
                    "REFERRAL_STATUS_CHANGED",
                    mails::referral_status_changed(app, &service, to.label_fr(), &link)?,
                )
            };
            send(
                conn,
                app,
                next,
                next.from_organisation_id,
                kind,
                vec![sender],
                rendered,
            )
            .await
        }
        Party::Sender | Party::Other => {
            let receiver = match email_of(conn, next.tenant_id, next.assignee_id).await? {
                Some(assignee) => Some(assignee),
                None => mailbox_of(conn, next.tenant_id, next.to_organisation_id).await?,
            };
            let rendered = mails::referral_status_changed(app, &service, to.label_fr(), &link)?;
            send(
                conn,
                app,
                next,
                next.to_organisation_id,
                "REFERRAL_STATUS_CHANGED",
                vec![receiver],
                rendered,
            )
            .await
        }
    }
}
