//! The headers every response carries, and the page a panic becomes.
//!
//! - `Content-Security-Policy`: this site's scripts, styles, images and forms only; no inline
//!   script; no framing (`frame-ancestors 'none'`). GraphiQL's page, whose React components set
//!   inline styles, allows inline styles and nothing more.
//! - `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`, `X-Frame-Options: DENY`
//!   for older browsers, HSTS when the public URL is https.
//! - `Cache-Control: no-store` on everything but the static assets: pages show personal data.

use axum::{
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{Html, IntoResponse, Response},
};

use crate::AppState;

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     font-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'; object-src 'none'";

/// GraphiQL: the same, with the inline styles its components set.
pub const GRAPHIQL_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

pub async fn headers(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if app.config.secure_cookies() {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// A panic in a handler answers a French 500 page (and is logged), never a dropped connection.
pub fn panic_page(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("panic");
    let id = uuid::Uuid::new_v4();
    tracing::error!(error_id = %id, panic = detail, "a handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Html(format!(
            "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Erreur interne — Passerelle</title>\
             <link rel=\"stylesheet\" href=\"/static/passerelle.css\"></head><body><main class=\"fr-container fr-py-4w\">\
             <h1>Erreur interne</h1><p>Une erreur inattendue s'est produite. Si elle se reproduit, \
             communiquez ce numéro à votre administrateur : {id}.</p><p><a class=\"fr-link\" href=\"/\">Revenir à l'accueil</a></p>\
             </main></body></html>"
        )),
    )
        .into_response()
}
