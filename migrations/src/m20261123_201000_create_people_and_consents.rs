//! People held by an organisation, and the consents they gave to share their data.

use sea_orm_migration::{prelude::*, schema::*};

use crate::cols::{Organisations, Tenants};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum People {
    Table,
    TenantId,
    Id,
    OrganisationId,
    FirstName,
    LastName,
    BirthDate,
    Phone,
    Email,
    Address,
    DuplicateKey,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum Consents {
    Table,
    TenantId,
    Id,
    PersonId,
    OrganisationId,
    Purposes,
    DataCategories,
    Method,
    CollectedBy,
    CollectedAt,
    ExpiresAt,
    Evidence,
    TextVersion,
    WithdrawnAt,
    WithdrawnBy,
    WithdrawalReason,
}

#[derive(DeriveIden)]
enum ConsentRecipients {
    Table,
    TenantId,
    ConsentId,
    OrganisationId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(People::Table)
                .col(uuid(People::TenantId))
                .col(uuid(People::Id))
                .col(uuid(People::OrganisationId))
                .col(string(People::FirstName))
                .col(string(People::LastName))
                .col(date(People::BirthDate))
                .col(string_null(People::Phone))
                .col(string_null(People::Email))
                .col(string_null(People::Address))
                .col(string(People::DuplicateKey))
                .col(uuid(People::CreatedBy))
                .col(timestamp_with_time_zone(People::CreatedAt))
                .primary_key(Index::create().col(People::TenantId).col(People::Id))
                .foreign_key(
                    ForeignKey::create()
                        .from_tbl(People::Table)
                        .from_col(People::TenantId)
                        .from_col(People::OrganisationId)
                        .to_tbl(Organisations::Table)
                        .to_col(Organisations::TenantId)
                        .to_col(Organisations::Id),
                )
                .to_owned(),
        )
        .await?;
        // The duplicate check on creation, and the agent's search by name.
        m.create_index(
            Index::create()
                .name("people_tenant_org_duplicate")
                .table(People::Table)
                .col(People::TenantId)
                .col(People::OrganisationId)
                .col(People::DuplicateKey)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("people_tenant_org_name")
                .table(People::Table)
                .col(People::TenantId)
                .col(People::OrganisationId)
                .col(People::LastName)
                .col(People::FirstName)
                .col(People::Id)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Consents::Table)
                .col(uuid(Consents::TenantId))
                .col(uuid(Consents::Id))
                .col(uuid(Consents::PersonId))
                .col(uuid(Consents::OrganisationId))
                .col(text(Consents::Purposes))
                .col(text(Consents::DataCategories))
                .col(string(Consents::Method))
                .col(uuid(Consents::CollectedBy))
                .col(timestamp_with_time_zone(Consents::CollectedAt))
                .col(timestamp_with_time_zone_null(Consents::ExpiresAt))
                .col(text_null(Consents::Evidence))
                .col(string_null(Consents::TextVersion))
                .col(timestamp_with_time_zone_null(Consents::WithdrawnAt))
                .col(uuid_null(Consents::WithdrawnBy))
                .col(text_null(Consents::WithdrawalReason))
                .primary_key(Index::create().col(Consents::TenantId).col(Consents::Id))
                .foreign_key(
                    ForeignKey::create()
                        .from_tbl(Consents::Table)
                        .from_col(Consents::TenantId)
                        .from_col(Consents::PersonId)
                        .to_tbl(People::Table)
                        .to_col(People::TenantId)
                        .to_col(People::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("consents_tenant_person")
                .table(Consents::Table)
                .col(Consents::TenantId)
                .col(Consents::PersonId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ConsentRecipients::Table)
                .col(uuid(ConsentRecipients::TenantId))
                .col(uuid(ConsentRecipients::ConsentId))
                .col(uuid(ConsentRecipients::OrganisationId))
                .primary_key(
                    Index::create()
                        .col(ConsentRecipients::TenantId)
                        .col(ConsentRecipients::ConsentId)
                        .col(ConsentRecipients::OrganisationId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from_tbl(ConsentRecipients::Table)
                        .from_col(ConsentRecipients::TenantId)
                        .from_col(ConsentRecipients::ConsentId)
                        .to_tbl(Consents::Table)
                        .to_col(Consents::TenantId)
                        .to_col(Consents::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from_tbl(ConsentRecipients::Table)
                        .from_col(ConsentRecipients::TenantId)
                        .from_col(ConsentRecipients::OrganisationId)
                        .to_tbl(Organisations::Table)
                        .to_col(Organisations::TenantId)
                        .to_col(Organisations::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ConsentRecipients::Table, ConsentRecipients::TenantId)
                        .to(Tenants::Table, Tenants::Id),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ConsentRecipients::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Consents::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(People::Table).to_owned())
            .await
    }
}
