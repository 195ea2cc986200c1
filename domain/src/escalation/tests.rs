use super::*;
use crate::{Actor, OrganisationId, Role, TenantId, UserId};
use time::macros::datetime;

/// Expected outcome of one cell, written independently of `transition`'s code.
/// "F" forbidden, "C" conflict, "=" status unchanged, otherwise the code of the new status.
const ACTIONS: [EscalationAction; 7] = [
    EscalationAction::Answer,
    EscalationAction::Reply,
    EscalationAction::Close,
    EscalationAction::Reopen,
    EscalationAction::Take,
    EscalationAction::Assign,
    EscalationAction::Transfer,
];

#[rustfmt::skip]
const TABLE: &[(&str, Party, [&str; 7])] = &[
    //                              ANSWER      REPLY   CLOSE     REOPEN  TAKE  ASSIGN TRANSFER
    ("OPEN",     Party::Sender,   ["F",        "OPEN", "CLOSED", "C",    "F",  "F",   "F"]),
    ("OPEN",     Party::Receiver, ["ANSWERED", "F",    "CLOSED", "F",    "=",  "=",   "OPEN"]),
    ("ANSWERED", Party::Sender,   ["F",        "OPEN", "CLOSED", "C",    "F",  "F",   "F"]),
    ("ANSWERED", Party::Receiver, ["ANSWERED", "F",    "CLOSED", "F",    "=",  "=",   "OPEN"]),
    ("CLOSED",   Party::Sender,   ["F",        "C",    "C",      "OPEN", "F",  "F",   "F"]),
    ("CLOSED",   Party::Receiver, ["C",        "F",    "C",      "F",    "C",  "C",   "C"]),
];

#[test]
fn every_status_action_and_party_matches_the_table() {
    assert_eq!(ACTIONS.len(), EscalationAction::ALL.len());
    assert_eq!(TABLE.len(), EscalationStatus::ALL.len() * 2);
    for &(status, party, row) in TABLE {
        let from = EscalationStatus::parse(status).unwrap();
        for (action, expected) in ACTIONS.into_iter().zip(row) {
            let actual = transition(from, action, party);
            let cell = format!("{status} × {action} × {party:?}");
            match expected {
                "F" => assert_eq!(actual, Err(Error::Forbidden), "{cell}"),
                "C" => assert!(
                    matches!(actual, Err(Error::Conflict(_))),
                    "{cell}: {actual:?}"
                ),
                "=" => assert_eq!(actual, Ok(from), "{cell}"),
                to => assert_eq!(actual, Ok(EscalationStatus::parse(to).unwrap()), "{cell}"),
            }
        }
    }
    for status in EscalationStatus::ALL {
        for action in EscalationAction::ALL {
            assert_eq!(
                transition(status, action, Party::Other),
                Err(Error::NotFound)
            );
        }
    }
}

#[test]
fn the_deadline_skips_the_weekend_and_a_public_holiday() {
    // Friday 22 May 2026, 16:00; Monday 25 is Whit Monday.
    let friday = datetime!(2026-05-22 16:00 UTC);
    let days = AnswerDays::default();
    assert_eq!(
        days.due(friday, Urgency::Standard),
        datetime!(2026-05-27 16:00 UTC)
    );
    assert_eq!(
        days.due(friday, Urgency::Urgent),
        datetime!(2026-05-26 16:00 UTC)
    );
    assert_eq!(
        admins_alert_at(datetime!(2026-05-27 16:00 UTC)),
        datetime!(2026-05-28 16:00 UTC)
    );
    // Due on a Friday: the admins hear of it on Monday.
    assert_eq!(
        admins_alert_at(datetime!(2026-05-29 10:00 UTC)),
        datetime!(2026-06-01 10:00 UTC)
    );
}

