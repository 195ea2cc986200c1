//! Coordinator monitoring, black-box: a territory whose referrals are played with the clock
//! moved (May 2026: Friday 8 May, Thursday 14 May — Ascension — and Monday 25 May — Whit Monday —
//! are public holidays), then every figure of `referralDelays` checked against values worked
//! out by hand below; the same report as CSV and as the dashboard; who may read it; and that no
//! output names the person or repeats a free text.

use passerelle_tests::{
    Account, TestApp, error_code, error_field, ok, on_both_backends, territory::Territory,
};
use serde_json::{Value, json};
use time::{OffsetDateTime, macros::datetime};

on_both_backends!(
    every_figure_matches_the_hand_count,
    filters_narrow_the_report_and_org_admins_see_their_own,
    no_output_names_the_person_or_repeats_a_free_text,
    the_summary_rows_are_rebuilt_for_older_referrals,
    thresholds_flag_partners_and_are_per_tenant,
    escalations_sit_beside_the_referrals_of_their_organisation
);

/// Planted in the person and in every free text: no monitoring output may contain any.
const SECRETS: &[&str] = &[
    "Zéphyrine",
    "Quillebeuf",
    "1987-11-23",
    "06 98 76 54 32",
    "zephyrine.quillebeuf@exemple.fr",
    "17 impasse des Glycines",
    "Motif-Orchidée",
    "Question-Hibiscus",
    "Réponse-Camélia",
    "Refus-Pivoine",
    "Clôture-Jasmin",
    "Annulation-Lilas",
    "Réorientation-Mimosa",
    "Commentaire-Glycine",
];

const FIGURES: &str = "sent open overdue acknowledged accepted declined redirected cancelled
    completed rightOpened acceptanceRate loopClosedRate answeredInTimeRate
    medianDaysToAcknowledge p90DaysToAcknowledge medianDaysToDecision p90DaysToDecision
    medianDaysToCompletion p90DaysToCompletion
    declineReasons { reason count } outcomes { outcome count } redirectChains { length count }";

fn report_query() -> String {
    format!(
        "query($from: Date, $to: Date, $o: ID, $s: ID) {{
           referralDelays(from: $from, to: $to, organisationId: $o, serviceId: $s) {{
             from to totals {{ {FIGURES} }}
             organisations {{ organisation {{ id name }} flagged alerts figures {{ {FIGURES} }}
               services {{ service {{ id name }} figures {{ {FIGURES} }} }} }}
             weekly {{ weekStart sent acknowledged completed rightOpened medianDaysToAcknowledge }}
           }} }}"
    )
}

/// The month of the scenario.
fn may() -> Value {
    json!({ "from": "2026-05-01", "to": "2026-05-31" })
}

/// When the report is read: Monday 1 June 2026, before R8's due time (09:00).
const READ_AT: OffsetDateTime = datetime!(2026-06-01 08:00 UTC);

struct Scenario {
    t: Territory,
    caf_admin: Account,
    /// R0: sent in April, acknowledged, then left (overdue since 19 May).
    r0: String,
    /// R4: sent and never answered (overdue); R7: waiting for information.
    r4: String,
    r7: String,
    r8: String,
}

impl Scenario {
    fn caf(&self) -> &str {
        &self.t.caf.organisation_id
    }
    fn cpam(&self) -> &str {
        &self.t.cpam.organisation_id
    }
}

async fn at(app: &TestApp, when: OffsetDateTime) {
    app.state.clock.travel_to(when);
}

