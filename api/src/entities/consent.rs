use domain::ConsentMethod;
use sea_orm::entity::prelude::*;

use crate::store::Coded;

/// What a person agreed to share, with whom, how and until when; and its withdrawal.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    /// The organisation that collected it.
    pub organisation_id: Uuid,
    /// One purpose per line.
    pub purposes: String,
    /// One data category per line.
    pub data_categories: String,
    pub method: Coded<ConsentMethod>,
    pub collected_by: Uuid,
    pub collected_at: TimeDateTimeWithTimeZone,
    pub expires_at: Option<TimeDateTimeWithTimeZone>,
    pub evidence: Option<String>,
    pub text_version: Option<String>,
    pub withdrawn_at: Option<TimeDateTimeWithTimeZone>,
    pub withdrawn_by: Option<Uuid>,
    pub withdrawal_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
