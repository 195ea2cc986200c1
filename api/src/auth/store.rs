//! Users in the database. Every function but the sign-in lookup takes the tenant or the actor.

use domain::{Actor, Email, Name, OrganisationId, Roles, TenantId, UserId};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};

use crate::{
    entities::{sign_in_email, user},
    error::{ApiResult, conflict_on_unique},
    graphql::pagination::PageRequest,
};

/// Sign-in is where the tenant becomes known: the only lookup not scoped by tenant.
pub async fn user_for_sign_in(
    db: &impl ConnectionTrait,
    email: &str,
) -> ApiResult<Option<user::Model>> {
    let Some(entry) = sign_in_email::Entity::find_by_id(email.to_owned())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(user::Entity::find_by_id((entry.tenant_id, entry.user_id))
        .one(db)
        .await?)
}

pub async fn user_by_id(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: UserId,
) -> ApiResult<Option<user::Model>> {
    Ok(user::Entity::find_by_id((tenant.as_uuid(), id.as_uuid()))
        .one(db)
        .await?)
}

pub struct NewUser {
    pub organisation_id: OrganisationId,
    pub email: Email,
    pub name: Name,
    pub roles: Roles,
    /// argon2id PHC string, or `None` for an invited user who will set it.
    pub password_hash: Option<String>,
}

/// Inserts the user and its sign-in entry in one transaction: both or neither.
pub async fn user_insert(
    db: &DatabaseConnection,
    tenant: TenantId,
    new: NewUser,
    now: time::OffsetDateTime,
) -> ApiResult<user::Model> {
    let txn = db.begin().await?;
    let model = user_insert_in(&txn, tenant, new, now).await?;
    txn.commit().await?;
    Ok(model)
}

/// The two inserts of `user_insert`, inside a transaction the caller holds.
pub async fn user_insert_in(
    txn: &impl ConnectionTrait,
    tenant: TenantId,
    new: NewUser,
    now: time::OffsetDateTime,
) -> ApiResult<user::Model> {
    let id = UserId::new();
    let model = user::Model {
        tenant_id: tenant.as_uuid(),
        id: id.as_uuid(),
        organisation_id: new.organisation_id.as_uuid(),
        email: new.email.as_str().to_owned(),
        name: new.name.as_str().to_owned(),
        roles: new.roles.to_csv(),
        password_hash: new.password_hash,
        active: true,
        created_at: now,
    };
    sign_in_email::Entity::insert(sign_in_email::ActiveModel {
        email: Set(model.email.clone()),
        tenant_id: Set(model.tenant_id),
        user_id: Set(model.id),
    })
    .exec(txn)
    .await
    .map_err(|err| conflict_on_unique(err, "email", "Un compte avec cette adresse e-mail"))?;
    user::Entity::insert(user::ActiveModel::from(model.clone()))
        .exec(txn)
        .await?;
    Ok(model)
}

/// Users of one organisation, by name.
pub async fn users_of_organisation(
    db: &impl ConnectionTrait,
    actor: &Actor,
    organisation: OrganisationId,
    page: &PageRequest,
) -> ApiResult<Vec<user::Model>> {
    let mut query = user::Entity::find()
        .filter(user::Column::TenantId.eq(actor.tenant_id.as_uuid()))
        .filter(user::Column::OrganisationId.eq(organisation.as_uuid()));
    if let Some(after) = &page.after {
        query = query.filter(
            Condition::any()
                .add(user::Column::Name.gt(after.key.clone()))
                .add(
                    Condition::all()
                        .add(user::Column::Name.eq(after.key.clone()))
                        .add(user::Column::Id.gt(after.id)),
                ),
        );
    }
    Ok(query
        .order_by_asc(user::Column::Name)
        .order_by_asc(user::Column::Id)
        .limit(page.limit())
        .all(db)
        .await?)
}

pub async fn user_set_active(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: UserId,
    active: bool,
) -> ApiResult<()> {
    user::Entity::update_many()
        .col_expr(
            user::Column::Active,
            sea_orm::sea_query::Expr::value(active),
        )
        .filter(user::Column::TenantId.eq(tenant.as_uuid()))
        .filter(user::Column::Id.eq(id.as_uuid()))
        .exec(db)
        .await?;
    Ok(())
}