async fn send(
    app: &TestApp,
    t: &Territory,
    person: &str,
    consent: &str,
    service: &str,
    urgency: &str,
) -> String {
    let body = app
        .graphql(
            Some(&t.agent.token),
            "mutation($i: CreateReferralInput!) { createReferral(input: $i) { id } }",
            json!({ "i": { "personId": person, "consentId": consent, "serviceId": service,
                           "motive": "Motif-Orchidée : droits à ouvrir", "urgency": urgency } }),
        )
        .await;
    ok(&body)["createReferral"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn act(app: &TestApp, who: &Account, mutation: &str, id: &str, args: &str) -> Value {
    let body = app.act(who, mutation, id, args).await;
    ok(&body)["r"].clone()
}

/// The referrals of May 2026, each step at its own moment. The figures they must give are
/// worked out in [`every_figure_matches_the_hand_count`].
async fn scenario(app: &TestApp) -> Scenario {
    at(app, datetime!(2026-04-27 08:00 UTC)).await;
    let t = app.with_territory("Arras").await;
    let caf_admin = app
        .create_user(
            &t.tenant.admin,
            &t.caf.organisation_id,
            "direction@caf-arras.test",
            &["ORG_ADMIN"],
        )
        .await;
    let body = app
        .graphql(
            Some(&t.agent.token),
            "mutation($i: CreatePersonInput!) { createPerson(input: $i) { id } }",
            json!({ "i": { "firstName": "Zéphyrine", "lastName": "Quillebeuf", "birthDate": "1987-11-23",
                           "phone": "06 98 76 54 32", "email": "zephyrine.quillebeuf@exemple.fr",
                           "address": "17 impasse des Glycines, Arras" } }),
        )
        .await;
    let person = ok(&body)["createPerson"]["id"].as_str().unwrap().to_owned();
    let consent = app
        .record_consent(
            &t.agent,
            &person,
            &[&t.caf.organisation_id, &t.cpam.organisation_id],
            None,
        )
        .await;
    let (caf, cpam) = (&t.caf, &t.cpam);
    let (caf_service, cpam_service) = (t.caf_service.clone(), t.cpam_service.clone());

    // R0, outside the period: sent Thursday 30 April, acknowledged Monday 4 May.
    at(app, datetime!(2026-04-30 10:00 UTC)).await;
    let r0 = send(app, &t, &person, &consent, &caf_service, "STANDARD").await;
    at(app, datetime!(2026-05-04 10:00 UTC)).await;
    act(app, caf, "acknowledgeReferral", &r0, "").await;

    // R1 (CAF, standard, due Tuesday 26 May 10:00): acknowledged, information asked and given,
    // accepted, completed with a right opened.
    at(app, datetime!(2026-05-07 10:00 UTC)).await;
    let r1 = send(app, &t, &person, &consent, &caf_service, "STANDARD").await;
    // R2 (CAF, urgent, due Wednesday 13 May 11:00): declined late.
    at(app, datetime!(2026-05-07 11:00 UTC)).await;
    let r2 = send(app, &t, &person, &consent, &caf_service, "URGENT").await;
    // R3 (CAF, standard): accepted the same day, completed Wednesday.
    at(app, datetime!(2026-05-11 09:00 UTC)).await;
    let r3 = send(app, &t, &person, &consent, &caf_service, "STANDARD").await;
    at(app, datetime!(2026-05-11 09:00 UTC)).await;
    act(app, caf, "acknowledgeReferral", &r1, "").await;
    // R4 (CAF, urgent, due Friday 15 May 10:00): never answered.
    at(app, datetime!(2026-05-11 10:00 UTC)).await;
    let r4 = send(app, &t, &person, &consent, &caf_service, "URGENT").await;
    at(app, datetime!(2026-05-11 14:00 UTC)).await;
    act(app, caf, "acceptReferral", &r3, "").await;
    // R5 (CAF, standard): redirected to the CPAM on Monday 18 May; R5' acknowledged there.
    at(app, datetime!(2026-05-12 09:00 UTC)).await;
    let r5 = send(app, &t, &person, &consent, &caf_service, "STANDARD").await;
    // R6 (CAF, standard): cancelled by the desk the next day, before any answer.
    at(app, datetime!(2026-05-12 10:00 UTC)).await;
    let r6 = send(app, &t, &person, &consent, &caf_service, "STANDARD").await;
    at(app, datetime!(2026-05-12 15:00 UTC)).await;
    act(
        app,
        caf,
        "requestReferralInfo",
        &r1,
        r#"question: "Question-Hibiscus""#,
    )
    .await;
    // R7 (CPAM, standard, due Friday 29 May): information asked at once, never given.
    at(app, datetime!(2026-05-13 09:00 UTC)).await;
    let r7 = send(app, &t, &person, &consent, &cpam_service, "STANDARD").await;
    at(app, datetime!(2026-05-13 10:00 UTC)).await;
    act(
        app,
        cpam,
        "requestReferralInfo",
        &r7,
        r#"question: "Question-Hibiscus""#,
    )
    .await;
    act(
        app,
        &t.agent,
        "cancelReferral",
        &r6,
        r#"reason: "Annulation-Lilas""#,
    )
    .await;
    act(
        app,
        caf,
        "completeReferral",
        &r3,
        r#"outcome: SERVICE_DELIVERED, comment: "Clôture-Jasmin""#,
    )
    .await;
    // R8 (CAF, standard, due Monday 1 June 09:00): sent Friday 15 May.
    at(app, datetime!(2026-05-15 09:00 UTC)).await;
    let r8 = send(app, &t, &person, &consent, &caf_service, "STANDARD").await;
    act(
        app,
        caf,
        "declineReferral",
        &r2,
        r#"reason: NOT_ELIGIBLE, comment: "Refus-Pivoine""#,
    )
    .await;
    at(app, datetime!(2026-05-18 10:00 UTC)).await;
    let redirected = act(
        app,
        caf,
        "redirectReferral",
        &r5,
        &format!(r#"serviceId: "{cpam_service}", comment: "Réorientation-Mimosa""#),
    )
    .await;
    let r5b = redirected["children"][0]["id"]
        .as_str()
        .expect("the new referral")
        .to_owned();
    at(app, datetime!(2026-05-18 11:00 UTC)).await;
    act(
        app,
        &t.agent,
        "provideReferralInfo",
        &r1,
        r#"answer: "Réponse-Camélia""#,
    )
    .await;
    at(app, datetime!(2026-05-19 10:00 UTC)).await;
    act(app, cpam, "acknowledgeReferral", &r5b, "").await;
    act(
        app,
        cpam,
        "commentReferral",
        &r5b,
        r#"body: "Commentaire-Glycine""#,
    )
    .await;
    at(app, datetime!(2026-05-20 16:00 UTC)).await;
    act(app, caf, "acceptReferral", &r1, "").await;
    at(app, datetime!(2026-05-22 10:00 UTC)).await;
    act(
        app,
        caf,
        "completeReferral",
        &r1,
        r#"outcome: RIGHT_OPENED, comment: "Clôture-Jasmin""#,
    )
    .await;
    at(app, datetime!(2026-05-26 10:00 UTC)).await;
    act(app, caf, "acknowledgeReferral", &r8, "").await;
    at(app, datetime!(2026-05-27 10:00 UTC)).await;
    act(app, caf, "acceptReferral", &r8, "").await;

    at(app, READ_AT).await;
    Scenario {
        t,
        caf_admin,
        r0,
        r4,
        r7,
        r8,
    }
}

async fn report(app: &TestApp, who: &Account, mut vars: Value) -> Value {
    let merged = vars.as_object_mut().expect("variables");
    for (k, v) in may().as_object().unwrap() {
        merged.entry(k.clone()).or_insert(v.clone());
    }
    let body = app.graphql(Some(&who.token), &report_query(), vars).await;
    ok(&body)["referralDelays"].clone()
}

fn close(actual: &Value, expected: f64, what: &str) {
    let got = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: {actual}"));
    assert!((got - expected).abs() < 1e-9, "{what}: {got} ≠ {expected}");
}

/// Checks a `DelayFigures` against the expected counts, rates and delays.
fn check(
    figures: &Value,
    counts: [i64; 10],
    rates: [Option<f64>; 3],
    delays: [Option<f64>; 6],
    what: &str,
) {
    let names = [
        "sent",
        "open",
        "overdue",
        "acknowledged",
        "accepted",
        "declined",
        "redirected",
        "cancelled",
        "completed",
        "rightOpened",
    ];
    for (name, expected) in names.iter().zip(counts) {
        assert_eq!(figures[name], json!(expected), "{what}.{name}: {figures}");
    }
    for (name, expected) in ["acceptanceRate", "loopClosedRate", "answeredInTimeRate"]
        .iter()
        .zip(rates)
        .chain(
            [
                "medianDaysToAcknowledge",
                "p90DaysToAcknowledge",
                "medianDaysToDecision",
                "p90DaysToDecision",
                "medianDaysToCompletion",
                "p90DaysToCompletion",
            ]
            .iter()
            .zip(delays),
        )
    {
        match expected {
            Some(v) => close(&figures[name], v, &format!("{what}.{name}")),
            None => assert!(figures[name].is_null(), "{what}.{name}: {}", figures[name]),
        }
    }
}

fn organisation<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["organisation"]["id"] == id)
        .unwrap_or_else(|| panic!("organisation {id} in {report}"))
}

/// The hand count. Working days between two dates count the days after the first up to the
/// second, skipping weekends and holidays (8, 14 and 25 May 2026); pauses are taken off.
///
/// CAF (R1 R2 R3 R4 R5 R6 R8; R0 was sent in April and is not counted):
/// * first answers — R1 Thu 7 → Mon 11 = 1 (Fri 8 is a holiday); R2 Thu 7 → Fri 15 = 4 (11, 12,
///   13, 15); R3 Mon 11 → Mon 11 = 0; R5 Tue 12 → Mon 18 = 3 (13, 15, 18); R8 Fri 15 → Tue 26 = 6
///   (18–22, 26: Mon 25 is Whit Monday). Sorted 0 1 3 4 6: median 3, 90th percentile (rank
///   ⌈4.5⌉ = 5) 6.
/// * decisions — R1: Thu 7 → Wed 20 is 7 working days, less the pause Tue 12 → Mon 18 (13, 15,
///   18 = 3) = 4; R2 4; R3 0; R5 3; R8 Fri 15 → Wed 27 = 7. Sorted 0 3 4 4 7: median 4, p90 7.
/// * completions — R1 Thu 7 → Fri 22 = 9, less 3 = 6; R3 Mon 11 → Wed 13 = 2: median 4, p90 6.
/// * in time — R1, R3, R5, R8 answered by their due date; R2 (urgent, due Wed 13) answered Fri
///   15; R4 (urgent, due Fri 15) unanswered and past due; R6 cancelled before its due date is
///   not measured: 4 of 6.
/// * acceptance — 3 accepted (R1 R3 R8) of 5 decisions (+ R2 declined, R5 redirected) = 0.6.
/// * loop closed — 2 completed of 7 sent less 1 redirected = 1/3.
/// * open R4 (SENT) and R8 (ACCEPTED); overdue R4 only (R8 is due at 09:00, read at 08:00).
///
/// CPAM (R5' sent Mon 18 by the redirect, acknowledged Tue 19: 1 day; R7 sent Wed 13, asked for
/// information the same day: 0, then waiting): median (0 + 1) / 2 = 0.5, p90 (rank 2) 1; no
/// decision; both answered in time; both open, none overdue (R7's clock is stopped).
async fn every_figure_matches_the_hand_count(app: TestApp) {
    let s = scenario(&app).await;
    let r = report(&app, &s.t.coordinator, json!({})).await;
    assert_eq!(
        (r["from"].as_str(), r["to"].as_str()),
        (Some("2026-05-01"), Some("2026-05-31"))
    );

    let caf = organisation(&r, s.caf());
    check(
        &caf["figures"],
        [7, 2, 1, 5, 3, 1, 1, 1, 2, 1],
        [Some(0.6), Some(1.0 / 3.0), Some(4.0 / 6.0)],
        [
            Some(3.0),
            Some(6.0),
            Some(4.0),
            Some(7.0),
            Some(4.0),
            Some(6.0),
        ],
        "CAF",
    );
    assert_eq!(
        caf["figures"]["declineReasons"],
        json!([{ "reason": "NOT_ELIGIBLE", "count": 1 }])
    );
    assert_eq!(
        caf["figures"]["outcomes"],
        json!([{ "outcome": "RIGHT_OPENED", "count": 1 }, { "outcome": "SERVICE_DELIVERED", "count": 1 }])
    );
    assert_eq!(
        caf["figures"]["redirectChains"],
        json!([{ "length": 1, "count": 6 }])
    );
    // 2 of 6 measured answered late = 33 % > 30 %, over at least 5: flagged.
    assert_eq!(caf["flagged"], json!(true));
    assert_eq!(caf["alerts"], json!(["LATE_ANSWERS"]));
    assert_eq!(caf["services"].as_array().unwrap().len(), 1);
    assert_eq!(caf["services"][0]["figures"], caf["figures"]);

    let cpam = organisation(&r, s.cpam());
    check(
        &cpam["figures"],
        [2, 2, 0, 2, 0, 0, 0, 0, 0, 0],
        [None, Some(0.0), Some(1.0)],
        [Some(0.5), Some(1.0), None, None, None, None],
        "CPAM",
    );
    assert_eq!(
        cpam["figures"]["redirectChains"],
        json!([{ "length": 1, "count": 1 }, { "length": 2, "count": 1 }])
    );
    assert_eq!(cpam["flagged"], json!(false), "too few referrals to judge");
    assert_eq!(r["organisations"].as_array().unwrap().len(), 2);

    // The territory: first answers 0 0 1 1 3 4 6 → median (rank 4) 1, p90 (rank 7) 6; in time
    // 6 of 8; loop closed 2 of 9 − 1.
    check(
        &r["totals"],
        [9, 4, 1, 7, 3, 1, 1, 1, 2, 1],
        [Some(0.6), Some(0.25), Some(0.75)],
        [
            Some(1.0),
            Some(6.0),
            Some(4.0),
            Some(7.0),
            Some(4.0),
            Some(6.0),
        ],
        "territory",
    );

    // Week by week, by the date of each event: R0's answer of 4 May counts in its week although
    // R0 was sent in April.
    assert_eq!(
        r["weekly"],
        json!([
            { "weekStart": "2026-04-27", "sent": 0, "acknowledged": 0, "completed": 0, "rightOpened": 0, "medianDaysToAcknowledge": null },
            { "weekStart": "2026-05-04", "sent": 2, "acknowledged": 1, "completed": 0, "rightOpened": 0, "medianDaysToAcknowledge": 1.0 },
            { "weekStart": "2026-05-11", "sent": 6, "acknowledged": 4, "completed": 1, "rightOpened": 0, "medianDaysToAcknowledge": 0.5 },
            { "weekStart": "2026-05-18", "sent": 1, "acknowledged": 2, "completed": 1, "rightOpened": 1, "medianDaysToAcknowledge": 2.0 },
            { "weekStart": "2026-05-25", "sent": 0, "acknowledged": 1, "completed": 0, "rightOpened": 0, "medianDaysToAcknowledge": 6.0 },
        ])
    );

    // The overdue list, whatever the period: R4, 10 working days late on 1 June (18–22, 26–29,
    // 1 June), then R0, due Tuesday 19 May, 8 days late; not R7 (waiting for information), nor
    // R8 (due at 09:00).
    let body = app
        .graphql(
            Some(&s.t.coordinator.token),
            "{ overdueReferrals { edges { node { id status overdue daysOverdue dueAt person { id } motive
                 toOrganisation { id } service { id } } } } }",
            json!({}),
        )
        .await;
    let edges = ok(&body)["overdueReferrals"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(edges.len(), 2, "{body}");
    assert_eq!(
        (
            edges[1]["node"]["id"].clone(),
            edges[1]["node"]["daysOverdue"].clone()
        ),
        (json!(s.r0), json!(8))
    );
    let node = &edges[0]["node"];
    assert_eq!(node["id"], json!(s.r4));
    assert_eq!(node["daysOverdue"], json!(10));
    assert_eq!(
        (node["person"].clone(), node["motive"].clone()),
        (Value::Null, Value::Null)
    );
    assert!(body.to_string().find(&s.r7).is_none() && body.to_string().find(&s.r8).is_none());

    // An hour and a half later R8 is overdue too, last (oldest due first).
    at(&app, datetime!(2026-06-01 09:30 UTC)).await;
    let body = app
        .graphql(
            Some(&s.t.coordinator.token),
            "{ overdueReferrals { edges { node { id daysOverdue } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        ok(&body)["overdueReferrals"]["edges"],
        json!([
            { "node": { "id": s.r4, "daysOverdue": 10 } },
            { "node": { "id": s.r0, "daysOverdue": 8 } },
            { "node": { "id": s.r8, "daysOverdue": 0 } },
        ])
    );
    let r = report(&app, &s.t.coordinator, json!({})).await;
    assert_eq!(r["totals"]["overdue"], json!(2));
}

