//! Escalations, black-box: an agent asks a partner's back office, gets an answer within a known
//! number of working days, hands the file on — on SQLite and PostgreSQL, with the clock moved
//! (never slept).

use passerelle_tests::{
    Account, TestApp, error_code, error_field, ok, on_both_backends, territory::Territory,
};
use serde_json::{Value, json};
use time::macros::datetime;

on_both_backends!(
    the_whole_exchange_keeps_every_message_in_order_with_its_author,
    the_agent_reopens_within_the_territory_window_only,
    a_transfer_is_answered_there_and_the_first_keeps_a_read_only_trace,
    an_escalation_about_a_referral_is_on_its_timeline_and_both_pages_link,
    the_person_is_shown_only_under_a_consent_naming_the_receiver,
    nobody_else_learns_that_it_exists,
    deactivating_an_expert_puts_their_open_items_back_in_the_queue,
    settings_are_checked_and_per_organisation,
    coordinators_get_counts_and_delays_only,
);

/// Monday 1 March 2027, 09:00 UTC: a standard escalation (2 working days) is due on Wednesday.
const MONDAY: time::OffsetDateTime = datetime!(2027-03-01 09:00 UTC);

fn id_of(body: &Value, field: &str) -> String {
    ok(body)[field]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no {field}.id in {body}"))
        .to_owned()
}

async fn opened(app: &TestApp, agent: &Account, to: &str, extra: Value) -> String {
    id_of(
        &app.open_escalation(agent, to, extra).await,
        "createEscalation",
    )
}

/// The `e` of a mutation that must succeed.
async fn done(app: &TestApp, who: &Account, mutation: &str, id: &str, args: &str) -> Value {
    let body = app.act_escalation(who, mutation, id, args).await;
    ok(&body)["e"].clone()
}

async fn refused(app: &TestApp, who: &Account, mutation: &str, id: &str, args: &str) -> String {
    let body = app.act_escalation(who, mutation, id, args).await;
    error_code(&body)
        .unwrap_or_else(|| panic!("{mutation} should fail: {body}"))
        .to_owned()
}

/// A page as its reader sees the text: minijinja escapes `/` and `'` in HTML.
async fn page(app: &TestApp, who: &Account, path: &str) -> (u16, String) {
    let (status, html) = app.page(who, path).await;
    let text = html
        .replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    (status, text)
}

fn kinds(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|l| l["kind"].as_str().unwrap())
        .collect()
}

