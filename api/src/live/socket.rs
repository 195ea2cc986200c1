//! `/graphql/ws`: GraphQL subscriptions over graphql-transport-ws (and the older
//! subscriptions-transport-ws), authenticated by the bearer token of `connection_init`
//! (`{"Authorization": "Bearer …"}`), checked by the same function as `POST /graphql`.
//!
//! Only subscriptions run here (queries and mutations go to `POST /graphql`, which carries the
//! request's own time and limits), each document under the same limits as `/graphql`. The
//! connection is closed (4401) when the token expires on the application clock — looked at on
//! a timer derived from its `exp` — or when a line finds the session ended. A browser's
//! `Origin` must be this site's, as for forms.

use std::{
    sync::{Arc, Mutex, OnceLock},
    time::Duration,
};

use async_graphql::{
    Data, Executor,
    http::{ALL_WEBSOCKET_PROTOCOLS, WebSocketProtocols, WsMessage},
    parser::types::OperationType,
};
use axum::{
    Router,
    extract::{
        State, WebSocketUpgrade,
        ws::{CloseFrame, Message, WebSocket},
    },
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use domain::Actor;
use futures_util::{SinkExt, StreamExt, future, stream::BoxStream};
use time::OffsetDateTime;
use tokio::sync::Notify;

use crate::{
    AppState,
    error::{ApiError, ApiResult},
    graphql::{AppSchema, limits},
    web::csrf::origin_of,
};

pub fn routes() -> Router<AppState> {
    Router::new().route("/graphql/ws", get(upgrade))
}

async fn upgrade(
    State(app): State<AppState>,
    headers: HeaderMap,
    socket: WebSocketUpgrade,
) -> Response {
    // A page of another site could open a socket with the user's cookies; none are used
    // here, but the rule is the forms' one all the same.
    if let Some(origin) = headers.get(header::ORIGIN) {
        let expected = origin_of(&app.config.public_url());
        if !origin
            .to_str()
            .is_ok_and(|o| o.eq_ignore_ascii_case(&expected))
        {
            return (StatusCode::FORBIDDEN, "Origine refusée.").into_response();
        }
    }
    let Some(protocol) = protocol_of(&headers) else {
        return (
            StatusCode::BAD_REQUEST,
            "Sous-protocole attendu : graphql-transport-ws.",
        )
            .into_response();
    };
    socket
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| serve(app, socket, protocol))
}

fn protocol_of(headers: &HeaderMap) -> Option<WebSocketProtocols> {
    headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)?
        .to_str()
        .ok()?
        .split(',')
        .find_map(|p| p.trim().parse().ok())
}

/// One socket: who it stands for once `connection_init` has been accepted, and how it ends.
pub struct Connection {
    token: OnceLock<(String, OffsetDateTime)>,
    closing: Notify,
    reason: Mutex<Option<(u16, String)>>,
}

impl Connection {
    fn new() -> Self {
        Self {
            token: OnceLock::new(),
            closing: Notify::new(),
            reason: Mutex::new(None),
        }
    }

    /// The caller, read again from the token now: expired, signed out, deactivated →
    /// UNAUTHENTICATED.
    pub async fn caller(&self, app: &AppState) -> ApiResult<Actor> {
        let (token, _) = self
            .token
            .get()
            .ok_or(ApiError::Domain(domain::Error::Unauthenticated))?;
        app.auth.actor(&app.db, token, app.clock.now()).await
    }

    /// Asks the socket to close with this code and reason.
    pub fn close(&self, code: u16, reason: &str) {
        if let Ok(mut slot) = self.reason.lock() {
            slot.get_or_insert_with(|| (code, reason.to_owned()));
        }
        self.closing.notify_one();
    }

    fn expires_at(&self) -> Option<OffsetDateTime> {
        self.token.get().map(|(_, exp)| *exp)
    }

    fn reason(&self) -> (u16, String) {
        self.reason
            .lock()
            .ok()
            .and_then(|r| r.clone())
            .unwrap_or((4401, "Jeton expiré.".to_owned()))
    }
}

/// The token of a `connection_init` payload: `Authorization` (or `authorization`).
fn bearer(payload: &serde_json::Value) -> Option<String> {
    let value = payload
        .get("Authorization")
        .or_else(|| payload.get("authorization"))?
        .as_str()?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(|t| t.trim().to_owned())
}

