//! Contract step after `create_user_roles`: the roles live in `user_roles` only.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("ALTER TABLE users DROP COLUMN roles")
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared("ALTER TABLE users ADD COLUMN roles TEXT NOT NULL DEFAULT ''")
            .await?;
        // Rebuilt from the rows, in the order of `domain::Role::ALL` (the CSV form's order).
        for role in [
            "AGENT",
            "BACK_OFFICE",
            "ORG_ADMIN",
            "COORDINATOR",
            "TENANT_ADMIN",
        ] {
            db.execute_unprepared(&format!(
                "UPDATE users SET roles = CASE WHEN roles = '' THEN '{role}' ELSE roles || ',{role}' END \
                 WHERE EXISTS (SELECT 1 FROM user_roles r WHERE r.tenant_id = users.tenant_id \
                 AND r.user_id = users.id AND r.role = '{role}')"
            ))
            .await?;
        }
        Ok(())
    }
}
