//! Escalations — an agent's question to a partner's back office, answered within a number of
//! working days — and their append-only history; each organisation's answer deadlines and the
//! territory's reopen window, with the defaults of the issue (2 working days, urgent 1; 15
//! days).

use sea_orm_migration::{prelude::*, schema::*};

use crate::{cols::Organisations, m20261123_201000_create_people_and_consents::People};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Escalations {
    Table,
    TenantId,
    Id,
    FromOrganisationId,
    ToOrganisationId,
    CreatedBy,
    Subject,
    Category,
    Urgency,
    Status,
    Version,
    ReferralId,
    PersonId,
    AssigneeId,
    DueAt,
    CreatedAt,
    UpdatedAt,
    AnsweredAt,
    ClosedAt,
    RemindedAt,
    AdminsAlertedAt,
}

#[derive(DeriveIden)]
enum EscalationEvents {
    Table,
    TenantId,
    Id,
    EscalationId,
    At,
    Kind,
    ActorId,
    ActorOrganisationId,
    Body,
    FromStatus,
    ToStatus,
    FromOrganisationId,
    ToOrganisationId,
    AssigneeId,
}

#[derive(DeriveIden)]
enum Referrals {
    Table,
    TenantId,
    Id,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    EscalationReopenDays,
}

#[derive(DeriveIden)]
enum OrganisationSettings {
    #[sea_orm(iden = "organisations")]
    Table,
    EscalationAnswerDays,
    EscalationUrgentAnswerDays,
}

