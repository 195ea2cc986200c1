//! Creating organisations and services: one path for GraphQL and the admin pages alike —
//! find the target in the caller's tenant, authorize, validate, write.

use domain::{Action, Actor, Email, Name, OrganisationId, OrganisationKind, ResponseDays, Target};

use crate::{
    AppState,
    directory::store,
    entities::{organisation, service},
    error::{ApiError, ApiResult},
};

pub struct OrganisationForm {
    pub name: String,
    pub kind: OrganisationKind,
    pub back_office_email: Option<String>,
}

pub async fn create_organisation(
    app: &AppState,
    actor: &Actor,
    form: OrganisationForm,
) -> ApiResult<organisation::Model> {
    domain::authorize(
        actor,
        Action::CreateOrganisation,
        &Target::tenant(actor.tenant_id),
    )?;
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
    store::organisation_insert(&app.db, actor, new, app.clock.now()).await
}

pub struct ServiceForm {
    pub organisation_id: String,
    pub name: String,
    pub category: String,
    pub response_days: i32,
    pub urgent_response_days: i32,
}

pub async fn create_service(
    app: &AppState,
    actor: &Actor,
    form: ServiceForm,
) -> ApiResult<service::Model> {
    let organisation_id: OrganisationId = parse_id("organisationId", &form.organisation_id)?;
    store::organisation_get(&app.db, actor, organisation_id).await?;
    domain::authorize(
        actor,
        Action::CreateService,
        &Target::organisation(actor.tenant_id, organisation_id),
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
        organisation_id,
        name: Name::parse("name", &form.name)?,
        category: Name::parse("category", &form.category)?,
        response_days,
        urgent_response_days,
    };
    store::service_insert(&app.db, actor, new, app.clock.now()).await
}

/// A malformed id is BAD_USER_INPUT naming the field.
pub fn parse_id<T: std::str::FromStr>(field: &str, raw: &str) -> ApiResult<T> {
    raw.trim()
        .parse::<T>()
        .map_err(|_| ApiError::invalid(field, "identifiant invalide"))
}
