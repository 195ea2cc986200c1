//! The first tenant of an installation, from the command line: a tenant, its coordinating
//! organisation and an administrator holding TENANT_ADMIN and ORG_ADMIN. All or nothing.

use domain::{Email, Name, OrganisationId, OrganisationKind, Password, Role, Roles, TenantId};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait};
use time::OffsetDateTime;

use crate::{
    auth::{password, store as users},
    directory::store as directory,
    entities::tenant,
    error::{ApiError, ApiResult},
};

pub struct Bootstrapped {
    pub tenant_id: TenantId,
    pub organisation_id: OrganisationId,
    pub user_id: uuid::Uuid,
}

/// Checks everything (names, email, password strength) before writing anything.
pub async fn bootstrap(
    db: &DatabaseConnection,
    tenant_name: &str,
    email: &str,
    name: &str,
    password: &str,
    now: OffsetDateTime,
) -> anyhow::Result<Bootstrapped> {
    let tenant_name = Name::parse("tenant", tenant_name).map_err(anyhow::Error::from)?;
    let email = Email::parse("email", email).map_err(anyhow::Error::from)?;
    let name = Name::parse("name", name).map_err(anyhow::Error::from)?;
    let password = Password::parse("password", password).map_err(anyhow::Error::from)?;
    let hash = password::hash(password)
        .await
        .map_err(ApiError::into_anyhow)?;
    let txn = crate::db::begin_write(db).await?;
    let result: ApiResult<Bootstrapped> = async {
        let conn = &txn;
        let tenant_id = create_tenant(conn, &tenant_name, now).await?;
        let org = directory::organisation_insert(
            conn,
            tenant_id,
            directory::NewOrganisation {
                name: tenant_name.clone(),
                kind: OrganisationKind::Other,
                back_office_email: Some(email.clone()),
            },
            now,
        )
        .await?;
        let user = users::user_insert_in(
            conn,
            tenant_id,
            users::NewUser {
                organisation_id: OrganisationId::from_uuid(org.id),
                email,
                name,
                roles: Roles::from_iter([Role::TenantAdmin, Role::OrgAdmin]),
                password_hash: Some(hash),
            },
            now,
        )
        .await?;
        Ok(Bootstrapped {
            tenant_id,
            organisation_id: OrganisationId::from_uuid(org.id),
            user_id: user.id,
        })
    }
    .await;
    match result {
        Ok(created) => {
            txn.commit().await?;
            Ok(created)
        }
        Err(err) => {
            txn.rollback().await?;
            Err(err.into_anyhow())
        }
    }
}

/// A new tenant with the default deadline thresholds.
pub async fn create_tenant(
    db: &impl ConnectionTrait,
    name: &Name,
    now: OffsetDateTime,
) -> ApiResult<TenantId> {
    let id = TenantId::new();
    tenant::Entity::insert(tenant::ActiveModel {
        id: Set(id.as_uuid()),
        name: Set(name.as_str().to_owned()),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(id)
}
