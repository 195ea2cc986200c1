//! The attacks of the security review, each written as the request that got through before,
//! now refused — one test per finding, on SQLite and PostgreSQL; and the real binary's memory
//! under the unauthenticated probes.

use std::time::Duration;

use passerelle::entities::{consent, notification};
use passerelle_tests::{
    Account, Backend, PASSWORD, TestApp, error_code, error_field, ok, on_both_backends,
    process::{free_port, passerelle, serve},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

on_both_backends!(
    f01_fragment_fan_out_is_refused_before_it_runs,
    f02_concurrent_sign_ins_cannot_outrun_the_limits,
    f03_bodies_and_documents_are_bounded,
    f04_one_sign_in_per_request,
    f05_forms_come_from_this_site_only,
    f06_only_paths_of_this_site_follow_sign_in,
    f07_nobody_changes_an_account_holding_a_role_they_could_not_grant,
    f08_far_dates_are_refused_and_never_panic_a_page,
    f09_signing_out_and_deactivation_end_the_tokens,
    f10_every_response_carries_the_security_headers,
    f11_slow_headers_are_cut_off,
    f12_odd_input_is_bad_input_never_internal,
    f13_no_existence_oracles,
    f14_a_mailbox_is_one_address,
    f15_accounts_made_from_elsewhere_are_recorded_and_told,
);

fn fan_out(levels: usize) -> String {
    let mut doc = String::from("query{...F0}");
    for i in 0..levels {
        doc.push_str(&format!(
            " fragment F{i} on QueryRoot{{...F{n} ...F{n}}}",
            n = i + 1
        ));
    }
    doc.push_str(&format!(" fragment F{levels} on QueryRoot{{__typename}}"));
    doc
}

async fn post_graphql(app: &TestApp, body: String) -> reqwest::Response {
    app.http
        .post(format!("{}/graphql", app.url))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("request")
}

async fn f01_fragment_fan_out_is_refused_before_it_runs(app: TestApp) {
    let doc = fan_out(22);
    assert!(doc.len() < 1_000, "the probe is {} bytes", doc.len());
    let body = app.graphql(None, &doc, json!({})).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert!(body["data"].is_null(), "nothing ran: {body}");
    // A small expansion still runs.
    let body = app.graphql(None, &fan_out(3), json!({})).await;
    assert_eq!(body["data"]["__typename"], "QueryRoot", "{body}");
}

async fn login_from(app: &TestApp, address: &str, email: &str, password: &str) -> Value {
    app.http
        .post(format!("{}/graphql", app.url))
        .header("x-forwarded-for", address)
        .json(&json!({
            "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }",
            "variables": { "e": email, "p": password },
        }))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json")
}

/// How many of these answers checked a password (a wrong one, here).
fn checked(answers: &[Value]) -> usize {
    answers
        .iter()
        .filter(|b| {
            b["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Adresse e-mail ou mot de passe incorrect"))
        })
        .count()
}

async fn f02_concurrent_sign_ins_cannot_outrun_the_limits(app: TestApp) {
    let app = TestApp::spawn_with(app.backend, |c| c.behind_proxy = true).await;
    app.with_tenant("Arras").await;
    // 150 concurrent failures from one address, across accounts: at most 50 are checked.
    let attempts = (0..150).map(|i| {
        let app = &app;
        async move {
            login_from(
                app,
                "203.0.113.9",
                &format!("x{i}@arras.test"),
                "wrong password",
            )
            .await
        }
    });
    let answers = futures_util::future::join_all(attempts).await;
    let seen = checked(&answers);
    assert!(seen <= 50, "{seen} of 150 concurrent attempts were checked");
    assert!(
        answers
            .iter()
            .filter(|b| b["errors"][0]["extensions"]["retryAfter"].is_number())
            .count()
            >= 100,
        "the others are told to come back later"
    );
    // 60 concurrent failures on one account, each from an address of its own: at most 20.
    let attempts = (0..60).map(|i| {
        let app = &app;
        async move {
            login_from(
                app,
                &format!("198.51.100.{i}"),
                "admin@arras.test",
                "wrong password",
            )
            .await
        }
    });
    let answers = futures_util::future::join_all(attempts).await;
    let seen = checked(&answers);
    assert!(
        seen <= 20,
        "{seen} of 60 attempts on one account were checked"
    );
    // The account's usual address still signs in.
    let body = login_from(&app, "127.0.0.1", "admin@arras.test", PASSWORD).await;
    assert!(body["data"]["login"]["accessToken"].is_string(), "{body}");
}

