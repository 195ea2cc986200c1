//! DataLoaders for the directory's `belongsTo` hops: one query per request and kind, never one
//! per row. Each loader is made per request for the caller's tenant, so it cannot cross tenants;
//! the directory is readable by every member of the tenant.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use domain::TenantId;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{
    directory::store,
    entities::{organisation, service},
    error::ApiError,
};

macro_rules! tenant_loader {
    ($name:ident) => {
        pub struct $name {
            db: DatabaseConnection,
            tenant: TenantId,
        }

        impl $name {
            pub fn new(db: &DatabaseConnection, tenant: TenantId) -> Self {
                Self {
                    db: db.clone(),
                    tenant,
                }
            }
        }
    };
}

tenant_loader!(OrganisationLoader);
tenant_loader!(ServiceLoader);
tenant_loader!(ServicesByOrganisation);

impl Loader<Uuid> for OrganisationLoader {
    type Value = organisation::Model;
    type Error = ApiError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = store::organisations_by_ids(&self.db, self.tenant, keys).await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

impl Loader<Uuid> for ServiceLoader {
    type Value = service::Model;
    type Error = ApiError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = store::services_by_ids(&self.db, self.tenant, keys).await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
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

/// Adds this module's loaders to a request of a caller of `tenant`.
pub fn register(
    request: async_graphql::Request,
    db: &DatabaseConnection,
    tenant: TenantId,
) -> async_graphql::Request {
    request
        .data(DataLoader::new(
            OrganisationLoader::new(db, tenant),
            tokio::spawn,
        ))
        .data(DataLoader::new(
            ServiceLoader::new(db, tenant),
            tokio::spawn,
        ))
        .data(DataLoader::new(
            ServicesByOrganisation::new(db, tenant),
            tokio::spawn,
        ))
}
