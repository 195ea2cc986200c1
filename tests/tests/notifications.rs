//! Notifications: the outbox delivers to a real SMTP server (aiosmtpd), survives the server's
//! outage and the process's crash without losing or duplicating a mail under a new id, writes
//! nothing for a change that failed, gives up at once on a permanent refusal, and shows all of it
//! to the admins.

use std::{
    collections::{HashMap, HashSet},
    future::Future,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use passerelle::{
    Config,
    config::Secret,
    notifications::{self, NewMail, RenderedMail},
};
use passerelle_tests::{
    Backend, TestApp, error_code, fresh_database, ok,
    smtp::{SmtpOptions, SmtpServer, distinct_ids},
};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait};
use serde_json::{Value, json};

/// Runs `async fn $name(backend: Backend)` once on SQLite and once on PostgreSQL.
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite() {
                    super::$name(passerelle_tests::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    super::$name(passerelle_tests::Backend::Postgres).await
                }
            }
        )+
    };
}

on_both_backends!(
    invitation_mail_sets_the_password_once,
    nothing_is_lost_while_the_mail_server_is_down,
    a_failed_change_leaves_no_mail,
    a_permanent_refusal_is_dead_at_once_and_can_be_retried,
    the_local_mailbox_shows_every_mail,
    crash_mid_batch_redelivers_with_the_same_message_id,
    one_worker_throughput,
);

const CREATE_USER: &str = "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }";
const LIST: &str = "query($s: [NotificationStatus!]) { notifications(first: 100, status: $s) {
    edges { node { id kind status recipients subject attempts lastError createdAt sentAt referralId messageId } }
    pageInfo { hasNextPage endCursor } } }";
const RETRY: &str =
    "mutation($id: ID!) { retryNotification(id: $id) { id status attempts lastError } }";

/// An app that mails to `smtp`, retrying quickly (so an outage test takes seconds).
async fn mailing_app(backend: Backend, smtp: &SmtpServer) -> TestApp {
    let url = smtp.url();
    TestApp::spawn_with(backend, |c| {
        c.smtp_url = Some(Secret::new(url));
        quick(c);
    })
    .await
}

fn quick(c: &mut Config) {
    c.mail_poll_ms = 50;
    c.mail_backoff_ms = 100;
    c.mail_backoff_max_ms = 400;
    c.mail_max_attempts = 1_000;
}

async fn invite(app: &TestApp, token: &str, organisation_id: &str, email: &str) -> Value {
    app.graphql(
        Some(token),
        CREATE_USER,
        json!({ "i": { "organisationId": organisation_id, "email": email, "name": "Camille Martin",
                       "roles": ["AGENT"] } }),
    )
    .await
}

/// Rows per status.
async fn statuses(db: &DatabaseConnection) -> HashMap<String, i64> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT status, COUNT(*) AS n FROM notifications GROUP BY status",
        ))
        .await
        .expect("status query");
    rows.iter()
        .map(|r| {
            (
                r.try_get::<String>("", "status").unwrap(),
                r.try_get::<i64>("", "n").unwrap(),
            )
        })
        .collect()
}

async fn sum_attempts(db: &DatabaseConnection) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT CAST(COALESCE(SUM(attempts), 0) AS BIGINT) AS n FROM notifications",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

async fn message_ids(db: &DatabaseConnection) -> HashSet<String> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT message_id FROM notifications",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.try_get::<String>("", "message_id").unwrap())
        .collect()
}

/// Polls `check` until it holds; panics with `what` after `timeout`.
async fn eventually<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < timeout, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn all_sent(db: &DatabaseConnection, n: i64, timeout: Duration) {
    eventually(&format!("{n} mails sent"), timeout, || async {
        statuses(db).await.get("SENT").copied().unwrap_or(0) == n
    })
    .await;
}

/// The link of a mail's text part that starts with `prefix`.
fn link_in(text: &str, prefix: &str) -> String {
    let start = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in {text}"));
    text[start..].split_whitespace().next().unwrap().to_owned()
}

