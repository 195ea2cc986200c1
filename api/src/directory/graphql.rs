//! Directory queries and mutations: organisations and services.

use async_graphql::{Context, Enum, ID, InputObject, Object, connection::Connection};
use domain::OrganisationId;

use crate::{
    directory::{commands, loaders, store},
    entities::{organisation, service},
    error::{ApiError, ApiResult},
    graphql::{
        CtxExt,
        pagination::{Cursor, PageRequest, connection},
    },
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
        store::organisation_kind(&self.0).into()
    }
    /// The mailbox that receives this organisation's referrals.
    async fn back_office_email(&self) -> Option<&str> {
        self.0.back_office_email.as_deref()
    }
    async fn services(&self, ctx: &Context<'_>) -> ApiResult<Vec<Service>> {
        loaders::services_of(ctx, OrganisationId::from_uuid(self.0.id)).await
    }
}

pub struct Service(pub service::Model);

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
        loaders::organisation(ctx, OrganisationId::from_uuid(self.0.organisation_id)).await
    }
}

fn by_name_org(row: &organisation::Model) -> Cursor {
    Cursor {
        key: row.name.clone(),
        id: row.id,
    }
}

fn by_name_service(row: &service::Model) -> Cursor {
    Cursor {
        key: row.name.clone(),
        id: row.id,
    }
}

#[derive(Default)]
pub struct DirectoryQuery;

#[Object]
impl DirectoryQuery {
    /// An organisation of the caller's territory; NOT_FOUND for any other.
    async fn organisation(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Organisation> {
        let actor = ctx.actor()?;
        let id: OrganisationId = commands::parse_id("id", &id.0)
            .map_err(|_| ApiError::Domain(domain::Error::NotFound))?;
        Ok(Organisation(
            store::organisation_get(&ctx.app().db, actor, id).await?,
        ))
    }

    /// The organisations of the caller's territory, by name.
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        search: Option<String>,
    ) -> ApiResult<Connection<String, Organisation>> {
        let actor = ctx.actor()?;
        let page = PageRequest::parse(first, after)?;
        let rows =
            store::organisations_list(&ctx.app().db, actor, &page, search.as_deref()).await?;
        Ok(connection(&page, rows, by_name_org, Organisation))
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
        let actor = ctx.actor()?;
        let page = PageRequest::parse(first, after)?;
        let rows = store::services_list(
            &ctx.app().db,
            actor,
            &page,
            category.as_deref(),
            search.as_deref(),
        )
        .await?;
        Ok(connection(&page, rows, by_name_service, Service))
    }

    /// The service categories in use in the territory.
    async fn service_categories(&self, ctx: &Context<'_>) -> ApiResult<Vec<String>> {
        store::service_categories(&ctx.app().db, ctx.actor()?).await
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
        let form = commands::OrganisationForm {
            name: input.name,
            kind: input.kind.into(),
            back_office_email: input.back_office_email,
        };
        Ok(Organisation(
            commands::create_organisation(ctx.app(), ctx.actor()?, form).await?,
        ))
    }

    /// Adds a service an organisation can be referred to (tenant admin, or org admin of it).
    async fn create_service(
        &self,
        ctx: &Context<'_>,
        input: CreateServiceInput,
    ) -> ApiResult<Service> {
        let form = commands::ServiceForm {
            organisation_id: input.organisation_id.0,
            name: input.name,
            category: input.category,
            response_days: input.response_days,
            urgent_response_days: input.urgent_response_days,
        };
        Ok(Service(
            commands::create_service(ctx.app(), ctx.actor()?, form).await?,
        ))
    }
}
