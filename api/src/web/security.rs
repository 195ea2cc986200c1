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

/// A panic in a handler answers a French 500 page in the layout (and is logged), never a
/// dropped connection. The layout is the bare one: the handler that panicked had the user.
pub fn panic_page(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("panic");
    let id = uuid::Uuid::new_v4();
    tracing::error!(error_id = %id, panic = detail, "a handler panicked");
    let body = PANIC_TEMPLATES
        .as_ref()
        .and_then(|t| {
            t.render(
                "public/erreur-interne.html",
                minijinja::context! { error_id => id.to_string() },
            )
            .ok()
        })
        .unwrap_or_else(|| format!("Erreur interne. Numéro de l'erreur : {id}."));
    (StatusCode::INTERNAL_SERVER_ERROR, Html(body)).into_response()
}

/// The templates the panic page renders with: the layer has no application state.
static PANIC_TEMPLATES: std::sync::LazyLock<Option<crate::web::templates::Templates>> =
    std::sync::LazyLock::new(|| crate::web::templates::Templates::new().ok());

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn a_panic_answers_the_french_500_page_in_the_layout() {
        let response = super::panic_page(Box::new("boom"));
        assert_eq!(
            response.status(),
            axum::http::StatusCode::INTERNAL_SERVER_ERROR
        );
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(body.contains("<h1>Erreur interne</h1>"), "{body}");
        assert!(body.contains("<title>Erreur interne — Passerelle</title>"));
        assert!(
            body.contains("href=\"/accessibilite\""),
            "the layout's footer"
        );
        assert!(
            !body.contains("boom"),
            "the panic's detail stays in the log"
        );
    }
}
