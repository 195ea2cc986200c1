//! Who may call what: one row per GraphQL root field, one column per caller, across two tenants
//! (omicron's `policy_test` and `test_unauthorized_coverage`).
//!
//! The expectations come from the design, not from what the code happens to answer:
//!
//! * no token → UNAUTHENTICATED, everywhere;
//! * an operation naming a resource private to another organisation (a person, a consent, a
//!   referral, an organisation's users or mail) or anything of another tenant → NOT_FOUND,
//!   whatever the caller's roles: its existence is never revealed;
//! * an operation on the caller's own organisation or territory, or on the territory's directory
//!   (organisations and services are public within it), without the role → FORBIDDEN;
//! * a referral's observers (coordinators, tenant admins) read its metadata but cannot act on
//!   it: a transition answers them NOT_FOUND, like anyone who is neither side; the wrong side
//!   (a sender acknowledging, a receiver cancelling) is FORBIDDEN;
//! * an escalation exists for its two organisations only: coordinators and tenant admins of
//!   another organisation get NOT_FOUND like any third organisation (they get counts, never an
//!   escalation); the wrong side (an agent answering, an expert replying) is FORBIDDEN.
//!
//! A new root field without a row breaks [`every_root_field_has_a_row`]: decide who may call it.
//! A field may have several rows when its scopes differ (the territory, one organisation…).

use std::fmt::Write as _;

use passerelle::entities::notification;
use passerelle_tests::{Account, Backend, TestApp, error_code, ok, territory::Territory};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

/// The callers, in the order of each row's expectations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    /// No `Authorization` header.
    Anonymous,
    /// AGENT of the France Services desk that holds the person and sent the referral.
    DeskAgent,
    /// BACK_OFFICE of the CAF that received the referral.
    CafBackOffice,
    /// AGENT and BACK_OFFICE of an association of tenant A that takes no part.
    Outsider,
    /// ORG_ADMIN of the CAF.
    CafAdmin,
    /// COORDINATOR of tenant A.
    Coordinator,
    /// TENANT_ADMIN of tenant A, and nothing else (the bootstrapped administrator is also
    /// ORG_ADMIN of the coordinating organisation).
    TenantAdmin,
    /// TENANT_ADMIN of tenant B, built by the same fixture, and nothing else.
    OtherTenantAdmin,
}

const CALLERS: [Caller; 8] = [
    Caller::Anonymous,
    Caller::DeskAgent,
    Caller::CafBackOffice,
    Caller::Outsider,
    Caller::CafAdmin,
    Caller::Coordinator,
    Caller::TenantAdmin,
    Caller::OtherTenantAdmin,
];

impl Caller {
    fn label(self) -> &'static str {
        match self {
            Caller::Anonymous => "no token",
            Caller::DeskAgent => "AGENT of the desk (sender)",
            Caller::CafBackOffice => "BACK_OFFICE of the CAF (receiver)",
            Caller::Outsider => "AGENT+BACK_OFFICE, uninvolved org",
            Caller::CafAdmin => "ORG_ADMIN of the CAF",
            Caller::Coordinator => "COORDINATOR of A",
            Caller::TenantAdmin => "TENANT_ADMIN of A",
            Caller::OtherTenantAdmin => "TENANT_ADMIN of B",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Ok,
    Code(&'static str),
}

impl Expect {
    fn as_str(self) -> &'static str {
        match self {
            Expect::Ok => "Ok",
            Expect::Code(code) => code,
        }
    }
}

const OK: Expect = Expect::Ok;
const UNAUTHENTICATED: Expect = Expect::Code("UNAUTHENTICATED");
const FORBIDDEN: Expect = Expect::Code("FORBIDDEN");
const NOT_FOUND: Expect = Expect::Code("NOT_FOUND");

/// The stage a fresh referral is brought to before a lifecycle mutation, so that the side
/// allowed to act succeeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Sent,
    InfoRequested,
    Accepted,
}

/// What each case needs of its own, so that one caller's success leaves the next case intact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fresh {
    /// Only the fixture's shared resources (read-only, or a mutation that adds without
    /// consuming: names carry `$seq`).
    Nothing,
    /// A new consent of the person (naming the CAF) as `$consent`.
    Consent,
    /// A new referral from the desk to the CAF, at this stage, as `$referral`.
    Referral(Stage),
    /// The CAF's notification put back to DEAD before the case.
    DeadNotification,
    /// A session of the caller's own, signed in for the case (ending it ends nothing else).
    Session,
    /// A new escalation from the desk to the CAF, at this status, as `$escalation`.
    Escalation(&'static str),
    /// A new API client of the CAF, as `$api_client`.
    ApiClient,
}

struct Row {
    field: &'static str,
    expect: [Expect; 8],
    fresh: Fresh,
    document: &'static str,
    /// JSON; `$name` placeholders are replaced by the fixture's ids (see [`World::ids`]).
    variables: &'static str,
}

