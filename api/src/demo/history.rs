//! A year of the Arras territory's history, so that a coordinator signing in to the demo sees
//! real figures and charts at once: a few thousand referrals from the France Services desk and
//! the CCAS to every partner, each played to where it would stand today through the same
//! services as the API (`referrals::service::create` and `change`), with the context's `now` set
//! to the moment of each step. Partners behave differently — some answer fast, one is slow, one
//! declines most of what it gets — so the dashboard has alerts to show. Deterministic: the same
//! seed gives the same history relative to today.

use std::collections::HashMap;

use domain::{
    Actor, ConsentId, DeclineReason, OrganisationId, Outcome, PersonId, ReferralId, ServiceId,
    Urgency,
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use sea_orm::DatabaseConnection;
use time::{Duration, OffsetDateTime, Time};

use crate::{
    AppState,
    consents::service::{self as consents, ConsentForm},
    directory::store as directory,
    error::{ApiError, ApiResult},
    escalations::service::{self as escalations, Change as EscalationChange, NewEscalation},
    people::service::{self as people, PersonForm},
    referrals::service::{self as referrals, Change, NewReferral},
    service::Ctx,
};

/// How a partner works its inbox.
struct Profile {
    /// Share of referrals it ever answers.
    answers: f64,
    /// Working days to the first answer (inclusive range).
    answer_days: (u32, u32),
    /// Share of first answers that ask for information.
    asks: f64,
    /// Of decisions: share accepted, then declined (the rest is redirected).
    accepts: f64,
    declines: f64,
    /// Working days from the first answer to the decision.
    decide_days: (u32, u32),
    /// Working days from acceptance to completion.
    complete_days: (u32, u32),
    /// Of completions, share with a right opened.
    right_opened: f64,
}

const DEFAULT: Profile = Profile {
    answers: 0.95,
    answer_days: (0, 6),
    asks: 0.12,
    accepts: 0.72,
    declines: 0.2,
    decide_days: (1, 5),
    complete_days: (3, 20),
    right_opened: 0.45,
};

/// The partners' habits, by organisation name (see `ARRAS`).
fn profile(organisation: &str) -> Profile {
    match organisation {
        "CAF du Pas-de-Calais" => Profile {
            answer_days: (0, 5),
            right_opened: 0.65,
            ..DEFAULT
        },
        "CPAM de l'Artois" => Profile {
            answer_days: (1, 7),
            right_opened: 0.6,
            ..DEFAULT
        },
        // Slow: many answers come after the due date (flagged for late answers).
        "MSA Nord-Pas de Calais" => Profile {
            answers: 0.85,
            answer_days: (4, 22),
            decide_days: (2, 10),
            ..DEFAULT
        },
        "France Travail Arras" => Profile {
            answers: 0.9,
            answer_days: (1, 12),
            asks: 0.2,
            right_opened: 0.3,
            ..DEFAULT
        },
        // Declines most of what it receives (flagged for low acceptance).
        "Pas-de-Calais Habitat" => Profile {
            accepts: 0.18,
            declines: 0.67,
            ..DEFAULT
        },
        "CCAS d'Arras" | "Secours populaire — fédération du Pas-de-Calais" => Profile {
            answer_days: (0, 2),
            asks: 0.05,
            complete_days: (0, 5),
            right_opened: 0.2,
            ..DEFAULT
        },
        _ => DEFAULT,
    }
}

const FIRST_NAMES: &[&str] = &[
    "Amina", "Jules", "Chloé", "Mehdi", "Léa", "Karim", "Sarah", "Thomas", "Fatou", "Lucas",
    "Inès", "Hugo", "Manon", "Rachid", "Camille", "Nathalie", "Youssef", "Emma", "Bruno", "Aïcha",
    "Kevin", "Sylvie", "Moussa", "Julie", "Pascal", "Nadia", "Dylan", "Martine",
];
const LAST_NAMES: &[&str] = &[
    "Lefebvre",
    "Benali",
    "Dubois",
    "Diallo",
    "Lemaire",
    "Moreau",
    "Haddad",
    "Leroy",
    "Petit",
    "Traoré",
    "Caron",
    "Roussel",
    "Mercier",
    "Bouzid",
    "Delattre",
    "Fontaine",
    "Ndiaye",
    "Vasseur",
    "Carpentier",
    "Lambert",
    "Messaoudi",
    "Dupont",
    "Hamel",
    "Boulanger",
];
const MOTIVES: &[&str] = &[
    "Ouverture de droits après un changement de situation.",
    "Demande d'accompagnement pour constituer le dossier.",
    "Ressources en baisse depuis plusieurs mois.",
    "Rupture de droits constatée à l'accueil.",
    "Besoin d'un rendez-vous avec un conseiller.",
];

/// The receiving side of a partner: its name and someone who works its inbox.
struct Receiver {
    name: String,
    actor: Actor,
}

/// A sending desk, its agent, and the people it holds with their consents.
struct Sender {
    actor: Actor,
    people: Vec<(PersonId, ConsentId)>,
}

struct World<'a> {
    app: &'a AppState,
    db: &'a DatabaseConnection,
    now: OffsetDateTime,
    rng: StdRng,
    receivers: HashMap<OrganisationId, Receiver>,
    services: Vec<(ServiceId, OrganisationId)>,
    /// A category of each organisation's services, for the questions its back office gets.
    categories: HashMap<OrganisationId, String>,
}

