//! The outbox as admins see it: a tenant admin sees the tenant's notifications, an org admin
//! those of their organisation; anyone else is refused, and a row outside one's scope is
//! NOT_FOUND.

use domain::{Actor, Role};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Select, sea_query::Expr,
};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};
use uuid::Uuid;

use crate::{
    entities::notification::{self, Column as C},
    error::{ApiError, ApiResult},
    graphql::pagination::{Cursor, PageRequest},
    notifications::{DEAD, FAILED, PENDING, to_micros},
};

/// The rows the actor may see: the tenant's, or their organisation's.
fn scoped(actor: &Actor) -> ApiResult<Select<notification::Entity>> {
    let query = notification::Entity::find().filter(C::TenantId.eq(actor.tenant_id.as_uuid()));
    if actor.roles.contains(Role::TenantAdmin) {
        Ok(query)
    } else if actor.roles.contains(Role::OrgAdmin) {
        Ok(query.filter(C::OrganisationId.eq(actor.organisation_id.as_uuid())))
    } else {
        Err(ApiError::Domain(domain::Error::Forbidden))
    }
}

/// The cursor of a row in (created_at, id) order.
pub fn cursor_of(row: &notification::Model) -> Cursor {
    Cursor {
        key: row.created_at.format(&Rfc3339).unwrap_or_default(),
        id: row.id,
    }
}

/// Newest first, optionally only some statuses.
pub async fn notifications_list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    page: &PageRequest,
    statuses: &[&str],
) -> ApiResult<Vec<notification::Model>> {
    let mut query = scoped(actor)?;
    if !statuses.is_empty() {
        query = query.filter(C::Status.is_in(statuses.iter().copied()));
    }
    if let Some(after) = &page.after {
        let at = OffsetDateTime::parse(&after.key, &Rfc3339)
            .map_err(|_| ApiError::invalid("after", "curseur invalide"))?;
        query = query.filter(
            Condition::any().add(C::CreatedAt.lt(at)).add(
                Condition::all()
                    .add(C::CreatedAt.eq(at))
                    .add(C::Id.lt(after.id)),
            ),
        );
    }
    Ok(query
        .order_by_desc(C::CreatedAt)
        .order_by_desc(C::Id)
        .limit(page.limit())
        .all(db)
        .await?)
}

pub async fn notification_get(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> ApiResult<notification::Model> {
    let not_found = ApiError::Domain(domain::Error::NotFound);
    match scoped(actor) {
        Ok(query) => query.filter(C::Id.eq(id)).one(db).await?.ok_or(not_found),
        // Without an admin role, a mail of one's own organisation is FORBIDDEN; anyone else's
        // is NOT_FOUND, so nobody learns what another organisation was sent.
        Err(forbidden) => {
            let row = notification::Entity::find_by_id((actor.tenant_id.as_uuid(), id))
                .one(db)
                .await?;
            match row {
                Some(r) if r.organisation_id == Some(actor.organisation_id.as_uuid()) => {
                    Err(forbidden)
                }
                _ => Err(not_found),
            }
        }
    }
}

/// Puts a failed or dead mail back in the queue, its attempts counted afresh.
pub async fn notification_retry(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
    now: OffsetDateTime,
) -> ApiResult<notification::Model> {
    let row = notification_get(db, actor, id).await?;
    let done = notification::Entity::update_many()
        .filter(C::TenantId.eq(row.tenant_id))
        .filter(C::Id.eq(row.id))
        .filter(C::Status.is_in([DEAD, FAILED]))
        .col_expr(C::Status, Expr::value(PENDING))
        .col_expr(C::Attempts, Expr::value(0))
        .col_expr(C::NextAttemptAt, Expr::value(to_micros(now)))
        .col_expr(C::LockedUntil, Expr::value(Option::<OffsetDateTime>::None))
        .exec(db)
        .await?;
    if done.rows_affected == 0 {
        return Err(ApiError::Domain(domain::Error::Conflict(
            "Seul un courriel en échec peut être renvoyé.".into(),
        )));
    }
    notification_get(db, actor, id).await
}
