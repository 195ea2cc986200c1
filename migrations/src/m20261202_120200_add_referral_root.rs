//! Every referral knows the first referral of its redirect chain (`root_id`, itself for a
//! referral that was not redirected): the whole chain is one indexed query, for the parties
//! who see its metadata and for the chains' length in monitoring.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Referrals {
    Table,
    RootId,
}

/// Longer chains than this are not expected; the backfill stops there in any case.
const MAX_DEPTH: usize = 64;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Referrals::Table)
                .add_column(uuid_null(Referrals::RootId))
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        db.execute_unprepared("UPDATE referrals SET root_id = id WHERE parent_id IS NULL")
            .await?;
        for _ in 0..MAX_DEPTH {
            let done = db
                .execute_unprepared(
                    "UPDATE referrals SET root_id = (SELECT p.root_id FROM referrals p \
                       WHERE p.tenant_id = referrals.tenant_id AND p.id = referrals.parent_id) \
                     WHERE root_id IS NULL AND EXISTS (SELECT 1 FROM referrals p \
                       WHERE p.tenant_id = referrals.tenant_id AND p.id = referrals.parent_id \
                       AND p.root_id IS NOT NULL)",
                )
                .await?;
            if done.rows_affected() == 0 {
                break;
            }
        }
        db.execute_unprepared(
            "CREATE INDEX referrals_tenant_root ON referrals (tenant_id, root_id, created_at)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared("DROP INDEX referrals_tenant_root")
            .await?;
        m.alter_table(
            Table::alter()
                .table(Referrals::Table)
                .drop_column(Referrals::RootId)
                .to_owned(),
        )
        .await
    }
}
