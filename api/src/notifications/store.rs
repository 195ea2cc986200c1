//! The outbox in the database, for admins: a territory's rows, or an organisation's.

use domain::{OrganisationId, TenantId};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select, sea_query::Expr};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{
    entities::notification::{self, Column as C},
    error::ApiResult,
    notifications::{MailStatus, to_micros},
    store::{Coded, Cursor, Key, Page, PageRequest, codes, keyset},
};

/// Whose rows: the whole tenant's, or one organisation's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Tenant(TenantId),
    Organisation(TenantId, OrganisationId),
}

fn scoped(scope: Scope) -> Select<notification::Entity> {
    match scope {
        Scope::Tenant(tenant) => {
            notification::Entity::find().filter(C::TenantId.eq(tenant.as_uuid()))
        }
        Scope::Organisation(tenant, org) => notification::Entity::find()
            .filter(C::TenantId.eq(tenant.as_uuid()))
            .filter(C::OrganisationId.eq(org.as_uuid())),
    }
}

/// Newest first, optionally only some statuses.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: Scope,
    page: &PageRequest,
    statuses: &[MailStatus],
) -> ApiResult<Page<notification::Model>> {
    let mut query = scoped(scope);
    if !statuses.is_empty() {
        query = query.filter(C::Status.is_in(codes(statuses.iter().copied())));
    }
    let rows = keyset(query, &[Key::Time(C::CreatedAt)], C::Id, true, page)?
        .all(db)
        .await?;
    Ok(Page::of(page, rows, |r| Cursor::at(r.created_at, r.id)))
}

pub async fn get(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> ApiResult<Option<notification::Model>> {
    Ok(notification::Entity::find_by_id((tenant.as_uuid(), id))
        .one(db)
        .await?)
}

/// Puts a failed or dead mail back in the queue, its attempts counted afresh; false if it was
/// neither.
pub async fn retry(
    db: &impl ConnectionTrait,
    row: &notification::Model,
    now: OffsetDateTime,
) -> ApiResult<bool> {
    let done = notification::Entity::update_many()
        .filter(C::TenantId.eq(row.tenant_id))
        .filter(C::Id.eq(row.id))
        .filter(C::Status.is_in(codes([MailStatus::Dead, MailStatus::Failed])))
        .col_expr(C::Status, Expr::value(Coded(MailStatus::Pending)))
        .col_expr(C::Attempts, Expr::value(0))
        .col_expr(C::NextAttemptAt, Expr::value(to_micros(now)))
        .col_expr(C::LockedUntil, Expr::value(Option::<OffsetDateTime>::None))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}