async fn invitation_mail_sets_the_password_once(backend: Backend) {
    let smtp = SmtpServer::start(SmtpOptions::default()).await;
    let app = mailing_app(backend, &smtp).await;
    let _worker = app.start_worker();
    let tenant = app.with_tenant("Arras").await;
    let admin = &tenant.admin;
    ok(&invite(
        &app,
        &admin.token,
        &admin.organisation_id,
        "camille@arras.test",
    )
    .await);

    let mail = smtp.wait_for(1, Duration::from_secs(20)).await.remove(0);
    assert_eq!(mail.rcpt_tos, ["camille@arras.test"]);
    assert!(mail.to.contains("camille@arras.test"), "{mail:?}");
    assert!(mail.from.contains("ne-pas-repondre@"), "{mail:?}");
    assert_eq!(
        mail.subject,
        "Votre compte Passerelle : choisissez votre mot de passe"
    );
    let text = mail.text.as_deref().expect("a plain-text part");
    assert!(text.contains("Bonjour Camille Martin"), "{text}");
    let link = link_in(text, &format!("{}/invitation/", app.url));
    assert!(
        mail.html.as_deref().expect("an HTML part").contains(&link),
        "the HTML part carries the same link"
    );
    // The row says what happened, and the mail's Message-ID is the row's. The server has the
    // mail a moment before the worker records it as sent.
    all_sent(app.db(), 1, Duration::from_secs(10)).await;
    let list = app.graphql(Some(&admin.token), LIST, json!({})).await;
    let node = &ok(&list)["notifications"]["edges"][0]["node"];
    assert_eq!(node["kind"], "INVITATION");
    assert_eq!(node["status"], "SENT");
    assert_eq!(node["attempts"], 1);
    assert_eq!(node["recipients"], json!(["camille@arras.test"]));
    assert_eq!(node["messageId"], mail.message_id.as_str());
    assert!(node["sentAt"].is_string());

    // No password yet: nothing signs in.
    let refused = app
        .graphql(
            None,
            "mutation { login(email: \"camille@arras.test\", password: \"x\") { accessToken } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&refused), Some("UNAUTHENTICATED"));

    let page = app.http.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("camille@arras.test"));
    let weak = app
        .http
        .post(&link)
        .form(&[("password", "court"), ("confirmation", "court")])
        .send()
        .await
        .unwrap();
    assert_eq!(weak.status(), 400);
    let body = weak.text().await.unwrap();
    assert!(
        body.contains("id=\"invitation-password-error\"")
            && body.contains("au moins 12 caractères"),
        "the error is shown beside the field: {body}"
    );
    let chosen = "une phrase de passe bien à moi";
    let set = app
        .http
        .post(&link)
        .form(&[("password", chosen), ("confirmation", chosen)])
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 303);
    assert_eq!(set.headers()["location"], "/connexion?fait=invitation");
    let sign_in_page = app
        .http
        .get(format!("{}/connexion?fait=invitation", app.url))
        .send()
        .await
        .unwrap();
    assert!(
        sign_in_page
            .text()
            .await
            .unwrap()
            .contains("Votre mot de passe est enregistré")
    );
    app.login("camille@arras.test", chosen).await;

    // The link works once.
    for again in [
        app.http.get(&link).send().await.unwrap(),
        app.http
            .post(&link)
            .form(&[
                ("password", "another long passphrase"),
                ("confirmation", "another long passphrase"),
            ])
            .send()
            .await
            .unwrap(),
    ] {
        assert_eq!(again.status(), 404);
        assert!(again.text().await.unwrap().contains("n'est plus valable"));
    }
    app.login("camille@arras.test", chosen).await;
    let unknown = app
        .http
        .get(format!("{}/invitation/{}", app.url, "0".repeat(64)))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

