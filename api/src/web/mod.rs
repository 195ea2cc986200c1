//! Server-rendered pages (French, DSFR look, usable without JavaScript), on the same binary.
//! Each page handler is thin: the signed-in user, the same application services as GraphQL, a
//! template.

pub mod accessibility;
pub mod admin;
pub mod csrf;
pub mod pages;
pub mod public;
pub mod render;
pub mod security;
pub mod session;
pub mod templates;

use axum::{Router, http::header, response::IntoResponse, routing::get};

use crate::AppState;

/// Largest request body anywhere (the GraphQL endpoint has a smaller limit of its own).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

pub fn routes(app: &AppState) -> Router<AppState> {
    Router::new()
        .route("/static/passerelle.css", get(stylesheet))
        .route("/static/graphiql/{file}", get(graphiql_asset))
        .merge(pages::routes())
        .merge(public::routes())
        .merge(admin::routes())
        .merge(crate::people::pages::routes())
        .merge(crate::referrals::pages::routes())
        .merge(crate::escalations::pages::routes())
        .merge(crate::monitoring::pages::routes())
        .merge(crate::notifications::pages::routes())
        .merge(crate::auth::invitations::routes())
        .merge(crate::clients::pages::routes())
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            csrf::check_forms,
        ))
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

/// GraphiQL's files, pinned and served from the binary (see `web/static/graphiql/README.md`).
async fn graphiql_asset(
    axum::extract::Path(file): axum::extract::Path<String>,
) -> axum::response::Response {
    const JS: &str = "text/javascript; charset=utf-8";
    let (body, kind): (&'static [u8], &str) = match file.as_str() {
        "graphiql.min.js" => (
            include_bytes!("../../../web/static/graphiql/graphiql.min.js"),
            JS,
        ),
        "graphiql.min.css" => (
            include_bytes!("../../../web/static/graphiql/graphiql.min.css"),
            "text/css; charset=utf-8",
        ),
        "react.production.min.js" => (
            include_bytes!("../../../web/static/graphiql/react.production.min.js"),
            JS,
        ),
        "react-dom.production.min.js" => (
            include_bytes!("../../../web/static/graphiql/react-dom.production.min.js"),
            JS,
        ),
        "page.css" => (
            include_bytes!("../../../web/static/graphiql/page.css"),
            "text/css; charset=utf-8",
        ),
        "passerelle-graphiql.js" => (
            include_bytes!("../../../web/static/graphiql/passerelle-graphiql.js"),
            JS,
        ),
        _ => return axum::http::StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}