async fn listed(app: &TestApp, who: &Account, query: &str) -> Vec<String> {
    let body = app
        .graphql(
            Some(&who.token),
            &format!("query {{ l: {query} {{ nodes {{ id }} }} }}"),
            json!({}),
        )
        .await;
    ok(&body)["l"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn the_whole_exchange_keeps_every_message_in_order_with_its_author(app: TestApp) {
    app.state.clock.travel_to(MONDAY);
    let t = app.with_territory("Arras").await;
    let body = app
        .open_escalation(&t.agent, &t.caf.organisation_id, json!({}))
        .await;
    let e = ok(&body)["createEscalation"].clone();
    let id = e["id"].as_str().unwrap().to_owned();
    assert_eq!(e["status"], "OPEN");
    assert_eq!(e["urgency"], "STANDARD");
    assert_eq!(e["overdue"], false);
    assert!(
        e["dueAt"].as_str().unwrap().starts_with("2027-03-03T09:00"),
        "the agent sees the deadline at once: {e}"
    );
    assert_eq!(e["availableActions"], json!(["REPLY", "CLOSE"]));
    assert_eq!(
        e["fromOrganisation"]["id"],
        t.agent.organisation_id.as_str()
    );
    assert_eq!(e["toOrganisation"]["id"], t.caf.organisation_id.as_str());

    assert_eq!(
        listed(&app, &t.caf, "escalationsReceived").await,
        vec![id.clone()]
    );
    assert_eq!(
        listed(&app, &t.agent, "escalationsSent").await,
        vec![id.clone()]
    );
    let (status, html) = page(&app, &t.agent, &format!("/sollicitations/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Réponse attendue le</dt><dd id=\"echeance\">03/03/2027"),
        "the page shows the deadline"
    );

    assert_eq!(
        refused(&app, &t.agent, "answerEscalation", &id, r#"body: "x""#).await,
        "FORBIDDEN"
    );
    assert_eq!(
        refused(&app, &t.caf, "replyEscalation", &id, r#"body: "x""#).await,
        "FORBIDDEN"
    );
    let body = app
        .act_escalation(&t.caf, "answerEscalation", &id, r#"body: "   ""#)
        .await;
    assert_eq!(
        (error_code(&body), error_field(&body)),
        (Some("BAD_USER_INPUT"), Some("body"))
    );

    app.state.clock.travel_to(MONDAY + time::Duration::hours(1));
    let taken = done(&app, &t.caf, "takeEscalation", &id, "").await;
    assert_eq!(taken["assignee"]["id"], t.caf.user_id.as_str());
    assert_eq!(taken["status"], "OPEN");
    let first = "Il manque l'avis d'imposition 2026.";
    let answered = done(
        &app,
        &t.caf,
        "answerEscalation",
        &id,
        &format!(r#"body: "{first}""#),
    )
    .await;
    assert_eq!(answered["status"], "ANSWERED");
    assert!(answered["answeredAt"].is_string());

    // Tuesday: the agent writes back, and a new answer is due two working days later.
    app.state.clock.travel_to(MONDAY + time::Duration::days(1));
    let question = "Transmis ce matin : pouvez-vous vérifier ?";
    let replied = done(
        &app,
        &t.agent,
        "replyEscalation",
        &id,
        &format!(r#"body: "{question}""#),
    )
    .await;
    assert_eq!(replied["status"], "OPEN");
    assert!(
        replied["dueAt"]
            .as_str()
            .unwrap()
            .starts_with("2027-03-04T09:00"),
        "{replied}"
    );
    app.state
        .clock
        .travel_to(MONDAY + time::Duration::days(1) + time::Duration::hours(2));
    let second = "Reçu, le dossier est complet.";
    done(
        &app,
        &t.caf,
        "answerEscalation",
        &id,
        &format!(r#"body: "{second}""#),
    )
    .await;
    let closed = done(&app, &t.agent, "closeEscalation", &id, "").await;
    assert_eq!(closed["status"], "CLOSED");
    assert!(closed["closedAt"].is_string());
    assert!(closed["reopenableUntil"].is_string());
    assert_eq!(closed["availableActions"], json!(["REOPEN"]));
    assert_eq!(
        refused(&app, &t.caf, "answerEscalation", &id, r#"body: "Encore""#).await,
        "CONFLICT"
    );

    for who in [&t.agent, &t.caf] {
        let seen = ok(&app.read_escalation(who, &id).await)["escalation"].clone();
        let messages = seen["messages"].as_array().unwrap();
        let said: Vec<(&str, &str, &str)> = messages
            .iter()
            .map(|m| {
                (
                    m["kind"].as_str().unwrap(),
                    m["author"]["id"].as_str().unwrap(),
                    m["body"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            said,
            [
                (
                    "OPENED",
                    t.agent.user_id.as_str(),
                    "Le dossier est incomplet depuis deux mois : que manque-t-il ?"
                ),
                ("ANSWERED", t.caf.user_id.as_str(), first),
                ("REPLIED", t.agent.user_id.as_str(), question),
                ("ANSWERED", t.caf.user_id.as_str(), second),
            ]
        );
        let times: Vec<&str> = messages.iter().map(|m| m["at"].as_str().unwrap()).collect();
        let mut sorted = times.clone();
        sorted.sort();
        assert_eq!(times, sorted, "oldest first");
        assert_eq!(
            kinds(&seen["history"]),
            [
                "OPENED", "TAKEN", "ANSWERED", "REPLIED", "ANSWERED", "CLOSED"
            ]
        );
    }

    let closed_list = listed(&app, &t.agent, "escalationsSent(status: [CLOSED])").await;
    assert_eq!(closed_list, vec![id.clone()]);
    assert!(
        listed(&app, &t.agent, "escalationsSent(status: [OPEN])")
            .await
            .is_empty()
    );
    let (_, queue) = page(&app, &t.caf, "/sollicitations/recues").await;
    assert!(queue.contains("Clôturées : 1"), "the queue counts: {queue}");
    assert!(queue.contains(&format!("/sollicitations/{id}")));
    let (_, agent_page) = page(&app, &t.agent, &format!("/sollicitations/{id}")).await;
    for text in [first, second, "Clôturée", "id=\"action-rouvrir\""] {
        assert!(agent_page.contains(text), "{text}");
    }
    let (_, caf_page) = page(&app, &t.caf, &format!("/sollicitations/{id}")).await;
    assert!(
        !caf_page.contains("id=\"action-"),
        "nothing left to do for the back office"
    );
}

async fn the_agent_reopens_within_the_territory_window_only(app: TestApp) {
    app.state.clock.travel_to(MONDAY);
    let t = app.with_territory("Arras").await;
    let id = opened(&app, &t.agent, &t.caf.organisation_id, json!({})).await;
    done(&app, &t.caf, "answerEscalation", &id, r#"body: "Voici""#).await;
    let closed = done(&app, &t.caf, "closeEscalation", &id, "").await;
    assert_eq!(closed["status"], "CLOSED", "the back office closes too");
    assert_eq!(
        refused(&app, &t.caf, "reopenEscalation", &id, "").await,
        "FORBIDDEN",
        "only the agent reopens"
    );

    // Fifteen days later, a minute before the window ends: reopened, and due again.
    let last = MONDAY + time::Duration::days(15) - time::Duration::minutes(1);
    app.state.clock.travel_to(last);
    let reopened = done(&app, &t.agent, "reopenEscalation", &id, "").await;
    assert_eq!(reopened["status"], "OPEN");
    assert!(
        reopened["dueAt"]
            .as_str()
            .unwrap()
            .starts_with("2027-03-18T08:59"),
        "{reopened}"
    );
    assert_eq!(reopened["closedAt"], Value::Null);
    let closed_again = done(&app, &t.agent, "closeEscalation", &id, "").await;
    assert_eq!(closed_again["status"], "CLOSED");

    // After the window: refused in French, and not offered.
    app.state
        .clock
        .travel_to(last + time::Duration::days(15) + time::Duration::minutes(2));
    let body = app
        .act_escalation(&t.agent, "reopenEscalation", &id, "")
        .await;
    assert_eq!(error_code(&body), Some("CONFLICT"));
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("15 jours"),
        "{body}"
    );
    let seen = ok(&app.read_escalation(&t.agent, &id).await)["escalation"].clone();
    assert_eq!(seen["availableActions"], json!([]));
    let (_, html) = page(&app, &t.agent, &format!("/sollicitations/{id}")).await;
    assert!(!html.contains("action-rouvrir"));

    // The territory widens its window: the same escalation may be reopened again.
    let set = "mutation($d: Int!) { updateEscalationSettings(reopenDays: $d) { reopenDays } }";
    let body = app
        .graphql(Some(&t.agent.token), set, json!({ "d": 30 }))
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));
    let body = app
        .graphql(Some(&t.tenant.admin.token), set, json!({ "d": 30 }))
        .await;
    assert_eq!(ok(&body)["updateEscalationSettings"]["reopenDays"], 30);
    let body = app
        .graphql(
            Some(&t.agent.token),
            "query { escalationSettings { reopenDays } }",
            json!({}),
        )
        .await;
    assert_eq!(ok(&body)["escalationSettings"]["reopenDays"], 30);
    assert_eq!(
        done(&app, &t.agent, "reopenEscalation", &id, "").await["status"],
        "OPEN"
    );
    let seen = ok(&app.read_escalation(&t.caf, &id).await)["escalation"].clone();
    assert_eq!(
        kinds(&seen["history"]),
        [
            "OPENED", "ANSWERED", "CLOSED", "REOPENED", "CLOSED", "REOPENED"
        ]
    );
}

async fn a_transfer_is_answered_there_and_the_first_keeps_a_read_only_trace(app: TestApp) {
    app.state.clock.travel_to(MONDAY);
    let t = app.with_territory("Arras").await;
    let id = opened(&app, &t.agent, &t.caf.organisation_id, json!({})).await;
    done(&app, &t.caf, "takeEscalation", &id, "").await;
    assert_eq!(
        refused(
            &app,
            &t.caf,
            "transferEscalation",
            &id,
            &format!(r#"organisationId: "{}""#, t.agent.organisation_id)
        )
        .await,
        "BAD_USER_INPUT",
        "not back to the sender"
    );

    // Tuesday: the CAF hands it to the CPAM, which gets its own deadline.
    app.state.clock.travel_to(MONDAY + time::Duration::days(1));
    let comment = "Relève de la complémentaire santé : voir la CPAM.";
    let moved = done(
        &app,
        &t.caf,
        "transferEscalation",
        &id,
        &format!(
            r#"organisationId: "{}", comment: "{comment}""#,
            t.cpam.organisation_id
        ),
    )
    .await;
    assert_eq!(
        moved["toOrganisation"]["id"],
        t.cpam.organisation_id.as_str()
    );
    assert_eq!(moved["status"], "OPEN");
    assert_eq!(moved["assignee"], Value::Null);
    assert_eq!(
        moved["availableActions"],
        json!([]),
        "the CAF keeps a trace, read-only"
    );

    assert_eq!(
        listed(&app, &t.cpam, "escalationsReceived").await,
        vec![id.clone()]
    );
    assert!(listed(&app, &t.caf, "escalationsReceived").await.is_empty());
    let cpam = ok(&app.read_escalation(&t.cpam, &id).await)["escalation"].clone();
    assert!(
        cpam["dueAt"]
            .as_str()
            .unwrap()
            .starts_with("2027-03-04T09:00"),
        "two working days from the transfer: {cpam}"
    );
    let transfer = cpam["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["kind"] == "TRANSFERRED")
        .unwrap()
        .clone();
    assert_eq!(transfer["comment"], comment);
    assert_eq!(
        transfer["toOrganisation"]["id"],
        t.cpam.organisation_id.as_str()
    );

    app.state
        .clock
        .travel_to(MONDAY + time::Duration::days(1) + time::Duration::hours(3));
    let answer = "La CSS est ouverte : attestation envoyée.";
    done(
        &app,
        &t.cpam,
        "answerEscalation",
        &id,
        &format!(r#"body: "{answer}""#),
    )
    .await;

    let agent = ok(&app.read_escalation(&t.agent, &id).await)["escalation"].clone();
    assert_eq!(agent["status"], "ANSWERED");
    assert_eq!(agent["messages"][1]["body"], answer);
    assert_eq!(
        agent["messages"][1]["author"]["id"],
        t.cpam.user_id.as_str()
    );

    // The CAF still finds it, sees where it went and what it had read — not the CPAM's answer.
    let caf = ok(&app.read_escalation(&t.caf, &id).await)["escalation"].clone();
    assert_eq!(caf["status"], "ANSWERED");
    assert_eq!(caf["toOrganisation"]["id"], t.cpam.organisation_id.as_str());
    assert_eq!(caf["subject"], "Dossier RSA bloqué");
    assert_eq!(kinds(&caf["messages"]), ["OPENED"]);
    assert!(!caf.to_string().contains(answer));
    assert_eq!(caf["availableActions"], json!([]));
    for (mutation, args) in [
        ("answerEscalation", r#"body: "Moi aussi""#),
        ("closeEscalation", ""),
        ("takeEscalation", ""),
    ] {
        assert_eq!(
            refused(&app, &t.caf, mutation, &id, args).await,
            "FORBIDDEN",
            "{mutation}"
        );
    }
    let (status, trace) = page(&app, &t.caf, "/sollicitations/recues?vue=transferees").await;
    assert_eq!(status, 200);
    assert!(trace.contains(&format!("/sollicitations/{id}")), "{trace}");
    let (status, html) = page(&app, &t.caf, &format!("/sollicitations/{id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"trace\""));
    assert!(!html.contains(answer));
    assert!(!html.contains("id=\"action-"));
}

async fn an_escalation_about_a_referral_is_on_its_timeline_and_both_pages_link(app: TestApp) {
    app.state.clock.travel_to(MONDAY);
    let t = app.with_territory("Arras").await;
    let person = app
        .create_person(&t.agent, "Élodie", "Dupont", "1984-07-02")
        .await;
    let consent = app
        .record_consent(&t.agent, &person, &[&t.caf.organisation_id], None)
        .await;
    let referral = id_of(
        &app.send_referral(&t.agent, &person, &consent, &t.caf_service, "STANDARD")
            .await,
        "createReferral",
    );
    let (_, html) = page(&app, &t.agent, &format!("/orientations/{referral}")).await;
    assert!(
        html.contains(&format!("/sollicitations/nouvelle?orientation={referral}")),
        "the referral page offers to ask the back office"
    );
    let (status, form) = page(
        &app,
        &t.agent,
        &format!("/sollicitations/nouvelle?orientation={referral}"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(form.contains("id=\"a-propos-orientation\""));

    let body = app
        .open_escalation(
            &t.agent,
            &t.caf.organisation_id,
            json!({ "referralId": referral, "urgency": "URGENT" }),
        )
        .await;
    let e = ok(&body)["createEscalation"].clone();
    let id = e["id"].as_str().unwrap().to_owned();
    assert_eq!(e["referral"]["id"], referral.as_str());
    assert!(
        e["dueAt"].as_str().unwrap().starts_with("2027-03-02T09:00"),
        "urgent: one working day: {e}"
    );

    for who in [&t.agent, &t.caf] {
        let seen = app.read_referral(who, &referral).await;
        let timeline = ok(&seen)["referral"]["timeline"].clone();
        assert_eq!(kinds(&timeline), ["CREATE", "ESCALATION_OPENED"]);
        assert_eq!(timeline[1]["comment"], Value::Null, "never what it says");
        assert_eq!(timeline[1]["actor"]["id"], t.agent.user_id.as_str());
        let (_, html) = page(&app, who, &format!("/orientations/{referral}")).await;
        assert!(html.contains(&format!("/sollicitations/{id}")), "linked");
        assert!(html.contains("Sollicitation d'un expert ouverte"));
        let (_, html) = page(&app, who, &format!("/sollicitations/{id}")).await;
        assert!(
            html.contains(&format!("/orientations/{referral}")),
            "and back"
        );
    }
    // The CPAM sees neither; the referral's status did not move.
    let (_, html) = page(&app, &t.cpam, &format!("/orientations/{referral}")).await;
    assert!(!html.contains(&id));
    assert_eq!(
        ok(&app.read_referral(&t.agent, &referral).await)["referral"]["status"],
        "SENT"
    );

    // Someone else's referral is nothing to escalate about.
    let other = app
        .create_person(&t.outsider, "Jean", "Martin", "1970-01-15")
        .await;
    let other_consent = app
        .record_consent(&t.outsider, &other, &[&t.caf.organisation_id], None)
        .await;
    let theirs = id_of(
        &app.send_referral(
            &t.outsider,
            &other,
            &other_consent,
            &t.caf_service,
            "STANDARD",
        )
        .await,
        "createReferral",
    );
    let body = app
        .open_escalation(
            &t.agent,
            &t.caf.organisation_id,
            json!({ "referralId": theirs }),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"));
}

async fn the_person_is_shown_only_under_a_consent_naming_the_receiver(app: TestApp) {
    app.state.clock.travel_to(MONDAY);
    let t = app.with_territory("Arras").await;
    let person = app
        .create_person(&t.agent, "Élodie", "Dupont", "1984-07-02")
        .await;
    let consent = app
        .record_consent(&t.agent, &person, &[&t.caf.organisation_id], None)
        .await;

    let body = app
        .open_escalation(
            &t.agent,
            &t.cpam.organisation_id,
            json!({ "personId": person }),
        )
        .await;
    assert_eq!(
        (error_code(&body), error_field(&body)),
        (Some("BAD_USER_INPUT"), Some("personId")),
        "the consent does not name the CPAM: {body}"
    );
    let (_, form) = page(
        &app,
        &t.agent,
        &format!("/sollicitations/nouvelle?personne={person}"),
    )
    .await;
    assert!(form.contains("le consentement de la personne ne la nomme pas"));

    let id = opened(
        &app,
        &t.agent,
        &t.caf.organisation_id,
        json!({ "personId": person }),
    )
    .await;
    let caf = ok(&app.read_escalation(&t.caf, &id).await)["escalation"].clone();
    assert_eq!(caf["identityVisible"], true);
    assert_eq!(caf["person"]["lastName"], "Dupont");
    let (_, html) = page(&app, &t.caf, &format!("/sollicitations/{id}")).await;
    assert!(html.contains("Dupont"));
    let (_, person_page) = page(&app, &t.agent, &format!("/personnes/{person}")).await;
    assert!(
        person_page.contains(&format!("/sollicitations/{id}")),
        "the person's page lists it"
    );
    assert!(person_page.contains(&format!("/sollicitations/nouvelle?personne={person}")));

    // Withdrawn: the CAF no longer sees who it is about; the agent still does.
    let body = app
        .graphql(
            Some(&t.agent.token),
            "mutation($id: ID!) { withdrawConsent(id: $id) { status } }",
            json!({ "id": consent }),
        )
        .await;
    ok(&body);
    let caf = ok(&app.read_escalation(&t.caf, &id).await)["escalation"].clone();
    assert_eq!(caf["identityVisible"], false);
    assert_eq!(caf["person"], Value::Null);
    assert!(!caf.to_string().contains("Dupont"));
    let (_, html) = page(&app, &t.caf, &format!("/sollicitations/{id}")).await;
    assert!(!html.contains("Dupont") && !html.contains("1984"));
    let agent = ok(&app.read_escalation(&t.agent, &id).await)["escalation"].clone();
    assert_eq!(agent["person"]["lastName"], "Dupont");

    // A new consent names both; transferred to the CPAM, which sees her; the CAF's trace never.
    app.record_consent(
        &t.agent,
        &person,
        &[&t.caf.organisation_id, &t.cpam.organisation_id],
        None,
    )
    .await;
    done(
        &app,
        &t.caf,
        "transferEscalation",
        &id,
        &format!(r#"organisationId: "{}""#, t.cpam.organisation_id),
    )
    .await;
    let cpam = ok(&app.read_escalation(&t.cpam, &id).await)["escalation"].clone();
    assert_eq!(cpam["person"]["lastName"], "Dupont");
    let caf = ok(&app.read_escalation(&t.caf, &id).await)["escalation"].clone();
    assert_eq!(caf["person"], Value::Null);

    // Without a person, there is none to show.
    let plain = opened(&app, &t.agent, &t.caf.organisation_id, json!({})).await;
    let caf = ok(&app.read_escalation(&t.caf, &plain).await)["escalation"].clone();
    assert_eq!(caf["person"], Value::Null);
    // Another organisation's person reads like no person at all.
    let body = app
        .open_escalation(
            &t.outsider,
            &t.caf.organisation_id,
            json!({ "personId": person }),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"));
}

/// Every root field and mutation of the slice, for a third organisation, a coordinator, a
/// tenant admin of another organisation and another tenant: NOT_FOUND, never listed, no page.
async fn nobody_else_learns_that_it_exists(app: TestApp) {
    app.state.clock.travel_to(MONDAY);
    let t = app.with_territory("Arras").await;
    let lens = app.with_territory("Lens").await;
    let tenant_admin = app
        .create_user(
            &t.tenant.admin,
            &t.tenant.admin.organisation_id,
            "territoire@arras.test",
            &["TENANT_ADMIN"],
        )
        .await;
    let id = opened(&app, &t.agent, &t.caf.organisation_id, json!({})).await;
    let closed = opened(&app, &t.agent, &t.caf.organisation_id, json!({})).await;
    done(&app, &t.agent, "closeEscalation", &closed, "").await;
    let strangers: [(&str, &Account); 5] = [
        ("an uninvolved organisation", &t.outsider),
        ("the coordinator", &t.coordinator),
        ("a tenant admin of another organisation", &tenant_admin),
        ("another tenant's admin", &lens.tenant.admin),
        ("another tenant's expert", &lens.caf),
    ];
    let mutations = [
        ("answerEscalation", r#"body: "x""#, &id),
        ("replyEscalation", r#"body: "x""#, &id),
        ("closeEscalation", "", &id),
        ("reopenEscalation", "", &closed),
        ("takeEscalation", "", &id),
        ("assignEscalation", "userId: null", &id),
        (
            "transferEscalation",
            &format!(r#"organisationId: "{}""#, t.cpam.organisation_id),
            &id,
        ),
    ];
    for (who, account) in strangers {
        let body = app.read_escalation(account, &id).await;
        assert_eq!(error_code(&body), Some("NOT_FOUND"), "{who}: {body}");
        for (mutation, args, target) in &mutations {
            let body = app.act_escalation(account, mutation, target, args).await;
            assert_eq!(
                error_code(&body),
                Some("NOT_FOUND"),
                "{who} {mutation}: {body}"
            );
        }
        for list in ["escalationsReceived", "escalationsSent"] {
            let body = app
                .graphql(
                    Some(&account.token),
                    &format!("query {{ l: {list} {{ nodes {{ id }} }} }}"),
                    json!({}),
                )
                .await;
            assert!(
                !body.to_string().contains(&id) && !body.to_string().contains(&closed),
                "{who} {list}: {body}"
            );
        }
        let (status, _) = page(&app, account, &format!("/sollicitations/{id}")).await;
        assert_eq!(status, 404, "{who}");
        for path in ["/sollicitations/recues", "/sollicitations/envoyees"] {
            let (_, html) = page(&app, account, path).await;
            assert!(!html.contains(&id), "{who} {path}");
        }
    }
    // The coordinator's territory view of referrals says nothing of it either.
    let (_, html) = page(&app, &t.coordinator, "/suivi").await;
    assert!(!html.contains(&id));
    // A malformed id is as unknown as any other.
    let body = app.read_escalation(&t.agent, "not-an-id").await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"));
}

async fn deactivating_an_expert_puts_their_open_items_back_in_the_queue(app: TestApp) {
    app.state.clock.travel_to(MONDAY);
    let t = app.with_territory("Arras").await;
    let caf_admin = app
        .create_user(
            &t.tenant.admin,
            &t.caf.organisation_id,
            "direction@caf-arras.test",
            &["ORG_ADMIN"],
        )
        .await;
    let expert = app
        .create_user(
            &caf_admin,
            &t.caf.organisation_id,
            "partant@caf-arras.test",
            &["BACK_OFFICE"],
        )
        .await;
    let taken = opened(&app, &t.agent, &t.caf.organisation_id, json!({})).await;
    done(&app, &expert, "takeEscalation", &taken, "").await;
    let assigned = opened(&app, &t.agent, &t.caf.organisation_id, json!({})).await;
    assert_eq!(
        refused(
            &app,
            &t.caf,
            "assignEscalation",
            &assigned,
            &format!(r#"userId: "{}""#, expert.user_id)
        )
        .await,
        "FORBIDDEN",
        "an expert takes, an org admin assigns"
    );
    let given = done(
        &app,
        &caf_admin,
        "assignEscalation",
        &assigned,
        &format!(r#"userId: "{}""#, expert.user_id),
    )
    .await;
    assert_eq!(given["assignee"]["id"], expert.user_id.as_str());
    let finished = opened(&app, &t.agent, &t.caf.organisation_id, json!({})).await;
    done(&app, &expert, "takeEscalation", &finished, "").await;
    done(&app, &expert, "closeEscalation", &finished, "").await;
    // And a referral assigned to the same expert.
    let person = app
        .create_person(&t.agent, "Jean", "Martin", "1970-01-15")
        .await;
    let consent = app
        .record_consent(&t.agent, &person, &[&t.caf.organisation_id], None)
        .await;
    let referral = id_of(
        &app.send_referral(&t.agent, &person, &consent, &t.caf_service, "STANDARD")
            .await,
        "createReferral",
    );
    ok(&app
        .act(
            &caf_admin,
            "assignReferral",
            &referral,
            &format!(r#"userId: "{}""#, expert.user_id),
        )
        .await);
    let mine = format!(r#"escalationsReceived(assigneeId: "{}")"#, expert.user_id);
    assert_eq!(listed(&app, &caf_admin, &mine).await.len(), 3);

    let body = app
        .graphql(
            Some(&caf_admin.token),
            "mutation($id: ID!) { setUserActive(id: $id, active: false) { id } }",
            json!({ "id": expert.user_id }),
        )
        .await;
    ok(&body);

    for id in [&taken, &assigned] {
        let seen = ok(&app.read_escalation(&caf_admin, id).await)["escalation"].clone();
        assert_eq!(seen["assignee"], Value::Null, "{seen}");
        let history = seen["history"].as_array().unwrap();
        let last = history.last().unwrap();
        assert_eq!(last["kind"], "UNASSIGNED");
        assert_eq!(last["actor"]["id"], caf_admin.user_id.as_str());
    }
    let closed = ok(&app.read_escalation(&caf_admin, &finished).await)["escalation"].clone();
    assert_eq!(
        closed["assignee"]["id"],
        expert.user_id.as_str(),
        "a closed one keeps who answered it"
    );
    let referral = ok(&app.read_referral(&caf_admin, &referral).await)["referral"].clone();
    assert_eq!(referral["assignee"], Value::Null);
    assert_eq!(
        kinds(&referral["timeline"]).last().copied(),
        Some("UNASSIGNED")
    );
    let queue = listed(&app, &caf_admin, "escalationsReceived(status: [OPEN])").await;
    assert!(queue.contains(&taken) && queue.contains(&assigned));
    assert_eq!(listed(&app, &caf_admin, &mine).await, [finished]);
}

async fn settings_are_checked_and_per_organisation(app: TestApp) {
    app.state.clock.travel_to(MONDAY);
    let t: Territory = app.with_territory("Arras").await;
    let caf_admin = app
        .create_user(
            &t.tenant.admin,
            &t.caf.organisation_id,
            "direction@caf-arras.test",
            &["ORG_ADMIN"],
        )
        .await;
    let set = "mutation($o: ID!, $d: Int!, $u: Int!) { updateEscalationDeadlines(organisationId: $o, answerDays: $d, urgentAnswerDays: $u) { id escalationAnswerDays escalationUrgentAnswerDays } }";
    let body = app
        .graphql(
            Some(&caf_admin.token),
            set,
            json!({ "o": t.cpam.organisation_id, "d": 5, "u": 2 }),
        )
        .await;
    assert_eq!(
        error_code(&body),
        Some("FORBIDDEN"),
        "another organisation's"
    );
    let body = app
        .graphql(
            Some(&caf_admin.token),
            set,
            json!({ "o": t.caf.organisation_id, "d": 2, "u": 3 }),
        )
        .await;
    assert_eq!(
        (error_code(&body), error_field(&body)),
        (Some("BAD_USER_INPUT"), Some("urgentAnswerDays"))
    );
    let body = app
        .graphql(
            Some(&caf_admin.token),
            set,
            json!({ "o": t.caf.organisation_id, "d": 5, "u": 2 }),
        )
        .await;
    assert_eq!(
        ok(&body)["updateEscalationDeadlines"]["escalationAnswerDays"],
        5
    );
    let body = app
        .open_escalation(&t.agent, &t.caf.organisation_id, json!({}))
        .await;
    assert!(
        ok(&body)["createEscalation"]["dueAt"]
            .as_str()
            .unwrap()
            .starts_with("2027-03-08T09:00"),
        "five working days: {body}"
    );
    let body = app
        .open_escalation(&t.agent, &t.cpam.organisation_id, json!({}))
        .await;
    assert!(
        ok(&body)["createEscalation"]["dueAt"]
            .as_str()
            .unwrap()
            .starts_with("2027-03-03T09:00"),
        "the CPAM keeps the default: {body}"
    );
    let (_, form) = page(&app, &t.agent, "/sollicitations/nouvelle").await;
    assert!(form.contains("réponse sous 5 jour(s) ouvré(s), 2 en urgence"));
    // The same from the administration page, without JavaScript: a plain form.
    let post = |who: &Account, path: String, form: Vec<(&'static str, &'static str)>| {
        let request = app
            .http
            .post(format!("{}{path}", app.url))
            .header("cookie", format!("passerelle_session={}", who.token))
            .header("sec-fetch-site", "same-origin")
            .form(&form);
        async move { request.send().await.unwrap() }
    };
    let done_form = post(
        &caf_admin,
        format!(
            "/admin/organisations/{}/sollicitations",
            t.caf.organisation_id
        ),
        vec![("answerDays", "3"), ("urgentAnswerDays", "1")],
    )
    .await;
    assert_eq!(done_form.status().as_u16(), 303);
    assert_eq!(done_form.headers()["location"], "/admin?fait=delais");
    let (_, admin_page) = page(&app, &caf_admin, "/admin?fait=delais").await;
    assert!(admin_page.contains("id=\"answer-days-"));
    assert!(admin_page.contains("name=\"answerDays\" value=\"3\""));
    assert!(
        !admin_page.contains("id=\"form-reopen\""),
        "the reopen window is the territory's"
    );
    let refused_form = post(
        &caf_admin,
        "/admin/sollicitations".into(),
        vec![("reopenDays", "20")],
    )
    .await;
    assert_eq!(refused_form.status().as_u16(), 403);
    let reopen = post(
        &t.tenant.admin,
        "/admin/sollicitations".into(),
        vec![("reopenDays", "20")],
    )
    .await;
    assert_eq!(reopen.headers()["location"], "/admin?fait=reouverture");
    let body = app
        .graphql(
            Some(&t.agent.token),
            "query { escalationSettings { reopenDays } }",
            json!({}),
        )
        .await;
    assert_eq!(ok(&body)["escalationSettings"]["reopenDays"], 20);
    // Bad input is named.
    for (extra, field) in [
        (json!({ "category": "Astrologie" }), "category"),
        (json!({ "subject": "" }), "subject"),
        (
            json!({ "organisationId": t.agent.organisation_id }),
            "organisationId",
        ),
        (
            json!({ "organisationId": uuid::Uuid::now_v7().to_string() }),
            "organisationId",
        ),
    ] {
        let organisation = extra["organisationId"]
            .as_str()
            .unwrap_or(&t.caf.organisation_id)
            .to_owned();
        let body = app.open_escalation(&t.agent, &organisation, extra).await;
        assert_eq!(
            (error_code(&body), error_field(&body)),
            (Some("BAD_USER_INPUT"), Some(field)),
            "{body}"
        );
    }
    let body = app
        .open_escalation(&t.caf, &t.cpam.organisation_id, json!({}))
        .await;
    assert_eq!(
        error_code(&body),
        Some("FORBIDDEN"),
        "an expert does not open"
    );
}

async fn coordinators_get_counts_and_delays_only(app: TestApp) {
    app.state.clock.travel_to(MONDAY);
    let t = app.with_territory("Arras").await;
    let answered = opened(&app, &t.agent, &t.caf.organisation_id, json!({})).await;
    let late = opened(&app, &t.agent, &t.caf.organisation_id, json!({})).await;
    let cpam = opened(&app, &t.agent, &t.cpam.organisation_id, json!({})).await;
    // Answered on Wednesday: two working days.
    app.state.clock.travel_to(MONDAY + time::Duration::days(2));
    done(
        &app,
        &t.caf,
        "answerEscalation",
        &answered,
        r#"body: "Voici""#,
    )
    .await;
    app.state.clock.travel_to(MONDAY + time::Duration::days(7));
    done(&app, &t.agent, "closeEscalation", &cpam, "").await;
    let query = "query($f: Date, $t: Date) { escalationFigures(from: $f, to: $t) {
        organisation { id } received open overdue answered closed medianWorkingDaysToFirstAnswer } }";
    let body = app
        .graphql(Some(&t.coordinator.token), query, json!({}))
        .await;
    let figures = ok(&body)["escalationFigures"].clone();
    let of = |org: &str| {
        figures
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["organisation"]["id"] == org)
            .cloned()
            .unwrap_or_else(|| panic!("no figures for {org}: {figures}"))
    };
    let caf = of(&t.caf.organisation_id);
    assert_eq!(
        (
            &caf["received"],
            &caf["open"],
            &caf["overdue"],
            &caf["answered"],
            &caf["closed"]
        ),
        (&json!(2), &json!(1), &json!(1), &json!(1), &json!(0)),
        "{caf}"
    );
    assert_eq!(caf["medianWorkingDaysToFirstAnswer"], 2.0);
    let cpam_figures = of(&t.cpam.organisation_id);
    assert_eq!(cpam_figures["closed"], 1);
    assert_eq!(cpam_figures["medianWorkingDaysToFirstAnswer"], Value::Null);
    for id in [&answered, &late, &cpam] {
        assert!(
            !body.to_string().contains(id.as_str()),
            "never an escalation"
        );
    }
    let later = app
        .graphql(
            Some(&t.coordinator.token),
            query,
            json!({ "f": "2027-03-02", "t": "2027-12-31" }),
        )
        .await;
    assert_eq!(ok(&later)["escalationFigures"], json!([]), "{later}");
    let body = app.graphql(Some(&t.caf.token), query, json!({})).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));
}