async fn nothing_is_lost_while_the_mail_server_is_down(backend: Backend) {
    const N: usize = 200;
    let mut smtp = SmtpServer::start(SmtpOptions::default()).await;
    smtp.stop().await;
    let app = mailing_app(backend, &smtp).await;
    let _worker = app.start_worker();
    // 200 referrals sent while the mail server is down: each owes the CAF's mailbox a mail.
    let t = app.with_territory("Arras").await;
    let admin = &t.tenant.admin;
    let person = app
        .create_person(&t.agent, "Jean", "Martin", "1970-01-15")
        .await;
    let consent = app
        .record_consent(&t.agent, &person, &[&t.caf.organisation_id], None)
        .await;
    for _ in 0..N {
        ok(&app
            .send_referral(&t.agent, &person, &consent, &t.caf_service, "STANDARD")
            .await);
    }
    // Every mail is kept and has been tried; none is sent, none given up.
    eventually("every mail tried", Duration::from_secs(60), || async {
        let s = statuses(app.db()).await;
        s.get("FAILED").copied().unwrap_or(0) == N as i64
    })
    .await;
    let s = statuses(app.db()).await;
    assert_eq!(s.len(), 1, "only FAILED rows: {s:?}");
    assert!(sum_attempts(app.db()).await >= N as i64);
    let failed = app
        .graphql(Some(&admin.token), LIST, json!({ "s": ["FAILED"] }))
        .await;
    let node = &ok(&failed)["notifications"]["edges"][0]["node"];
    assert!(node["attempts"].as_i64().unwrap() >= 1);
    assert!(node["lastError"].is_string(), "{node}");
    assert!(smtp.messages().is_empty());

    smtp.restart().await;
    all_sent(app.db(), N as i64, Duration::from_secs(60)).await;
    // Give a duplicate, if any, the time to show up.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = smtp.messages();
    assert_eq!(received.len(), N, "each mail delivered exactly once");
    assert_eq!(distinct_ids(&received).len(), N);
    assert_eq!(distinct_ids(&received), message_ids(app.db()).await);
    let mailbox = passerelle_tests::fixtures::mailbox_of("CAF Arras");
    assert!(
        received.iter().all(|m| m.rcpt_tos == [mailbox.clone()]),
        "all to the CAF's mailbox"
    );
    let sent = app
        .graphql(Some(&admin.token), LIST, json!({ "s": ["SENT"] }))
        .await;
    let node = &ok(&sent)["notifications"]["edges"][0]["node"];
    assert!(
        node["attempts"].as_i64().unwrap() >= 2,
        "the failed attempts are recorded: {node}"
    );
    assert!(node["lastError"].is_null());
}

fn sample_mail(tenant: &str, dedup_key: Option<String>, to: &str) -> NewMail {
    NewMail {
        tenant_id: domain::TenantId::from_uuid(tenant.parse().unwrap()),
        organisation_id: None,
        kind: passerelle::notifications::MailKind::ReferralCreated,
        recipients: vec![to.to_owned()],
        rendered: RenderedMail {
            subject: "Nouvelle orientation pour « Accès aux droits »".into(),
            text: "Bonjour,\n\nUne nouvelle orientation.\n".into(),
            html: "<p>Bonjour,</p><p>Une nouvelle orientation.</p>".into(),
        },
        referral_id: Some(uuid::Uuid::now_v7()),
        dedup_key,
        in_app: false,
    }
}

