//! The answer deadline of escalations, in working days: a reminder when it is due, the
//! organisation's admins told one working day later — each once, skipping weekends and public
//! holidays, with the clock moved (never slept); and still once with two `serve` processes on
//! one PostgreSQL.

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use passerelle::escalations::deadlines::{Sent, run_once};
use passerelle_tests::{
    Account, Backend, TestApp, binary, ok, on_both_backends,
    smtp::{SmtpOptions, SmtpServer, distinct_ids},
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Statement};
use serde_json::json;
use time::macros::datetime;

on_both_backends!(
    a_friday_before_a_holiday_is_reminded_then_escalated_once_each_on_working_days,
    an_answer_stops_the_stages_and_a_reply_starts_a_new_deadline,
);

async fn pass(app: &TestApp, at: time::OffsetDateTime) -> Sent {
    app.state.clock.travel_to(at);
    run_once(&app.state)
        .await
        .unwrap_or_else(|e| panic!("deadline pass: {:?}", e.code()))
}

const fn sent(reminders: usize, admin_alerts: usize) -> Sent {
    Sent {
        reminders,
        admin_alerts,
    }
}

/// The deadline mails of one escalation, oldest first: (kind, recipients).
async fn stage_mails(app: &TestApp, id: &str) -> Vec<(String, String)> {
    use passerelle::entities::notification::{Column, Entity};
    Entity::find()
        .filter(Column::Kind.is_in(["ESCALATION_REMINDER", "ESCALATION_OVERDUE"]))
        .filter(Column::BodyText.contains(format!("/sollicitations/{id}")))
        .order_by_asc(Column::CreatedAt)
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|n| (n.kind.as_str().to_owned(), n.recipients))
        .collect()
}

