use domain::{EscalationEventKind, EscalationStatus};
use sea_orm::entity::prelude::*;

use crate::store::Coded;

/// One line of an escalation's history — a message, a change, a deadline stage. Append-only.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "escalation_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub escalation_id: Uuid,
    pub at: TimeDateTimeWithTimeZone,
    pub kind: Coded<EscalationEventKind>,
    pub actor_id: Option<Uuid>,
    pub actor_organisation_id: Option<Uuid>,
    /// The message (OPENED, ANSWERED, REPLIED) or the comment of a transfer.
    pub body: Option<String>,
    pub from_status: Option<Coded<EscalationStatus>>,
    pub to_status: Option<Coded<EscalationStatus>>,
    /// A transfer: from which organisation to which.
    pub from_organisation_id: Option<Uuid>,
    pub to_organisation_id: Option<Uuid>,
    /// A taking or an assignment: to whom (none: back to the queue).
    pub assignee_id: Option<Uuid>,
    /// The API client that acted (a partner system), when no user did.
    pub actor_client_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