async fn a_failed_change_leaves_no_mail(backend: Backend) {
    let smtp = SmtpServer::start(SmtpOptions::default()).await;
    let app = mailing_app(backend, &smtp).await;
    let tenant = app.with_tenant("Arras").await;
    let admin = &tenant.admin;
    let duplicate = invite(
        &app,
        &admin.token,
        &admin.organisation_id,
        "admin@arras.test",
    )
    .await;
    assert_eq!(error_code(&duplicate), Some("CONFLICT"), "{duplicate}");
    let bad_role = app
        .graphql(
            Some(&admin.token),
            CREATE_USER,
            json!({ "i": { "organisationId": admin.organisation_id, "email": "x@arras.test",
                           "name": "X", "roles": [] } }),
        )
        .await;
    assert_eq!(error_code(&bad_role), Some("BAD_USER_INPUT"), "{bad_role}");
    assert_eq!(app.count("notifications").await, 0);
    assert_eq!(app.count("invitations").await, 0);

    // The outbox row belongs to its transaction: rolled back, it is gone.
    let now = time::OffsetDateTime::now_utc();
    let txn = app.db().begin().await.unwrap();
    assert!(
        notifications::enqueue(&txn, sample_mail(&tenant.id, None, "bo@arras.test"), now)
            .await
            .unwrap()
    );
    txn.rollback().await.unwrap();
    assert_eq!(app.count("notifications").await, 0);

    // A stage is written once per key; no recipient, no row.
    let key = Some("referral:1:reminder".to_owned());
    let db = app.db();
    assert!(
        notifications::enqueue(
            db,
            sample_mail(&tenant.id, key.clone(), "bo@arras.test"),
            now
        )
        .await
        .unwrap()
    );
    assert!(
        !notifications::enqueue(db, sample_mail(&tenant.id, key, "bo@arras.test"), now)
            .await
            .unwrap()
    );
    assert!(
        !notifications::enqueue(db, sample_mail(&tenant.id, None, " "), now)
            .await
            .unwrap()
    );
    assert_eq!(app.count("notifications").await, 1);

    let _worker = app.start_worker();
    all_sent(app.db(), 1, Duration::from_secs(20)).await;
    assert_eq!(smtp.wait_for(1, Duration::from_secs(5)).await.len(), 1);
}

async fn a_permanent_refusal_is_dead_at_once_and_can_be_retried(backend: Backend) {
    let smtp = SmtpServer::start(SmtpOptions {
        reject: Some("refuse".into()),
        ..Default::default()
    })
    .await;
    let app = mailing_app(backend, &smtp).await;
    let _worker = app.start_worker();
    let tenant = app.with_tenant("Arras").await;
    let admin = &tenant.admin;
    ok(&invite(
        &app,
        &admin.token,
        &admin.organisation_id,
        "refuse@arras.test",
    )
    .await);
    eventually("the mail dead", Duration::from_secs(20), || async {
        statuses(app.db()).await.contains_key("DEAD")
    })
    .await;

    let dead = app
        .graphql(Some(&admin.token), LIST, json!({ "s": ["DEAD"] }))
        .await;
    let edges = ok(&dead)["notifications"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(edges.len(), 1);
    let node = &edges[0]["node"];
    assert_eq!(node["attempts"], 1, "a 5xx is not retried: {node}");
    assert!(
        node["lastError"].as_str().unwrap().contains("550"),
        "{node}"
    );
    // The admins are told in the app, not by mail.
    let notice = app
        .graphql(Some(&admin.token), LIST, json!({ "s": ["IN_APP"] }))
        .await;
    let notice = &ok(&notice)["notifications"]["edges"][0]["node"];
    assert_eq!(notice["kind"], "DELIVERY_FAILED");
    assert!(
        notice["subject"]
            .as_str()
            .unwrap()
            .starts_with("Courriel non distribué")
    );
    let page = app
        .http
        .get(format!("{}/admin/courriels?statut=DEAD", app.url))
        .header("cookie", format!("passerelle_session={}", admin.token))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Abandonné") && html.contains("Renvoyer"),
        "{html}"
    );

    // Someone else's territory cannot see or retry it; an agent may not list at all.
    let other = app.with_tenant("Lens").await;
    let id = node["id"].as_str().unwrap();
    let foreign = app
        .graphql(Some(&other.admin.token), RETRY, json!({ "id": id }))
        .await;
    assert_eq!(error_code(&foreign), Some("NOT_FOUND"), "{foreign}");
    let foreign_list = app.graphql(Some(&other.admin.token), LIST, json!({})).await;
    assert_eq!(
        ok(&foreign_list)["notifications"]["edges"],
        json!([]),
        "nothing of another tenant"
    );
    let agent = app
        .create_user(
            admin,
            &admin.organisation_id,
            "agent@arras.test",
            &["AGENT"],
        )
        .await;
    let forbidden = app.graphql(Some(&agent.token), LIST, json!({})).await;
    assert_eq!(error_code(&forbidden), Some("FORBIDDEN"));

    let retried = app
        .graphql(Some(&admin.token), RETRY, json!({ "id": id }))
        .await;
    let retried = &ok(&retried)["retryNotification"];
    assert_eq!(retried["status"], "PENDING");
    assert_eq!(retried["attempts"], 0);
    // Tried again (and refused again): a second attempt count of 1, a second notice.
    eventually("dead again", Duration::from_secs(20), || async {
        statuses(app.db()).await.get("IN_APP").copied() == Some(2)
    })
    .await;
    let again = app
        .graphql(Some(&admin.token), RETRY, json!({ "id": id }))
        .await;
    assert_eq!(ok(&again)["retryNotification"]["status"], "PENDING");
    assert!(smtp.messages().is_empty());
}