fn missing(what: &str) -> ApiError {
    ApiError::internal(anyhow::anyhow!("demo history: {what} missing"))
}

impl World<'_> {
    fn ctx<'b>(&'b self, actor: &'b Actor, now: OffsetDateTime) -> Ctx<'b> {
        Ctx {
            actor,
            db: self.db,
            now,
            hooks: &self.app.hooks,
        }
    }

    /// `days` working days after `at` (drawn in `range`), during office hours; the same day a
    /// little later for 0.
    fn later(&mut self, at: OffsetDateTime, range: (u32, u32)) -> OffsetDateTime {
        let days = self.rng.random_range(range.0..=range.1);
        if days == 0 {
            return at + Duration::minutes(self.rng.random_range(20..240));
        }
        let date = domain::add_working_days(at.date(), days);
        let time = Time::from_hms(
            self.rng.random_range(7..16),
            self.rng.random_range(0..60),
            0,
        )
        .unwrap_or(Time::MIDNIGHT);
        date.with_time(time).assume_utc()
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p.clamp(0.0, 1.0))
    }

    async fn change(
        &self,
        actor: &Actor,
        at: OffsetDateTime,
        id: ReferralId,
        change: Change,
    ) -> ApiResult<crate::referrals::view::ReferralView> {
        referrals::change(&self.ctx(actor, at), id, None, change).await
    }

    /// A question from the desk to `to`'s back office about a referral, answered (or not) as
    /// that partner answers referrals, sometimes closed by the desk afterwards.
    async fn ask_back_office(
        &mut self,
        sender: &Actor,
        referral: ReferralId,
        to: OrganisationId,
        at: OffsetDateTime,
    ) -> ApiResult<()> {
        let Some(category) = self.categories.get(&to).cloned() else {
            return Ok(());
        };
        let receiver = self.receivers.get(&to).ok_or_else(|| missing("receiver"))?;
        let (expert, p) = (receiver.actor.clone(), profile(&receiver.name));
        let asked = escalations::create(
            &self.ctx(sender, at),
            NewEscalation {
                organisation: to,
                subject: "Dossier en attente".into(),
                body: "La personne attend une réponse : quelles pièces manquent ?".into(),
                category,
                referral: Some(referral),
                person: None,
                urgency: domain::Urgency::Standard,
            },
        )
        .await?;
        if !self.chance(p.answers) {
            return Ok(());
        }
        let answered = self.later(at, p.answer_days);
        if answered > self.now {
            return Ok(());
        }
        let body = "Il manque le dernier avis d'imposition.".into();
        escalations::change(
            &self.ctx(&expert, answered),
            asked.id,
            EscalationChange::Answer { body },
        )
        .await?;
        let closed = self.later(answered, (0, 3));
        if closed <= self.now && self.chance(0.7) {
            escalations::change(&self.ctx(sender, closed), asked.id, EscalationChange::Close)
                .await?;
        }
        Ok(())
    }

    /// Plays one referral from `sent` to where it stands today, and the referrals it is
    /// redirected to.
    async fn live(
        &mut self,
        sender: &Actor,
        id: ReferralId,
        to: OrganisationId,
        sent: OffsetDateTime,
        depth: u32,
    ) -> ApiResult<()> {
        let receiver = self.receivers.get(&to).ok_or_else(|| missing("receiver"))?;
        let actor = receiver.actor.clone();
        let p = profile(&receiver.name);
        let now = self.now;
        // The desk sometimes cancels before any answer (the person found help elsewhere).
        if self.chance(0.04) {
            let at = self.later(sent, (1, 3));
            if at <= now {
                let reason = "La personne a trouvé une solution entre-temps.".to_owned();
                self.change(sender, at, id, Change::Cancel { reason })
                    .await?;
            }
            return Ok(());
        }
        if !self.chance(p.answers) {
            return Ok(());
        }
        let mut at = self.later(sent, p.answer_days);
        if at > now {
            return Ok(());
        }
        let direct = self.chance(0.2);
        if self.chance(p.asks) {
            let question = "Merci de transmettre le dernier avis d'imposition.".to_owned();
            self.change(&actor, at, id, Change::RequestInfo { question })
                .await?;
            if !self.chance(0.85) {
                return Ok(());
            }
            at = self.later(at, (1, 6));
            if at > now {
                return Ok(());
            }
            let answer = "Pièce transmise par la personne.".to_owned();
            self.change(sender, at, id, Change::ProvideInfo { answer })
                .await?;
        } else if !direct {
            self.change(&actor, at, id, Change::Acknowledge).await?;
        }
        if !direct {
            at = self.later(at, p.decide_days);
            if at > now {
                return Ok(());
            }
        }
        let draw: f64 = self.rng.random();
        if draw < p.accepts {
            self.change(&actor, at, id, Change::Accept).await?;
            at = self.later(at, p.complete_days);
            if at > now || self.chance(0.05) {
                return Ok(());
            }
            let outcome = if self.chance(p.right_opened) {
                Outcome::RightOpened
            } else {
                let others = [
                    Outcome::ServiceDelivered,
                    Outcome::ServiceDelivered,
                    Outcome::NotEligible,
                    Outcome::PersonUnreachable,
                    Outcome::PersonDeclined,
                    Outcome::Other,
                ];
                others[self.rng.random_range(0..others.len())]
            };
            self.change(
                &actor,
                at,
                id,
                Change::Complete {
                    outcome,
                    comment: None,
                },
            )
            .await?;
        } else if draw < p.accepts + p.declines || depth >= 2 {
            let reasons = [
                DeclineReason::NotEligible,
                DeclineReason::NotEligible,
                DeclineReason::NotOurService,
                DeclineReason::IncompleteFile,
                DeclineReason::NoCapacity,
                DeclineReason::PersonUnreachable,
                DeclineReason::Duplicate,
                DeclineReason::Other,
            ];
            let reason = reasons[self.rng.random_range(0..reasons.len())];
            self.change(
                &actor,
                at,
                id,
                Change::Decline {
                    reason,
                    comment: None,
                },
            )
            .await?;
        } else {
            // To another partner's service: neither this one nor the sender.
            let choices: Vec<(ServiceId, OrganisationId)> = self
                .services
                .iter()
                .copied()
                .filter(|(_, org)| *org != to && *org != sender.organisation_id)
                .collect();
            let (service, target) = choices[self.rng.random_range(0..choices.len())];
            let view = self
                .change(
                    &actor,
                    at,
                    id,
                    Change::Redirect {
                        service,
                        comment: None,
                    },
                )
                .await?;
            let child = referrals::children(&self.ctx(&actor, at), &view)
                .await?
                .pop()
                .ok_or_else(|| missing("redirected referral"))?;
            Box::pin(self.live(sender, child.id, target, at, depth + 1)).await?;
        }
        Ok(())
    }
}

