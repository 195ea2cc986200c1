//! The codes of a referral: statuses, actions, urgency, outcomes and decline reasons.

use crate::code_enum::code_enum;

code_enum! {
    /// Where a referral stands (modelled on the FHIR Task state machine).
    pub enum ReferralStatus (field = "status") {
        Sent = "SENT" => "Envoyée",
        Acknowledged = "ACKNOWLEDGED" => "Prise en compte",
        InfoRequested = "INFO_REQUESTED" => "Complément demandé",
        Accepted = "ACCEPTED" => "Acceptée",
        Completed = "COMPLETED" => "Terminée",
        Declined = "DECLINED" => "Refusée",
        Redirected = "REDIRECTED" => "Réorientée",
        Cancelled = "CANCELLED" => "Annulée",
    }
}

impl ReferralStatus {
    /// Final statuses accept no transition except comments; they are not overdue.
    pub const fn is_final(self) -> bool {
        matches!(
            self,
            Self::Completed | Self::Declined | Self::Redirected | Self::Cancelled
        )
    }

    /// Whether the due-date clock is stopped (waiting for the sender).
    pub const fn clock_paused(self) -> bool {
        matches!(self, Self::InfoRequested)
    }
}

code_enum! {
    /// Something done to a referral; also the `kind` of its timeline events.
    pub enum ReferralAction (field = "action") {
        Acknowledge = "ACKNOWLEDGE" => "Prise en compte",
        RequestInfo = "REQUEST_INFO" => "Demande de complément",
        ProvideInfo = "PROVIDE_INFO" => "Complément fourni",
        Accept = "ACCEPT" => "Acceptation",
        Decline = "DECLINE" => "Refus",
        Redirect = "REDIRECT" => "Réorientation",
        Complete = "COMPLETE" => "Clôture",
        Cancel = "CANCEL" => "Annulation",
        Assign = "ASSIGN" => "Attribution",
        Comment = "COMMENT" => "Commentaire",
    }
}

code_enum! {
    /// What a line of a referral's timeline records: its creation, one of the
    /// [`ReferralAction`]s, or something the system did. Each has the French label the
    /// timeline shows.
    pub enum ReferralEventKind (field = "kind") {
        Create = "CREATE" => "Orientation envoyée",
        Acknowledge = "ACKNOWLEDGE" => "Prise en compte",
        RequestInfo = "REQUEST_INFO" => "Demande de complément",
        ProvideInfo = "PROVIDE_INFO" => "Complément fourni",
        Accept = "ACCEPT" => "Acceptation",
        Decline = "DECLINE" => "Refus",
        Redirect = "REDIRECT" => "Réorientation",
        Complete = "COMPLETE" => "Clôture",
        Cancel = "CANCEL" => "Annulation",
        Assign = "ASSIGN" => "Attribution",
        Comment = "COMMENT" => "Commentaire",
        ConsentWithdrawn = "CONSENT_WITHDRAWN" => "Consentement retiré : orientation annulée",
        ReminderSent = "REMINDER_SENT" => "Relance avant échéance envoyée",
        OverdueNoticeSent = "OVERDUE_NOTICE_SENT" => "Échéance dépassée : avis envoyé",
        Escalated = "ESCALATED" => "Retard signalé aux responsables",
        Unassigned = "UNASSIGNED" => "Remise dans la file de l'organisation",
        /// An agent asked a partner's back office about this referral (an escalation).
        EscalationOpened = "ESCALATION_OPENED" => "Sollicitation d'un expert ouverte",
    }
}

impl From<ReferralAction> for ReferralEventKind {
    fn from(action: ReferralAction) -> Self {
        use ReferralAction as A;
        match action {
            A::Acknowledge => Self::Acknowledge,
            A::RequestInfo => Self::RequestInfo,
            A::ProvideInfo => Self::ProvideInfo,
            A::Accept => Self::Accept,
            A::Decline => Self::Decline,
            A::Redirect => Self::Redirect,
            A::Complete => Self::Complete,
            A::Cancel => Self::Cancel,
            A::Assign => Self::Assign,
            A::Comment => Self::Comment,
        }
    }
}

