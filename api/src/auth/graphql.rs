//! `login`, `me`, `createUser` and the `User` type.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use domain::{Email, OrganisationId, Roles};
use time::OffsetDateTime;

use crate::{
    auth::{commands, password, store},
    directory::{self, graphql::Organisation},
    entities::user,
    error::{ApiError, ApiResult},
    graphql::CtxExt,
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

pub struct User(pub user::Model);

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn roles(&self) -> Vec<Role> {
        Roles::parse_csv(&self.0.roles)
            .map(|roles| roles.iter().map(Role::from).collect())
            .unwrap_or_default()
    }
    async fn active(&self) -> bool {
        self.0.active
    }
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Organisation> {
        let id = OrganisationId::from_uuid(self.0.organisation_id);
        if ctx.data_opt::<async_graphql::dataloader::DataLoader<directory::loaders::OrganisationLoader>>().is_some() {
            return directory::loaders::organisation(ctx, id).await;
        }
        // `login` answers before the request has a caller (so no loaders): the user's own
        // tenant scopes the lookup.
        use sea_orm::EntityTrait;
        crate::entities::organisation::Entity::find_by_id((self.0.tenant_id, id.as_uuid()))
            .one(&ctx.app().db)
            .await?
            .map(Organisation)
            .ok_or(ApiError::Domain(domain::Error::NotFound))
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
        let actor = ctx.actor()?;
        let user_id = actor
            .user_id
            .ok_or(ApiError::Domain(domain::Error::NotFound))?;
        store::user_by_id(&ctx.app().db, actor.tenant_id, user_id)
            .await?
            .map(User)
            .ok_or(ApiError::Domain(domain::Error::NotFound))
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
        let session = sign_in(app, email.as_str(), password, ctx.request().client_ip).await?;
        Ok(Session {
            access_token: session.token,
            expires_at: session.expires_at,
            user: User(session.user),
        })
    }

    /// Deactivates or reactivates a user (tenant admin, or org admin for their organisation).
    /// A deactivated user cannot sign in, and their tokens stop working at once.
    async fn set_user_active(&self, ctx: &Context<'_>, id: ID, active: bool) -> ApiResult<User> {
        Ok(User(
            commands::set_user_active(ctx.app(), ctx.actor()?, &id.0, active).await?,
        ))
    }

    /// Creates a user in an organisation (tenant admin, or org admin for their own organisation).
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> ApiResult<User> {
        let form = commands::UserForm {
            organisation_id: input.organisation_id.0,
            email: input.email,
            name: input.name,
            roles: input
                .roles
                .iter()
                .map(|r| domain::Role::from(*r).as_str().to_owned())
                .collect(),
            password: input.password,
        };
        Ok(User(
            commands::create_user(ctx.app(), ctx.actor()?, form).await?,
        ))
    }
}

pub struct SignedIn {
    pub token: String,
    pub expires_at: OffsetDateTime,
    pub user: user::Model,
}

/// The one sign-in path, shared by GraphQL and the web form: limiter, constant-time check,
/// token.
pub async fn sign_in(
    app: &crate::AppState,
    email: &str,
    password: String,
    client_ip: std::net::IpAddr,
) -> ApiResult<SignedIn> {
    let started = app.clock.now();
    app.throttle
        .check(email, client_ip, started)
        .map_err(|t| ApiError::Throttled {
            retry_after_secs: t.retry_after.as_secs(),
        })?;
    let user = store::user_for_sign_in(&app.db, email)
        .await?
        .filter(|u| u.active);
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let ok = password::verify(password, stored).await?;
    let Some(user) = user.filter(|_| ok) else {
        app.throttle.record_failure(email, client_ip, started);
        tracing::info!("sign-in refused");
        return Err(ApiError::SignInRefused);
    };
    app.throttle.record_success(email, client_ip, started);
    let (token, expires_at) = app.jwt.issue(
        user.id,
        user.tenant_id,
        app.clock.now(),
        app.config.token_lifetime(),
    )?;
    Ok(SignedIn {
        token,
        expires_at,
        user,
    })
}
