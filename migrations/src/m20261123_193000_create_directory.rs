//! Tenants, their organisations and the services those organisations can be referred to.

use crate::cols::{Organisations, Tenants};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Org {
    Name,
    Kind,
    BackOfficeEmail,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Services {
    Table,
    TenantId,
    Id,
    OrganisationId,
    Name,
    Category,
    ResponseDays,
    UrgentResponseDays,
    CreatedAt,
}

#[derive(DeriveIden)]
enum T {
    Name,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Tenants::Table)
                .col(pk_uuid(Tenants::Id))
                .col(string(T::Name))
                .col(timestamp_with_time_zone(T::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Organisations::Table)
                .col(uuid(Organisations::TenantId))
                .col(uuid(Organisations::Id))
                .col(string(Org::Name))
                .col(string(Org::Kind))
                .col(string_null(Org::BackOfficeEmail))
                .col(timestamp_with_time_zone(Org::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(Organisations::TenantId)
                        .col(Organisations::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Organisations::Table, Organisations::TenantId)
                        .to(Tenants::Table, Tenants::Id),
                )
                .to_owned(),
        )
        .await?;
        // Listing and the duplicate check both go through (tenant, name).
        m.create_index(
            Index::create()
                .name("organisations_tenant_name")
                .table(Organisations::Table)
                .col(Organisations::TenantId)
                .col(Org::Name)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Services::Table)
                .col(uuid(Services::TenantId))
                .col(uuid(Services::Id))
                .col(uuid(Services::OrganisationId))
                .col(string(Services::Name))
                .col(string(Services::Category))
                .col(integer(Services::ResponseDays))
                .col(integer(Services::UrgentResponseDays))
                .col(timestamp_with_time_zone(Services::CreatedAt))
                .primary_key(Index::create().col(Services::TenantId).col(Services::Id))
                .foreign_key(
                    ForeignKey::create()
                        .from_tbl(Services::Table)
                        .from_col(Services::TenantId)
                        .from_col(Services::OrganisationId)
                        .to_tbl(Organisations::Table)
                        .to_col(Organisations::TenantId)
                        .to_col(Organisations::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("services_tenant_org_name")
                .table(Services::Table)
                .col(Services::TenantId)
                .col(Services::OrganisationId)
                .col(Services::Name)
                .unique()
                .to_owned(),
        )
        .await?;
        // The directory lists services by name, optionally within a category.
        m.create_index(
            Index::create()
                .name("services_tenant_name")
                .table(Services::Table)
                .col(Services::TenantId)
                .col(Services::Name)
                .col(Services::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("services_tenant_category_name")
                .table(Services::Table)
                .col(Services::TenantId)
                .col(Services::Category)
                .col(Services::Name)
                .col(Services::Id)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Services::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Organisations::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Tenants::Table).to_owned())
            .await
    }
}
