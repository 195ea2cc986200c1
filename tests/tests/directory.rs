//! The directory as partners see it: creating organisations, services and users, reading them
//! back, tenant isolation, bad input and duplicates (with the field named, nothing written),
//! who may do what, pagination and the query depth limit.

use std::collections::HashSet;

use passerelle_tests::{Account, PASSWORD, TestApp, error_code, error_field, ok, on_both_backends};
use serde_json::{Value, json};

const CREATE_ORGANISATION: &str = "mutation($i: CreateOrganisationInput!) { createOrganisation(input: $i) { id name kind backOfficeEmail services { id } } }";
const CREATE_SERVICE: &str = "mutation($i: CreateServiceInput!) { createService(input: $i) { id name category responseDays urgentResponseDays organisation { id name } } }";
const CREATE_USER: &str = "mutation($i: CreateUserInput!) { createUser(input: $i) { id email name roles organisation { id } } }";
const LOGIN: &str = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken user { id } } }";
const ME: &str = "{ me { id email name roles organisation { id name } } }";
const ORGANISATION: &str = "query($id: ID!) { organisation(id: $id) { id name kind backOfficeEmail services { id name category responseDays } } }";
const ORGANISATIONS: &str = "query($first: Int, $after: String, $search: String) { organisations(first: $first, after: $after, search: $search) { edges { cursor node { id name } } pageInfo { hasNextPage endCursor } } }";
const SERVICES: &str = "query($first: Int, $after: String, $category: String, $search: String) { services(first: $first, after: $after, category: $category, search: $search) { edges { cursor node { id name category organisation { id } } } pageInfo { hasNextPage endCursor } } }";

on_both_backends!(
    create_then_read_back,
    search_is_case_insensitive_and_literal,
    tenants_never_see_each_other,
    bad_input_names_the_field_and_writes_nothing,
    duplicates_conflict_and_write_nothing,
    who_may_create_what,
    no_token_is_unauthenticated_everywhere_but_login,
    organisations_paginate_in_name_order,
    services_paginate_through_equal_names,
    page_arguments_are_checked,
    deep_queries_are_refused,
);

/// Row counts of every table the directory and accounts write to.
async fn counts(app: &TestApp) -> [i64; 5] {
    [
        app.count("tenants").await,
        app.count("organisations").await,
        app.count("services").await,
        app.count("users").await,
        app.count("sign_in_emails").await,
    ]
}

