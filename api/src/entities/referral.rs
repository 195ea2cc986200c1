use domain::{DeclineReason, Outcome, ReferralStatus, Urgency};
use sea_orm::entity::prelude::*;

use crate::store::Coded;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "referrals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    pub consent_id: Uuid,
    pub from_organisation_id: Uuid,
    pub to_organisation_id: Uuid,
    pub service_id: Uuid,
    pub created_by: Uuid,
    pub motive: String,
    pub urgency: Coded<Urgency>,
    pub status: Coded<ReferralStatus>,
    /// Optimistic concurrency: every transition bumps it; a stale `expectedVersion` loses.
    pub version: i32,
    pub due_at: TimeDateTimeWithTimeZone,
    /// Set while INFO_REQUESTED: the clock stops, and restarts with the days that remained.
    pub paused_at: Option<TimeDateTimeWithTimeZone>,
    pub assignee_id: Option<Uuid>,
    /// The referral this one was redirected from.
    pub parent_id: Option<Uuid>,
    /// The first referral of its redirect chain (itself when it was not redirected).
    pub root_id: Option<Uuid>,
    pub outcome: Option<Coded<Outcome>>,
    pub decline_reason: Option<Coded<DeclineReason>>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
    pub closed_at: Option<TimeDateTimeWithTimeZone>,
    /// When each deadline stage was sent: set once, by whichever replica got there first.
    pub reminded_at: Option<TimeDateTimeWithTimeZone>,
    pub overdue_notified_at: Option<TimeDateTimeWithTimeZone>,
    pub escalated_at: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
