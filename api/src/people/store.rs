//! People in the database: always within the actor's tenant and organisation.

use domain::{Actor, PersonId};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::{
    entities::person,
    error::ApiResult,
    store::{Cursor, Key, Page, PageRequest, keyset, not_found},
};

/// A person held by the actor's organisation; anyone else's is NOT_FOUND.
pub async fn held_by(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: PersonId,
) -> ApiResult<person::Model> {
    person::Entity::find_by_id((actor.tenant_id.as_uuid(), id.as_uuid()))
        .one(db)
        .await?
        .filter(|p| p.organisation_id == actor.organisation_id.as_uuid())
        .ok_or_else(not_found)
}

/// The organisation's records with this duplicate key, oldest first.
pub async fn with_duplicate_key(
    db: &impl ConnectionTrait,
    tenant: uuid::Uuid,
    organisation: uuid::Uuid,
    key: &str,
) -> ApiResult<Vec<person::Model>> {
    use person::Column as C;
    Ok(person::Entity::find()
        .filter(C::TenantId.eq(tenant))
        .filter(C::OrganisationId.eq(organisation))
        .filter(C::DuplicateKey.eq(key))
        .order_by_asc(C::CreatedAt)
        .limit(20)
        .all(db)
        .await?)
}

/// Other records of the same organisation with the same duplicate key.
pub async fn possible_duplicates(
    db: &impl ConnectionTrait,
    person: &person::Model,
) -> ApiResult<Vec<person::Model>> {
    let mut found = with_duplicate_key(
        db,
        person.tenant_id,
        person.organisation_id,
        &person.duplicate_key,
    )
    .await?;
    found.retain(|p| p.id != person.id);
    Ok(found)
}

/// The cursor of a person listed by name.
pub fn by_name(row: &person::Model) -> Cursor {
    Cursor::new(vec![row.last_name.clone(), row.first_name.clone()], row.id)
}

/// The organisation's people by last name then first name, optionally matching a search on
/// their names or birth date (accents, case and word order ignored).
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    page: &PageRequest,
    search: Option<&str>,
) -> ApiResult<Page<person::Model>> {
    use person::Column as C;
    let mut query = person::Entity::find()
        .filter(C::TenantId.eq(actor.tenant_id.as_uuid()))
        .filter(C::OrganisationId.eq(actor.organisation_id.as_uuid()));
    // Each folded word of the search within the duplicate key (folded names and birth date):
    // accents, case and word order do not matter, the same on both databases. Folded words
    // are letters and digits only, so nothing in them is a LIKE wildcard.
    for word in domain::person::search_words(search.unwrap_or_default()) {
        query = query.filter(C::DuplicateKey.like(format!("%{word}%")));
    }
    let rows = keyset(
        query,
        &[Key::Text(C::LastName), Key::Text(C::FirstName)],
        C::Id,
        false,
        page,
    )?
    .all(db)
    .await?;
    Ok(Page::of(page, rows, by_name))
}

pub async fn insert(db: &impl ConnectionTrait, model: person::Model) -> ApiResult<person::Model> {
    person::Entity::insert(person::ActiveModel::from(model.clone()))
        .exec(db)
        .await?;
    Ok(model)
}

/// The people of `ids` within the tenant, for lists whose views already decided who may see
/// each identity (a view without a person has no id to load).
pub async fn by_ids(
    db: &impl ConnectionTrait,
    tenant: domain::TenantId,
    ids: &[uuid::Uuid],
) -> ApiResult<Vec<person::Model>> {
    use person::Column as C;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(person::Entity::find()
        .filter(C::TenantId.eq(tenant.as_uuid()))
        .filter(C::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}
