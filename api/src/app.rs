//! The application state, built once at start-up, and the HTTP server around it.

use std::{sync::Arc, time::Duration};

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
                csrf_key: {
                    use sha2::Digest;
                    sha2::Sha256::digest(format!("passerelle-csrf:{}", secret.expose())).to_vec()
                },
                token_lifetime: config.token_lifetime(),
            },
            clock,
            schema: graphql::build_schema(),
            hooks: Hooks {
                templates: templates.clone(),
                public_url: config.public_url(),
                mail_wake: Arc::new(tokio::sync::Notify::new()),
                live: Arc::default(),
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
            .merge(crate::live::socket::routes())
            .merge(crate::clients::oauth::routes())
            .merge(crate::web::routes(self))
            .fallback(crate::web::public::not_found)
            .layer(axum::middleware::from_fn_with_state(
                self.clone(),
                crate::web::security::headers,
            ))
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
                    ))
                    .layer(tower_http::catch_panic::CatchPanicLayer::custom(
                        crate::web::security::panic_page,
                    ))
                    .layer(tower_http::limit::RequestBodyLimitLayer::new(
                        crate::web::MAX_BODY_BYTES,
                    )),
            )
            .with_state(self.clone())
    }
}

/// Serves until `shutdown` resolves, then lets requests in flight finish. The accept loop is
/// hyper's own, because `axum::serve` cannot time out slow headers.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    use hyper_util::{
        rt::{TokioExecutor, TokioIo, TokioTimer},
        server::{conn::auto::Builder, graceful::GracefulShutdown},
        service::TowerToHyperService,
    };
    crate::live::listen::start(&state).await?;
    let router = state.router();
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        // A slow-header client (slowloris) is disconnected instead of holding a connection.
        .header_read_timeout(Duration::from_millis(state.config.header_timeout_ms.max(1)));
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(Duration::from_secs(30)));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, a connection reset before accept…: go on.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // What `ConnectInfo<SocketAddr>` extracts (the sign-in limiter's address).
        let service = router
            .clone()
            .layer(axum::Extension(axum::extract::ConnectInfo(peer)));
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service))
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(error = %err, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
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
