//! The GraphQL schema: each business context contributes its query and mutation roots, merged
//! here, and the one handler that puts the caller and the per-request loaders in the context.

pub mod context;

use async_graphql::{EmptySubscription, MergedObject, Schema};
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::{
    Router,
    extract::{ConnectInfo, State},
    http::HeaderMap,
    response::{Html, IntoResponse},
    routing::get,
};
use std::net::SocketAddr;

use crate::{AppState, auth, consents, directory, escalations, people, referrals};
pub use context::{CtxExt, RequestCtx};

#[derive(MergedObject, Default)]
pub struct QueryRoot(
    auth::graphql::AuthQuery,
    directory::graphql::DirectoryQuery,
    crate::notifications::graphql::NotificationsQuery,
    people::graphql::PeopleQuery,
    referrals::graphql::ReferralsQuery,
    escalations::graphql::EscalationsQuery,
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
);

pub type AppSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// Limits are always on: async-graphql sets none by default, and one deep or wide document
/// could otherwise keep the database busy.
pub const MAX_DEPTH: usize = 12;
pub const MAX_COMPLEXITY: usize = 2_000;

pub fn build_schema() -> AppSchema {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
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

pub fn routes() -> Router<AppState> {
    Router::new().route("/graphql", get(graphiql).post(handler))
}

async fn graphiql() -> impl IntoResponse {
    Html(
        async_graphql::http::GraphiQLSource::build()
            .endpoint("/graphql")
            .finish(),
    )
}

/// One operation per request: `GraphQLRequest` refuses a JSON batch, so 1,000 `login`s cannot
/// ride in one POST (aliased fields are still counted one by one by the sign-in limiter).
async fn handler(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> GraphQLResponse {
    let now = app.clock.now();
    let auth = match bearer_token(&headers) {
        Some(token) => Some(app.auth.actor(&app.db, token, now).await),
        None => None,
    };
    let tenant = auth
        .as_ref()
        .and_then(|a| a.as_ref().ok())
        .map(|a| a.tenant_id);
    let mut request = request.into_inner().data(app.clone()).data(RequestCtx {
        auth,
        client_ip: app.config.client_ip(peer.ip(), &headers),
        now,
    });
    if let Some(tenant) = tenant {
        request = directory::loaders::register(request, &app.db, tenant);
        request = auth::loaders::register(request, &app.db, tenant);
        request = referrals::loaders::register(request, &app, tenant);
    }
    let mut response = app.schema.execute(request).await;
    label_engine_errors(&mut response.errors);
    response.into()
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
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
fn label_engine_errors(errors: &mut [async_graphql::ServerError]) {
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
