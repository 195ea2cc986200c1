use domain::{EscalationStatus, Urgency};
use sea_orm::entity::prelude::*;

use crate::store::Coded;

/// An agent's question to a partner's back office.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "escalations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub from_organisation_id: Uuid,
    /// The organisation it is addressed to now (a transfer changes it).
    pub to_organisation_id: Uuid,
    /// The agent who opened it (none for a partner system's client).
    pub created_by: Option<Uuid>,
    pub subject: String,
    pub category: String,
    pub urgency: Coded<Urgency>,
    pub status: Coded<EscalationStatus>,
    /// Bumped by every change: two concurrent changes, one wins.
    pub version: i32,
    pub referral_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    /// When the back office must have answered (reset when it waits for an answer again).
    pub due_at: TimeDateTimeWithTimeZone,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
    /// The first answer.
    pub answered_at: Option<TimeDateTimeWithTimeZone>,
    pub closed_at: Option<TimeDateTimeWithTimeZone>,
    /// When each deadline stage of the current `due_at` was sent: set once, by whichever
    /// replica got there first.
    pub reminded_at: Option<TimeDateTimeWithTimeZone>,
    pub admins_alerted_at: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