#[test]
fn settings_are_bounded() {
    assert_eq!(AnswerDays::parse(2, 1), Ok(AnswerDays::default()));
    assert_eq!(
        AnswerDays::parse(5, 3).map(|d| (d.standard, d.urgent)),
        Ok((5, 3))
    );
    for (standard, urgent, field) in [
        (0, 1, "answerDays"),
        (31, 1, "answerDays"),
        (2, 0, "urgentAnswerDays"),
        (2, 3, "urgentAnswerDays"),
    ] {
        match AnswerDays::parse(standard, urgent) {
            Err(Error::Invalid { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{standard}/{urgent}: {other:?}"),
        }
    }
    assert_eq!(ReopenDays::default().get(), 15);
    assert!(ReopenDays::parse("reopenDays", -1).is_err());
    assert!(ReopenDays::parse("reopenDays", 91).is_err());
    assert_eq!(
        ReopenDays::parse("reopenDays", 0).map(ReopenDays::get),
        Ok(0)
    );
}

struct World {
    tenant: TenantId,
    desk: OrganisationId,
    caf: OrganisationId,
    cpam: OrganisationId,
    other: OrganisationId,
}

impl World {
    fn new() -> Self {
        Self {
            tenant: TenantId::new(),
            desk: OrganisationId::new(),
            caf: OrganisationId::new(),
            cpam: OrganisationId::new(),
            other: OrganisationId::new(),
        }
    }

    fn actor(&self, organisation: OrganisationId, roles: &[Role]) -> Actor {
        Actor {
            tenant_id: self.tenant,
            organisation_id: organisation,
            user_id: Some(UserId::new()),
            client_id: None,
            roles: roles.iter().copied().collect(),
        }
    }

    /// From the desk to the CPAM, after the CAF transferred it there at `at`.
    fn facts<'a>(
        &self,
        transferred: &'a [(OrganisationId, OffsetDateTime)],
        consent: bool,
    ) -> EscalationFacts<'a> {
        EscalationFacts {
            tenant_id: self.tenant,
            from: self.desk,
            to: self.cpam,
            transferred_by: transferred,
            consent_names_receiver: consent,
        }
    }
}

const AT: OffsetDateTime = datetime!(2026-05-26 10:00 UTC);

fn state(status: EscalationStatus) -> EscalationState {
    EscalationState {
        status,
        closed_at: (status == EscalationStatus::Closed).then_some(AT),
        reopen_days: ReopenDays::default(),
    }
}

#[test]
fn each_role_of_each_side_reads_what_the_table_allows() {
    use EscalationRelation::*;
    let w = World::new();
    let transferred = [(w.caf, AT)];
    let facts = w.facts(&transferred, true);
    let see = |org, roles: &[Role]| {
        EscalationAccess::of(&w.actor(org, roles), &facts)
            .map(|a| (a.relation, a.content, a.identity))
    };
    assert_eq!(see(w.desk, &[Role::Agent]), Ok((Sender, true, true)));
    assert_eq!(see(w.desk, &[Role::OrgAdmin]), Ok((Sender, true, true)));
    assert_eq!(see(w.desk, &[Role::BackOffice]), Ok((Sender, false, false)));
    assert_eq!(see(w.cpam, &[Role::BackOffice]), Ok((Receiver, true, true)));
    assert_eq!(see(w.cpam, &[Role::OrgAdmin]), Ok((Receiver, true, true)));
    assert_eq!(see(w.cpam, &[Role::Agent]), Ok((Receiver, false, false)));
    assert_eq!(
        see(w.caf, &[Role::BackOffice]),
        Ok((FormerReceiver, true, false))
    );
    for roles in [
        &[Role::Agent, Role::BackOffice, Role::OrgAdmin][..],
        &[Role::Coordinator],
        &[Role::TenantAdmin],
    ] {
        assert_eq!(see(w.other, roles), Err(Error::NotFound), "{roles:?}");
    }
    let mut foreign = w.actor(w.desk, &[Role::Agent]);
    foreign.tenant_id = TenantId::new();
    assert_eq!(
        EscalationAccess::of(&foreign, &facts).map(|a| a.relation),
        Err(Error::NotFound)
    );
}