async fn filters_narrow_the_report_and_org_admins_see_their_own(app: TestApp) {
    let s = scenario(&app).await;
    let whole = report(&app, &s.t.coordinator, json!({})).await;
    let caf = organisation(&whole, s.caf()).clone();

    // One organisation: its figures are the report's totals.
    let only = report(&app, &s.t.coordinator, json!({ "o": s.cpam() })).await;
    assert_eq!(only["organisations"].as_array().unwrap().len(), 1);
    assert_eq!(only["totals"], organisation(&whole, s.cpam())["figures"]);
    // One service, the same.
    let by_service = report(&app, &s.t.coordinator, json!({ "s": s.t.caf_service })).await;
    assert_eq!(by_service["totals"], caf["figures"]);
    // The tenant admin reads the same report.
    let admin = report(&app, &s.t.tenant.admin, json!({})).await;
    assert_eq!(admin["totals"], whole["totals"]);

    // A period: the first week of May only (R1, R2).
    let week = report(
        &app,
        &s.t.coordinator,
        json!({ "from": "2026-05-04", "to": "2026-05-10" }),
    )
    .await;
    assert_eq!(week["totals"]["sent"], json!(2));
    assert_eq!(week["weekly"].as_array().unwrap().len(), 1);

    // The CAF's admin: their organisation, not the territory, not another partner.
    let own = report(&app, &s.caf_admin, json!({ "o": s.caf() })).await;
    assert_eq!(own["totals"], caf["figures"]);
    for vars in [
        json!({}),
        json!({ "o": s.cpam() }),
        json!({ "s": s.t.cpam_service }),
    ] {
        let mut all = may();
        all.as_object_mut()
            .unwrap()
            .extend(vars.as_object().unwrap().clone());
        let body = app
            .graphql(Some(&s.caf_admin.token), &report_query(), all)
            .await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{vars}: {body}");
    }
    let body = app
        .graphql(
            Some(&s.caf_admin.token),
            "{ overdueReferrals { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));
    let body = app
        .graphql(
            Some(&s.caf_admin.token),
            "query($o: ID) { overdueReferrals(organisationId: $o) { edges { node { id } } } }",
            json!({ "o": s.caf() }),
        )
        .await;
    assert_eq!(
        ok(&body)["overdueReferrals"]["edges"][0]["node"]["id"],
        json!(s.r4)
    );
    // An agent or a back-office expert reads no monitoring at all.
    for who in [&s.t.agent, &s.t.caf] {
        let body = app.graphql(Some(&who.token), &report_query(), may()).await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"));
    }

    // A service of another organisation than the one chosen, a period upside down.
    let mut bad = may();
    bad["o"] = json!(s.caf());
    bad["s"] = json!(s.t.cpam_service);
    let body = app
        .graphql(Some(&s.t.coordinator.token), &report_query(), bad)
        .await;
    assert_eq!(
        (error_code(&body), error_field(&body)),
        (Some("BAD_USER_INPUT"), Some("serviceId"))
    );
    let body = app
        .graphql(
            Some(&s.t.coordinator.token),
            &report_query(),
            json!({ "from": "2026-06-01", "to": "2026-05-01" }),
        )
        .await;
    assert_eq!(
        (error_code(&body), error_field(&body)),
        (Some("BAD_USER_INPUT"), Some("from"))
    );

    // The page, filtered the same way, and the org admin's page (their organisation only).
    let (status, html) = app
        .page(
            &s.t.coordinator,
            &format!(
                "/suivi/tableau-de-bord?du=2026-05-01&au=2026-05-31&organisation={}",
                s.cpam()
            ),
        )
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("CPAM Arras") && !html.contains("<th scope=\"row\">CAF Arras</th>"));
    let (status, html) = app
        .page(
            &s.caf_admin,
            "/suivi/tableau-de-bord?du=2026-05-01&au=2026-05-31",
        )
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("<th scope=\"row\">CAF Arras</th>"), "{html}");
    assert!(!html.contains("<th scope=\"row\">CPAM Arras</th>"));
    let (status, _) = app
        .page(
            &s.caf_admin,
            &format!("/suivi/tableau-de-bord?organisation={}", s.cpam()),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = app.page(&s.t.agent, "/suivi/tableau-de-bord").await;
    assert_eq!(status, 403);
}

