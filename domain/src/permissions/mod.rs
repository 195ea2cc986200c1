//! The one place that decides whether an actor may do an action on a resource.
//!
//! Resolvers call [`authorize`] with the resource's tenant and owning organisation, after loading
//! it scoped by tenant. Another tenant's resource, or another organisation's private data, answers
//! NOT_FOUND rather than FORBIDDEN so that its existence is never revealed.

use crate::code_enum::code_enum;
use crate::{ApiClientId, Error, OrganisationId, Result, Role, Roles, TenantId, UserId};

/// Who is acting: a signed-in user, or a partner system's API client (`user_id` is `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub tenant_id: TenantId,
    pub organisation_id: OrganisationId,
    pub user_id: Option<UserId>,
    /// The API client acting, when `user_id` is `None` (a partner system).
    pub client_id: Option<ApiClientId>,
    pub roles: Roles,
}

/// The resource acted upon: its tenant, and the organisation owning it (`None` = tenant-level,
/// e.g. creating an organisation or reading the territory's monitoring).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub tenant_id: TenantId,
    pub organisation_id: Option<OrganisationId>,
}

impl Target {
    /// A tenant-level resource.
    pub const fn tenant(tenant_id: TenantId) -> Self {
        Self {
            tenant_id,
            organisation_id: None,
        }
    }

    /// A resource owned by `organisation_id` in `tenant_id`.
    pub const fn organisation(tenant_id: TenantId, organisation_id: OrganisationId) -> Self {
        Self {
            tenant_id,
            organisation_id: Some(organisation_id),
        }
    }
}

code_enum! {
    /// What an actor wants to do. The target to pass is noted on each variant.
    pub enum Action (field = "action") {
        /// Read organisations and services of the tenant (any target of the tenant).
        ReadDirectory = "READ_DIRECTORY" => "Consulter l'annuaire",
        /// Create an organisation (tenant-level target).
        CreateOrganisation = "CREATE_ORGANISATION" => "Créer une organisation",
        /// Create a service (target: the organisation that will offer it).
        CreateService = "CREATE_SERVICE" => "Créer un service",
        /// Create a user (target: the user's organisation).
        CreateUser = "CREATE_USER" => "Créer un utilisateur",
        /// List the members (target: their organisation).
        ListUsers = "LIST_USERS" => "Lister les utilisateurs",
        /// Deactivate or reactivate an account (target: its organisation); the roles it holds
        /// must also be ones the actor could grant ([`may_grant`]).
        SetUserActive = "SET_USER_ACTIVE" => "Désactiver ou réactiver un compte",
        /// Create a partner API client (target: its organisation).
        CreateApiClient = "CREATE_API_CLIENT" => "Créer un client d'API",
        /// List an organisation's API clients and revoke them (target: their organisation).
        ManageApiClients = "MANAGE_API_CLIENTS" => "Gérer les clients d'API",
        /// Create, read or update people (target: the organisation holding the record).
        ManagePeople = "MANAGE_PEOPLE" => "Gérer les personnes",
        /// Record or withdraw a consent (target: the organisation holding the person's record).
        RecordConsent = "RECORD_CONSENT" => "Recueillir un consentement",
        /// Create a referral, and act on it as its sender — provide info, cancel, comment
        /// (target: the sending organisation).
        CreateReferral = "CREATE_REFERRAL" => "Orienter une personne",
        /// List the referrals an organisation sent and read their content — the person, the
        /// motive, the comments (target: the sending organisation).
        ReadSentReferrals = "READ_SENT_REFERRALS" => "Suivre les orientations envoyées",
        /// Act on a received referral as the receiver — acknowledge, accept, decline, assign…
        /// (target: the receiving organisation).
        WorkReferral = "WORK_REFERRAL" => "Traiter une orientation reçue",
        /// Read delay and outcome monitoring (tenant-level target, or an organisation to filter).
        ReadMonitoring = "READ_MONITORING" => "Consulter le suivi des délais",
        /// Read one organisation's delay and outcome monitoring — the territory's observers, and
        /// the organisation's own admins (target: that organisation).
        ReadOrganisationMonitoring = "READ_ORGANISATION_MONITORING" => "Consulter le suivi des délais d'une organisation",
        /// Change the territory's alert thresholds on partners (tenant-level target).
        ManageMonitoringSettings = "MANAGE_MONITORING_SETTINGS" => "Modifier les seuils d'alerte du suivi",
        /// Read the territory's reminder and escalation thresholds (tenant-level target).
        ReadDeadlineSettings = "READ_DEADLINE_SETTINGS" => "Consulter les seuils de relance",
        /// Change them (tenant-level target).
        ManageDeadlineSettings = "MANAGE_DEADLINE_SETTINGS" => "Modifier les seuils de relance",
        /// Read the mails sent and their delivery (tenant-level target: all of the territory's;
        /// an organisation: its own).
        ReadNotifications = "READ_NOTIFICATIONS" => "Consulter les courriels envoyés",
        /// Open an escalation to a partner's back office, and act on it as its sender — reply,
        /// close, reopen (target: the sending organisation).
        OpenEscalation = "OPEN_ESCALATION" => "Solliciter l'expert d'un partenaire",
        /// List the escalations an organisation sent and read their content — the subject, the
        /// messages, the person (target: the sending organisation).
        ReadSentEscalations = "READ_SENT_ESCALATIONS" => "Suivre les sollicitations envoyées",
        /// Work the escalations an organisation received — take, answer, transfer, close
        /// (target: the receiving organisation).
        AnswerEscalation = "ANSWER_ESCALATION" => "Répondre aux sollicitations reçues",
        /// Give a received escalation to a colleague (target: the receiving organisation).
        AssignEscalation = "ASSIGN_ESCALATION" => "Attribuer une sollicitation reçue",
        /// Set how many working days an organisation takes to answer escalations (target: that
        /// organisation).
        SetEscalationDeadlines = "SET_ESCALATION_DEADLINES" => "Régler les délais de réponse aux sollicitations",
        /// Follow, as they happen, the timeline lines of the referrals one may see (target: the
        /// subscriber's own organisation; each line is then filtered by `ReferralAccess`).
        ReadReferralEvents = "READ_REFERRAL_EVENTS" => "Suivre les événements des orientations en direct",
    }
}

