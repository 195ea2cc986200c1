//! `login`, `me`, `createUser`, `setUserActive` and the `User` type.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, dataloader::DataLoader};
use domain::{Email, OrganisationId, Roles};
use time::OffsetDateTime;

use crate::{
    auth::{
        loaders::RolesLoader,
        service::{self, Account, UserForm},
        store,
    },
    directory::graphql::{self as directory_graphql, Organisation},
    entities::user,
    error::{ApiError, ApiResult},
    graphql::context::CtxExt,
    service::{input_id, lookup_id},
};

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "Role", remote = "domain::Role")]
pub enum Role {
    Agent,
    BackOffice,
    OrgAdmin,
    Coordinator,
    TenantAdmin,
}

/// A user; their roles when known already (the caller, a freshly created account), otherwise
/// loaded with the other users' of the response.
pub struct User {
    model: user::Model,
    roles: Option<Roles>,
}

impl User {
    pub fn from_model(model: user::Model) -> Self {
        Self { model, roles: None }
    }
}

impl From<Account> for User {
    fn from(account: Account) -> Self {
        Self {
            model: account.user,
            roles: Some(account.roles),
        }
    }
}

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }
    async fn email(&self) -> &str {
        &self.model.email
    }
    async fn name(&self) -> &str {
        &self.model.name
    }
    async fn roles(&self, ctx: &Context<'_>) -> ApiResult<Vec<Role>> {
        let roles = match (self.roles, ctx.data_opt::<DataLoader<RolesLoader>>()) {
            (Some(roles), _) => roles,
            (None, Some(loader)) => loader.load_one(self.model.id).await?.unwrap_or_default(),
            (None, None) => {
                let tenant = domain::TenantId::from_uuid(self.model.tenant_id);
                store::roles_of_user(&ctx.app().db, tenant, self.model.id).await?
            }
        };
        Ok(roles.iter().map(Role::from).collect())
    }
    async fn active(&self) -> bool {
        self.model.active
    }
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Organisation> {
        let id = OrganisationId::from_uuid(self.model.organisation_id);
        if ctx
            .data_opt::<DataLoader<crate::directory::loaders::OrganisationLoader>>()
            .is_some()
        {
            return directory_graphql::organisation(ctx, id).await;
        }
        // `login` answers before the request has a caller (so no loaders): the user's own
        // tenant scopes the lookup.
        let tenant = domain::TenantId::from_uuid(self.model.tenant_id);
        Ok(Organisation(
            crate::directory::store::organisation_get(&ctx.app().db, tenant, id).await?,
        ))
    }
}

#[derive(SimpleObject)]
pub struct Session {
    access_token: String,
    expires_at: OffsetDateTime,
    user: User,
}

#[derive(Default)]
pub struct AuthQuery;

#[Object]
impl AuthQuery {
    /// The signed-in user.
    async fn me(&self, ctx: &Context<'_>) -> ApiResult<User> {
        Ok(service::me(&ctx.service()?).await?.into())
    }
}

#[derive(InputObject)]
pub struct CreateUserInput {
    organisation_id: ID,
    email: String,
    name: String,
    roles: Vec<Role>,
    /// Without a password, the user is invited to set one.
    password: Option<String>,
}

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Signs in with an email and a password. Failures are limited per account and per address.
    async fn login(
        &self,
        ctx: &Context<'_>,
        email: String,
        password: String,
    ) -> ApiResult<Session> {
        let app = ctx.app();
        let email = Email::parse("email", &email)?;
        if password.is_empty() {
            return Err(ApiError::invalid("password", "obligatoire"));
        }
        let request = ctx.request();
        let session = app
            .auth
            .sign_in(
                &app.db,
                request.now,
                email.as_str(),
                password,
                request.client_ip,
            )
            .await?;
        Ok(Session {
            access_token: session.token,
            expires_at: session.expires_at,
            user: User::from_model(session.user),
        })
    }

    /// Ends the caller's session: its token stops working at once.
    async fn logout(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        ctx.actor()?;
        let app = ctx.app();
        if let Some(token) = ctx.request().token.as_deref() {
            app.auth.sign_out(&app.db, token, ctx.request().now).await?;
        }
        Ok(true)
    }

    /// Deactivates or reactivates a user (tenant admin, or org admin for their organisation).
    /// A deactivated user cannot sign in, their tokens stop working at once, and their open
    /// referrals go back to their organisation's queue.
    async fn set_user_active(&self, ctx: &Context<'_>, id: ID, active: bool) -> ApiResult<User> {
        let id = lookup_id(&id.0)?;
        Ok(service::set_user_active(&ctx.service()?, id, active)
            .await?
            .into())
    }

    /// Creates a user in an organisation (tenant admin, or org admin for their own organisation).
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> ApiResult<User> {
        let form = UserForm {
            organisation: input_id("organisationId", &input.organisation_id.0)?,
            email: input.email,
            name: input.name,
            roles: input
                .roles
                .iter()
                .map(|r| domain::Role::from(*r).as_str().to_owned())
                .collect(),
            password: input.password,
        };
        Ok(service::create_user(&ctx.service()?, form).await?.into())
    }
}
