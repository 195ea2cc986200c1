//! Live events: every timeline line of a referral, as it commits, to the subscribers of
//! `referralEvents` (and, through their outbox, to webhooks).
//!
//! The feed starts at the one event-recording call (`events::record`): it calls [`announce`]
//! inside the transaction. On PostgreSQL that is a `pg_notify` carrying ids only — PostgreSQL
//! delivers it on commit, to every `serve` process LISTENing ([`listen`]), and never for a
//! rolled-back change; each process then reads the line back and fans it out to its own
//! subscribers. On SQLite (one process) the line waits on the transaction and is broadcast in
//! process once it has committed.

pub mod graphql;
pub mod listen;
pub mod socket;

use std::sync::Arc;

use domain::{ReferralId, TenantId};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::{entities::referral_event, error::ApiResult};

/// The PostgreSQL channel the events are announced on.
pub const CHANNEL: &str = "passerelle_referral_events";

/// How many events a slow subscriber may fall behind before it misses some (it is then told
/// with an error and may resubscribe; webhooks are the delivery that never loses one).
const BACKLOG: usize = 1024;

/// One timeline line just committed, with its rank. It stays in memory: what leaves the
/// process (a notification, a webhook body) carries ids and codes only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveEvent {
    pub row: referral_event::Model,
    /// The line's rank in its referral's timeline, from 1.
    pub sequence: i64,
}

impl LiveEvent {
    pub fn tenant_id(&self) -> TenantId {
        TenantId::from_uuid(self.row.tenant_id)
    }
}

/// What a notification carries: ids and the sequence, nothing a listener could not read back.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Announcement {
    pub tenant: Uuid,
    pub event: Uuid,
    pub sequence: i64,
}

/// The fan-out to this process's subscribers.
pub struct Bus {
    sender: broadcast::Sender<Arc<LiveEvent>>,
}

impl Default for Bus {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(BACKLOG).0,
        }
    }
}

impl Bus {
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LiveEvent>> {
        self.sender.subscribe()
    }

    /// How many subscriptions of this process are listening (tests wait for theirs).
    pub fn subscribers(&self) -> usize {
        self.sender.receiver_count()
    }

    /// Hands a committed event to this process's subscribers (none listening is fine).
    pub fn publish(&self, event: LiveEvent) {
        let _ = self.sender.send(Arc::new(event));
    }
}

/// The rank the next line of `referral`'s timeline will have. Lines of one referral are
/// written one transaction at a time (the referral's version check, or SQLite's single
/// writer), so counting inside the transaction gives each its own rank.
pub async fn next_sequence(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    referral: ReferralId,
) -> ApiResult<i64> {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

    let count = referral_event::Entity::find()
        .filter(referral_event::Column::TenantId.eq(tenant.as_uuid()))
        .filter(referral_event::Column::ReferralId.eq(referral.as_uuid()))
        .count(conn)
        .await?;
    Ok(i64::try_from(count).unwrap_or(i64::MAX - 1) + 1)
}

/// Announces `event` from inside its transaction. On PostgreSQL the notification is sent on
/// commit; on SQLite the event is returned to be published once the transaction commits.
pub async fn announce(
    conn: &impl ConnectionTrait,
    event: LiveEvent,
) -> ApiResult<Option<LiveEvent>> {
    if conn.get_database_backend() != DbBackend::Postgres {
        return Ok(Some(event));
    }
    let payload = serde_json::to_string(&Announcement {
        tenant: event.row.tenant_id,
        event: event.row.id,
        sequence: event.sequence,
    })
    .unwrap_or_default();
    conn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        [CHANNEL.into(), payload.into()],
    ))
    .await?;
    Ok(None)
}
