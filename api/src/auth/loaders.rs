//! The roles of the users a response shows, in one query per request.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use domain::{Roles, TenantId};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{auth::store, error::ApiError};

pub struct RolesLoader {
    db: DatabaseConnection,
    tenant: TenantId,
}

impl Loader<Uuid> for RolesLoader {
    type Value = Roles;
    type Error = ApiError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Roles>, ApiError> {
        store::roles_of(&self.db, self.tenant, keys).await
    }
}

pub fn register(
    request: async_graphql::Request,
    db: &DatabaseConnection,
    tenant: TenantId,
) -> async_graphql::Request {
    request.data(DataLoader::new(
        RolesLoader {
            db: db.clone(),
            tenant,
        },
        tokio::spawn,
    ))
}
