//! The outbox worker: claims due mails with a lease in one short statement, sends them with no
//! transaction or lock held, then records each result in another short statement guarded by the
//! lease. A crashed worker's lease simply expires and another run takes the mails up again:
//! delivery is at-least-once, and a mail sent twice carries the same Message-ID both times.

use std::time::Duration;

use futures_util::StreamExt;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart, SinglePart},
    transport::smtp::PoolConfig,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement, sea_query::Expr,
};
use time::OffsetDateTime;
use tokio::{sync::watch, task::JoinHandle};

use crate::{
    AppState,
    config::Config,
    entities::notification,
    error::ApiResult,
    events::{self, By, Happened, Tx, What},
    notifications::{MailKind, MailStatus, NewMail, RenderedMail, to_micros},
    store::Coded,
};

/// Mails sent at once by one worker (each on a pooled SMTP connection).
const CONCURRENCY: usize = 16;
/// `last_error` keeps this many characters.
const ERROR_CHARS: usize = 500;

/// Where mails go: an SMTP server, or nowhere but the app's mailbox page.
#[derive(Clone)]
pub enum Transport {
    /// The embedded default: a mail is "sent" by being marked so; `/admin/courriels` shows it.
    Local,
    Smtp {
        mailer: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
}

impl Transport {
    /// `smtp://`, `smtps://` and `smtp://…?tls=required` (STARTTLS) come from lettre's URL.
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let Some(url) = &config.smtp_url else {
            return Ok(Self::Local);
        };
        let from: Mailbox = config
            .mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("PASSERELLE_MAIL_FROM is not an address: {e}"))?;
        let mailer = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
            .map_err(|e| anyhow::anyhow!("PASSERELLE_SMTP_URL is not usable: {e}"))?
            .timeout(Some(Duration::from_secs(30)))
            .pool_config(PoolConfig::new().max_size(CONCURRENCY as u32))
            .build();
        Ok(Self::Smtp { mailer, from })
    }
}

/// Why a send failed, and whether trying again could help.
#[derive(Debug)]
pub struct SendError {
    pub permanent: bool,
    pub message: String,
}

impl Transport {
    pub async fn send(&self, row: &notification::Model) -> Result<(), SendError> {
        let Self::Smtp { mailer, from } = self else {
            return Ok(());
        };
        let message = build_message(from, row)?;
        mailer
            .send(message)
            .await
            .map(|_| ())
            .map_err(|err| SendError {
                // 5xx: the server will never take it. 4xx, refused connections and timeouts may
                // pass later.
                permanent: err.is_permanent(),
                message: err.to_string(),
            })
    }
}

fn build_message(from: &Mailbox, row: &notification::Model) -> Result<Message, SendError> {
    let permanent = |message: String| SendError {
        permanent: true,
        message,
    };
    let mut builder = Message::builder()
        .from(from.clone())
        .subject(row.subject.clone())
        .message_id(Some(row.message_id.clone()));
    for recipient in row.recipients.split(',').filter(|r| !r.trim().is_empty()) {
        let mailbox: Mailbox = recipient
            .trim()
            .parse()
            .map_err(|e| permanent(format!("adresse invalide « {recipient} » : {e}")))?;
        builder = builder.to(mailbox);
    }
    let built = if row.body_html.is_empty() {
        builder.singlepart(SinglePart::plain(row.body_text.clone()))
    } else {
        builder.multipart(MultiPart::alternative_plain_html(
            row.body_text.clone(),
            row.body_html.clone(),
        ))
    };
    built.map_err(|e| permanent(format!("courriel invalide : {e}")))
}