impl Action {
    /// Actions on data that only the owning organisation may know about: for another
    /// organisation's target, refusal is NOT_FOUND rather than FORBIDDEN.
    const fn is_private_to_organisation(self) -> bool {
        matches!(
            self,
            Self::CreateUser
                | Self::ListUsers
                | Self::SetUserActive
                | Self::ReadSentReferrals
                | Self::ReadNotifications
                | Self::CreateApiClient
                | Self::ManageApiClients
                | Self::ManagePeople
                | Self::RecordConsent
                | Self::CreateReferral
                | Self::WorkReferral
                | Self::OpenEscalation
                | Self::ReadSentEscalations
                | Self::AnswerEscalation
                | Self::AssignEscalation
        )
    }
}

/// Whether `actor` may perform `action` on `target`.
///
/// * Another tenant → [`Error::NotFound`], always.
/// * Refused on another organisation's private data → [`Error::NotFound`].
/// * Otherwise refused → [`Error::Forbidden`].
///
/// For referral transitions, find the caller's [`crate::Party`] first (`Other` is NOT_FOUND),
/// then authorize `CreateReferral` on the sending organisation for sender actions or
/// `WorkReferral` on the receiving organisation for receiver actions, then call
/// [`crate::transition`].
pub fn authorize(actor: &Actor, action: Action, target: &Target) -> Result<()> {
    if actor.tenant_id != target.tenant_id {
        return Err(Error::NotFound);
    }
    let own = target.organisation_id == Some(actor.organisation_id);
    let has = |role| actor.roles.contains(role);
    let tenant_admin = has(Role::TenantAdmin);
    let allowed = match action {
        Action::ReadDirectory | Action::ReadDeadlineSettings => !actor.roles.is_empty(),
        Action::CreateOrganisation | Action::ManageDeadlineSettings => tenant_admin,
        Action::CreateService
        | Action::CreateUser
        | Action::ListUsers
        | Action::SetUserActive
        | Action::CreateApiClient
        | Action::ManageApiClients
        | Action::ReadNotifications
        | Action::SetEscalationDeadlines => tenant_admin || (own && has(Role::OrgAdmin)),
        Action::ManagePeople
        | Action::RecordConsent
        | Action::CreateReferral
        | Action::OpenEscalation => own && has(Role::Agent),
        Action::ReadSentReferrals | Action::ReadSentEscalations => {
            own && (has(Role::Agent) || has(Role::OrgAdmin))
        }
        Action::WorkReferral | Action::AnswerEscalation => own && works_referrals(&actor.roles),
        Action::AssignEscalation => own && has(Role::OrgAdmin),
        Action::ReadMonitoring | Action::ManageMonitoringSettings => {
            tenant_admin || has(Role::Coordinator)
        }
        Action::ReadOrganisationMonitoring => {
            tenant_admin || has(Role::Coordinator) || (own && has(Role::OrgAdmin))
        }
        // Anyone with a role in the organisation: what each line shows is then the referral's
        // own access rule.
        Action::ReadReferralEvents => own && !actor.roles.is_empty(),
    };
    let other_organisation = target.organisation_id.is_some() && !own;
    if allowed {
        Ok(())
    } else if other_organisation && action.is_private_to_organisation() {
        Err(Error::NotFound)
    } else {
        Err(Error::Forbidden)
    }
}

