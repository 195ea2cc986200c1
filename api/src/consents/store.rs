//! Consents and their recipients in the database, within one tenant.

use domain::{ConsentId, OrganisationId, TenantId};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::Expr,
};
use time::OffsetDateTime;

use crate::{
    entities::{consent, consent_recipient},
    error::ApiResult,
};

pub async fn get(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: ConsentId,
) -> ApiResult<Option<consent::Model>> {
    Ok(
        consent::Entity::find_by_id((tenant.as_uuid(), id.as_uuid()))
            .one(db)
            .await?,
    )
}

pub async fn of_person(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    person: uuid::Uuid,
) -> ApiResult<Vec<consent::Model>> {
    Ok(consent::Entity::find()
        .filter(consent::Column::TenantId.eq(tenant.as_uuid()))
        .filter(consent::Column::PersonId.eq(person))
        .order_by_desc(consent::Column::CollectedAt)
        .all(db)
        .await?)
}

pub async fn recipients(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    consent: uuid::Uuid,
) -> ApiResult<Vec<OrganisationId>> {
    Ok(consent_recipient::Entity::find()
        .filter(consent_recipient::Column::TenantId.eq(tenant.as_uuid()))
        .filter(consent_recipient::Column::ConsentId.eq(consent))
        .all(db)
        .await?
        .into_iter()
        .map(|r| OrganisationId::from_uuid(r.organisation_id))
        .collect())
}

pub async fn insert(
    db: &impl ConnectionTrait,
    model: consent::Model,
    recipients: &[OrganisationId],
) -> ApiResult<consent::Model> {
    consent::Entity::insert(consent::ActiveModel::from(model.clone()))
        .exec(db)
        .await?;
    consent_recipient::Entity::insert_many(recipients.iter().map(|org| {
        consent_recipient::ActiveModel {
            tenant_id: Set(model.tenant_id),
            consent_id: Set(model.id),
            organisation_id: Set(org.as_uuid()),
        }
    }))
    .exec(db)
    .await?;
    Ok(model)
}

/// Marks the consent withdrawn unless it already is; returns whether this call withdrew it.
pub async fn withdraw(
    db: &impl ConnectionTrait,
    consent: &consent::Model,
    by: Option<uuid::Uuid>,
    reason: Option<String>,
    now: OffsetDateTime,
) -> ApiResult<bool> {
    let result = consent::Entity::update_many()
        .col_expr(consent::Column::WithdrawnAt, Expr::value(Some(now)))
        .col_expr(consent::Column::WithdrawnBy, Expr::value(by))
        .col_expr(consent::Column::WithdrawalReason, Expr::value(reason))
        .filter(consent::Column::TenantId.eq(consent.tenant_id))
        .filter(consent::Column::Id.eq(consent.id))
        .filter(consent::Column::WithdrawnAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
