//! Per-request DataLoaders for the hops of a referral (person, user), each scoped to the
//! caller's tenant: one query per kind and request, never one per row. They load rows whose
//! visibility the referral's view already decided (a view without a person has no id to load).

use std::collections::HashMap;

use async_graphql::{
    Context,
    dataloader::{DataLoader, Loader},
};
use domain::TenantId;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    AppState,
    entities::{person, user},
    error::{ApiError, ApiResult},
};

/// A loader of one entity by id within a tenant.
macro_rules! by_id_loader {
    ($name:ident, $entity:ident) => {
        pub struct $name {
            db: DatabaseConnection,
            tenant: TenantId,
        }

        impl $name {
            pub fn new(app: &AppState, tenant: TenantId) -> Self {
                Self {
                    db: app.db.clone(),
                    tenant,
                }
            }
        }

        impl Loader<Uuid> for $name {
            type Value = $entity::Model;
            type Error = ApiError;

            async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
                let rows = $entity::Entity::find()
                    .filter($entity::Column::TenantId.eq(self.tenant.as_uuid()))
                    .filter($entity::Column::Id.is_in(keys.iter().copied()))
                    .all(&self.db)
                    .await?;
                Ok(rows.into_iter().map(|row| (row.id, row)).collect())
            }
        }
    };
}

by_id_loader!(PersonLoader, person);
by_id_loader!(UserLoader, user);

/// Adds this module's loaders to a request.
pub fn register(
    request: async_graphql::Request,
    app: &AppState,
    tenant: TenantId,
) -> async_graphql::Request {
    request
        .data(DataLoader::new(
            PersonLoader::new(app, tenant),
            tokio::spawn,
        ))
        .data(DataLoader::new(UserLoader::new(app, tenant), tokio::spawn))
}

/// Loads one row through the request's loader of that kind.
pub async fn load<L>(ctx: &Context<'_>, id: Uuid) -> ApiResult<Option<L::Value>>
where
    L: Loader<Uuid, Error = ApiError>,
{
    let loader = ctx
        .data::<DataLoader<L>>()
        .map_err(|_| ApiError::Domain(domain::Error::Unauthenticated))?;
    loader.load_one(id).await
}
