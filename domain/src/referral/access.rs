//! What one caller may see of a referral and do with it, decided once from the permission
//! table: every front end renders this answer and none decides visibility itself.
//!
//! * The sending organisation: its members see the referral; those who may follow sent
//!   referrals ([`Action::ReadSentReferrals`]: agents, org admins) also see the person, the
//!   motive and the comments, and agents act as the sender.
//! * The receiving organisation: its members see the referral; those who work the inbox
//!   ([`Action::WorkReferral`]) see the motive and comments, the person while the consent
//!   stands, and act as the receiver.
//! * The other organisations of its redirect chain: the chain's metadata and the redirect
//!   comments, never the person or the motive.
//! * Territory observers ([`Action::ReadMonitoring`]: coordinators, tenant admins): metadata
//!   only — never an identity or free text, whatever organisation they belong to.
//! * Anyone else, and any other tenant: NOT_FOUND.

use super::{Party, ReferralAction, ReferralEventKind, ReferralStatus, transition};
use crate::{Action, Actor, Error, OrganisationId, Result, Target, TenantId, authorize};

/// How the caller's organisation stands to a referral.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Relation {
    Sender,
    Receiver,
    /// Sent or received another referral of the same redirect chain.
    Chain,
    /// Watches the territory.
    Territory,
}

/// The facts about one referral that decide its access.
#[derive(Clone, Debug)]
pub struct ReferralFacts<'a> {
    pub tenant_id: TenantId,
    pub from: OrganisationId,
    pub to: OrganisationId,
    /// The organisations of the other referrals of its redirect chain (empty when unknown or
    /// when there is none).
    pub chain: &'a [OrganisationId],
    /// The consent it was made under was withdrawn: the receiver no longer sees the person.
    pub consent_withdrawn: bool,
}

/// What the caller may see and do.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ReferralAccess {
    pub relation: Relation,
    /// The motive and every comment of the timeline.
    pub content: bool,
    /// The referred person.
    pub identity: bool,
    /// The side the caller acts on, if their roles let them act at all.
    pub acts_as: Option<Party>,
}

impl ReferralAccess {
    /// Decides access from the permission table; `Err(NotFound)` when the caller must not
    /// learn that the referral exists.
    pub fn of(actor: &Actor, facts: &ReferralFacts<'_>) -> Result<Self> {
        if actor.tenant_id != facts.tenant_id {
            return Err(Error::NotFound);
        }
        let may = |action, organisation| {
            authorize(
                actor,
                action,
                &Target::organisation(facts.tenant_id, organisation),
            )
            .is_ok()
        };
        let own = actor.organisation_id;
        if own == facts.from {
            let content = may(Action::ReadSentReferrals, facts.from);
            return Ok(Self {
                relation: Relation::Sender,
                content,
                identity: content,
                acts_as: may(Action::CreateReferral, facts.from).then_some(Party::Sender),
            });
        }
        if own == facts.to {
            let works = may(Action::WorkReferral, facts.to);
            return Ok(Self {
                relation: Relation::Receiver,
                content: works,
                identity: works && !facts.consent_withdrawn,
                acts_as: works.then_some(Party::Receiver),
            });
        }
        let relation = if facts.chain.contains(&own) {
            Relation::Chain
        } else if authorize(
            actor,
            Action::ReadMonitoring,
            &Target::tenant(facts.tenant_id),
        )
        .is_ok()
        {
            Relation::Territory
        } else {
            return Err(Error::NotFound);
        };
        Ok(Self {
            relation,
            content: false,
            identity: false,
            acts_as: None,
        })
    }

    /// Whether the comment of a timeline line of this kind is shown: everything for those who
    /// see the content; for the other parties of a chain, the comments made when redirecting.
    pub fn sees_comment(&self, kind: ReferralEventKind) -> bool {
        self.content
            || (self.relation != Relation::Territory
                && matches!(
                    kind,
                    ReferralEventKind::Redirect | ReferralEventKind::Create
                ))
    }

    /// The status `action` leads to, if the caller may take it now.
    ///
    /// Someone outside the two organisations → NOT_FOUND (observers must not learn they could
    /// act); the wrong side, or the right side without the role → FORBIDDEN; a status that does
    /// not allow it → CONFLICT.
    pub fn decide(&self, status: ReferralStatus, action: ReferralAction) -> Result<ReferralStatus> {
        let party = match self.relation {
            Relation::Sender => Party::Sender,
            Relation::Receiver => Party::Receiver,
            Relation::Chain | Relation::Territory => return Err(Error::NotFound),
        };
        if !action.allowed_party(party) || self.acts_as != Some(party) {
            return Err(Error::Forbidden);
        }
        transition(status, action, party)
    }

    /// Every action the caller may take now, in the order of [`ReferralAction::ALL`].
    pub fn actions(&self, status: ReferralStatus) -> Vec<ReferralAction> {
        ReferralAction::ALL
            .into_iter()
            .filter(|action| self.decide(status, *action).is_ok())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Role, UserId};

    struct World {
        tenant: TenantId,
        desk: OrganisationId,
        caf: OrganisationId,
        ccas: OrganisationId,
        other: OrganisationId,
    }

    impl World {
        fn new() -> Self {
            Self {
                tenant: TenantId::new(),
                desk: OrganisationId::new(),
                caf: OrganisationId::new(),
                ccas: OrganisationId::new(),
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

        /// The desk referred to the CAF, which redirected to the CCAS: the CAF → CCAS referral.
        fn redirected<'a>(
            &self,
            chain: &'a [OrganisationId],
            withdrawn: bool,
        ) -> ReferralFacts<'a> {
            ReferralFacts {
                tenant_id: self.tenant,
                from: self.desk,
                to: self.ccas,
                chain,
                consent_withdrawn: withdrawn,
            }
        }
    }

