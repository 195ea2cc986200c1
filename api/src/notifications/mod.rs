//! Notifications: a transactional outbox. A change that must tell someone writes its mail as a
//! row in its own transaction (`enqueue`); the worker delivers the rows over SMTP, retrying with
//! back-off, so a mail is never lost when the server is down and never sent for a change that
//! was rolled back. Without an SMTP server the mails stay in the app (`/admin/courriels`).

pub mod codes;
pub mod graphql;
pub mod mails;
pub mod pages;
pub mod service;
pub mod store;
pub mod worker;

use domain::{OrganisationId, TenantId};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, TryInsertResult};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{entities::notification, error::ApiResult, store::Coded};

pub use codes::{MailKind, MailStatus};

#[derive(Debug, Clone)]
pub struct RenderedMail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, Clone)]
pub struct NewMail {
    pub tenant_id: TenantId,
    /// Whose admins see it in the app.
    pub organisation_id: Option<OrganisationId>,
    pub kind: MailKind,
    pub recipients: Vec<String>,
    pub rendered: RenderedMail,
    pub referral_id: Option<Uuid>,
    /// A stage sent once: a second mail with the same key in the tenant is not written.
    pub dedup_key: Option<String>,
    /// Shown in the app to the organisation's admins, never mailed.
    pub in_app: bool,
}

/// The Message-ID of a row's mail: stable, so a retry after a crash is recognisable as the
/// same mail.
pub fn message_id(id: Uuid) -> String {
    format!("<{id}@passerelle>")
}

/// PostgreSQL keeps microseconds: a time written with nanoseconds would not compare equal to
/// itself once read back (cursors, lease guards).
pub fn to_micros(at: OffsetDateTime) -> OffsetDateTime {
    at.replace_nanosecond(at.nanosecond() / 1_000 * 1_000)
        .unwrap_or(at)
}

/// Writes a mail to the outbox in the caller's transaction: if that transaction rolls back, no
/// mail is sent. Returns `false` (and writes nothing) when the mail has no recipient (an in-app
/// notice needs none) or its `dedup_key` was already used in the tenant. Changes call it
/// through `events::record`.
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    mail: NewMail,
    now: OffsetDateTime,
) -> ApiResult<bool> {
    let recipients: Vec<String> = mail
        .recipients
        .iter()
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
        .collect();
    if recipients.is_empty() && !mail.in_app {
        return Ok(false);
    }
    let now = to_micros(now);
    if conn.get_database_backend() == DbBackend::Postgres {
        // An asynchronously committed outbox row can vanish in a crash after its mail went out
        // (or the change it announces can). `on` is PostgreSQL's default; this makes sure a
        // server- or database-level `synchronous_commit = off` does not apply to our writes.
        // Outside a transaction it is a no-op with a warning, and then autocommit is already
        // synchronous by default. SQLite runs with `synchronous = FULL` (see `db.rs`).
        conn.execute_unprepared("SET LOCAL synchronous_commit = on")
            .await?;
    }
    let id = Uuid::now_v7();
    let row = notification::Model {
        tenant_id: mail.tenant_id.as_uuid(),
        id,
        organisation_id: mail.organisation_id.map(|o| o.as_uuid()),
        kind: Coded(mail.kind),
        recipients: recipients.join(","),
        subject: mail.rendered.subject,
        body_text: mail.rendered.text,
        body_html: mail.rendered.html,
        referral_id: mail.referral_id,
        dedup_key: mail.dedup_key,
        status: Coded(if mail.in_app {
            MailStatus::InApp
        } else {
            MailStatus::Pending
        }),
        attempts: 0,
        next_attempt_at: now,
        locked_until: None,
        last_error: None,
        created_at: now,
        sent_at: None,
        message_id: message_id(id),
    };
    insert_once(conn, row).await
}

/// Inserts unless the tenant already has a row with this dedup key.
async fn insert_once(conn: &impl ConnectionTrait, row: notification::Model) -> ApiResult<bool> {
    use notification::Column as C;
    let result = notification::Entity::insert(notification::ActiveModel::from(row))
        .on_conflict_do_nothing_on([C::TenantId, C::DedupKey])
        .exec_without_returning(conn)
        .await?;
    Ok(matches!(result, TryInsertResult::Inserted(n) if n > 0))
}
