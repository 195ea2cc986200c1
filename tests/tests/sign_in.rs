//! Sign-in: `login` then `me`, every way a token can be wrong, the French message on a wrong
//! password, and the limiter that batches and aliases cannot get around.

use passerelle_tests::{PASSWORD, TestApp, error_code, ok, on_both_backends};
use serde_json::json;

const ME: &str = "{ me { id email name roles organisation { id name } } }";

/// The suite must not depend on the real date: a token issued at a travelled date is checked
/// on the same time line, a year before today as a year after, and so are the sign-in limits.
mod tokens_follow_the_application_clock {
    use passerelle_tests::{Backend, TestApp};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::a_year_either_way(Backend::Sqlite).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::a_year_either_way(Backend::Postgres).await
    }

    pub async fn production_lifetime(backend: Backend) -> TestApp {
        TestApp::spawn_with(backend, |c| c.token_minutes = 60).await
    }
}

async fn a_year_either_way(backend: passerelle_tests::Backend) {
    let year = time::Duration::days(365);
    let today = time::OffsetDateTime::now_utc();
    for (when, base) in [("a year ago", today - year), ("in a year", today + year)] {
        let app = tokens_follow_the_application_clock::production_lifetime(backend).await;
        app.state.clock.travel_to(base);
        let tenant = app.with_tenant("Arras").await;
        let token = &tenant.admin.token;
        let me = |token: String| {
            let app = &app;
            async move { app.graphql(Some(&token), ME, json!({})).await }
        };
        assert_eq!(
            ok(&me(token.clone()).await)["me"]["id"],
            tenant.admin.user_id,
            "{when}: a fresh token works"
        );
        app.state.clock.advance(time::Duration::minutes(55));
        ok(&me(token.clone()).await);
        app.state.clock.advance(time::Duration::minutes(10));
        assert_eq!(
            error_code(&me(token.clone()).await),
            Some("UNAUTHENTICATED"),
            "{when}: expired an hour after it was issued"
        );
        let fresh = app.login(&tenant.admin.email, PASSWORD).await;
        ok(&me(fresh.clone()).await);
        app.state.clock.advance(-time::Duration::hours(2));
        assert_eq!(
            error_code(&me(fresh).await),
            Some("UNAUTHENTICATED"),
            "{when}: a token issued later than now is not yet valid"
        );

        // The per-account limit of failed sign-ins holds for an hour of the same clock.
        let attempt = || async {
            app.graphql(
                None,
                "mutation($e: String!) { login(email: $e, password: \"wrong password here\") { accessToken } }",
                json!({ "e": "nobody@arras.test" }),
            )
            .await
        };
        for _ in 0..20 {
            attempt().await;
        }
        let refused = attempt().await;
        assert!(
            refused["errors"][0]["extensions"]["retryAfter"].is_u64(),
            "{when}: throttled: {refused}"
        );
        app.state.clock.advance(time::Duration::minutes(61));
        let later = attempt().await;
        assert_eq!(error_code(&later), Some("UNAUTHENTICATED"));
        assert!(
            later["errors"][0]["extensions"]["retryAfter"].is_null(),
            "{when}: the window has passed: {later}"
        );
    }
}

on_both_backends!(
    login_then_me,
    bad_tokens_are_unauthenticated,
    wrong_password_is_refused_in_french,
    failed_sign_ins_are_limited_per_operation,
    batches_are_refused,
    a_deactivated_user_is_locked_out_at_once,
    a_form_posted_from_another_site_is_refused
);

async fn login_then_me(app: TestApp) {
    let tenant = app.with_tenant("Arras").await;
    let body = app.graphql(Some(&tenant.admin.token), ME, json!({})).await;
    let me = &ok(&body)["me"];
    assert_eq!(me["id"], tenant.admin.user_id);
    assert_eq!(me["email"], "admin@arras.test");
    assert_eq!(me["roles"], json!(["ORG_ADMIN", "TENANT_ADMIN"]));
    assert_eq!(me["organisation"]["id"], tenant.admin.organisation_id);

    let login = app
        .graphql(
            None,
            "mutation { login(email: \"ADMIN@arras.test \", password: \"correct horse battery staple\") { accessToken expiresAt user { id organisation { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        ok(&login)["login"]["user"]["id"],
        tenant.admin.user_id,
        "emails are matched case-insensitively"
    );
}

async fn bad_tokens_are_unauthenticated(app: TestApp) {
    let tenant = app.with_tenant("Arras").await;
    let tid: uuid::Uuid = tenant.id.parse().unwrap();
    let uid: uuid::Uuid = tenant.admin.user_id.parse().unwrap();
    let now = app.state.clock.now();
    let hour = std::time::Duration::from_secs(3600);

    let (expired, _) = app
        .state
        .auth
        .jwt
        .issue(uid, tid, now - 2 * hour, hour)
        .unwrap();
    let other_key = passerelle::auth::jwt::JwtKeys::new(b"some-other-signing-key-of-32-bytes!!");
    let (foreign, _) = other_key.issue(uid, tid, now, hour).unwrap();
    // Well signed, unexpired, but of no session: refused like the others.
    let (no_session, _) = app.state.auth.jwt.issue(uid, tid, now, hour).unwrap();
    let good = tenant.admin.token.clone();
    let payload = good.split('.').nth(1).unwrap();
    // {"alg":"none","typ":"JWT"}
    let unsigned = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");

    let body = app.graphql(None, ME, json!({})).await;
    assert_eq!(
        error_code(&body),
        Some("UNAUTHENTICATED"),
        "no token: {body}"
    );
    for (what, token) in [
        ("expired", &expired),
        ("other key", &foreign),
        ("alg none", &unsigned),
        ("no session", &no_session),
        ("garbage", &"abc".to_owned()),
    ] {
        let body = app.graphql(Some(token), ME, json!({})).await;
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{what}: {body}");
        assert!(
            body["data"].is_null() || body["data"]["me"].is_null(),
            "{what}: {body}"
        );
    }
    let body = app.graphql(Some(&good), ME, json!({})).await;
    assert_eq!(
        ok(&body)["me"]["id"],
        tenant.admin.user_id,
        "the control token works"
    );
}