/// Seeds `count` referrals over the year before now (after the accounts exist), writing through
/// `db`.
pub async fn play(app: &AppState, db: &DatabaseConnection, count: u32) -> ApiResult<()> {
    if count == 0 {
        return Ok(());
    }
    let now = app.clock.now();
    let start = now - Duration::days(365);
    let senders_emails = ["agent@franceservices-arras.demo", "agent@ccas-arras.demo"];
    let mut rng = StdRng::seed_from_u64(14);

    let first = super::story::actor(app, senders_emails[0]).await?;
    let tenant = first.tenant_id;
    let organisations = directory::all_organisations(&app.db, tenant).await?;
    let all_services = directory::all_services(&app.db, tenant).await?;
    let categories: HashMap<OrganisationId, String> = all_services
        .iter()
        .map(|s| {
            (
                OrganisationId::from_uuid(s.organisation_id),
                s.category.clone(),
            )
        })
        .collect();
    let services: Vec<(ServiceId, OrganisationId)> = all_services
        .into_iter()
        .map(|s| {
            (
                ServiceId::from_uuid(s.id),
                OrganisationId::from_uuid(s.organisation_id),
            )
        })
        .collect();
    let mut receivers = HashMap::new();
    for (email, org) in super::BACK_OFFICES {
        let actor = super::story::actor(app, email).await?;
        let name = organisations
            .iter()
            .find(|o| o.name == *org)
            .map(|o| o.name.clone())
            .ok_or_else(|| missing(org))?;
        receivers.insert(actor.organisation_id, Receiver { name, actor });
    }
    let recipients: Vec<OrganisationId> = receivers.keys().copied().collect();

    // The people each desk holds, and their consents, from the start of the year.
    let people_count = (count / 6).clamp(10, 600) as usize;
    let mut senders = Vec::new();
    for (n, email) in senders_emails.iter().enumerate() {
        let actor = super::story::actor(app, email).await?;
        let ctx = Ctx {
            actor: &actor,
            db,
            now: start,
            hooks: &app.hooks,
        };
        let mut held = Vec::new();
        let share = if n == 0 {
            people_count * 2 / 3
        } else {
            people_count / 3
        };
        for _ in 0..share.max(5) {
            let first_name = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
            let last_name = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
            let birth = format!(
                "{}-{:02}-{:02}",
                rng.random_range(1950..2006),
                rng.random_range(1..13),
                rng.random_range(1..29)
            );
            let person = people::create(
                &ctx,
                PersonForm {
                    first_name: first_name.into(),
                    last_name: last_name.into(),
                    birth_date: birth,
                    ..PersonForm::default()
                },
            )
            .await?;
            let person = PersonId::from_uuid(person.id);
            let consent = consents::record(
                &ctx,
                ConsentForm {
                    person,
                    recipients: recipients
                        .iter()
                        .copied()
                        .filter(|o| *o != actor.organisation_id)
                        .collect(),
                    purposes: vec!["Ouverture de droits".into()],
                    data_categories: vec!["Identité".into(), "Situation familiale".into()],
                    method: domain::ConsentMethod::Oral,
                    expires_at: None,
                    evidence: Some("Recueilli à l'accueil".into()),
                    text_version: Some("v1".into()),
                },
            )
            .await?;
            held.push((person, ConsentId::from_uuid(consent.id)));
        }
        senders.push(Sender {
            actor,
            people: held,
        });
    }

    let mut world = World {
        app,
        db,
        now,
        rng,
        receivers,
        services,
        categories,
    };
    for i in 0..count {
        // Two referrals in three from France Services; a little more activity lately.
        let sender = &senders[usize::from(world.rng.random_range(0..3) == 0)];
        let ramp: f64 = world.rng.random::<f64>().powf(0.8);
        let mut day = (start + Duration::days((ramp * 364.0) as i64)).date();
        while !domain::is_working_day(day) {
            day = day.next_day().ok_or_else(|| missing("a day"))?;
        }
        let time = Time::from_hms(
            world.rng.random_range(7..16),
            world.rng.random_range(0..60),
            0,
        )
        .unwrap_or(Time::MIDNIGHT);
        let sent = day.with_time(time).assume_utc();
        if sent > now {
            continue;
        }
        let own = sender.actor.organisation_id;
        let targets: Vec<(ServiceId, OrganisationId)> = world
            .services
            .iter()
            .copied()
            .filter(|(_, org)| *org != own)
            .collect();
        let (service, to) = targets[world.rng.random_range(0..targets.len())];
        let (person, consent) = sender.people[world.rng.random_range(0..sender.people.len())];
        let urgency = if world.rng.random_bool(0.15) {
            Urgency::Urgent
        } else {
            Urgency::Standard
        };
        let created = referrals::create(
            &world.ctx(&sender.actor, sent),
            NewReferral {
                person,
                consent,
                service,
                motive: MOTIVES[i as usize % MOTIVES.len()].to_owned(),
                urgency,
            },
        )
        .await?;
        let actor = sender.actor.clone();
        // One referral in twelve makes the desk ask the partner's back office a day later.
        if world.chance(1.0 / 12.0) {
            let asked = world.later(sent, (1, 1));
            if asked <= now {
                world.ask_back_office(&actor, created.id, to, asked).await?;
            }
        }
        world.live(&actor, created.id, to, sent, 0).await?;
    }
    Ok(())
}
