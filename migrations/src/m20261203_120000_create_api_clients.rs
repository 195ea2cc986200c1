//! Partner systems' API clients: an organisation's machine identities, each with a secret kept
//! only as a hash, roles it acts with, when it was last used and whether it was revoked. The
//! timelines name the client that acted (`actor_client_id`), as they name a user.
//!
//! The primary key is the client id alone: `POST /oauth/token` is where the tenant of a client
//! becomes known, the one lookup not scoped by tenant (like a sign-in email). Every other query
//! also filters by tenant.

use crate::cols::{Organisations, Tenants};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiClients {
    Table,
    Id,
    TenantId,
    OrganisationId,
    Name,
    Roles,
    SecretHash,
    CreatedAt,
    CreatedBy,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum ReferralEvents {
    Table,
    ActorClientId,
}

#[derive(DeriveIden)]
enum EscalationEvents {
    Table,
    ActorClientId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ApiClients::Table)
                .col(uuid(ApiClients::Id).primary_key())
                .col(uuid(ApiClients::TenantId))
                .col(uuid(ApiClients::OrganisationId))
                .col(string(ApiClients::Name))
                .col(string(ApiClients::Roles))
                .col(string(ApiClients::SecretHash))
                .col(timestamp_with_time_zone(ApiClients::CreatedAt))
                .col(uuid_null(ApiClients::CreatedBy))
                .col(timestamp_with_time_zone_null(ApiClients::LastUsedAt))
                .col(timestamp_with_time_zone_null(ApiClients::RevokedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from_tbl(ApiClients::Table)
                        .from_col(ApiClients::TenantId)
                        .from_col(ApiClients::OrganisationId)
                        .to_tbl(Organisations::Table)
                        .to_col(Organisations::TenantId)
                        .to_col(Organisations::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ApiClients::Table, ApiClients::TenantId)
                        .to(Tenants::Table, Tenants::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("api_clients_tenant_organisation")
                .table(ApiClients::Table)
                .col(ApiClients::TenantId)
                .col(ApiClients::OrganisationId)
                .col(ApiClients::CreatedAt)
                .to_owned(),
        )
        .await?;
        // One column per statement: SQLite alters one at a time.
        m.alter_table(
            Table::alter()
                .table(ReferralEvents::Table)
                .add_column(uuid_null(ReferralEvents::ActorClientId))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(EscalationEvents::Table)
                .add_column(uuid_null(EscalationEvents::ActorClientId))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(EscalationEvents::Table)
                .drop_column(EscalationEvents::ActorClientId)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(ReferralEvents::Table)
                .drop_column(ReferralEvents::ActorClientId)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(ApiClients::Table).to_owned())
            .await
    }
}
