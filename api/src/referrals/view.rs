//! A referral as one caller may see it. Built only by `service`, from the access that
//! `domain::ReferralAccess` decided: the front ends render these fields and nothing else, so
//! what a caller may not see is simply not there.

use domain::{
    ConsentStatus, DeclineReason, OrganisationId, Outcome, PersonId, ReferralAccess,
    ReferralAction, ReferralEventKind, ReferralId, ReferralStatus, ServiceId, TenantId, Urgency,
    UserId,
};
use time::OffsetDateTime;

use crate::entities::{referral, referral_event};

#[derive(Debug, Clone)]
pub struct ReferralView {
    pub id: ReferralId,
    pub tenant_id: TenantId,
    pub status: ReferralStatus,
    /// Bumped by every transition; given back as `expectedVersion`.
    pub version: i32,
    pub urgency: Urgency,
    pub due_at: OffsetDateTime,
    /// The due-date clock is stopped (waiting for information).
    pub paused: bool,
    pub overdue: bool,
    /// Working days past the due date, when overdue (0 on the due day itself).
    pub days_overdue: Option<u32>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
    pub from_organisation: OrganisationId,
    pub to_organisation: OrganisationId,
    pub service: ServiceId,
    pub parent: Option<ReferralId>,
    pub assignee: Option<UserId>,
    pub outcome: Option<Outcome>,
    pub decline_reason: Option<DeclineReason>,
    pub consent_status: ConsentStatus,
    /// Only for those who see the content.
    pub motive: Option<String>,
    /// Only for those who see the identity.
    pub person: Option<PersonId>,
    pub access: ReferralAccess,
    /// What the caller may do now.
    pub actions: Vec<ReferralAction>,
    /// The first referral of its chain (internal: the chain's lookups).
    pub(crate) root: uuid::Uuid,
}

impl ReferralView {
    pub(crate) fn new(
        row: referral::Model,
        access: ReferralAccess,
        consent_status: ConsentStatus,
        now: OffsetDateTime,
    ) -> Self {
        let status = row.status.0;
        let overdue = super::store::is_overdue(&row, now);
        Self {
            id: ReferralId::from_uuid(row.id),
            tenant_id: TenantId::from_uuid(row.tenant_id),
            status,
            version: row.version,
            urgency: row.urgency.0,
            due_at: row.due_at,
            paused: row.paused_at.is_some() && status.clock_paused(),
            overdue,
            days_overdue: overdue.then(|| {
                u32::try_from(domain::working_days_between(row.due_at.date(), now.date()).max(0))
                    .unwrap_or(u32::MAX)
            }),
            created_at: row.created_at,
            updated_at: row.updated_at,
            closed_at: row.closed_at,
            from_organisation: OrganisationId::from_uuid(row.from_organisation_id),
            to_organisation: OrganisationId::from_uuid(row.to_organisation_id),
            service: ServiceId::from_uuid(row.service_id),
            parent: row.parent_id.map(ReferralId::from_uuid),
            assignee: row.assignee_id.map(UserId::from_uuid),
            outcome: row.outcome.map(|o| o.0),
            decline_reason: row.decline_reason.map(|d| d.0),
            consent_status,
            motive: access.content.then_some(row.motive),
            person: access.identity.then(|| PersonId::from_uuid(row.person_id)),
            actions: access.actions(status),
            access,
            root: row.root_id.unwrap_or(row.id),
        }
    }

    /// Whether the caller may take `action` now.
    pub fn may(&self, action: ReferralAction) -> bool {
        self.actions.contains(&action)
    }
}

/// One line of a timeline as the caller may see it.
#[derive(Debug, Clone)]
pub struct TimelineEntry {
    pub referral: ReferralId,
    /// The line's rank in its referral's timeline, from 1.
    pub sequence: i64,
    pub at: OffsetDateTime,
    pub kind: ReferralEventKind,
    pub actor: Option<UserId>,
    /// The partner system's client that acted, when no user did.
    pub actor_client: Option<domain::ApiClientId>,
    pub actor_organisation: Option<OrganisationId>,
    pub comment: Option<String>,
    pub from_status: Option<ReferralStatus>,
    pub to_status: Option<ReferralStatus>,
}

impl TimelineEntry {
    pub(crate) fn new(row: referral_event::Model, sequence: i64, access: &ReferralAccess) -> Self {
        let kind = row.kind.0;
        Self {
            referral: ReferralId::from_uuid(row.referral_id),
            sequence,
            at: row.at,
            kind,
            actor: row.actor_id.map(UserId::from_uuid),
            actor_client: row.actor_client_id.map(domain::ApiClientId::from_uuid),
            actor_organisation: row.actor_organisation_id.map(OrganisationId::from_uuid),
            comment: row.comment.filter(|_| access.sees_comment(kind)),
            from_status: row.from_status.map(|s| s.0),
            to_status: row.to_status.map(|s| s.0),
        }
    }
}
