//! The codes of the outbox: a mail's status and what it is about.

domain::code_enum! {
    /// Where a mail of the outbox stands.
    pub enum MailStatus (field = "status") {
        /// Waiting for its first attempt.
        Pending = "PENDING" => "En attente",
        Sent = "SENT" => "Envoyé",
        /// Failed, will be retried.
        Failed = "FAILED" => "En échec, nouvel essai prévu",
        /// Given up (permanent refusal or too many attempts); an admin may retry it.
        Dead = "DEAD" => "Abandonné",
        /// A notice shown in the app only, never mailed (a mail that could not be delivered).
        InApp = "IN_APP" => "Alerte",
    }
}

domain::code_enum! {
    /// What a mail (or in-app notice) is about.
    pub enum MailKind (field = "kind") {
        Invitation = "INVITATION" => "Invitation à choisir un mot de passe",
        ReferralCreated = "REFERRAL_CREATED" => "Nouvelle orientation",
        ReferralAssigned = "REFERRAL_ASSIGNED" => "Orientation attribuée",
        ReferralStatusChanged = "REFERRAL_STATUS_CHANGED" => "Orientation mise à jour",
        ReferralInfoRequested = "REFERRAL_INFO_REQUESTED" => "Complément demandé",
        Reminder = "REMINDER" => "Relance avant échéance",
        Overdue = "OVERDUE" => "Échéance dépassée",
        Escalation = "ESCALATION" => "Retard signalé",
        DeliveryFailed = "DELIVERY_FAILED" => "Courriel non distribué",
        AccountCreated = "ACCOUNT_CREATED" => "Compte créé dans l'organisation",
        EscalationCreated = "ESCALATION_CREATED" => "Nouvelle sollicitation",
        EscalationAnswered = "ESCALATION_ANSWERED" => "Réponse à une sollicitation",
        EscalationReplied = "ESCALATION_REPLIED" => "Nouveau message sur une sollicitation",
        EscalationAssigned = "ESCALATION_ASSIGNED" => "Sollicitation attribuée",
        EscalationTransferred = "ESCALATION_TRANSFERRED" => "Sollicitation transférée",
        EscalationClosed = "ESCALATION_CLOSED" => "Sollicitation clôturée",
        EscalationReopened = "ESCALATION_REOPENED" => "Sollicitation rouverte",
        EscalationReminder = "ESCALATION_REMINDER" => "Sollicitation : réponse attendue",
        EscalationOverdue = "ESCALATION_OVERDUE" => "Sollicitation sans réponse",
    }
}
