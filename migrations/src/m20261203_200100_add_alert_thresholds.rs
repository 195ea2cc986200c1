//! The territory's alert thresholds on partners, in percent: an organisation is flagged when
//! more of its referrals were answered late than `alert_late_percent`, or fewer of its decisions
//! were acceptances than `alert_acceptance_percent`, over at least `alert_min_referrals`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tenants {
    Table,
    AlertLatePercent,
    AlertAcceptancePercent,
    AlertMinReferrals,
}

const COLUMNS: [(Tenants, i32); 3] = [
    (Tenants::AlertLatePercent, 30),
    (Tenants::AlertAcceptancePercent, 25),
    (Tenants::AlertMinReferrals, 5),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        for (column, default) in COLUMNS {
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
        for (column, _) in COLUMNS {
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
