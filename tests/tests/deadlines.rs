//! Reminders, overdue notices and escalations go out on the right working day, once each,
//! skipping weekends and public holidays — with the clock moved, never slept.

use passerelle::referrals::deadlines::{Sent, run_once};
use passerelle_tests::{TestApp, error_code, error_field, ok, on_both_backends};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use time::macros::datetime;

on_both_backends!(
    stages_follow_the_working_day_calendar,
    thresholds_are_per_tenant,
    the_clock_stops_while_waiting_for_information
);

async fn outbox(app: &TestApp, referral: &str) -> Vec<(String, String)> {
    let id: uuid::Uuid = referral.parse().unwrap();
    passerelle::entities::notification::Entity::find()
        .filter(passerelle::entities::notification::Column::ReferralId.eq(id))
        .order_by_asc(passerelle::entities::notification::Column::CreatedAt)
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .filter(|n| ["REMINDER", "OVERDUE", "ESCALATION"].contains(&n.kind.as_str()))
        .map(|n| (n.kind.as_str().to_owned(), n.recipients))
        .collect()
}

async fn stages_follow_the_working_day_calendar(app: TestApp) {
    // Wednesday 23 December 2026, 09:00 UTC: an urgent referral (3 working days) is due on
    // Tuesday 29 December — Friday 25 is Christmas, then a weekend.
    app.state.clock.travel_to(datetime!(2026-12-23 09:00 UTC));
    let t = app.with_territory("Arras").await;
    let person = app
        .create_person(&t.agent, "Élodie", "Dupont", "1984-07-02")
        .await;
    let consent = app
        .record_consent(&t.agent, &person, &[&t.caf.organisation_id], None)
        .await;
    let body = app
        .send_referral(&t.agent, &person, &consent, &t.caf_service, "URGENT")
        .await;
    let referral = ok(&body)["createReferral"].clone();
    let id = referral["id"].as_str().unwrap();
    assert!(
        referral["dueAt"]
            .as_str()
            .unwrap()
            .starts_with("2026-12-29T09:00"),
        "{referral}"
    );
    // The territory's coordinator and the CAF's admin are escalated to.
    let caf_admin = app
        .create_user(
            &t.tenant.admin,
            &t.caf.organisation_id,
            "admin@caf-arras.test",
            &["ORG_ADMIN"],
        )
        .await;

    assert_eq!(
        app_pass(&app, datetime!(2026-12-23 18:00 UTC)).await,
        Sent::default(),
        "3 working days left: nothing yet"
    );
    assert_eq!(
        app_pass(&app, datetime!(2026-12-24 08:00 UTC)).await,
        Sent {
            reminders: 1,
            ..Sent::default()
        },
        "2 working days before (Christmas skipped)"
    );
    assert_eq!(
        app_pass(&app, datetime!(2026-12-28 08:00 UTC)).await,
        Sent::default(),
        "reminded once only"
    );
    assert_eq!(
        app_pass(&app, datetime!(2026-12-29 08:59 UTC)).await,
        Sent::default(),
        "not yet due"
    );
    assert_eq!(
        app_pass(&app, datetime!(2026-12-29 09:01 UTC)).await,
        Sent {
            overdue: 1,
            ..Sent::default()
        },
        "due now"
    );
    assert_eq!(
        app_pass(&app, datetime!(2026-12-31 10:00 UTC)).await,
        Sent::default(),
        "2 working days late"
    );
    // 1 January is a holiday, then a weekend: the third working day late is Monday 4 January.
    assert_eq!(
        app_pass(&app, datetime!(2027-01-03 10:00 UTC)).await,
        Sent::default(),
        "holiday and weekend do not count"
    );
    assert_eq!(
        app_pass(&app, datetime!(2027-01-04 10:00 UTC)).await,
        Sent {
            escalations: 1,
            ..Sent::default()
        }
    );
    assert_eq!(
        app_pass(&app, datetime!(2027-01-11 10:00 UTC)).await,
        Sent::default(),
        "each stage once"
    );

    let mails = outbox(&app, id).await;
    let kinds: Vec<&str> = mails.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["REMINDER", "OVERDUE", "ESCALATION"]);
    assert_eq!(
        mails[0].1,
        passerelle_tests::fixtures::mailbox_of("CAF Arras"),
        "the CAF's back-office mailbox is reminded"
    );
    let escalated: Vec<&str> = mails[2].1.split(',').collect();
    assert!(
        escalated.contains(&caf_admin.email.as_str()),
        "{escalated:?}"
    );
    assert!(
        escalated.contains(&t.coordinator.email.as_str()),
        "{escalated:?}"
    );
    assert!(
        !escalated.contains(&t.caf.email.as_str()),
        "the expert is not an admin: {escalated:?}"
    );

    let seen = app.read_referral(&t.agent, id).await;
    let kinds: Vec<String> = ok(&seen)["referral"]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds,
        [
            "CREATE",
            "REMINDER_SENT",
            "OVERDUE_NOTICE_SENT",
            "ESCALATED"
        ]
    );
    assert_eq!(ok(&seen)["referral"]["overdue"], true);
}