/// The ids and names of the nodes of a connection.
fn nodes(connection: &Value) -> Vec<(String, String)> {
    connection["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("a connection: {connection}"))
        .iter()
        .map(|edge| {
            (
                edge["node"]["id"].as_str().expect("id").to_owned(),
                edge["node"]["name"].as_str().expect("name").to_owned(),
            )
        })
        .collect()
}

fn names(connection: &Value) -> Vec<String> {
    nodes(connection)
        .into_iter()
        .map(|(_, name)| name)
        .collect()
}

fn ids(connection: &Value) -> HashSet<String> {
    nodes(connection).into_iter().map(|(id, _)| id).collect()
}

/// Asserts a refusal: the code, the field when given, the mutation's data null.
fn assert_refused(body: &Value, code: &str, field: Option<&str>, what: &str) {
    assert_eq!(error_code(body), Some(code), "{what}: {body}");
    if let Some(field) = field {
        assert_eq!(error_field(body), Some(field), "{what}: {body}");
    }
    assert!(
        body["data"].is_null()
            || body["data"]
                .as_object()
                .is_some_and(|d| d.values().all(Value::is_null)),
        "{what}: nothing is returned: {body}"
    );
}

async fn create_then_read_back(app: TestApp) {
    let tenant = app.with_tenant("Arras").await;
    let admin = &tenant.admin;

    let body = app
        .graphql(
            Some(&admin.token),
            CREATE_ORGANISATION,
            json!({ "i": { "name": "  CAF du Pas-de-Calais  ", "kind": "CAF", "backOfficeEmail": " Accueil@CAF62.test " } }),
        )
        .await;
    let caf = ok(&body)["createOrganisation"].clone();
    assert_eq!(caf["name"], "CAF du Pas-de-Calais", "the name is trimmed");
    assert_eq!(caf["kind"], "CAF");
    assert_eq!(
        caf["backOfficeEmail"], "accueil@caf62.test",
        "the mailbox is normalised"
    );
    assert_eq!(caf["services"], json!([]));
    let caf_id = caf["id"].as_str().unwrap().to_owned();
    let ccas_id = app.create_organisation(admin, "CCAS d'Arras", "CCAS").await;

    let body = app
        .graphql(
            Some(&admin.token),
            CREATE_SERVICE,
            json!({ "i": { "organisationId": caf_id, "name": "Prime d'activité", "category": "Droits",
                           "responseDays": 15, "urgentResponseDays": 5 } }),
        )
        .await;
    let prime = &ok(&body)["createService"];
    assert_eq!(prime["name"], "Prime d'activité");
    assert_eq!(prime["category"], "Droits");
    assert_eq!(prime["responseDays"], 15);
    assert_eq!(prime["urgentResponseDays"], 5);
    assert_eq!(prime["organisation"]["id"], caf_id.as_str());
    assert_eq!(prime["organisation"]["name"], "CAF du Pas-de-Calais");
    let prime_id = prime["id"].as_str().unwrap().to_owned();
    let apl_id = app
        .create_service(admin, &caf_id, "Aide au logement", "Logement")
        .await;
    let urgence_id = app
        .create_service(admin, &ccas_id, "Aide urgente", "Droits")
        .await;

    let body = app
        .graphql(
            Some(&admin.token),
            CREATE_USER,
            json!({ "i": { "organisationId": caf_id, "email": " Agnes.Martin@CAF62.test", "name": "Agnès Martin",
                           "roles": ["BACK_OFFICE", "AGENT"], "password": PASSWORD } }),
        )
        .await;
    let user = ok(&body)["createUser"].clone();
    assert_eq!(user["email"], "agnes.martin@caf62.test");
    assert_eq!(user["name"], "Agnès Martin");
    assert_eq!(user["roles"], json!(["AGENT", "BACK_OFFICE"]));
    assert_eq!(user["organisation"]["id"], caf_id.as_str());

    // organisations: the bootstrap organisation and the two new ones, by name.
    let body = app
        .graphql(Some(&admin.token), ORGANISATIONS, json!({}))
        .await;
    let list = &ok(&body)["organisations"];
    assert_eq!(
        names(list),
        ["Arras", "CAF du Pas-de-Calais", "CCAS d'Arras"]
    );
    assert_eq!(list["pageInfo"]["hasNextPage"], false);

    // organisation(id): kind, mailbox and its services by name.
    let body = app
        .graphql(Some(&admin.token), ORGANISATION, json!({ "id": caf_id }))
        .await;
    let read = &ok(&body)["organisation"];
    assert_eq!(read["id"], caf_id.as_str());
    assert_eq!(read["name"], "CAF du Pas-de-Calais");
    assert_eq!(read["kind"], "CAF");
    assert_eq!(read["backOfficeEmail"], "accueil@caf62.test");
    assert_eq!(
        read["services"],
        json!([
            { "id": apl_id, "name": "Aide au logement", "category": "Logement", "responseDays": 10 },
            { "id": prime_id, "name": "Prime d'activité", "category": "Droits", "responseDays": 15 },
        ])
    );

    // services: all, by category, by search, both.
    let services = |vars: Value| {
        let app = &app;
        let token = admin.token.clone();
        async move {
            let body = app.graphql(Some(&token), SERVICES, vars).await;
            ok(&body)["services"].clone()
        }
    };
    let all = services(json!({})).await;
    assert_eq!(
        names(&all),
        ["Aide au logement", "Aide urgente", "Prime d'activité"]
    );
    let droits = services(json!({ "category": "Droits" })).await;
    assert_eq!(
        ids(&droits),
        HashSet::from([prime_id.clone(), urgence_id.clone()])
    );
    let aide = services(json!({ "search": "AIDE" })).await;
    assert_eq!(ids(&aide), HashSet::from([apl_id.clone(), urgence_id]));
    let both = services(json!({ "category": "Droits", "search": "prime" })).await;
    assert_eq!(ids(&both), HashSet::from([prime_id]));
    assert_eq!(
        both["edges"][0]["node"]["organisation"]["id"],
        caf_id.as_str()
    );
    let none = services(json!({ "category": "Santé" })).await;
    assert_eq!(none["edges"], json!([]));

    let body = app
        .graphql(Some(&admin.token), "{ serviceCategories }", json!({}))
        .await;
    assert_eq!(
        ok(&body)["serviceCategories"],
        json!(["Droits", "Logement"])
    );

    // The new user signs in with the password and finds themself.
    let token = app.login("AGNES.MARTIN@caf62.test", PASSWORD).await;
    let body = app.graphql(Some(&token), ME, json!({})).await;
    assert_eq!(
        ok(&body)["me"],
        json!({ "id": user["id"], "email": "agnes.martin@caf62.test", "name": "Agnès Martin",
                "roles": ["AGENT", "BACK_OFFICE"],
                "organisation": { "id": caf_id, "name": "CAF du Pas-de-Calais" } })
    );
    let wrong = app
        .graphql(
            None,
            LOGIN,
            json!({ "e": "agnes.martin@caf62.test", "p": "not the password at all" }),
        )
        .await;
    assert_eq!(error_code(&wrong), Some("UNAUTHENTICATED"), "{wrong}");

    // Without a password the user is invited: the account exists, nobody can sign in to it yet.
    for (email, password) in [
        ("invite@caf62.test", json!(null)),
        ("vide@caf62.test", json!("")),
    ] {
        let body = app
            .graphql(
                Some(&admin.token),
                CREATE_USER,
                json!({ "i": { "organisationId": caf_id, "email": email, "name": "Invité",
                               "roles": ["AGENT"], "password": password } }),
            )
            .await;
        assert_eq!(ok(&body)["createUser"]["email"], email);
        for attempt in ["", PASSWORD, "passerelle-dummy-password-for-timing"] {
            let body = app
                .graphql(None, LOGIN, json!({ "e": email, "p": attempt }))
                .await;
            assert!(
                matches!(
                    error_code(&body),
                    Some("UNAUTHENTICATED" | "BAD_USER_INPUT")
                ),
                "{email} with {attempt:?}: {body}"
            );
            assert!(body["data"].is_null() || body["data"]["login"].is_null());
        }
    }
}

async fn search_is_case_insensitive_and_literal(app: TestApp) {
    let tenant = app.with_tenant("Arras").await;
    let admin = &tenant.admin;
    let org = app
        .create_organisation(admin, "Équipe emploi 100% solidaire", "ASSOCIATION")
        .await;
    app.create_organisation(admin, "Maison 1000 services", "FRANCE_SERVICES")
        .await;
    app.create_organisation(admin, "Maison_de_l'emploi", "OTHER")
        .await;
    app.create_service(admin, &org, "État civil", "Démarches")
        .await;
    app.create_service(admin, &org, "Accès aux droits", "Démarches")
        .await;

    for (search, expected) in [
        (
            "emploi",
            vec!["Maison_de_l'emploi", "Équipe emploi 100% solidaire"],
        ),
        ("EMPLOI 100", vec!["Équipe emploi 100% solidaire"]),
        // `%` and `_` are literal, not wildcards.
        ("100%", vec!["Équipe emploi 100% solidaire"]),
        ("maison_", vec!["Maison_de_l'emploi"]),
        ("%", vec!["Équipe emploi 100% solidaire"]),
        ("100 %", vec![]),
        // Accented names are found, whatever the case typed.
        ("Équipe", vec!["Équipe emploi 100% solidaire"]),
        ("équipe", vec!["Équipe emploi 100% solidaire"]),
        (
            "  maison  ",
            vec!["Maison 1000 services", "Maison_de_l'emploi"],
        ),
    ] {
        let body = app
            .graphql(
                Some(&admin.token),
                ORGANISATIONS,
                json!({ "search": search }),
            )
            .await;
        let mut got = names(&ok(&body)["organisations"]);
        got.sort();
        assert_eq!(got, expected, "organisations(search: {search:?})");
    }
    for (search, expected) in [
        ("état", vec!["État civil"]),
        ("ÉTAT CIVIL", vec!["État civil"]),
        ("accès", vec!["Accès aux droits"]),
        ("ACCÈS", vec!["Accès aux droits"]),
        ("civil", vec!["État civil"]),
    ] {
        let body = app
            .graphql(Some(&admin.token), SERVICES, json!({ "search": search }))
            .await;
        assert_eq!(
            names(&ok(&body)["services"]),
            expected,
            "services(search: {search:?})"
        );
    }
}

async fn tenants_never_see_each_other(app: TestApp) {
    let arras = app.with_tenant("Arras").await;
    let lens = app.with_tenant("Lens").await;
    let a = &arras.admin;
    let b = &lens.admin;

    // The same names may exist in two territories.
    let a_org = app
        .create_organisation(a, "France Services", "FRANCE_SERVICES")
        .await;
    let b_org = app
        .create_organisation(b, "France Services", "FRANCE_SERVICES")
        .await;
    let a_service = app.create_service(a, &a_org, "Accueil", "Accueil").await;
    let b_service = app.create_service(b, &b_org, "Accueil", "Accueil").await;
    let b_only = app
        .create_service(b, &b_org, "Aide alimentaire", "Alimentation")
        .await;
    app.create_user(b, &b_org, "agent@lens.test", &["AGENT"])
        .await;

    for b_id in [&b_org, &b.organisation_id] {
        let body = app
            .graphql(Some(&a.token), ORGANISATION, json!({ "id": b_id }))
            .await;
        assert_refused(&body, "NOT_FOUND", None, "organisation of another tenant");
    }
    // A nonexistent id answers the same, so nothing tells the two apart.
    let body = app
        .graphql(
            Some(&a.token),
            ORGANISATION,
            json!({ "id": uuid::Uuid::now_v7().to_string() }),
        )
        .await;
    assert_refused(&body, "NOT_FOUND", None, "unknown organisation");

    let body = app
        .graphql(Some(&a.token), ORGANISATIONS, json!({ "first": 100 }))
        .await;
    assert_eq!(
        ids(&ok(&body)["organisations"]),
        HashSet::from([a_org.clone(), a.organisation_id.clone()])
    );
    let body = app
        .graphql(Some(&a.token), SERVICES, json!({ "first": 100 }))
        .await;
    assert_eq!(
        ids(&ok(&body)["services"]),
        HashSet::from([a_service.clone()])
    );
    let body = app
        .graphql(
            Some(&a.token),
            SERVICES,
            json!({ "category": "Alimentation" }),
        )
        .await;
    assert_eq!(ok(&body)["services"]["edges"], json!([]));
    let body = app
        .graphql(Some(&a.token), "{ serviceCategories }", json!({}))
        .await;
    assert_eq!(ok(&body)["serviceCategories"], json!(["Accueil"]));
    // And the other way round.
    let body = app
        .graphql(Some(&b.token), SERVICES, json!({ "first": 100 }))
        .await;
    assert_eq!(
        ids(&ok(&body)["services"]),
        HashSet::from([b_service.clone(), b_only.clone()])
    );

    // Writing into another tenant's organisation: NOT_FOUND, and nothing written.
    let before = counts(&app).await;
    let body = app
        .graphql(
            Some(&a.token),
            CREATE_SERVICE,
            json!({ "i": { "organisationId": b_org, "name": "Intrusion", "category": "Accueil",
                           "responseDays": 10, "urgentResponseDays": 3 } }),
        )
        .await;
    assert_refused(&body, "NOT_FOUND", None, "service in another tenant");
    let body = app
        .graphql(
            Some(&a.token),
            CREATE_USER,
            json!({ "i": { "organisationId": b_org, "email": "intrus@arras.test", "name": "Intrus",
                           "roles": ["AGENT"], "password": PASSWORD } }),
        )
        .await;
    assert_refused(&body, "NOT_FOUND", None, "user in another tenant");
    assert_eq!(counts(&app).await, before, "nothing written");
    assert!(
        app.graphql(
            None,
            LOGIN,
            json!({ "e": "intrus@arras.test", "p": PASSWORD })
        )
        .await["errors"]
            .is_array(),
        "the refused user cannot sign in"
    );
}

async fn bad_input_names_the_field_and_writes_nothing(app: TestApp) {
    let tenant = app.with_tenant("Arras").await;
    let admin = &tenant.admin;
    let org = admin.organisation_id.as_str();
    let before = counts(&app).await;

    let organisation = |patch: Value| {
        let mut input =
            json!({ "name": "CCAS d'Arras", "kind": "CCAS", "backOfficeEmail": "bo@ccas.test" });
        merge(&mut input, patch);
        (CREATE_ORGANISATION, json!({ "i": input }))
    };
    let service = |patch: Value| {
        let mut input = json!({ "organisationId": org, "name": "Accueil", "category": "Accueil",
                                "responseDays": 10, "urgentResponseDays": 3 });
        merge(&mut input, patch);
        (CREATE_SERVICE, json!({ "i": input }))
    };
    let user = |patch: Value| {
        let mut input = json!({ "organisationId": org, "email": "new@arras.test", "name": "Nouvel agent",
                                "roles": ["AGENT"], "password": PASSWORD });
        merge(&mut input, patch);
        (CREATE_USER, json!({ "i": input }))
    };
    let login = |email: &str, password: &str| (LOGIN, json!({ "e": email, "p": password }));

    let long_name = "x".repeat(201);
    let cases: Vec<(&str, (&str, Value), Option<&str>)> = vec![
        (
            "organisation: empty name",
            organisation(json!({ "name": "   " })),
            Some("name"),
        ),
        (
            "organisation: long name",
            organisation(json!({ "name": long_name })),
            Some("name"),
        ),
        (
            "organisation: control character",
            organisation(json!({ "name": "CCAS\u{7}" })),
            Some("name"),
        ),
        (
            "organisation: bad mailbox",
            organisation(json!({ "backOfficeEmail": "pas-une-adresse" })),
            Some("backOfficeEmail"),
        ),
        (
            "organisation: unknown kind",
            organisation(json!({ "kind": "PREFECTURE" })),
            None,
        ),
        (
            "organisation: lower-case kind",
            organisation(json!({ "kind": "ccas" })),
            None,
        ),
        (
            "service: empty name",
            service(json!({ "name": "" })),
            Some("name"),
        ),
        (
            "service: empty category",
            service(json!({ "category": " " })),
            Some("category"),
        ),
        (
            "service: 0 days",
            service(json!({ "responseDays": 0, "urgentResponseDays": 0 })),
            Some("responseDays"),
        ),
        (
            "service: 500 days",
            service(json!({ "responseDays": 500 })),
            Some("responseDays"),
        ),
        (
            "service: negative days",
            service(json!({ "responseDays": -10 })),
            Some("responseDays"),
        ),
        (
            "service: 0 urgent days",
            service(json!({ "urgentResponseDays": 0 })),
            Some("urgentResponseDays"),
        ),
        (
            "service: urgent longer than standard",
            service(json!({ "responseDays": 5, "urgentResponseDays": 6 })),
            Some("urgentResponseDays"),
        ),
        (
            "service: malformed organisationId",
            service(json!({ "organisationId": "not-a-uuid" })),
            Some("organisationId"),
        ),
        (
            "service: days not a number",
            service(json!({ "responseDays": "ten" })),
            None,
        ),
        (
            "user: bad email",
            user(json!({ "email": "pas-une-adresse" })),
            Some("email"),
        ),
        (
            "user: email without a dotted domain",
            user(json!({ "email": "agent@arras" })),
            Some("email"),
        ),
        (
            "user: empty email",
            user(json!({ "email": "" })),
            Some("email"),
        ),
        (
            "user: empty name",
            user(json!({ "name": " " })),
            Some("name"),
        ),
        (
            "user: short password",
            user(json!({ "password": "court" })),
            Some("password"),
        ),
        (
            "user: 11-character password",
            user(json!({ "password": "abcdefghijk" })),
            Some("password"),
        ),
        (
            "user: common password",
            user(json!({ "password": "motdepasse123" })),
            Some("password"),
        ),
        (
            "user: common password, other case",
            user(json!({ "password": "MotDePasse123" })),
            Some("password"),
        ),
        (
            "user: one repeated character",
            user(json!({ "password": "aaaaaaaaaaaaaaaa" })),
            Some("password"),
        ),
        ("user: no role", user(json!({ "roles": [] })), Some("roles")),
        (
            "user: unknown role",
            user(json!({ "roles": ["SUPERUSER"] })),
            None,
        ),
        (
            "user: malformed organisationId",
            user(json!({ "organisationId": "42" })),
            Some("organisationId"),
        ),
        (
            "login: bad email",
            login("pas-une-adresse", PASSWORD),
            Some("email"),
        ),
        ("login: empty email", login("", PASSWORD), Some("email")),
        (
            "login: empty password",
            login("admin@arras.test", ""),
            Some("password"),
        ),
    ];
    for (what, (query, variables), field) in cases {
        let body = app.graphql(Some(&admin.token), query, variables).await;
        assert_refused(&body, "BAD_USER_INPUT", field, what);
        assert_eq!(counts(&app).await, before, "{what}: nothing written");
    }
    // Inline literals go through the engine's own checks too.
    let body = app
        .graphql(
            Some(&admin.token),
            "mutation { createOrganisation(input: { name: \"X\", kind: NOT_A_KIND }) { id } }",
            json!({}),
        )
        .await;
    assert_refused(&body, "BAD_USER_INPUT", None, "inline unknown kind");
    assert_eq!(counts(&app).await, before);

    // The control: the same inputs, corrected, are accepted.
    for (what, (query, variables)) in [
        ("organisation", organisation(json!({}))),
        (
            "service",
            service(json!({ "responseDays": 120, "urgentResponseDays": 120 })),
        ),
        ("user", user(json!({}))),
    ] {
        let body = app.graphql(Some(&admin.token), query, variables).await;
        ok(&body);
        assert!(
            body["data"]
                .as_object()
                .unwrap()
                .values()
                .all(|v| v["id"].is_string()),
            "{what}: {body}"
        );
    }
    let [tenants, organisations, services, users, sign_ins] = before;
    assert_eq!(
        counts(&app).await,
        [
            tenants,
            organisations + 1,
            services + 1,
            users + 1,
            sign_ins + 1
        ]
    );
    app.login("new@arras.test", PASSWORD).await;
}

fn merge(input: &mut Value, patch: Value) {
    for (key, value) in patch.as_object().expect("an object").clone() {
        input[key] = value;
    }
}

async fn duplicates_conflict_and_write_nothing(app: TestApp) {
    let arras = app.with_tenant("Arras").await;
    let lens = app.with_tenant("Lens").await;
    let admin = &arras.admin;
    let ccas = app.create_organisation(admin, "CCAS d'Arras", "CCAS").await;
    app.create_service(admin, &ccas, "Aide d'urgence", "Droits")
        .await;
    app.create_user(admin, &ccas, "agent@ccas-arras.test", &["AGENT"])
        .await;
    let before = counts(&app).await;

    for name in ["CCAS d'Arras", "  CCAS d'Arras ", "Arras"] {
        let body = app
            .graphql(
                Some(&admin.token),
                CREATE_ORGANISATION,
                json!({ "i": { "name": name, "kind": "COMMUNE" } }),
            )
            .await;
        assert_refused(
            &body,
            "CONFLICT",
            Some("name"),
            &format!("organisation {name:?}"),
        );
    }
    let body = app
        .graphql(
            Some(&admin.token),
            CREATE_SERVICE,
            json!({ "i": { "organisationId": ccas, "name": "Aide d'urgence ", "category": "Autre",
                           "responseDays": 10, "urgentResponseDays": 3 } }),
        )
        .await;
    assert_refused(&body, "CONFLICT", Some("name"), "service of the same name");

    // Emails are unique across territories, whatever the case: they are the sign-in.
    for (who, token, org, email) in [
        (
            "same organisation",
            &admin.token,
            &ccas,
            "agent@ccas-arras.test",
        ),
        (
            "other case",
            &admin.token,
            &admin.organisation_id,
            " AGENT@CCAS-Arras.test",
        ),
        ("the admin's", &admin.token, &ccas, "admin@arras.test"),
        (
            "other tenant",
            &lens.admin.token,
            &lens.admin.organisation_id,
            "agent@ccas-arras.test",
        ),
    ] {
        let body = app
            .graphql(
                Some(token),
                CREATE_USER,
                json!({ "i": { "organisationId": org, "email": email, "name": "Doublon",
                               "roles": ["AGENT"], "password": "another long passphrase" } }),
            )
            .await;
        assert_refused(&body, "CONFLICT", Some("email"), who);
    }
    assert_eq!(counts(&app).await, before, "nothing written");
    // The first account keeps its password.
    app.login("agent@ccas-arras.test", PASSWORD).await;
    let refused = app
        .graphql(
            None,
            LOGIN,
            json!({ "e": "agent@ccas-arras.test", "p": "another long passphrase" }),
        )
        .await;
    assert_eq!(error_code(&refused), Some("UNAUTHENTICATED"));

    // The same organisation name in another territory, and the same service name in another
    // organisation, are fine.
    app.create_organisation(&lens.admin, "CCAS d'Arras", "CCAS")
        .await;
    app.create_service(admin, &admin.organisation_id, "Aide d'urgence", "Droits")
        .await;
}

async fn who_may_create_what(app: TestApp) {
    let tenant = app.with_tenant("Arras").await;
    let admin = &tenant.admin;
    let desk = app
        .create_organisation(admin, "France Services Arras", "FRANCE_SERVICES")
        .await;
    let caf = app
        .create_organisation(admin, "CAF du Pas-de-Calais", "CAF")
        .await;
    let agent = app
        .create_user(admin, &desk, "agent@fs.test", &["AGENT"])
        .await;
    let org_admin = app
        .create_user(admin, &desk, "chef@fs.test", &["ORG_ADMIN"])
        .await;
    let before = counts(&app).await;

    let create_org = |who: &Account| {
        let token = who.token.clone();
        let app = &app;
        async move {
            app.graphql(
                Some(&token),
                CREATE_ORGANISATION,
                json!({ "i": { "name": "Mission locale", "kind": "MISSION_LOCALE" } }),
            )
            .await
        }
    };
    let create_service = |who: &Account, org: &str| {
        let token = who.token.clone();
        let org = org.to_owned();
        let app = &app;
        async move {
            app.graphql(
                Some(&token),
                CREATE_SERVICE,
                json!({ "i": { "organisationId": org, "name": "Nouveau service", "category": "Accueil",
                               "responseDays": 10, "urgentResponseDays": 3 } }),
            )
            .await
        }
    };
    let create_user = |who: &Account, org: &str, email: &str, roles: Value| {
        let token = who.token.clone();
        let org = org.to_owned();
        let email = email.to_owned();
        let app = &app;
        async move {
            app.graphql(
                Some(&token),
                CREATE_USER,
                json!({ "i": { "organisationId": org, "email": email, "name": "Quelqu'un",
                               "roles": roles, "password": PASSWORD } }),
            )
            .await
        }
    };

    // An agent reads the directory but changes nothing.
    let body = app
        .graphql(Some(&agent.token), ORGANISATIONS, json!({}))
        .await;
    assert_eq!(nodes(&ok(&body)["organisations"]).len(), 3);
    assert_refused(
        &create_org(&agent).await,
        "FORBIDDEN",
        None,
        "agent: organisation",
    );
    assert_refused(
        &create_service(&agent, &desk).await,
        "FORBIDDEN",
        None,
        "agent: service",
    );
    assert_refused(
        &create_user(&agent, &desk, "x@fs.test", json!(["AGENT"])).await,
        "FORBIDDEN",
        None,
        "agent: user",
    );
    // An org admin administers their own organisation only, and grants no territory-wide role.
    assert_refused(
        &create_org(&org_admin).await,
        "FORBIDDEN",
        None,
        "org admin: organisation",
    );
    assert_refused(
        &create_service(&org_admin, &caf).await,
        "FORBIDDEN",
        None,
        "org admin: service of another organisation",
    );
    assert_refused(
        &create_user(&org_admin, &caf, "x@caf.test", json!(["AGENT"])).await,
        "NOT_FOUND",
        None,
        "org admin: user of another organisation",
    );
    for roles in [
        json!(["TENANT_ADMIN"]),
        json!(["COORDINATOR"]),
        json!(["AGENT", "COORDINATOR"]),
    ] {
        assert_refused(
            &create_user(&org_admin, &desk, "x@fs.test", roles.clone()).await,
            "FORBIDDEN",
            None,
            &format!("org admin grants {roles}"),
        );
    }
    assert_eq!(counts(&app).await, before, "nothing written by a refusal");

    let body = create_service(&org_admin, &desk).await;
    assert_eq!(
        ok(&body)["createService"]["organisation"]["id"],
        desk.as_str()
    );
    let body = create_user(
        &org_admin,
        &desk,
        "nouvelle@fs.test",
        json!(["AGENT", "ORG_ADMIN"]),
    )
    .await;
    assert_eq!(
        ok(&body)["createUser"]["roles"],
        json!(["AGENT", "ORG_ADMIN"])
    );
    app.login("nouvelle@fs.test", PASSWORD).await;
    // The tenant admin does it all, for any organisation.
    ok(&create_service(admin, &caf).await);
    ok(&create_user(
        admin,
        &caf,
        "coord@caf.test",
        json!(["COORDINATOR", "TENANT_ADMIN"]),
    )
    .await);
    ok(&create_org(admin).await);
    let [tenants, organisations, services, users, sign_ins] = before;
    assert_eq!(
        counts(&app).await,
        [
            tenants,
            organisations + 1,
            services + 2,
            users + 2,
            sign_ins + 2
        ]
    );
}

async fn no_token_is_unauthenticated_everywhere_but_login(app: TestApp) {
    let tenant = app.with_tenant("Arras").await;
    let org = tenant.admin.organisation_id.clone();
    let before = counts(&app).await;
    let operations: Vec<(&str, Value)> = vec![
        (ME, json!({})),
        (ORGANISATION, json!({ "id": org })),
        (ORGANISATIONS, json!({})),
        (SERVICES, json!({})),
        ("{ serviceCategories }", json!({})),
        (
            CREATE_ORGANISATION,
            json!({ "i": { "name": "Mission locale", "kind": "MISSION_LOCALE" } }),
        ),
        (
            CREATE_SERVICE,
            json!({ "i": { "organisationId": org, "name": "Accueil", "category": "Accueil",
                           "responseDays": 10, "urgentResponseDays": 3 } }),
        ),
        (
            CREATE_USER,
            json!({ "i": { "organisationId": org, "email": "x@arras.test", "name": "X",
                           "roles": ["AGENT"], "password": PASSWORD } }),
        ),
    ];
    for (query, variables) in operations {
        for token in [None, Some("not-a-jwt")] {
            let body = app.graphql(token, query, variables.clone()).await;
            assert_refused(
                &body,
                "UNAUTHENTICATED",
                None,
                &format!("{token:?} {query}"),
            );
        }
    }
    assert_eq!(counts(&app).await, before, "nothing written");
    let body = app
        .graphql(
            None,
            LOGIN,
            json!({ "e": "admin@arras.test", "p": PASSWORD }),
        )
        .await;
    assert_eq!(
        ok(&body)["login"]["user"]["id"],
        tenant.admin.user_id.as_str()
    );
}

/// Walks a connection page by page; returns the pages' (id, name) lists.
async fn walk(
    app: &TestApp,
    token: &str,
    query: &str,
    field: &str,
    mut variables: Value,
) -> Vec<Vec<(String, String)>> {
    let mut pages = Vec::new();
    let mut after: Option<String> = None;
    loop {
        variables["after"] = json!(after);
        let body = app.graphql(Some(token), query, variables.clone()).await;
        let connection = &ok(&body)[field];
        let page = nodes(connection);
        let last_cursor = connection["edges"]
            .as_array()
            .and_then(|edges| edges.last())
            .map(|edge| edge["cursor"].clone());
        if let Some(cursor) = last_cursor {
            assert_eq!(
                connection["pageInfo"]["endCursor"], cursor,
                "endCursor is the last edge's"
            );
        }
        pages.push(page);
        assert!(pages.len() <= 20, "the walk ends");
        if connection["pageInfo"]["hasNextPage"] != json!(true) {
            assert_eq!(connection["pageInfo"]["hasNextPage"], false, "{body}");
            break;
        }
        after = Some(
            connection["pageInfo"]["endCursor"]
                .as_str()
                .expect("endCursor")
                .to_owned(),
        );
    }
    pages
}

async fn organisations_paginate_in_name_order(app: TestApp) {
    let tenant = app.with_tenant("Arras").await;
    let admin = &tenant.admin;
    let other = app.with_tenant("Lens").await;
    app.create_organisation(&other.admin, "Organisation 05 bis", "OTHER")
        .await;
    // Created out of order, so that creation order and name order differ.
    let mut expected = vec![("Arras".to_owned(), admin.organisation_id.clone())];
    for i in (1..=25).map(|i| (i * 7) % 25 + 1) {
        let name = format!("Organisation {i:02}");
        let id = app.create_organisation(admin, &name, "OTHER").await;
        expected.push((name, id));
    }
    expected.sort();

    let pages = walk(
        &app,
        &admin.token,
        ORGANISATIONS,
        "organisations",
        json!({ "first": 10 }),
    )
    .await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [10, 10, 6]);
    let seen: Vec<(String, String)> = pages
        .into_iter()
        .flatten()
        .map(|(id, name)| (name, id))
        .collect();
    assert_eq!(seen, expected, "each organisation once, by name");

    // A page that ends exactly at the last row says so.
    let pages = walk(
        &app,
        &admin.token,
        ORGANISATIONS,
        "organisations",
        json!({ "first": 5, "search": "organisation 1" }),
    )
    .await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [5, 5]);
    let seen: Vec<String> = pages.into_iter().flatten().map(|(_, name)| name).collect();
    assert_eq!(
        seen,
        (10..=19)
            .map(|i| format!("Organisation {i}"))
            .collect::<Vec<_>>()
    );

    // The default page is 20.
    let body = app
        .graphql(Some(&admin.token), ORGANISATIONS, json!({}))
        .await;
    assert_eq!(nodes(&ok(&body)["organisations"]).len(), 20);
    assert_eq!(ok(&body)["organisations"]["pageInfo"]["hasNextPage"], true);
    let body = app
        .graphql(Some(&admin.token), ORGANISATIONS, json!({ "first": 100 }))
        .await;
    assert_eq!(nodes(&ok(&body)["organisations"]).len(), 26);
    assert_eq!(ok(&body)["organisations"]["pageInfo"]["hasNextPage"], false);
}

