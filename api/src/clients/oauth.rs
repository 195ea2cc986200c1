//! `POST /oauth/token`: the client credentials grant (RFC 6749 §4.4). The client authenticates
//! with HTTP Basic or with `client_id`/`client_secret` in the form body — one of the two, never
//! both (§2.3.1) — and gets a short-lived bearer token. Failures are counted by the sign-in
//! limiter, per client id and per address, before the secret is checked.

use axum::{
    Json, Router,
    body::Bytes,
    extract::{ConnectInfo, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::post,
};
use base64::Engine as _;
use serde_json::json;
use std::net::SocketAddr;

use crate::{AppState, clients::service, error::ApiError};

pub fn routes() -> Router<AppState> {
    Router::new().route("/oauth/token", post(token))
}

/// An error of §5.2, as JSON with its status.
struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: &'static str,
    /// The client tried HTTP Basic: a 401 says how to authenticate (§5.2).
    basic: bool,
    retry_after: Option<u64>,
}

impl OAuthError {
    fn request(description: &'static str) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
            description,
            basic: false,
            retry_after: None,
        }
    }

    fn client(basic: bool) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: "client inconnu, révoqué ou secret incorrect",
            basic,
            retry_after: None,
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(json!({ "error": self.error, "error_description": self.description })),
        )
            .into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if self.basic && self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Basic realm="passerelle""#),
            );
        }
        if let Some(seconds) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            headers.insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// The client's credentials as presented.
struct Credentials {
    id: String,
    secret: String,
    basic: bool,
}

async fn token(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match grant(&app, peer, &headers, &body).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn grant(
    app: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, OAuthError> {
    let form_encoded = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form_encoded {
        return Err(OAuthError::request(
            "le corps doit être application/x-www-form-urlencoded",
        ));
    }
    let params = parameters(body)?;
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    match param("grant_type") {
        None | Some("") => return Err(OAuthError::request("grant_type manquant")),
        Some("client_credentials") => {}
        Some(_) => {
            return Err(OAuthError {
                status: StatusCode::BAD_REQUEST,
                error: "unsupported_grant_type",
                description: "seul grant_type=client_credentials est accepté",
                basic: false,
                retry_after: None,
            });
        }
    }
    let credentials = credentials(headers, param("client_id"), param("client_secret"))?;
    let now = app.clock.now();
    let address = app.config.client_ip(peer.ip(), headers);
    let attempt = app
        .auth
        .throttle
        .reserve(&app.db, &format!("client:{}", credentials.id), address, now)
        .await
        .map_err(|err| refused(err, credentials.basic))?;
    let client = service::authenticate(&app.db, &credentials.id, &credentials.secret, now)
        .await
        .map_err(|err| refused(err, credentials.basic))?;
    app.auth
        .throttle
        .succeeded(&app.db, attempt, now)
        .await
        .map_err(|err| refused(err, credentials.basic))?;
    let (token, expires_at) = app
        .auth
        .jwt
        .issue_client(client.id, client.tenant_id, now, service::TOKEN_LIFETIME)
        .map_err(|err| refused(err, credentials.basic))?;
    let mut response = Json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": (expires_at - now).whole_seconds(),
    }))
    .into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    Ok(response)
}

/// The form's parameters; one given twice is refused (§3.2).
fn parameters(body: &[u8]) -> Result<Vec<(String, String)>, OAuthError> {
    let mut params: Vec<(String, String)> = Vec::new();
    for (key, value) in form_urlencoded::parse(body) {
        if params.iter().any(|(k, _)| *k == key) {
            return Err(OAuthError::request("paramètre répété"));
        }
        params.push((key.into_owned(), value.into_owned()));
    }
    Ok(params)
}

/// HTTP Basic (id and secret form-encoded, then base64, §2.3.1) or the body's parameters.
fn credentials(
    headers: &HeaderMap,
    body_id: Option<&str>,
    body_secret: Option<&str>,
) -> Result<Credentials, OAuthError> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("basic").then_some(rest.trim())
        });
    match (basic, body_id.or(body_secret)) {
        (Some(_), Some(_)) => Err(OAuthError::request(
            "une seule méthode d'authentification du client à la fois",
        )),
        (Some(encoded), None) => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or_else(|| OAuthError::client(true))?;
            let (id, secret) = decoded
                .split_once(':')
                .ok_or_else(|| OAuthError::client(true))?;
            let decode = |part: &str| {
                form_urlencoded::parse(format!("v={part}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            Ok(Credentials {
                id: decode(id),
                secret: decode(secret),
                basic: true,
            })
        }
        (None, _) => match (body_id, body_secret) {
            (Some(id), Some(secret)) if !id.is_empty() && !secret.is_empty() => Ok(Credentials {
                id: id.to_owned(),
                secret: secret.to_owned(),
                basic: false,
            }),
            _ => Err(OAuthError::client(false)),
        },
    }
}

/// A refusal of the service as an OAuth error: a limit is 429 with `Retry-After`; any other
/// is `invalid_client`, except an internal error.
fn refused(err: ApiError, basic: bool) -> OAuthError {
    match err {
        ApiError::Throttled { retry_after_secs } | ApiError::Busy { retry_after_secs } => {
            OAuthError {
                status: StatusCode::TOO_MANY_REQUESTS,
                error: "invalid_request",
                description: "trop de tentatives : réessayez plus tard",
                basic,
                retry_after: Some(retry_after_secs),
            }
        }
        ApiError::Internal(_) => {
            tracing::error!(error = ?err, "token endpoint failed");
            OAuthError {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                error: "server_error",
                description: "erreur interne",
                basic,
                retry_after: None,
            }
        }
        _ => OAuthError::client(basic),
    }
}
