//! Roles as rows, one per (user, role): "the coordinators of this tenant" becomes an indexed
//! query instead of `roles LIKE '%COORDINATOR%'`. Expand step: the table is filled from the
//! comma-separated `users.roles`, which the next migration removes.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UserRoles {
    Table,
    TenantId,
    UserId,
    Role,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    TenantId,
    Id,
}

const ROLES: [&str; 5] = [
    "AGENT",
    "BACK_OFFICE",
    "ORG_ADMIN",
    "COORDINATOR",
    "TENANT_ADMIN",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(UserRoles::Table)
                .col(uuid(UserRoles::TenantId))
                .col(uuid(UserRoles::UserId))
                .col(string(UserRoles::Role))
                .primary_key(
                    Index::create()
                        .col(UserRoles::TenantId)
                        .col(UserRoles::UserId)
                        .col(UserRoles::Role),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from_tbl(UserRoles::Table)
                        .from_col(UserRoles::TenantId)
                        .from_col(UserRoles::UserId)
                        .to_tbl(Users::Table)
                        .to_col(Users::TenantId)
                        .to_col(Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("user_roles_tenant_role")
                .table(UserRoles::Table)
                .col(UserRoles::TenantId)
                .col(UserRoles::Role)
                .col(UserRoles::UserId)
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        for role in ROLES {
            db.execute_unprepared(&format!(
                "INSERT INTO user_roles (tenant_id, user_id, role) \
                 SELECT tenant_id, id, '{role}' FROM users \
                 WHERE (',' || roles || ',') LIKE '%,{role},%'"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(UserRoles::Table).to_owned())
            .await
    }
}
