use domain::{DeclineReason, Outcome, ReferralStatus, monitoring::Decision};
use sea_orm::entity::prelude::*;

use crate::store::Coded;

/// Monitoring's summary of one referral, rewritten in the transaction of each change that
/// concerns its delays (see `monitoring::store`). Holds no person data, no free text.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "referral_figures")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub referral_id: Uuid,
    /// The receiving organisation and service.
    pub organisation_id: Uuid,
    pub service_id: Uuid,
    pub status: Coded<ReferralStatus>,
    pub outcome: Option<Coded<Outcome>>,
    pub decline_reason: Option<Coded<DeclineReason>>,
    /// 1 for a referral sent directly, 2 after one redirect…
    pub chain_length: i32,
    pub sent_at: TimeDateTimeWithTimeZone,
    pub sent_week: TimeDate,
    /// The due date promised at sending, which the first answer is measured against.
    pub first_due_at: TimeDateTimeWithTimeZone,
    /// The due date now (moved by pauses), for what is overdue today.
    pub due_at: TimeDateTimeWithTimeZone,
    pub closed_at: Option<TimeDateTimeWithTimeZone>,
    pub paused_since: Option<TimeDateTimeWithTimeZone>,
    pub paused_days: i32,
    pub first_answer_at: Option<TimeDateTimeWithTimeZone>,
    pub first_answer_week: Option<TimeDate>,
    pub first_answer_days: Option<i32>,
    pub answered_in_time: Option<bool>,
    pub decision: Option<Coded<Decision>>,
    pub decided_at: Option<TimeDateTimeWithTimeZone>,
    pub decision_days: Option<i32>,
    pub completed_at: Option<TimeDateTimeWithTimeZone>,
    pub completed_week: Option<TimeDate>,
    pub completion_days: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