async fn serve(app: AppState, socket: WebSocket, protocol: WebSocketProtocols) {
    let connection = Arc::new(Connection::new());
    let (mut sink, source) = socket.split();
    let input = source
        .take_while(|message| future::ready(message.is_ok()))
        .filter_map(|message| {
            future::ready(match message {
                Ok(Message::Text(text)) => Some(text.as_bytes().to_vec()),
                Ok(Message::Binary(bytes)) => Some(bytes.to_vec()),
                _ => None,
            })
        });
    let init = {
        let app = app.clone();
        let connection = connection.clone();
        move |payload: serde_json::Value| async move {
            let token = bearer(&payload).ok_or_else(|| {
                async_graphql::Error::new("connection_init sans jeton (Authorization: Bearer …)")
            })?;
            let now = app.clock.now();
            let refused = |_| async_graphql::Error::new("Authentification requise.");
            app.auth
                .actor(&app.db, &token, now)
                .await
                .map_err(refused)?;
            let claims = app.auth.jwt.verify(&token, now).map_err(refused)?;
            let expires = OffsetDateTime::from_unix_timestamp(claims.exp)
                .map_err(|_| async_graphql::Error::new("Authentification requise."))?;
            let _ = connection.token.set((token, expires));
            let mut data = Data::default();
            data.insert(app.clone());
            data.insert(connection.clone());
            Ok(data)
        }
    };
    let messages =
        async_graphql::http::WebSocket::new(SubscriptionsOnly(app.schema.clone()), input, protocol)
            .on_connection_init(init)
            .keepalive_timeout(Duration::from_secs(60));
    futures_util::pin_mut!(messages);
    loop {
        let next = tokio::select! {
            message = messages.next() => message,
            () = connection.closing.notified() => break,
            () = until_expiry(&app, &connection) => {
                connection.close(4401, "Jeton expiré.");
                break;
            }
        };
        let Some(message) = next else { return };
        let message = match message {
            WsMessage::Text(text) => Message::Text(text.into()),
            WsMessage::Close(code, reason) => Message::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            })),
        };
        if sink.send(message).await.is_err() {
            return;
        }
    }
    let (code, reason) = connection.reason();
    let _ = sink
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await;
}

/// Resolves once the application clock has passed the token's expiry. The wait is derived
/// from `exp` but capped, so that a clock moved forward (tests, or a corrected clock) is seen
/// within a second.
async fn until_expiry(app: &AppState, connection: &Connection) {
    loop {
        let wait = match connection.expires_at() {
            Some(expires) => {
                let left = expires - app.clock.now();
                if left <= time::Duration::ZERO {
                    return;
                }
                left.unsigned_abs().min(Duration::from_secs(1))
            }
            None => Duration::from_secs(1),
        };
        tokio::time::sleep(wait).await;
    }
}

/// The schema, for subscription documents only, each checked against `/graphql`'s limits.
#[derive(Clone)]
struct SubscriptionsOnly(AppSchema);

fn refusal(message: String) -> async_graphql::Response {
    let mut error = async_graphql::ServerError::new(message, None);
    let mut ext = async_graphql::ErrorExtensionValues::default();
    ext.set("code", "BAD_USER_INPUT");
    error.extensions = Some(ext);
    async_graphql::Response::from_errors(vec![error])
}

impl SubscriptionsOnly {
    fn refused(request: &async_graphql::Request) -> Option<async_graphql::Response> {
        if let Err(refused) = limits::check(&request.query) {
            return Some(refusal(refused.message()));
        }
        let doc = async_graphql::parser::parse_query(&request.query).ok()?;
        let only_subscriptions = doc
            .operations
            .iter()
            .all(|(_, op)| op.node.ty == OperationType::Subscription);
        (!only_subscriptions).then(|| {
            refusal(
                "Seules les souscriptions passent par /graphql/ws ; le reste par POST /graphql."
                    .into(),
            )
        })
    }
}

impl Executor for SubscriptionsOnly {
    async fn execute(&self, request: async_graphql::Request) -> async_graphql::Response {
        if let Some(refused) = Self::refused(&request) {
            return refused;
        }
        self.0.execute(request).await
    }

    fn execute_stream(
        &self,
        request: async_graphql::Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, async_graphql::Response> {
        if let Some(refused) = Self::refused(&request) {
            return futures_util::stream::once(future::ready(refused)).boxed();
        }
        let labelled =
            Executor::execute_stream(&self.0, request, session_data).map(|mut response| {
                crate::graphql::label_engine_errors(&mut response.errors);
                response
            });
        labelled.boxed()
    }
}