async fn services_paginate_through_equal_names(app: TestApp) {
    let tenant = app.with_tenant("Arras").await;
    let admin = &tenant.admin;
    // Twelve services all named "Accueil" (one per organisation), between two others: the
    // cursor must break the tie on the id, or a page boundary loses or repeats one.
    let mut expected = HashSet::new();
    for i in 0..12 {
        let org = app
            .create_organisation(admin, &format!("Mairie {i:02}"), "COMMUNE")
            .await;
        expected.insert(app.create_service(admin, &org, "Accueil", "Accueil").await);
    }
    let org = &admin.organisation_id;
    let first = app
        .create_service(admin, org, "Accompagnement", "Accueil")
        .await;
    let last = app.create_service(admin, org, "Zonage", "Urbanisme").await;

    let pages = walk(
        &app,
        &admin.token,
        SERVICES,
        "services",
        json!({ "first": 5 }),
    )
    .await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [5, 5, 4]);
    let seen: Vec<(String, String)> = pages.into_iter().flatten().collect();
    assert_eq!(seen.first().map(|(id, _)| id), Some(&first));
    assert_eq!(seen.last().map(|(id, _)| id), Some(&last));
    let middle: HashSet<String> = seen[1..13].iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(middle.len(), 12, "no service seen twice");
    assert_eq!(middle, expected);

    let pages = walk(
        &app,
        &admin.token,
        SERVICES,
        "services",
        json!({ "first": 4, "category": "Accueil" }),
    )
    .await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [4, 4, 4, 1]);
}

