use super::*;

/// Expected answers, written out by hand from the design brief.
#[derive(Copy, Clone, Debug)]
enum Expect {
    /// Allowed.
    Y,
    /// Forbidden.
    F,
    /// Not found.
    N,
}
use Expect::{F, N, Y};

/// Columns: own organisation, another organisation of the same tenant, an organisation of
/// another tenant. The actor holds exactly one role.
#[rustfmt::skip]
const TABLE: &[(Action, Role, [Expect; 3])] = &[
    (Action::ReadDirectory, Role::Agent, [Y, Y, N]),
    (Action::ReadDirectory, Role::BackOffice, [Y, Y, N]),
    (Action::ReadDirectory, Role::OrgAdmin, [Y, Y, N]),
    (Action::ReadDirectory, Role::Coordinator, [Y, Y, N]),
    (Action::ReadDirectory, Role::TenantAdmin, [Y, Y, N]),

    (Action::CreateOrganisation, Role::Agent, [F, F, N]),
    (Action::CreateOrganisation, Role::BackOffice, [F, F, N]),
    (Action::CreateOrganisation, Role::OrgAdmin, [F, F, N]),
    (Action::CreateOrganisation, Role::Coordinator, [F, F, N]),
    (Action::CreateOrganisation, Role::TenantAdmin, [Y, Y, N]),

    (Action::CreateService, Role::Agent, [F, F, N]),
    (Action::CreateService, Role::BackOffice, [F, F, N]),
    (Action::CreateService, Role::OrgAdmin, [Y, F, N]),
    (Action::CreateService, Role::Coordinator, [F, F, N]),
    (Action::CreateService, Role::TenantAdmin, [Y, Y, N]),

    (Action::CreateUser, Role::Agent, [F, N, N]),
    (Action::CreateUser, Role::BackOffice, [F, N, N]),
    (Action::CreateUser, Role::OrgAdmin, [Y, N, N]),
    (Action::CreateUser, Role::Coordinator, [F, N, N]),
    (Action::CreateUser, Role::TenantAdmin, [Y, Y, N]),

    (Action::ListUsers, Role::Agent, [F, N, N]),
    (Action::ListUsers, Role::BackOffice, [F, N, N]),
    (Action::ListUsers, Role::OrgAdmin, [Y, N, N]),
    (Action::ListUsers, Role::Coordinator, [F, N, N]),
    (Action::ListUsers, Role::TenantAdmin, [Y, Y, N]),

    (Action::SetUserActive, Role::Agent, [F, N, N]),
    (Action::SetUserActive, Role::BackOffice, [F, N, N]),
    (Action::SetUserActive, Role::OrgAdmin, [Y, N, N]),
    (Action::SetUserActive, Role::Coordinator, [F, N, N]),
    (Action::SetUserActive, Role::TenantAdmin, [Y, Y, N]),

    (Action::ReadNotifications, Role::Agent, [F, N, N]),
    (Action::ReadNotifications, Role::BackOffice, [F, N, N]),
    (Action::ReadNotifications, Role::OrgAdmin, [Y, N, N]),
    (Action::ReadNotifications, Role::Coordinator, [F, N, N]),
    (Action::ReadNotifications, Role::TenantAdmin, [Y, Y, N]),

    (Action::ReadSentReferrals, Role::Agent, [Y, N, N]),
    (Action::ReadSentReferrals, Role::BackOffice, [F, N, N]),
    (Action::ReadSentReferrals, Role::OrgAdmin, [Y, N, N]),
    (Action::ReadSentReferrals, Role::Coordinator, [F, N, N]),
    (Action::ReadSentReferrals, Role::TenantAdmin, [F, N, N]),

    (Action::ReadDeadlineSettings, Role::Agent, [Y, Y, N]),
    (Action::ReadDeadlineSettings, Role::BackOffice, [Y, Y, N]),
    (Action::ReadDeadlineSettings, Role::OrgAdmin, [Y, Y, N]),
    (Action::ReadDeadlineSettings, Role::Coordinator, [Y, Y, N]),
    (Action::ReadDeadlineSettings, Role::TenantAdmin, [Y, Y, N]),

    (Action::ManageDeadlineSettings, Role::Agent, [F, F, N]),
    (Action::ManageDeadlineSettings, Role::BackOffice, [F, F, N]),
    (Action::ManageDeadlineSettings, Role::OrgAdmin, [F, F, N]),
    (Action::ManageDeadlineSettings, Role::Coordinator, [F, F, N]),
    (Action::ManageDeadlineSettings, Role::TenantAdmin, [Y, Y, N]),

    (Action::CreateApiClient, Role::Agent, [F, N, N]),
    (Action::CreateApiClient, Role::BackOffice, [F, N, N]),
    (Action::CreateApiClient, Role::OrgAdmin, [Y, N, N]),
    (Action::CreateApiClient, Role::Coordinator, [F, N, N]),
    (Action::CreateApiClient, Role::TenantAdmin, [Y, Y, N]),

    (Action::ManageApiClients, Role::Agent, [F, N, N]),
    (Action::ManageApiClients, Role::BackOffice, [F, N, N]),
    (Action::ManageApiClients, Role::OrgAdmin, [Y, N, N]),
    (Action::ManageApiClients, Role::Coordinator, [F, N, N]),
    (Action::ManageApiClients, Role::TenantAdmin, [Y, Y, N]),

    (Action::ManagePeople, Role::Agent, [Y, N, N]),
    (Action::ManagePeople, Role::BackOffice, [F, N, N]),
    (Action::ManagePeople, Role::OrgAdmin, [F, N, N]),
    (Action::ManagePeople, Role::Coordinator, [F, N, N]),
    (Action::ManagePeople, Role::TenantAdmin, [F, N, N]),

    (Action::RecordConsent, Role::Agent, [Y, N, N]),
    (Action::RecordConsent, Role::BackOffice, [F, N, N]),
    (Action::RecordConsent, Role::OrgAdmin, [F, N, N]),
    (Action::RecordConsent, Role::Coordinator, [F, N, N]),
    (Action::RecordConsent, Role::TenantAdmin, [F, N, N]),

    (Action::CreateReferral, Role::Agent, [Y, N, N]),
    (Action::CreateReferral, Role::BackOffice, [F, N, N]),
    (Action::CreateReferral, Role::OrgAdmin, [F, N, N]),
    (Action::CreateReferral, Role::Coordinator, [F, N, N]),
    (Action::CreateReferral, Role::TenantAdmin, [F, N, N]),

    (Action::WorkReferral, Role::Agent, [F, N, N]),
    (Action::WorkReferral, Role::BackOffice, [Y, N, N]),
    (Action::WorkReferral, Role::OrgAdmin, [Y, N, N]),
    (Action::WorkReferral, Role::Coordinator, [F, N, N]),
    (Action::WorkReferral, Role::TenantAdmin, [F, N, N]),

    (Action::ReadMonitoring, Role::Agent, [F, F, N]),
    (Action::ReadMonitoring, Role::BackOffice, [F, F, N]),
    (Action::ReadMonitoring, Role::OrgAdmin, [F, F, N]),
    (Action::ReadMonitoring, Role::Coordinator, [Y, Y, N]),
    (Action::ReadMonitoring, Role::TenantAdmin, [Y, Y, N]),

    (Action::OpenEscalation, Role::Agent, [Y, N, N]),
    (Action::OpenEscalation, Role::BackOffice, [F, N, N]),
    (Action::OpenEscalation, Role::OrgAdmin, [F, N, N]),
    (Action::OpenEscalation, Role::Coordinator, [F, N, N]),
    (Action::OpenEscalation, Role::TenantAdmin, [F, N, N]),

    (Action::ReadSentEscalations, Role::Agent, [Y, N, N]),
    (Action::ReadSentEscalations, Role::BackOffice, [F, N, N]),
    (Action::ReadSentEscalations, Role::OrgAdmin, [Y, N, N]),
    (Action::ReadSentEscalations, Role::Coordinator, [F, N, N]),
    (Action::ReadSentEscalations, Role::TenantAdmin, [F, N, N]),

    (Action::AnswerEscalation, Role::Agent, [F, N, N]),
    (Action::AnswerEscalation, Role::BackOffice, [Y, N, N]),
    (Action::AnswerEscalation, Role::OrgAdmin, [Y, N, N]),
    (Action::AnswerEscalation, Role::Coordinator, [F, N, N]),
    (Action::AnswerEscalation, Role::TenantAdmin, [F, N, N]),

    (Action::AssignEscalation, Role::Agent, [F, N, N]),
    (Action::AssignEscalation, Role::BackOffice, [F, N, N]),
    (Action::AssignEscalation, Role::OrgAdmin, [Y, N, N]),
    (Action::AssignEscalation, Role::Coordinator, [F, N, N]),
    (Action::AssignEscalation, Role::TenantAdmin, [F, N, N]),

    (Action::SetEscalationDeadlines, Role::Agent, [F, F, N]),
    (Action::SetEscalationDeadlines, Role::BackOffice, [F, F, N]),
    (Action::SetEscalationDeadlines, Role::OrgAdmin, [Y, F, N]),
    (Action::SetEscalationDeadlines, Role::Coordinator, [F, F, N]),
    (Action::SetEscalationDeadlines, Role::TenantAdmin, [Y, Y, N]),

    (Action::ReadReferralEvents, Role::Agent, [Y, F, N]),
    (Action::ReadReferralEvents, Role::BackOffice, [Y, F, N]),
    (Action::ReadReferralEvents, Role::OrgAdmin, [Y, F, N]),
    (Action::ReadReferralEvents, Role::Coordinator, [Y, F, N]),
    (Action::ReadReferralEvents, Role::TenantAdmin, [Y, F, N]),
    // An org admin reads their own organisation's figures; another's is not private data (the
    // directory is public within the territory), so refusal is plainly forbidden.
    (Action::ReadOrganisationMonitoring, Role::Agent, [F, F, N]),
    (Action::ReadOrganisationMonitoring, Role::BackOffice, [F, F, N]),
    (Action::ReadOrganisationMonitoring, Role::OrgAdmin, [Y, F, N]),
    (Action::ReadOrganisationMonitoring, Role::Coordinator, [Y, Y, N]),
    (Action::ReadOrganisationMonitoring, Role::TenantAdmin, [Y, Y, N]),

    (Action::ManageMonitoringSettings, Role::Agent, [F, F, N]),
    (Action::ManageMonitoringSettings, Role::BackOffice, [F, F, N]),
    (Action::ManageMonitoringSettings, Role::OrgAdmin, [F, F, N]),
    (Action::ManageMonitoringSettings, Role::Coordinator, [Y, Y, N]),
    (Action::ManageMonitoringSettings, Role::TenantAdmin, [Y, Y, N]),
];

