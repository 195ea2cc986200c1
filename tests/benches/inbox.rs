//! Inbox benchmark: how long one page of an organisation's received referrals takes on a
//! database filled with realistic volumes — the application's own query
//! (`referrals::store::list`) beside the same SQL run raw, keyset pages beside OFFSET, and the
//! same pages without the indexes that serve them, or with a full index instead of the partial
//! one. Figures are printed side by side in one table, from one run (see docs/PERFORMANCE.md).
//!
//! Run it (PostgreSQL must be reachable; it is not part of the test command):
//!
//! ```text
//! cargo bench -p passerelle-tests --bench inbox
//! ```
//!
//! Environment:
//! - `PASSERELLE_TEST_POSTGRES_URL` — admin URL (default `postgres://postgres@127.0.0.1:5432/postgres`);
//!   a UUID-named database is created there and dropped at the end.
//! - `BENCH_REFERRALS` — referrals on PostgreSQL (default 200,000).
//! - `BENCH_SQLITE_REFERRALS` — referrals on SQLite, in a temporary file (default 100,000; 0 skips).

use std::{
    future::Future,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use anyhow::Context;
use domain::{Actor, OrganisationId, Role, Roles, TenantId, UserId};
use passerelle::{
    entities::referral,
    referrals::store::{self, Filters, Order, Scope},
    store::{Cursor, PageRequest},
};
use sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbBackend, FromQueryResult, Statement,
    TransactionTrait,
};
use time::OffsetDateTime;
use uuid::Uuid;

/// Rows per page, as the inbox asks for by default.
const PAGE: u64 = 20;
/// Per measured query: at least this many runs, at most that many, within about this long.
const MIN_RUNS: usize = 15;
const MAX_RUNS: usize = 300;
const BUDGET: Duration = Duration::from_millis(1200);
/// The statuses the partial indexes leave out, as in the migration.
const FINAL: &str = "('COMPLETED', 'DECLINED', 'REDIRECTED', 'CANCELLED')";

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let started = Instant::now();
        let pg_rows = env_count("BENCH_REFERRALS", 200_000)?;
        let sqlite_rows = env_count("BENCH_SQLITE_REFERRALS", 100_000)?;
        if pg_rows > 0 {
            run(Backend::Postgres, pg_rows).await?;
        }
        if sqlite_rows > 0 {
            run(Backend::Sqlite, sqlite_rows).await?;
        }
        println!("\nwhole run: {:.1} s", started.elapsed().as_secs_f64());
        Ok(())
    })
}

fn env_count(name: &str, default: usize) -> anyhow::Result<usize> {
    match std::env::var(name) {
        Ok(raw) => raw
            .replace(['_', ','], "")
            .parse()
            .with_context(|| format!("{name} must be a number of rows")),
        Err(_) => Ok(default),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Postgres,
    Sqlite,
}

/// One fresh database, dropped (or deleted) when done.
struct Scratch {
    backend: Backend,
    url: String,
    name: String,
}

impl Scratch {
    async fn create(backend: Backend) -> anyhow::Result<Self> {
        let name = format!("passerelle_bench_{}", Uuid::new_v4().simple());
        let url = match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                format!("sqlite://{}?mode=rwc", path.display())
            }
            Backend::Postgres => {
                let admin_url = admin_url();
                let admin = Database::connect(&admin_url)
                    .await
                    .with_context(|| format!("PostgreSQL at {admin_url}"))?;
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await?;
                admin.close().await?;
                let base = admin_url.rsplit_once('/').map_or(&*admin_url, |(b, _)| b);
                format!("{base}/{name}")
            }
        };
        Ok(Self { backend, url, name })
    }

    async fn drop_it(self) -> anyhow::Result<()> {
        match self.backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("{}.db", self.name));
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Backend::Postgres => {
                let admin = Database::connect(&admin_url()).await?;
                admin
                    .execute_unprepared(&format!(
                        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                        self.name
                    ))
                    .await?;
                admin.close().await?;
            }
        }
        Ok(())
    }
}