fn org_key(from: Escalations) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from_tbl(Escalations::Table)
        .from_col(Escalations::TenantId)
        .from_col(from)
        .to_tbl(Organisations::Table)
        .to_col(Organisations::TenantId)
        .to_col(Organisations::Id)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        m.alter_table(
            Table::alter()
                .table(Tenants::Table)
                .add_column(integer(Tenants::EscalationReopenDays).default(15))
                .to_owned(),
        )
        .await?;
        for (column, default) in [
            (OrganisationSettings::EscalationAnswerDays, 2),
            (OrganisationSettings::EscalationUrgentAnswerDays, 1),
        ] {
            m.alter_table(
                Table::alter()
                    .table(OrganisationSettings::Table)
                    .add_column(integer(column).default(default))
                    .to_owned(),
            )
            .await?;
        }

        m.create_table(
            Table::create()
                .table(Escalations::Table)
                .col(uuid(Escalations::TenantId))
                .col(uuid(Escalations::Id))
                .col(uuid(Escalations::FromOrganisationId))
                .col(uuid(Escalations::ToOrganisationId))
                .col(uuid_null(Escalations::CreatedBy))
                .col(text(Escalations::Subject))
                .col(string(Escalations::Category))
                .col(string(Escalations::Urgency))
                .col(string(Escalations::Status))
                .col(integer(Escalations::Version))
                .col(uuid_null(Escalations::ReferralId))
                .col(uuid_null(Escalations::PersonId))
                .col(uuid_null(Escalations::AssigneeId))
                .col(timestamp_with_time_zone(Escalations::DueAt))
                .col(timestamp_with_time_zone(Escalations::CreatedAt))
                .col(timestamp_with_time_zone(Escalations::UpdatedAt))
                .col(timestamp_with_time_zone_null(Escalations::AnsweredAt))
                .col(timestamp_with_time_zone_null(Escalations::ClosedAt))
                .col(timestamp_with_time_zone_null(Escalations::RemindedAt))
                .col(timestamp_with_time_zone_null(Escalations::AdminsAlertedAt))
                .primary_key(
                    Index::create()
                        .col(Escalations::TenantId)
                        .col(Escalations::Id),
                )
                .foreign_key(&mut org_key(Escalations::FromOrganisationId))
                .foreign_key(&mut org_key(Escalations::ToOrganisationId))
                .foreign_key(
                    ForeignKey::create()
                        .from_tbl(Escalations::Table)
                        .from_col(Escalations::TenantId)
                        .from_col(Escalations::ReferralId)
                        .to_tbl(Referrals::Table)
                        .to_col(Referrals::TenantId)
                        .to_col(Referrals::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from_tbl(Escalations::Table)
                        .from_col(Escalations::TenantId)
                        .from_col(Escalations::PersonId)
                        .to_tbl(People::Table)
                        .to_col(People::TenantId)
                        .to_col(People::Id),
                )
                .to_owned(),
        )
        .await?;
        // The queue and the sent list, most urgent first or newest first: keyset pages.
        for (name, org, key) in [
            (
                "escalations_inbox_due",
                Escalations::ToOrganisationId,
                Escalations::DueAt,
            ),
            (
                "escalations_inbox_created",
                Escalations::ToOrganisationId,
                Escalations::CreatedAt,
            ),
            (
                "escalations_outbox_due",
                Escalations::FromOrganisationId,
                Escalations::DueAt,
            ),
            (
                "escalations_outbox_created",
                Escalations::FromOrganisationId,
                Escalations::CreatedAt,
            ),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(Escalations::Table)
                    .col(Escalations::TenantId)
                    .col(org)
                    .col(key)
                    .col(Escalations::Id)
                    .to_owned(),
            )
            .await?;
        }
        for (name, column) in [
            ("escalations_tenant_referral", Escalations::ReferralId),
            ("escalations_tenant_person", Escalations::PersonId),
            ("escalations_tenant_assignee", Escalations::AssigneeId),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(Escalations::Table)
                    .col(Escalations::TenantId)
                    .col(column)
                    .to_owned(),
            )
            .await?;
        }
        // The deadline scheduler looks at escalations waiting for an answer only.
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX escalations_open_due ON escalations (due_at) WHERE status = 'OPEN'",
            )
            .await?;

        m.create_table(
            Table::create()
                .table(EscalationEvents::Table)
                .col(uuid(EscalationEvents::TenantId))
                .col(uuid(EscalationEvents::Id))
                .col(uuid(EscalationEvents::EscalationId))
                .col(timestamp_with_time_zone(EscalationEvents::At))
                .col(string(EscalationEvents::Kind))
                .col(uuid_null(EscalationEvents::ActorId))
                .col(uuid_null(EscalationEvents::ActorOrganisationId))
                .col(text_null(EscalationEvents::Body))
                .col(string_null(EscalationEvents::FromStatus))
                .col(string_null(EscalationEvents::ToStatus))
                .col(uuid_null(EscalationEvents::FromOrganisationId))
                .col(uuid_null(EscalationEvents::ToOrganisationId))
                .col(uuid_null(EscalationEvents::AssigneeId))
                .primary_key(
                    Index::create()
                        .col(EscalationEvents::TenantId)
                        .col(EscalationEvents::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from_tbl(EscalationEvents::Table)
                        .from_col(EscalationEvents::TenantId)
                        .from_col(EscalationEvents::EscalationId)
                        .to_tbl(Escalations::Table)
                        .to_col(Escalations::TenantId)
                        .to_col(Escalations::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("escalation_events_tenant_escalation_at")
                .table(EscalationEvents::Table)
                .col(EscalationEvents::TenantId)
                .col(EscalationEvents::EscalationId)
                .col(EscalationEvents::At)
                .col(EscalationEvents::Id)
                .to_owned(),
        )
        .await?;
        // What an organisation transferred on: its read-only trace.
        m.create_index(
            Index::create()
                .name("escalation_events_tenant_transferred_by")
                .table(EscalationEvents::Table)
                .col(EscalationEvents::TenantId)
                .col(EscalationEvents::FromOrganisationId)
                .col(EscalationEvents::At)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(EscalationEvents::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Escalations::Table).to_owned())
            .await?;
        for column in [
            OrganisationSettings::EscalationAnswerDays,
            OrganisationSettings::EscalationUrgentAnswerDays,
        ] {
            m.alter_table(
                Table::alter()
                    .table(OrganisationSettings::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table(Tenants::Table)
                .drop_column(Tenants::EscalationReopenDays)
                .to_owned(),
        )
        .await
    }
}
