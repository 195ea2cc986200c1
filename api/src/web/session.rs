//! The web session: the access token in an HttpOnly, SameSite=Lax cookie (Secure behind https),
//! and the extractor that turns it into the signed-in user or a redirect to the sign-in page.

use axum::{
    extract::FromRequestParts,
    http::{Method, header, request::Parts},
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use domain::{Actor, OrganisationId};
use time::OffsetDateTime;

use crate::{
    AppState,
    auth::store,
    directory,
    entities::{organisation, user},
    service::Ctx,
};

pub const COOKIE: &str = "passerelle_session";

pub fn session_cookie(app: &AppState, token: String) -> Cookie<'static> {
    Cookie::build((COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(app.config.secure_cookies())
        .path("/")
        .max_age(time::Duration::seconds(
            app.config.token_lifetime().as_secs() as i64,
        ))
        .build()
}

pub fn expired_cookie() -> Cookie<'static> {
    Cookie::build((COOKIE, ""))
        .path("/")
        .max_age(time::Duration::ZERO)
        .build()
}

/// The signed-in user of a page.
pub struct PageUser {
    pub actor: Actor,
    pub user: user::Model,
    pub organisation: organisation::Model,
    /// The request's one "now", on the application clock.
    pub now: OffsetDateTime,
    /// The token the session's forms carry (`web::csrf`).
    pub csrf: String,
}

impl PageUser {
    /// The context of the application services for this user.
    pub fn ctx<'a>(&'a self, app: &'a AppState) -> Ctx<'a> {
        Ctx {
            actor: &self.actor,
            db: &app.db,
            now: self.now,
            hooks: &app.hooks,
        }
    }
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Response> {
        // A form posted after the session ended goes back, after sign-in, to the page the form
        // was on (its Referer; the sign-in checks it is a path of this site), not to its action,
        // which answers POST only.
        let posted = !matches!(parts.method, Method::GET | Method::HEAD);
        let had_session = CookieJar::from_headers(&parts.headers)
            .get(COOKIE)
            .is_some();
        let to_sign_in = || {
            let form_page = parts
                .headers
                .get(header::REFERER)
                .and_then(|r| r.to_str().ok())
                .and_then(|r| r.parse::<axum::http::Uri>().ok())
                .and_then(|r| r.path_and_query().map(|p| p.as_str().to_owned()));
            let next = if posted {
                form_page.unwrap_or_else(|| "/".to_owned())
            } else {
                parts
                    .uri
                    .path_and_query()
                    .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned())
            };
            let mut query = form_urlencoded::Serializer::new(String::new());
            query.append_pair("suite", &next);
            if had_session {
                query.append_pair(
                    "fait",
                    if posted {
                        "session-formulaire"
                    } else {
                        "session"
                    },
                );
            }
            Redirect::to(&format!("/connexion?{}", query.finish())).into_response()
        };
        let now = app.clock.now();
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(token) = jar.get(COOKIE).map(|c| c.value().to_owned()) else {
            return Err(to_sign_in());
        };
        let Ok(actor) = app.auth.actor(&app.db, &token, now).await else {
            return Err(to_sign_in());
        };
        let user_id = actor.user_id.ok_or_else(to_sign_in)?;
        let user = store::user_by_id(&app.db, actor.tenant_id, user_id)
            .await
            .ok()
            .flatten()
            .ok_or_else(to_sign_in)?;
        let organisation = directory::store::organisation_get(
            &app.db,
            actor.tenant_id,
            OrganisationId::from_uuid(user.organisation_id),
        )
        .await
        .map_err(|_| to_sign_in())?;
        Ok(Self {
            csrf: crate::web::csrf::token(&app.auth.csrf_key, &token),
            actor,
            user,
            organisation,
            now,
        })
    }
}