/// Every coordinator output — GraphQL, the CSV, the dashboard, the overdue list — carries
/// counts, delays, names of organisations and services, ids, statuses and dates; never the
/// person, the motive or a comment.
async fn no_output_names_the_person_or_repeats_a_free_text(app: TestApp) {
    let s = scenario(&app).await;
    // The planted values are really in the database: a search that cannot fail proves nothing.
    let (_, desk_page) = app.page(&s.t.agent, "/orientations/envoyees").await;
    assert!(!desk_page.is_empty());
    let body = app.read_referral(&s.t.agent, &s.r4).await.to_string();
    assert!(
        body.contains("Zéphyrine") && body.contains("Motif-Orchidée"),
        "{body}"
    );

    let mut outputs: Vec<(String, String)> = Vec::new();
    for who in [&s.t.coordinator, &s.t.tenant.admin] {
        let full = format!(
            "{{ referralDelays(from: \"2026-05-01\", to: \"2026-05-31\") {{ from to totals {{ {FIGURES} }}
               organisations {{ organisation {{ id name kind backOfficeEmail }} flagged alerts figures {{ {FIGURES} }}
                 services {{ service {{ id name category }} figures {{ {FIGURES} }} }} }}
               weekly {{ weekStart sent acknowledged completed rightOpened medianDaysToAcknowledge }} }}
               overdueReferrals {{ edges {{ node {{ {} }} }} }}
               monitoringSettings {{ latePercentAbove }} }}",
            passerelle_tests::territory::REFERRAL_FIELDS
        );
        let body = app.graphql(Some(&who.token), &full, json!({})).await;
        ok(&body);
        outputs.push((format!("GraphQL as {}", who.email), body.to_string()));
        let csv = app
            .http
            .get(format!(
                "{}/suivi/export.csv?from=2026-05-01&to=2026-05-31",
                app.url
            ))
            .bearer_auth(&who.token)
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), 200);
        outputs.push((format!("CSV as {}", who.email), csv.text().await.unwrap()));
        for path in [
            "/suivi/tableau-de-bord?du=2026-05-01&au=2026-05-31",
            "/suivi/retards",
        ] {
            let (status, html) = app.page(who, path).await;
            assert_eq!(status, 200, "{path}");
            outputs.push((format!("{path} as {}", who.email), html));
        }
    }
    let (_, html) = app
        .page(
            &s.caf_admin,
            "/suivi/tableau-de-bord?du=2026-05-01&au=2026-05-31",
        )
        .await;
    outputs.push(("the CAF admin's dashboard".into(), html));
    for (what, text) in &outputs {
        assert!(
            text.contains("CAF Arras") || text.contains(&s.r4),
            "{what} shows something"
        );
        for secret in SECRETS {
            assert!(!text.contains(secret), "{what} contains {secret:?}");
        }
    }
}

