//! The API clients application service: creating (the secret returned once), listing and
//! revoking an organisation's clients, and from a client token back to the caller it stands for.

use domain::{Action, Actor, ApiClientId, Name, OrganisationId, Roles, Target, TenantId};
use sea_orm::DatabaseConnection;
use time::OffsetDateTime;

use crate::{
    clients::{secret, store},
    directory,
    entities::api_client,
    error::{ApiError, ApiResult},
    service::Ctx,
    store::not_found,
};

/// A client as its organisation's admins see it (never its secret, nor its hash).
#[derive(Debug, Clone)]
pub struct ApiClient {
    pub id: ApiClientId,
    pub organisation: OrganisationId,
    pub name: String,
    pub roles: Roles,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

impl ApiClient {
    fn from_model(m: api_client::Model) -> ApiResult<Self> {
        Ok(Self {
            id: ApiClientId::from_uuid(m.id),
            organisation: OrganisationId::from_uuid(m.organisation_id),
            roles: Roles::parse_csv(&m.roles)?,
            name: m.name,
            created_at: m.created_at,
            last_used_at: m.last_used_at,
            revoked_at: m.revoked_at,
        })
    }
}

#[derive(Debug, Clone)]
pub struct ClientForm {
    pub organisation: OrganisationId,
    pub name: String,
    /// Role codes (`AGENT`, `BACK_OFFICE`…).
    pub roles: Vec<String>,
}

/// A client just created, with the secret it will authenticate with: shown this once.
pub struct Created {
    pub client: ApiClient,
    pub secret: String,
}

/// A client's token lives this long; it asks for another with its credentials.
pub const TOKEN_LIFETIME: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// A client's last use is written at most this often (not on every request).
const TOUCH_EVERY: time::Duration = time::Duration::minutes(5);

/// Creates a client for an organisation (its org admin, or a tenant admin), with roles the
/// caller may give a client ([`domain::may_grant_client`]).
pub async fn create(ctx: &Ctx<'_>, form: ClientForm) -> ApiResult<Created> {
    directory::store::organisation_get(ctx.db, ctx.actor.tenant_id, form.organisation).await?;
    ctx.authorize(
        Action::CreateApiClient,
        &Target::organisation(ctx.actor.tenant_id, form.organisation),
    )?;
    let name = Name::parse("name", &form.name)?;
    let roles = Roles::parse_list(&form.roles)?;
    domain::may_grant_client(ctx.actor, &roles)?;
    let id = uuid::Uuid::now_v7();
    let secret = secret::generate();
    let model = api_client::Model {
        id,
        tenant_id: ctx.actor.tenant_id.as_uuid(),
        organisation_id: form.organisation.as_uuid(),
        name: name.as_str().to_owned(),
        roles: roles.to_csv(),
        secret_hash: secret::hash(id, &secret),
        created_at: ctx.now,
        created_by: ctx.actor.user_id.map(|u| u.as_uuid()),
        last_used_at: None,
        revoked_at: None,
    };
    store::insert(ctx.db, model.clone()).await?;
    tracing::info!(client = %id, "API client created");
    Ok(Created {
        client: ApiClient::from_model(model)?,
        secret,
    })
}

/// An organisation's clients, the newest first (its org admin, or a tenant admin).
pub async fn list(ctx: &Ctx<'_>, organisation: OrganisationId) -> ApiResult<Vec<ApiClient>> {
    // Scoped by tenant first: another territory's organisation is NOT_FOUND.
    directory::store::organisation_get(ctx.db, ctx.actor.tenant_id, organisation).await?;
    ctx.authorize(
        Action::ManageApiClients,
        &Target::organisation(ctx.actor.tenant_id, organisation),
    )?;
    store::of_organisation(ctx.db, ctx.actor.tenant_id, organisation)
        .await?
        .into_iter()
        .map(ApiClient::from_model)
        .collect()
}

/// Revokes a client: its tokens stop working at their next request, and it gets no new one.
pub async fn revoke(ctx: &Ctx<'_>, id: ApiClientId) -> ApiResult<ApiClient> {
    let client = store::get(ctx.db, ctx.actor.tenant_id, id)
        .await?
        .ok_or_else(not_found)?;
    ctx.authorize(
        Action::ManageApiClients,
        &Target::organisation(
            ctx.actor.tenant_id,
            OrganisationId::from_uuid(client.organisation_id),
        ),
    )?;
    store::revoke(ctx.db, ctx.actor.tenant_id, id, ctx.now).await?;
    tracing::info!(client = %id, "API client revoked");
    let client = store::get(ctx.db, ctx.actor.tenant_id, id)
        .await?
        .ok_or_else(not_found)?;
    ApiClient::from_model(client)
}

/// The names of the territory's clients that acted on something, by id.
pub async fn names(
    ctx: &Ctx<'_>,
    ids: &[uuid::Uuid],
) -> ApiResult<std::collections::HashMap<uuid::Uuid, String>> {
    ctx.authorize_tenant(Action::ReadDirectory)?;
    store::names(ctx.db, ctx.actor.tenant_id, ids).await
}

/// Checks a client's credentials; any defect (unknown, revoked, wrong secret) is one answer.
pub async fn authenticate(
    db: &DatabaseConnection,
    id: &str,
    presented: &str,
    now: OffsetDateTime,
) -> ApiResult<api_client::Model> {
    let refused = || ApiError::Domain(domain::Error::Unauthenticated);
    let id: ApiClientId = id.parse().map_err(|_| refused())?;
    let client = store::for_token(db, id).await?;
    // Hash even for an unknown client, so that timing does not tell which ids exist.
    let stored = client
        .as_ref()
        .map_or_else(|| "00".repeat(32), |c| c.secret_hash.clone());
    let good = secret::verify(id.as_uuid(), presented, &stored);
    let client = client
        .filter(|c| good && c.revoked_at.is_none())
        .ok_or_else(refused)?;
    store::touch(db, TenantId::from_uuid(client.tenant_id), id, now).await?;
    Ok(client)
}

/// The caller a client token stands for, read again at each request: a revoked client, or a
/// changed role, takes effect at once.
pub async fn actor_of_token(
    db: &DatabaseConnection,
    tenant: TenantId,
    id: uuid::Uuid,
    now: OffsetDateTime,
) -> ApiResult<Actor> {
    let id = ApiClientId::from_uuid(id);
    let client = store::get(db, tenant, id)
        .await?
        .filter(|c| c.revoked_at.is_none())
        .ok_or(ApiError::Domain(domain::Error::Unauthenticated))?;
    if client.last_used_at.is_none_or(|at| at < now - TOUCH_EVERY) {
        store::touch(db, tenant, id, now).await?;
    }
    Ok(Actor {
        tenant_id: tenant,
        organisation_id: OrganisationId::from_uuid(client.organisation_id),
        user_id: None,
        client_id: Some(id),
        roles: Roles::parse_csv(&client.roles)?,
    })
}
