//! The one binary and its subcommands: `serve`, `migrate`, `demo`, `admin bootstrap`.

use std::{io::Read, process::ExitCode};

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use crate::{
    AppState,
    clock::Clock,
    config::{Config, Secret, random_secret},
    db, demo,
};

#[derive(Parser, Debug)]
#[command(
    name = "passerelle",
    version,
    about = "Orientations entre les organisations d'un territoire, suivies jusqu'au bout."
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the HTTP server (migrations are applied first).
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Migrate, seed a demo territory (once), print the demo accounts, and serve.
    Demo,
    /// Administration tasks.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create the first tenant, its coordinating organisation and its administrator.
    Bootstrap {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        /// Read the password from standard input (required: a password never goes on the
        /// command line, where `ps` shows it).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// The administrator's display name.
        #[arg(long, default_value = "Administrateur")]
        name: String,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    if std::env::var("PASSERELLE_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut config = cli.config;
    match cli.command {
        Command::Migrate => {
            let db = db::connect(&config.database_url).await?;
            db::migrate(&db).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Serve => {
            let db = db::connect(&config.database_url).await?;
            db::migrate(&db).await?;
            serve(AppState::new(db, config, Clock::default())?).await
        }
        Command::Demo => {
            if config.jwt_secret.is_none() {
                config.jwt_secret = Some(demo_secret()?);
            }
            let db = db::connect(&config.database_url).await?;
            db::migrate(&db).await?;
            let state = AppState::new(db, config, Clock::default())?;
            let accounts = demo::seed(&state).await?;
            print!("{}", demo::banner(&state.config.public_url(), accounts));
            serve(state).await
        }
        Command::Admin(AdminCommand::Bootstrap {
            tenant,
            email,
            password_stdin: _,
            name,
        }) => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("reading the password from stdin")?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            let db = db::connect(&config.database_url).await?;
            db::migrate(&db).await?;
            let created = crate::auth::bootstrap::bootstrap(
                &db,
                &tenant,
                &email,
                &name,
                &password,
                Clock::default().now(),
            )
            .await?;
            println!("tenant_id={}", created.tenant_id);
            println!("organisation_id={}", created.organisation_id);
            println!("user_id={}", created.user_id);
            Ok(())
        }
    }
}

/// The demo's signing key, kept under `./data/` so that sessions survive a restart of the demo.
fn demo_secret() -> anyhow::Result<Secret> {
    let path = std::path::Path::new("data/demo-jwt-secret");
    if let Ok(existing) = std::fs::read_to_string(path)
        && existing.trim().len() >= 32
    {
        return Ok(Secret::new(existing.trim()));
    }
    let secret = random_secret();
    std::fs::create_dir_all("data")?;
    std::fs::write(path, &secret)?;
    Ok(Secret::new(secret))
}

async fn serve(state: AppState) -> anyhow::Result<()> {
    let bind = state.config.bind;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("binding {bind}"))?;
    tracing::info!(address = %listener.local_addr()?, public_url = %state.config.public_url(), "listening");
    let (stop_worker, stopped) = tokio::sync::watch::channel(false);
    let worker = if state.config.worker {
        Some(crate::notifications::worker::spawn(
            state.clone(),
            stopped.clone(),
        )?)
    } else {
        None
    };
    // Reminders, overdue notices and escalations: safe to run on every replica.
    let tick = std::time::Duration::from_secs(state.config.deadline_tick_secs.max(1));
    let deadlines = state
        .config
        .worker
        .then(|| crate::referrals::deadlines::spawn(state.clone(), tick, stopped.clone()));
    // The escalations' reminder and admins' alert, on the same tick and the same claim pattern.
    let escalation_deadlines = state
        .config
        .worker
        .then(|| crate::escalations::deadlines::spawn(state.clone(), tick, stopped));
    let served = crate::serve(listener, state, crate::app::shutdown_signal()).await;
    // The worker finishes the mails it is sending; a mail claimed but not sent waits for its
    // lease to expire and goes out from the next run.
    let _ = stop_worker.send(true);
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    if let Some(deadlines) = deadlines {
        let _ = deadlines.await;
    }
    if let Some(deadlines) = escalation_deadlines {
        let _ = deadlines.await;
    }
    served
}
