//! Which mails a referral change causes, to whom. They are recorded with the change's event, in
//! its transaction. Mails name the service, the urgency, the due date and a link: never the
//! person.

use domain::{OrganisationId, Party, ReferralAction, ReferralStatus, TenantId};
use sea_orm::{ConnectionTrait, EntityTrait};

use crate::{
    entities::{organisation, referral, service, user},
    error::ApiResult,
    events::Hooks,
    notifications::{MailKind, NewMail, RenderedMail, mails},
};

/// `JJ/MM/AAAA` in French time, as mails show the due date (a deadline at 23:30 UTC falls on
/// the next day in Paris).
pub fn date_fr(at: time::OffsetDateTime) -> String {
    let d = crate::web::templates::in_paris(at).unwrap_or(at).date();
    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
}

pub async fn mailbox_of(
    conn: &impl ConnectionTrait,
    tenant: uuid::Uuid,
    org: uuid::Uuid,
) -> ApiResult<Option<String>> {
    Ok(organisation::Entity::find_by_id((tenant, org))
        .one(conn)
        .await?
        .and_then(|o| o.back_office_email))
}

pub async fn email_of(
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

pub async fn service_name(
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

/// A mail about `referral`, shown to `organisation`'s admins under Courriels.
pub fn mail(
    referral: &referral::Model,
    organisation: uuid::Uuid,
    kind: MailKind,
    recipients: Vec<Option<String>>,
    rendered: RenderedMail,
) -> NewMail {
    let mut recipients: Vec<String> = recipients.into_iter().flatten().collect();
    recipients.sort();
    recipients.dedup();
    if recipients.is_empty() {
        // Typically an organisation without a back-office mailbox: say so, the change stands.
        tracing::warn!(kind = kind.as_str(), referral = %referral.id, organisation = %organisation, "no recipient for this notification");
    }
    NewMail {
        tenant_id: TenantId::from_uuid(referral.tenant_id),
        organisation_id: Some(OrganisationId::from_uuid(organisation)),
        kind,
        recipients,
        rendered,
        referral_id: Some(referral.id),
        dedup_key: None,
        in_app: false,
    }
}

/// A new referral: the receiving organisation's back-office mailbox (and the assignee, if any).
pub async fn created(
    conn: &impl ConnectionTrait,
    hooks: &Hooks,
    referral: &referral::Model,
    service: &service::Model,
) -> ApiResult<Vec<NewMail>> {
    let rendered = mails::referral_created(
        hooks,
        &service.name,
        referral.urgency.label_fr(),
        &date_fr(referral.due_at),
        &hooks.referral_link(referral.id),
    )?;
    let to = vec![
        mailbox_of(conn, referral.tenant_id, referral.to_organisation_id).await?,
        email_of(conn, referral.tenant_id, referral.assignee_id).await?,
    ];
    Ok(vec![mail(
        referral,
        referral.to_organisation_id,
        MailKind::ReferralCreated,
        to,
        rendered,
    )])
}

/// A change by one side tells the other: the receiver's changes go to the sending agent, the
/// sender's (information provided, cancellation) to the receiver's assignee or mailbox. An
/// assignment tells the new assignee; a comment stays on the timeline and mails no one.
pub async fn changed(
    conn: &impl ConnectionTrait,
    hooks: &Hooks,
    next: &referral::Model,
    from: ReferralStatus,
    by: Party,
    action: ReferralAction,
) -> ApiResult<Vec<NewMail>> {
    let to = next.status.0;
    let link = hooks.referral_link(next.id);
    match action {
        ReferralAction::Comment => return Ok(Vec::new()),
        ReferralAction::Assign => {
            let Some(assignee) = email_of(conn, next.tenant_id, next.assignee_id).await? else {
                return Ok(Vec::new());
            };
            let service = service_name(conn, next).await?;
            let rendered = mails::referral_created(
                hooks,
                &service,
                next.urgency.label_fr(),
                &date_fr(next.due_at),
                &link,
            )?;
            return Ok(vec![mail(
                next,
                next.to_organisation_id,
                MailKind::ReferralAssigned,
                vec![Some(assignee)],
                rendered,
            )]);
        }
        _ => {}
    }
    let service = service_name(conn, next).await?;
    let one = match by {
        Party::Receiver => {
            let sender = email_of(conn, next.tenant_id, Some(next.created_by)).await?;
            let (kind, rendered) = if to == ReferralStatus::InfoRequested && from != to {
                (
                    MailKind::ReferralInfoRequested,
                    mails::referral_info_requested(hooks, &service, &link)?,
                )
            } else {
                (
                    MailKind::ReferralStatusChanged,
                    mails::referral_status_changed(hooks, &service, to.label_fr(), &link)?,
                )
            };
            mail(
                next,
                next.from_organisation_id,
                kind,
                vec![sender],
                rendered,
            )
        }
        Party::Sender | Party::Other => {
            let receiver = match email_of(conn, next.tenant_id, next.assignee_id).await? {
                Some(assignee) => Some(assignee),
                None => mailbox_of(conn, next.tenant_id, next.to_organisation_id).await?,
            };
            let rendered = mails::referral_status_changed(hooks, &service, to.label_fr(), &link)?;
            mail(
                next,
                next.to_organisation_id,
                MailKind::ReferralStatusChanged,
                vec![receiver],
                rendered,
            )
        }
    };
    Ok(vec![one])
}

#[cfg(test)]
mod date_tests {
    use time::macros::datetime;

    #[test]
    fn mails_give_the_day_in_french_time() {
        assert_eq!(
            super::date_fr(datetime!(2026-12-03 22:59 UTC)),
            "03/12/2026"
        );
        assert_eq!(
            super::date_fr(datetime!(2026-12-03 23:30 UTC)),
            "04/12/2026"
        );
        assert_eq!(
            super::date_fr(datetime!(2026-07-01 21:30 UTC)),
            "01/07/2026"
        );
        assert_eq!(
            super::date_fr(datetime!(2026-07-01 22:30 UTC)),
            "02/07/2026"
        );
    }
}
