//! What the accessibility statement (`/accessibilite`) says, in one place that the automated
//! check (`tests/tests/accessibility.rs`) reads too: the statement cannot claim more than the
//! check covers, and a violation the check tolerates must be listed here — and so on the page.

/// The referential the statement is made against.
pub const REFERENTIAL: &str = "RGAA 4.1";

/// "Partiellement conforme" until a full audit of the RGAA criteria (most of which no
/// automated tool can judge: alternatives, reading order, meaning of the text…) says
/// otherwise. An automated check that finds nothing does not make a service "totalement
/// conforme".
pub const STATUS: &str = "partiellement conforme";

/// The day the automated check and this statement were last brought in line (the axe test
/// asserts nothing about today's date; update this when the check or the pages change).
pub const CHECKED_ON: &str = "03/12/2026";

/// The tool: axe-core at the version pinned in `tests/a11y/package-lock.json` (the test
/// checks that both agree).
pub const TOOL: &str = "axe-core";
pub const TOOL_VERSION: &str = "4.14.1";

/// What the check visits, as the statement tells it.
pub const TESTED: &[&str] = &[
    "les pages publiques (accessibilité, mentions légales, données personnelles, plan du site, connexion, page introuvable)",
    "toutes les pages de chaque rôle : agent d'accueil, expert, administrateur d'organisation, coordinateur, administrateur du territoire",
    "les états d'erreur des formulaires envoyés vides ou invalides",
    "un écran étroit de 320 pixels de large",
    "dans Chromium (sans interface), aux règles WCAG 2.0, 2.1 et 2.2 niveaux A et AA et aux bonnes pratiques d'axe-core",
];

/// A known non-conformity: the axe rule that finds it, the page (path) where it is allowed,
/// and what the statement says of it. The axe test fails on any violation not listed here.
pub struct KnownIssue {
    pub rule: &'static str,
    pub path: &'static str,
    pub description: &'static str,
}

/// Empty when the check finds nothing; each entry says why it is not fixed yet.
pub const KNOWN_ISSUES: &[KnownIssue] = &[];
