//! Live events through `subscription referralEvents` over graphql-transport-ws, with a real
//! client library (Python `gql`): the sender's agent follows its referral while the receiver
//! works it — on PostgreSQL from another `serve` process —, a subscriber for another
//! organisation gets an error and nothing, and the connection ends when the token expires.

use std::time::{Duration, Instant};

use passerelle_tests::{
    Backend, TestApp,
    live::Subscriber,
    ok, on_both_backends,
    process::{Running, free_port, passerelle, serve},
};
use serde_json::{Value, json};

on_both_backends!(
    the_sender_follows_the_receivers_work,
    another_organisation_gets_an_error_and_nothing,
    signing_out_ends_the_connection
);

mod the_connection_ends_when_the_token_expires {
    use passerelle_tests::{Backend, TestApp};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = TestApp::spawn_with(Backend::Sqlite, |c| c.token_minutes = 60).await;
        super::the_connection_ends_when_the_token_expires(app).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let app = TestApp::spawn_with(Backend::Postgres, |c| c.token_minutes = 60).await;
        super::the_connection_ends_when_the_token_expires(app).await
    }
}

const WAIT: Duration = Duration::from_secs(20);

/// A second `serve` process on the same database and signing key (another replica).
async fn second_replica(app: &TestApp) -> (Running, String) {
    let port = free_port();
    let mut command = passerelle(&app.state.config.database_url);
    command
        .env("PASSERELLE_BIND", format!("127.0.0.1:{port}"))
        .env(
            "PASSERELLE_JWT_SECRET",
            app.state
                .config
                .jwt_secret
                .as_ref()
                .expect("secret")
                .expose(),
        )
        .env("PASSERELLE_WORKER", "false");
    let mut server = serve(command);
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    loop {
        if let Some(status) = server.child.try_wait().expect("try_wait") {
            panic!("serve exited early with {status}: {}", server.stderr());
        }
        match app.http.get(format!("{base}/healthz")).send().await {
            Ok(response) if response.status() == 200 => break,
            _ if started.elapsed() > Duration::from_secs(60) => {
                panic!("/healthz never answered: {}", server.stderr())
            }
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    (server, base)
}

/// A referral from the territory's desk to the CAF; returns its id.
async fn referral(app: &TestApp, t: &passerelle_tests::territory::Territory) -> String {
    let person = app
        .create_person(&t.agent, "Élodie", "Dupont", "1984-07-02")
        .await;
    let consent = app
        .record_consent(&t.agent, &person, &[&t.caf.organisation_id], None)
        .await;
    let body = app
        .send_referral(&t.agent, &person, &consent, &t.caf_service, "STANDARD")
        .await;
    ok(&body)["createReferral"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn act_at(app: &TestApp, base: &str, token: &str, mutation: &str, id: &str) -> Value {
    let response = app
        .http
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&json!({
            "query": format!("mutation($id: ID!) {{ r: {mutation}(id: $id) {{ id status }} }}"),
            "variables": { "id": id },
        }))
        .send()
        .await
        .expect("graphql");
    response.json().await.expect("json")
}

async fn the_sender_follows_the_receivers_work(app: TestApp) {
    let t = app.with_territory("Arras").await;
    let id = referral(&app, &t).await;
    // On PostgreSQL the receiver works through another replica: the events cross processes.
    let replica = match app.backend {
        Backend::Postgres => Some(second_replica(&app).await),
        Backend::Sqlite => None,
    };
    let base = replica
        .as_ref()
        .map_or(app.url.clone(), |(_, base)| base.clone());

    let mut agent = Subscriber::start(&app.url, &t.agent.token, &t.agent.organisation_id);
    let mut outsider = Subscriber::start(&app.url, &t.outsider.token, &t.outsider.organisation_id);
    app.wait_for_subscribers(2).await;

    for mutation in ["acknowledgeReferral", "acceptReferral"] {
        let r = act_at(&app, &base, &t.caf.token, mutation, &id).await;
        assert!(r["errors"].is_null(), "{mutation}: {r}");
    }
    let mut seen = Vec::new();
    for _ in 0..2 {
        let line = agent.next_news(WAIT).await.expect("an event within 20 s");
        seen.push(line["event"].clone());
    }
    assert_eq!(
        seen.iter()
            .map(|e| (
                e["referralId"].as_str().unwrap_or_default().to_owned(),
                e["kind"].as_str().unwrap_or_default().to_owned(),
                e["fromStatus"].clone(),
                e["toStatus"].clone(),
                e["sequence"].as_i64().unwrap_or_default(),
            ))
            .collect::<Vec<_>>(),
        vec![
            (
                id.clone(),
                "ACKNOWLEDGE".into(),
                json!("SENT"),
                json!("ACKNOWLEDGED"),
                2
            ),
            (
                id.clone(),
                "ACCEPT".into(),
                json!("ACKNOWLEDGED"),
                json!("ACCEPTED"),
                3
            ),
        ],
        "the sender's agent hears both steps, in order, with the timeline's ranks"
    );
    assert!(seen.iter().all(|e| e["at"].is_string()));
    // The timeline agrees with the sequence numbers.
    let read = app.read_referral(&t.agent, &id).await;
    assert_eq!(
        ok(&read)["referral"]["timeline"].as_array().map(Vec::len),
        Some(3)
    );

    // An organisation that takes no part in the referral hears nothing of it.
    let heard = outsider.drain(Duration::from_millis(500)).await;
    assert!(
        heard.iter().all(|l| l.get("event").is_none()),
        "the outsider heard {heard:?}"
    );
    drop(replica);
}

async fn another_organisation_gets_an_error_and_nothing(app: TestApp) {
    let t = app.with_territory("Arras").await;
    // The desk's agent asks for the CAF's events.
    let mut intruder = Subscriber::start(&app.url, &t.agent.token, &t.caf.organisation_id);
    let line = intruder.next_news(WAIT).await.expect("an answer");
    assert!(line.get("error").is_some(), "an error: {line}");
    assert_eq!(
        line["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{line}"
    );
    // A wrong token is refused at connection_init.
    let mut stranger = Subscriber::start(&app.url, "not-a-token", &t.caf.organisation_id);
    let line = stranger.next_news(WAIT).await.expect("an answer");
    assert!(
        line.get("closed").is_some() || line.get("error").is_some(),
        "{line}"
    );

    let id = referral(&app, &t).await;
    let r = app.act(&t.caf, "acknowledgeReferral", &id, "").await;
    ok(&r);
    let heard = intruder.drain(Duration::from_millis(500)).await;
    assert!(
        heard.iter().all(|l| l.get("event").is_none()),
        "no event after the refusal: {heard:?}"
    );

    // A browser page of another site may not open the socket at all.
    let refused = app
        .http
        .get(format!("{}/graphql/ws", app.url))
        .header("origin", "https://evil.example")
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .header("sec-websocket-protocol", "graphql-transport-ws")
        .send()
        .await
        .expect("upgrade request");
    assert_eq!(refused.status(), 403);
}

async fn the_connection_ends_when_the_token_expires(app: TestApp) {
    let t = app.with_territory("Arras").await;
    let mut agent = Subscriber::start(&app.url, &t.agent.token, &t.agent.organisation_id);
    app.wait_for_subscribers(1).await;
    app.state.clock.advance(time::Duration::minutes(30));
    let id = referral(&app, &t).await;
    let line = agent.next_news(WAIT).await.expect("the creation");
    assert_eq!(line["event"]["referralId"], id.as_str(), "{line}");
    assert_eq!(line["event"]["kind"], "CREATE");
    assert_eq!(line["event"]["sequence"], 1);

    // An hour after signing in, on the application clock, the token has expired.
    app.state.clock.advance(time::Duration::minutes(31));
    let line = agent
        .next_news(WAIT)
        .await
        .expect("the server closes the connection");
    assert_eq!(line["closed"], 4401, "{line}");
}

async fn signing_out_ends_the_connection(app: TestApp) {
    let t = app.with_territory("Arras").await;
    let token = app.login(&t.agent.email, passerelle_tests::PASSWORD).await;
    let mut agent = Subscriber::start(&app.url, &token, &t.agent.organisation_id);
    app.wait_for_subscribers(1).await;
    let out = app
        .graphql(Some(&token), "mutation { logout }", json!({}))
        .await;
    assert_eq!(ok(&out)["logout"], true);
    // The next line finds the session ended: no event, the connection is closed.
    referral(&app, &t).await;
    let line = agent
        .next_news(WAIT)
        .await
        .expect("the server closes the connection");
    assert_eq!(line["closed"], 4401, "{line}");
}
