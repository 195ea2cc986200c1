//! `createApiClient`, `apiClients`, `revokeApiClient` and the `ApiClient` type.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use time::OffsetDateTime;

use crate::{
    auth::graphql::Role,
    clients::service::{self, ClientForm},
    error::ApiResult,
    graphql::context::CtxExt,
    service::{lookup_id, optional_input_id},
};

/// A partner system's client (its secret is never shown again after creation).
pub struct ApiClient(pub service::ApiClient);

#[Object]
impl ApiClient {
    /// The `client_id` it authenticates with at `POST /oauth/token`.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn roles(&self) -> Vec<Role> {
        self.0.roles.iter().map(Role::from).collect()
    }
    async fn organisation_id(&self) -> ID {
        ID(self.0.organisation.to_string())
    }
    async fn created_at(&self) -> OffsetDateTime {
        self.0.created_at
    }
    /// When it last obtained a token or made a request (to within five minutes).
    async fn last_used_at(&self) -> Option<OffsetDateTime> {
        self.0.last_used_at
    }
    /// When it was revoked: its tokens no longer work.
    async fn revoked_at(&self) -> Option<OffsetDateTime> {
        self.0.revoked_at
    }
}

/// A client just created and its secret, shown this once: keep it in the partner system's
/// secret store.
#[derive(SimpleObject)]
pub struct ApiClientSecret {
    client_id: ID,
    client_secret: String,
    client: ApiClient,
}

#[derive(InputObject)]
pub struct CreateApiClientInput {
    organisation_id: ID,
    name: String,
    /// The roles it acts with: AGENT, BACK_OFFICE, or COORDINATOR (given by a tenant admin);
    /// never ORG_ADMIN nor TENANT_ADMIN.
    roles: Vec<Role>,
}

#[derive(Default)]
pub struct ClientsQuery;

#[Object]
impl ClientsQuery {
    /// The API clients of an organisation (the caller's by default), newest first — its org
    /// admin, or a tenant admin.
    async fn api_clients(
        &self,
        ctx: &Context<'_>,
        organisation_id: Option<ID>,
    ) -> ApiResult<Vec<ApiClient>> {
        let ctx = ctx.service()?;
        let organisation = optional_input_id(
            "organisationId",
            organisation_id.as_ref().map(|id| id.as_str()),
        )?
        .unwrap_or(ctx.actor.organisation_id);
        Ok(service::list(&ctx, organisation)
            .await?
            .into_iter()
            .map(ApiClient)
            .collect())
    }
}

#[derive(Default)]
pub struct ClientsMutation;

#[Object]
impl ClientsMutation {
    /// Creates an API client for an organisation (its org admin, or a tenant admin); the secret
    /// is in this answer only.
    async fn create_api_client(
        &self,
        ctx: &Context<'_>,
        input: CreateApiClientInput,
    ) -> ApiResult<ApiClientSecret> {
        let form = ClientForm {
            organisation: crate::service::input_id("organisationId", &input.organisation_id)?,
            name: input.name,
            roles: input
                .roles
                .iter()
                .map(|r| domain::Role::from(*r).as_str().to_owned())
                .collect(),
        };
        let created = service::create(&ctx.service()?, form).await?;
        Ok(ApiClientSecret {
            client_id: ID(created.client.id.to_string()),
            client_secret: created.secret,
            client: ApiClient(created.client),
        })
    }

    /// Revokes an API client: its tokens stop working at their next request.
    async fn revoke_api_client(&self, ctx: &Context<'_>, id: ID) -> ApiResult<ApiClient> {
        Ok(ApiClient(
            service::revoke(&ctx.service()?, lookup_id(&id)?).await?,
        ))
    }
}

/// The client that acted on something, as a timeline names it.
#[derive(SimpleObject)]
pub struct ActingClient {
    id: ID,
    name: String,
}

/// The acting client of a timeline line, if a client acted.
pub async fn acting(
    ctx: &Context<'_>,
    client: Option<domain::ApiClientId>,
) -> ApiResult<Option<ActingClient>> {
    let Some(id) = client else {
        return Ok(None);
    };
    let names = service::names(&ctx.service()?, &[id.as_uuid()]).await?;
    Ok(names.get(&id.as_uuid()).map(|name| ActingClient {
        id: ID(id.to_string()),
        name: name.clone(),
    }))
}
