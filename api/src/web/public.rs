//! The pages every French public service must publish, open to anyone, signed in or not
//! (RGAA 4.1, loi pour une République numérique, RGPD): the accessibility statement, the legal
//! notice, the personal-data page and the site map — and the French 404 page of the layout.
//!
//! A signed-in visitor sees them in their own layout (menu, name); a signed-out one in the
//! bare layout. The publisher is the configured one (`PASSERELLE_PUBLISHER`), else the
//! signed-in user's territory, else a neutral sentence.

use axum::{
    Router,
    extract::{FromRequestParts, State},
    http::{StatusCode, request::Parts},
    response::Response,
    routing::get,
};
use minijinja::{Value, context};
use sea_orm::EntityTrait;

use crate::{
    AppState,
    entities::tenant,
    web::{
        accessibility,
        render::{layout, render},
        session::PageUser,
    },
};

pub const ACCESSIBILITY: &str = "/accessibilite";
pub const LEGAL: &str = "/mentions-legales";
pub const PERSONAL_DATA: &str = "/donnees-personnelles";
pub const SITE_MAP: &str = "/plan-du-site";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(ACCESSIBILITY, get(accessibility_page))
        .route(LEGAL, get(legal_page))
        .route(PERSONAL_DATA, get(personal_data_page))
        .route(SITE_MAP, get(site_map_page))
}

/// The signed-in user when there is one; never a redirect to the sign-in page.
pub struct MaybeUser(pub Option<PageUser>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(PageUser::from_request_parts(parts, app).await.ok()))
    }
}

/// The layout of a page anyone may see: the user's when signed in, the bare one otherwise.
pub fn open_layout(app: &AppState, visitor: &MaybeUser, active: &str) -> Value {
    match &visitor.0 {
        Some(page) => layout(app, page, active),
        None => context! {},
    }
}

/// Who publishes the service: the configured publisher, else the signed-in user's territory.
async fn publisher(app: &AppState, visitor: &MaybeUser) -> Option<String> {
    if let Some(configured) = app.config.publisher.clone() {
        return Some(configured);
    }
    let page = visitor.0.as_ref()?;
    match tenant::Entity::find_by_id(page.actor.tenant_id.as_uuid())
        .one(&app.db)
        .await
    {
        Ok(found) => found.map(|t| t.name),
        Err(err) => {
            // The page still answers: it names no publisher rather than failing.
            tracing::warn!(error = ?err, "publisher of the legal pages");
            None
        }
    }
}

/// What the four pages share: the publisher, the host and the DPO as configured.
async fn legal_context(app: &AppState, visitor: &MaybeUser) -> Value {
    context! {
        publisher => publisher(app, visitor).await,
        hosting => app.config.hosting.clone(),
        dpo_contact => app.config.dpo_contact.clone(),
        public_url => app.config.public_url(),
    }
}

async fn accessibility_page(State(app): State<AppState>, visitor: MaybeUser) -> Response {
    let known: Vec<Value> = accessibility::KNOWN_ISSUES
        .iter()
        .map(|k| context! { rule => k.rule, path => k.path, description => k.description })
        .collect();
    let statement = context! {
        referential => accessibility::REFERENTIAL,
        status => accessibility::STATUS,
        checked_on => accessibility::CHECKED_ON,
        tool => accessibility::TOOL,
        tool_version => accessibility::TOOL_VERSION,
        tested => accessibility::TESTED,
        known => known,
    };
    let page = context! { statement => statement };
    let ctx = context! {
        ..page,
        ..legal_context(&app, &visitor).await,
        ..open_layout(&app, &visitor, ACCESSIBILITY)
    };
    render(&app, StatusCode::OK, "public/accessibilite.html", ctx)
}

async fn legal_page(State(app): State<AppState>, visitor: MaybeUser) -> Response {
    let ctx = context! {
        ..legal_context(&app, &visitor).await,
        ..open_layout(&app, &visitor, LEGAL)
    };
    render(&app, StatusCode::OK, "public/mentions-legales.html", ctx)
}

async fn personal_data_page(State(app): State<AppState>, visitor: MaybeUser) -> Response {
    let page = context! {
        session_minutes => app.config.token_minutes,
        invitation_days => crate::auth::invitations::VALID_FOR.whole_days(),
    };
    let ctx = context! {
        ..page,
        ..legal_context(&app, &visitor).await,
        ..open_layout(&app, &visitor, PERSONAL_DATA)
    };
    render(
        &app,
        StatusCode::OK,
        "public/donnees-personnelles.html",
        ctx,
    )
}

async fn site_map_page(State(app): State<AppState>, visitor: MaybeUser) -> Response {
    let ctx = context! {
        signed_in => visitor.0.is_some(),
        ..open_layout(&app, &visitor, SITE_MAP)
    };
    render(&app, StatusCode::OK, "public/plan-du-site.html", ctx)
}

/// Any path no route answers: a French 404 page in the layout (GraphQL has its own route, and
/// keeps its JSON errors).
pub async fn not_found(State(app): State<AppState>, visitor: MaybeUser) -> Response {
    render(
        &app,
        StatusCode::NOT_FOUND,
        "public/introuvable.html",
        open_layout(&app, &visitor, ""),
    )
}