async fn app_pass(app: &TestApp, at: time::OffsetDateTime) -> Sent {
    app.state.clock.travel_to(at);
    run_once(&app.state)
        .await
        .unwrap_or_else(|e| panic!("deadline pass: {:?}", e.code()))
}

async fn thresholds_are_per_tenant(app: TestApp) {
    app.state.clock.travel_to(datetime!(2026-12-23 09:00 UTC));
    let t = app.with_territory("Arras").await;
    let set = "mutation($r: Int!, $e: Int!) { updateDeadlineSettings(reminderDaysBefore: $r, escalationDaysAfter: $e) { reminderDaysBefore escalationDaysAfter } }";
    let body = app
        .graphql(Some(&t.agent.token), set, json!({ "r": 0, "e": 1 }))
        .await;
    assert_eq!(
        error_code(&body),
        Some("FORBIDDEN"),
        "only the tenant admin sets them"
    );
    let body = app
        .graphql(Some(&t.tenant.admin.token), set, json!({ "r": 0, "e": 99 }))
        .await;
    assert_eq!(
        (error_code(&body), error_field(&body)),
        (Some("BAD_USER_INPUT"), Some("escalationDaysAfter"))
    );
    let body = app
        .graphql(Some(&t.tenant.admin.token), set, json!({ "r": 0, "e": 1 }))
        .await;
    assert_eq!(
        ok(&body)["updateDeadlineSettings"],
        json!({ "reminderDaysBefore": 0, "escalationDaysAfter": 1 })
    );

    let person = app
        .create_person(&t.agent, "Jean", "Martin", "1970-01-15")
        .await;
    let consent = app
        .record_consent(&t.agent, &person, &[&t.caf.organisation_id], None)
        .await;
    let body = app
        .send_referral(&t.agent, &person, &consent, &t.caf_service, "URGENT")
        .await;
    ok(&body);
    // No reminder at all with 0 days before; escalation one working day after the due date.
    assert_eq!(
        app_pass(&app, datetime!(2026-12-28 10:00 UTC)).await,
        Sent::default()
    );
    assert_eq!(
        app_pass(&app, datetime!(2026-12-29 10:00 UTC)).await,
        Sent {
            overdue: 1,
            ..Sent::default()
        }
    );
    assert_eq!(
        app_pass(&app, datetime!(2026-12-30 10:00 UTC)).await,
        Sent {
            escalations: 1,
            ..Sent::default()
        }
    );
}

async fn the_clock_stops_while_waiting_for_information(app: TestApp) {
    // Monday 30 November 2026: a standard referral (10 working days) is due Monday 14 December.
    app.state.clock.travel_to(datetime!(2026-11-30 09:00 UTC));
    let t = app.with_territory("Arras").await;
    let person = app
        .create_person(&t.agent, "Jean", "Martin", "1970-01-15")
        .await;
    let consent = app
        .record_consent(&t.agent, &person, &[&t.caf.organisation_id], None)
        .await;
    let body = app
        .send_referral(&t.agent, &person, &consent, &t.caf_service, "STANDARD")
        .await;
    let id = ok(&body)["createReferral"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        ok(&body)["createReferral"]["dueAt"]
            .as_str()
            .unwrap()
            .starts_with("2026-12-14T09:00"),
        "{body}"
    );

    // Wednesday 2 December: information requested, 8 working days remain.
    app.state.clock.travel_to(datetime!(2026-12-02 10:00 UTC));
    app.act(
        &t.caf,
        "requestReferralInfo",
        &id,
        r#"question: "Justificatif de domicile ?""#,
    )
    .await;
    // Long after the due date, a referral waiting for information is not overdue...
    app.state.clock.travel_to(datetime!(2026-12-21 10:00 UTC));
    let seen = app.read_referral(&t.caf, &id).await;
    assert_eq!(
        ok(&seen)["referral"]["overdue"],
        false,
        "the clock is stopped"
    );
    assert_eq!(
        run_once(&app.state).await.map_err(|e| e.code()).unwrap(),
        Sent::default(),
        "and nothing is chased"
    );
    // ...and the answer restarts it with the 8 days left: from Monday 21 December, skipping
    // Christmas, a weekend and New Year's Day, that is Monday 4 January 2027.
    let r = app
        .act(
            &t.agent,
            "provideReferralInfo",
            &id,
            r#"answer: "Transmis""#,
        )
        .await;
    assert!(
        ok(&r)["r"]["dueAt"]
            .as_str()
            .unwrap()
            .starts_with("2027-01-04T09:00"),
        "{r}"
    );
    assert_eq!(ok(&r)["r"]["overdue"], false);
}
