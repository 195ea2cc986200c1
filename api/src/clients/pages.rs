//! The API clients page of the Administration: an org admin sees their organisation's clients,
//! creates one (the secret shown on the answer page, once) and revokes one after confirming.
//! A thin page over the clients service.

use axum::{
    Router,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use axum_extra::extract::Form;
use minijinja::{Value, context};

use crate::{
    AppState,
    clients::service::{self, ClientForm},
    error::{ApiError, ApiResult},
    service::{Ctx, lookup_id},
    web::{
        render::{failed_form, page_or_error, role_options, status_of},
        session::PageUser,
    },
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/clients", get(list_page).post(create))
        .route("/admin/clients/{id}/revoquer", post(revoke))
}

#[derive(serde::Deserialize, Default)]
struct Done {
    fait: Option<String>,
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

async fn list_page(
    State(app): State<AppState>,
    page: PageUser,
    Query(done): Query<Done>,
) -> Response {
    let notice = match done.fait.as_deref() {
        Some("revoque") => Some("Le client a été révoqué : ses jetons ne fonctionnent plus."),
        _ => None,
    };
    show(&app, &page, StatusCode::OK, context! { notice => notice }).await
}

async fn show(app: &AppState, page: &PageUser, status: StatusCode, extra: Value) -> Response {
    let data = page_data(&page.ctx(app), page).await;
    page_or_error(
        app,
        page,
        status,
        "clients/list.html",
        "/admin",
        extra,
        data,
    )
}

async fn page_data(ctx: &Ctx<'_>, page: &PageUser) -> ApiResult<Value> {
    let clients: Vec<Value> = service::list(ctx, ctx.actor.organisation_id)
        .await?
        .into_iter()
        .map(|c| {
            let roles: Vec<&str> = c.roles.iter().map(|r| r.label_fr()).collect();
            context! {
                id => c.id.to_string(), name => c.name, roles => roles,
                created_at => rfc3339(c.created_at),
                last_used_at => c.last_used_at.map(rfc3339),
                revoked_at => c.revoked_at.map(rfc3339),
            }
        })
        .collect();
    let roles = role_options(|roles| domain::may_grant_client(ctx.actor, roles).is_ok());
    Ok(context! {
        organisation => page.organisation.name.clone(),
        clients => clients,
        roles => roles,
    })
}

#[derive(serde::Deserialize, serde::Serialize, Default)]
struct ClientFields {
    #[serde(default)]
    name: String,
    /// One checkbox per role, each `roles=CODE`.
    #[serde(default)]
    roles: Vec<String>,
}

/// Creates a client; the answer page shows its secret, this once (no redirect: nothing keeps it).
async fn create(
    State(app): State<AppState>,
    page: PageUser,
    Form(fields): Form<ClientFields>,
) -> Response {
    let form = ClientForm {
        organisation: page.actor.organisation_id,
        name: fields.name.clone(),
        roles: fields.roles.clone(),
    };
    match service::create(&page.ctx(&app), form).await {
        Ok(created) => {
            let created = context! {
                id => created.client.id.to_string(), name => created.client.name,
                secret => created.secret,
            };
            show(&app, &page, StatusCode::OK, context! { created => created }).await
        }
        Err(err) => failed(&app, &page, "client", fields, err).await,
    }
}

async fn failed(
    app: &AppState,
    page: &PageUser,
    form: &str,
    values: impl serde::Serialize,
    err: ApiError,
) -> Response {
    show(app, page, status_of(&err), failed_form(form, &err, values)).await
}

#[derive(serde::Deserialize, serde::Serialize, Default)]
struct RevokeFields {
    #[serde(default)]
    confirm: String,
}

/// Revokes a client once the admin has ticked the confirmation.
async fn revoke(
    State(app): State<AppState>,
    page: PageUser,
    Path(id): Path<String>,
    Form(fields): Form<RevokeFields>,
) -> Response {
    let result = async {
        if fields.confirm != "oui" {
            return Err(ApiError::invalid(
                "confirm",
                "cochez la case pour confirmer la révocation",
            ));
        }
        service::revoke(&page.ctx(&app), lookup_id(&id)?).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/admin/clients?fait=revoque").into_response(),
        Err(err) => failed(&app, &page, &format!("revoke-{id}"), fields, err).await,
    }
}
