//! What one caller may see of an escalation and do with it, decided once from the permission
//! table: every front end renders this answer and none decides visibility itself.
//!
//! * The sending organisation: those who follow sent escalations
//!   ([`Action::ReadSentEscalations`]: agents, org admins) read the subject and the messages and
//!   see the person; agents ([`Action::OpenEscalation`]) act as the sender.
//! * The receiving organisation: those who work its escalations
//!   ([`Action::AnswerEscalation`]: back office, org admins) read it and act as the receiver; they
//!   see the person only while an active consent names their organisation; org admins
//!   ([`Action::AssignEscalation`]) also assign it.
//! * An organisation that received it and transferred it on keeps a read-only trace: the
//!   metadata, and what was written until it handed it on — never the person.
//! * Everyone else — other organisations, coordinators, another tenant: NOT_FOUND (coordinators
//!   get counts and delays, never an escalation).
//!
//! Members of the two organisations without those roles see the metadata only.

use time::OffsetDateTime;

use super::{EscalationAction, EscalationStatus, ReopenDays, transition};
use crate::{Action, Actor, Error, OrganisationId, Party, Result, Target, TenantId, authorize};

/// How the caller's organisation stands to an escalation.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum EscalationRelation {
    Sender,
    /// The organisation it is addressed to now.
    Receiver,
    /// Received it once, and transferred it to another organisation.
    FormerReceiver,
}

/// The facts about one escalation that decide its access.
#[derive(Clone, Debug)]
pub struct EscalationFacts<'a> {
    pub tenant_id: TenantId,
    pub from: OrganisationId,
    pub to: OrganisationId,
    /// The organisations that transferred it on, each with the time of its last transfer.
    pub transferred_by: &'a [(OrganisationId, OffsetDateTime)],
    /// It is about a person, and an active consent of that person names the current receiver.
    pub consent_names_receiver: bool,
}

/// What decides whether an action is possible now, beside the caller.
#[derive(Copy, Clone, Debug)]
pub struct EscalationState {
    pub status: EscalationStatus,
    pub closed_at: Option<OffsetDateTime>,
    pub reopen_days: ReopenDays,
}

/// What the caller may see and do.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct EscalationAccess {
    pub relation: EscalationRelation,
    /// The subject, the messages and the comments of the history.
    pub content: bool,
    /// Only what was written until then (a former receiver).
    pub content_until: Option<OffsetDateTime>,
    /// The person it is about.
    pub identity: bool,
    /// The side the caller acts on, if their roles let them act at all.
    pub acts_as: Option<Party>,
    /// May give it to a colleague of the receiving organisation.
    pub assigns: bool,
    /// May take it for themselves (a signed-in user of the receiving back office).
    pub takes: bool,
}

impl EscalationAccess {
    /// Decides access from the permission table; `Err(NotFound)` when the caller must not
    /// learn that the escalation exists.
    pub fn of(actor: &Actor, facts: &EscalationFacts<'_>) -> Result<Self> {
        if actor.tenant_id != facts.tenant_id {
            return Err(Error::NotFound);
        }
        let may = |action, organisation| {
            authorize(
                actor,
                action,
                &Target::organisation(facts.tenant_id, organisation),
            )
            .is_ok()
        };
        let own = actor.organisation_id;
        let none = Self {
            relation: EscalationRelation::Sender,
            content: false,
            content_until: None,
            identity: false,
            acts_as: None,
            assigns: false,
            takes: false,
        };
        if own == facts.from {
            let content = may(Action::ReadSentEscalations, own);
            return Ok(Self {
                content,
                identity: content,
                acts_as: may(Action::OpenEscalation, own).then_some(Party::Sender),
                ..none
            });
        }
        if own == facts.to {
            let works = may(Action::AnswerEscalation, own);
            return Ok(Self {
                relation: EscalationRelation::Receiver,
                content: works,
                identity: works && facts.consent_names_receiver,
                acts_as: works.then_some(Party::Receiver),
                assigns: may(Action::AssignEscalation, own),
                takes: works && actor.user_id.is_some(),
                ..none
            });
        }
        if let Some((_, until)) = facts.transferred_by.iter().find(|(org, _)| *org == own) {
            return Ok(Self {
                relation: EscalationRelation::FormerReceiver,
                content: may(Action::AnswerEscalation, own),
                content_until: Some(*until),
                ..none
            });
        }
        Err(Error::NotFound)
    }

    /// Whether the caller reads what was written at `at` (a message, a comment).
    pub fn reads_written_at(&self, at: OffsetDateTime) -> bool {
        self.content && self.content_until.is_none_or(|until| at <= until)
    }

    /// The status `action` leads to, if the caller may take it now.
    ///
    /// A former receiver, the wrong side, or the right side without the role → FORBIDDEN; a
    /// status that does not allow it, or a reopening after the territory's window → CONFLICT.
    pub fn decide(
        &self,
        state: &EscalationState,
        action: EscalationAction,
        now: OffsetDateTime,
    ) -> Result<EscalationStatus> {
        let party = match self.relation {
            EscalationRelation::Sender => Party::Sender,
            EscalationRelation::Receiver => Party::Receiver,
            EscalationRelation::FormerReceiver => return Err(Error::Forbidden),
        };
        let role = match action {
            EscalationAction::Assign => self.assigns,
            EscalationAction::Take => self.takes,
            _ => true,
        };
        if !action.allowed_party(party) || self.acts_as != Some(party) || !role {
            return Err(Error::Forbidden);
        }
        let to = transition(state.status, action, party)?;
        if action == EscalationAction::Reopen {
            let closed = state.closed_at.unwrap_or(now);
            if now > state.reopen_days.until(closed) {
                return Err(Error::Conflict(format!(
                    "Le délai de réouverture ({} jours après la clôture) est dépassé : ouvrez une nouvelle sollicitation.",
                    state.reopen_days.get()
                )));
            }
        }
        Ok(to)
    }

    /// Every action the caller may take now, in the order of [`EscalationAction::ALL`].
    pub fn actions(&self, state: &EscalationState, now: OffsetDateTime) -> Vec<EscalationAction> {
        EscalationAction::ALL
            .into_iter()
            .filter(|action| self.decide(state, *action, now).is_ok())
            .collect()
    }
}
