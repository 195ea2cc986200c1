//! Directory queries and mutations: organisations and services.

use async_graphql::{
    Context, Enum, ID, InputObject, Object, connection::Connection, dataloader::DataLoader,
};
use domain::{OrganisationId, ServiceId};

use crate::{
    directory::{loaders, service},
    entities::{organisation, service as service_row},
    error::{ApiError, ApiResult},
    graphql::context::{CtxExt, connection},
    service::{input_id, lookup_id},
    store::{PageRequest, not_found},
};

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "OrganisationKind", remote = "domain::OrganisationKind")]
pub enum OrganisationKind {
    Caf,
    Cpam,
    Msa,
    FranceTravail,
    Carsat,
    Ccas,
    Commune,
    Departement,
    FranceServices,
    MissionLocale,
    Association,
    SocialLandlord,
    Other,
}

pub struct Organisation(pub organisation::Model);

#[Object]
impl Organisation {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn kind(&self) -> OrganisationKind {
        self.0.kind.0.into()
    }
    /// The mailbox that receives this organisation's referrals.
    async fn back_office_email(&self) -> Option<&str> {
        self.0.back_office_email.as_deref()
    }
    /// Working days this organisation takes to answer an escalation.
    async fn escalation_answer_days(&self) -> i32 {
        crate::escalations::service::answer_days_of(&self.0).standard as i32
    }
    /// Working days this organisation takes to answer an urgent escalation.
    async fn escalation_urgent_answer_days(&self) -> i32 {
        crate::escalations::service::answer_days_of(&self.0).urgent as i32
    }
    async fn services(&self, ctx: &Context<'_>) -> ApiResult<Vec<Service>> {
        Ok(services_of(ctx, OrganisationId::from_uuid(self.0.id))
            .await?
            .into_iter()
            .map(Service)
            .collect())
    }
}

pub struct Service(pub service_row::Model);

#[Object]
impl Service {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn category(&self) -> &str {
        &self.0.category
    }
    /// Working days to answer a standard referral.
    async fn response_days(&self) -> i32 {
        self.0.response_days
    }
    /// Working days to answer an urgent referral.
    async fn urgent_response_days(&self) -> i32 {
        self.0.urgent_response_days
    }
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Organisation> {
        organisation(ctx, OrganisationId::from_uuid(self.0.organisation_id)).await
    }
}

#[derive(Default)]
pub struct DirectoryQuery;

#[Object]
impl DirectoryQuery {
    /// An organisation of the caller's territory; NOT_FOUND for any other.
    async fn organisation(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Organisation> {
        let found = service::organisation(&ctx.service()?, lookup_id(&id.0)?).await?;
        Ok(Organisation(found))
    }

    /// The organisations of the caller's territory, by name.
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        search: Option<String>,
    ) -> ApiResult<Connection<String, Organisation>> {
        let page = PageRequest::parse(first, after.as_deref())?;
        let found = service::organisations(&ctx.service()?, &page, search.as_deref()).await?;
        Ok(connection(found, Organisation))
    }

    /// The services of the caller's territory, by name; filter by category and name.
    async fn services(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        category: Option<String>,
        search: Option<String>,
    ) -> ApiResult<Connection<String, Service>> {
        let page = PageRequest::parse(first, after.as_deref())?;
        let found = service::services(
            &ctx.service()?,
            &page,
            category.as_deref(),
            search.as_deref(),
        )
        .await?;
        Ok(connection(found, Service))
    }

    /// The service categories in use in the territory.
    async fn service_categories(&self, ctx: &Context<'_>) -> ApiResult<Vec<String>> {
        service::categories(&ctx.service()?).await
    }
}

#[derive(InputObject)]
pub struct CreateOrganisationInput {
    name: String,
    kind: OrganisationKind,
    back_office_email: Option<String>,
}

#[derive(InputObject)]
pub struct CreateServiceInput {
    organisation_id: ID,
    name: String,
    category: String,
    response_days: i32,
    urgent_response_days: i32,
}

#[derive(Default)]
pub struct DirectoryMutation;

#[Object]
impl DirectoryMutation {
    /// Adds an organisation to the territory (tenant admin).
    async fn create_organisation(
        &self,
        ctx: &Context<'_>,
        input: CreateOrganisationInput,
    ) -> ApiResult<Organisation> {
        let form = service::OrganisationForm {
            name: input.name,
            kind: input.kind.into(),
            back_office_email: input.back_office_email,
        };
        Ok(Organisation(
            service::create_organisation(&ctx.service()?, form).await?,
        ))
    }

    /// Adds a service an organisation can be referred to (tenant admin, or org admin of it).
    async fn create_service(
        &self,
        ctx: &Context<'_>,
        input: CreateServiceInput,
    ) -> ApiResult<Service> {
        let form = service::ServiceForm {
            organisation: input_id("organisationId", &input.organisation_id.0)?,
            name: input.name,
            category: input.category,
            response_days: input.response_days,
            urgent_response_days: input.urgent_response_days,
        };
        Ok(Service(
            service::create_service(&ctx.service()?, form).await?,
        ))
    }
}

// ------------------------------------------------------------ the hops, through the loaders

fn loader<'a, T: Send + Sync + 'static>(ctx: &Context<'a>) -> ApiResult<&'a DataLoader<T>> {
    ctx.data::<DataLoader<T>>()
        .map_err(|_| ApiError::Domain(domain::Error::Unauthenticated))
}

/// The organisation of the caller's tenant with this id.
pub async fn organisation(ctx: &Context<'_>, id: OrganisationId) -> ApiResult<Organisation> {
    loader::<loaders::OrganisationLoader>(ctx)?
        .load_one(id.as_uuid())
        .await?
        .map(Organisation)
        .ok_or_else(not_found)
}

/// The service of the caller's tenant with this id.
pub async fn service(ctx: &Context<'_>, id: ServiceId) -> ApiResult<Service> {
    loader::<loaders::ServiceLoader>(ctx)?
        .load_one(id.as_uuid())
        .await?
        .map(Service)
        .ok_or_else(not_found)
}

pub async fn services_of(
    ctx: &Context<'_>,
    id: OrganisationId,
) -> ApiResult<Vec<service_row::Model>> {
    Ok(loader::<loaders::ServicesByOrganisation>(ctx)?
        .load_one(id.as_uuid())
        .await?
        .unwrap_or_default())
}