async fn open(app: &TestApp, agent: &Account, to: &str, urgency: &str) -> String {
    let body = app
        .open_escalation(agent, to, json!({ "urgency": urgency }))
        .await;
    ok(&body)["createEscalation"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn history(app: &TestApp, who: &Account, id: &str) -> Vec<String> {
    let seen = app.read_escalation(who, id).await;
    ok(&seen)["escalation"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["kind"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_friday_before_a_holiday_is_reminded_then_escalated_once_each_on_working_days(
    app: TestApp,
) {
    // Friday 22 May 2026, 16:00 UTC; Monday 25 is Whit Monday. Standard (2 working days): due
    // Wednesday 27 at 16:00, the admins told Thursday 28. Urgent (1): due Tuesday 26, the
    // admins told Wednesday 27.
    let t = {
        app.state.clock.travel_to(datetime!(2026-05-22 15:00 UTC));
        app.with_territory("Arras").await
    };
    let caf_admin = app
        .create_user(
            &t.tenant.admin,
            &t.caf.organisation_id,
            "direction@caf-arras.test",
            &["ORG_ADMIN"],
        )
        .await;
    app.state.clock.travel_to(datetime!(2026-05-22 16:00 UTC));
    let standard = open(&app, &t.agent, &t.caf.organisation_id, "STANDARD").await;
    let urgent = open(&app, &t.agent, &t.caf.organisation_id, "URGENT").await;
    ok(&app
        .act_escalation(&t.caf, "takeEscalation", &urgent, "")
        .await);
    for (id, due) in [
        (&standard, "2026-05-27T16:00"),
        (&urgent, "2026-05-26T16:00"),
    ] {
        let seen = app.read_escalation(&t.agent, id).await;
        let at = ok(&seen)["escalation"]["dueAt"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(at.starts_with(due), "{at}, expected {due}");
    }

    let steps = [
        (
            datetime!(2026-05-22 18:00 UTC),
            sent(0, 0),
            "Friday evening",
        ),
        (datetime!(2026-05-23 12:00 UTC), sent(0, 0), "Saturday"),
        (datetime!(2026-05-25 17:00 UTC), sent(0, 0), "Whit Monday"),
        (
            datetime!(2026-05-26 15:59 UTC),
            sent(0, 0),
            "a minute early",
        ),
        (
            datetime!(2026-05-26 16:01 UTC),
            sent(1, 0),
            "the urgent one is due",
        ),
        (datetime!(2026-05-26 19:00 UTC), sent(0, 0), "reminded once"),
        (
            datetime!(2026-05-27 15:59 UTC),
            sent(0, 0),
            "a minute early",
        ),
        (
            datetime!(2026-05-27 16:01 UTC),
            sent(1, 1),
            "the standard one is due; the urgent one a working day late",
        ),
        (datetime!(2026-05-27 20:00 UTC), sent(0, 0), "once each"),
        (
            datetime!(2026-05-28 16:01 UTC),
            sent(0, 1),
            "the standard one a working day late",
        ),
        (datetime!(2026-05-29 10:00 UTC), sent(0, 0), "once each"),
        (datetime!(2026-06-01 10:00 UTC), sent(0, 0), "once each"),
    ];
    for (at, expected, what) in steps {
        assert_eq!(pass(&app, at).await, expected, "{at}: {what}");
    }

    let mailbox = passerelle_tests::fixtures::mailbox_of("CAF Arras");
    assert_eq!(
        stage_mails(&app, &standard).await,
        [
            ("ESCALATION_REMINDER".to_owned(), mailbox.clone()),
            ("ESCALATION_OVERDUE".to_owned(), caf_admin.email.clone()),
        ],
        "the queue is reminded, then the organisation's admins — not the coordinator"
    );
    assert_eq!(
        stage_mails(&app, &urgent).await,
        [
            ("ESCALATION_REMINDER".to_owned(), t.caf.email.clone()),
            ("ESCALATION_OVERDUE".to_owned(), caf_admin.email.clone()),
        ],
        "a taken one reminds its assignee"
    );
    assert_eq!(
        history(&app, &t.agent, &standard).await,
        ["OPENED", "REMINDER_SENT", "ADMINS_ALERTED"]
    );
    let seen = app.read_escalation(&t.agent, &standard).await;
    assert_eq!(ok(&seen)["escalation"]["overdue"], true);
    let seen = app.read_escalation(&t.caf, &standard).await;
    let alerted = ok(&seen)["escalation"]["history"][2].clone();
    assert_eq!(
        alerted["actor"],
        serde_json::Value::Null,
        "the system did it"
    );
}

async fn an_answer_stops_the_stages_and_a_reply_starts_a_new_deadline(app: TestApp) {
    // Monday 1 March 2027: due Wednesday 3 at 09:00.
    app.state.clock.travel_to(datetime!(2027-03-01 08:00 UTC));
    let t = app.with_territory("Arras").await;
    app.create_user(
        &t.tenant.admin,
        &t.caf.organisation_id,
        "direction@caf-arras.test",
        &["ORG_ADMIN"],
    )
    .await;
    app.state.clock.travel_to(datetime!(2027-03-01 09:00 UTC));
    let id = open(&app, &t.agent, &t.caf.organisation_id, "STANDARD").await;
    app.state.clock.travel_to(datetime!(2027-03-02 10:00 UTC));
    ok(&app
        .act_escalation(&t.caf, "answerEscalation", &id, r#"body: "Voici""#)
        .await);
    assert_eq!(
        pass(&app, datetime!(2027-03-05 10:00 UTC)).await,
        sent(0, 0),
        "answered in time: nothing to chase"
    );
    // The agent writes back on Friday 5 at 10:00: due Tuesday 9, reminded then, once.
    ok(&app
        .act_escalation(&t.agent, "replyEscalation", &id, r#"body: "Et ensuite ?""#)
        .await);
    assert_eq!(
        pass(&app, datetime!(2027-03-09 09:59 UTC)).await,
        sent(0, 0)
    );
    assert_eq!(
        pass(&app, datetime!(2027-03-09 10:01 UTC)).await,
        sent(1, 0)
    );
    assert_eq!(
        pass(&app, datetime!(2027-03-09 18:00 UTC)).await,
        sent(0, 0)
    );
    // Answered, then asked again: a new deadline, a new reminder.
    ok(&app
        .act_escalation(&t.caf, "answerEscalation", &id, r#"body: "Complet""#)
        .await);
    ok(&app
        .act_escalation(
            &t.agent,
            "replyEscalation",
            &id,
            r#"body: "Merci, une dernière chose""#,
        )
        .await);
    assert_eq!(
        pass(&app, datetime!(2027-03-11 18:01 UTC)).await,
        sent(1, 0)
    );
    assert_eq!(
        pass(&app, datetime!(2027-03-12 18:01 UTC)).await,
        sent(0, 1)
    );
    // Closed: nothing more, whatever the date.
    ok(&app
        .act_escalation(&t.agent, "closeEscalation", &id, "")
        .await);
    assert_eq!(
        pass(&app, datetime!(2027-04-30 10:00 UTC)).await,
        sent(0, 0)
    );
    let kinds: Vec<String> = stage_mails(&app, &id)
        .await
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        kinds,
        [
            "ESCALATION_REMINDER",
            "ESCALATION_REMINDER",
            "ESCALATION_OVERDUE"
        ]
    );
}

const JWT_SECRET: &str = "a-test-signing-key-that-is-long-enough-0123456789";

/// `passerelle serve` on a free port, its deadline pass every second, mailing to `smtp_url`.
fn serve(database_url: &str, smtp_url: &str) -> Child {
    Command::new(binary())
        .arg("serve")
        .env("PASSERELLE_DATABASE_URL", database_url)
        .env("PASSERELLE_BIND", "127.0.0.1:0")
        .env("PASSERELLE_JWT_SECRET", JWT_SECRET)
        .env("PASSERELLE_SMTP_URL", smtp_url)
        .env("PASSERELLE_MAIL_POLL_MS", "50")
        .env("PASSERELLE_DEADLINE_TICK_SECS", "1")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start passerelle serve")
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let row = app
        .db()
        .query_one_raw(Statement::from_string(app.db().get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

/// Escalations opened on a Friday before a public holiday, long overdue for the two processes
/// (their clock is the system's): each reminder and each alert goes out once, whichever
/// process claims it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_serve_processes_send_each_stage_once() {
    const N: usize = 100;
    let smtp = SmtpServer::start(SmtpOptions {
        delay_ms: 5,
        ..Default::default()
    })
    .await;
    let app = TestApp::spawn(Backend::Postgres).await;
    app.state.clock.travel_to(datetime!(2026-05-22 15:00 UTC));
    let t = app.with_territory("Arras").await;
    app.create_user(
        &t.tenant.admin,
        &t.caf.organisation_id,
        "direction@caf-arras.test",
        &["ORG_ADMIN"],
    )
    .await;
    app.state.clock.travel_to(datetime!(2026-05-22 16:00 UTC));
    for i in 0..N {
        let urgency = if i % 2 == 0 { "STANDARD" } else { "URGENT" };
        open(&app, &t.agent, &t.caf.organisation_id, urgency).await;
    }
    let url = app.state.config.database_url.clone();
    let started = Instant::now();
    let mut a = serve(&url, &smtp.url());
    let mut b = serve(&url, &smtp.url());
    let stages = "SELECT COUNT(*) AS n FROM escalation_events WHERE kind IN ('REMINDER_SENT', 'ADMINS_ALERTED')";
    let deadline = Instant::now() + Duration::from_secs(90);
    while count(&app, stages).await < 2 * N as i64 {
        assert!(Instant::now() < deadline, "stages never all sent");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let all_sent = smtp.wait_for(3 * N, Duration::from_secs(60)).await;
    let elapsed = started.elapsed();
    // A few more ticks of both processes: nothing is sent again.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for child in [&mut a, &mut b] {
        let _ = child.kill();
        let _ = child.wait();
    }
    assert_eq!(count(&app, stages).await, 2 * N as i64);
    for kind in ["ESCALATION_REMINDER", "ESCALATION_OVERDUE"] {
        let sql = format!("SELECT COUNT(*) AS n FROM notifications WHERE kind = '{kind}'");
        assert_eq!(count(&app, &sql).await, N as i64, "{kind}");
    }
    let received = smtp.messages();
    assert!(received.len() >= all_sent.len());
    assert_eq!(
        received.len(),
        3 * N,
        "each escalation's new mail, reminder and alert, once"
    );
    assert_eq!(distinct_ids(&received).len(), 3 * N);
    let reminders = received
        .iter()
        .filter(|m| m.subject.starts_with("Rappel : sollicitation"))
        .count();
    let alerts = received
        .iter()
        .filter(|m| m.subject.starts_with("Sollicitation sans réponse"))
        .count();
    assert_eq!((reminders, alerts), (N, N));
    println!(
        "two serve processes: {N} reminders and {N} admins' alerts, each once, all delivered {:.1} s after start",
        elapsed.as_secs_f64()
    );
}