async fn f03_bodies_and_documents_are_bounded(app: TestApp) {
    // 50 MB without a token: refused whole.
    let huge = format!(
        r#"{{"query": "{{ __typename }}", "padding": "{}"}}"#,
        "a".repeat(50 << 20)
    );
    let status = app
        .http
        .post(format!("{}/graphql", app.url))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(413);
    assert_eq!(status, 413);
    // Millions of variables: the body limit stops them before they are parsed.
    let list: Vec<u8> = std::iter::repeat_n(b"1,", 1_000_000)
        .flatten()
        .copied()
        .collect();
    let variables = format!(
        r#"{{"query": "query($l: [Int!]) {{ __typename }}", "variables": {{"l": [{}0]}}}}"#,
        String::from_utf8(list).unwrap()
    );
    let response = post_graphql(&app, variables).await;
    assert_eq!(response.status().as_u16(), 413);
    // A document longer than 32 KiB is refused before parsing.
    let long = format!("{{ __typename }} #{}", "x".repeat(40_000));
    let body = app.graphql(None, &long, json!({})).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    // Forms too.
    let status = app
        .http
        .post(format!("{}/connexion", app.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("email=a%40b.fr&password={}", "p".repeat(2 << 20)))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(413);
    assert_eq!(status, 413);
}

async fn f04_one_sign_in_per_request(app: TestApp) {
    app.with_tenant("Arras").await;
    let fields: String = (0..1000)
        .map(|i| format!("a{i}: login(email: \"admin@arras.test\", password: \"{PASSWORD}\") {{ accessToken }} "))
        .collect();
    let body = app
        .graphql(None, &format!("mutation {{ {fields} }}"), json!({}))
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert!(
        !body.to_string().contains("accessToken\":\""),
        "no token minted"
    );
    // Fragments do not hide a second one.
    let doc = format!(
        "mutation {{ ...L ...L }} fragment L on MutationRoot {{ login(email: \"admin@arras.test\", password: \"{PASSWORD}\") {{ accessToken }} }}"
    );
    let body = app.graphql(None, &doc, json!({})).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
}

/// POSTs a form as `who`, with these extra headers.
async fn post_form(
    app: &TestApp,
    who: &Account,
    path: &str,
    form: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> u16 {
    let mut request = app
        .http
        .post(format!("{}{path}", app.url))
        .header("cookie", format!("passerelle_session={}", who.token))
        .form(form);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("form").status().as_u16()
}

/// The `_csrf` value rendered in a page's forms.
fn csrf_of(html: &str) -> String {
    let start = html.find("name=\"_csrf\" value=\"").expect("a CSRF field") + 20;
    html[start..].split('"').next().unwrap().to_owned()
}

async fn f05_forms_come_from_this_site_only(app: TestApp) {
    let tenant = app.with_tenant("Arras").await;
    let admin = &tenant.admin;
    let other_port = format!("http://127.0.0.1:{}", free_port());
    // The attack: a page elsewhere makes the signed-in admin create a TENANT_ADMIN.
    let attack = [
        ("organisationId", admin.organisation_id.as_str()),
        ("name", "Intrus"),
        ("email", "intrus@evil.example"),
        ("roles", "TENANT_ADMIN"),
        ("password", "le mot de passe de l'attaquant"),
    ];
    for headers in [
        vec![("origin", "http://evil.example")],
        vec![("origin", "null")],
        vec![("origin", other_port.as_str())],
        vec![("sec-fetch-site", "same-site")],
        vec![("sec-fetch-site", "cross-site")],
        vec![],
    ] {
        let status = post_form(&app, admin, "/admin/utilisateurs", &attack, &headers).await;
        assert_eq!(status, 403, "{headers:?}");
    }
    let mut with_wrong_token = attack.to_vec();
    with_wrong_token.push(("_csrf", "0000"));
    assert_eq!(
        post_form(&app, admin, "/admin/utilisateurs", &with_wrong_token, &[]).await,
        403
    );
    assert_eq!(app.count("users").await, 1, "no account was made");
    // From this site: with its Origin, or without headers but with the session's token.
    let (_, html) = app.page(admin, "/admin").await;
    let token = csrf_of(&html);
    let form = [
        ("name", "Mission locale"),
        ("kind", "MISSION_LOCALE"),
        ("_csrf", token.as_str()),
    ];
    assert_eq!(
        post_form(&app, admin, "/admin/organisations", &form, &[]).await,
        303
    );
    let form = [("name", "CCAS"), ("kind", "CCAS")];
    let origin = [("origin", app.url.as_str())];
    assert_eq!(
        post_form(&app, admin, "/admin/organisations", &form, &origin).await,
        303
    );
    assert_eq!(app.count("organisations").await, 3);
}

async fn f06_only_paths_of_this_site_follow_sign_in(app: TestApp) {
    app.with_tenant("Arras").await;
    let page = app
        .http
        .get(format!(
            "{}/connexion?suite=%2F%09%2Fevil.example%2Fphish",
            app.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    // minijinja writes "/" as "&#x2f;" in attributes.
    assert!(
        html.contains(r#"name="suite" value="/""#)
            || html.contains(r#"name="suite" value="&#x2f;""#),
        "{html}"
    );
    for suite in [
        "/\t/evil.example/phish",
        "/\r\nLocation: https://evil.example",
        "//evil.example",
        "/ok\u{0}",
    ] {
        let response = app
            .http
            .post(format!("{}/connexion", app.url))
            .header("origin", app.url.as_str())
            .form(&[
                ("email", "admin@arras.test"),
                ("password", PASSWORD),
                ("suite", suite),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "{suite:?}");
        assert_eq!(response.headers()["location"], "/", "{suite:?}");
    }
    let page = app
        .http
        .get(format!("{}/connexion?suite=%0D%0A%00", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "control characters give no 500");
}

async fn f07_nobody_changes_an_account_holding_a_role_they_could_not_grant(app: TestApp) {
    let tenant = app.with_tenant("Arras").await;
    let admin = &tenant.admin;
    let org = &admin.organisation_id;
    let org_admin = app
        .create_user(admin, org, "direction@arras.test", &["ORG_ADMIN"])
        .await;
    let territory = app
        .create_user(admin, org, "territoire@arras.test", &["TENANT_ADMIN"])
        .await;
    let coordinator = app
        .create_user(admin, org, "coord@arras.test", &["COORDINATOR"])
        .await;
    let agent = app
        .create_user(admin, org, "agent@arras.test", &["AGENT"])
        .await;
    let set = "mutation($id: ID!) { setUserActive(id: $id, active: false) { active } }";
    for target in [&territory, &coordinator] {
        let body = app
            .graphql(Some(&org_admin.token), set, json!({ "id": target.user_id }))
            .await;
        assert_eq!(
            error_code(&body),
            Some("FORBIDDEN"),
            "{}: {body}",
            target.email
        );
    }
    let body = app
        .graphql(Some(&org_admin.token), set, json!({ "id": agent.user_id }))
        .await;
    assert_eq!(ok(&body)["setUserActive"]["active"], false);
    // The page offers the button only where it would work.
    let (_, html) = app.page(&org_admin, "/admin").await;
    assert!(!html.contains(&format!("/admin/utilisateurs/{}/actif", territory.user_id)));
    assert!(!html.contains(&format!(
        "/admin/utilisateurs/{}/actif",
        coordinator.user_id
    )));
    assert!(html.contains(&format!("/admin/utilisateurs/{}/actif", agent.user_id)));
    // The tokens of the protected accounts still work.
    ok(&app
        .graphql(Some(&territory.token), "{ me { id } }", json!({}))
        .await);
}

async fn f08_far_dates_are_refused_and_never_panic_a_page(app: TestApp) {
    let t = app.with_territory("Arras").await;
    let person = app
        .create_person(&t.agent, "Jean", "Martin", "1970-01-15")
        .await;
    let body = app
        .graphql(
            Some(&t.agent.token),
            "mutation($i: RecordConsentInput!) { recordConsent(input: $i) { id } }",
            json!({ "i": { "personId": person, "recipientOrganisationIds": [t.caf.organisation_id],
                           "purposes": ["Droits"], "dataCategories": ["Identité"], "method": "ORAL",
                           "expiresAt": "9999-12-31" } }),
        )
        .await;
    assert_eq!(
        (error_code(&body), error_field(&body)),
        (Some("BAD_USER_INPUT"), Some("expiresAt"))
    );
    // A row that holds such a date anyway (written before the bound, or by hand).
    let id = app
        .record_consent(&t.agent, &person, &[&t.caf.organisation_id], None)
        .await;
    let far = time::macros::datetime!(9999-12-31 23:59:59 UTC);
    consent::Entity::update_many()
        .col_expr(consent::Column::ExpiresAt, Expr::value(Some(far)))
        .filter(consent::Column::Id.eq(id.parse::<uuid::Uuid>().unwrap()))
        .exec(app.db())
        .await
        .unwrap();
    let (status, html) = app.page(&t.agent, &format!("/personnes/{person}")).await;
    assert_eq!(status, 200, "{html}");
}

async fn sign_in_form(app: &TestApp, email: &str) -> String {
    let response = app
        .http
        .post(format!("{}/connexion", app.url))
        .header("origin", app.url.as_str())
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("passerelle_session=")
        .to_owned()
}

async fn f09_signing_out_and_deactivation_end_the_tokens(app: TestApp) {
    let tenant = app.with_tenant("Arras").await;
    let admin = &tenant.admin;
    let me = "{ me { id } }";
    // GraphQL: logout ends the calling token, not the others.
    let other = app.login(&admin.email, PASSWORD).await;
    ok(&app
        .graphql(Some(&other), "mutation { logout }", json!({}))
        .await);
    assert_eq!(
        error_code(&app.graphql(Some(&other), me, json!({})).await),
        Some("UNAUTHENTICATED")
    );
    ok(&app.graphql(Some(&admin.token), me, json!({})).await);
    // The pages: signing out ends the cookie's token, even if someone kept a copy.
    let session = sign_in_form(&app, &admin.email).await;
    ok(&app.graphql(Some(&session), me, json!({})).await);
    let out = app
        .http
        .post(format!("{}/deconnexion", app.url))
        .header("origin", app.url.as_str())
        .header("cookie", format!("passerelle_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    assert_eq!(
        error_code(&app.graphql(Some(&session), me, json!({})).await),
        Some("UNAUTHENTICATED")
    );
    // Deactivation ends them; reactivation does not bring them back.
    let agent = app
        .create_user(
            admin,
            &admin.organisation_id,
            "agent@arras.test",
            &["AGENT"],
        )
        .await;
    let set = "mutation($id: ID!, $a: Boolean!) { setUserActive(id: $id, active: $a) { active } }";
    for active in [false, true] {
        ok(&app
            .graphql(
                Some(&admin.token),
                set,
                json!({ "id": agent.user_id, "a": active }),
            )
            .await);
    }
    assert_eq!(
        error_code(&app.graphql(Some(&agent.token), me, json!({})).await),
        Some("UNAUTHENTICATED"),
        "the token from before the deactivation stays dead"
    );
    let fresh = app.login(&agent.email, PASSWORD).await;
    ok(&app.graphql(Some(&fresh), me, json!({})).await);
}

async fn f10_every_response_carries_the_security_headers(app: TestApp) {
    let t = app.with_territory("Arras").await;
    let response = app
        .http
        .get(format!("{}/personnes", app.url))
        .header("cookie", format!("passerelle_session={}", t.agent.token))
        .send()
        .await
        .unwrap();
    let h = response.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    assert_eq!(h["cache-control"], "no-store", "a page with personal data");
    assert!(
        h.get("strict-transport-security").is_none(),
        "plain http here"
    );
    // GraphiQL works offline: every script and stylesheet comes from this server.
    let page = app
        .http
        .get(format!("{}/graphql", app.url))
        .send()
        .await
        .unwrap();
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    let html = page.text().await.unwrap();
    assert!(
        !html.contains("https://") && !html.contains("http://"),
        "{html}"
    );
    for asset in html.split("\"/static/").skip(1) {
        let path = asset.split('"').next().unwrap();
        let got = app
            .http
            .get(format!("{}/static/{path}", app.url))
            .send()
            .await
            .unwrap();
        assert_eq!(got.status(), 200, "{path}");
        assert!(got.bytes().await.unwrap().len() > 10, "{path}");
    }
    // Behind https, HSTS.
    let secure = TestApp::spawn_with(app.backend, |c| {
        c.public_url = Some("https://passerelle.example".into())
    })
    .await;
    let response = secure
        .http
        .get(format!("{}/connexion", secure.url))
        .send()
        .await
        .unwrap();
    assert!(
        response
            .headers()
            .get("strict-transport-security")
            .is_some()
    );
}

async fn f11_slow_headers_are_cut_off(app: TestApp) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn_with(app.backend, |c| c.header_timeout_ms = 300).await;
    let address = app.url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        .await
        .unwrap();
    // The server closes the connection (answering 408 or not); the bound only keeps a broken
    // server from hanging the suite.
    let mut answer = Vec::new();
    let closed =
        tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer)).await;
    assert!(closed.is_ok(), "the slow client is still connected");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.is_empty() || answer.contains("408"), "{answer}");
    // An ordinary request is unaffected.
    let ok = app
        .http
        .get(format!("{}/healthz", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
}

async fn f12_odd_input_is_bad_input_never_internal(app: TestApp) {
    let t = app.with_territory("Arras").await;
    let person = app
        .create_person(&t.agent, "Jean", "Martin", "1970-01-15")
        .await;
    let long = "e".repeat(100_000);
    let items: Vec<String> = (0..10_000).map(|i| format!("v{i}")).collect();
    let cases: Vec<(&str, &str, Value, &str)> = vec![
        (
            "organisations",
            "query($s: String) { organisations(search: $s) { edges { cursor } } }",
            json!({ "s": "a\u{0}b" }),
            "search",
        ),
        (
            "organisations",
            "query($s: String) { organisations(search: $s) { edges { cursor } } }",
            json!({ "s": long }),
            "search",
        ),
        (
            "services",
            "query($c: String) { services(category: $c) { edges { cursor } } }",
            json!({ "c": "\u{0}" }),
            "category",
        ),
        (
            "people",
            "query($s: String) { people(search: $s) { edges { cursor } } }",
            json!({ "s": "\u{0}" }),
            "search",
        ),
        (
            "recordConsent",
            "mutation($i: RecordConsentInput!) { recordConsent(input: $i) { id } }",
            json!({ "i": { "personId": person, "recipientOrganisationIds": [t.caf.organisation_id],
                           "purposes": ["Droits\u{0}"], "dataCategories": ["Identité"], "method": "ORAL" } }),
            "purposes",
        ),
        (
            "recordConsent",
            "mutation($i: RecordConsentInput!) { recordConsent(input: $i) { id } }",
            json!({ "i": { "personId": person, "recipientOrganisationIds": [t.caf.organisation_id],
                           "purposes": ["Droits"], "dataCategories": ["\u{0}"], "method": "ORAL" } }),
            "dataCategories",
        ),
        (
            "recordConsent",
            "mutation($i: RecordConsentInput!) { recordConsent(input: $i) { id } }",
            json!({ "i": { "personId": person, "recipientOrganisationIds": [t.caf.organisation_id],
                           "purposes": items, "dataCategories": ["Identité"], "method": "ORAL" } }),
            "purposes",
        ),
    ];
    for (what, query, variables, field) in cases {
        let body = app.graphql(Some(&t.agent.token), query, variables).await;
        assert_eq!(
            (error_code(&body), error_field(&body)),
            (Some("BAD_USER_INPUT"), Some(field)),
            "{what}: {body}"
        );
    }
    for path in [
        "/personnes?q=%00",
        "/orientations/nouvelle?personne=x&q=%00",
    ] {
        let (status, _) = app.page(&t.agent, path).await;
        assert!((400..500).contains(&status), "{path}: {status}");
    }
    assert_eq!(app.count("consents").await, 0, "nothing was written");
}

async fn f13_no_existence_oracles(app: TestApp) {
    let a = app.with_territory("Arras").await;
    let b = app.with_territory("Lens").await;
    let create = "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }";
    let user = |email: &str| {
        json!({ "i": { "organisationId": a.caf.organisation_id, "email": email, "name": "X",
                       "roles": ["AGENT"], "password": PASSWORD } })
    };
    // Used in this territory, and used in another: the same answer.
    let here = app
        .graphql(Some(&a.tenant.admin.token), create, user(&a.agent.email))
        .await;
    let there = app
        .graphql(Some(&a.tenant.admin.token), create, user(&b.agent.email))
        .await;
    assert_eq!(error_code(&here), Some("CONFLICT"));
    assert_eq!(
        here["errors"][0]["message"], there["errors"][0]["message"],
        "{here} / {there}"
    );
    assert_eq!(
        here["errors"][0]["extensions"],
        there["errors"][0]["extensions"]
    );
    // Another organisation's consent reads exactly like no consent.
    let person = app
        .create_person(&a.agent, "Jean", "Martin", "1970-01-15")
        .await;
    let outsider_person = app
        .create_person(&a.outsider, "Léa", "Durand", "1980-02-02")
        .await;
    let foreign = app
        .record_consent(
            &a.outsider,
            &outsider_person,
            &[&a.caf.organisation_id],
            None,
        )
        .await;
    let refer = |consent: String| json!({ "i": { "personId": person, "consentId": consent, "serviceId": a.caf_service, "motive": "RSA" } });
    let doc = "mutation($i: CreateReferralInput!) { createReferral(input: $i) { id } }";
    let other_org = app.graphql(Some(&a.agent.token), doc, refer(foreign)).await;
    let none = app
        .graphql(
            Some(&a.agent.token),
            doc,
            refer(uuid::Uuid::now_v7().to_string()),
        )
        .await;
    assert_eq!(error_field(&other_org), Some("consentId"));
    assert_eq!(
        other_org["errors"][0]["message"],
        none["errors"][0]["message"]
    );
    assert_eq!(
        other_org["errors"][0]["extensions"],
        none["errors"][0]["extensions"]
    );
}

async fn f14_a_mailbox_is_one_address(app: TestApp) {
    let tenant = app.with_tenant("Arras").await;
    let before = app.count("organisations").await;
    for mailbox in [
        "bo@caf.fr, intrus@evil.example",
        "bo@caf.fr;x@y.fr",
        "\"bo\"@caf.fr",
        "<bo@caf.fr>",
    ] {
        let body = app
            .graphql(
                Some(&tenant.admin.token),
                "mutation($i: CreateOrganisationInput!) { createOrganisation(input: $i) { id } }",
                json!({ "i": { "name": "CAF", "kind": "CAF", "backOfficeEmail": mailbox } }),
            )
            .await;
        assert_eq!(
            (error_code(&body), error_field(&body)),
            (Some("BAD_USER_INPUT"), Some("backOfficeEmail")),
            "{mailbox}: {body}"
        );
    }
    assert_eq!(app.count("organisations").await, before);
}

async fn f15_accounts_made_from_elsewhere_are_recorded_and_told(app: TestApp) {
    let t = app.with_territory("Arras").await;
    let admin = &t.tenant.admin;
    let caf_admin = app
        .create_user(
            admin,
            &t.caf.organisation_id,
            "direction@caf.test",
            &["ORG_ADMIN"],
        )
        .await;
    let before = app.count("notifications").await;
    let agent = app
        .create_user(
            admin,
            &t.caf.organisation_id,
            "nouvel.agent@caf.test",
            &["AGENT"],
        )
        .await;
    let told = notification::Entity::find()
        .filter(notification::Column::Kind.eq("ACCOUNT_CREATED"))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(app.count("notifications").await, before + 1);
    let mail = told
        .iter()
        .find(|n| n.body_text.contains(&agent.email))
        .expect("the CAF is told");
    assert_eq!(mail.recipients, caf_admin.email, "to the CAF's admins");
    // The CAF's history shows it, and who did it.
    let (_, html) = app.page(&caf_admin, "/admin").await;
    assert!(html.contains("Compte créé"), "{html}");
    assert!(html.contains("administration du territoire"));
    // An org admin making an account in their own organisation tells nobody else.
    let before = app.count("notifications").await;
    app.create_user(
        &caf_admin,
        &t.caf.organisation_id,
        "autre@caf.test",
        &["AGENT"],
    )
    .await;
    assert_eq!(app.count("notifications").await, before);
}

/// The real binary, as the unauthenticated client of the review probed it: it refuses every
/// probe and its memory stays under 200 MB.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_probes_leave_memory_bounded() {
    let (url, _guard) = passerelle_tests::fresh_database(Backend::Sqlite).await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut command = passerelle(&url);
    command
        .env(
            "PASSERELLE_JWT_SECRET",
            "a-test-signing-key-that-is-long-enough-0123456789",
        )
        .env("PASSERELLE_BIND", format!("127.0.0.1:{port}"));
    let server = serve(command);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let mut ready = false;
    for _ in 0..600 {
        if http
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ready, "the server did not start: {}", server.stderr());
    let graphql = |body: String| {
        let http = http.clone();
        let base = base.clone();
        async move {
            http.post(format!("{base}/graphql"))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }
    };
    for _ in 0..20 {
        let status = graphql(json!({ "query": fan_out(22) }).to_string()).await;
        assert_eq!(status, 200, "a GraphQL error, not a crash");
    }
    println!("after the fan-out: {:?} MiB", server.peak_memory_mib());
    for _ in 0..5 {
        graphql(format!(
            r#"{{"query": "{{ __typename }}", "x": "{}"}}"#,
            "a".repeat(50 << 20)
        ))
        .await;
    }
    println!("after the big bodies: {:?} MiB", server.peak_memory_mib());
    let logins = (0..150).map(|i| {
        graphql(
            json!({ "query": format!("mutation {{ login(email: \"x{i}@arras.test\", password: \"wrong password\") {{ accessToken }} }}") })
                .to_string(),
        )
    });
    futures_util::future::join_all(logins).await;
    println!("after the logins: {:?} MiB", server.peak_memory_mib());
    let aliased: String = (0..1000)
        .map(|i| format!("a{i}: login(email: \"x@y.fr\", password: \"z\") {{ accessToken }} "))
        .collect();
    graphql(json!({ "query": format!("mutation {{ {aliased} }}") }).to_string()).await;
    assert_eq!(
        http.get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let peak = server.peak_memory_mib().expect("/proc is readable");
    println!(
        "peak memory under the probes: {peak} MiB, now {:?} MiB",
        server.memory_mib()
    );
    assert!(peak < 200, "peak memory {peak} MiB");
}
