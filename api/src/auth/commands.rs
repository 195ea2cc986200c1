//! Creating a user: one path for GraphQL and the admin pages.

use domain::{Action, Actor, Email, Name, OrganisationId, Password, Roles, Target};

use crate::{
    AppState,
    auth::{invitations, password, store},
    directory::{self, commands::parse_id},
    entities::user,
    error::ApiResult,
};

pub struct UserForm {
    pub organisation_id: String,
    pub email: String,
    pub name: String,
    /// Role codes (`AGENT`, `BACK_OFFICE`…).
    pub roles: Vec<String>,
    /// Without a password, the user is invited by mail to set one.
    pub password: Option<String>,
}

pub async fn create_user(app: &AppState, actor: &Actor, form: UserForm) -> ApiResult<user::Model> {
    let organisation_id: OrganisationId = parse_id("organisationId", &form.organisation_id)?;
    directory::store::organisation_get(&app.db, actor, organisation_id).await?;
    domain::authorize(
        actor,
        Action::CreateUser,
        &Target::organisation(actor.tenant_id, organisation_id),
    )?;
    let email = Email::parse("email", &form.email)?;
    let name = Name::parse("name", &form.name)?;
    let roles = Roles::parse_list(&form.roles)?;
    domain::may_grant(actor, &roles)?;
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
    let new = store::NewUser {
        organisation_id,
        email,
        name,
        roles,
        password_hash,
    };
    // The user, and for an invited one the invitation and its mail, commit together: a user
    // that fails to be created leaves no mail behind.
    let invited = new.password_hash.is_none();
    let now = app.clock.now();
    let txn = crate::db::begin_write(&app.db).await?;
    let user = store::user_insert_in(&txn, actor.tenant_id, new, now).await?;
    if invited {
        invitations::invite(app, &txn, &user, now).await?;
    }
    txn.commit().await?;
    if invited {
        app.mail_wake.notify_one();
    }
    Ok(user)
}

/// Deactivates (or reactivates) a user: a deactivated user can no longer sign in, and the
/// tokens already issued stop working at the next request (the user is read on each one).
pub async fn set_user_active(
    app: &AppState,
    actor: &Actor,
    id: &str,
    active: bool,
) -> ApiResult<user::Model> {
    let not_found = || crate::error::ApiError::Domain(domain::Error::NotFound);
    let id: domain::UserId = parse_id("id", id).map_err(|_| not_found())?;
    let user = store::user_by_id(&app.db, actor.tenant_id, id)
        .await?
        .ok_or_else(not_found)?;
    let organisation = OrganisationId::from_uuid(user.organisation_id);
    domain::authorize(
        actor,
        Action::CreateUser,
        &Target::organisation(actor.tenant_id, organisation),
    )?;
    if !active && actor.user_id == Some(id) {
        return Err(crate::error::ApiError::invalid(
            "active",
            "vous ne pouvez pas désactiver votre propre compte",
        ));
    }
    store::user_set_active(&app.db, actor.tenant_id, id, active).await?;
    store::user_by_id(&app.db, actor.tenant_id, id)
        .await?
        .ok_or_else(not_found)
}
