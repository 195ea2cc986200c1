//! Invitations: a user created without a password receives a link to choose one. The token is
//! random and shown only in the mail; the database keeps its SHA-256. The link works once, for
//! seven days.

use axum::{
    Form, Router,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use domain::{OrganisationId, TenantId};
use minijinja::context;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr,
};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::{
    AppState,
    auth::password,
    entities::{invitation, user},
    error::{ApiError, ApiResult},
    events::Hooks,
    notifications::{MailKind, NewMail, mails},
    web::render::render,
};

pub const VALID_FOR: time::Duration = time::Duration::days(7);

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Writes the invitation in the caller's transaction (the one creating the user) and returns
/// its mail, for that transaction's event.
pub async fn invite(
    txn: &impl ConnectionTrait,
    hooks: &Hooks,
    user: &user::Model,
    now: OffsetDateTime,
) -> ApiResult<NewMail> {
    let token = hex::encode(rand::random::<[u8; 32]>());
    invitation::Entity::insert(invitation::ActiveModel {
        token_hash: Set(token_hash(&token)),
        tenant_id: Set(user.tenant_id),
        user_id: Set(user.id),
        expires_at: Set(now + VALID_FOR),
        used_at: Set(None),
        created_at: Set(now),
    })
    .exec(txn)
    .await?;
    let link = format!("{}/invitation/{token}", hooks.public_url);
    let rendered = mails::invitation(hooks, &user.name, &link)?;
    Ok(NewMail {
        tenant_id: TenantId::from_uuid(user.tenant_id),
        organisation_id: Some(OrganisationId::from_uuid(user.organisation_id)),
        kind: MailKind::Invitation,
        recipients: vec![user.email.clone()],
        rendered,
        referral_id: None,
        dedup_key: None,
        in_app: false,
    })
}

/// The invitation and its user, if the link is still usable.
async fn usable(
    db: &impl ConnectionTrait,
    token: &str,
    now: OffsetDateTime,
) -> ApiResult<Option<(invitation::Model, user::Model)>> {
    let Some(found) = invitation::Entity::find_by_id(token_hash(token))
        .one(db)
        .await?
        .filter(|i| i.used_at.is_none() && i.expires_at > now)
    else {
        return Ok(None);
    };
    let user = user::Entity::find_by_id((found.tenant_id, found.user_id))
        .one(db)
        .await?
        .filter(|u| u.active);
    Ok(user.map(|u| (found, u)))
}

/// Sets the password and spends the token, both or neither; `false` if the token was spent
/// or expired meanwhile.
async fn accept(app: &AppState, token: &str, password_hash: String) -> ApiResult<bool> {
    let now = app.clock.now();
    let txn = crate::db::begin_write(&app.db).await?;
    let Some((found, _)) = usable(&txn, token, now).await? else {
        return Ok(false);
    };
    let spent = invitation::Entity::update_many()
        .filter(invitation::Column::TokenHash.eq(found.token_hash))
        .filter(invitation::Column::UsedAt.is_null())
        .col_expr(invitation::Column::UsedAt, Expr::value(Some(now)))
        .exec(&txn)
        .await?;
    if spent.rows_affected != 1 {
        return Ok(false);
    }
    user::Entity::update_many()
        .filter(user::Column::TenantId.eq(found.tenant_id))
        .filter(user::Column::Id.eq(found.user_id))
        .col_expr(user::Column::PasswordHash, Expr::value(Some(password_hash)))
        .exec(&txn)
        .await?;
    // A new password ends every session opened with the old one.
    crate::auth::store::sessions_revoke_all(
        &txn,
        TenantId::from_uuid(found.tenant_id),
        found.user_id,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/invitation/{token}", get(page).post(submit))
}

fn invalid(app: &AppState) -> Response {
    render(
        app,
        StatusCode::NOT_FOUND,
        "invitation.html",
        context! { invalid => true },
    )
}

async fn page(State(app): State<AppState>, Path(token): Path<String>) -> Response {
    match usable(&app.db, &token, app.clock.now()).await {
        Ok(Some((_, user))) => render(
            &app,
            StatusCode::OK,
            "invitation.html",
            context! { name => user.name, email => user.email },
        ),
        Ok(None) => invalid(&app),
        Err(err) => failed(&app, err),
    }
}

#[derive(serde::Deserialize)]
struct ChooseForm {
    password: String,
    confirmation: String,
}

async fn submit(
    State(app): State<AppState>,
    Path(token): Path<String>,
    Form(form): Form<ChooseForm>,
) -> Response {
    let user = match usable(&app.db, &token, app.clock.now()).await {
        Ok(Some((_, user))) => user,
        Ok(None) => return invalid(&app),
        Err(err) => return failed(&app, err),
    };
    let checked = domain::Password::parse("password", &form.password)
        .map_err(ApiError::from)
        .and_then(|p| {
            if form.password == form.confirmation {
                Ok(p)
            } else {
                Err(ApiError::invalid(
                    "confirmation",
                    "ne correspond pas au mot de passe",
                ))
            }
        });
    let password = match checked {
        Ok(p) => p,
        Err(err) => {
            let error = crate::web::render::form_error("invitation", &err);
            return render(
                &app,
                StatusCode::BAD_REQUEST,
                "invitation.html",
                context! { name => user.name, email => user.email, error => error },
            );
        }
    };
    let result = async { accept(&app, &token, password::hash(password).await?).await }.await;
    match result {
        Ok(true) => Redirect::to("/connexion?fait=invitation").into_response(),
        Ok(false) => invalid(&app),
        Err(err) => failed(&app, err),
    }
}

fn failed(app: &AppState, err: ApiError) -> Response {
    tracing::error!(error = ?err, "invitation page");
    render(
        app,
        StatusCode::INTERNAL_SERVER_ERROR,
        "error.html",
        context! { message => err.public_message() },
    )
}
