//! Monitoring benchmark: how long `referralDelays` takes for one tenant with a million referrals
//! on PostgreSQL — the application service itself (`monitoring::service::report`, what the
//! resolver, the dashboard and the CSV call), for the whole territory over a year, over three
//! months, for one organisation and for one service; and the plan of every statement it sends.
//!
//! Run it by hand (PostgreSQL must be reachable; it is not part of the test command):
//!
//! ```text
//! cargo bench -p passerelle-tests --bench monitoring
//! ```
//!
//! Environment:
//! - `PASSERELLE_TEST_POSTGRES_URL` — admin URL (default `postgres://postgres@127.0.0.1:5432/postgres`);
//!   a UUID-named database is created there and dropped at the end.
//! - `BENCH_REFERRALS` — referrals of the big tenant (default 1,000,000).
//!
//! The fill is plain SQL (`INSERT … SELECT generate_series`): organisations, services, people,
//! consents, referrals spread over the past year, and their summary rows in `referral_figures`
//! with the statuses, outcomes and delays a year of activity would leave.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use anyhow::Context;
use domain::{Actor, OrganisationId, Role, Roles, ServiceId, TenantId, UserId};
use passerelle::{
    AppState, Config,
    clock::Clock,
    monitoring::service::{self, ReportRequest},
    service::Ctx,
};
use sea_orm::{ConnectionTrait, Database, Statement};
use time::{Duration as Days, OffsetDateTime};
use uuid::Uuid;

const ORGANISATIONS: usize = 30;
const RUNS: usize = 7;

fn id(prefix: char, n: usize) -> Uuid {
    Uuid::from_slice(format!("{prefix}{n:015}").as_bytes()).expect("16 bytes")
}

/// The same id in SQL.
fn sql_id(prefix: char, n: &str) -> String {
    format!(
        "encode(convert_to('{prefix}' || lpad(({n})::bigint::text, 15, '0'), 'UTF8'), 'hex')::uuid"
    )
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let n: usize = std::env::var("BENCH_REFERRALS")
        .ok()
        .map(|v| v.replace(['_', ','], "").parse())
        .transpose()
        .context("BENCH_REFERRALS must be a number")?
        .unwrap_or(1_000_000);
    let admin_url = std::env::var("PASSERELLE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("passerelle_bench_{}", Uuid::new_v4().simple());
    let admin = Database::connect(&admin_url).await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await?;
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(b, _)| b);
    let url = format!("{base}/{name}");
    let result = bench(&url, n).await;
    admin
        .execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await?;
    result
}

