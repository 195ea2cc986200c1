//! One LISTEN connection per `serve` process on PostgreSQL: each notification is read back from
//! `referral_events` (the notification carries ids only) and handed to this process's
//! subscribers. A lost connection is reopened; notifications sent while it was down are
//! missed by live subscribers (webhooks, fed by their outbox, miss none).

use std::time::Duration;

use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter};

use super::{Announcement, CHANNEL, LiveEvent};
use crate::{AppState, entities::referral_event};

/// Starts listening before the server accepts anything, so that no subscription can begin
/// before its events would be heard. Does nothing on SQLite.
pub async fn start(app: &AppState) -> anyhow::Result<()> {
    if app.db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let pool = app.db.get_postgres_connection_pool().clone();
    let mut listener = PgListener::connect_with(&pool).await?;
    listener.listen(CHANNEL).await?;
    let app = app.clone();
    tokio::spawn(async move {
        loop {
            match listener.recv().await {
                Ok(notification) => deliver(&app, notification.payload()).await,
                Err(err) => {
                    // `recv` reconnects (and LISTENs again) on its next call.
                    tracing::warn!(error = %err, "live events: listener lost its connection");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
    Ok(())
}

async fn deliver(app: &AppState, payload: &str) {
    let Ok(announced) = serde_json::from_str::<Announcement>(payload) else {
        tracing::warn!("live events: unreadable notification");
        return;
    };
    match read_back(&app.db, &announced).await {
        Ok(Some(event)) => app.hooks.live.publish(event),
        Ok(None) => {
            tracing::warn!(event = %announced.event, "live events: announced line not found")
        }
        Err(err) => tracing::warn!(error = %err, "live events: could not read an announced line"),
    }
}

async fn read_back(
    db: &DatabaseConnection,
    announced: &Announcement,
) -> Result<Option<LiveEvent>, sea_orm::DbErr> {
    Ok(referral_event::Entity::find()
        .filter(referral_event::Column::TenantId.eq(announced.tenant))
        .filter(referral_event::Column::Id.eq(announced.event))
        .one(db)
        .await?
        .map(|row| LiveEvent {
            row,
            sequence: announced.sequence,
        }))
}
