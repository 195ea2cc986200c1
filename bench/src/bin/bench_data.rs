//! Fills a PostgreSQL database with the benchmark's data: the schema from the real migrations
//! (`passerelle migrate`), then `bench/generate.sql` run inside PostgreSQL (generate_series, no
//! row crosses the wire), deterministic from `--seed`, with progress on stderr.
//!
//! ```text
//! cargo run --release -p passerelle-bench --bin bench_data -- --scale 100000
//! ```
//!
//! The database is named after the scale and seed (`passerelle_bench_100000_1`) and marked as
//! complete by a comment once filled: a second run with the same arguments does nothing, so a
//! benchmark can call it every time ("generate if missing"). `--force` rebuilds it.

use std::{path::PathBuf, process::Command, time::Instant};

use anyhow::{Context, bail};
use argon2::{Argon2, password_hash::PasswordHasher};
use clap::Parser;
use passerelle_bench::{PASSWORD, Shape};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};

/// Rows per chunked statement: small enough for a progress line every few seconds.
const CHUNK: u64 = 100_000;
const SQL: &str = include_str!("../../generate.sql");

#[derive(Parser)]
struct Args {
    /// Number of referrals (and of people): 10000, 100000, 1000000…
    #[arg(long, default_value_t = 10_000)]
    scale: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// A server URL whose database may create others.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    admin_url: String,
    /// Database name; default passerelle_bench_<scale>_<seed>.
    #[arg(long)]
    name: Option<String>,
    /// The server binary, whose `migrate` makes the schema.
    #[arg(long, default_value = "target/release/passerelle")]
    passerelle: PathBuf,
    /// Drop and rebuild the database even if it is complete.
    #[arg(long)]
    force: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.scale < 100 {
        bail!("--scale must be at least 100");
    }
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(run(args))
}

async fn run(args: Args) -> anyhow::Result<()> {
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| format!("passerelle_bench_{}_{}", args.scale, args.seed));
    let mark = format!(
        "passerelle-bench scale={} seed={} complete",
        args.scale, args.seed
    );
    let base = args
        .admin_url
        .rsplit_once('/')
        .map_or(&*args.admin_url, |(b, _)| b);
    let url = format!("{base}/{name}");

    let admin = Database::connect(&args.admin_url)
        .await
        .with_context(|| format!("PostgreSQL at {}", args.admin_url))?;
    let existing = admin
        .query_one_raw(sea_orm::Statement::from_string(
            admin.get_database_backend(),
            format!(
                "SELECT coalesce(shobj_description(oid, 'pg_database'), '') AS mark \
                 FROM pg_database WHERE datname = '{name}'"
            ),
        ))
        .await?
        .map(|row| row.try_get::<String>("", "mark"))
        .transpose()?;
    if existing.as_deref() == Some(mark.as_str()) && !args.force {
        eprintln!("{name}: already generated ({mark})");
        println!("{url}");
        return Ok(());
    }
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await?;

    let started = Instant::now();
    eprintln!("{name}: migrating with {}", args.passerelle.display());
    let status = Command::new(&args.passerelle)
        .arg("migrate")
        .env("PASSERELLE_DATABASE_URL", &url)
        .status()
        .with_context(|| format!("running {} migrate", args.passerelle.display()))?;
    if !status.success() {
        bail!("passerelle migrate failed: {status}");
    }

    // Hashed once: argon2 costs ~20 ms and 19 MiB; every user shares this hash.
    let hash = Argon2::default()
        .hash_password(PASSWORD.as_bytes())
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?
        .to_string();
    let shape = Shape::of(args.scale);
    let sql = SQL
        .replace("{seed}", &args.seed.to_string())
        .replace("{tenants}", &shape.tenants.to_string())
        .replace("{orgs}", &shape.orgs_per_tenant.to_string())
        .replace("{users}", &shape.users_per_org.to_string())
        .replace("{people}", &shape.people.to_string())
        .replace("{referrals}", &shape.referrals.to_string())
        .replace("{password_hash}", &hash);
    eprintln!(
        "{name}: {} tenants, {} organisations, {} users, {} people, {} referrals (seed {})",
        shape.tenants,
        shape.tenants * shape.orgs_per_tenant,
        shape.tenants * shape.orgs_per_tenant * shape.users_per_org,
        shape.people,
        shape.referrals,
        args.seed
    );

    // One connection: the pg_temp helpers live in its session.
    let mut options = ConnectOptions::new(&url);
    options
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .sqlx_logging(false);
    let db = Database::connect(options).await?;
    for step in sql.split("-- step: ").skip(1) {
        let title = step.lines().next().unwrap_or("").trim();
        let rows = if title.contains("chunked over people") {
            Some(shape.people)
        } else if title.contains("chunked over referrals") {
            Some(shape.referrals)
        } else {
            None
        };
        run_step(&db, title, &format!("-- {step}"), rows, started).await?;
    }
    db.close().await?;
    admin
        .execute_unprepared(&format!("COMMENT ON DATABASE {name} IS '{mark}'"))
        .await?;
    admin.close().await?;
    eprintln!("{name}: done in {:.1} s", started.elapsed().as_secs_f64());
    println!("{url}");
    Ok(())
}

/// Runs one step, in slices of [`CHUNK`] when it is chunked, printing progress.
async fn run_step(
    db: &DatabaseConnection,
    title: &str,
    sql: &str,
    rows: Option<u64>,
    started: Instant,
) -> anyhow::Result<()> {
    let Some(total) = rows else {
        db.execute_unprepared(sql)
            .await
            .with_context(|| format!("step {title}"))?;
        eprintln!("  {title:<45} {:>7.1} s", started.elapsed().as_secs_f64());
        return Ok(());
    };
    let mut from = 0;
    while from < total {
        let to = (from + CHUNK).min(total) - 1;
        let slice = sql
            .replace("{from}", &from.to_string())
            .replace("{to}", &to.to_string());
        db.execute_unprepared(&slice)
            .await
            .with_context(|| format!("step {title}, rows {from}..={to}"))?;
        eprintln!(
            "  {title:<45} {:>9}/{total} {:>7.1} s",
            to + 1,
            started.elapsed().as_secs_f64()
        );
        from = to + 1;
    }
    Ok(())
}