/// The CSV: UTF-8 with a byte-order mark, a header row, the period in the file name, the same
/// figures as the report; reachable with the session cookie as with a bearer token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_csv_export_is_a_spreadsheet_of_the_report() {
    let app = TestApp::spawn(passerelle_tests::Backend::Sqlite).await;
    let s = scenario(&app).await;
    let url = format!("{}/suivi/export.csv?from=2026-05-01&to=2026-05-31", app.url);
    let by_cookie = app
        .http
        .get(&url)
        .header(
            "cookie",
            format!("passerelle_session={}", s.t.coordinator.token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(by_cookie.status(), 200);
    assert_eq!(
        by_cookie.headers()["content-disposition"],
        "attachment; filename=\"suivi-orientations-2026-05-01-au-2026-05-31.csv\""
    );
    assert!(
        by_cookie.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let bytes = by_cookie.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "a byte-order mark first");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split(';').collect()).collect();
    let header = &lines[0];
    let column = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("column {name} in {header:?}"))
    };
    assert_eq!(
        header[..5],
        ["Du", "Au", "Niveau", "Organisation", "Service"]
    );
    let territory = &lines[1];
    assert_eq!(territory[2], "Territoire");
    assert_eq!(territory[column("Orientations envoyées")], "9");
    assert_eq!(territory[column("Réponse dans le délai (%)")], "75");
    assert_eq!(territory[column("Délai médian de première réponse")], "1");
    let caf = lines
        .iter()
        .find(|l| l[2] == "Organisation" && l[3] == "CAF Arras")
        .expect("a CAF line");
    assert_eq!(caf[column("Boucle bouclée (%)")], "33,3");
    assert_eq!(caf[column("Refus : Personne non éligible")], "1");
    assert_eq!(caf[column("Délai médian de clôture")], "4");
    assert!(
        lines
            .iter()
            .any(|l| l[2] == "Service" && l[4] == "Ouverture de droits RSA")
    );
    // Without a session: refused; an agent: forbidden.
    let anonymous = app.http.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let agent = app
        .http
        .get(&url)
        .bearer_auth(&s.t.agent.token)
        .send()
        .await
        .unwrap();
    assert_eq!(agent.status(), 403);
    let bad = app
        .http
        .get(format!("{}/suivi/export.csv?from=mai", app.url))
        .bearer_auth(&s.t.coordinator.token)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

