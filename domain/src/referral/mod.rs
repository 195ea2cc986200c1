//! The referral lifecycle as a pure state machine (design brief, "The referral lifecycle").
//!
//! The API checks every transition here before applying it with optimistic concurrency, so the
//! table below is the single place that says who may move a referral from where to where.

mod codes;

mod access;

pub use access::{ReferralAccess, ReferralFacts, Relation};
pub use codes::{
    DeclineReason, Outcome, ReferralAction, ReferralEventKind, ReferralStatus, Urgency,
};

use time::Date;

use crate::calendar::{add_working_days, working_days_between};
use crate::{Error, Result};

/// The caller's relation to a referral, as computed from their organisation.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Party {
    /// The organisation that sent the referral.
    Sender,
    /// The organisation whose service received it.
    Receiver,
    /// Anyone else: they must not even learn the referral exists.
    Other,
}

impl ReferralAction {
    /// Which side performs the action; `Comment` is open to both.
    pub(crate) fn allowed_party(self, party: Party) -> bool {
        use ReferralAction::*;
        match self {
            ProvideInfo | Cancel => party == Party::Sender,
            Comment => matches!(party, Party::Sender | Party::Receiver),
            Acknowledge | RequestInfo | Accept | Decline | Redirect | Complete | Assign => {
                party == Party::Receiver
            }
        }
    }
}

/// The status a referral moves to when `party` performs `action` on it while it is `from`.
///
/// * `Party::Other` → [`Error::NotFound`], whatever the rest.
/// * The wrong side (a sender acknowledging, a receiver cancelling) → [`Error::Forbidden`].
/// * The right side but a status that does not allow it → [`Error::Conflict`] naming the status.
/// * `Assign` and `Comment` keep the status; `Assign` only while open, `Comment` always.
pub fn transition(
    from: ReferralStatus,
    action: ReferralAction,
    party: Party,
) -> Result<ReferralStatus> {
    use ReferralAction as A;
    use ReferralStatus as S;
    if party == Party::Other {
        return Err(Error::NotFound);
    }
    if !action.allowed_party(party) {
        return Err(Error::Forbidden);
    }
    let to = match (action, from) {
        (A::Acknowledge, S::Sent) => Some(S::Acknowledged),
        (A::RequestInfo, S::Sent | S::Acknowledged) => Some(S::InfoRequested),
        (A::ProvideInfo, S::InfoRequested) => Some(S::Acknowledged),
        (A::Accept, S::Sent | S::Acknowledged) => Some(S::Accepted),
        (A::Complete, S::Accepted) => Some(S::Completed),
        (A::Decline, S::Sent | S::Acknowledged | S::InfoRequested) => Some(S::Declined),
        (A::Redirect, S::Sent | S::Acknowledged | S::InfoRequested) => Some(S::Redirected),
        (A::Cancel, status) if !status.is_final() => Some(S::Cancelled),
        (A::Assign, status) if !status.is_final() => Some(status),
        (A::Comment, status) => Some(status),
        _ => None,
    };
    to.ok_or_else(|| {
        Error::Conflict(format!(
            "action {} impossible : l'orientation est au statut « {} » ({})",
            action.as_str(),
            from.label_fr(),
            from.as_str()
        ))
    })
}

/// Working days left on the clock when it is paused on `paused_on` (never negative: an overdue
/// referral stays overdue, it does not earn days back).
///
/// The clock pauses while a referral is INFO_REQUESTED, because the receiver cannot move until the
/// sender answers. On `request_info`, store `remaining_working_days(due, today)`; on `provide_info`,
/// set `due = add_working_days(today, remaining)` (see [`resumed_due_date`]).
pub fn remaining_working_days(due: Date, paused_on: Date) -> u32 {
    u32::try_from(working_days_between(paused_on, due).max(0)).unwrap_or(u32::MAX)
}

/// The new due date when the clock resumes on `resumed_on` after a pause that started on
/// `paused_on` with the old `due` date.
pub fn resumed_due_date(due: Date, paused_on: Date, resumed_on: Date) -> Date {
    add_working_days(resumed_on, remaining_working_days(due, paused_on))
}

#[cfg(test)]
mod tests;
