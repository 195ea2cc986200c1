//! The codes of an escalation: statuses, actions and the kinds of its history.

use crate::code_enum::code_enum;

code_enum! {
    /// Where an escalation stands: waiting for the back office, answered, or closed.
    pub enum EscalationStatus (field = "status") {
        Open = "OPEN" => "En attente de réponse",
        Answered = "ANSWERED" => "Répondue",
        Closed = "CLOSED" => "Clôturée",
    }
}

code_enum! {
    /// Something done to an escalation by one of its two sides.
    pub enum EscalationAction (field = "action") {
        /// The receiving back office answers (again).
        Answer = "ANSWER" => "Répondre",
        /// The agent writes back: the escalation waits for the back office again.
        Reply = "REPLY" => "Écrire à l'expert",
        Close = "CLOSE" => "Clôturer",
        /// The agent reopens a closed escalation, within the territory's window.
        Reopen = "REOPEN" => "Rouvrir",
        /// An expert takes it for themselves.
        Take = "TAKE" => "Prendre en charge",
        /// An org admin gives it to a colleague (or back to the queue).
        Assign = "ASSIGN" => "Attribuer",
        /// The receiving back office hands it to another organisation of the territory.
        Transfer = "TRANSFER" => "Transférer",
    }
}

code_enum! {
    /// What a line of an escalation's history records. Each has the French label the page
    /// shows.
    pub enum EscalationEventKind (field = "kind") {
        Opened = "OPENED" => "Sollicitation envoyée",
        Answered = "ANSWERED" => "Réponse de l'expert",
        Replied = "REPLIED" => "Message de l'agent",
        Closed = "CLOSED" => "Sollicitation clôturée",
        Reopened = "REOPENED" => "Sollicitation rouverte",
        Taken = "TAKEN" => "Prise en charge",
        Assigned = "ASSIGNED" => "Attribution",
        Transferred = "TRANSFERRED" => "Transférée à un autre partenaire",
        ReminderSent = "REMINDER_SENT" => "Relance : la réponse est attendue",
        AdminsAlerted = "ADMINS_ALERTED" => "Retard signalé aux responsables",
        Unassigned = "UNASSIGNED" => "Remise dans la file de l'organisation",
    }
}

impl EscalationEventKind {
    /// The lines that carry a message between the two sides (the contract's `messages`).
    pub const fn is_message(self) -> bool {
        matches!(self, Self::Opened | Self::Answered | Self::Replied)
    }
}

impl From<EscalationAction> for EscalationEventKind {
    fn from(action: EscalationAction) -> Self {
        use EscalationAction as A;
        match action {
            A::Answer => Self::Answered,
            A::Reply => Self::Replied,
            A::Close => Self::Closed,
            A::Reopen => Self::Reopened,
            A::Take => Self::Taken,
            A::Assign => Self::Assigned,
            A::Transfer => Self::Transferred,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code_enum::assert_codes_round_trip;

    #[test]
    fn codes_round_trip_and_match_the_contract() {
        assert_codes_round_trip!(EscalationStatus, "status");
        assert_codes_round_trip!(EscalationAction, "action");
        assert_codes_round_trip!(EscalationEventKind, "kind");
        assert_eq!(
            EscalationStatus::ALL.map(EscalationStatus::as_str),
            ["OPEN", "ANSWERED", "CLOSED"]
        );
    }

    #[test]
    fn one_label_per_kind_and_messages_are_the_three_writings() {
        let labels: std::collections::HashSet<_> = EscalationEventKind::ALL
            .iter()
            .map(|k| k.label_fr())
            .collect();
        assert_eq!(labels.len(), EscalationEventKind::ALL.len());
        let messages: Vec<_> = EscalationEventKind::ALL
            .into_iter()
            .filter(|k| k.is_message())
            .collect();
        assert_eq!(
            messages,
            [
                EscalationEventKind::Opened,
                EscalationEventKind::Answered,
                EscalationEventKind::Replied
            ]
        );
    }
}
