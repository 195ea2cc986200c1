use domain::OrganisationKind;
use sea_orm::entity::prelude::*;

use crate::store::Coded;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organisations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub kind: Coded<OrganisationKind>,
    pub back_office_email: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    /// Working days this organisation takes to answer an escalation.
    pub escalation_answer_days: i32,
    /// The same, for an urgent one.
    pub escalation_urgent_answer_days: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
