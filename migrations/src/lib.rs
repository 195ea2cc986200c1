//! Database migrations, one file each, run on SQLite and PostgreSQL alike.
//!
//! Tenant-owned tables use the composite primary key `(tenant_id, id)` and foreign keys that carry
//! `tenant_id`, so the schema can later be distributed by tenant (Citus needs the distribution
//! column in every unique and foreign key).

pub use sea_orm_migration::prelude::*;

mod m20261123_193000_create_directory;
mod m20261123_193100_create_users;
mod m20261123_200000_create_notifications;
mod m20261123_200100_create_invitations;
mod m20261123_201000_create_people_and_consents;
mod m20261123_201100_create_referrals;
mod m20261123_203000_add_deadline_stages;
mod m20261123_204500_index_referrals_by_tenant;
mod m20261202_120000_create_user_roles;
mod m20261202_120100_drop_users_roles;
mod m20261202_120200_add_referral_root;
mod m20261202_130000_create_sign_in_limits;
mod m20261202_130100_create_sessions;
mod m20261202_130200_create_account_events;
mod m20261203_100000_create_escalations;
mod m20261203_120000_create_api_clients;
mod m20261203_200000_create_referral_figures;
mod m20261203_200100_add_alert_thresholds;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_193000_create_directory::Migration),
            Box::new(m20261123_193100_create_users::Migration),
            Box::new(m20261123_200000_create_notifications::Migration),
            Box::new(m20261123_200100_create_invitations::Migration),
            Box::new(m20261123_201000_create_people_and_consents::Migration),
            Box::new(m20261123_201100_create_referrals::Migration),
            Box::new(m20261123_203000_add_deadline_stages::Migration),
            Box::new(m20261123_204500_index_referrals_by_tenant::Migration),
            Box::new(m20261202_120000_create_user_roles::Migration),
            Box::new(m20261202_120100_drop_users_roles::Migration),
            Box::new(m20261202_120200_add_referral_root::Migration),
            Box::new(m20261202_130000_create_sign_in_limits::Migration),
            Box::new(m20261202_130100_create_sessions::Migration),
            Box::new(m20261202_130200_create_account_events::Migration),
            Box::new(m20261203_100000_create_escalations::Migration),
            Box::new(m20261203_120000_create_api_clients::Migration),
            Box::new(m20261203_200000_create_referral_figures::Migration),
            Box::new(m20261203_200100_add_alert_thresholds::Migration),
        ]
    }
}

/// Columns shared by the migrations.
pub(crate) mod cols {
    use sea_orm_migration::prelude::*;

    #[derive(DeriveIden)]
    pub enum Tenants {
        Table,
        Id,
    }

    #[derive(DeriveIden)]
    pub enum Organisations {
        Table,
        TenantId,
        Id,
    }
}
