//! Deadline follow-up: per-tenant thresholds, and on each referral the time each stage
//! (reminder, overdue notice, escalation) was sent — the guard that sends each once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Referrals {
    Table,
    RemindedAt,
    OverdueNotifiedAt,
    EscalatedAt,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    ReminderDaysBefore,
    EscalationDaysAfter,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        for column in [
            Referrals::RemindedAt,
            Referrals::OverdueNotifiedAt,
            Referrals::EscalatedAt,
        ] {
            m.alter_table(
                Table::alter()
                    .table(Referrals::Table)
                    .add_column(timestamp_with_time_zone_null(column))
                    .to_owned(),
            )
            .await?;
        }
        for (column, default) in [
            (Tenants::ReminderDaysBefore, 2),
            (Tenants::EscalationDaysAfter, 3),
        ] {
            m.alter_table(
                Table::alter()
                    .table(Tenants::Table)
                    .add_column(integer(column).default(default))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Referrals::RemindedAt,
            Referrals::OverdueNotifiedAt,
            Referrals::EscalatedAt,
        ] {
            m.alter_table(
                Table::alter()
                    .table(Referrals::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        for column in [Tenants::ReminderDaysBefore, Tenants::EscalationDaysAfter] {
            m.alter_table(
                Table::alter()
                    .table(Tenants::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