async fn page_arguments_are_checked(app: TestApp) {
    let tenant = app.with_tenant("Arras").await;
    let token = tenant.admin.token.as_str();
    let not_json = "bm90IGEgY3Vyc29y"; // base64 of "not a cursor"
    for (query, field) in [(ORGANISATIONS, "organisations"), (SERVICES, "services")] {
        for (variables, bad) in [
            (json!({ "first": 0 }), "first"),
            (json!({ "first": -1 }), "first"),
            (json!({ "first": 101 }), "first"),
            (json!({ "first": 500 }), "first"),
            (json!({ "after": "garbage" }), "after"),
            (json!({ "after": not_json }), "after"),
            (json!({ "first": 10, "after": "" }), "after"),
        ] {
            let body = app.graphql(Some(token), query, variables.clone()).await;
            assert_refused(
                &body,
                "BAD_USER_INPUT",
                Some(bad),
                &format!("{field} {variables}"),
            );
        }
        let body = app
            .graphql(Some(token), query, json!({ "first": 100 }))
            .await;
        assert!(
            ok(&body)[field]["edges"].is_array(),
            "first: 100 is allowed"
        );
    }
}

async fn deep_queries_are_refused(app: TestApp) {
    let tenant = app.with_tenant("Arras").await;
    let admin = &tenant.admin;
    app.create_service(admin, &admin.organisation_id, "Accueil", "Accueil")
        .await;
    // me → organisation → services → organisation → services …
    let nested = |levels: usize| {
        let mut query = String::from("id");
        for level in (1..levels).rev() {
            let field = if level % 2 == 1 {
                "organisation"
            } else {
                "services"
            };
            query = format!("{field} {{ id {query} }}");
        }
        format!("{{ me {{ {query} }} }}")
    };
    let body = app.graphql(Some(&admin.token), &nested(6), json!({})).await;
    assert_eq!(
        ok(&body)["me"]["organisation"]["services"][0]["organisation"]["id"],
        admin.organisation_id.as_str(),
        "a shallow nesting is answered"
    );
    for levels in [14, 30] {
        let body = app
            .graphql(Some(&admin.token), &nested(levels), json!({}))
            .await;
        assert_eq!(
            error_code(&body),
            Some("BAD_USER_INPUT"),
            "{levels} levels: {body}"
        );
        assert!(
            body["data"].is_null(),
            "{levels} levels: nothing answered: {body}"
        );
    }
}