/// Starts the worker; it stops when `shutdown` turns true or its sender is dropped.
pub fn spawn(app: AppState, mut shutdown: watch::Receiver<bool>) -> anyhow::Result<JoinHandle<()>> {
    let transport = Transport::from_config(&app.config)?;
    Ok(tokio::spawn(async move {
        let poll = Duration::from_millis(app.config.mail_poll_ms.max(10));
        loop {
            if *shutdown.borrow() {
                break;
            }
            match run_once(&app, &transport).await {
                // A full batch: more may be due, go on at once.
                Ok(n) if n as u64 >= app.config.mail_batch => continue,
                Ok(_) => {}
                Err(err) => tracing::error!(error = ?err, "mail worker"),
            }
            tokio::select! {
                () = tokio::time::sleep(poll) => {}
                () = app.hooks.mail_wake.notified() => {}
                changed = shutdown.changed() => if changed.is_err() { break },
            }
        }
        tracing::info!("mail worker stopped");
    }))
}

/// Claims one batch of due mails, sends them and records each result; returns how many were
/// claimed.
pub async fn run_once(app: &AppState, transport: &Transport) -> ApiResult<usize> {
    let now = to_micros(app.clock.now());
    let lease = now + time::Duration::seconds(app.config.mail_lease_secs.max(1) as i64);
    let rows = claim(&app.db, now, lease, app.config.mail_batch.max(1)).await?;
    let claimed = rows.len();
    futures_util::stream::iter(rows)
        .for_each_concurrent(CONCURRENCY, |row| async move {
            let outcome = transport.send(&row).await;
            if let Err(err) = record(app, &row, lease, outcome).await {
                // The lease will expire and the mail be tried again: at-least-once.
                tracing::error!(error = ?err, notification = %row.id, "recording a delivery");
            }
        })
        .await;
    if claimed > 0 {
        tracing::debug!(claimed, "mail batch done");
    }
    Ok(claimed)
}

/// One statement: due rows whose lease (if any) has expired get ours. On PostgreSQL, `SKIP
/// LOCKED` lets several replicas claim side by side without waiting for or taking each other's
/// rows; SQLite has a single writer, so the statement alone is atomic.
async fn claim(
    db: &impl ConnectionTrait,
    now: OffsetDateTime,
    lease: OffsetDateTime,
    batch: u64,
) -> ApiResult<Vec<notification::Model>> {
    let backend = db.get_database_backend();
    let postgres = backend == DbBackend::Postgres;
    // (lease, now, now, batch): PostgreSQL numbers its parameters, SQLite takes them in order.
    let (p, lock) = if postgres {
        (["$1", "$2", "$2", "$3"], "FOR UPDATE SKIP LOCKED")
    } else {
        (["?", "?", "?", "?"], "")
    };
    let sql = format!(
        "UPDATE notifications SET locked_until = {} \
         WHERE (tenant_id, id) IN ( \
           SELECT tenant_id, id FROM notifications \
           WHERE status IN ('{pending}', '{failed}') AND next_attempt_at <= {} \
             AND (locked_until IS NULL OR locked_until < {}) \
           ORDER BY next_attempt_at LIMIT {} {lock}) \
         RETURNING *",
        p[0],
        p[1],
        p[2],
        p[3],
        pending = MailStatus::Pending.as_str(),
        failed = MailStatus::Failed.as_str(),
    );
    let batch = batch as i64;
    let values: Vec<sea_orm::Value> = if postgres {
        vec![lease.into(), now.into(), batch.into()]
    } else {
        vec![lease.into(), now.into(), now.into(), batch.into()]
    };
    Ok(notification::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(backend, sql, values))
        .all(db)
        .await?)
}

/// The delay before attempt `attempts + 1`: the base doubled at each failure, capped, plus up to
/// 20 % of jitter so mails that failed together do not all come back together.
pub fn backoff(config: &Config, attempts: i32) -> Duration {
    let exponent = attempts.clamp(1, 30) as u32 - 1;
    let base = config
        .mail_backoff_ms
        .saturating_mul(1u64 << exponent)
        .min(config.mail_backoff_max_ms);
    let jitter = rand::random_range(0..=base / 5);
    Duration::from_millis(base + jitter)
}