    fn access(actor: &Actor, facts: &ReferralFacts<'_>) -> Result<(Relation, bool, bool)> {
        ReferralAccess::of(actor, facts).map(|a| (a.relation, a.content, a.identity))
    }

    #[test]
    fn a_coordinator_never_sees_identities_whatever_their_organisation() {
        let w = World::new();
        let chain = [w.desk, w.caf];
        let facts = w.redirected(&chain, false);
        for org in [w.desk, w.ccas, w.caf, w.other] {
            let a = ReferralAccess::of(&w.actor(org, &[Role::Coordinator]), &facts).unwrap();
            assert!(!a.content && !a.identity, "{org}: {a:?}");
            assert_eq!(a.acts_as, None);
        }
    }

    #[test]
    fn each_role_of_each_side_reads_what_the_table_allows() {
        let w = World::new();
        let chain = [w.desk, w.caf];
        let facts = w.redirected(&chain, false);
        use Relation::*;
        assert_eq!(
            access(&w.actor(w.desk, &[Role::Agent]), &facts),
            Ok((Sender, true, true))
        );
        assert_eq!(
            access(&w.actor(w.desk, &[Role::OrgAdmin]), &facts),
            Ok((Sender, true, true))
        );
        assert_eq!(
            access(&w.actor(w.desk, &[Role::BackOffice]), &facts),
            Ok((Sender, false, false))
        );
        assert_eq!(
            access(&w.actor(w.ccas, &[Role::BackOffice]), &facts),
            Ok((Receiver, true, true))
        );
        assert_eq!(
            access(&w.actor(w.ccas, &[Role::OrgAdmin]), &facts),
            Ok((Receiver, true, true))
        );
        assert_eq!(
            access(&w.actor(w.ccas, &[Role::Agent]), &facts),
            Ok((Receiver, false, false))
        );
        assert_eq!(
            access(&w.actor(w.caf, &[Role::BackOffice]), &facts),
            Ok((Chain, false, false))
        );
        assert_eq!(
            access(&w.actor(w.other, &[Role::TenantAdmin]), &facts),
            Ok((Territory, false, false))
        );
        assert_eq!(
            access(
                &w.actor(w.other, &[Role::Agent, Role::BackOffice, Role::OrgAdmin]),
                &facts
            ),
            Err(Error::NotFound)
        );
        let mut foreign = w.actor(w.desk, &[Role::Agent]);
        foreign.tenant_id = TenantId::new();
        assert_eq!(access(&foreign, &facts), Err(Error::NotFound));
    }

    #[test]
    fn withdrawal_hides_the_person_from_the_receiver_only() {
        let w = World::new();
        let facts = w.redirected(&[], true);
        assert_eq!(
            access(&w.actor(w.ccas, &[Role::BackOffice]), &facts),
            Ok((Relation::Receiver, true, false))
        );
        assert_eq!(
            access(&w.actor(w.desk, &[Role::Agent]), &facts),
            Ok((Relation::Sender, true, true))
        );
    }

    #[test]
    fn chain_parties_read_redirect_comments_and_observers_none() {
        let w = World::new();
        let chain = [w.desk, w.caf];
        let facts = w.redirected(&chain, false);
        let caf = ReferralAccess::of(&w.actor(w.caf, &[Role::BackOffice]), &facts).unwrap();
        let coordinator =
            ReferralAccess::of(&w.actor(w.other, &[Role::Coordinator]), &facts).unwrap();
        assert!(caf.sees_comment(ReferralEventKind::Redirect));
        assert!(caf.sees_comment(ReferralEventKind::Create));
        assert!(!caf.sees_comment(ReferralEventKind::Comment));
        assert!(!caf.sees_comment(ReferralEventKind::RequestInfo));
        for kind in ReferralEventKind::ALL {
            assert!(!coordinator.sees_comment(kind), "{kind}");
        }
    }

    #[test]
    fn acting_needs_the_side_and_its_role() {
        let w = World::new();
        let facts = w.redirected(&[], false);
        let status = ReferralStatus::Sent;
        let agent = ReferralAccess::of(&w.actor(w.desk, &[Role::Agent]), &facts).unwrap();
        let admin = ReferralAccess::of(&w.actor(w.desk, &[Role::OrgAdmin]), &facts).unwrap();
        let expert = ReferralAccess::of(&w.actor(w.ccas, &[Role::BackOffice]), &facts).unwrap();
        let observer = ReferralAccess::of(&w.actor(w.other, &[Role::TenantAdmin]), &facts).unwrap();
        assert_eq!(
            agent.actions(status),
            [ReferralAction::Cancel, ReferralAction::Comment]
        );
        assert_eq!(admin.actions(status), []);
        assert_eq!(
            admin.decide(status, ReferralAction::Cancel),
            Err(Error::Forbidden)
        );
        assert_eq!(
            agent.decide(status, ReferralAction::Accept),
            Err(Error::Forbidden)
        );
        assert_eq!(
            expert.decide(status, ReferralAction::Accept),
            Ok(ReferralStatus::Accepted)
        );
        assert!(matches!(
            expert.decide(ReferralStatus::Completed, ReferralAction::Accept),
            Err(Error::Conflict(_))
        ));
        assert_eq!(
            observer.decide(status, ReferralAction::Comment),
            Err(Error::NotFound)
        );
        assert_eq!(observer.actions(status), []);
    }
}
