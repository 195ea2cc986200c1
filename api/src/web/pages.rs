//! Sign-in, sign-out and the home page of each role.

use axum::{
    Form, Router,
    extract::{ConnectInfo, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use std::net::SocketAddr;

use crate::{
    AppState,
    error::ApiError,
    web::{
        render::{layout, render},
        session::{PageUser, expired_cookie, session_cookie},
    },
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/connexion", get(sign_in_page).post(sign_in_submit))
        .route("/deconnexion", post(sign_out))
}

#[derive(Deserialize, Default)]
struct Next {
    suite: Option<String>,
    /// `invitation` after a password was chosen from an invitation.
    fait: Option<String>,
}

/// Only a path of this site may follow sign-in: it starts with one `/`, holds printable ASCII
/// only (no tab or line break that a browser would drop, turning `/\t/evil.example` into
/// `//evil.example`; no character that cannot go in a `Location` header), no backslash, and
/// parses as a path. Anything else goes home.
fn safe_next(next: Option<&str>) -> &str {
    let Some(path) = next else { return "/" };
    let printable = path.bytes().all(|b| (0x21..=0x7e).contains(&b));
    let local = path.starts_with('/') && !path.starts_with("//") && !path.contains('\\');
    let parses = path.parse::<axum::http::uri::PathAndQuery>().is_ok();
    if printable && local && parses && path.len() <= 2_000 {
        path
    } else {
        "/"
    }
}

async fn sign_in_page(State(app): State<AppState>, Query(next): Query<Next>) -> Response {
    render(
        &app,
        StatusCode::OK,
        "login.html",
        context! {
            suite => safe_next(next.suite.as_deref()),
            notice => match next.fait.as_deref() {
                Some("invitation") => Some("Votre mot de passe est enregistré. Vous pouvez vous connecter."),
                Some("session") => Some("Votre session a expiré : connectez-vous pour reprendre où vous en étiez."),
                Some("session-formulaire") => Some("Votre session a expiré avant l'envoi du formulaire, qui n'a pas été enregistré : connectez-vous, vous reviendrez à la page du formulaire pour le renvoyer."),
                _ => None,
            },
        },
    )
}

#[derive(Deserialize)]
struct SignInForm {
    email: String,
    password: String,
    suite: Option<String>,
}

async fn sign_in_submit(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    jar: CookieJar,
    Form(form): Form<SignInForm>,
) -> Response {
    let client_ip = app.config.client_ip(peer.ip(), &headers);
    let next = safe_next(form.suite.as_deref()).to_owned();
    let email = form.email.trim().to_lowercase();
    let result = match domain::Email::parse("email", &email) {
        Ok(email) if !form.password.is_empty() => {
            app.auth
                .sign_in(
                    &app.db,
                    app.clock.now(),
                    email.as_str(),
                    form.password,
                    client_ip,
                )
                .await
        }
        Ok(_) => Err(ApiError::invalid("password", "obligatoire")),
        Err(_) => Err(ApiError::SignInRefused),
    };
    match result {
        Ok(signed_in) => (
            jar.add(session_cookie(&app, signed_in.token)),
            Redirect::to(&next),
        )
            .into_response(),
        Err(err) => {
            let status = match err {
                ApiError::Throttled { .. } | ApiError::Busy { .. } => StatusCode::TOO_MANY_REQUESTS,
                ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
                _ => StatusCode::UNAUTHORIZED,
            };
            let message = match &err {
                ApiError::Domain(domain::Error::Invalid { .. }) => {
                    "Saisissez votre mot de passe.".to_owned()
                }
                other => other.public_message(),
            };
            render(
                &app,
                status,
                "login.html",
                context! { error => message, email => form.email, suite => next },
            )
        }
    }
}

/// Ends the session (its tokens stop working at once) and drops the cookie.
async fn sign_out(State(app): State<AppState>, jar: CookieJar) -> Response {
    if let Some(token) = jar.get(crate::web::session::COOKIE)
        && let Err(err) = app
            .auth
            .sign_out(&app.db, token.value(), app.clock.now())
            .await
    {
        tracing::warn!(error = ?err, "sign-out");
    }
    (jar.add(expired_cookie()), Redirect::to("/connexion")).into_response()
}

async fn home(State(app): State<AppState>, page: PageUser) -> Response {
    use domain::Action;
    let may = page.ctx(&app);
    let ctx = context! {
        is_agent => may.may_own(Action::ManagePeople),
        is_back_office => may.may_own(Action::WorkReferral),
        is_coordinator => may.may_tenant(Action::ReadMonitoring),
        monitors => crate::monitoring::service::may_monitor(&may),
        is_admin => may.may_own(Action::ListUsers),
        ..layout(&app, &page, "/")
    };
    render(&app, StatusCode::OK, "home.html", ctx)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_follow_sign_in() {
        assert_eq!(safe_next(Some("/admin")), "/admin");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
        assert_eq!(safe_next(Some("/\t/evil.example/phish")), "/");
        assert_eq!(safe_next(Some("/\n/evil.example")), "/");
        assert_eq!(safe_next(Some("/ok\u{0}")), "/");
        assert_eq!(
            safe_next(Some("/personnes?q=%C3%A9")),
            "/personnes?q=%C3%A9"
        );
    }
}
