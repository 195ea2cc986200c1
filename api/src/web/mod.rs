//! Server-rendered pages (French, DSFR look, usable without JavaScript), on the same binary.
//! Each page handler is thin: the signed-in user, the same commands and store calls as GraphQL,
//! a template.

pub mod admin;
pub mod pages;
pub mod session;
pub mod templates;

use axum::{
    Router,
    http::{StatusCode, header},
    response::{Html, IntoResponse, Response},
    routing::get,
};
use minijinja::{Value, context};

use crate::{AppState, error::ApiError};
use session::PageUser;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/passerelle.css", get(stylesheet))
        .merge(pages::routes())
        .merge(admin::routes())
        .merge(crate::people::pages::routes())
        .merge(crate::referrals::pages::routes())
        .merge(crate::notifications::pages::routes())
        .merge(crate::auth::invitations::routes())
        .layer(axum::middleware::from_fn(refuse_cross_site_forms))
}

/// A second wall behind the SameSite=Lax session cookie: a form posted from another site
/// (browsers say so in `Sec-Fetch-Site`) is refused before it reaches a handler.
async fn refuse_cross_site_forms(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let cross_site = request
        .headers()
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site");
    if request.method() == axum::http::Method::POST && cross_site {
        return (
            StatusCode::FORBIDDEN,
            "Formulaire envoyé depuis un autre site : refusé.",
        )
            .into_response();
    }
    next.run(request).await
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../web/static/passerelle.css"),
    )
}

/// One entry of the main menu.
#[derive(serde::Serialize)]
struct NavItem {
    href: &'static str,
    label: &'static str,
    active: bool,
}

/// What every page's layout shows: the user, their organisation, the menu for their roles.
pub fn layout(page: &PageUser, active: &str) -> Value {
    use domain::Role;
    let roles = &page.actor.roles;
    let mut nav = vec![("/", "Accueil")];
    if roles.contains(Role::Agent) {
        nav.push(("/personnes", "Personnes"));
        nav.push(("/orientations/envoyees", "Orientations envoyées"));
    }
    if roles.contains_any(&[Role::BackOffice, Role::OrgAdmin]) {
        nav.push(("/orientations/recues", "Orientations reçues"));
    }
    if roles.contains_any(&[Role::Coordinator, Role::TenantAdmin]) {
        nav.push(("/suivi", "Suivi du territoire"));
    }
    if roles.contains_any(&[Role::OrgAdmin, Role::TenantAdmin]) {
        nav.push(("/admin", "Administration"));
        nav.push(("/admin/courriels", "Courriels"));
    }
    let nav: Vec<NavItem> = nav
        .into_iter()
        .map(|(href, label)| NavItem {
            href,
            label,
            active: href == active,
        })
        .collect();
    let role_labels: Vec<&str> = roles.iter().map(|r| r.label_fr()).collect();
    context! {
        user => context! { name => page.user.name, email => page.user.email, roles => role_labels },
        organisation => context! { name => page.organisation.name },
        nav => nav,
    }
}

/// Renders a page; a template error is logged and shown as a plain 500.
pub fn render(app: &AppState, status: StatusCode, template: &str, ctx: Value) -> Response {
    match app.templates.render(template, ctx) {
        Ok(body) => (status, Html(body)).into_response(),
        Err(err) => {
            tracing::error!(error = ?err, template, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Erreur interne.").into_response()
        }
    }
}

/// The HTTP status a page answers with for an error.
pub fn status_of(err: &ApiError) -> StatusCode {
    match err.code() {
        "NOT_FOUND" => StatusCode::NOT_FOUND,
        "FORBIDDEN" => StatusCode::FORBIDDEN,
        "BAD_USER_INPUT" => StatusCode::BAD_REQUEST,
        "CONFLICT" => StatusCode::CONFLICT,
        "UNAUTHENTICATED" => StatusCode::UNAUTHORIZED,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// What a template needs to show a failed form's error beside its field (`macros.html`).
pub fn form_error(form: &str, err: &ApiError) -> Value {
    context! { form => form, field => err.field(), message => err.message_for_field() }
}

/// A page from its `data`, with `extra` (a notice, a failed form and its values) over it, in the
/// layout with `active` as the current menu entry; or the error page if the data failed.
pub fn page_or_error(
    app: &AppState,
    page: &PageUser,
    status: StatusCode,
    template: &str,
    active: &str,
    extra: Value,
    data: crate::error::ApiResult<Value>,
) -> Response {
    match data {
        Ok(data) => render(
            app,
            status,
            template,
            context! { ..extra, ..data, ..layout(page, active) },
        ),
        Err(err) => error_page(app, page, &err),
    }
}

/// The page shown for an error a user can meet (not found, forbidden…), inside the layout.
pub fn error_page(app: &AppState, page: &PageUser, err: &ApiError) -> Response {
    render(
        app,
        status_of(err),
        "error.html",
        context! { message => err.public_message(), ..layout(page, "") },
    )
}