/// Writes a send's outcome, only if our lease still holds the row (otherwise another worker
/// has taken it over and will record its own outcome).
async fn record(
    app: &AppState,
    row: &notification::Model,
    lease: OffsetDateTime,
    outcome: Result<(), SendError>,
) -> ApiResult<()> {
    use notification::Column as C;
    let now = to_micros(app.clock.now());
    let attempts = row.attempts + 1;
    let guarded = notification::Entity::update_many()
        .filter(C::TenantId.eq(row.tenant_id))
        .filter(C::Id.eq(row.id))
        .filter(C::LockedUntil.eq(lease))
        .col_expr(C::LockedUntil, Expr::value(Option::<OffsetDateTime>::None))
        .col_expr(C::Attempts, Expr::value(attempts));
    match outcome {
        Ok(()) => {
            let done = guarded
                .col_expr(C::Status, Expr::value(Coded(MailStatus::Sent)))
                .col_expr(C::SentAt, Expr::value(Some(now)))
                .col_expr(C::LastError, Expr::value(Option::<String>::None))
                .exec(&app.db)
                .await?;
            if done.rows_affected == 0 {
                tracing::warn!(notification = %row.id, "lease lost after sending; the mail may go out again");
            }
        }
        Err(err) if !err.permanent && attempts < app.config.mail_max_attempts => {
            let next = now
                + time::Duration::try_from(backoff(&app.config, attempts))
                    .unwrap_or(time::Duration::HOUR);
            tracing::warn!(notification = %row.id, attempts, error = %err.message, "mail not delivered, will retry");
            guarded
                .col_expr(C::Status, Expr::value(Coded(MailStatus::Failed)))
                .col_expr(C::NextAttemptAt, Expr::value(next))
                .col_expr(C::LastError, Expr::value(Some(truncate(&err.message))))
                .exec(&app.db)
                .await?;
        }
        Err(err) => {
            tracing::warn!(notification = %row.id, attempts, error = %err.message, "mail dead");
            let mut tx = Tx::begin(&app.db, &app.hooks).await?;
            let dead = guarded
                .col_expr(C::Status, Expr::value(Coded(MailStatus::Dead)))
                .col_expr(C::LastError, Expr::value(Some(truncate(&err.message))))
                .exec(tx.conn())
                .await?;
            if dead.rows_affected == 1 {
                tell_admins(&mut tx, row, attempts, &err.message, now).await?;
            }
            tx.commit().await?;
        }
    }
    Ok(())
}

fn truncate(message: &str) -> String {
    message.chars().take(ERROR_CHARS).collect()
}

/// A dead mail becomes a notice for the organisation's admins, in the app only: mailing them
/// about a mail that cannot be delivered would fail the same way.
async fn tell_admins(
    tx: &mut Tx<'_>,
    row: &notification::Model,
    attempts: i32,
    error: &str,
    now: OffsetDateTime,
) -> ApiResult<()> {
    let text = format!(
        "Le courriel « {} » adressé à {} n'a pas pu être distribué après {attempts} tentative(s).\n\
         Dernière erreur : {}\n\
         Il peut être renvoyé depuis la page Courriels.",
        row.subject,
        row.recipients,
        truncate(error)
    );
    let notice = NewMail {
        tenant_id: domain::TenantId::from_uuid(row.tenant_id),
        organisation_id: row.organisation_id.map(domain::OrganisationId::from_uuid),
        kind: MailKind::DeliveryFailed,
        recipients: Vec::new(),
        rendered: RenderedMail {
            subject: format!("Courriel non distribué : {}", row.subject),
            text,
            html: String::new(),
        },
        referral_id: row.referral_id,
        dedup_key: None,
        in_app: true,
    };
    events::record(
        tx,
        Happened {
            tenant_id: notice.tenant_id,
            at: now,
            by: By::SYSTEM,
            what: What::Notice,
            mails: vec![notice],
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_then_caps() {
        let mut config = Config::for_database("sqlite::memory:");
        config.mail_backoff_ms = 1_000;
        config.mail_backoff_max_ms = 10_000;
        let ms = |n| backoff(&config, n).as_millis() as u64;
        assert!((1_000..=1_200).contains(&ms(1)));
        assert!((2_000..=2_400).contains(&ms(2)));
        assert!((8_000..=9_600).contains(&ms(4)));
        assert!((10_000..=12_000).contains(&ms(20)));
    }
}
