//! API clients in the database. Every function but the token endpoint's lookup takes the tenant.

use domain::{ApiClientId, OrganisationId, TenantId};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, sea_query::Expr,
};
use time::OffsetDateTime;

use crate::{entities::api_client, error::ApiResult};

/// The token endpoint is where a client's tenant becomes known: the only unscoped lookup.
pub async fn for_token(
    db: &impl ConnectionTrait,
    id: ApiClientId,
) -> ApiResult<Option<api_client::Model>> {
    Ok(api_client::Entity::find_by_id(id.as_uuid()).one(db).await?)
}

pub async fn get(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: ApiClientId,
) -> ApiResult<Option<api_client::Model>> {
    Ok(api_client::Entity::find_by_id(id.as_uuid())
        .filter(api_client::Column::TenantId.eq(tenant.as_uuid()))
        .one(db)
        .await?)
}

pub async fn insert(db: &impl ConnectionTrait, model: api_client::Model) -> ApiResult<()> {
    api_client::Entity::insert(api_client::ActiveModel::from(model))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// An organisation's clients, the newest first.
pub async fn of_organisation(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    organisation: OrganisationId,
) -> ApiResult<Vec<api_client::Model>> {
    Ok(api_client::Entity::find()
        .filter(api_client::Column::TenantId.eq(tenant.as_uuid()))
        .filter(api_client::Column::OrganisationId.eq(organisation.as_uuid()))
        .order_by_desc(api_client::Column::CreatedAt)
        .order_by_desc(api_client::Column::Id)
        .all(db)
        .await?)
}

/// The names of these clients, by id (the timelines name them).
pub async fn names(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    ids: &[uuid::Uuid],
) -> ApiResult<std::collections::HashMap<uuid::Uuid, String>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(api_client::Entity::find()
        .filter(api_client::Column::TenantId.eq(tenant.as_uuid()))
        .filter(api_client::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect())
}

/// Revokes a client once; revoking it again keeps the first time.
pub async fn revoke(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: ApiClientId,
    now: OffsetDateTime,
) -> ApiResult<()> {
    api_client::Entity::update_many()
        .col_expr(api_client::Column::RevokedAt, Expr::value(now))
        .filter(api_client::Column::TenantId.eq(tenant.as_uuid()))
        .filter(api_client::Column::Id.eq(id.as_uuid()))
        .filter(api_client::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Records a use of the client.
pub async fn touch(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: ApiClientId,
    now: OffsetDateTime,
) -> ApiResult<()> {
    api_client::Entity::update_many()
        .col_expr(api_client::Column::LastUsedAt, Expr::value(now))
        .filter(api_client::Column::TenantId.eq(tenant.as_uuid()))
        .filter(api_client::Column::Id.eq(id.as_uuid()))
        .exec(db)
        .await?;
    Ok(())
}