#[cfg(test)]
mod tests;

/// Whether someone holding `roles` works an organisation's received referrals and escalations
/// — who may be assigned one, and who acts as its receiver.
pub fn works_referrals(roles: &Roles) -> bool {
    roles.contains_any(&[Role::BackOffice, Role::OrgAdmin])
}

/// Whether `actor` may give these roles to someone. Territory-wide roles (TENANT_ADMIN, which
/// can administer every organisation, and COORDINATOR, which sees the whole territory's
/// activity) are granted by a tenant admin only; an org admin grants the roles of their own
/// organisation.
pub fn may_grant(actor: &Actor, roles: &Roles) -> Result<()> {
    let territory_wide = roles.contains_any(&[Role::TenantAdmin, Role::Coordinator]);
    if territory_wide && !actor.roles.contains(Role::TenantAdmin) {
        return Err(Error::Forbidden);
    }
    Ok(())
}

/// Whether `actor` may give these roles to an API client. A partner system acts in the
/// organisation's daily work, never administers: ORG_ADMIN and TENANT_ADMIN stay with people
/// who sign in (a client cannot create accounts or other clients), and, as for a user, a client
/// holds nothing its creator could not grant (COORDINATOR only from a tenant admin).
pub fn may_grant_client(actor: &Actor, roles: &Roles) -> Result<()> {
    if roles.contains_any(&[Role::OrgAdmin, Role::TenantAdmin]) {
        return Err(Error::invalid(
            "roles",
            "un client d'API ne peut pas recevoir de rôle d'administration",
        ));
    }
    may_grant(actor, roles)
}

#[cfg(test)]
mod grant_tests {
    use super::*;
    use crate::{OrganisationId, TenantId};

    fn actor(roles: &[Role]) -> Actor {
        Actor {
            tenant_id: TenantId::new(),
            organisation_id: OrganisationId::new(),
            user_id: None,
            client_id: None,
            roles: roles.iter().copied().collect(),
        }
    }

    #[test]
    fn only_tenant_admins_grant_territory_wide_roles() {
        let org_admin = actor(&[Role::OrgAdmin]);
        let tenant_admin = actor(&[Role::TenantAdmin]);
        for role in [Role::TenantAdmin, Role::Coordinator] {
            assert_eq!(
                may_grant(&org_admin, &Roles::from(role)),
                Err(Error::Forbidden)
            );
            assert_eq!(may_grant(&tenant_admin, &Roles::from(role)), Ok(()));
        }
        for role in [Role::Agent, Role::BackOffice, Role::OrgAdmin] {
            assert_eq!(may_grant(&org_admin, &Roles::from(role)), Ok(()));
        }
    }

    #[test]
    fn clients_never_administer_and_hold_no_more_than_their_creator_grants() {
        let org_admin = actor(&[Role::OrgAdmin]);
        let tenant_admin = actor(&[Role::TenantAdmin]);
        for role in [Role::OrgAdmin, Role::TenantAdmin] {
            assert!(matches!(
                may_grant_client(&tenant_admin, &Roles::from(role)),
                Err(Error::Invalid { .. })
            ));
        }
        assert_eq!(
            may_grant_client(&org_admin, &Roles::from(Role::Coordinator)),
            Err(Error::Forbidden)
        );
        assert_eq!(
            may_grant_client(&tenant_admin, &Roles::from(Role::Coordinator)),
            Ok(())
        );
        for role in [Role::Agent, Role::BackOffice] {
            assert_eq!(may_grant_client(&org_admin, &Roles::from(role)), Ok(()));
        }
    }
}