fn admin_url() -> String {
    std::env::var("PASSERELLE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

async fn run(backend: Backend, referrals: usize) -> anyhow::Result<()> {
    let scratch = Scratch::create(backend).await?;
    let result = bench(backend, &scratch.url, referrals).await;
    scratch.drop_it().await?;
    result
}

/// The SQL dialect bits the fill needs, so one script serves both backends.
struct Sql(Backend);

impl Sql {
    /// `WITH` clause binding `g(i)` to `from..=to`.
    fn series(&self, from: usize, to: usize) -> String {
        match self.0 {
            Backend::Postgres => format!("WITH g(i) AS (SELECT generate_series({from}, {to}))"),
            Backend::Sqlite => format!(
                "WITH RECURSIVE g(i) AS (SELECT {from} UNION ALL SELECT i + 1 FROM g WHERE i < {to})"
            ),
        }
    }

    /// A uniform number in [0, 1).
    fn random(&self) -> &'static str {
        match self.0 {
            Backend::Postgres => "random()",
            Backend::Sqlite => "((abs(random()) % 1000000) / 1000000.0)",
        }
    }

    fn floor(&self, expr: &str) -> String {
        match self.0 {
            Backend::Postgres => format!("floor({expr})::int"),
            Backend::Sqlite => format!("CAST({expr} AS INTEGER)"),
        }
    }

    /// A stable id: the 16 bytes of `prefix` and `n` on 15 digits (see [`fixed_id`]).
    fn id(&self, prefix: char, n: &str) -> String {
        match self.0 {
            Backend::Postgres => format!(
                "encode(convert_to('{prefix}' || lpad(({n})::bigint::text, 15, '0'), 'UTF8'), 'hex')::uuid"
            ),
            Backend::Sqlite => format!("CAST(printf('{prefix}%015d', {n}) AS BLOB)"),
        }
    }

    /// The instant `secs` seconds before now (after, when negative), as the app stores it.
    fn ago(&self, secs: &str) -> String {
        match self.0 {
            Backend::Postgres => format!("(now() - make_interval(secs => ({secs})))"),
            Backend::Sqlite => format!(
                "strftime('%Y-%m-%dT%H:%M:%SZ', 'now', printf('%+d seconds', -CAST(({secs}) AS INTEGER)))"
            ),
        }
    }

    fn birth_date(&self, days: &str) -> String {
        match self.0 {
            Backend::Postgres => format!("(DATE '1950-01-01' + ({days}))"),
            Backend::Sqlite => format!("date('1950-01-01', printf('+%d days', {days}))"),
        }
    }
}

/// The id [`Sql::id`] computes, on the Rust side.
fn fixed_id(prefix: char, n: usize) -> Uuid {
    Uuid::from_slice(format!("{prefix}{n:015}").as_bytes()).expect("16 bytes")
}

const ORGANISATIONS: usize = 40;

/// Fills the schema with plain SQL: 2 tenants, 40 organisations (tenant = k % 2), 3 services
/// each, N/4 people with one consent each, and N referrals — 10 % to organisation 0 (the big
/// inbox), the rest skewed towards organisations 1–12; ~80 % final and spread over two years,
/// open ones from the last 60 days, each due 10–40 days after it was created.
async fn fill(db: &DatabaseConnection, backend: Backend, n: usize) -> anyhow::Result<()> {
    let s = Sql(backend);
    let r = s.random();
    let people = (n / 4).max(100);
    let half = people / 2;
    let last_org = ORGANISATIONS - 1;
    let statements = [
        format!(
            "{} INSERT INTO tenants (id, name, created_at) SELECT {}, 'Territoire ' || i, {} FROM g",
            s.series(0, 1),
            s.id('t', "i"),
            s.ago("94608000"),
        ),
        format!(
            "{} INSERT INTO organisations (tenant_id, id, name, kind, back_office_email, created_at)
             SELECT {}, {}, 'Organisation ' || i,
                    CASE i % 4 WHEN 0 THEN 'CAF' WHEN 1 THEN 'CCAS' WHEN 2 THEN 'FRANCE_TRAVAIL' ELSE 'MISSION_LOCALE' END,
                    'accueil' || i || '@example.org', {} FROM g",
            s.series(0, last_org),
            s.id('t', "i % 2"),
            s.id('o', "i"),
            s.ago("94608000"),
        ),
        format!(
            "{} INSERT INTO services (tenant_id, id, organisation_id, name, category, response_days, urgent_response_days, created_at)
             SELECT {}, {}, {}, 'Service ' || i,
                    CASE i % 3 WHEN 0 THEN 'EMPLOI' WHEN 1 THEN 'LOGEMENT' ELSE 'SANTE' END, 10, 3, {} FROM g",
            s.series(0, ORGANISATIONS * 3 - 1),
            s.id('t', "(i / 3) % 2"),
            s.id('s', "i"),
            s.id('o', "i / 3"),
            s.ago("94608000"),
        ),
        format!(
            "{} INSERT INTO people (tenant_id, id, organisation_id, first_name, last_name, birth_date, phone, email, address, duplicate_key, created_by, created_at)
             SELECT {}, {}, {}, 'Prénom' || i, 'Nom' || i, {}, '0600000000', NULL,
                    i || ' rue de la République', 'nom' || i || '|prenom' || i, {}, {} FROM g",
            s.series(0, people - 1),
            s.id('t', "i % 2"),
            s.id('p', "i"),
            s.id('o', &format!("i % {ORGANISATIONS}")),
            s.birth_date("i % 20000"),
            s.id('u', &format!("i % {ORGANISATIONS}")),
            s.ago("94608000"),
        ),
        format!(
            "{} INSERT INTO consents (tenant_id, id, person_id, organisation_id, purposes, data_categories, method, collected_by, collected_at, expires_at, evidence, text_version)
             SELECT {}, {}, {}, {}, 'ORIENTATION', 'IDENTITY', 'ORAL', {}, {}, NULL, NULL, 'v1' FROM g",
            s.series(0, people - 1),
            s.id('t', "i % 2"),
            s.id('c', "i"),
            s.id('p', "i"),
            s.id('o', &format!("i % {ORGANISATIONS}")),
            s.id('u', &format!("i % {ORGANISATIONS}")),
            s.ago("94608000"),
        ),
        format!(
            "{series},
             s AS MATERIALIZED (
                SELECT i, {r} AS r_org, {r} AS r_k, {r} AS r_p, {r} AS r_st, {r} AS r_c, {r} AS r_d,
                       {r} AS r_sv, {r} AS r_u
                FROM g),
             k AS MATERIALIZED (
                SELECT s.*,
                       CASE WHEN r_org < 0.10 THEN 0
                            WHEN r_org < 0.55 THEN 1 + {k_all}
                            ELSE 1 + {k_few} END AS to_k,
                       CASE WHEN r_st < 0.55 THEN 'COMPLETED' WHEN r_st < 0.68 THEN 'DECLINED'
                            WHEN r_st < 0.74 THEN 'REDIRECTED' WHEN r_st < 0.80 THEN 'CANCELLED'
                            WHEN r_st < 0.87 THEN 'SENT' WHEN r_st < 0.91 THEN 'ACKNOWLEDGED'
                            WHEN r_st < 0.94 THEN 'INFO_REQUESTED' ELSE 'ACCEPTED' END AS st
                FROM s),
             t AS MATERIALIZED (
                SELECT k.*,
                       (to_k % 2) + 2 * {person} AS pj,
                       CASE WHEN st IN {FINAL} THEN {age_old} ELSE {age_new} END AS age_s
                FROM k)
             INSERT INTO referrals (tenant_id, id, person_id, consent_id, from_organisation_id,
                 to_organisation_id, service_id, created_by, motive, urgency, status, version, due_at,
                 paused_at, assignee_id, parent_id, outcome, decline_reason, created_at, updated_at,
                 closed_at)
             SELECT {tenant}, {id}, {person_id}, {consent_id}, {from_org}, {to_org}, {service},
                    {created_by},
                    'Accompagnement vers l''emploi et aide aux démarches administratives, dossier ' || i,
                    CASE WHEN r_u < 0.1 THEN 'URGENT' ELSE 'STANDARD' END,
                    st, CASE st WHEN 'SENT' THEN 1 ELSE 3 END,
                    {due},
                    CASE WHEN st = 'INFO_REQUESTED' THEN {half_age} END,
                    CASE WHEN st = 'SENT' THEN NULL ELSE {assignee} END,
                    NULL,
                    CASE WHEN st = 'COMPLETED' THEN 'RIGHT_OPENED' END,
                    CASE WHEN st = 'DECLINED' THEN 'NOT_ELIGIBLE' END,
                    {created}, {created},
                    CASE WHEN st IN {FINAL} THEN {half_age} END
             FROM t",
            series = s.series(1, n),
            k_all = s.floor(&format!("r_k * {last_org}")),
            k_few = s.floor("r_k * 12"),
            person = s.floor(&format!("r_p * {half}")),
            age_old = s.floor("r_c * 63072000"),
            age_new = s.floor("r_c * 5184000"),
            tenant = s.id('t', "to_k % 2"),
            id = s.id('r', "i"),
            person_id = s.id('p', "pj"),
            consent_id = s.id('c', "pj"),
            from_org = s.id('o', &format!("pj % {ORGANISATIONS}")),
            to_org = s.id('o', "to_k"),
            service = s.id('s', &format!("to_k * 3 + {}", s.floor("r_sv * 3"))),
            created_by = s.id('u', &format!("pj % {ORGANISATIONS}")),
            due = s.ago(&format!("age_s - {}", s.floor("(10 + r_d * 30) * 86400"))),
            half_age = s.ago("age_s / 2"),
            assignee = s.id('u', "to_k"),
            created = s.ago("age_s"),
        ),
        "INSERT INTO consent_recipients (tenant_id, consent_id, organisation_id)
         SELECT DISTINCT tenant_id, consent_id, to_organisation_id FROM referrals"
            .to_owned(),
        "ANALYZE".to_owned(),
    ];
    for sql in statements {
        db.execute_unprepared(&sql)
            .await
            .with_context(|| format!("fill statement failed:\n{sql}"))?;
    }
    Ok(())
}

/// One line of the table.
struct Line {
    query: String,
    rows: usize,
    median: f64,
    p95: f64,
    plan: String,
}

/// Runs `query` a few times to warm up, then as often as the budget allows; median and p95 in ms.
async fn time_it<F, Fut>(mut query: F) -> anyhow::Result<(usize, f64, f64)>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<usize>>,
{
    for _ in 0..3 {
        query().await?;
    }
    let mut samples = Vec::new();
    let mut rows = 0;
    let started = Instant::now();
    while samples.len() < MAX_RUNS && (samples.len() < MIN_RUNS || started.elapsed() < BUDGET) {
        let at = Instant::now();
        rows = query().await?;
        samples.push(at.elapsed().as_secs_f64() * 1000.0);
    }
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Ok((rows, at(0.5), at(0.95)))
}

/// The plan of `statement`, in a few words: its scan nodes (and buffers on PostgreSQL).
async fn plan_of(c: &impl ConnectionTrait, statement: &Statement) -> anyhow::Result<String> {
    let lines = explain(c, statement, false).await?;
    Ok(match c.get_database_backend() {
        DbBackend::Postgres => {
            let nodes: Vec<String> = lines
                .iter()
                .map(|l| l.trim().trim_start_matches("->").trim())
                .filter(|l| l.contains("Scan") || l.starts_with("Sort") || l.contains(" Sort"))
                .map(|l| {
                    l.split("  (")
                        .next()
                        .unwrap_or(l)
                        .replace(" on referrals", "")
                })
                .collect();
            let buffers = lines
                .iter()
                .find_map(|l| l.trim().strip_prefix("Buffers: "))
                .unwrap_or("");
            format!("{} [{buffers}]", nodes.join(" < "))
        }
        _ => lines.join("; "),
    })
}

/// EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL, EXPLAIN QUERY PLAN on SQLite; one string per line.
async fn explain(
    c: &impl ConnectionTrait,
    statement: &Statement,
    verbose: bool,
) -> anyhow::Result<Vec<String>> {
    let backend = c.get_database_backend();
    let (prefix, column) = match backend {
        DbBackend::Postgres if verbose => ("EXPLAIN (ANALYZE, BUFFERS) ", "QUERY PLAN"),
        DbBackend::Postgres => ("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) ", "QUERY PLAN"),
        _ => ("EXPLAIN QUERY PLAN ", "detail"),
    };
    let explained = Statement {
        sql: format!("{prefix}{}", statement.sql),
        ..statement.clone()
    };
    let rows = c.query_all_raw(explained).await?;
    rows.iter()
        .map(|row| Ok(row.try_get::<String>("", column)?))
        .collect()
}

/// The bench's view of one database: the big inbox's actor, and the statements the app sends.
struct Inbox {
    actor: Actor,
    now: OffsetDateTime,
}

impl Inbox {
    fn filters(order: Order) -> Filters {
        match order {
            Order::Newest => Filters::default(),
            Order::DueSoonest => Filters {
                overdue: Some(true),
                ..Filters::default()
            },
        }
    }

    async fn page(
        &self,
        c: &impl ConnectionTrait,
        order: Order,
        after: Option<&Cursor>,
    ) -> anyhow::Result<Vec<referral::Model>> {
        let page = PageRequest {
            first: PAGE,
            after: after.cloned(),
        };
        let filters = Self::filters(order);
        store::list(
            c,
            self.actor.tenant_id,
            Scope::ReceivedBy(self.actor.organisation_id),
            &filters,
            order,
            &page,
            self.now,
        )
        .await
        .map(|page| page.into_rows())
        .map_err(|e| anyhow::anyhow!("store::list: {e:?}"))
    }

    /// The cursor after `depth` rows, reached by following cursors page after page.
    async fn follow(
        &self,
        c: &impl ConnectionTrait,
        order: Order,
        depth: usize,
    ) -> anyhow::Result<Cursor> {
        let mut after = None;
        for _ in 0..depth / PAGE as usize {
            let rows = self.page(c, order, after.as_ref()).await?;
            let last = rows
                .get(PAGE as usize - 1)
                .context("the inbox ran out of rows before the deep page")?;
            after = Some(store::cursor_of(order, last));
        }
        after.context("depth must be at least one page")
    }
}

/// The statements `store::list` sends, caught on a second connection through sea-orm's metric
/// callback: the raw-SQL lines of the table run exactly these.
async fn capture(
    url: &str,
    inbox: &Inbox,
    order: Order,
    after: Option<&Cursor>,
) -> anyhow::Result<Statement> {
    let caught: Arc<Mutex<Vec<Statement>>> = Arc::default();
    let mut db = passerelle::db::connect(url).await?;
    let sink = caught.clone();
    db.set_metric_callback(move |info| {
        if let Ok(mut sink) = sink.lock() {
            sink.push(info.statement.clone());
        }
    });
    inbox.page(&db, order, after).await?;
    db.close().await?;
    let statement = caught
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .pop()
        .context("no statement caught")?;
    Ok(statement)
}

/// The same statement with `OFFSET n` appended (its LIMIT is already there).
fn with_offset(statement: &Statement, offset: usize) -> Statement {
    Statement {
        sql: format!("{} OFFSET {offset}", statement.sql),
        ..statement.clone()
    }
}

/// `page1` (no cursor) with the keyset condition written as a row value, `(key, id) > (…)`,
/// which an index range can start from; the key and id values are taken from `deep`, the app's
/// statement for the same cursor (`… (key, id) < ($a, $b)` since the store writes a row value,
/// so this line now checks that the app's own form and the hand-written one plan alike).
fn row_value(
    page1: &Statement,
    deep: &Statement,
    key: &str,
    op: &str,
) -> anyhow::Result<Statement> {
    let first = page1.values.as_ref().context("values")?.0.clone();
    let after = deep.values.as_ref().context("values")?.0.clone();
    let n = first.len();
    let (head, tail) = page1.sql.split_once(" ORDER BY ").context("ORDER BY")?;
    let sql = match page1.db_backend {
        DbBackend::Postgres => format!(
            r#"{head} AND ("referrals"."{key}", "referrals"."id") {op} (${n}, ${}) ORDER BY {}"#,
            n + 1,
            tail.replace(&format!("LIMIT ${n}"), &format!("LIMIT ${}", n + 2)),
        ),
        _ => format!(
            r#"{head} AND ("referrals"."{key}", "referrals"."id") {op} (?, ?) ORDER BY {tail}"#
        ),
    };
    let mut values = first[..n - 1].to_vec();
    values.extend([after[n - 1].clone(), after[n].clone(), first[n - 1].clone()]);
    Ok(Statement::from_sql_and_values(
        page1.db_backend,
        sql,
        values,
    ))
}

/// SQLite only: `statement` with the final statuses written as literals instead of parameters,
/// the form SQLite's planner needs to match the partial index's `WHERE`.
fn literal_statuses(statement: &Statement) -> anyhow::Result<Statement> {
    let bound = r#""referrals"."status" NOT IN (?, ?, ?, ?)"#;
    if !statement.sql.contains(bound) {
        // The store already writes the statuses as literals.
        return Ok(statement.clone());
    }
    let mut values = statement.values.as_ref().context("values")?.0.clone();
    values.drain(2..6);
    Ok(Statement::from_sql_and_values(
        statement.db_backend,
        statement
            .sql
            .replace(bound, &format!(r#""referrals"."status" NOT IN {FINAL}"#)),
        values,
    ))
}

async fn raw_rows(c: &impl ConnectionTrait, statement: &Statement) -> anyhow::Result<usize> {
    Ok(c.query_all_raw(statement.clone()).await?.len())
}

async fn scalar(c: &impl ConnectionTrait, sql: &str) -> anyhow::Result<i64> {
    let row = c
        .query_one_raw(Statement::from_string(c.get_database_backend(), sql))
        .await?
        .context("one row")?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

/// One measured line: the app's `list` for (order, after), its plan from `statement`.
async fn app_line(
    c: &impl ConnectionTrait,
    inbox: &Inbox,
    label: &str,
    order: Order,
    after: Option<&Cursor>,
    statement: &Statement,
) -> anyhow::Result<Line> {
    let (rows, median, p95) =
        time_it(|| async move { Ok(inbox.page(c, order, after).await?.len()) }).await?;
    Ok(Line {
        query: label.to_owned(),
        rows,
        median,
        p95,
        plan: plan_of(c, statement).await?,
    })
}

/// One measured line: `statement` run raw.
async fn raw_line(
    c: &impl ConnectionTrait,
    label: &str,
    statement: &Statement,
) -> anyhow::Result<Line> {
    let (rows, median, p95) = time_it(|| raw_rows(c, statement)).await?;
    Ok(Line {
        query: label.to_owned(),
        rows,
        median,
        p95,
        plan: plan_of(c, statement).await?,
    })
}

async fn bench(backend: Backend, url: &str, n: usize) -> anyhow::Result<()> {
    let name = match backend {
        Backend::Postgres => "PostgreSQL",
        Backend::Sqlite => "SQLite",
    };
    println!("\n=== {name}: {n} referrals ===");
    let db = passerelle::db::connect(url).await?;
    passerelle::db::migrate(&db).await?;
    let filling = Instant::now();
    fill(&db, backend, n).await?;
    println!(
        "filled and analysed in {:.1} s",
        filling.elapsed().as_secs_f64()
    );

    let tenant = fixed_id('t', 0);
    let big = fixed_id('o', 0);
    let inbox = Inbox {
        actor: Actor {
            tenant_id: TenantId::from_uuid(tenant),
            organisation_id: OrganisationId::from_uuid(big),
            user_id: Some(UserId::from_uuid(fixed_id('u', 0))),
            client_id: None,
            roles: Roles::from(Role::BackOffice),
        },
        now: OffsetDateTime::now_utc(),
    };
    let in_big = |extra: &str| {
        let uuid = |u: Uuid| match backend {
            Backend::Postgres => format!("'{u}'"),
            Backend::Sqlite => format!("X'{}'", u.simple()),
        };
        format!(
            "SELECT COUNT(*) FROM referrals WHERE tenant_id = {} AND to_organisation_id = {} {extra}",
            uuid(tenant),
            uuid(big)
        )
    };
    let total = scalar(&db, &in_big("")).await?;
    let open = scalar(&db, &in_big(&format!("AND status NOT IN {FINAL}"))).await?;
    let overdue_count = scalar(
        &db,
        &in_big(&format!(
            "AND status NOT IN {FINAL} AND status <> 'INFO_REQUESTED' AND due_at < {}",
            match backend {
                Backend::Postgres => "now()",
                Backend::Sqlite => "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
            }
        )),
    )
    .await?;
    let all = scalar(&db, "SELECT COUNT(*) FROM referrals").await?;
    println!(
        "big inbox: {total} of {all} referrals, {open} open, {overdue_count} overdue (page = {PAGE} rows, fetched as {})",
        PAGE + 1
    );

    // Depths of the deep pages: rows 1,000 and 10,000 of the inbox (less if it is smaller), and
    // row 500 of its overdue list.
    let near = 1_000.min(total as usize / 4 / 20 * 20);
    let far = 10_000.min(total as usize / 2 / 20 * 20);
    let overdue_depth = 500.min(overdue_count as usize / 2 / 20 * 20);
    let following = Instant::now();
    let after_near = inbox.follow(&db, Order::Newest, near).await?;
    let after_overdue = inbox.follow(&db, Order::DueSoonest, overdue_depth).await?;
    println!(
        "followed {} cursors in {:.2} s",
        (near + overdue_depth) / PAGE as usize,
        following.elapsed().as_secs_f64()
    );
    // Row `far` by OFFSET (following 500 cursors would only slow the set-up), checked below.
    let newest_1 = capture(url, &inbox, Order::Newest, None).await?;
    let before_far = db
        .query_one_raw(with_offset(&newest_1, far - 1))
        .await?
        .context("row before the far page")?;
    let after_far = store::cursor_of(
        Order::Newest,
        &referral::Model::from_query_result(&before_far, "")?,
    );
    let newest_near = capture(url, &inbox, Order::Newest, Some(&after_near)).await?;
    let newest_far = capture(url, &inbox, Order::Newest, Some(&after_far)).await?;
    let overdue_1 = capture(url, &inbox, Order::DueSoonest, None).await?;
    let overdue_deep = capture(url, &inbox, Order::DueSoonest, Some(&after_overdue)).await?;

    // The keyset page reached by cursors is the OFFSET page: same first row.
    let by_cursor = inbox.page(&db, Order::Newest, Some(&after_near)).await?;
    let by_offset = db.query_all_raw(with_offset(&newest_1, near)).await?;
    let first_by_offset = referral::Model::from_query_result(&by_offset[0], "")?;
    anyhow::ensure!(
        by_cursor[0].id == first_by_offset.id,
        "the page after {near} rows differs between cursor and OFFSET"
    );

    println!("\nSQL of store::list, Newest, page 1 (parameters inlined):\n  {newest_1}");
    println!("SQL of store::list, DueSoonest + overdue, after a cursor:\n  {overdue_deep}");
    let verbose_title = match backend {
        Backend::Postgres => "EXPLAIN (ANALYZE, BUFFERS)",
        Backend::Sqlite => "EXPLAIN QUERY PLAN",
    };
    for (what, statement) in [
        ("Newest, page 1", &newest_1),
        ("overdue, page 1", &overdue_1),
        ("Newest, keyset page after the far cursor", &newest_far),
    ] {
        println!("\n{verbose_title} — {what}:");
        for line in explain(&db, statement, true).await? {
            println!("  {line}");
        }
    }

    let mut lines = Vec::new();
    let newest = Order::Newest;
    let due = Order::DueSoonest;
    let (an, af, ao) = (Some(&after_near), Some(&after_far), Some(&after_overdue));
    lines.push(
        app_line(
            &db,
            &inbox,
            "app list  Newest  page 1",
            newest,
            None,
            &newest_1,
        )
        .await?,
    );
    lines.push(
        app_line(
            &db,
            &inbox,
            &format!("app list  Newest  after {near} (cursors)"),
            newest,
            an,
            &newest_near,
        )
        .await?,
    );
    lines.push(
        app_line(
            &db,
            &inbox,
            &format!("app list  Newest  after {far}"),
            newest,
            af,
            &newest_far,
        )
        .await?,
    );
    lines.push(
        app_line(
            &db,
            &inbox,
            "app list  overdue page 1",
            due,
            None,
            &overdue_1,
        )
        .await?,
    );
    lines.push(
        app_line(
            &db,
            &inbox,
            &format!("app list  overdue after {overdue_depth}"),
            due,
            ao,
            &overdue_deep,
        )
        .await?,
    );
    lines.push(raw_line(&db, "raw keyset  Newest  page 1", &newest_1).await?);
    lines.push(
        raw_line(
            &db,
            &format!("raw keyset  Newest  after {near}"),
            &newest_near,
        )
        .await?,
    );
    lines.push(
        raw_line(
            &db,
            &format!("raw keyset  Newest  after {far}"),
            &newest_far,
        )
        .await?,
    );
    lines.push(raw_line(&db, "raw keyset  overdue page 1", &overdue_1).await?);
    lines.push(
        raw_line(
            &db,
            &format!("raw keyset  overdue after {overdue_depth}"),
            &overdue_deep,
        )
        .await?,
    );
    let row_far = row_value(&newest_1, &newest_far, "created_at", "<")?;
    lines.push(
        raw_line(
            &db,
            &format!("raw row-value keyset  Newest after {far}"),
            &row_far,
        )
        .await?,
    );
    let row_overdue = row_value(&overdue_1, &overdue_deep, "due_at", ">")?;
    lines.push(
        raw_line(
            &db,
            &format!("raw row-value keyset  overdue after {overdue_depth}"),
            &row_overdue,
        )
        .await?,
    );
    if backend == Backend::Sqlite {
        let literal = literal_statuses(&overdue_1)?;
        lines.push(
            raw_line(
                &db,
                "raw keyset  overdue page 1, literal statuses",
                &literal,
            )
            .await?,
        );
    }
    lines.push(
        raw_line(
            &db,
            &format!("raw OFFSET {near}  Newest"),
            &with_offset(&newest_1, near),
        )
        .await?,
    );
    lines.push(
        raw_line(
            &db,
            &format!("raw OFFSET {far}  Newest"),
            &with_offset(&newest_1, far),
        )
        .await?,
    );
    lines.push(
        raw_line(
            &db,
            &format!("raw OFFSET {overdue_depth}  overdue"),
            &with_offset(&overdue_1, overdue_depth),
        )
        .await?,
    );

    // Without the inbox's two indexes: dropped in a transaction that is rolled back.
    {
        let txn = db.begin().await?;
        txn.execute_unprepared("DROP INDEX referrals_inbox").await?;
        txn.execute_unprepared("DROP INDEX referrals_inbox_open_due")
            .await?;
        let c = &txn;
        lines.push(
            app_line(
                c,
                &inbox,
                "NO INDEX  app Newest  page 1",
                newest,
                None,
                &newest_1,
            )
            .await?,
        );
        lines.push(
            app_line(
                c,
                &inbox,
                &format!("NO INDEX  app Newest  after {near}"),
                newest,
                an,
                &newest_near,
            )
            .await?,
        );
        lines.push(
            app_line(
                c,
                &inbox,
                "NO INDEX  app overdue page 1",
                due,
                None,
                &overdue_1,
            )
            .await?,
        );
        txn.rollback().await?;
    }

    // The overdue list on a full index over the same columns instead of the partial ones.
    let mut sizes = Vec::new();
    {
        let txn = db.begin().await?;
        txn.execute_unprepared("DROP INDEX referrals_inbox_open_due")
            .await?;
        txn.execute_unprepared("DROP INDEX referrals_open_due")
            .await?;
        txn.execute_unprepared(
            "CREATE INDEX referrals_inbox_due_full ON referrals (tenant_id, to_organisation_id, due_at, id)",
        )
        .await?;
        let c = &txn;
        lines.push(
            app_line(
                c,
                &inbox,
                "FULL IDX  app overdue page 1",
                due,
                None,
                &overdue_1,
            )
            .await?,
        );
        lines.push(
            app_line(
                c,
                &inbox,
                &format!("FULL IDX  app overdue after {overdue_depth}"),
                due,
                ao,
                &overdue_deep,
            )
            .await?,
        );
        if backend == Backend::Postgres {
            for relation in [
                "referrals",
                "referrals_inbox",
                "referrals_inbox_open_due",
                "referrals_inbox_due_full",
            ] {
                let bytes = match relation {
                    // Dropped in this transaction: measured outside it, below.
                    "referrals_inbox_open_due" => None,
                    _ => Some(scalar(c, &format!("SELECT pg_relation_size('{relation}')")).await?),
                };
                sizes.push((relation, bytes));
            }
        }
        txn.rollback().await?;
    }
    for (relation, bytes) in &mut sizes {
        if bytes.is_none() {
            *bytes = Some(scalar(&db, &format!("SELECT pg_relation_size('{relation}')")).await?);
        }
    }

    print_table(name, n, &lines);
    if !sizes.is_empty() {
        println!("\nsizes (pg_relation_size):");
        for (relation, bytes) in sizes {
            let bytes = bytes.unwrap_or_default();
            println!("  {relation:<28} {:>9.1} kB", bytes as f64 / 1024.0);
        }
    }
    db.close().await?;
    Ok(())
}

fn print_table(name: &str, n: usize, lines: &[Line]) {
    let width = lines
        .iter()
        .map(|l| l.query.len())
        .max()
        .unwrap_or(5)
        .max(5);
    println!("\n{name}, {n} referrals — big inbox, {PAGE} rows a page");
    println!(
        "{:<width$} | {:>4} | {:>9} | {:>9} | plan",
        "query", "rows", "median ms", "p95 ms"
    );
    println!("{}", "-".repeat(width + 40));
    for line in lines {
        println!(
            "{:<width$} | {:>4} | {:>9.3} | {:>9.3} | {}",
            line.query, line.rows, line.median, line.p95, line.plan
        );
    }
}
