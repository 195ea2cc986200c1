use domain::AccountEventKind;
use sea_orm::entity::prelude::*;

use crate::store::Coded;

/// A line of an organisation's account history. Append-only.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The organisation the account belongs to.
    pub organisation_id: Uuid,
    pub user_id: Uuid,
    pub at: TimeDateTimeWithTimeZone,
    pub kind: Coded<AccountEventKind>,
    pub actor_id: Option<Uuid>,
    pub actor_organisation_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
