//! The directory's application service: the organisations of a territory and the services
//! they can be referred to — read by every member, created by administrators.

use domain::{
    Action, Email, Name, OrganisationId, OrganisationKind, ResponseDays, Search, ServiceId, Target,
};

use crate::{
    directory::store,
    entities::{organisation, service},
    error::{ApiError, ApiResult},
    service::Ctx,
    store::{Page, PageRequest},
};

fn may_read(ctx: &Ctx<'_>) -> ApiResult<()> {
    ctx.authorize_tenant(Action::ReadDirectory)
}

/// An organisation of the caller's territory; NOT_FOUND for any other.
pub async fn organisation(ctx: &Ctx<'_>, id: OrganisationId) -> ApiResult<organisation::Model> {
    may_read(ctx)?;
    store::organisation_get(ctx.db, ctx.actor.tenant_id, id).await
}

pub async fn organisations(
    ctx: &Ctx<'_>,
    page: &PageRequest,
    search: Option<&str>,
) -> ApiResult<Page<organisation::Model>> {
    may_read(ctx)?;
    let search = Search::parse_optional("search", search)?;
    store::organisations_list(
        ctx.db,
        ctx.actor.tenant_id,
        page,
        search.as_ref().map(Search::as_str),
    )
    .await
}

/// Every organisation of the territory, by name, for a form that picks one.
pub async fn all_organisations(ctx: &Ctx<'_>) -> ApiResult<Vec<organisation::Model>> {
    may_read(ctx)?;
    store::all_organisations(ctx.db, ctx.actor.tenant_id).await
}

pub async fn services(
    ctx: &Ctx<'_>,
    page: &PageRequest,
    category: Option<&str>,
    search: Option<&str>,
) -> ApiResult<Page<service::Model>> {
    may_read(ctx)?;
    let category = Search::parse_optional("category", category)?;
    let search = Search::parse_optional("search", search)?;
    store::services_list(
        ctx.db,
        ctx.actor.tenant_id,
        page,
        category.as_ref().map(Search::as_str),
        search.as_ref().map(Search::as_str),
    )
    .await
}

/// Every service of these organisations, by name.
pub async fn services_of(
    ctx: &Ctx<'_>,
    organisations: &[OrganisationId],
) -> ApiResult<Vec<service::Model>> {
    may_read(ctx)?;
    let ids: Vec<uuid::Uuid> = organisations.iter().map(|o| o.as_uuid()).collect();
    store::services_of_organisations(ctx.db, ctx.actor.tenant_id, &ids).await
}

/// The organisations with these ids (those of the territory).
pub async fn organisations_by_ids(
    ctx: &Ctx<'_>,
    ids: &[uuid::Uuid],
) -> ApiResult<Vec<organisation::Model>> {
    may_read(ctx)?;
    store::organisations_by_ids(ctx.db, ctx.actor.tenant_id, ids).await
}

/// The services with these ids (those of the territory).
pub async fn services_by_ids(ctx: &Ctx<'_>, ids: &[uuid::Uuid]) -> ApiResult<Vec<service::Model>> {
    may_read(ctx)?;
    store::services_by_ids(ctx.db, ctx.actor.tenant_id, ids).await
}

pub async fn service(ctx: &Ctx<'_>, id: ServiceId) -> ApiResult<service::Model> {
    may_read(ctx)?;
    store::service_get(ctx.db, ctx.actor.tenant_id, id).await
}

/// The service categories in use in the territory.
pub async fn categories(ctx: &Ctx<'_>) -> ApiResult<Vec<String>> {
    may_read(ctx)?;
    store::service_categories(ctx.db, ctx.actor.tenant_id).await
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct OrganisationForm {
    pub name: String,
    pub kind: OrganisationKind,
    #[serde(default)]
    pub back_office_email: Option<String>,
}

/// Adds an organisation to the territory (tenant admin).
pub async fn create_organisation(
    ctx: &Ctx<'_>,
    form: OrganisationForm,
) -> ApiResult<organisation::Model> {
    ctx.authorize_tenant(Action::CreateOrganisation)?;
    let new = store::NewOrganisation {
        name: Name::parse("name", &form.name)?,
        kind: form.kind,
        back_office_email: form
            .back_office_email
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            .map(|e| Email::parse("backOfficeEmail", e))
            .transpose()?,
    };
    store::organisation_insert(ctx.db, ctx.actor.tenant_id, new, ctx.now).await
}

pub struct ServiceForm {
    pub organisation: OrganisationId,
    pub name: String,
    pub category: String,
    pub response_days: i32,
    pub urgent_response_days: i32,
}

/// Adds a service an organisation can be referred to (tenant admin, or org admin of it).
pub async fn create_service(ctx: &Ctx<'_>, form: ServiceForm) -> ApiResult<service::Model> {
    store::organisation_get(ctx.db, ctx.actor.tenant_id, form.organisation).await?;
    ctx.authorize(
        Action::CreateService,
        &Target::organisation(ctx.actor.tenant_id, form.organisation),
    )?;
    let response_days = ResponseDays::parse("responseDays", form.response_days)?;
    let urgent_response_days =
        ResponseDays::parse("urgentResponseDays", form.urgent_response_days)?;
    if urgent_response_days.get() > response_days.get() {
        return Err(ApiError::invalid(
            "urgentResponseDays",
            "ne peut pas dépasser le délai standard",
        ));
    }
    let new = store::NewService {
        organisation_id: form.organisation,
        name: Name::parse("name", &form.name)?,
        category: Name::parse("category", &form.category)?,
        response_days,
        urgent_response_days,
    };
    store::service_insert(ctx.db, ctx.actor.tenant_id, new, ctx.now).await
}