const fn row(
    field: &'static str,
    expect: [Expect; 8],
    fresh: Fresh,
    document: &'static str,
    variables: &'static str,
) -> Row {
    Row {
        field,
        expect,
        fresh,
        document,
        variables,
    }
}

/// Root fields that are deliberately not in the table.
const NOT_IN_TABLE: &[&str] = &[
    // It is how a token is obtained: anyone may call it; `sign_in.rs` tests it.
    "login",
];

const NONE: &str = "{}";
const REFERRAL: &str = r#"{"id": "$referral"}"#;
const SENT: Fresh = Fresh::Referral(Stage::Sent);
const ESCALATION: &str = r#"{"id": "$escalation"}"#;
const OPEN: Fresh = Fresh::Escalation("OPEN");

#[rustfmt::skip]
const TABLE: &[Row] = &[
    // ----------------------------------------------------------------------------- queries
    //                            no token         desk agent CAF BO     outsider   CAF admin  coordinator tenant A   tenant B
    row("me",                   [UNAUTHENTICATED, OK,        OK,        OK,        OK,        OK,        OK,        OK       ], Fresh::Nothing,
        "query { me { id } }", NONE),
    row("organisation",         [UNAUTHENTICATED, OK,        OK,        OK,        OK,        OK,        OK,        NOT_FOUND], Fresh::Nothing,
        "query($id: ID!) { organisation(id: $id) { id } }", r#"{"id": "$caf_org"}"#),
    row("organisations",        [UNAUTHENTICATED, OK,        OK,        OK,        OK,        OK,        OK,        OK       ], Fresh::Nothing,
        "query { organisations { nodes { id } } }", NONE),
    row("services",             [UNAUTHENTICATED, OK,        OK,        OK,        OK,        OK,        OK,        OK       ], Fresh::Nothing,
        "query { services { nodes { id } } }", NONE),
    row("serviceCategories",    [UNAUTHENTICATED, OK,        OK,        OK,        OK,        OK,        OK,        OK       ], Fresh::Nothing,
        "query { serviceCategories }", NONE),
    row("notifications",        [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,        FORBIDDEN, OK,        OK       ], Fresh::Nothing,
        "query { notifications { nodes { id } } }", NONE),
    row("person",               [UNAUTHENTICATED, OK,        NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND], Fresh::Nothing,
        "query($id: ID!) { person(id: $id) { id } }", r#"{"id": "$person"}"#),
    row("people",               [UNAUTHENTICATED, OK,        FORBIDDEN, OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN], Fresh::Nothing,
        "query { people { nodes { id } } }", NONE),
    row("referral",             [UNAUTHENTICATED, OK,        OK,        NOT_FOUND, OK,        OK,        OK,        NOT_FOUND], Fresh::Nothing,
        "query($id: ID!) { referral(id: $id) { id } }", REFERRAL),
    row("referralsReceived",    [UNAUTHENTICATED, FORBIDDEN, OK,        OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN], Fresh::Nothing,
        "query { referralsReceived { nodes { id } } }", NONE),
    row("referralsSent",        [UNAUTHENTICATED, OK,        FORBIDDEN, OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN], Fresh::Nothing,
        "query { referralsSent { nodes { id } } }", NONE),
    row("referralsInTerritory", [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,        OK,        OK       ], Fresh::Nothing,
        "query { referralsInTerritory { nodes { id } } }", NONE),
    row("deadlineSettings",     [UNAUTHENTICATED, OK,        OK,        OK,        OK,        OK,        OK,        OK       ], Fresh::Nothing,
        "query { deadlineSettings { reminderDaysBefore } }", NONE),
    // Escalations: only the two organisations involved; coordinators and admins of others, NOT_FOUND.
    row("escalation",           [UNAUTHENTICATED, OK,        OK,        NOT_FOUND, OK,        NOT_FOUND, NOT_FOUND, NOT_FOUND], Fresh::Nothing,
        "query($id: ID!) { escalation(id: $id) { id } }", ESCALATION),
    row("escalationsReceived",  [UNAUTHENTICATED, FORBIDDEN, OK,        OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN], Fresh::Nothing,
        "query { escalationsReceived { nodes { id } } }", NONE),
    row("escalationsSent",      [UNAUTHENTICATED, OK,        FORBIDDEN, OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN], Fresh::Nothing,
        "query { escalationsSent { nodes { id } } }", NONE),
    row("escalationSettings",   [UNAUTHENTICATED, OK,        OK,        OK,        OK,        OK,        OK,        OK       ], Fresh::Nothing,
        "query { escalationSettings { reopenDays } }", NONE),
    row("escalationFigures",    [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,        OK,        OK       ], Fresh::Nothing,
        "query { escalationFigures { received } }", NONE),
    // API clients: the organisation's admins and the territory's; another organisation's are NOT_FOUND.
    row("apiClients",           [UNAUTHENTICATED, NOT_FOUND, FORBIDDEN, NOT_FOUND, OK,        NOT_FOUND, OK,        NOT_FOUND], Fresh::Nothing,
        "query($o: ID) { apiClients(organisationId: $o) { id } }", r#"{"o": "$caf_org"}"#),
    // Monitoring: the territory's report for its observers; one organisation's also for that
    // organisation's admins; another tenant's organisation is NOT_FOUND.
    row("referralDelays",       [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,        OK,        OK       ], Fresh::Nothing,
        "query { referralDelays { totals { sent } organisations { organisation { id name } } } }", NONE),
    row("referralDelays",       [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,        OK,        OK,        NOT_FOUND], Fresh::Nothing,
        "query($o: ID) { referralDelays(organisationId: $o) { totals { sent } } }", r#"{"o": "$caf_org"}"#),
    row("referralDelays",       [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,        OK,        OK,        NOT_FOUND], Fresh::Nothing,
        "query($s: ID) { referralDelays(serviceId: $s) { totals { sent } } }", r#"{"s": "$caf_service"}"#),
    row("referralDelays",       [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,        OK,        NOT_FOUND], Fresh::Nothing,
        "query($o: ID) { referralDelays(organisationId: $o) { totals { sent } } }", r#"{"o": "$cpam_org"}"#),
    row("overdueReferrals",     [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,        OK,        OK       ], Fresh::Nothing,
        "query { overdueReferrals { edges { node { id } } } }", NONE),
    row("overdueReferrals",     [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,        OK,        OK,        NOT_FOUND], Fresh::Nothing,
        "query($o: ID) { overdueReferrals(organisationId: $o) { edges { node { id } } } }", r#"{"o": "$caf_org"}"#),
    row("monitoringSettings",   [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,        OK,        OK,        OK       ], Fresh::Nothing,
        "query { monitoringSettings { latePercentAbove } }", NONE),

    // --------------------------------------------------------------------------- mutations
    //                            no token         desk agent CAF BO     outsider   CAF admin  coordinator tenant A   tenant B
    row("createUser",           [UNAUTHENTICATED, NOT_FOUND, FORBIDDEN, NOT_FOUND, OK,        NOT_FOUND, OK,        NOT_FOUND], Fresh::Nothing,
        "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
        r#"{"i": {"organisationId": "$caf_org", "email": "expert-$seq@caf.test", "name": "Nouvel expert",
                  "roles": ["BACK_OFFICE"], "password": "correct horse battery staple"}}"#),
    row("logout",               [UNAUTHENTICATED, OK,        OK,        OK,        OK,        OK,        OK,        OK       ], Fresh::Session,
        "mutation { logout }", NONE),
    row("setUserActive",        [UNAUTHENTICATED, NOT_FOUND, FORBIDDEN, NOT_FOUND, OK,        NOT_FOUND, OK,        NOT_FOUND], Fresh::Nothing,
        "mutation($id: ID!) { setUserActive(id: $id, active: true) { id } }", r#"{"id": "$caf_user"}"#),
    row("createOrganisation",   [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,        OK       ], Fresh::Nothing,
        "mutation($i: CreateOrganisationInput!) { createOrganisation(input: $i) { id } }",
        r#"{"i": {"name": "Mission locale $seq", "kind": "MISSION_LOCALE"}}"#),
    row("createService",        [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,        FORBIDDEN, OK,        NOT_FOUND], Fresh::Nothing,
        "mutation($i: CreateServiceInput!) { createService(input: $i) { id } }",
        r#"{"i": {"organisationId": "$caf_org", "name": "Prime d'activité $seq", "category": "Minima sociaux",
                  "responseDays": 10, "urgentResponseDays": 3}}"#),
    row("retryNotification",    [UNAUTHENTICATED, NOT_FOUND, FORBIDDEN, NOT_FOUND, OK,        NOT_FOUND, OK,        NOT_FOUND], Fresh::DeadNotification,
        "mutation($id: ID!) { retryNotification(id: $id) { id } }", r#"{"id": "$notification"}"#),
    row("createPerson",         [UNAUTHENTICATED, OK,        FORBIDDEN, OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN], Fresh::Nothing,
        "mutation($i: CreatePersonInput!) { createPerson(input: $i) { id } }",
        r#"{"i": {"firstName": "Jean", "lastName": "Martin", "birthDate": "1970-03-14"}}"#),
    row("recordConsent",        [UNAUTHENTICATED, OK,        NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND], Fresh::Nothing,
        "mutation($i: RecordConsentInput!) { recordConsent(input: $i) { id } }",
        r#"{"i": {"personId": "$person", "recipientOrganisationIds": ["$caf_org"], "purposes": ["Ouverture de droits"],
                  "dataCategories": ["Identité"], "method": "ORAL"}}"#),
    row("withdrawConsent",      [UNAUTHENTICATED, OK,        NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND], Fresh::Consent,
        r#"mutation($id: ID!) { withdrawConsent(id: $id, reason: "Ne souhaite plus") { id } }"#, r#"{"id": "$consent"}"#),
    row("createReferral",       [UNAUTHENTICATED, OK,        NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND], Fresh::Nothing,
        "mutation($i: CreateReferralInput!) { createReferral(input: $i) { id } }",
        r#"{"i": {"personId": "$person", "consentId": "$consent", "serviceId": "$caf_service", "motive": "Droits RSA à ouvrir"}}"#),
    row("acknowledgeReferral",  [UNAUTHENTICATED, FORBIDDEN, OK,        NOT_FOUND, OK,        NOT_FOUND, NOT_FOUND, NOT_FOUND], SENT,
        "mutation($id: ID!) { acknowledgeReferral(id: $id) { id } }", REFERRAL),
    row("requestReferralInfo",  [UNAUTHENTICATED, FORBIDDEN, OK,        NOT_FOUND, OK,        NOT_FOUND, NOT_FOUND, NOT_FOUND], SENT,
        r#"mutation($id: ID!) { requestReferralInfo(id: $id, question: "Avis d'imposition ?") { id } }"#, REFERRAL),
    row("provideReferralInfo",  [UNAUTHENTICATED, OK,        FORBIDDEN, NOT_FOUND, FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND], Fresh::Referral(Stage::InfoRequested),
        r#"mutation($id: ID!) { provideReferralInfo(id: $id, answer: "Transmis par courrier") { id } }"#, REFERRAL),
    row("acceptReferral",       [UNAUTHENTICATED, FORBIDDEN, OK,        NOT_FOUND, OK,        NOT_FOUND, NOT_FOUND, NOT_FOUND], SENT,
        "mutation($id: ID!) { acceptReferral(id: $id) { id } }", REFERRAL),
    row("declineReferral",      [UNAUTHENTICATED, FORBIDDEN, OK,        NOT_FOUND, OK,        NOT_FOUND, NOT_FOUND, NOT_FOUND], SENT,
        "mutation($id: ID!) { declineReferral(id: $id, reason: NOT_ELIGIBLE) { id } }", REFERRAL),
    row("redirectReferral",     [UNAUTHENTICATED, FORBIDDEN, OK,        NOT_FOUND, OK,        NOT_FOUND, NOT_FOUND, NOT_FOUND], SENT,
        "mutation($id: ID!, $s: ID!) { redirectReferral(id: $id, serviceId: $s) { id } }",
        r#"{"id": "$referral", "s": "$cpam_service"}"#),
    row("completeReferral",     [UNAUTHENTICATED, FORBIDDEN, OK,        NOT_FOUND, OK,        NOT_FOUND, NOT_FOUND, NOT_FOUND], Fresh::Referral(Stage::Accepted),
        "mutation($id: ID!) { completeReferral(id: $id, outcome: RIGHT_OPENED) { id } }", REFERRAL),
    row("cancelReferral",       [UNAUTHENTICATED, OK,        FORBIDDEN, NOT_FOUND, FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND], SENT,
        r#"mutation($id: ID!) { cancelReferral(id: $id, reason: "Démarche abandonnée") { id } }"#, REFERRAL),
    row("assignReferral",       [UNAUTHENTICATED, FORBIDDEN, OK,        NOT_FOUND, OK,        NOT_FOUND, NOT_FOUND, NOT_FOUND], SENT,
        "mutation($id: ID!, $u: ID) { assignReferral(id: $id, userId: $u) { id } }",
        r#"{"id": "$referral", "u": "$caf_user"}"#),
    row("commentReferral",      [UNAUTHENTICATED, OK,        OK,        NOT_FOUND, OK,        NOT_FOUND, NOT_FOUND, NOT_FOUND], SENT,
        r#"mutation($id: ID!) { commentReferral(id: $id, body: "Dossier complet") { id } }"#, REFERRAL),
    row("updateDeadlineSettings", [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,      OK       ], Fresh::Nothing,
        "mutation { updateDeadlineSettings(reminderDaysBefore: 2, escalationDaysAfter: 3) { reminderDaysBefore } }", NONE),
    row("createEscalation",     [UNAUTHENTICATED, OK,        NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND], Fresh::Nothing,
        "mutation($i: CreateEscalationInput!) { createEscalation(input: $i) { id } }",
        r#"{"i": {"organisationId": "$caf_org", "subject": "Dossier bloqué", "body": "Que manque-t-il ?",
                  "category": "Minima sociaux", "personId": "$person"}}"#),
    row("answerEscalation",     [UNAUTHENTICATED, FORBIDDEN, OK,        NOT_FOUND, OK,        NOT_FOUND, NOT_FOUND, NOT_FOUND], OPEN,
        r#"mutation($id: ID!) { answerEscalation(id: $id, body: "L'avis d'imposition") { id } }"#, ESCALATION),
    row("replyEscalation",      [UNAUTHENTICATED, OK,        FORBIDDEN, NOT_FOUND, FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND], Fresh::Escalation("ANSWERED"),
        r#"mutation($id: ID!) { replyEscalation(id: $id, body: "Transmis") { id } }"#, ESCALATION),
    row("closeEscalation",      [UNAUTHENTICATED, OK,        OK,        NOT_FOUND, OK,        NOT_FOUND, NOT_FOUND, NOT_FOUND], OPEN,
        "mutation($id: ID!) { closeEscalation(id: $id) { id } }", ESCALATION),
    row("reopenEscalation",     [UNAUTHENTICATED, OK,        FORBIDDEN, NOT_FOUND, FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND], Fresh::Escalation("CLOSED"),
        "mutation($id: ID!) { reopenEscalation(id: $id) { id } }", ESCALATION),
    row("takeEscalation",       [UNAUTHENTICATED, FORBIDDEN, OK,        NOT_FOUND, OK,        NOT_FOUND, NOT_FOUND, NOT_FOUND], OPEN,
        "mutation($id: ID!) { takeEscalation(id: $id) { id } }", ESCALATION),
    row("assignEscalation",     [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, NOT_FOUND, OK,        NOT_FOUND, NOT_FOUND, NOT_FOUND], OPEN,
        "mutation($id: ID!, $u: ID) { assignEscalation(id: $id, userId: $u) { id } }",
        r#"{"id": "$escalation", "u": "$caf_user"}"#),
    row("transferEscalation",   [UNAUTHENTICATED, FORBIDDEN, OK,        NOT_FOUND, OK,        NOT_FOUND, NOT_FOUND, NOT_FOUND], OPEN,
        r#"mutation($id: ID!, $o: ID!) { transferEscalation(id: $id, organisationId: $o, comment: "Voir la CPAM") { id } }"#,
        r#"{"id": "$escalation", "o": "$cpam_org"}"#),
    row("createApiClient",      [UNAUTHENTICATED, NOT_FOUND, FORBIDDEN, NOT_FOUND, OK,        NOT_FOUND, OK,        NOT_FOUND], Fresh::Nothing,
        "mutation($i: CreateApiClientInput!) { createApiClient(input: $i) { clientId } }",
        r#"{"i": {"organisationId": "$caf_org", "name": "Logiciel $seq", "roles": ["BACK_OFFICE"]}}"#),
    row("revokeApiClient",      [UNAUTHENTICATED, NOT_FOUND, FORBIDDEN, NOT_FOUND, OK,        NOT_FOUND, OK,        NOT_FOUND], Fresh::ApiClient,
        "mutation($id: ID!) { revokeApiClient(id: $id) { id revokedAt } }", r#"{"id": "$api_client"}"#),
    row("updateEscalationSettings", [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,    OK       ], Fresh::Nothing,
        "mutation { updateEscalationSettings(reopenDays: 15) { reopenDays } }", NONE),
    row("updateEscalationDeadlines", [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,    FORBIDDEN, OK,        NOT_FOUND], Fresh::Nothing,
        "mutation($o: ID!) { updateEscalationDeadlines(organisationId: $o, answerDays: 2, urgentAnswerDays: 1) { id } }",
        r#"{"o": "$caf_org"}"#),
    row("updateMonitoringSettings", [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,      OK,        OK       ], Fresh::Nothing,
        "mutation { updateMonitoringSettings(latePercentAbove: 30, acceptancePercentBelow: 25, minReferrals: 5) { latePercentAbove } }", NONE),
];

fn is_mutation(row: &Row) -> bool {
    row.document.trim_start().starts_with("mutation")
}

/// The first field selected by the operation, e.g. `referral` in
/// `query($id: ID!) { referral(id: $id) { id } }`.
fn root_field_of(document: &str) -> &str {
    let after = document
        .split_once('{')
        .map_or("", |(_, rest)| rest.trim_start());
    let end = after
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(after.len());
    &after[..end]
}

/// Tenant A (the territory of `territory.rs`, an ORG_ADMIN of its CAF, a TENANT_ADMIN-only user,
/// a person held by the desk, a consent naming the CAF and the CPAM, a referral from the desk to
/// the CAF and the CAF's notification of it) and tenant B (the same territory, and its own
/// TENANT_ADMIN-only user).
struct World {
    a: Territory,
    caf_admin: Account,
    tenant_admin: Account,
    other_tenant_admin: Account,
    person: String,
    consent: String,
    referral: String,
    notification: String,
    escalation: String,
}

/// The ids a case runs against: the shared ones, or its fresh ones.
struct CaseIds {
    consent: String,
    referral: String,
    /// The caller's token for this case, when it has one of its own.
    token: Option<String>,
    escalation: String,
    api_client: String,
}

impl World {
    async fn build(app: &TestApp) -> Self {
        let a = app.with_territory("Arras").await;
        let b = app.with_territory("Lens").await;
        let caf_admin = app
            .create_user(
                &a.tenant.admin,
                &a.caf.organisation_id,
                "direction@caf-arras.test",
                &["ORG_ADMIN"],
            )
            .await;
        let tenant_admin = app
            .create_user(
                &a.tenant.admin,
                &a.tenant.admin.organisation_id,
                "territoire@arras.test",
                &["TENANT_ADMIN"],
            )
            .await;
        let other_tenant_admin = app
            .create_user(
                &b.tenant.admin,
                &b.tenant.admin.organisation_id,
                "territoire@lens.test",
                &["TENANT_ADMIN"],
            )
            .await;
        let person = app
            .create_person(&a.agent, "Élodie", "Dupont", "1984-07-02")
            .await;
        let consent = app
            .record_consent(
                &a.agent,
                &person,
                &[&a.caf.organisation_id, &a.cpam.organisation_id],
                None,
            )
            .await;
        let mut world = Self {
            a,
            caf_admin,
            tenant_admin,
            other_tenant_admin,
            person,
            consent,
            referral: String::new(),
            notification: String::new(),
            escalation: String::new(),
        };
        world.referral = world.fresh_referral(app, Stage::Sent).await;
        world.escalation = world.fresh_escalation(app, "OPEN").await;
        let referral: uuid::Uuid = world.referral.parse().expect("referral id");
        world.notification = notification::Entity::find()
            .filter(notification::Column::ReferralId.eq(referral))
            .filter(notification::Column::Kind.eq("REFERRAL_CREATED"))
            .one(app.db())
            .await
            .expect("notification query")
            .expect("the CAF is told of the referral")
            .id
            .to_string();
        world
    }

    fn account(&self, caller: Caller) -> Option<&Account> {
        match caller {
            Caller::Anonymous => None,
            Caller::DeskAgent => Some(&self.a.agent),
            Caller::CafBackOffice => Some(&self.a.caf),
            Caller::Outsider => Some(&self.a.outsider),
            Caller::CafAdmin => Some(&self.caf_admin),
            Caller::Coordinator => Some(&self.a.coordinator),
            Caller::TenantAdmin => Some(&self.tenant_admin),
            Caller::OtherTenantAdmin => Some(&self.other_tenant_admin),
        }
    }

    /// The placeholders a row's variables may use.
    fn ids(&self, case: &CaseIds, seq: usize) -> Vec<(&'static str, String)> {
        vec![
            ("$caf_org", self.a.caf.organisation_id.clone()),
            ("$cpam_org", self.a.cpam.organisation_id.clone()),
            ("$caf_service", self.a.caf_service.clone()),
            ("$cpam_service", self.a.cpam_service.clone()),
            ("$cpam_org", self.a.cpam.organisation_id.clone()),
            ("$escalation", case.escalation.clone()),
            ("$api_client", case.api_client.clone()),
            ("$caf_user", self.a.caf.user_id.clone()),
            ("$person", self.person.clone()),
            ("$consent", case.consent.clone()),
            ("$referral", case.referral.clone()),
            ("$notification", self.notification.clone()),
            ("$seq", seq.to_string()),
        ]
    }

    /// What the caller must never see in an answer, with a name for the report: for tenant B,
    /// every id of tenant A; for the uninvolved organisation, the desk's person, consent and
    /// referral, and the CAF's mail.
    fn secrets(&self, caller: Caller) -> Vec<(&'static str, &str)> {
        let private = [
            ("tenant A's person", self.person.as_str()),
            ("tenant A's consent", self.consent.as_str()),
            ("tenant A's referral", self.referral.as_str()),
            ("tenant A's notification", self.notification.as_str()),
            ("tenant A's escalation", self.escalation.as_str()),
        ];
        match caller {
            Caller::Outsider => private.to_vec(),
            Caller::OtherTenantAdmin => {
                let a = &self.a;
                let mut all = private.to_vec();
                all.extend([
                    ("tenant A's desk", a.agent.organisation_id.as_str()),
                    ("tenant A's CAF", a.caf.organisation_id.as_str()),
                    ("tenant A's CPAM", a.cpam.organisation_id.as_str()),
                    (
                        "tenant A's association",
                        a.outsider.organisation_id.as_str(),
                    ),
                    (
                        "tenant A's admin organisation",
                        a.tenant.admin.organisation_id.as_str(),
                    ),
                    ("tenant A's CAF service", a.caf_service.as_str()),
                    ("tenant A's CPAM service", a.cpam_service.as_str()),
                    ("tenant A's agent", a.agent.user_id.as_str()),
                    ("tenant A's CAF expert", a.caf.user_id.as_str()),
                    ("tenant A's admin", a.tenant.admin.user_id.as_str()),
                    (
                        "tenant A's tenant admin",
                        self.tenant_admin.user_id.as_str(),
                    ),
                    ("tenant A's coordinator", a.coordinator.user_id.as_str()),
                ]);
                all
            }
            _ => Vec::new(),
        }
    }

    /// A new referral from the desk to the CAF, brought to `stage` by the CAF.
    async fn fresh_referral(&self, app: &TestApp, stage: Stage) -> String {
        let body = app
            .send_referral(
                &self.a.agent,
                &self.person,
                &self.consent,
                &self.a.caf_service,
                "STANDARD",
            )
            .await;
        let id = ok(&body)["createReferral"]["id"]
            .as_str()
            .expect("referral id")
            .to_owned();
        let step = match stage {
            Stage::Sent => None,
            Stage::InfoRequested => Some(("requestReferralInfo", r#"question: "Pièces ?""#)),
            Stage::Accepted => Some(("acceptReferral", "")),
        };
        if let Some((mutation, args)) = step {
            ok(&app.act(&self.a.caf, mutation, &id, args).await);
        }
        id
    }

    /// A new escalation from the desk to the CAF, brought to `status`.
    async fn fresh_escalation(&self, app: &TestApp, status: &str) -> String {
        let body = app
            .open_escalation(&self.a.agent, &self.a.caf.organisation_id, json!({}))
            .await;
        let id = ok(&body)["createEscalation"]["id"]
            .as_str()
            .expect("escalation id")
            .to_owned();
        if status != "OPEN" {
            ok(&app
                .act_escalation(&self.a.caf, "answerEscalation", &id, r#"body: "Voici""#)
                .await);
        }
        if status == "CLOSED" {
            ok(&app
                .act_escalation(&self.a.agent, "closeEscalation", &id, "")
                .await);
        }
        id
    }

    async fn prepare(&self, app: &TestApp, fresh: Fresh, caller: Caller) -> CaseIds {
        let mut case = CaseIds {
            consent: self.consent.clone(),
            referral: self.referral.clone(),
            escalation: self.escalation.clone(),
            token: None,
            api_client: String::new(),
        };
        match fresh {
            Fresh::Nothing => {}
            Fresh::Consent => {
                case.consent = app
                    .record_consent(
                        &self.a.agent,
                        &self.person,
                        &[&self.a.caf.organisation_id],
                        None,
                    )
                    .await;
            }
            Fresh::Referral(stage) => case.referral = self.fresh_referral(app, stage).await,
            Fresh::Session => {
                if let Some(account) = self.account(caller) {
                    case.token = Some(app.login(&account.email, passerelle_tests::PASSWORD).await);
                }
            }
            Fresh::Escalation(status) => {
                case.escalation = self.fresh_escalation(app, status).await;
            }
            Fresh::ApiClient => {
                let body = app
                    .graphql(
                        Some(&self.caf_admin.token),
                        "mutation($i: CreateApiClientInput!) { createApiClient(input: $i) { clientId } }",
                        json!({ "i": { "organisationId": self.a.caf.organisation_id,
                                       "name": "Logiciel de la CAF", "roles": ["BACK_OFFICE"] } }),
                    )
                    .await;
                case.api_client = ok(&body)["createApiClient"]["clientId"]
                    .as_str()
                    .expect("client id")
                    .to_owned();
            }
            Fresh::DeadNotification => {
                let id: uuid::Uuid = self.notification.parse().expect("notification id");
                notification::Entity::update_many()
                    .col_expr(notification::Column::Status, Expr::value("DEAD"))
                    .filter(notification::Column::Id.eq(id))
                    .exec(app.db())
                    .await
                    .expect("mark the notification dead");
            }
        }
        case
    }
}

fn variables(template: &str, ids: &[(&'static str, String)]) -> Value {
    let mut text = template.to_owned();
    let mut ids: Vec<_> = ids.iter().collect();
    // Longest first, so that no placeholder is taken for the start of a longer one.
    ids.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
    for (name, value) in ids {
        text = text.replace(name, value);
    }
    assert!(!text.contains('$'), "unknown placeholder in {template}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("variables {template}: {e}"))
}

struct Mismatch {
    field: &'static str,
    caller: Caller,
    expected: Expect,
    got: String,
    body: Value,
}

/// What the answer amounts to: `Ok`, the first error's code, or what was wrong with an
/// apparent success.
fn outcome(world: &World, row: &Row, caller: Caller, body: &Value) -> String {
    if body.get("errors").is_some_and(|e| !e.is_null()) {
        return error_code(body)
            .unwrap_or("an error without a code")
            .to_owned();
    }
    if body["data"][row.field].is_null() {
        return format!("no error, but no `{}` either", row.field);
    }
    let text = body.to_string();
    match world
        .secrets(caller)
        .into_iter()
        .find(|(_, id)| text.contains(id))
    {
        Some((what, _)) => format!("Ok, but the answer names {what}"),
        None => "Ok".to_owned(),
    }
}

/// Runs every (row, caller) case of `rows` in order; returns the disagreements and how many
/// cases ran.
async fn run(app: &TestApp, world: &World, rows: &[&Row]) -> (Vec<Mismatch>, usize) {
    let mut mismatches = Vec::new();
    let mut seq = 0;
    for row in rows {
        for (caller, expected) in CALLERS.into_iter().zip(row.expect) {
            seq += 1;
            let case = world.prepare(app, row.fresh, caller).await;
            let vars = variables(row.variables, &world.ids(&case, seq));
            let token = case
                .token
                .as_deref()
                .or_else(|| world.account(caller).map(|a| a.token.as_str()));
            let body = app.graphql(token, row.document, vars).await;
            let got = outcome(world, row, caller, &body);
            if got != expected.as_str() {
                mismatches.push(Mismatch {
                    field: row.field,
                    caller,
                    expected,
                    got,
                    body,
                });
            }
        }
    }
    (mismatches, seq)
}

fn report(mismatches: &[Mismatch], cases: usize) -> String {
    let mut out = format!(
        "{} of {cases} authorization cases disagree with the table:\n\n  {:<24} {:<36} {:<16} got\n",
        mismatches.len(),
        "field",
        "caller",
        "expected"
    );
    for m in mismatches {
        let _ = writeln!(
            out,
            "  {:<24} {:<36} {:<16} {}\n      {}",
            m.field,
            m.caller.label(),
            m.expected.as_str(),
            m.got,
            m.body
        );
    }
    out
}

/// Runs the query rows, or the mutation rows, of the table against a fresh fixture.
async fn check(app: TestApp, mutations: bool) {
    let world = World::build(&app).await;
    let rows: Vec<&Row> = TABLE
        .iter()
        .filter(|r| is_mutation(r) == mutations)
        .collect();
    let (mismatches, cases) = run(&app, &world, &rows).await;
    assert!(mismatches.is_empty(), "{}", report(&mismatches, cases));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_answer_each_caller_as_designed() {
    check(TestApp::spawn(Backend::Sqlite).await, false).await;
}

/// Each case gets what it consumes (a referral at the right stage, a consent, a dead mail), so
/// one caller's success never decides the next caller's answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutations_answer_each_caller_as_designed() {
    check(TestApp::spawn(Backend::Sqlite).await, true).await;
}

/// The read-only half of the table once on PostgreSQL: scoping by tenant and organisation does
/// not depend on the backend.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_answer_each_caller_as_designed_on_postgres() {
    check(TestApp::spawn(Backend::Postgres).await, false).await;
}

/// Fails, naming the field, when a root field of the live schema has no row (decide who may
/// call it), when a row names a field that no longer exists, or when a row is malformed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_root_field_has_a_row() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let body = app
        .graphql(
            None,
            "{ __schema { queryType { fields { name } } mutationType { fields { name } } } }",
            json!({}),
        )
        .await;
    let schema = &ok(&body)["__schema"];
    let names = |root: &str| -> Vec<String> {
        schema[root]["fields"]
            .as_array()
            .unwrap_or_else(|| panic!("no {root} in {body}"))
            .iter()
            .map(|f| f["name"].as_str().expect("field name").to_owned())
            .collect()
    };
    let mut problems = Vec::new();
    for (kind, live, mutation) in [
        ("query", names("queryType"), false),
        ("mutation", names("mutationType"), true),
    ] {
        let rows: Vec<&Row> = TABLE
            .iter()
            .filter(|r| is_mutation(r) == mutation)
            .collect();
        for field in &live {
            let count = rows.iter().filter(|r| r.field == field).count();
            if count == 0 && !NOT_IN_TABLE.contains(&field.as_str()) {
                problems.push(format!(
                    "{kind} `{field}` has no row in the authorization table: decide who may call it"
                ));
            }
            // Several rows for one field are several scopes of it (the territory, one
            // organisation…): each must be a different call.
            let mut calls: Vec<(&str, &str)> = rows
                .iter()
                .filter(|r| r.field == field)
                .map(|r| (r.document, r.variables))
                .collect();
            calls.sort_unstable();
            calls.dedup();
            if calls.len() < count {
                problems.push(format!("{kind} `{field}` has two identical rows"));
            }
        }
        for row in &rows {
            if !live.iter().any(|f| f == row.field) {
                problems.push(format!(
                    "the table has a row for {kind} `{}`, which the schema no longer has",
                    row.field
                ));
            }
        }
    }
    for row in TABLE {
        if NOT_IN_TABLE.contains(&row.field) {
            problems.push(format!("`{}` is both excluded and in the table", row.field));
        }
        if root_field_of(row.document) != row.field {
            problems.push(format!(
                "the row for `{}` runs `{}`",
                row.field,
                root_field_of(row.document)
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "the authorization table is out of step with the schema:\n  {}",
        problems.join("\n  ")
    );
}
