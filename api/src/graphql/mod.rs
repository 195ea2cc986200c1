//! The GraphQL schema: each business context contributes its query and mutation roots, merged
//! here, and the one handler that puts the caller and the per-request loaders in the context.

pub mod context;
pub mod limits;

use async_graphql::{MergedObject, MergedSubscription, Schema};
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::{
    Router,
    extract::{ConnectInfo, State},
    http::HeaderMap,
    response::{Html, IntoResponse, Response},
    routing::get,
};
use std::net::SocketAddr;

use crate::{AppState, auth, consents, directory, escalations, monitoring, people, referrals};
pub use context::{CtxExt, RequestCtx};

#[derive(MergedObject, Default)]
pub struct QueryRoot(
    auth::graphql::AuthQuery,
    directory::graphql::DirectoryQuery,
    crate::notifications::graphql::NotificationsQuery,
    people::graphql::PeopleQuery,
    referrals::graphql::ReferralsQuery,
    escalations::graphql::EscalationsQuery,
    crate::clients::graphql::ClientsQuery,
    monitoring::graphql::MonitoringQuery,
);

#[derive(MergedObject, Default)]
pub struct MutationRoot(
    auth::graphql::AuthMutation,
    directory::graphql::DirectoryMutation,
    crate::notifications::graphql::NotificationsMutation,
    people::graphql::PeopleMutation,
    consents::graphql::ConsentsMutation,
    referrals::graphql::ReferralsMutation,
    escalations::graphql::EscalationsMutation,
    crate::clients::graphql::ClientsMutation,
    monitoring::graphql::MonitoringMutation,
);

#[derive(MergedSubscription, Default)]
pub struct SubscriptionRoot(crate::live::graphql::LiveSubscription);

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Limits are always on: async-graphql sets none by default, and one deep or wide document
/// could otherwise keep the database busy.
pub const MAX_DEPTH: usize = 12;
pub const MAX_COMPLEXITY: usize = 2_000;

pub fn build_schema() -> AppSchema {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
    .limit_recursive_depth(32)
    .limit_directives(8)
    .finish()
}

/// The SDL committed as `api/schema.graphql`.
pub fn sdl() -> String {
    build_schema().sdl()
}

/// Largest body `/graphql` reads: a document is at most 32 KiB, and variables stay small.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/graphql", get(graphiql).post(handler))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            MAX_BODY_BYTES,
        ))
}

/// GraphiQL, from files the binary serves itself (no CDN: the service works offline, and the
/// page's policy allows this site's scripts only).
async fn graphiql() -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_SECURITY_POLICY,
            crate::web::security::GRAPHIQL_CSP,
        )],
        Html(
            r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Passerelle — GraphiQL</title>
  <link rel="stylesheet" href="/static/graphiql/graphiql.min.css">
  <link rel="stylesheet" href="/static/graphiql/page.css">
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="/static/graphiql/react.production.min.js"></script>
  <script src="/static/graphiql/react-dom.production.min.js"></script>
  <script src="/static/graphiql/graphiql.min.js"></script>
  <script src="/static/graphiql/passerelle-graphiql.js"></script>
</body>
</html>"#,
        ),
    )
}

/// One operation per request: `GraphQLRequest` refuses a JSON batch, and `limits::check`
/// refuses, before anything runs, a document too long, too costly once its fragments are
/// expanded, or holding more than one `login`.
async fn handler(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> Response {
    let request = request.into_inner();
    if let Err(refused) = limits::check(&request.query) {
        let mut error = async_graphql::ServerError::new(refused.message(), None);
        let mut ext = async_graphql::ErrorExtensionValues::default();
        ext.set("code", "BAD_USER_INPUT");
        error.extensions = Some(ext);
        return GraphQLResponse::from(async_graphql::Response::from_errors(vec![error]))
            .into_response();
    }
    let now = app.clock.now();
    let auth = match bearer_token(&headers) {
        Some(token) => Some(app.auth.actor(&app.db, token, now).await),
        None => None,
    };
    let tenant = auth
        .as_ref()
        .and_then(|a| a.as_ref().ok())
        .map(|a| a.tenant_id);
    let mut request = request.data(app.clone()).data(RequestCtx {
        auth,
        client_ip: app.config.client_ip(peer.ip(), &headers),
        now,
        token: bearer_token(&headers).map(str::to_owned),
    });
    if let Some(tenant) = tenant {
        request = directory::loaders::register(request, &app.db, tenant);
        request = auth::loaders::register(request, &app.db, tenant);
        request = referrals::loaders::register(request, &app, tenant);
    }
    let mut response = app.schema.execute(request).await;
    label_engine_errors(&mut response.errors);
    let retry_after = response
        .errors
        .iter()
        .filter_map(|e| e.extensions.as_ref()?.get("retryAfter").cloned())
        .filter_map(|v| match v {
            async_graphql::Value::Number(n) => n.as_u64(),
            _ => None,
        })
        .max();
    let mut http = GraphQLResponse::from(response).into_response();
    // A limit was reached: HTTP says so too, with when to come back.
    if let Some(seconds) = retry_after {
        *http.status_mut() = axum::http::StatusCode::TOO_MANY_REQUESTS;
        if let Ok(value) = axum::http::HeaderValue::from_str(&seconds.to_string()) {
            http.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, value);
        }
    }
    http
}

/// The token of an `Authorization: Bearer …` header.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Errors raised by the engine itself (syntax, unknown field, a value that does not fit its type,
/// a limit exceeded) carry no code; they are all the client's doing: BAD_USER_INPUT. Errors from
/// resolvers always carry one (they go through `ApiError`).
pub(crate) fn label_engine_errors(errors: &mut [async_graphql::ServerError]) {
    for error in errors {
        let ext = error.extensions.get_or_insert_with(Default::default);
        if ext.get("code").is_none() {
            ext.set("code", "BAD_USER_INPUT");
        }
    }
}

#[cfg(test)]
mod tests {
    /// The committed SDL is what partners read: it must match the code. Run with
    /// `UPDATE_SCHEMA=1` to rewrite it after an intended change.
    #[test]
    fn committed_schema_matches_the_code() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
        let current = super::sdl();
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::write(path, &current).expect("write schema.graphql");
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == current,
            "api/schema.graphql differs from the code; run `UPDATE_SCHEMA=1 cargo test -p passerelle committed_schema` and review the diff"
        );
    }
}
