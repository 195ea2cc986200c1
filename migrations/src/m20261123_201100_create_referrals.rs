//! Referrals and their append-only timeline.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{
    cols::Organisations,
    m20261123_201000_create_people_and_consents::{Consents, People},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Referrals {
    Table,
    TenantId,
    Id,
    PersonId,
    ConsentId,
    FromOrganisationId,
    ToOrganisationId,
    ServiceId,
    CreatedBy,
    Motive,
    Urgency,
    Status,
    Version,
    DueAt,
    PausedAt,
    AssigneeId,
    ParentId,
    Outcome,
    DeclineReason,
    CreatedAt,
    UpdatedAt,
    ClosedAt,
}

#[derive(DeriveIden)]
enum ReferralEvents {
    Table,
    TenantId,
    Id,
    ReferralId,
    At,
    Kind,
    ActorId,
    ActorOrganisationId,
    Comment,
    FromStatus,
    ToStatus,
}

/// The statuses that end a referral: the partial indexes below cover only the others.
const OPEN: &str = "status NOT IN ('COMPLETED', 'DECLINED', 'REDIRECTED', 'CANCELLED')";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Referrals::Table)
                .col(uuid(Referrals::TenantId))
                .col(uuid(Referrals::Id))
                .col(uuid(Referrals::PersonId))
                .col(uuid(Referrals::ConsentId))
                .col(uuid(Referrals::FromOrganisationId))
                .col(uuid(Referrals::ToOrganisationId))
                .col(uuid(Referrals::ServiceId))
                .col(uuid(Referrals::CreatedBy))
                .col(text(Referrals::Motive))
                .col(string(Referrals::Urgency))
                .col(string(Referrals::Status))
                .col(integer(Referrals::Version))
                .col(timestamp_with_time_zone(Referrals::DueAt))
                .col(timestamp_with_time_zone_null(Referrals::PausedAt))
                .col(uuid_null(Referrals::AssigneeId))
                .col(uuid_null(Referrals::ParentId))
                .col(string_null(Referrals::Outcome))
                .col(string_null(Referrals::DeclineReason))
                .col(timestamp_with_time_zone(Referrals::CreatedAt))
                .col(timestamp_with_time_zone(Referrals::UpdatedAt))
                .col(timestamp_with_time_zone_null(Referrals::ClosedAt))
                .primary_key(Index::create().col(Referrals::TenantId).col(Referrals::Id))
                .foreign_key(
                    ForeignKey::create()
                        .from_tbl(Referrals::Table)
                        .from_col(Referrals::TenantId)
                        .from_col(Referrals::PersonId)
                        .to_tbl(People::Table)
                        .to_col(People::TenantId)
                        .to_col(People::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from_tbl(Referrals::Table)
                        .from_col(Referrals::TenantId)
                        .from_col(Referrals::ConsentId)
                        .to_tbl(Consents::Table)
                        .to_col(Consents::TenantId)
                        .to_col(Consents::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from_tbl(Referrals::Table)
                        .from_col(Referrals::TenantId)
                        .from_col(Referrals::ToOrganisationId)
                        .to_tbl(Organisations::Table)
                        .to_col(Organisations::TenantId)
                        .to_col(Organisations::Id),
                )
                .to_owned(),
        )
        .await?;
        // Inbox and outbox, newest first: keyset pages over (created_at, id).
        for (name, org) in [
            ("referrals_inbox", Referrals::ToOrganisationId),
            ("referrals_outbox", Referrals::FromOrganisationId),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(Referrals::Table)
                    .col(Referrals::TenantId)
                    .col(org)
                    .col(Referrals::CreatedAt)
                    .col(Referrals::Id)
                    .to_owned(),
            )
            .await?;
        }
        for (name, column) in [
            ("referrals_tenant_consent", Referrals::ConsentId),
            ("referrals_tenant_person", Referrals::PersonId),
            ("referrals_tenant_parent", Referrals::ParentId),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(Referrals::Table)
                    .col(Referrals::TenantId)
                    .col(column)
                    .to_owned(),
            )
            .await?;
        }
        // Open referrals by due date: the overdue lists, "most urgent first", and the deadline
        // scheduler. Partial, so finished referrals (most rows, in time) cost nothing here.
        let db = m.get_connection();
        for (name, org) in [
            ("referrals_inbox_open_due", "to_organisation_id"),
            ("referrals_outbox_open_due", "from_organisation_id"),
        ] {
            db.execute_unprepared(&format!(
                "CREATE INDEX {name} ON referrals (tenant_id, {org}, due_at, id) WHERE {OPEN}"
            ))
            .await?;
        }
        db.execute_unprepared(&format!(
            "CREATE INDEX referrals_open_due ON referrals (due_at) WHERE {OPEN}"
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(ReferralEvents::Table)
                .col(uuid(ReferralEvents::TenantId))
                .col(uuid(ReferralEvents::Id))
                .col(uuid(ReferralEvents::ReferralId))
                .col(timestamp_with_time_zone(ReferralEvents::At))
                .col(string(ReferralEvents::Kind))
                .col(uuid_null(ReferralEvents::ActorId))
                .col(uuid_null(ReferralEvents::ActorOrganisationId))
                .col(text_null(ReferralEvents::Comment))
                .col(string_null(ReferralEvents::FromStatus))
                .col(string_null(ReferralEvents::ToStatus))
                .primary_key(
                    Index::create()
                        .col(ReferralEvents::TenantId)
                        .col(ReferralEvents::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from_tbl(ReferralEvents::Table)
                        .from_col(ReferralEvents::TenantId)
                        .from_col(ReferralEvents::ReferralId)
                        .to_tbl(Referrals::Table)
                        .to_col(Referrals::TenantId)
                        .to_col(Referrals::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("referral_events_tenant_referral_at")
                .table(ReferralEvents::Table)
                .col(ReferralEvents::TenantId)
                .col(ReferralEvents::ReferralId)
                .col(ReferralEvents::At)
                .col(ReferralEvents::Id)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ReferralEvents::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Referrals::Table).to_owned())
            .await
    }
}
