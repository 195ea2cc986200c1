//! The real binary, as an operator runs it: `admin bootstrap` with the password on standard
//! input, `serve` answering the probes and a sign-in, stopping cleanly on SIGTERM, refusing to
//! start without a signing key, and `--help`.
//!
//! The test command builds the binary first (`cargo build -p passerelle`).

use std::{
    io::Write,
    process::{Command, Output, Stdio},
    time::{Duration, Instant},
};

use passerelle_tests::{
    Backend, fresh_database,
    process::{Running, binary, free_port, passerelle, serve},
};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

const JWT_SECRET: &str = "a-test-signing-key-that-is-long-enough-0123456789";
const ADMIN_PASSWORD: &str = "une phrase de passe assez longue";

/// Runs `async fn $name(backend: Backend)` once on SQLite and once on PostgreSQL.
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(passerelle_tests::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name(passerelle_tests::Backend::Postgres).await
                }
            }
        )+
    };
}

on_both_backends!(bootstrap_then_serve_then_stop, serve_needs_a_signing_key);

fn bootstrap(database_url: &str, email: &str, stdin: &str) -> Output {
    let mut child = passerelle(database_url)
        .args([
            "admin",
            "bootstrap",
            "--tenant",
            "CU d'Arras",
            "--email",
            email,
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn passerelle admin bootstrap");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write the password");
    child.wait_with_output().expect("bootstrap output")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Rows of a table, read directly (the binary has applied the migrations).
async fn count(database_url: &str, table: &str) -> i64 {
    let db = passerelle::db::connect(database_url)
        .await
        .expect("connect");
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .expect("count query")
        .expect("one row");
    let n = row.try_get::<i64>("", "n").expect("count");
    db.close().await.ok();
    n
}

async fn graphql(
    http: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let mut request = http
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request
        .send()
        .await
        .expect("graphql request")
        .json()
        .await
        .expect("graphql JSON")
}

async fn bootstrap_then_serve_then_stop(backend: Backend) {
    let (url, _guard) = fresh_database(backend).await;

    // A password that breaks the rules: refused, nothing created.
    for bad in ["court\n", "motdepasse123\n", "\n", ""] {
        let output = bootstrap(&url, "admin@arras.test", bad);
        assert!(
            !output.status.success(),
            "bootstrap with {bad:?} must fail; stdout: {}",
            text(&output.stdout)
        );
        assert!(
            !text(&output.stdout).contains("tenant_id="),
            "{bad:?}: no ids printed"
        );
        assert!(
            text(&output.stderr).contains("password"),
            "{bad:?}: the error names the password: {}",
            text(&output.stderr)
        );
    }
    for table in ["tenants", "organisations", "users", "sign_in_emails"] {
        assert_eq!(count(&url, table).await, 0, "{table}: nothing created");
    }

    // The good one, with the newline `echo` adds.
    let output = bootstrap(&url, "Admin@Arras.test", &format!("{ADMIN_PASSWORD}\n"));
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "bootstrap: {stdout}{}",
        text(&output.stderr)
    );
    let id = |key: &str| -> String {
        let value = stdout
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("{key}= in {stdout:?}"));
        value
            .trim()
            .parse::<uuid::Uuid>()
            .unwrap_or_else(|_| panic!("{key} is a UUID: {value:?}"))
            .to_string()
    };
    let (tenant_id, organisation_id, user_id) =
        (id("tenant_id"), id("organisation_id"), id("user_id"));
    assert_ne!(tenant_id, organisation_id);
    assert_eq!(count(&url, "tenants").await, 1);
    assert_eq!(count(&url, "users").await, 1);

    // The same administrator twice: refused, and no second tenant left behind.
    let output = bootstrap(&url, "admin@arras.test", &format!("{ADMIN_PASSWORD}\n"));
    assert!(
        !output.status.success(),
        "a second bootstrap of the same email fails"
    );
    assert!(!text(&output.stdout).contains("tenant_id="));
    for table in ["tenants", "organisations", "users"] {
        assert_eq!(count(&url, table).await, 1, "{table}: all or nothing");
    }

    // Serve.
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut command = passerelle(&url);
    command
        .env("PASSERELLE_BIND", format!("127.0.0.1:{port}"))
        .env("PASSERELLE_JWT_SECRET", JWT_SECRET);
    let mut server = serve(command);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let started = Instant::now();
    loop {
        if let Some(status) = server.child.try_wait().expect("try_wait") {
            panic!("serve exited early with {status}: {}", server.stderr());
        }
        match http.get(format!("{base}/healthz")).send().await {
            Ok(response) if response.status() == 200 => break,
            _ if started.elapsed() > Duration::from_secs(60) => {
                panic!("/healthz never answered 200: {}", server.stderr())
            }
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    let ready = http
        .get(format!("{base}/readyz"))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 200, "/readyz");

    let body = graphql(
        &http,
        &base,
        None,
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken user { id } } }",
        json!({ "e": "admin@arras.test", "p": ADMIN_PASSWORD }),
    )
    .await;
    assert_eq!(
        body["data"]["login"]["user"]["id"],
        user_id.as_str(),
        "{body}"
    );
    let token = body["data"]["login"]["accessToken"]
        .as_str()
        .expect("token")
        .to_owned();
    let body = graphql(
        &http,
        &base,
        Some(&token),
        "{ me { email roles organisation { id name } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        body["data"]["me"],
        json!({ "email": "admin@arras.test", "roles": ["ORG_ADMIN", "TENANT_ADMIN"],
                "organisation": { "id": organisation_id, "name": "CU d'Arras" } }),
        "{body}"
    );
    let body = graphql(
        &http,
        &base,
        None,
        "mutation { login(email: \"admin@arras.test\", password: \"not the right password\") { accessToken } }",
        json!({}),
    )
    .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{body}"
    );

    // SIGTERM: a clean stop, promptly, even with the client's connection still open.
    let pid = server.child.id().to_string();
    let kill = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(kill.success(), "kill -TERM {pid}");
    let status = server
        .wait_for_exit(Duration::from_secs(10))
        .await
        .unwrap_or_else(|| {
            panic!(
                "serve still running 10 s after SIGTERM: {}",
                server.stderr()
            )
        });
    assert!(
        status.success(),
        "serve exits with success on SIGTERM, got {status}: {}",
        server.stderr()
    );
    assert!(
        http.get(format!("{base}/healthz")).send().await.is_err(),
        "nothing answers once stopped"
    );
}