async fn wrong_password_is_refused_in_french(app: TestApp) {
    app.with_tenant("Arras").await;
    for email in ["admin@arras.test", "nobody@arras.test"] {
        let body = app
            .graphql(
                None,
                "mutation($e: String!) { login(email: $e, password: \"not the right password\") { accessToken } }",
                json!({ "e": email }),
            )
            .await;
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
        assert_eq!(
            body["errors"][0]["message"], "Adresse e-mail ou mot de passe incorrect.",
            "same answer for {email}"
        );
    }
    let body = app
        .graphql(
            None,
            "mutation { login(email: \"pas-une-adresse\", password: \"x\") { accessToken } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    assert_eq!(body["errors"][0]["extensions"]["field"], "email");
}

async fn failed_sign_ins_are_limited_per_operation(app: TestApp) {
    app.with_tenant("Arras").await;
    // One document, 60 aliased login fields: refused before any password is checked.
    let fields: String = (0..60)
        .map(|i| format!("a{i}: login(email: \"admin@arras.test\", password: \"wrong password {i}\") {{ accessToken }} "))
        .collect();
    let body = app
        .graphql(None, &format!("mutation {{ {fields} }}"), json!({}))
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert!(body["data"].is_null(), "nothing ran: {body}");

    // One attempt a request: the 51st failure from this address is throttled.
    let attempt = |password: String| {
        let app = &app;
        async move {
            app.graphql(
                None,
                "mutation($p: String!) { login(email: \"admin@arras.test\", password: $p) { accessToken } }",
                json!({ "p": password }),
            )
            .await
        }
    };
    for i in 0..50 {
        let body = attempt(format!("wrong password {i}")).await;
        assert!(
            body["errors"][0]["extensions"]["retryAfter"].is_null(),
            "attempt {i}: {body}"
        );
    }
    let body = attempt("wrong password again".into()).await;
    assert!(
        body["errors"][0]["extensions"]["retryAfter"].is_number(),
        "{body}"
    );

    // Even the right password is now refused from this address...
    let body = attempt(PASSWORD.into()).await;
    assert!(
        body["errors"][0]["extensions"]["retryAfter"].is_number(),
        "{body}"
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Trop de tentatives")
    );
}

async fn batches_are_refused(app: TestApp) {
    let batch: Vec<_> = (0..1000)
        .map(|_| json!({ "query": "mutation { login(email: \"admin@arras.test\", password: \"wrong password\") { accessToken } }" }))
        .collect();
    let response = app
        .http
        .post(format!("{}/graphql", app.url))
        .json(&batch)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400, "a JSON batch is refused whole");
}

async fn a_deactivated_user_is_locked_out_at_once(app: TestApp) {
    let tenant = app.with_tenant("Arras").await;
    let admin = &tenant.admin;
    let agent = app
        .create_user(
            admin,
            &admin.organisation_id,
            "agent@arras.test",
            &["AGENT"],
        )
        .await;
    let set =
        "mutation($id: ID!, $a: Boolean!) { setUserActive(id: $id, active: $a) { id active } }";

    let body = app
        .graphql(
            Some(&agent.token),
            set,
            json!({ "id": admin.user_id, "a": false }),
        )
        .await;
    assert_eq!(
        error_code(&body),
        Some("FORBIDDEN"),
        "an agent deactivates no one: {body}"
    );
    let body = app
        .graphql(
            Some(&admin.token),
            set,
            json!({ "id": admin.user_id, "a": false }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "active",
        "nobody locks themselves out: {body}"
    );

    let body = app
        .graphql(
            Some(&admin.token),
            set,
            json!({ "id": agent.user_id, "a": false }),
        )
        .await;
    assert_eq!(ok(&body)["setUserActive"]["active"], false);
    let me = app.graphql(Some(&agent.token), ME, json!({})).await;
    assert_eq!(
        error_code(&me),
        Some("UNAUTHENTICATED"),
        "the token already issued stops working"
    );
    let login = app
        .graphql(None, "mutation($p: String!) { login(email: \"agent@arras.test\", password: $p) { accessToken } }", json!({ "p": PASSWORD }))
        .await;
    assert_eq!(
        error_code(&login),
        Some("UNAUTHENTICATED"),
        "and a new sign-in is refused"
    );

    let body = app
        .graphql(
            Some(&admin.token),
            set,
            json!({ "id": agent.user_id, "a": true }),
        )
        .await;
    assert_eq!(ok(&body)["setUserActive"]["active"], true);
    app.login("agent@arras.test", PASSWORD).await;
}

async fn a_form_posted_from_another_site_is_refused(app: TestApp) {
    app.with_tenant("Arras").await;
    let form = [("email", "admin@arras.test"), ("password", PASSWORD)];
    let post = |site: &'static str| {
        app.http
            .post(format!("{}/connexion", app.url))
            .header("sec-fetch-site", site)
            .form(&form)
            .send()
    };
    let response = post("cross-site").await.unwrap();
    assert_eq!(response.status(), 403);
    let response = post("same-origin").await.unwrap();
    assert_eq!(
        response.status(),
        303,
        "the same form from our own pages signs in"
    );
}