/// Two tenants: A with organisations A1 (the actor's) and A2, B with B1.
struct World {
    tenant_a: TenantId,
    a1: OrganisationId,
    a2: OrganisationId,
    tenant_b: TenantId,
    b1: OrganisationId,
}

impl World {
    fn new() -> Self {
        Self {
            tenant_a: TenantId::new(),
            a1: OrganisationId::new(),
            a2: OrganisationId::new(),
            tenant_b: TenantId::new(),
            b1: OrganisationId::new(),
        }
    }

    fn actor(&self, roles: impl IntoIterator<Item = Role>) -> Actor {
        Actor {
            tenant_id: self.tenant_a,
            organisation_id: self.a1,
            user_id: Some(UserId::new()),
            client_id: None,
            roles: roles.into_iter().collect(),
        }
    }

    fn targets(&self) -> [Target; 3] {
        [
            Target::organisation(self.tenant_a, self.a1),
            Target::organisation(self.tenant_a, self.a2),
            Target::organisation(self.tenant_b, self.b1),
        ]
    }
}

fn check(result: Result<()>, expected: Expect, cell: &str) {
    match expected {
        Y => assert_eq!(result, Ok(()), "{cell}"),
        F => assert_eq!(result, Err(Error::Forbidden), "{cell}"),
        N => assert_eq!(result, Err(Error::NotFound), "{cell}"),
    }
}

