//! Users and their roles in the database. Every function but the sign-in lookup takes the
//! tenant.

use std::collections::HashMap;

use domain::{Email, Name, OrganisationId, Role, Roles, TenantId, UserId};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr,
};

use crate::{
    entities::{session, sign_in_email, user, user_role},
    error::{ApiResult, conflict_saying},
    store::{Coded, Cursor, Key, Page, PageRequest, keyset},
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

/// The caller a user stands for: their tenant, organisation and roles.
pub async fn actor_of(db: &impl ConnectionTrait, user: &user::Model) -> ApiResult<domain::Actor> {
    let tenant = TenantId::from_uuid(user.tenant_id);
    Ok(domain::Actor {
        tenant_id: tenant,
        organisation_id: OrganisationId::from_uuid(user.organisation_id),
        user_id: Some(UserId::from_uuid(user.id)),
        client_id: None,
        roles: roles_of_user(db, tenant, user.id).await?,
    })
}

/// The names of these users, by id.
pub async fn names(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    ids: &[uuid::Uuid],
) -> ApiResult<HashMap<uuid::Uuid, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(user::Entity::find()
        .filter(user::Column::TenantId.eq(tenant.as_uuid()))
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect())
}

/// The roles of these users, by user.
pub async fn roles_of(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    users: &[uuid::Uuid],
) -> ApiResult<HashMap<uuid::Uuid, Roles>> {
    let rows = user_role::Entity::find()
        .filter(user_role::Column::TenantId.eq(tenant.as_uuid()))
        .filter(user_role::Column::UserId.is_in(users.iter().copied()))
        .all(db)
        .await?;
    let mut out: HashMap<uuid::Uuid, Roles> = users.iter().map(|u| (*u, Roles::empty())).collect();
    for row in rows {
        out.entry(row.user_id).or_default().insert(row.role.0);
    }
    Ok(out)
}

/// The roles of one user.
pub async fn roles_of_user(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: uuid::Uuid,
) -> ApiResult<Roles> {
    Ok(roles_of(db, tenant, &[user])
        .await?
        .remove(&user)
        .unwrap_or_default())
}

pub struct NewUser {
    pub organisation_id: OrganisationId,
    pub email: Email,
    pub name: Name,
    pub roles: Roles,
    /// argon2id PHC string, or `None` for an invited user who will set it.
    pub password_hash: Option<String>,
}

/// The user, its roles and its sign-in entry, inside a transaction the caller holds.
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
    // Sign-in emails are unique across territories: the same answer whether the address is
    // used here or in another territory, which says nothing of the other.
    .map_err(|err| {
        conflict_saying(
            err,
            "email",
            "Cette adresse e-mail ne peut pas être utilisée pour un nouveau compte.".into(),
        )
    })?;
    user::Entity::insert(user::ActiveModel::from(model.clone()))
        .exec(txn)
        .await?;
    set_roles(txn, tenant, id, new.roles).await?;
    Ok(model)
}

/// Replaces a user's roles.
pub async fn set_roles(
    txn: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    roles: Roles,
) -> ApiResult<()> {
    user_role::Entity::delete_many()
        .filter(user_role::Column::TenantId.eq(tenant.as_uuid()))
        .filter(user_role::Column::UserId.eq(user.as_uuid()))
        .exec(txn)
        .await?;
    let rows: Vec<user_role::ActiveModel> = roles
        .iter()
        .map(|role: Role| user_role::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            user_id: Set(user.as_uuid()),
            role: Set(Coded(role)),
        })
        .collect();
    if !rows.is_empty() {
        user_role::Entity::insert_many(rows).exec(txn).await?;
    }
    Ok(())
}

/// Users of one organisation, by name.
pub async fn users_of_organisation(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    organisation: OrganisationId,
    page: &PageRequest,
) -> ApiResult<Page<user::Model>> {
    use user::Column as C;
    let query = user::Entity::find()
        .filter(C::TenantId.eq(tenant.as_uuid()))
        .filter(C::OrganisationId.eq(organisation.as_uuid()));
    let rows = keyset(query, &[Key::Text(C::Name)], C::Id, false, page)?
        .all(db)
        .await?;
    Ok(Page::of(page, rows, |u| {
        Cursor::new(vec![u.name.clone()], u.id)
    }))
}

pub async fn user_set_active(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: UserId,
    active: bool,
) -> ApiResult<()> {
    user::Entity::update_many()
        .col_expr(user::Column::Active, Expr::value(active))
        .filter(user::Column::TenantId.eq(tenant.as_uuid()))
        .filter(user::Column::Id.eq(id.as_uuid()))
        .exec(db)
        .await?;
    Ok(())
}

/// A new sign-in session of `user`, valid until `expires_at`.
pub async fn session_open(
    db: &impl ConnectionTrait,
    user: &user::Model,
    now: time::OffsetDateTime,
    expires_at: time::OffsetDateTime,
) -> ApiResult<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    session::Entity::insert(session::ActiveModel {
        tenant_id: Set(user.tenant_id),
        id: Set(id),
        user_id: Set(user.id),
        created_at: Set(now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
    })
    .exec(db)
    .await?;
    Ok(id)
}

/// Whether session `id` of `user` still stands at `now`.
pub async fn session_live(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: uuid::Uuid,
    user: uuid::Uuid,
    now: time::OffsetDateTime,
) -> ApiResult<bool> {
    Ok(session::Entity::find_by_id((tenant.as_uuid(), id))
        .one(db)
        .await?
        .is_some_and(|s| s.user_id == user && s.revoked_at.is_none() && s.expires_at > now))
}

/// Ends one session (signing out).
pub async fn session_revoke(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: uuid::Uuid,
    now: time::OffsetDateTime,
) -> ApiResult<()> {
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(Some(now)))
        .filter(session::Column::TenantId.eq(tenant.as_uuid()))
        .filter(session::Column::Id.eq(id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of a user (deactivation, a new password, changed roles).
pub async fn sessions_revoke_all(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: uuid::Uuid,
    now: time::OffsetDateTime,
) -> ApiResult<()> {
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(Some(now)))
        .filter(session::Column::TenantId.eq(tenant.as_uuid()))
        .filter(session::Column::UserId.eq(user))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
