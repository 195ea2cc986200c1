//! Forms are only accepted from this site.
//!
//! Every state-changing request to the pages must come from the public URL's origin: its
//! `Origin` header must be that origin (a page on another port of the same host, `Origin: null`
//! and any other site are refused), or, when a browser sends no `Origin`, its `Sec-Fetch-Site`
//! must be `same-origin`. A browser that sends neither must post the session's CSRF token
//! (`_csrf`, an HMAC of the session token, rendered into every form of a signed-in page).
//! Behind all of it, the session cookie is `SameSite=Lax`.

use axum::{
    body::Body,
    extract::{Request, State},
    http::{Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use axum_extra::extract::cookie::CookieJar;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::{AppState, web::session::COOKIE};

/// Largest form read to find its token.
const MAX_FORM_BYTES: usize = 1024 * 1024;

/// The CSRF token of a session.
pub fn token(key: &[u8], session: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(b"csrf:");
    mac.update(session.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn refused() -> Response {
    (
        StatusCode::FORBIDDEN,
        "Formulaire envoyé depuis un autre site : refusé.",
    )
        .into_response()
}

/// `scheme://host[:port]` of a URL.
pub fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    )
}

pub async fn check_forms(State(app): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let headers = request.headers();
    if let Some(origin) = headers.get(header::ORIGIN) {
        let expected = origin_of(&app.config.public_url());
        return match origin.to_str() {
            Ok(origin) if origin.eq_ignore_ascii_case(&expected) => next.run(request).await,
            _ => refused(),
        };
    }
    if let Some(site) = headers.get("sec-fetch-site") {
        return if site.as_bytes() == b"same-origin" {
            next.run(request).await
        } else {
            refused()
        };
    }
    // Neither header: a signed-in user's form must carry the session's token. Signing in and
    // choosing a password from an invitation act on no session: nothing to ride.
    let path = request.uri().path();
    if path == "/connexion" || path.starts_with("/invitation/") {
        return next.run(request).await;
    }
    let Some(session) = CookieJar::from_headers(headers)
        .get(COOKIE)
        .map(|c| c.value().to_owned())
    else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "Formulaire trop volumineux.").into_response();
    };
    let expected = token(&app.auth.csrf_key, &session);
    let given = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    if !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        return refused();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert_eq!(
            origin_of("https://passerelle.example/"),
            "https://passerelle.example"
        );
        assert_eq!(origin_of("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_ne!(
            origin_of("http://127.0.0.1:8081"),
            origin_of("http://127.0.0.1:8080")
        );
        assert_eq!(token(b"k", "s"), token(b"k", "s"));
        assert_ne!(token(b"k", "s"), token(b"k", "t"));
    }
}