#[test]
fn without_a_consent_naming_the_receiver_the_person_stays_hidden_from_it() {
    let w = World::new();
    let facts = w.facts(&[], false);
    let expert = EscalationAccess::of(&w.actor(w.cpam, &[Role::BackOffice]), &facts).unwrap();
    assert!(expert.content && !expert.identity);
    let agent = EscalationAccess::of(&w.actor(w.desk, &[Role::Agent]), &facts).unwrap();
    assert!(agent.identity, "the sender holds the person's record");
}

#[test]
fn a_former_receiver_reads_until_its_transfer_and_acts_on_nothing() {
    let w = World::new();
    let transferred = [(w.caf, AT)];
    let facts = w.facts(&transferred, true);
    let caf = EscalationAccess::of(&w.actor(w.caf, &[Role::OrgAdmin]), &facts).unwrap();
    assert!(caf.reads_written_at(AT));
    assert!(!caf.reads_written_at(AT + time::Duration::seconds(1)));
    for status in EscalationStatus::ALL {
        assert_eq!(caf.actions(&state(status), AT), []);
    }
    assert_eq!(
        caf.decide(&state(EscalationStatus::Open), EscalationAction::Answer, AT),
        Err(Error::Forbidden)
    );
}

#[test]
fn acting_needs_the_side_and_its_role() {
    use EscalationAction as A;
    let w = World::new();
    let facts = w.facts(&[], true);
    let access = |org, roles: &[Role]| EscalationAccess::of(&w.actor(org, roles), &facts).unwrap();
    let open = state(EscalationStatus::Open);
    assert_eq!(
        access(w.desk, &[Role::Agent]).actions(&open, AT),
        [A::Reply, A::Close]
    );
    assert_eq!(access(w.desk, &[Role::OrgAdmin]).actions(&open, AT), []);
    assert_eq!(
        access(w.cpam, &[Role::BackOffice]).actions(&open, AT),
        [A::Answer, A::Close, A::Take, A::Transfer]
    );
    assert_eq!(
        access(w.cpam, &[Role::OrgAdmin]).actions(&open, AT),
        [A::Answer, A::Close, A::Take, A::Assign, A::Transfer]
    );
    assert_eq!(access(w.cpam, &[Role::Agent]).actions(&open, AT), []);
    let client = EscalationAccess::of(
        &Actor {
            user_id: None,
            ..w.actor(w.cpam, &[Role::BackOffice])
        },
        &facts,
    )
    .unwrap();
    assert_eq!(
        client.decide(&open, A::Take, AT),
        Err(Error::Forbidden),
        "an API client is nobody to take it"
    );
}

#[test]
fn the_agent_reopens_within_the_window_only() {
    use EscalationAction as A;
    let w = World::new();
    let facts = w.facts(&[], true);
    let agent = EscalationAccess::of(&w.actor(w.desk, &[Role::Agent]), &facts).unwrap();
    let closed = state(EscalationStatus::Closed);
    let last = AT + time::Duration::days(15);
    assert_eq!(
        agent.decide(&closed, A::Reopen, last),
        Ok(EscalationStatus::Open)
    );
    assert_eq!(agent.actions(&closed, last), [A::Reopen]);
    let late = agent.decide(&closed, A::Reopen, last + time::Duration::seconds(1));
    assert!(
        matches!(&late, Err(Error::Conflict(m)) if m.contains("15 jours")),
        "{late:?}"
    );
    assert_eq!(
        agent.actions(&closed, last + time::Duration::seconds(1)),
        []
    );
    let never = EscalationState {
        reopen_days: ReopenDays::parse("reopenDays", 0).unwrap(),
        ..closed
    };
    assert!(
        agent
            .decide(&never, A::Reopen, AT + time::Duration::minutes(1))
            .is_err()
    );
}