#[test]
fn every_role_action_and_target_matches_the_table() {
    let world = World::new();
    for &(action, role, expected) in TABLE {
        let actor = world.actor([role]);
        for ((target, expect), column) in world
            .targets()
            .iter()
            .zip(expected)
            .zip(["own", "other", "foreign"])
        {
            check(
                authorize(&actor, action, target),
                expect,
                &format!("{role} {action} {column}"),
            );
        }
    }
}

#[test]
fn the_table_covers_every_role_and_action_once() {
    for action in Action::ALL {
        for role in Role::ALL {
            let rows = TABLE
                .iter()
                .filter(|(a, r, _)| *a == action && *r == role)
                .count();
            assert_eq!(rows, 1, "{role} × {action}");
        }
    }
}

#[test]
fn api_clients_follow_the_same_rules() {
    let world = World::new();
    let client = Actor {
        user_id: None,
        ..world.actor([Role::BackOffice])
    };
    let [own, other, foreign] = world.targets();
    assert_eq!(authorize(&client, Action::WorkReferral, &own), Ok(()));
    assert_eq!(
        authorize(&client, Action::WorkReferral, &other),
        Err(Error::NotFound)
    );
    assert_eq!(
        authorize(&client, Action::ReadDirectory, &foreign),
        Err(Error::NotFound)
    );
}

