//! Invitations to set a password: only the SHA-256 of the token is stored, so a copy of the
//! database does not let anyone take over an invited account.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Invitations {
    Table,
    TokenHash,
    TenantId,
    UserId,
    ExpiresAt,
    UsedAt,
    CreatedAt,
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
        use Invitations as I;
        // Keyed by the token's hash, like `sign_in_emails` by the email: the link arrives
        // without a tenant, and this lookup is where the tenant becomes known.
        m.create_table(
            Table::create()
                .table(I::Table)
                .col(string(I::TokenHash).primary_key())
                .col(uuid(I::TenantId))
                .col(uuid(I::UserId))
                .col(timestamp_with_time_zone(I::ExpiresAt))
                .col(timestamp_with_time_zone_null(I::UsedAt))
                .col(timestamp_with_time_zone(I::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from_tbl(I::Table)
                        .from_col(I::TenantId)
                        .from_col(I::UserId)
                        .to_tbl(Users::Table)
                        .to_col(Users::TenantId)
                        .to_col(Users::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("invitations_tenant_user")
                .table(I::Table)
                .col(I::TenantId)
                .col(I::UserId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Invitations::Table).to_owned())
            .await
    }
}
