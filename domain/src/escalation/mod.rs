//! Escalations ("garantir le back office"): a front-desk agent who is stuck asks an expert of a
//! partner organisation, knows when the answer will come, and may hand the file on.
//!
//! The statuses are OPEN (waiting for the back office) → ANSWERED → CLOSED; the agent's reply
//! puts it back to OPEN, either side closes, the agent reopens within the territory's window.
//! The answer is due a number of working days after the escalation starts waiting for the back
//! office (its opening, the agent's reply to an answer, a reopening, a transfer); a reminder goes
//! out when it is due, and the organisation's admins are told one working day later.

mod access;
mod codes;

pub use access::{EscalationAccess, EscalationFacts, EscalationRelation, EscalationState};
pub use codes::{EscalationAction, EscalationEventKind, EscalationStatus};

use time::{Duration, OffsetDateTime};

use crate::calendar::due_at;
use crate::{Error, Party, Result, Urgency};

/// Working days an organisation takes to answer, unless it set its own.
pub const DEFAULT_ANSWER_DAYS: u32 = 2;
/// Working days an organisation takes to answer an urgent escalation, unless it set its own.
pub const DEFAULT_URGENT_ANSWER_DAYS: u32 = 1;
/// Calendar days after closing during which the agent may reopen, unless the territory set
/// its own.
pub const DEFAULT_REOPEN_DAYS: u32 = 15;

impl EscalationAction {
    /// Which side performs the action; `Close` is open to both.
    pub(crate) fn allowed_party(self, party: Party) -> bool {
        use EscalationAction::*;
        match self {
            Reply | Reopen => party == Party::Sender,
            Close => matches!(party, Party::Sender | Party::Receiver),
            Answer | Take | Assign | Transfer => party == Party::Receiver,
        }
    }
}

/// The status an escalation moves to when `party` performs `action` on it while it is `from`.
///
/// * `Party::Other` → [`Error::NotFound`].
/// * The wrong side (an agent answering, an expert reopening) → [`Error::Forbidden`].
/// * A status that does not allow it → [`Error::Conflict`] naming the status.
pub fn transition(
    from: EscalationStatus,
    action: EscalationAction,
    party: Party,
) -> Result<EscalationStatus> {
    use EscalationAction as A;
    use EscalationStatus as S;
    if party == Party::Other {
        return Err(Error::NotFound);
    }
    if !action.allowed_party(party) {
        return Err(Error::Forbidden);
    }
    let live = matches!(from, S::Open | S::Answered);
    let to = match action {
        A::Answer if live => Some(S::Answered),
        A::Reply | A::Transfer if live => Some(S::Open),
        A::Close if live => Some(S::Closed),
        A::Take | A::Assign if live => Some(from),
        A::Reopen if from == S::Closed => Some(S::Open),
        _ => None,
    };
    to.ok_or_else(|| {
        Error::Conflict(format!(
            "action {} impossible : la sollicitation est au statut « {} » ({})",
            action.as_str(),
            from.label_fr(),
            from.as_str()
        ))
    })
}

/// An organisation's answer deadlines, in working days.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct AnswerDays {
    pub standard: u32,
    pub urgent: u32,
}

impl Default for AnswerDays {
    fn default() -> Self {
        Self {
            standard: DEFAULT_ANSWER_DAYS,
            urgent: DEFAULT_URGENT_ANSWER_DAYS,
        }
    }
}

impl AnswerDays {
    /// Validated settings: each 1 to 30 working days, the urgent one not longer.
    pub fn parse(standard: i32, urgent: i32) -> Result<Self> {
        let days = |field: &str, value: i32| match u32::try_from(value) {
            Ok(days @ 1..=30) => Ok(days),
            _ => Err(Error::invalid(
                field,
                "doit être compris entre 1 et 30 jours ouvrés",
            )),
        };
        let standard = days("answerDays", standard)?;
        let urgent = days("urgentAnswerDays", urgent)?;
        if urgent > standard {
            return Err(Error::invalid(
                "urgentAnswerDays",
                "ne peut pas dépasser le délai habituel",
            ));
        }
        Ok(Self { standard, urgent })
    }

    /// When the answer is due, for an escalation that starts waiting at `from`.
    pub fn due(self, from: OffsetDateTime, urgency: Urgency) -> OffsetDateTime {
        let days = match urgency {
            Urgency::Standard => self.standard,
            Urgency::Urgent => self.urgent,
        };
        due_at(from, days)
    }
}

/// When the receiving organisation's admins are told an escalation is still unanswered: one
/// working day after its due moment, at the same time of day.
pub fn admins_alert_at(due: OffsetDateTime) -> OffsetDateTime {
    due_at(due, 1)
}

/// The territory's window for reopening, in calendar days (0: never).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ReopenDays(u32);

impl Default for ReopenDays {
    fn default() -> Self {
        Self(DEFAULT_REOPEN_DAYS)
    }
}

impl ReopenDays {
    pub const MAX: u32 = 90;

    pub fn parse(field: &str, value: i32) -> Result<Self> {
        match u32::try_from(value) {
            Ok(days @ 0..=Self::MAX) => Ok(Self(days)),
            _ => Err(Error::invalid(field, "doit être entre 0 et 90 jours")),
        }
    }

    pub const fn get(self) -> u32 {
        self.0
    }

    /// Until when an escalation closed at `closed_at` may be reopened.
    pub fn until(self, closed_at: OffsetDateTime) -> OffsetDateTime {
        closed_at + Duration::days(i64::from(self.0))
    }
}

#[cfg(test)]
mod tests;
