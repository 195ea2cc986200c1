//! A partner system's view: machine clients and their tokens (`POST /oauth/token`, RFC 6749
//! §4.4), what a client token may do, revocation, and the client named on the timeline.

use passerelle_tests::{Account, TestApp, error_code, ok, on_both_backends, territory::Territory};
use serde_json::{Value, json};

/// An API client created by `admin` for `organisation`: (client id, secret).
async fn create_client(
    app: &TestApp,
    admin: &Account,
    organisation: &str,
    name: &str,
    roles: &[&str],
) -> (String, String) {
    let body = app
        .graphql(
            Some(&admin.token),
            "mutation($i: CreateApiClientInput!) { createApiClient(input: $i) { clientId clientSecret client { name roles } } }",
            json!({ "i": { "organisationId": organisation, "name": name, "roles": roles } }),
        )
        .await;
    let created = &ok(&body)["createApiClient"];
    (
        created["clientId"].as_str().expect("client id").to_owned(),
        created["clientSecret"]
            .as_str()
            .expect("client secret")
            .to_owned(),
    )
}

/// POSTs a form to the token endpoint, with HTTP Basic credentials when given.
async fn token_request(
    app: &TestApp,
    basic: Option<(&str, &str)>,
    form: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = app.http.post(format!("{}/oauth/token", app.url)).form(form);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let response = request.send().await.expect("token request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.json().await.expect("JSON answer"))
}

/// A token for the client, by HTTP Basic.
async fn client_token(app: &TestApp, id: &str, secret: &str) -> String {
    let (status, _, body) = token_request(
        app,
        Some((id, secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().expect("token").to_owned()
}

fn client_of(token: &str, organisation: &str) -> Account {
    Account {
        email: String::new(),
        user_id: String::new(),
        organisation_id: organisation.to_owned(),
        token: token.to_owned(),
    }
}

/// A client of the France Services desk, with the AGENT role, and its token.
async fn desk_client(app: &TestApp, t: &Territory) -> (String, String, Account) {
    let (id, secret) = create_client(
        app,
        &t.tenant.admin,
        &t.agent.organisation_id,
        "Logiciel du guichet",
        &["AGENT"],
    )
    .await;
    let token = client_token(app, &id, &secret).await;
    (id, secret, client_of(&token, &t.agent.organisation_id))
}

async fn client_credentials_by_basic_or_body_give_a_token_that_acts_for_the_organisation(
    app: TestApp,
) {
    let t = app.with_territory("Arras").await;
    let (id, secret) = create_client(
        &app,
        &t.tenant.admin,
        &t.agent.organisation_id,
        "Logiciel du guichet",
        &["AGENT"],
    )
    .await;
    let (status, headers, body) = token_request(
        &app,
        Some((&id, &secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    let expires_in = body["expires_in"].as_i64().expect("expires_in");
    assert!((60..=3600).contains(&expires_in), "{body}");
    assert_eq!(headers["cache-control"], "no-store");
    let (status, _, by_body) = token_request(
        &app,
        None,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(status, 200, "{by_body}");

    // The client acts as an agent of the desk would: a person, a consent, a referral.
    let client = client_of(
        by_body["access_token"].as_str().unwrap(),
        &t.agent.organisation_id,
    );
    let person = app
        .create_person(&client, "Élodie", "Dupont", "1984-07-02")
        .await;
    let consent = app
        .record_consent(&client, &person, &[&t.caf.organisation_id], None)
        .await;
    let sent = app
        .send_referral(&client, &person, &consent, &t.caf_service, "STANDARD")
        .await;
    let referral = ok(&sent)["createReferral"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The timeline names the client, not a user; the receiver sees it too.
    let read = app
        .graphql(
            Some(&t.caf.token),
            "query($id: ID!) { referral(id: $id) { timeline { kind actor { id } actorClient { id name } } } }",
            json!({ "id": referral }),
        )
        .await;
    let created = &ok(&read)["referral"]["timeline"][0];
    assert_eq!(created["kind"], "CREATE", "{read}");
    assert_eq!(created["actor"], Value::Null, "{read}");
    assert_eq!(created["actorClient"]["id"], id.as_str(), "{read}");
    assert_eq!(created["actorClient"]["name"], "Logiciel du guichet");
    let (status, html) = app
        .page(&t.agent, &format!("/orientations/{referral}"))
        .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Logiciel « Logiciel du guichet »"),
        "the page names the client"
    );

    // Its use is recorded; the admin lists it, without any secret.
    let listed = app
        .graphql(
            Some(&t.tenant.admin.token),
            "query($o: ID) { apiClients(organisationId: $o) { id name roles createdAt lastUsedAt revokedAt } }",
            json!({ "o": t.agent.organisation_id }),
        )
        .await;
    let clients = ok(&listed)["apiClients"].as_array().unwrap().clone();
    assert_eq!(clients.len(), 1, "{listed}");
    assert_eq!(clients[0]["roles"], json!(["AGENT"]));
    assert!(clients[0]["lastUsedAt"].is_string(), "{listed}");
    assert!(
        !listed.to_string().contains(&secret),
        "the secret is shown once"
    );
    // A client cannot administer: no ORG_ADMIN, no TENANT_ADMIN.
    for role in ["ORG_ADMIN", "TENANT_ADMIN"] {
        let body = app
            .graphql(
                Some(&t.tenant.admin.token),
                "mutation($i: CreateApiClientInput!) { createApiClient(input: $i) { clientId } }",
                json!({ "i": { "organisationId": t.agent.organisation_id, "name": "Admin", "roles": [role] } }),
            )
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "roles");
    }
}

async fn the_token_endpoint_answers_rfc_6749_errors(app: TestApp) {
    let t = app.with_territory("Arras").await;
    let (id, secret) = create_client(
        &app,
        &t.tenant.admin,
        &t.agent.organisation_id,
        "Logiciel",
        &["AGENT"],
    )
    .await;
    let grant = [("grant_type", "client_credentials")];

    let (status, headers, body) = token_request(&app, Some((&id, "wrong")), &grant).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    assert!(
        headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
    assert!(body["error_description"].is_string());
    let (status, headers, body) = token_request(
        &app,
        None,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", "wrong"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    assert!(!headers.contains_key("www-authenticate"));
    let unknown = uuid::Uuid::now_v7().to_string();
    let (status, _, body) = token_request(&app, Some((&unknown, &secret)), &grant).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, _, body) = token_request(&app, None, &grant).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );

    let (status, _, body) = token_request(&app, Some((&id, &secret)), &[]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let (status, _, body) =
        token_request(&app, Some((&id, &secret)), &[("grant_type", "password")]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    // Both ways of authenticating at once: refused.
    let (status, _, body) = token_request(
        &app,
        Some((&id, &secret)),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    // JSON instead of a form: refused.
    let response = app
        .http
        .post(format!("{}/oauth/token", app.url))
        .basic_auth(&id, Some(&secret))
        .json(&json!({ "grant_type": "client_credentials" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
}

async fn a_revoked_client_stops_at_its_next_request(app: TestApp) {
    let t = app.with_territory("Arras").await;
    let (id, secret, client) = desk_client(&app, &t).await;
    app.create_person(&client, "Jean", "Martin", "1970-03-14")
        .await;
    let revoked = app
        .graphql(
            Some(&t.tenant.admin.token),
            "mutation($id: ID!) { revokeApiClient(id: $id) { id revokedAt } }",
            json!({ "id": id }),
        )
        .await;
    assert!(ok(&revoked)["revokeApiClient"]["revokedAt"].is_string());
    // The token has not expired, but the client is revoked.
    let body = app
        .graphql(
            Some(&client.token),
            "mutation($i: CreatePersonInput!) { createPerson(input: $i) { id } }",
            json!({ "i": { "firstName": "Jeanne", "lastName": "Martin", "birthDate": "1971-03-14" } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    let (status, _, body) = token_request(
        &app,
        Some((&id, &secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    assert_eq!(app.count("people").await, 1);
}

async fn a_client_sees_only_what_its_organisation_may(app: TestApp) {
    let t = app.with_territory("Arras").await;
    let person = app
        .create_person(&t.agent, "Élodie", "Dupont", "1984-07-02")
        .await;
    let consent = app
        .record_consent(&t.agent, &person, &[&t.caf.organisation_id], None)
        .await;
    let sent = app
        .send_referral(&t.agent, &person, &consent, &t.caf_service, "STANDARD")
        .await;
    let referral = ok(&sent)["createReferral"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A client of the uninvolved association: NOT_FOUND, as for its users.
    let (id, secret) = create_client(
        &app,
        &t.tenant.admin,
        &t.outsider.organisation_id,
        "Logiciel de l'association",
        &["AGENT", "BACK_OFFICE"],
    )
    .await;
    let outsider = client_of(&client_token(&app, &id, &secret).await, "");
    let body = app.read_referral(&outsider, &referral).await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    let body = app
        .graphql(
            Some(&outsider.token),
            "query($id: ID!) { person(id: $id) { id } }",
            json!({ "id": person }),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    // The CAF's client works the referral it received, with the receiver's rights.
    let (id, secret) = create_client(
        &app,
        &t.tenant.admin,
        &t.caf.organisation_id,
        "Logiciel de la CAF",
        &["BACK_OFFICE"],
    )
    .await;
    let caf = client_of(
        &client_token(&app, &id, &secret).await,
        &t.caf.organisation_id,
    );
    let acknowledged = app.act(&caf, "acknowledgeReferral", &referral, "").await;
    assert_eq!(ok(&acknowledged)["r"]["status"], "ACKNOWLEDGED");
    // A client of another territory does not see it either.
    let other = app.with_territory("Lens").await;
    let (id, secret) = create_client(
        &app,
        &other.tenant.admin,
        &other.caf.organisation_id,
        "Logiciel de Lens",
        &["BACK_OFFICE"],
    )
    .await;
    let foreign = client_of(&client_token(&app, &id, &secret).await, "");
    let body = app.read_referral(&foreign, &referral).await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
}

/// The `_csrf` value rendered in a page's forms.
fn csrf_of(html: &str) -> String {
    let start = html.find("name=\"_csrf\" value=\"").expect("a CSRF field") + 20;
    html[start..].split('"').next().unwrap().to_owned()
}

async fn the_admin_manages_clients_on_the_administration_pages(app: TestApp) {
    let tenant = app.with_tenant("Arras").await;
    let admin = &tenant.admin;
    let (status, html) = app.page(admin, "/admin/clients").await;
    assert_eq!(status, 200);
    assert!(html.contains("Aucun client d'API"));
    assert!(
        !html.contains("value=\"TENANT_ADMIN\"") && !html.contains("value=\"ORG_ADMIN\""),
        "administration roles are not offered"
    );
    let csrf = csrf_of(&html);
    let post = |path: String, form: Vec<(&'static str, String)>| {
        app.http
            .post(format!("{}{path}", app.url))
            .header("cookie", format!("passerelle_session={}", admin.token))
            .form(&form)
            .send()
    };
    let created = post(
        "/admin/clients".into(),
        vec![
            ("_csrf", csrf.clone()),
            ("name", "Logiciel métier".into()),
            ("roles", "AGENT".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(created.status().as_u16(), 200);
    let html = created.text().await.unwrap();
    let field = |id: &str| {
        let start = html.find(&format!("id=\"{id}\">")).expect(id) + id.len() + 6;
        html[start..].split('<').next().unwrap().to_owned()
    };
    let (id, secret) = (field("created-client-id"), field("created-client-secret"));
    assert_eq!(secret.len(), 64);
    client_token(&app, &id, &secret).await;
    // Shown once: the list no longer carries it.
    let (_, html) = app.page(admin, "/admin/clients").await;
    assert!(html.contains("Logiciel métier") && !html.contains(&secret));
    // Revoking asks for a confirmation.
    let unconfirmed = post(
        format!("/admin/clients/{id}/revoquer"),
        vec![("_csrf", csrf.clone())],
    )
    .await
    .unwrap();
    assert_eq!(unconfirmed.status().as_u16(), 400);
    client_token(&app, &id, &secret).await;
    let revoked = post(
        format!("/admin/clients/{id}/revoquer"),
        vec![("_csrf", csrf.clone()), ("confirm", "oui".into())],
    )
    .await
    .unwrap();
    assert_eq!(revoked.status().as_u16(), 303);
    let (status, _, _) = token_request(
        &app,
        Some((&id, &secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(status, 401);
    // Without the form's token (and no Origin), refused.
    let forged = post(
        "/admin/clients".into(),
        vec![("name", "Pirate".into()), ("roles", "AGENT".into())],
    )
    .await
    .unwrap();
    assert_eq!(forged.status().as_u16(), 403);
}

on_both_backends!(
    client_credentials_by_basic_or_body_give_a_token_that_acts_for_the_organisation,
    the_token_endpoint_answers_rfc_6749_errors,
    a_revoked_client_stops_at_its_next_request,
    a_client_sees_only_what_its_organisation_may,
    the_admin_manages_clients_on_the_administration_pages,
);
