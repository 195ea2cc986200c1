//! Sign-in sessions: every access token names its session, checked on each request, so that
//! signing out, deactivation, a password or role change end the tokens already issued — and
//! reactivating an account does not bring them back.

use crate::cols::Tenants;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Sessions {
    Table,
    TenantId,
    Id,
    UserId,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    TenantId,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(uuid(Sessions::TenantId))
                .col(uuid(Sessions::Id))
                .col(uuid(Sessions::UserId))
                .col(timestamp_with_time_zone(Sessions::CreatedAt))
                .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                .col(timestamp_with_time_zone_null(Sessions::RevokedAt))
                .primary_key(Index::create().col(Sessions::TenantId).col(Sessions::Id))
                .foreign_key(
                    ForeignKey::create()
                        .from_tbl(Sessions::Table)
                        .from_col(Sessions::TenantId)
                        .from_col(Sessions::UserId)
                        .to_tbl(Users::Table)
                        .to_col(Users::TenantId)
                        .to_col(Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Sessions::Table, Sessions::TenantId)
                        .to(Tenants::Table, Tenants::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("sessions_tenant_user")
                .table(Sessions::Table)
                .col(Sessions::TenantId)
                .col(Sessions::UserId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Sessions::Table).to_owned())
            .await
    }
}