async fn fill(db: &impl ConnectionTrait, n: usize) -> anyhow::Result<()> {
    let people = 20_000;
    let tenant = sql_id('t', "0");
    let year = "31536000";
    let statements = [
        format!("INSERT INTO tenants (id, name, created_at) VALUES ({tenant}, 'Grand territoire', now()), ({}, 'Autre', now())", sql_id('t', "1")),
        format!(
            "INSERT INTO organisations (tenant_id, id, name, kind, back_office_email, created_at)
             SELECT {tenant}, {}, 'Organisation ' || i, 'CAF', NULL, now() FROM generate_series(0, {}) i",
            sql_id('o', "i"),
            ORGANISATIONS - 1
        ),
        format!(
            "INSERT INTO services (tenant_id, id, organisation_id, name, category, response_days, urgent_response_days, created_at)
             SELECT {tenant}, {}, {}, 'Service ' || i, 'Accès aux droits', 10, 3, now() FROM generate_series(0, {}) i",
            sql_id('s', "i"),
            sql_id('o', "i / 3"),
            ORGANISATIONS * 3 - 1
        ),
        format!(
            "INSERT INTO people (tenant_id, id, organisation_id, first_name, last_name, birth_date, phone, email, address, duplicate_key, created_by, created_at)
             SELECT {tenant}, {}, {}, 'Prénom' || i, 'Nom' || i, DATE '1970-01-01' + (i % 15000), NULL, NULL, NULL, 'k' || i, {}, now()
             FROM generate_series(0, {}) i",
            sql_id('p', "i"),
            sql_id('o', "i % 3"),
            sql_id('u', "0"),
            people - 1
        ),
        format!(
            "INSERT INTO consents (tenant_id, id, person_id, organisation_id, purposes, data_categories, method, collected_by, collected_at, expires_at, evidence, text_version)
             SELECT {tenant}, {}, {}, {}, 'ORIENTATION', 'IDENTITY', 'ORAL', {}, now() - interval '2 years', NULL, NULL, 'v1'
             FROM generate_series(0, {}) i",
            sql_id('c', "i"),
            sql_id('p', "i"),
            sql_id('o', "i % 3"),
            sql_id('u', "0"),
            people - 1
        ),
        // Organisations 0–2 send; the others receive, some much more than others.
        format!(
            "WITH s AS MATERIALIZED (
                SELECT i, random() AS r_org, random() AS r_st, random() AS r_age, random() AS r_sv
                FROM generate_series(1, {n}) i),
             k AS MATERIALIZED (
                SELECT s.*, 3 + floor(power(r_org, 1.6) * {receivers})::int AS to_k,
                       floor(r_age * {year})::int AS age_s,
                       CASE WHEN r_st < 0.50 THEN 'COMPLETED' WHEN r_st < 0.62 THEN 'DECLINED'
                            WHEN r_st < 0.67 THEN 'REDIRECTED' WHEN r_st < 0.72 THEN 'CANCELLED'
                            WHEN r_st < 0.80 THEN 'SENT' WHEN r_st < 0.87 THEN 'ACKNOWLEDGED'
                            WHEN r_st < 0.90 THEN 'INFO_REQUESTED' ELSE 'ACCEPTED' END AS st
                FROM s)
             INSERT INTO referrals (tenant_id, id, person_id, consent_id, from_organisation_id,
                 to_organisation_id, service_id, created_by, motive, urgency, status, version, due_at,
                 paused_at, assignee_id, parent_id, root_id, outcome, decline_reason, created_at,
                 updated_at, closed_at)
             SELECT {tenant}, {rid}, {pid}, {cid}, {from_org}, {to_org}, {service}, {user},
                    'Motif ' || i, 'STANDARD', st, 3,
                    now() - make_interval(secs => age_s) + interval '14 days',
                    CASE WHEN st = 'INFO_REQUESTED' THEN now() - make_interval(secs => age_s / 2) END,
                    NULL, NULL, {rid},
                    CASE WHEN st = 'COMPLETED' THEN (ARRAY['RIGHT_OPENED','RIGHT_OPENED','SERVICE_DELIVERED','NOT_ELIGIBLE','PERSON_UNREACHABLE','OTHER'])[1 + i % 6] END,
                    CASE WHEN st = 'DECLINED' THEN (ARRAY['NOT_ELIGIBLE','NOT_OUR_SERVICE','INCOMPLETE_FILE','NO_CAPACITY'])[1 + i % 4] END,
                    now() - make_interval(secs => age_s), now() - make_interval(secs => age_s),
                    CASE WHEN st IN ('COMPLETED', 'DECLINED', 'REDIRECTED', 'CANCELLED')
                         THEN now() - make_interval(secs => age_s / 2) END
             FROM k",
            receivers = ORGANISATIONS - 3,
            rid = sql_id('r', "i"),
            pid = sql_id('p', &format!("i % {people}")),
            cid = sql_id('c', &format!("i % {people}")),
            from_org = sql_id('o', &format!("(i % {people}) % 3")),
            to_org = sql_id('o', "to_k"),
            service = sql_id('s', "to_k * 3 + floor(r_sv * 3)::int"),
            user = sql_id('u', "0"),
        ),
        // The summary rows a year of these referrals leaves: first answers 0–14 working days
        // after sending for all but the unanswered (SENT, half the cancelled), decisions for the
        // decided, completions for the completed.
        "WITH r AS MATERIALIZED (
            SELECT f.*, floor(random() * 15)::int AS d1, floor(random() * 8)::int AS d2,
                   floor(random() * 30)::int AS d3, random() AS r_c
            FROM referrals f),
          a AS (
            SELECT r.*, NOT (status = 'SENT' OR (status = 'CANCELLED' AND r_c < 0.5)) AS answered,
                   status IN ('ACCEPTED', 'COMPLETED', 'DECLINED', 'REDIRECTED') AS decided
            FROM r)
          INSERT INTO referral_figures (tenant_id, referral_id, organisation_id, service_id, status,
              outcome, decline_reason, chain_length, sent_at, sent_week, first_due_at, due_at,
              closed_at, paused_since, paused_days, first_answer_at, first_answer_week,
              first_answer_days, answered_in_time, decision, decided_at, decision_days,
              completed_at, completed_week, completion_days)
          SELECT tenant_id, id, to_organisation_id, service_id, status, outcome, decline_reason,
                 CASE WHEN r_c < 0.05 THEN 2 ELSE 1 END,
                 created_at, date_trunc('week', created_at)::date, due_at, due_at, closed_at,
                 paused_at, 0,
                 CASE WHEN answered THEN created_at + make_interval(days => d1 * 7 / 5) END,
                 CASE WHEN answered THEN date_trunc('week', created_at + make_interval(days => d1 * 7 / 5))::date END,
                 CASE WHEN answered THEN d1 END,
                 CASE WHEN answered THEN d1 <= 10 END,
                 CASE WHEN status IN ('ACCEPTED', 'COMPLETED') THEN 'ACCEPT'
                      WHEN status = 'DECLINED' THEN 'DECLINE' WHEN status = 'REDIRECTED' THEN 'REDIRECT' END,
                 CASE WHEN decided THEN created_at + make_interval(days => (d1 + d2) * 7 / 5) END,
                 CASE WHEN decided THEN d1 + d2 END,
                 CASE WHEN status = 'COMPLETED' THEN created_at + make_interval(days => (d1 + d2 + d3) * 7 / 5) END,
                 CASE WHEN status = 'COMPLETED' THEN date_trunc('week', created_at + make_interval(days => (d1 + d2 + d3) * 7 / 5))::date END,
                 CASE WHEN status = 'COMPLETED' THEN d1 + d2 + d3 END
          FROM a"
            .to_owned(),
        "VACUUM ANALYZE".to_owned(),
    ];
    for sql in statements {
        let started = Instant::now();
        db.execute_unprepared(&sql)
            .await
            .with_context(|| format!("fill statement failed:\n{sql}"))?;
        println!(
            "  fill: {:>6.1} s  {}",
            started.elapsed().as_secs_f64(),
            sql.split_whitespace().take(4).collect::<Vec<_>>().join(" ")
        );
    }
    Ok(())
}

