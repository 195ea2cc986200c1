//! The notification outbox: a row per mail, written in the transaction of the change that causes
//! it, then delivered by the worker (which claims rows with a lease, never holding a lock while it
//! talks to the mail server).

use crate::cols::Tenants;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notifications {
    Table,
    TenantId,
    Id,
    OrganisationId,
    Kind,
    Recipients,
    Subject,
    BodyText,
    BodyHtml,
    ReferralId,
    DedupKey,
    Status,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastError,
    CreatedAt,
    SentAt,
    MessageId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use Notifications as N;
        m.create_table(
            Table::create()
                .table(N::Table)
                .col(uuid(N::TenantId))
                .col(uuid(N::Id))
                // Whose admins see it in the app; `None` for tenant-wide notices.
                .col(uuid_null(N::OrganisationId))
                .col(string(N::Kind))
                .col(text(N::Recipients))
                .col(text(N::Subject))
                .col(text(N::BodyText))
                .col(text(N::BodyHtml))
                // No foreign key: the outbox must accept a row whatever the referral's fate.
                .col(uuid_null(N::ReferralId))
                .col(string_null(N::DedupKey))
                .col(string(N::Status))
                .col(integer(N::Attempts))
                .col(timestamp_with_time_zone(N::NextAttemptAt))
                .col(timestamp_with_time_zone_null(N::LockedUntil))
                .col(text_null(N::LastError))
                .col(timestamp_with_time_zone(N::CreatedAt))
                .col(timestamp_with_time_zone_null(N::SentAt))
                .col(string(N::MessageId))
                .primary_key(Index::create().col(N::TenantId).col(N::Id))
                .foreign_key(
                    ForeignKey::create()
                        .from(N::Table, N::TenantId)
                        .to(Tenants::Table, Tenants::Id),
                )
                .to_owned(),
        )
        .await?;
        // A stage (a reminder, an escalation…) is sent once per referral: NULL keys never clash.
        m.create_index(
            Index::create()
                .name("notifications_tenant_dedup")
                .table(N::Table)
                .col(N::TenantId)
                .col(N::DedupKey)
                .unique()
                .to_owned(),
        )
        .await?;
        // The worker's claim scans across tenants by due time.
        m.create_index(
            Index::create()
                .name("notifications_due")
                .table(N::Table)
                .col(N::Status)
                .col(N::NextAttemptAt)
                .to_owned(),
        )
        .await?;
        // The admin lists: the tenant's, newest first, and one organisation's.
        m.create_index(
            Index::create()
                .name("notifications_tenant_created")
                .table(N::Table)
                .col(N::TenantId)
                .col(N::CreatedAt)
                .col(N::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("notifications_tenant_org_created")
                .table(N::Table)
                .col(N::TenantId)
                .col(N::OrganisationId)
                .col(N::CreatedAt)
                .col(N::Id)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Notifications::Table).to_owned())
            .await
    }
}
