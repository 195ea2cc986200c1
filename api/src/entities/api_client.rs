use sea_orm::entity::prelude::*;

/// A partner system's identity in an organisation. The secret is kept only as a keyed hash
/// (`clients::secret`); `roles` is the comma-separated list of role codes it acts with.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_clients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub organisation_id: Uuid,
    pub name: String,
    pub roles: String,
    pub secret_hash: String,
    pub created_at: TimeDateTimeWithTimeZone,
    pub created_by: Option<Uuid>,
    pub last_used_at: Option<TimeDateTimeWithTimeZone>,
    pub revoked_at: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
