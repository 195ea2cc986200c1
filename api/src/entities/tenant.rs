use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub created_at: TimeDateTimeWithTimeZone,
    /// Working days before the due date when the receiver is reminded.
    pub reminder_days_before: i32,
    /// Working days after the due date when the referral is escalated.
    pub escalation_days_after: i32,
    /// Calendar days after closing during which an agent may reopen an escalation.
    pub escalation_reopen_days: i32,
    /// Monitoring flags an organisation answering late more often than this (percent)…
    pub alert_late_percent: i32,
    /// … or accepting less often than this (percent)…
    pub alert_acceptance_percent: i32,
    /// … judged over at least this many referrals.
    pub alert_min_referrals: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