/// Referrals made before monitoring existed get their summary rows at start-up, from their
/// timelines: the report is the same.
async fn the_summary_rows_are_rebuilt_for_older_referrals(app: TestApp) {
    use sea_orm::EntityTrait;
    let s = scenario(&app).await;
    let before = report(&app, &s.t.coordinator, json!({})).await;
    passerelle::entities::referral_figure::Entity::delete_many()
        .exec(app.db())
        .await
        .unwrap();
    let empty = report(&app, &s.t.coordinator, json!({})).await;
    assert_eq!(empty["totals"]["sent"], json!(0));
    let written = passerelle::monitoring::store::backfill(app.db())
        .await
        .unwrap();
    assert_eq!(written, 10, "R0–R8 and R5'");
    assert_eq!(
        passerelle::monitoring::store::backfill(app.db())
            .await
            .unwrap(),
        0
    );
    let after = report(&app, &s.t.coordinator, json!({})).await;
    assert_eq!(after, before);
}

async fn thresholds_flag_partners_and_are_per_tenant(app: TestApp) {
    let s = scenario(&app).await;
    let lens = app.with_territory("Lens").await;
    let set = "mutation($l: Int!, $a: Int!, $m: Int!) { updateMonitoringSettings(latePercentAbove: $l, acceptancePercentBelow: $a, minReferrals: $m) { latePercentAbove acceptancePercentBelow minReferrals } }";
    // Raise the late threshold above the CAF's 33 %, and the acceptance one above its 60 %.
    let body = app
        .graphql(
            Some(&s.t.coordinator.token),
            set,
            json!({ "l": 40, "a": 70, "m": 5 }),
        )
        .await;
    assert_eq!(
        ok(&body)["updateMonitoringSettings"],
        json!({ "latePercentAbove": 40, "acceptancePercentBelow": 70, "minReferrals": 5 })
    );
    let r = report(&app, &s.t.coordinator, json!({})).await;
    assert_eq!(
        organisation(&r, s.caf())["alerts"],
        json!(["LOW_ACCEPTANCE"])
    );
    // A minimum of 2 lets the CPAM be judged: no decision, all in time — not flagged.
    app.graphql(
        Some(&s.t.coordinator.token),
        set,
        json!({ "l": 40, "a": 70, "m": 2 }),
    )
    .await;
    let r = report(&app, &s.t.coordinator, json!({})).await;
    assert_eq!(organisation(&r, s.cpam())["flagged"], json!(false));
    // Out of range.
    let body = app
        .graphql(
            Some(&s.t.coordinator.token),
            set,
            json!({ "l": 140, "a": 70, "m": 2 }),
        )
        .await;
    assert_eq!(
        (error_code(&body), error_field(&body)),
        (Some("BAD_USER_INPUT"), Some("latePercentAbove"))
    );
    // The other territory keeps its defaults and sees none of Arras.
    let body = app
        .graphql(
            Some(&lens.coordinator.token),
            "{ monitoringSettings { latePercentAbove } }",
            json!({}),
        )
        .await;
    assert_eq!(
        ok(&body)["monitoringSettings"]["latePercentAbove"],
        json!(30)
    );
    let other = report(&app, &lens.coordinator, json!({})).await;
    assert_eq!(other["totals"]["sent"], json!(0));
    assert_eq!(other["organisations"], json!([]));
    let body = app
        .graphql(
            Some(&lens.coordinator.token),
            &report_query(),
            json!({ "o": s.caf() }),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"));
    // An agent may not set them.
    let body = app
        .graphql(
            Some(&s.t.agent.token),
            set,
            json!({ "l": 40, "a": 70, "m": 2 }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));
    // The dashboard shows the flag and the alert.
    let (_, html) = app
        .page(
            &s.t.coordinator,
            "/suivi/tableau-de-bord?du=2026-05-01&au=2026-05-31",
        )
        .await;
    assert!(
        html.contains("En alerte") && html.contains("acceptation faible"),
        "{html}"
    );
}

/// The back office's escalations join the report of the organisation that received them:
/// counts and the working days to the first answer, beside its referral figures.
async fn escalations_sit_beside_the_referrals_of_their_organisation(app: TestApp) {
    let s = scenario(&app).await;
    // Monday 11 May 2026: asked; answered on Wednesday 13 May, two working days later.
    at(&app, datetime!(2026-05-11 09:00 UTC)).await;
    let opened = app
        .open_escalation(
            &s.t.agent,
            s.caf(),
            json!({ "subject": "Question-Hibiscus" }),
        )
        .await;
    let answered = ok(&opened)["createEscalation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    at(&app, datetime!(2026-05-13 10:00 UTC)).await;
    let body = app
        .act_escalation(
            &s.t.caf,
            "answerEscalation",
            &answered,
            r#"body: "Réponse-Camélia""#,
        )
        .await;
    ok(&body);
    // Wednesday 20 May: asked and never answered, due two working days later.
    at(&app, datetime!(2026-05-20 09:00 UTC)).await;
    ok(&app.open_escalation(&s.t.agent, s.caf(), json!({})).await);

    at(&app, READ_AT).await;
    let query = "query($from: Date, $to: Date) { referralDelays(from: $from, to: $to) {
        organisations { organisation { id } escalations {
          received open overdue answered closed medianWorkingDaysToFirstAnswer } } } }";
    let body = app
        .graphql(Some(&s.t.coordinator.token), query, may())
        .await;
    let report = &ok(&body)["referralDelays"];
    let caf = organisation(report, s.caf());
    assert_eq!(
        caf["escalations"],
        json!({ "received": 2, "open": 1, "overdue": 1, "answered": 1, "closed": 0,
                "medianWorkingDaysToFirstAnswer": 2.0 }),
        "{report}"
    );
    assert_eq!(organisation(report, s.cpam())["escalations"], Value::Null);
    // The dashboard shows them, and never the subject nor the answer.
    let (status, page) = app
        .page(
            &s.t.coordinator,
            "/suivi/tableau-de-bord?du=2026-05-01&au=2026-05-31",
        )
        .await;
    assert_eq!(status, 200);
    assert!(page.contains(r#"id="sollicitations""#), "{page}");
    for secret in ["Question-Hibiscus", "Réponse-Camélia"] {
        assert!(!page.contains(secret), "{secret}");
    }
}
