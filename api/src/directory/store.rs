//! Organisations and services in the database, always within the actor's tenant.

use domain::{
    Actor, Email, Name, OrganisationId, OrganisationKind, ResponseDays, ServiceId, TenantId,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, Func},
};
use time::OffsetDateTime;

use crate::{
    entities::{organisation, service},
    error::{ApiError, ApiResult, conflict_on_unique},
    graphql::pagination::PageRequest,
};

pub async fn organisation_get(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: OrganisationId,
) -> ApiResult<organisation::Model> {
    organisation::Entity::find_by_id((actor.tenant_id.as_uuid(), id.as_uuid()))
        .one(db)
        .await?
        .ok_or(ApiError::Domain(domain::Error::NotFound))
}

pub async fn organisations_by_ids(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    ids: &[uuid::Uuid],
) -> ApiResult<Vec<organisation::Model>> {
    Ok(organisation::Entity::find()
        .filter(organisation::Column::TenantId.eq(tenant.as_uuid()))
        .filter(organisation::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

/// Accented capitals that SQLite's `lower()` leaves alone (it folds ASCII only): without them,
/// searching "État" (lowered to "état" here) never matched the name "État civil" on SQLite.
const ACCENTED_CAPITALS: &[(&str, &str)] = &[
    ("À", "à"),
    ("Â", "â"),
    ("Ä", "ä"),
    ("Ç", "ç"),
    ("É", "é"),
    ("È", "è"),
    ("Ê", "ê"),
    ("Ë", "ë"),
    ("Î", "î"),
    ("Ï", "ï"),
    ("Ô", "ô"),
    ("Ö", "ö"),
    ("Ù", "ù"),
    ("Û", "û"),
    ("Ü", "ü"),
    ("Ÿ", "ÿ"),
    ("Œ", "œ"),
    ("Æ", "æ"),
    ("Ñ", "ñ"),
];

/// Case-insensitive substring match on a name column; `%` and `_` in the search are literal.
fn name_contains<C: ColumnTrait>(column: C, search: &str) -> sea_orm::sea_query::SimpleExpr {
    let escaped = search
        .trim()
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let lowered = ACCENTED_CAPITALS.iter().fold(
        Expr::expr(Func::lower(Expr::col(column))),
        |expr, (capital, small)| {
            Expr::expr(Func::cust("REPLACE").arg(expr).arg(*capital).arg(*small))
        },
    );
    lowered.like(sea_orm::sea_query::LikeExpr::new(format!("%{escaped}%")).escape('\\'))
}

/// After the cursor in (name, id) order.
fn after_name<C: ColumnTrait>(name: C, id: C, page: &PageRequest) -> Option<Condition> {
    page.after.as_ref().map(|after| {
        Condition::any().add(name.gt(after.key.clone())).add(
            Condition::all()
                .add(name.eq(after.key.clone()))
                .add(id.gt(after.id)),
        )
    })
}

pub async fn organisations_list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    page: &PageRequest,
    search: Option<&str>,
) -> ApiResult<Vec<organisation::Model>> {
    use organisation::Column as C;
    let mut query = organisation::Entity::find().filter(C::TenantId.eq(actor.tenant_id.as_uuid()));
    if let Some(search) = search.filter(|s| !s.trim().is_empty()) {
        query = query.filter(name_contains(C::Name, search));
    }
    if let Some(after) = after_name(C::Name, C::Id, page) {
        query = query.filter(after);
    }
    Ok(query
        .order_by_asc(C::Name)
        .order_by_asc(C::Id)
        .limit(page.limit())
        .all(db)
        .await?)
}

pub struct NewOrganisation {
    pub name: Name,
    pub kind: OrganisationKind,
    pub back_office_email: Option<Email>,
}

pub async fn organisation_insert(
    db: &impl ConnectionTrait,
    actor: &Actor,
    new: NewOrganisation,
    now: OffsetDateTime,
) -> ApiResult<organisation::Model> {
    let model = organisation::Model {
        tenant_id: actor.tenant_id.as_uuid(),
        id: OrganisationId::new().as_uuid(),
        name: new.name.as_str().to_owned(),
        kind: new.kind.as_str().to_owned(),
        back_office_email: new.back_office_email.map(|e| e.as_str().to_owned()),
        created_at: now,
    };
    organisation::Entity::insert(organisation::ActiveModel::from(model.clone()))
        .exec(db)
        .await
        .map_err(|err| conflict_on_unique(err, "name", "Une organisation de ce nom"))?;
    Ok(model)
}

pub async fn service_get(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: ServiceId,
) -> ApiResult<service::Model> {
    service::Entity::find_by_id((actor.tenant_id.as_uuid(), id.as_uuid()))
        .one(db)
        .await?
        .ok_or(ApiError::Domain(domain::Error::NotFound))
}

pub async fn services_list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    page: &PageRequest,
    category: Option<&str>,
    search: Option<&str>,
) -> ApiResult<Vec<service::Model>> {
    use service::Column as C;
    let mut query = service::Entity::find().filter(C::TenantId.eq(actor.tenant_id.as_uuid()));
    if let Some(category) = category.filter(|c| !c.trim().is_empty()) {
        query = query.filter(C::Category.eq(category.trim()));
    }
    if let Some(search) = search.filter(|s| !s.trim().is_empty()) {
        query = query.filter(name_contains(C::Name, search));
    }
    if let Some(after) = after_name(C::Name, C::Id, page) {
        query = query.filter(after);
    }
    Ok(query
        .order_by_asc(C::Name)
        .order_by_asc(C::Id)
        .limit(page.limit())
        .all(db)
        .await?)
}

/// Every service of these organisations, for the `Organisation.services` loader.
pub async fn services_of_organisations(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    organisations: &[uuid::Uuid],
) -> ApiResult<Vec<service::Model>> {
    use service::Column as C;
    Ok(service::Entity::find()
        .filter(C::TenantId.eq(tenant.as_uuid()))
        .filter(C::OrganisationId.is_in(organisations.iter().copied()))
        .order_by_asc(C::Name)
        .all(db)
        .await?)
}

pub struct NewService {
    pub organisation_id: OrganisationId,
    pub name: Name,
    pub category: Name,
    pub response_days: ResponseDays,
    pub urgent_response_days: ResponseDays,
}

pub async fn service_insert(
    db: &impl ConnectionTrait,
    actor: &Actor,
    new: NewService,
    now: OffsetDateTime,
) -> ApiResult<service::Model> {
    let model = service::Model {
        tenant_id: actor.tenant_id.as_uuid(),
        id: ServiceId::new().as_uuid(),
        organisation_id: new.organisation_id.as_uuid(),
        name: new.name.as_str().to_owned(),
        category: new.category.as_str().to_owned(),
        response_days: new.response_days.get() as i32,
        urgent_response_days: new.urgent_response_days.get() as i32,
        created_at: now,
    };
    service::Entity::insert(service::ActiveModel::from(model.clone()))
        .exec(db)
        .await
        .map_err(|err| {
            conflict_on_unique(err, "name", "Un service de ce nom dans cette organisation")
        })?;
    Ok(model)
}

/// Categories in use in the tenant, for the directory's filter.
pub async fn service_categories(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> ApiResult<Vec<String>> {
    use service::Column as C;
    Ok(service::Entity::find()
        .select_only()
        .column(C::Category)
        .distinct()
        .filter(C::TenantId.eq(actor.tenant_id.as_uuid()))
        .order_by_asc(C::Category)
        .into_tuple::<String>()
        .all(db)
        .await?)
}

pub fn organisation_kind(model: &organisation::Model) -> OrganisationKind {
    OrganisationKind::parse(&model.kind).unwrap_or(OrganisationKind::Other)
}
