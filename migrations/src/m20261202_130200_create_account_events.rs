//! An organisation's account history: who created, deactivated or reactivated which account,
//! when — the trail its admins read, whoever acted (a tenant admin may act in any organisation).

use crate::cols::Organisations;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AccountEvents {
    Table,
    TenantId,
    Id,
    OrganisationId,
    UserId,
    At,
    Kind,
    ActorId,
    ActorOrganisationId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AccountEvents::Table)
                .col(uuid(AccountEvents::TenantId))
                .col(uuid(AccountEvents::Id))
                .col(uuid(AccountEvents::OrganisationId))
                .col(uuid(AccountEvents::UserId))
                .col(timestamp_with_time_zone(AccountEvents::At))
                .col(string(AccountEvents::Kind))
                .col(uuid_null(AccountEvents::ActorId))
                .col(uuid_null(AccountEvents::ActorOrganisationId))
                .primary_key(
                    Index::create()
                        .col(AccountEvents::TenantId)
                        .col(AccountEvents::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from_tbl(AccountEvents::Table)
                        .from_col(AccountEvents::TenantId)
                        .from_col(AccountEvents::OrganisationId)
                        .to_tbl(Organisations::Table)
                        .to_col(Organisations::TenantId)
                        .to_col(Organisations::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("account_events_tenant_org_at")
                .table(AccountEvents::Table)
                .col(AccountEvents::TenantId)
                .col(AccountEvents::OrganisationId)
                .col(AccountEvents::At)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(AccountEvents::Table).to_owned())
            .await
    }
}
