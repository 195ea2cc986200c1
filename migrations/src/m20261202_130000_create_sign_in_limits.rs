//! The sign-in limiter's counters, in the database so that replicas sharing it share the
//! limits, and incremented atomically before a password is checked. Not tenant-scoped: sign-in
//! is where the tenant becomes known.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Attempts per key (`address:…`, `account:…`, `success:…`) and ten-minute bucket.
#[derive(DeriveIden)]
enum SignInCounters {
    Table,
    Key,
    WindowStart,
    Count,
}

/// An (account, address) pair that signed in successfully: the account limit does not apply
/// to it, so an attacker elsewhere cannot lock the user out.
#[derive(DeriveIden)]
enum SignInTrust {
    Table,
    Email,
    Address,
    Since,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SignInCounters::Table)
                .col(string(SignInCounters::Key))
                .col(timestamp_with_time_zone(SignInCounters::WindowStart))
                .col(integer(SignInCounters::Count))
                .primary_key(
                    Index::create()
                        .col(SignInCounters::Key)
                        .col(SignInCounters::WindowStart),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("sign_in_counters_window")
                .table(SignInCounters::Table)
                .col(SignInCounters::WindowStart)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SignInTrust::Table)
                .col(string(SignInTrust::Email))
                .col(string(SignInTrust::Address))
                .col(timestamp_with_time_zone(SignInTrust::Since))
                .primary_key(
                    Index::create()
                        .col(SignInTrust::Email)
                        .col(SignInTrust::Address),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(SignInTrust::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(SignInCounters::Table).to_owned())
            .await
    }
}