async fn the_local_mailbox_shows_every_mail(backend: Backend) {
    // No SMTP URL: the embedded default keeps mails in the app.
    let app = TestApp::spawn_with(backend, quick).await;
    let _worker = app.start_worker();
    let tenant = app.with_tenant("Arras").await;
    let admin = &tenant.admin;
    ok(&invite(
        &app,
        &admin.token,
        &admin.organisation_id,
        "camille@arras.test",
    )
    .await);
    all_sent(app.db(), 1, Duration::from_secs(20)).await;
    let cookie = format!("passerelle_session={}", admin.token);
    let list = app
        .http
        .get(format!("{}/admin/courriels", app.url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("Votre compte Passerelle"), "{list}");
    // Kept here, not sent: the page does not pretend it left.
    assert!(list.contains("Conservé (non envoyé)"), "{list}");
    assert!(!list.contains(">Envoyé<"), "{list}");
    assert!(list.contains(">Courriels</a>"), "a Courriels menu item");
    let start = list
        .find("href=\"/admin/courriels/")
        .expect("a link to the mail")
        + 6;
    let href = &list[start..start + list[start..].find('"').unwrap()];
    let mail = app
        .http
        .get(format!("{}{href}", app.url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(mail.status(), 200);
    // minijinja escapes `/` in HTML; a browser shows it as a slash.
    let mail = mail.text().await.unwrap().replace("&#x2f;", "/");
    assert!(mail.contains(&format!("{}/invitation/", app.url)), "{mail}");
    assert!(mail.contains("camille@arras.test"));
    assert!(mail.contains("Conservé (non envoyé)"));
}

// --- The real binary: crash and throughput ---------------------------------------------------

const JWT_SECRET: &str = "a-test-signing-key-that-is-long-enough-0123456789";

/// `target/debug/passerelle` (the test command builds it first).
fn binary() -> PathBuf {
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

/// `passerelle serve` on a free port, mailing to `smtp_url`.
fn serve(database_url: &str, smtp_url: &str, batch: u64) -> Child {
    Command::new(binary())
        .arg("serve")
        .env("PASSERELLE_DATABASE_URL", database_url)
        .env("PASSERELLE_BIND", "127.0.0.1:0")
        .env("PASSERELLE_JWT_SECRET", JWT_SECRET)
        .env("PASSERELLE_SMTP_URL", smtp_url)
        .env("PASSERELLE_MAIL_POLL_MS", "50")
        .env("PASSERELLE_MAIL_BATCH", batch.to_string())
        .env("PASSERELLE_MAIL_BACKOFF_MS", "100")
        .env("PASSERELLE_MAIL_LEASE_SECS", "3")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start passerelle serve")
}

/// A migrated database with one tenant and `n` mails in its outbox.
async fn outbox_of(
    backend: Backend,
    n: usize,
) -> (String, passerelle_tests::DatabaseGuard, DatabaseConnection) {
    let (url, guard) = fresh_database(backend).await;
    let db = passerelle::db::connect(&url).await.unwrap();
    passerelle::db::migrate(&db).await.unwrap();
    let tenant = passerelle::auth::bootstrap::bootstrap(
        &db,
        "Arras",
        "admin@arras.test",
        "Admin",
        passerelle_tests::PASSWORD,
        time::OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    let now = time::OffsetDateTime::now_utc();
    let txn = db.begin().await.unwrap();
    for i in 0..n {
        let mail = sample_mail(
            &tenant.tenant_id.to_string(),
            None,
            &format!("bo{i}@arras.test"),
        );
        assert!(notifications::enqueue(&txn, mail, now).await.unwrap());
    }
    txn.commit().await.unwrap();
    (url, guard, db)
}

fn kill(child: &mut Child) {
    // SIGKILL: no shutdown hook runs, claimed mails stay leased.
    let _ = child.kill();
    let _ = child.wait();
}

async fn crash_mid_batch_redelivers_with_the_same_message_id(backend: Backend) {
    const N: usize = 300;
    let smtp = SmtpServer::start(SmtpOptions {
        delay_ms: 20,
        ..Default::default()
    })
    .await;
    let (url, _guard, db) = outbox_of(backend, N).await;
    let mut first = serve(&url, &smtp.url(), 50);
    smtp.wait_for(60, Duration::from_secs(60)).await;
    kill(&mut first);
    let before = smtp.messages().len();
    let s = statuses(&db).await;
    assert!(
        before < N,
        "killed mid-delivery: {before} of {N} received, {s:?}"
    );

    let started = Instant::now();
    let mut second = serve(&url, &smtp.url(), 50);
    all_sent(&db, N as i64, Duration::from_secs(120)).await;
    kill(&mut second);
    let received = smtp.messages();
    let ids = distinct_ids(&received);
    assert_eq!(ids.len(), N, "every mail delivered");
    assert!(
        ids.is_subset(&message_ids(&db).await),
        "each Message-ID is one of the rows'"
    );
    println!(
        "crash test ({backend:?}): {before} mails received before SIGKILL; after restart all {N} sent in {:.1} s; {} duplicate(s), each with its row's Message-ID",
        started.elapsed().as_secs_f64(),
        received.len() - N
    );
}

async fn one_worker_throughput(backend: Backend) {
    const N: usize = 500;
    let smtp = SmtpServer::start(SmtpOptions::default()).await;
    let (url, _guard, db) = outbox_of(backend, N).await;
    let started = Instant::now();
    let mut worker = serve(&url, &smtp.url(), 50);
    all_sent(&db, N as i64, Duration::from_secs(120)).await;
    let elapsed = started.elapsed().as_secs_f64();
    kill(&mut worker);
    assert_eq!(smtp.messages().len(), N);
    println!(
        "throughput ({backend:?}): one worker delivered {N} mails to aiosmtpd in {elapsed:.2} s = {:.0} mails/s (process start included)",
        N as f64 / elapsed
    );
}

/// Two `passerelle serve` processes against one PostgreSQL database share the outbox: every
/// mail goes out once (`FOR UPDATE SKIP LOCKED`, and the lease).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_deliver_each_mail_once() {
    const N: usize = 500;
    let smtp = SmtpServer::start(SmtpOptions {
        delay_ms: 5,
        ..Default::default()
    })
    .await;
    let (url, _guard, db) = outbox_of(Backend::Postgres, N).await;
    let mut a = serve(&url, &smtp.url(), 20);
    let mut b = serve(&url, &smtp.url(), 20);
    all_sent(&db, N as i64, Duration::from_secs(120)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    kill(&mut a);
    kill(&mut b);
    let received = smtp.messages();
    assert_eq!(distinct_ids(&received).len(), N);
    assert_eq!(received.len(), N, "no mail delivered twice");
    assert_eq!(sum_attempts(&db).await, N as i64, "each mail tried once");
}
