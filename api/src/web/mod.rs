//! Server-rendered pages (French, DSFR look, usable without JavaScript), on the same binary.
//! Each page handler is thin: the signed-in user, the same application services as GraphQL, a
//! template.

pub mod admin;
pub mod pages;
pub mod render;
pub mod session;
pub mod templates;

use axum::{
    Router,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/passerelle.css", get(stylesheet))
        .merge(pages::routes())
        .merge(admin::routes())
        .merge(crate::people::pages::routes())
        .merge(crate::referrals::pages::routes())
        .merge(crate::escalations::pages::routes())
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
