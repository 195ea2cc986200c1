use sea_orm::entity::prelude::*;

/// One line of a referral's timeline. Append-only: never updated, never deleted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "referral_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub referral_id: Uuid,
    pub at: TimeDateTimeWithTimeZone,
    /// CREATE, or a `domain::ReferralAction` code, or a system event (CONSENT_WITHDRAWN,
    /// REMINDER_SENT…).
    pub kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_organisation_id: Option<Uuid>,
    pub comment: Option<String>,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
