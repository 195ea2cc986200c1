//! The accounts application service: who the caller is, the members of an organisation, and
//! creating, deactivating and reactivating accounts.

use domain::{
    AccountEventKind, Action, Email, Name, OrganisationId, Password, Role, Roles, Target, TenantId,
    UserId,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::{
    auth::{invitations, password, store},
    directory,
    entities::{account_event, user},
    error::{ApiError, ApiResult},
    escalations,
    events::{self, Happened, Hooks, What},
    notifications::{MailKind, NewMail, mails},
    referrals,
    service::Ctx,
    store::{Page, PageRequest, not_found},
};

/// An account and its roles.
#[derive(Debug, Clone)]
pub struct Account {
    pub user: user::Model,
    pub roles: Roles,
}

/// The signed-in user.
pub async fn me(ctx: &Ctx<'_>) -> ApiResult<Account> {
    let id = ctx.actor.user_id.ok_or_else(not_found)?;
    let user = store::user_by_id(ctx.db, ctx.actor.tenant_id, id)
        .await?
        .ok_or_else(not_found)?;
    Ok(Account {
        user,
        roles: ctx.actor.roles,
    })
}

/// The members of an organisation, by name (tenant admin, or org admin of it).
pub async fn members(
    ctx: &Ctx<'_>,
    organisation: OrganisationId,
    page: &PageRequest,
) -> ApiResult<Page<Account>> {
    ctx.authorize(
        Action::ListUsers,
        &Target::organisation(ctx.actor.tenant_id, organisation),
    )?;
    let found =
        store::users_of_organisation(ctx.db, ctx.actor.tenant_id, organisation, page).await?;
    let ids: Vec<uuid::Uuid> = found.rows().map(|u| u.id).collect();
    let roles = store::roles_of(ctx.db, ctx.actor.tenant_id, &ids).await?;
    Ok(found.map(|user| Account {
        roles: roles.get(&user.id).copied().unwrap_or_default(),
        user,
    }))
}

/// The names of users of the territory (the staff who acted on something), by id.
pub async fn names(
    ctx: &Ctx<'_>,
    ids: &[uuid::Uuid],
) -> ApiResult<std::collections::HashMap<uuid::Uuid, String>> {
    ctx.authorize_tenant(Action::ReadDirectory)?;
    store::names(ctx.db, ctx.actor.tenant_id, ids).await
}

#[derive(Debug, Clone)]
pub struct UserForm {
    pub organisation: OrganisationId,
    pub email: String,
    pub name: String,
    /// Role codes (`AGENT`, `BACK_OFFICE`…).
    pub roles: Vec<String>,
    /// Without a password, the user is invited by mail to set one.
    pub password: Option<String>,
}

/// Creates a user in an organisation (tenant admin, or org admin of it), with roles the caller
/// may grant. The user, and for an invited one the invitation and its mail, commit together.
pub async fn create_user(ctx: &Ctx<'_>, form: UserForm) -> ApiResult<Account> {
    directory::store::organisation_get(ctx.db, ctx.actor.tenant_id, form.organisation).await?;
    ctx.authorize(
        Action::CreateUser,
        &Target::organisation(ctx.actor.tenant_id, form.organisation),
    )?;
    let email = Email::parse("email", &form.email)?;
    let name = Name::parse("name", &form.name)?;
    let roles = Roles::parse_list(&form.roles)?;
    domain::may_grant(ctx.actor, &roles)?;
    let password = form
        .password
        .as_deref()
        .filter(|p| !p.is_empty())
        .map(|p| Password::parse("password", p))
        .transpose()?;
    let password_hash = match password {
        Some(p) => Some(password::hash(p).await?),
        None => None,
    };
    let invited = password_hash.is_none();
    let new = store::NewUser {
        organisation_id: form.organisation,
        email,
        name,
        roles,
        password_hash,
    };
    let mut tx = ctx.begin_write().await?;
    let user = store::user_insert_in(tx.conn(), ctx.actor.tenant_id, new, ctx.now).await?;
    let mut mails = Vec::new();
    if invited {
        mails.push(invitations::invite(tx.conn(), tx.hooks(), &user, ctx.now).await?);
    }
    // An account made in an organisation by someone of another one (a tenant admin): its
    // admins are told, and the organisation's history keeps it.
    if form.organisation != ctx.actor.organisation_id {
        mails.extend(account_created_elsewhere(tx.conn(), tx.hooks(), &user, &roles).await?);
    }
    events::record(
        &mut tx,
        Happened {
            tenant_id: ctx.actor.tenant_id,
            at: ctx.now,
            by: ctx.actor.into(),
            what: What::Account {
                user: UserId::from_uuid(user.id),
                organisation: form.organisation,
                kind: AccountEventKind::Created,
            },
            mails,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Account { user, roles })
}

/// Deactivates (or reactivates) an account: a deactivated user can no longer sign in, their
/// tokens stop working at the next request, and their open referrals and escalations go back
/// to their organisation's queue. Nobody may change an account holding a role they could not grant,
/// nor deactivate their own.
pub async fn set_user_active(ctx: &Ctx<'_>, id: UserId, active: bool) -> ApiResult<Account> {
    let user = store::user_by_id(ctx.db, ctx.actor.tenant_id, id)
        .await?
        .ok_or_else(not_found)?;
    ctx.authorize(
        Action::SetUserActive,
        &Target::organisation(
            ctx.actor.tenant_id,
            OrganisationId::from_uuid(user.organisation_id),
        ),
    )?;
    let roles = store::roles_of_user(ctx.db, ctx.actor.tenant_id, user.id).await?;
    domain::may_grant(ctx.actor, &roles)?;
    if !active && ctx.actor.user_id == Some(id) {
        return Err(ApiError::invalid(
            "active",
            "vous ne pouvez pas désactiver votre propre compte",
        ));
    }
    let mut tx = ctx.begin_write().await?;
    store::user_set_active(tx.conn(), ctx.actor.tenant_id, id, active).await?;
    if !active {
        store::sessions_revoke_all(tx.conn(), ctx.actor.tenant_id, user.id, ctx.now).await?;
        referrals::service::return_to_queue(
            &mut tx,
            ctx.actor.into(),
            ctx.actor.tenant_id,
            id,
            ctx.now,
        )
        .await?;
        escalations::service::return_to_queue(
            &mut tx,
            ctx.actor.into(),
            ctx.actor.tenant_id,
            id,
            ctx.now,
        )
        .await?;
    }
    events::record(
        &mut tx,
        Happened {
            tenant_id: ctx.actor.tenant_id,
            at: ctx.now,
            by: ctx.actor.into(),
            what: What::Account {
                user: id,
                organisation: OrganisationId::from_uuid(user.organisation_id),
                kind: if active {
                    AccountEventKind::Reactivated
                } else {
                    AccountEventKind::Deactivated
                },
            },
            mails: Vec::new(),
        },
    )
    .await?;
    tx.commit().await?;
    let user = store::user_by_id(ctx.db, ctx.actor.tenant_id, id)
        .await?
        .ok_or_else(not_found)?;
    Ok(Account { user, roles })
}

/// The mail to an organisation's admins when an account is made in it from elsewhere.
async fn account_created_elsewhere(
    conn: &impl ConnectionTrait,
    hooks: &Hooks,
    user: &user::Model,
    roles: &Roles,
) -> ApiResult<Vec<NewMail>> {
    let admins = crate::referrals::deadlines::holders_of(
        conn,
        user.tenant_id,
        Role::OrgAdmin,
        Some(user.organisation_id),
    )
    .await?;
    let recipients: Vec<String> = admins
        .into_iter()
        .filter(|a| a.id != user.id)
        .map(|a| a.email)
        .collect();
    if recipients.is_empty() {
        return Ok(Vec::new());
    }
    let labels: Vec<&str> = roles.iter().map(|r| r.label_fr()).collect();
    let rendered = mails::account_created(
        hooks,
        &user.email,
        &labels.join(", "),
        &format!("{}/admin", hooks.public_url),
    )?;
    Ok(vec![NewMail {
        tenant_id: TenantId::from_uuid(user.tenant_id),
        organisation_id: Some(OrganisationId::from_uuid(user.organisation_id)),
        kind: MailKind::AccountCreated,
        recipients,
        rendered,
        referral_id: None,
        dedup_key: None,
        in_app: false,
    }])
}

/// A line of an organisation's account history.
#[derive(Debug, Clone)]
pub struct AccountEvent {
    pub at: time::OffsetDateTime,
    pub kind: AccountEventKind,
    pub user: uuid::Uuid,
    pub actor: Option<uuid::Uuid>,
    pub actor_organisation: Option<uuid::Uuid>,
}

/// The latest lines of an organisation's account history (those who may list its members).
pub async fn account_history(
    ctx: &Ctx<'_>,
    organisation: OrganisationId,
    limit: u64,
) -> ApiResult<Vec<AccountEvent>> {
    ctx.authorize(
        Action::ListUsers,
        &Target::organisation(ctx.actor.tenant_id, organisation),
    )?;
    Ok(account_event::Entity::find()
        .filter(account_event::Column::TenantId.eq(ctx.actor.tenant_id.as_uuid()))
        .filter(account_event::Column::OrganisationId.eq(organisation.as_uuid()))
        .order_by_desc(account_event::Column::At)
        .limit(limit)
        .all(ctx.db)
        .await?
        .into_iter()
        .map(|e| AccountEvent {
            at: e.at,
            kind: e.kind.0,
            user: e.user_id,
            actor: e.actor_id,
            actor_organisation: e.actor_organisation_id,
        })
        .collect())
}
