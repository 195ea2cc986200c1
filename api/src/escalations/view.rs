//! An escalation as one caller may see it. Built only by `service`, from the access that
//! `domain::EscalationAccess` decided: the front ends render these fields and nothing else, so
//! what a caller may not see is simply not there.

use domain::{
    EscalationAccess, EscalationAction, EscalationEventKind, EscalationId, EscalationState,
    EscalationStatus, OrganisationId, PersonId, ReferralId, TenantId, Urgency, UserId,
    escalation::ReopenDays,
};
use time::OffsetDateTime;

use crate::entities::{escalation, escalation_event};

#[derive(Debug, Clone)]
pub struct EscalationView {
    pub id: EscalationId,
    pub tenant_id: TenantId,
    pub status: EscalationStatus,
    pub urgency: Urgency,
    /// The services' category it is about.
    pub category: String,
    /// Only for those who read the content: an agent may have written personal details in it.
    pub subject: Option<String>,
    /// When the back office must answer; shown from the moment it is opened.
    pub due_at: OffsetDateTime,
    pub overdue: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub answered_at: Option<OffsetDateTime>,
    pub closed_at: Option<OffsetDateTime>,
    /// Until when the agent may reopen it (closed ones).
    pub reopen_until: Option<OffsetDateTime>,
    pub from_organisation: OrganisationId,
    pub to_organisation: OrganisationId,
    pub assignee: Option<UserId>,
    /// The referral it is about, for those who read the content.
    pub referral: Option<ReferralId>,
    /// Only for those who see the identity.
    pub person: Option<PersonId>,
    pub access: EscalationAccess,
    /// What the caller may do now.
    pub actions: Vec<EscalationAction>,
}

impl EscalationView {
    pub(crate) fn new(
        row: escalation::Model,
        access: EscalationAccess,
        reopen_days: ReopenDays,
        now: OffsetDateTime,
    ) -> Self {
        let status = row.status.0;
        let state = EscalationState {
            status,
            closed_at: row.closed_at,
            reopen_days,
        };
        Self {
            id: EscalationId::from_uuid(row.id),
            tenant_id: TenantId::from_uuid(row.tenant_id),
            status,
            urgency: row.urgency.0,
            subject: access.content.then(|| row.subject.clone()),
            category: row.category.clone(),
            due_at: row.due_at,
            overdue: super::store::is_overdue(&row, now),
            created_at: row.created_at,
            updated_at: row.updated_at,
            answered_at: row.answered_at,
            closed_at: row.closed_at,
            reopen_until: row
                .closed_at
                .filter(|_| status == EscalationStatus::Closed)
                .map(|at| reopen_days.until(at)),
            from_organisation: OrganisationId::from_uuid(row.from_organisation_id),
            to_organisation: OrganisationId::from_uuid(row.to_organisation_id),
            assignee: row.assignee_id.map(UserId::from_uuid),
            referral: row
                .referral_id
                .filter(|_| access.content)
                .map(ReferralId::from_uuid),
            person: row
                .person_id
                .filter(|_| access.identity)
                .map(PersonId::from_uuid),
            actions: access.actions(&state, now),
            access,
        }
    }

    /// Whether the caller may take `action` now.
    pub fn may(&self, action: EscalationAction) -> bool {
        self.actions.contains(&action)
    }
}

/// One message between the two sides.
#[derive(Debug, Clone)]
pub struct Message {
    pub at: OffsetDateTime,
    pub kind: EscalationEventKind,
    pub author: Option<UserId>,
    pub author_organisation: Option<OrganisationId>,
    pub body: String,
}

/// One line of the history as the caller may see it.
#[derive(Debug, Clone)]
pub struct HistoryLine {
    pub at: OffsetDateTime,
    pub kind: EscalationEventKind,
    pub actor: Option<UserId>,
    pub actor_organisation: Option<OrganisationId>,
    /// A message or a transfer's comment, for those who read what was written then.
    pub body: Option<String>,
    pub from_status: Option<EscalationStatus>,
    pub to_status: Option<EscalationStatus>,
    /// A transfer's organisations.
    pub from_organisation: Option<OrganisationId>,
    pub to_organisation: Option<OrganisationId>,
    /// Whom it was given to (taking, assignment).
    pub assignee: Option<UserId>,
}

impl HistoryLine {
    pub(crate) fn new(row: escalation_event::Model, access: &EscalationAccess) -> Self {
        Self {
            at: row.at,
            kind: row.kind.0,
            actor: row.actor_id.map(UserId::from_uuid),
            actor_organisation: row.actor_organisation_id.map(OrganisationId::from_uuid),
            body: row.body.filter(|_| access.reads_written_at(row.at)),
            from_status: row.from_status.map(|s| s.0),
            to_status: row.to_status.map(|s| s.0),
            from_organisation: row.from_organisation_id.map(OrganisationId::from_uuid),
            to_organisation: row.to_organisation_id.map(OrganisationId::from_uuid),
            assignee: row.assignee_id.map(UserId::from_uuid),
        }
    }
}
