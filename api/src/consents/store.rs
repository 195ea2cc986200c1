//! Consents and their recipients in the database, within the actor's tenant.

use domain::{Actor, ConsentId, OrganisationId};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use time::OffsetDateTime;

use crate::{
    entities::{consent, consent_recipient},
    error::{ApiError, ApiResult},
};

pub async fn consent_get(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: ConsentId,
) -> ApiResult<consent::Model> {
    consent::Entity::find_by_id((actor.tenant_id.as_uuid(), id.as_uuid()))
        .one(db)
        .await?
        .ok_or(ApiError::Domain(domain::Error::NotFound))
}

pub async fn consents_of_person(
    db: &impl ConnectionTrait,
    actor: &Actor,
    person: uuid::Uuid,
) -> ApiResult<Vec<consent::Model>> {
    Ok(consent::Entity::find()
        .filter(consent::Column::TenantId.eq(actor.tenant_id.as_uuid()))
        .filter(consent::Column::PersonId.eq(person))
        .order_by_desc(consent::Column::CollectedAt)
        .all(db)
        .await?)
}

pub async fn recipients(
    db: &impl ConnectionTrait,
    actor: &Actor,
    consent: uuid::Uuid,
) -> ApiResult<Vec<OrganisationId>> {
    Ok(consent_recipient::Entity::find()
        .filter(consent_recipient::Column::TenantId.eq(actor.tenant_id.as_uuid()))
        .filter(consent_recipient::Column::ConsentId.eq(consent))
        .all(db)
        .await?
        .into_iter()
        .map(|r| OrganisationId::from_uuid(r.organisation_id))
        .collect())
}

pub async fn consent_insert(
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
pub async fn consent_withdraw(
    db: &impl ConnectionTrait,
    consent: &consent::Model,
    by: Option<uuid::Uuid>,
    reason: Option<String>,
    now: OffsetDateTime,
) -> ApiResult<bool> {
    let result = consent::Entity::update_many()
        .col_expr(
            consent::Column::WithdrawnAt,
            sea_orm::sea_query::Expr::value(Some(now)),
        )
        .col_expr(
            consent::Column::WithdrawnBy,
            sea_orm::sea_query::Expr::value(by),
        )
        .col_expr(
            consent::Column::WithdrawalReason,
            sea_orm::sea_query::Expr::value(reason),
        )
        .filter(consent::Column::TenantId.eq(consent.tenant_id))
        .filter(consent::Column::Id.eq(consent.id))
        .filter(consent::Column::WithdrawnAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
