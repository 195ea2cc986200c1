//! Monitoring's summary rows: one per referral, kept up to date in the transaction of each of its
//! changes (`events::record`), holding what the figures aggregate — the receiving organisation
//! and service, the status, and the delays already counted in working days with the clock
//! stopped while information was awaited. The report is a few `GROUP BY`s over this narrow
//! table, never a load of referrals into the server.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ReferralFigures {
    Table,
    TenantId,
    ReferralId,
    OrganisationId,
    ServiceId,
    Status,
    Outcome,
    DeclineReason,
    ChainLength,
    SentAt,
    SentWeek,
    FirstDueAt,
    DueAt,
    ClosedAt,
    PausedSince,
    PausedDays,
    FirstAnswerAt,
    FirstAnswerWeek,
    FirstAnswerDays,
    AnsweredInTime,
    Decision,
    DecidedAt,
    DecisionDays,
    CompletedAt,
    CompletedWeek,
    CompletionDays,
}

#[derive(DeriveIden)]
enum Referrals {
    Table,
    TenantId,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ReferralFigures as F;
        m.create_table(
            Table::create()
                .table(F::Table)
                .col(uuid(F::TenantId))
                .col(uuid(F::ReferralId))
                .col(uuid(F::OrganisationId))
                .col(uuid(F::ServiceId))
                .col(string(F::Status))
                .col(string_null(F::Outcome))
                .col(string_null(F::DeclineReason))
                .col(integer(F::ChainLength))
                .col(timestamp_with_time_zone(F::SentAt))
                .col(date(F::SentWeek))
                .col(timestamp_with_time_zone(F::FirstDueAt))
                .col(timestamp_with_time_zone(F::DueAt))
                .col(timestamp_with_time_zone_null(F::ClosedAt))
                .col(timestamp_with_time_zone_null(F::PausedSince))
                .col(integer(F::PausedDays))
                .col(timestamp_with_time_zone_null(F::FirstAnswerAt))
                .col(date_null(F::FirstAnswerWeek))
                .col(integer_null(F::FirstAnswerDays))
                .col(boolean_null(F::AnsweredInTime))
                .col(string_null(F::Decision))
                .col(timestamp_with_time_zone_null(F::DecidedAt))
                .col(integer_null(F::DecisionDays))
                .col(timestamp_with_time_zone_null(F::CompletedAt))
                .col(date_null(F::CompletedWeek))
                .col(integer_null(F::CompletionDays))
                .primary_key(Index::create().col(F::TenantId).col(F::ReferralId))
                .foreign_key(
                    ForeignKey::create()
                        .from_tbl(F::Table)
                        .from_col(F::TenantId)
                        .from_col(F::ReferralId)
                        .to_tbl(Referrals::Table)
                        .to_col(Referrals::TenantId)
                        .to_col(Referrals::Id),
                )
                .to_owned(),
        )
        .await?;
        // The period's referrals (by sending date), for the territory, one organisation or one
        // service; and the weekly series of first answers and completions (by their date).
        for (name, columns) in [
            ("referral_figures_sent", vec![F::TenantId, F::SentAt]),
            (
                "referral_figures_organisation_sent",
                vec![F::TenantId, F::OrganisationId, F::SentAt],
            ),
            (
                "referral_figures_service_sent",
                vec![F::TenantId, F::ServiceId, F::SentAt],
            ),
            (
                "referral_figures_first_answer",
                vec![F::TenantId, F::FirstAnswerAt],
            ),
            (
                "referral_figures_completed",
                vec![F::TenantId, F::CompletedAt],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(F::Table);
            for column in columns {
                index.col(column);
            }
            m.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ReferralFigures::Table).to_owned())
            .await
    }
}
