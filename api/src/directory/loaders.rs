//! DataLoaders for the directory's `belongsTo` hops: one query per request and kind, never one
//! per row. Each loader is made per request for the caller's tenant, so it cannot cross tenants.

use std::collections::HashMap;

use async_graphql::{
    Context,
    dataloader::{DataLoader, Loader},
};
use domain::{OrganisationId, TenantId};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{
    AppState,
    directory::{
        graphql::{Organisation, Service},
        store,
    },
    entities::{organisation, service},
    error::{ApiError, ApiResult},
};

pub struct OrganisationLoader {
    db: DatabaseConnection,
    tenant: TenantId,
}

impl OrganisationLoader {
    pub fn new(app: &AppState, tenant: TenantId) -> Self {
        Self {
            db: app.db.clone(),
            tenant,
        }
    }
}

impl Loader<Uuid> for OrganisationLoader {
    type Value = organisation::Model;
    type Error = ApiError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = store::organisations_by_ids(&self.db, self.tenant, keys).await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

pub struct ServicesByOrganisation {
    db: DatabaseConnection,
    tenant: TenantId,
}

impl ServicesByOrganisation {
    pub fn new(app: &AppState, tenant: TenantId) -> Self {
        Self {
            db: app.db.clone(),
            tenant,
        }
    }
}

impl Loader<Uuid> for ServicesByOrganisation {
    type Value = Vec<service::Model>;
    type Error = ApiError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = store::services_of_organisations(&self.db, self.tenant, keys).await?;
        let mut by_org: HashMap<Uuid, Vec<service::Model>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for row in rows {
            by_org.entry(row.organisation_id).or_default().push(row);
        }
        Ok(by_org)
    }
}

fn loader<'a, T: Send + Sync + 'static>(ctx: &Context<'a>) -> ApiResult<&'a DataLoader<T>> {
    ctx.data::<DataLoader<T>>()
        .map_err(|_| ApiError::Domain(domain::Error::Unauthenticated))
}

/// The organisation of the caller's tenant with this id.
pub async fn organisation(ctx: &Context<'_>, id: OrganisationId) -> ApiResult<Organisation> {
    loader::<OrganisationLoader>(ctx)?
        .load_one(id.as_uuid())
        .await?
        .map(Organisation)
        .ok_or(ApiError::Domain(domain::Error::NotFound))
}

pub async fn services_of(ctx: &Context<'_>, id: OrganisationId) -> ApiResult<Vec<Service>> {
    Ok(loader::<ServicesByOrganisation>(ctx)?
        .load_one(id.as_uuid())
        .await?
        .unwrap_or_default()
        .into_iter()
        .map(Service)
        .collect())
}