#[test]
fn roles_add_up() {
    let world = World::new();
    let actor = world.actor([Role::Agent, Role::OrgAdmin]);
    let [own, other, _] = world.targets();
    assert_eq!(authorize(&actor, Action::CreateReferral, &own), Ok(()));
    assert_eq!(authorize(&actor, Action::WorkReferral, &own), Ok(()));
    assert_eq!(authorize(&actor, Action::CreateUser, &own), Ok(()));
    assert_eq!(
        authorize(&actor, Action::CreateService, &other),
        Err(Error::Forbidden)
    );
}

#[test]
fn an_actor_without_roles_may_do_nothing() {
    let world = World::new();
    let actor = world.actor([]);
    let [own, other, _] = world.targets();
    for action in Action::ALL {
        assert_ne!(authorize(&actor, action, &own), Ok(()), "{action}");
        assert_ne!(authorize(&actor, action, &other), Ok(()), "{action}");
    }
}

#[test]
fn tenant_level_targets() {
    let world = World::new();
    let here = Target::tenant(world.tenant_a);
    let elsewhere = Target::tenant(world.tenant_b);
    let admin = world.actor([Role::TenantAdmin]);
    let coordinator = world.actor([Role::Coordinator]);
    let agent = world.actor([Role::Agent]);
    assert_eq!(authorize(&admin, Action::CreateOrganisation, &here), Ok(()));
    assert_eq!(
        authorize(&admin, Action::CreateOrganisation, &elsewhere),
        Err(Error::NotFound)
    );
    assert_eq!(
        authorize(&coordinator, Action::ReadMonitoring, &here),
        Ok(())
    );
    assert_eq!(
        authorize(&coordinator, Action::CreateOrganisation, &here),
        Err(Error::Forbidden)
    );
    // A tenant-level target is nobody's private data: refusal is plainly forbidden.
    assert_eq!(
        authorize(&agent, Action::ManagePeople, &here),
        Err(Error::Forbidden)
    );
    assert_eq!(authorize(&agent, Action::ReadDirectory, &here), Ok(()));
}