async fn serve_needs_a_signing_key(backend: Backend) {
    let (url, _guard) = fresh_database(backend).await;
    for secret in [None, Some("too short")] {
        let port = free_port();
        let mut command = passerelle(&url);
        command.env("PASSERELLE_BIND", format!("127.0.0.1:{port}"));
        if let Some(secret) = secret {
            command.env("PASSERELLE_JWT_SECRET", secret);
        }
        let mut server = serve(command);
        let status = server
            .wait_for_exit(Duration::from_secs(60))
            .await
            .unwrap_or_else(|| panic!("serve with secret {secret:?} should refuse to start"));
        let stderr = server.stderr();
        assert!(!status.success(), "secret {secret:?}: non-zero exit");
        assert!(
            stderr.contains("PASSERELLE_JWT_SECRET"),
            "secret {secret:?}: the message names the variable: {stderr}"
        );
        assert!(
            !stderr.contains("too short"),
            "the secret itself is never printed: {stderr}"
        );
        assert!(
            reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
                .await
                .is_err(),
            "nothing listens"
        );
    }
}

#[test]
fn help_lists_the_subcommands() {
    let output = Command::new(binary())
        .arg("--help")
        .output()
        .expect("run passerelle --help");
    assert!(output.status.success(), "--help exits with success");
    let help = text(&output.stdout);
    for command in ["serve", "migrate", "demo", "admin"] {
        assert!(
            help.lines()
                .any(|line| line.trim_start().starts_with(&format!("{command} "))),
            "`{command}` is listed: {help}"
        );
    }
    let output = Command::new(binary())
        .args(["admin", "--help"])
        .output()
        .expect("run passerelle admin --help");
    assert!(output.status.success());
    assert!(
        text(&output.stdout)
            .lines()
            .any(|line| line.trim_start().starts_with("bootstrap ")),
        "{}",
        text(&output.stdout)
    );
    let output = Command::new(binary())
        .args(["admin", "bootstrap", "--help"])
        .output()
        .expect("run passerelle admin bootstrap --help");
    let help = text(&output.stdout);
    for flag in ["--tenant", "--email", "--password-stdin"] {
        assert!(help.contains(flag), "{flag} in {help}");
    }
    let output = Command::new(binary())
        .arg("no-such-command")
        .output()
        .expect("run passerelle no-such-command");
    assert!(!output.status.success(), "an unknown subcommand fails");
}

