//! The outbox as admins see it: a tenant admin sees the territory's mails, an org admin those
//! of their organisation; anyone else is refused, and a mail outside one's scope is NOT_FOUND.

use domain::{Action, OrganisationId, Target};
use uuid::Uuid;

use crate::{
    entities::notification,
    error::{ApiError, ApiResult},
    notifications::{
        MailStatus,
        store::{self, Scope},
    },
    service::Ctx,
    store::{Page, PageRequest, not_found},
};

/// The widest scope the caller may read.
fn scope(ctx: &Ctx<'_>) -> ApiResult<Scope> {
    let tenant = ctx.actor.tenant_id;
    if ctx.may_tenant(Action::ReadNotifications) {
        return Ok(Scope::Tenant(tenant));
    }
    ctx.authorize_own(Action::ReadNotifications)?;
    Ok(Scope::Organisation(tenant, ctx.actor.organisation_id))
}

pub async fn list(
    ctx: &Ctx<'_>,
    page: &PageRequest,
    statuses: &[MailStatus],
) -> ApiResult<Page<notification::Model>> {
    store::list(ctx.db, scope(ctx)?, page, statuses).await
}

/// One mail the caller may read; another organisation's is NOT_FOUND, one's own without the
/// role FORBIDDEN.
pub async fn get(ctx: &Ctx<'_>, id: Uuid) -> ApiResult<notification::Model> {
    let row = store::get(ctx.db, ctx.actor.tenant_id, id)
        .await?
        .ok_or_else(not_found)?;
    let target = match row.organisation_id {
        Some(org) => Target::organisation(ctx.actor.tenant_id, OrganisationId::from_uuid(org)),
        None => Target::tenant(ctx.actor.tenant_id),
    };
    if ctx.may_tenant(Action::ReadNotifications) {
        return Ok(row);
    }
    ctx.authorize(Action::ReadNotifications, &target)?;
    Ok(row)
}

/// Puts a failed or dead mail back in the queue, its attempts reset.
pub async fn retry(ctx: &Ctx<'_>, id: Uuid) -> ApiResult<notification::Model> {
    let row = get(ctx, id).await?;
    if !store::retry(ctx.db, &row, ctx.now).await? {
        return Err(ApiError::Domain(domain::Error::Conflict(
            "Seul un courriel en échec peut être renvoyé.".into(),
        )));
    }
    ctx.hooks.mail_wake.notify_one();
    get(ctx, id).await
}
