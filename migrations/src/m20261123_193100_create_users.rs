//! Users of an organisation, and the global sign-in index from an email to its tenant.

use crate::cols::{Organisations, Tenants};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    TenantId,
    Id,
    OrganisationId,
    Email,
    Name,
    Roles,
    PasswordHash,
    Active,
    CreatedAt,
}

/// Sign-in knows only an email: this small reference table (not distributed by tenant) says which
/// tenant holds it, so `users` itself needs no unique key without `tenant_id`.
#[derive(DeriveIden)]
enum SignInEmails {
    Table,
    Email,
    TenantId,
    UserId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(uuid(Users::TenantId))
                .col(uuid(Users::Id))
                .col(uuid(Users::OrganisationId))
                .col(string(Users::Email))
                .col(string(Users::Name))
                .col(string(Users::Roles))
                .col(string_null(Users::PasswordHash))
                .col(boolean(Users::Active))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .primary_key(Index::create().col(Users::TenantId).col(Users::Id))
                .foreign_key(
                    ForeignKey::create()
                        .from_tbl(Users::Table)
                        .from_col(Users::TenantId)
                        .from_col(Users::OrganisationId)
                        .to_tbl(Organisations::Table)
                        .to_col(Organisations::TenantId)
                        .to_col(Organisations::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("users_tenant_email")
                .table(Users::Table)
                .col(Users::TenantId)
                .col(Users::Email)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("users_tenant_org_name")
                .table(Users::Table)
                .col(Users::TenantId)
                .col(Users::OrganisationId)
                .col(Users::Name)
                .col(Users::Id)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(SignInEmails::Table)
                .col(string(SignInEmails::Email).primary_key())
                .col(uuid(SignInEmails::TenantId))
                .col(uuid(SignInEmails::UserId))
                .foreign_key(
                    ForeignKey::create()
                        .from(SignInEmails::Table, SignInEmails::TenantId)
                        .to(Tenants::Table, Tenants::Id),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(SignInEmails::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}