code_enum! {
    /// How fast the person needs an answer; picks the service's standard or urgent response time.
    pub enum Urgency (field = "urgency") {
        Standard = "STANDARD" => "Normale",
        Urgent = "URGENT" => "Urgente",
    }
}

code_enum! {
    /// What came of a completed referral — whether the right or service was actually obtained.
    pub enum Outcome (field = "outcome") {
        RightOpened = "RIGHT_OPENED" => "Droit ouvert",
        ServiceDelivered = "SERVICE_DELIVERED" => "Service rendu",
        NotEligible = "NOT_ELIGIBLE" => "Non éligible",
        PersonUnreachable = "PERSON_UNREACHABLE" => "Personne injoignable",
        PersonDeclined = "PERSON_DECLINED" => "Refus de la personne",
        Other = "OTHER" => "Autre",
    }
}

code_enum! {
    /// Why a receiver declined a referral.
    pub enum DeclineReason (field = "reason") {
        NotEligible = "NOT_ELIGIBLE" => "Personne non éligible",
        NotOurService = "NOT_OUR_SERVICE" => "Ne relève pas de notre service",
        IncompleteFile = "INCOMPLETE_FILE" => "Dossier incomplet",
        NoCapacity = "NO_CAPACITY" => "Pas de capacité d'accueil",
        PersonUnreachable = "PERSON_UNREACHABLE" => "Personne injoignable",
        Duplicate = "DUPLICATE" => "Doublon",
        Other = "OTHER" => "Autre motif",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code_enum::assert_codes_round_trip;

    #[test]
    fn codes_round_trip() {
        assert_codes_round_trip!(ReferralStatus, "status");
        assert_codes_round_trip!(ReferralAction, "action");
        assert_codes_round_trip!(Urgency, "urgency");
        assert_codes_round_trip!(Outcome, "outcome");
        assert_codes_round_trip!(DeclineReason, "reason");
        assert_codes_round_trip!(ReferralEventKind, "kind");
    }

    #[test]
    fn every_action_is_a_timeline_kind_of_the_same_code() {
        for action in ReferralAction::ALL {
            assert_eq!(ReferralEventKind::from(action).as_str(), action.as_str());
        }
        let labels: std::collections::HashSet<_> = ReferralEventKind::ALL
            .iter()
            .map(|k| k.label_fr())
            .collect();
        assert_eq!(
            labels.len(),
            ReferralEventKind::ALL.len(),
            "one label per kind"
        );
    }

    #[test]
    fn codes_match_the_contract() {
        let join = |codes: Vec<&str>| codes.join(" ");
        assert_eq!(
            join(ReferralStatus::ALL.map(ReferralStatus::as_str).to_vec()),
            "SENT ACKNOWLEDGED INFO_REQUESTED ACCEPTED COMPLETED DECLINED REDIRECTED CANCELLED"
        );
        assert_eq!(
            join(Outcome::ALL.map(Outcome::as_str).to_vec()),
            "RIGHT_OPENED SERVICE_DELIVERED NOT_ELIGIBLE PERSON_UNREACHABLE PERSON_DECLINED OTHER"
        );
        assert_eq!(
            join(DeclineReason::ALL.map(DeclineReason::as_str).to_vec()),
            "NOT_ELIGIBLE NOT_OUR_SERVICE INCOMPLETE_FILE NO_CAPACITY PERSON_UNREACHABLE DUPLICATE OTHER"
        );
        assert_eq!(
            join(Urgency::ALL.map(Urgency::as_str).to_vec()),
            "STANDARD URGENT"
        );
    }

    #[test]
    fn final_statuses_are_the_four_ends() {
        let finals: Vec<_> = ReferralStatus::ALL
            .into_iter()
            .filter(|s| s.is_final())
            .collect();
        assert_eq!(
            finals,
            [
                ReferralStatus::Completed,
                ReferralStatus::Declined,
                ReferralStatus::Redirected,
                ReferralStatus::Cancelled
            ]
        );
        assert!(ReferralStatus::InfoRequested.clock_paused());
        assert!(!ReferralStatus::Sent.clock_paused());
    }
}