fn median_p95(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p95 = times[((times.len() as f64 * 0.95).ceil() as usize).clamp(1, times.len()) - 1];
    (ms(times[times.len() / 2]), ms(p95))
}

async fn bench(url: &str, n: usize) -> anyhow::Result<()> {
    println!("PostgreSQL, one tenant with {n} referrals over the past year");
    let db = passerelle::db::connect(url).await?;
    passerelle::db::migrate(&db).await?;
    fill(&db, n).await?;
    let app = AppState::new(
        db.clone(),
        Config::for_database(url.to_owned()),
        Clock::default(),
    )?;
    let coordinator = Actor {
        tenant_id: TenantId::from_uuid(id('t', 0)),
        organisation_id: OrganisationId::from_uuid(id('o', 0)),
        user_id: Some(UserId::from_uuid(id('u', 0))),
        client_id: None,
        roles: Roles::from(Role::Coordinator),
    };
    let now = OffsetDateTime::now_utc();
    let ctx = Ctx {
        actor: &coordinator,
        db: &app.db,
        now,
        hooks: &app.hooks,
    };
    let today = now.date();
    let cases = [
        ("territory, 52 weeks (default)", ReportRequest::default()),
        (
            "territory, last 3 months",
            ReportRequest {
                from: Some(today - Days::days(91)),
                to: Some(today),
                ..ReportRequest::default()
            },
        ),
        (
            "busiest organisation, 52 weeks",
            ReportRequest {
                organisation: Some(OrganisationId::from_uuid(id('o', 3))),
                ..ReportRequest::default()
            },
        ),
        (
            "one service, 52 weeks",
            ReportRequest {
                service: Some(ServiceId::from_uuid(id('s', 9))),
                ..ReportRequest::default()
            },
        ),
    ];
    println!(
        "\n{:<34} | {:>9} | {:>9} | {:>8}",
        "referralDelays", "median ms", "p95 ms", "sent"
    );
    println!("{}", "-".repeat(70));
    for (label, request) in cases {
        let mut times = Vec::new();
        let mut sent = 0;
        for _ in 0..RUNS {
            let started = Instant::now();
            let report = service::report(&ctx, request)
                .await
                .map_err(|e| anyhow::anyhow!("report: {e:?}"))?;
            times.push(started.elapsed());
            sent = report.totals.sent;
        }
        let (median, p95) = median_p95(times);
        println!("{label:<34} | {median:>9.1} | {p95:>9.1} | {sent:>8}");
    }

    // The statements of one default report, each explained.
    let caught: Arc<Mutex<Vec<Statement>>> = Arc::default();
    let mut spy = passerelle::db::connect(url).await?;
    let sink = caught.clone();
    spy.set_metric_callback(move |info| {
        if let Ok(mut sink) = sink.lock() {
            sink.push(info.statement.clone());
        }
    });
    let spy_ctx = Ctx { db: &spy, ..ctx };
    service::report(&spy_ctx, ReportRequest::default())
        .await
        .map_err(|e| anyhow::anyhow!("report: {e:?}"))?;
    let statements = caught
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .clone();
    println!("\nstatements of the default report (EXPLAIN ANALYZE):");
    for statement in statements {
        let explained = Statement {
            sql: format!("EXPLAIN (ANALYZE, BUFFERS) {}", statement.sql),
            ..statement.clone()
        };
        let rows = db.query_all_raw(explained).await?;
        let lines: Vec<String> = rows
            .iter()
            .filter_map(|r| r.try_get::<String>("", "QUERY PLAN").ok())
            .collect();
        let first = statement.sql.chars().take(90).collect::<String>();
        println!("\n  {first}…");
        for line in lines.iter().filter(|l| {
            l.contains("Scan")
                || l.contains("Aggregate")
                || l.contains("Execution Time")
                || l.contains("Workers")
        }) {
            println!("    {}", line.trim());
        }
    }
    let sizes = db
        .query_all_raw(Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT c.relname AS name, pg_size_pretty(pg_relation_size(c.oid)) AS size
             FROM pg_class c WHERE c.relname LIKE 'referral_figures%' OR c.relname = 'referrals'
             ORDER BY c.relname"
                .to_owned(),
        ))
        .await?;
    println!("\nsizes:");
    for row in sizes {
        println!(
            "  {:<40} {}",
            row.try_get::<String>("", "name")?,
            row.try_get::<String>("", "size")?
        );
    }
    spy.close().await?;
    db.close().await?;
    Ok(())
}
