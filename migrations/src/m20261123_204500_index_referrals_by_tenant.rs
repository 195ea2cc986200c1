//! The territory-wide referral list of coordinators: newest first, and open ones by due date.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The same predicate as the other partial indexes on open referrals.
const OPEN: &str = "status NOT IN ('COMPLETED', 'DECLINED', 'REDIRECTED', 'CANCELLED')";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared(
            "CREATE INDEX referrals_tenant_created ON referrals (tenant_id, created_at, id)",
        )
        .await?;
        db.execute_unprepared(&format!(
            "CREATE INDEX referrals_tenant_open_due ON referrals (tenant_id, due_at, id) WHERE {OPEN}"
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared("DROP INDEX referrals_tenant_open_due")
            .await?;
        db.execute_unprepared("DROP INDEX referrals_tenant_created")
            .await?;
        Ok(())
    }
}
