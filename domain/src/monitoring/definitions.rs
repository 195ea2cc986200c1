//! The written definition of every figure: a French label and one sentence, served as the
//! GraphQL field descriptions (a test in the API compares them with the schema), as the legend of
//! the dashboard and as the CSV header, so a steering committee reads what the code computes.

/// One figure: its name in the API, its French label, what it counts.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Definition {
    /// The GraphQL field (`DelayFigures` or `WeeklyFigures`).
    pub key: &'static str,
    pub label: &'static str,
    pub definition: &'static str,
}

const fn d(key: &'static str, label: &'static str, definition: &'static str) -> Definition {
    Definition {
        key,
        label,
        definition,
    }
}

/// The figures of a period (`DelayFigures`), for the referrals sent during it.
pub const REPORT: &[Definition] = &[
    d(
        "sent",
        "Orientations envoyées",
        "Nombre d'orientations envoyées pendant la période.",
    ),
    d(
        "open",
        "En cours",
        "Parmi elles, celles qui ne sont aujourd'hui ni terminées, ni refusées, ni réorientées, ni annulées.",
    ),
    d(
        "overdue",
        "En retard",
        "Parmi les orientations en cours, celles dont l'échéance est dépassée aujourd'hui, hors attente d'informations (l'horloge est alors arrêtée).",
    ),
    d(
        "acknowledged",
        "Avec une première réponse",
        "Orientations auxquelles le destinataire a répondu au moins une fois : prise en compte, demande d'informations, acceptation, refus ou réorientation.",
    ),
    d(
        "accepted",
        "Acceptées",
        "Orientations que le destinataire a acceptées, qu'elles aient été terminées ou annulées depuis.",
    ),
    d(
        "declined",
        "Refusées",
        "Orientations refusées par le destinataire.",
    ),
    d(
        "redirected",
        "Réorientées",
        "Orientations que le destinataire a réorientées vers le service d'un autre partenaire (la nouvelle orientation est comptée chez celui-ci).",
    ),
    d(
        "cancelled",
        "Annulées",
        "Orientations annulées par l'organisation qui les a envoyées, ou par le retrait du consentement.",
    ),
    d(
        "completed",
        "Terminées",
        "Orientations clôturées par le destinataire avec un résultat.",
    ),
    d(
        "rightOpened",
        "Droits ouverts",
        "Orientations terminées avec le résultat « Droit ouvert » : la mesure du non-recours évité.",
    ),
    d(
        "acceptanceRate",
        "Taux d'acceptation",
        "Acceptations divisées par les décisions prises (acceptations, refus et réorientations), de 0 à 1.",
    ),
    d(
        "loopClosedRate",
        "Boucle bouclée",
        "Part des orientations terminées avec un résultat, parmi les orientations envoyées qui n'ont pas été réorientées, de 0 à 1.",
    ),
    d(
        "answeredInTimeRate",
        "Réponse dans le délai",
        "Part des orientations dont la première réponse est arrivée au plus tard à l'échéance du service, parmi celles qui ont reçu une réponse ou dont l'échéance est passée sans réponse, de 0 à 1.",
    ),
    d(
        "medianDaysToAcknowledge",
        "Délai médian de première réponse",
        "Médiane, en jours ouvrés (hors week-ends et jours fériés), du délai entre l'envoi et la première réponse du destinataire.",
    ),
    d(
        "p90DaysToAcknowledge",
        "Délai de première réponse (9 sur 10)",
        "90e centile du même délai : 9 orientations sur 10 ont reçu leur première réponse en au plus ce nombre de jours ouvrés.",
    ),
    d(
        "medianDaysToDecision",
        "Délai médian de décision",
        "Médiane, en jours ouvrés, du délai entre l'envoi et la décision (acceptation, refus ou réorientation), horloge arrêtée pendant l'attente d'informations.",
    ),
    d(
        "p90DaysToDecision",
        "Délai de décision (9 sur 10)",
        "90e centile du délai de décision, en jours ouvrés, horloge arrêtée pendant l'attente d'informations.",
    ),
    d(
        "medianDaysToCompletion",
        "Délai médian de clôture",
        "Médiane, en jours ouvrés, du délai entre l'envoi et la clôture avec un résultat, horloge arrêtée pendant l'attente d'informations.",
    ),
    d(
        "p90DaysToCompletion",
        "Délai de clôture (9 sur 10)",
        "90e centile du délai de clôture, en jours ouvrés, horloge arrêtée pendant l'attente d'informations.",
    ),
    d(
        "declineReasons",
        "Motifs de refus",
        "Nombre d'orientations refusées, par motif codé.",
    ),
    d(
        "outcomes",
        "Résultats",
        "Nombre d'orientations terminées, par résultat.",
    ),
    d(
        "redirectChains",
        "Chaînes de réorientation",
        "Nombre d'orientations non réorientées, selon la longueur de la chaîne qui les a amenées là (1 : reçue directement ; 2 : après une réorientation…).",
    ),
];

/// The weekly series (`WeeklyFigures`): what happened during each week of the period.
pub const WEEKLY: &[Definition] = &[
    d("weekStart", "Semaine du", "Le lundi de la semaine."),
    d(
        "sent",
        "Envoyées",
        "Orientations envoyées pendant la semaine.",
    ),
    d(
        "acknowledged",
        "Premières réponses",
        "Orientations qui ont reçu leur première réponse pendant la semaine.",
    ),
    d(
        "completed",
        "Terminées",
        "Orientations clôturées avec un résultat pendant la semaine.",
    ),
    d(
        "rightOpened",
        "Droits ouverts",
        "Orientations clôturées pendant la semaine avec le résultat « Droit ouvert ».",
    ),
    d(
        "medianDaysToAcknowledge",
        "Délai médian de première réponse",
        "Médiane, en jours ouvrés, des délais des premières réponses données pendant la semaine.",
    ),
];

/// `OrganisationDelays.flagged`.
pub const FLAGGED: Definition = d(
    "flagged",
    "En alerte",
    "L'organisation dépasse un seuil d'alerte du territoire (part des réponses en retard, ou taux d'acceptation), sur au moins le nombre minimal d'orientations fixé.",
);

/// The definition of a `DelayFigures` field.
pub fn definition(key: &str) -> Option<&'static Definition> {
    REPORT.iter().find(|d| d.key == key)
}