/// The README's run command: `passerelle demo` on its embedded default (SQLite under `./data`,
/// mails kept locally) in a fresh directory, then a demo account signs in through the sign-in
/// form and sees its home page and the demo's referrals; the second territory sees none of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_runs_on_its_embedded_default() {
    let dir =
        std::env::temp_dir().join(format!("passerelle-demo-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let port = free_port();
    let log = dir.join("stdout.log");
    let mut command = Command::new(binary());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PASSERELLE_") {
            command.env_remove(key);
        }
    }
    let child = command
        .current_dir(&dir)
        .env("PASSERELLE_BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        // A shorter year of history than the default: this test is about starting, not volume.
        .env("PASSERELLE_DEMO_REFERRALS", "200")
        .arg("demo")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).expect("log"))
        .stderr(Stdio::null())
        .spawn()
        .expect("start the demo");
    let _running = Running {
        child,
        stderr: dir.join("stderr.log"),
    };
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
        .unwrap();
    let started = Instant::now();
    while http
        .get(format!("{base}/readyz"))
        .send()
        .await
        .map(|r| r.status() != 200)
        .unwrap_or(true)
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the demo did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let banner = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        banner.contains("Passerelle-Demo-2026")
            && banner.contains("agent@franceservices-arras.demo"),
        "{banner}"
    );
    assert!(
        dir.join("data/passerelle.db").is_file(),
        "the SQLite file is under ./data"
    );

    let home = http
        .post(format!("{base}/connexion"))
        .form(&[
            ("email", "agent@franceservices-arras.demo"),
            ("password", "Passerelle-Demo-2026"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(home.url().path(), "/");
    assert!(home.text().await.unwrap().contains("Bonjour Julie Accueil"));
    let sent = http
        .get(format!("{base}/orientations/envoyees?statut=toutes"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for service in [
        "Ouverture de droits RSA",
        "Complémentaire santé solidaire",
        "Aides au logement (APL)",
    ] {
        assert!(
            sent.contains(service),
            "the demo's referral to {service} is listed"
        );
    }
    let wrong = http
        .post(format!("{base}/connexion"))
        .form(&[
            ("email", "agent@franceservices-arras.demo"),
            ("password", "pas le bon mot de passe"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("Adresse e-mail ou mot de passe incorrect.")
    );

    // The coordinator finds the year of history on the dashboard: partners, charts, figures.
    let coordinator = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let dashboard = coordinator
        .post(format!("{base}/connexion"))
        .form(&[
            ("email", "coordination@arras.demo"),
            ("password", "Passerelle-Demo-2026"),
            ("suite", "/suivi/tableau-de-bord"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(dashboard.url().path(), "/suivi/tableau-de-bord");
    let html = dashboard.text().await.unwrap();
    for needle in [
        "graphique-delais",
        "graphique-tendance",
        "<th scope=\"row\">CAF du Pas-de-Calais</th>",
        "<th scope=\"row\">MSA Nord-Pas de Calais</th>",
    ] {
        assert!(html.contains(needle), "the dashboard shows {needle}");
    }

    // The second territory's admin sees only its own organisation.
    let login = graphql(
        &http,
        &base,
        None,
        "mutation { login(email: \"admin@lens.demo\", password: \"Passerelle-Demo-2026\") { accessToken } }",
        json!({}),
    )
    .await;
    let token = login["data"]["login"]["accessToken"]
        .as_str()
        .expect("token")
        .to_owned();
    let orgs = graphql(
        &http,
        &base,
        Some(&token),
        "{ organisations { edges { node { name } } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        orgs["data"]["organisations"]["edges"],
        json!([{ "node": { "name": "CCAS de Lens" } }])
    );
    let _ = std::fs::remove_dir_all(&dir);
}
