//! Organisations and services in the database, always within the actor's tenant.

use domain::{Email, Name, OrganisationId, OrganisationKind, ResponseDays, ServiceId, TenantId};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, Func},
};
use time::OffsetDateTime;

use crate::{
    entities::{organisation, service},
    error::{ApiResult, conflict_on_unique},
    store::{Coded, Cursor, Key, Page, PageRequest, keyset, not_found},
};

pub async fn organisation_get(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: OrganisationId,
) -> ApiResult<organisation::Model> {
    organisation::Entity::find_by_id((tenant.as_uuid(), id.as_uuid()))
        .one(db)
        .await?
        .ok_or_else(not_found)
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

/// Every organisation of the tenant, by name: for choosing one in a form (a territory has tens
/// or hundreds, not a page's worth to cut).
pub async fn all_organisations(
    db: &impl ConnectionTrait,
    tenant: TenantId,
) -> ApiResult<Vec<organisation::Model>> {
    Ok(organisation::Entity::find()
        .filter(organisation::Column::TenantId.eq(tenant.as_uuid()))
        .order_by_asc(organisation::Column::Name)
        .order_by_asc(organisation::Column::Id)
        .all(db)
        .await?)
}

/// Every service of the tenant, by name: for choosing one in a form.
pub async fn all_services(
    db: &impl ConnectionTrait,
    tenant: TenantId,
) -> ApiResult<Vec<service::Model>> {
    Ok(service::Entity::find()
        .filter(service::Column::TenantId.eq(tenant.as_uuid()))
        .order_by_asc(service::Column::Name)
        .order_by_asc(service::Column::Id)
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

/// The cursor of a row listed by name.
pub fn by_name(name: &str, id: uuid::Uuid) -> Cursor {
    Cursor::new(vec![name.to_owned()], id)
}

pub async fn organisations_list(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    page: &PageRequest,
    search: Option<&str>,
) -> ApiResult<Page<organisation::Model>> {
    use organisation::Column as C;
    let mut query = organisation::Entity::find().filter(C::TenantId.eq(tenant.as_uuid()));
    if let Some(search) = search.filter(|s| !s.trim().is_empty()) {
        query = query.filter(name_contains(C::Name, search));
    }
    let rows = keyset(query, &[Key::Text(C::Name)], C::Id, false, page)?
        .all(db)
        .await?;
    Ok(Page::of(page, rows, |o| by_name(&o.name, o.id)))
}

pub struct NewOrganisation {
    pub name: Name,
    pub kind: OrganisationKind,
    pub back_office_email: Option<Email>,
}

pub async fn organisation_insert(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    new: NewOrganisation,
    now: OffsetDateTime,
) -> ApiResult<organisation::Model> {
    let model = organisation::Model {
        tenant_id: tenant.as_uuid(),
        id: OrganisationId::new().as_uuid(),
        name: new.name.as_str().to_owned(),
        kind: Coded(new.kind),
        back_office_email: new.back_office_email.map(|e| e.as_str().to_owned()),
        created_at: now,
        escalation_answer_days: domain::escalation::DEFAULT_ANSWER_DAYS as i32,
        escalation_urgent_answer_days: domain::escalation::DEFAULT_URGENT_ANSWER_DAYS as i32,
    };
    organisation::Entity::insert(organisation::ActiveModel::from(model.clone()))
        .exec(db)
        .await
        .map_err(|err| conflict_on_unique(err, "name", "Une organisation de ce nom"))?;
    Ok(model)
}

pub async fn service_get(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: ServiceId,
) -> ApiResult<service::Model> {
    service::Entity::find_by_id((tenant.as_uuid(), id.as_uuid()))
        .one(db)
        .await?
        .ok_or_else(not_found)
}

pub async fn services_by_ids(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    ids: &[uuid::Uuid],
) -> ApiResult<Vec<service::Model>> {
    Ok(service::Entity::find()
        .filter(service::Column::TenantId.eq(tenant.as_uuid()))
        .filter(service::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

pub async fn services_list(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    page: &PageRequest,
    category: Option<&str>,
    search: Option<&str>,
) -> ApiResult<Page<service::Model>> {
    use service::Column as C;
    let mut query = service::Entity::find().filter(C::TenantId.eq(tenant.as_uuid()));
    if let Some(category) = category.filter(|c| !c.trim().is_empty()) {
        query = query.filter(C::Category.eq(category.trim()));
    }
    if let Some(search) = search.filter(|s| !s.trim().is_empty()) {
        query = query.filter(name_contains(C::Name, search));
    }
    let rows = keyset(query, &[Key::Text(C::Name)], C::Id, false, page)?
        .all(db)
        .await?;
    Ok(Page::of(page, rows, |s| by_name(&s.name, s.id)))
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
    tenant: TenantId,
    new: NewService,
    now: OffsetDateTime,
) -> ApiResult<service::Model> {
    let model = service::Model {
        tenant_id: tenant.as_uuid(),
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
    tenant: TenantId,
) -> ApiResult<Vec<String>> {
    use service::Column as C;
    Ok(service::Entity::find()
        .select_only()
        .column(C::Category)
        .distinct()
        .filter(C::TenantId.eq(tenant.as_uuid()))
        .order_by_asc(C::Category)
        .into_tuple::<String>()
        .all(db)
        .await?)
}
