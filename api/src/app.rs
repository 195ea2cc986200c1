//! The application state, built once at start-up, and the HTTP server around it.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context as _;
use axum::{Router, http::HeaderName};
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tower_http::{
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::TraceLayer,
};

use crate::{
    auth::{jwt::JwtKeys, sign_in::Authenticator, throttle::LoginThrottle},
    clock::Clock,
    config::Config,
    events::Hooks,
    graphql::{self, AppSchema},
    web::templates::Templates,
};

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub db: DatabaseConnection,
    pub config: Config,
    /// Signing in and checking tokens.
    pub auth: Authenticator,
    pub clock: Clock,
    pub schema: AppSchema,
    pub templates: Arc<Templates>,
    /// What recording an event needs (templates, links, waking the mail worker).
    pub hooks: Hooks,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(db: DatabaseConnection, config: Config, clock: Clock) -> anyhow::Result<Self> {
        let secret = config
            .jwt_secret
            .clone()
            .context("PASSERELLE_JWT_SECRET is required (at least 32 characters)")?;
        anyhow::ensure!(
            secret.expose().len() >= 32,
            "PASSERELLE_JWT_SECRET must be at least 32 characters"
        );
        crate::auth::password::warm_up();
        let templates = Arc::new(Templates::new()?);
        Ok(Self(Arc::new(Inner {
            db,
            auth: Authenticator {
                jwt: JwtKeys::new(secret.expose().as_bytes()),
                throttle: LoginThrottle::new(Default::default()),
                token_lifetime: config.token_lifetime(),
            },
            clock,
            schema: graphql::build_schema(),
            hooks: Hooks {
                templates: templates.clone(),
                public_url: config.public_url(),
                mail_wake: Arc::new(tokio::sync::Notify::new()),
            },
            templates,
            config,
        })))
    }

    pub fn router(&self) -> Router {
        let request_id = HeaderName::from_static("x-request-id");
        Router::new()
            .merge(crate::ops::routes())
            .merge(graphql::routes())
            .merge(crate::web::routes())
            .layer(
                tower::ServiceBuilder::new()
                    .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                    .layer(TraceLayer::new_for_http().make_span_with(
                        |request: &axum::http::Request<_>| {
                            let id = request
                                .headers()
                                .get("x-request-id")
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default();
                            tracing::info_span!("request", request_id = %id, method = %request.method(), path = %request.uri().path())
                        },
                    ))
                    .layer(PropagateRequestIdLayer::new(request_id))
                    .layer(TimeoutLayer::with_status_code(
                        axum::http::StatusCode::REQUEST_TIMEOUT,
                        Duration::from_secs(30),
                    )),
            )
            .with_state(self.clone())
    }
}

/// Serves until `shutdown` resolves, then lets requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = state
        .router()
        .into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}
