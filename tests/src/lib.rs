//! Test harness shared by the black-box tests: spawns the real router on a random port over a
//! fresh database (a SQLite file, or a UUID-named PostgreSQL database), and drives it over HTTP.

use std::{path::PathBuf, time::Duration};

use passerelle::{AppState, Config, clock::Clock};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use tokio::sync::oneshot;

pub mod browser;
pub mod fixtures;
pub mod live;
pub mod process;
pub mod smtp;
pub mod territory;
pub use fixtures::{Account, PASSWORD, Tenant, ok};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The server for one test, stopped when dropped.
pub struct TestApp {
    pub url: String,
    pub state: AppState,
    pub backend: Backend,
    pub http: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    _database: DatabaseGuard,
}

/// A century: longer than any test's trip through time.
pub const TRAVELLER_TOKEN_MINUTES: u64 = 100 * 366 * 24 * 60;

/// Where PostgreSQL is; the test command exports it (default: the local server).
pub fn postgres_admin_url() -> String {
    std::env::var("PASSERELLE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Removes a SQLite test file when dropped (PostgreSQL test databases are dropped by the test
/// command before each run).
pub enum DatabaseGuard {
    SqliteFile(PathBuf),
    Postgres,
}

impl Drop for DatabaseGuard {
    fn drop(&mut self) {
        if let Self::SqliteFile(path) = self {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
}

/// A fresh, empty database URL for this backend.
pub async fn fresh_database(backend: Backend) -> (String, DatabaseGuard) {
    let name = format!("passerelle_test_{}", uuid::Uuid::new_v4().simple());
    match backend {
        Backend::Sqlite => {
            let path = std::env::temp_dir().join(format!("{name}.db"));
            (
                format!("sqlite://{}?mode=rwc", path.display()),
                DatabaseGuard::SqliteFile(path),
            )
        }
        Backend::Postgres => {
            let admin_url = postgres_admin_url();
            let admin = Database::connect(&admin_url).await.unwrap_or_else(|e| {
                panic!("PostgreSQL at {admin_url} is needed by this test: {e}")
            });
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            admin.close().await.ok();
            let base = admin_url
                .rsplit_once('/')
                .map(|(base, _)| base)
                .unwrap_or(&admin_url);
            (format!("{base}/{name}"), DatabaseGuard::Postgres)
        }
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Tokens are checked against the application clock, and tests move that clock by weeks
    /// (or decades) after signing in: they get tokens that outlive the journey. The production
    /// lifetime is what `tokens_follow_the_application_clock` checks (pass `|c| c.token_minutes
    /// = 60` to get it).
    pub async fn spawn_with(backend: Backend, configure: impl FnOnce(&mut Config)) -> Self {
        let (url, guard) = fresh_database(backend).await;
        let mut config = Config::for_database(url.clone());
        config.token_minutes = TRAVELLER_TOKEN_MINUTES;
        configure(&mut config);
        let db = passerelle::db::connect(&url).await.expect("connect");
        passerelle::db::migrate(&db).await.expect("migrate");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        config.bind = addr;
        let state = AppState::new(db, config, Clock::default()).expect("state");
        let (tx, rx) = oneshot::channel::<()>();
        let served = state.clone();
        tokio::spawn(async move {
            passerelle::serve(listener, served, async {
                let _ = rx.await;
            })
            .await
            .expect("serve");
        });
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            url: format!("http://{addr}"),
            state,
            backend,
            http,
            shutdown: Some(tx),
            _database: guard,
        }
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// Starts the outbox worker of this app (tests start it explicitly, to control when mail
    /// goes out); it stops when the returned sender is dropped.
    #[must_use = "the worker stops when this is dropped"]
    pub fn start_worker(&self) -> tokio::sync::watch::Sender<bool> {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        passerelle::notifications::worker::spawn(self.state.clone(), stopped).expect("worker");
        stop
    }

    /// POSTs one GraphQL operation; returns the whole JSON body (`data` and `errors`).
    pub async fn graphql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .http
            .post(format!("{}/graphql", self.url))
            .json(&json!({
                "query": query,
                "variables": variables,
            }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("graphql request");
        response.json().await.expect("graphql JSON body")
    }

    /// GETs a page as a signed-in account (its token as the session cookie); returns the status
    /// and the HTML.
    pub async fn page(&self, who: &Account, path: &str) -> (u16, String) {
        let response = self
            .http
            .get(format!("{}{path}", self.url))
            .header("cookie", format!("passerelle_session={}", who.token))
            .send()
            .await
            .expect("page request");
        let status = response.status().as_u16();
        (status, response.text().await.expect("page body"))
    }

    /// Signs in and returns the access token; panics if refused.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let body = self
            .graphql(
                None,
                "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }",
                json!({ "e": email, "p": password }),
            )
            .await;
        body["data"]["login"]["accessToken"]
            .as_str()
            .unwrap_or_else(|| panic!("login refused: {body}"))
            .to_owned()
    }

    /// Counts the rows of a table (a check that nothing was written).
    pub async fn count(&self, table: &str) -> i64 {
        let row = self
            .db()
            .query_one_raw(sea_orm::Statement::from_string(
                self.db().get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count query")
            .expect("one row");
        row.try_get::<i64>("", "n").expect("count")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The built `passerelle` binary, for tests that run it as a process (`cargo nextest run
/// --workspace` builds it).
pub fn binary() -> PathBuf {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_absolute() {
                dir
            } else {
                workspace.join(dir)
            }
        })
        .unwrap_or_else(|| workspace.join("target"));
    let path = target.join("debug").join("passerelle");
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build -p passerelle`",
        path.display()
    );
    path
}

/// The `extensions.code` of the first error, if any.
pub fn error_code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

/// The `extensions.field` of the first error, if any.
pub fn error_field(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["field"].as_str()
}

/// Runs `async fn $name(app: TestApp)` once on SQLite and once on PostgreSQL, as two tests.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::TestApp::spawn($crate::Backend::Sqlite).await).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::TestApp::spawn($crate::Backend::Postgres).await).await
                }
            }
        )+
    };
}
