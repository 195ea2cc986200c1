//! People in the database: always within the actor's tenant and organisation.

use domain::{Actor, PersonId};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, Func, LikeExpr},
};

use crate::{
    entities::person,
    error::{ApiError, ApiResult},
    graphql::pagination::PageRequest,
};

/// A person held by the actor's organisation; anyone else's is NOT_FOUND.
pub async fn person_of_actor(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: PersonId,
) -> ApiResult<person::Model> {
    person::Entity::find_by_id((actor.tenant_id.as_uuid(), id.as_uuid()))
        .one(db)
        .await?
        .filter(|p| p.organisation_id == actor.organisation_id.as_uuid())
        .ok_or(ApiError::Domain(domain::Error::NotFound))
}

/// A person by id within the tenant, whoever holds it: for the referral side of the story,
/// whose visibility rules are decided by the caller.
pub async fn person_in_tenant(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: uuid::Uuid,
) -> ApiResult<Option<person::Model>> {
    Ok(person::Entity::find_by_id((actor.tenant_id.as_uuid(), id))
        .one(db)
        .await?)
}

/// Other records of the same organisation with the same duplicate key.
pub async fn possible_duplicates(
    db: &impl ConnectionTrait,
    person: &person::Model,
) -> ApiResult<Vec<person::Model>> {
    use person::Column as C;
    Ok(person::Entity::find()
        .filter(C::TenantId.eq(person.tenant_id))
        .filter(C::OrganisationId.eq(person.organisation_id))
        .filter(C::DuplicateKey.eq(person.duplicate_key.clone()))
        .filter(C::Id.ne(person.id))
        .order_by_asc(C::CreatedAt)
        .limit(20)
        .all(db)
        .await?)
}

/// The organisation's people by last name then first name, optionally matching a search on
/// either name (case-insensitive).
pub async fn people_list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    page: &PageRequest,
    search: Option<&str>,
) -> ApiResult<Vec<person::Model>> {
    use person::Column as C;
    let mut query = person::Entity::find()
        .filter(C::TenantId.eq(actor.tenant_id.as_uuid()))
        .filter(C::OrganisationId.eq(actor.organisation_id.as_uuid()));
    if let Some(search) = search.map(str::trim).filter(|s| !s.is_empty()) {
        let escaped = search
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = || LikeExpr::new(format!("%{escaped}%")).escape('\\');
        query = query.filter(
            Condition::any()
                .add(Expr::expr(Func::lower(Expr::col(C::LastName))).like(pattern()))
                .add(Expr::expr(Func::lower(Expr::col(C::FirstName))).like(pattern())),
        );
    }
    // The cursor key is "last\u{1f}first": both names, so the keyset follows the index order.
    if let Some(after) = &page.after {
        let (last, first) = after.key.split_once('\u{1f}').unwrap_or((&after.key, ""));
        query = query.filter(
            Condition::any().add(C::LastName.gt(last)).add(
                Condition::all().add(C::LastName.eq(last)).add(
                    Condition::any().add(C::FirstName.gt(first)).add(
                        Condition::all()
                            .add(C::FirstName.eq(first))
                            .add(C::Id.gt(after.id)),
                    ),
                ),
            ),
        );
    }
    Ok(query
        .order_by_asc(C::LastName)
        .order_by_asc(C::FirstName)
        .order_by_asc(C::Id)
        .limit(page.limit())
        .all(db)
        .await?)
}

pub async fn person_insert(
    db: &impl ConnectionTrait,
    model: person::Model,
) -> ApiResult<person::Model> {
    person::Entity::insert(person::ActiveModel::from(model.clone()))
        .exec(db)
        .await?;
    Ok(model)
}
