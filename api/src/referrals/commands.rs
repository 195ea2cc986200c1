//! Creating referrals and moving them through their lifecycle. Each change is decided by the
//! pure state machine (`domain::transition`), written with optimistic concurrency, and appended
//! to the timeline in the same transaction — with the notifications it causes.

use domain::{
    Action, Actor, ConsentId, DeclineReason, Outcome, Party, PersonId, ReferralAction,
    ReferralStatus, ServiceId, Target, Text, Urgency,
};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, QuerySelect};
use time::OffsetDateTime;

use crate::{
    AppState, consents, db,
    directory::{self, commands::parse_id},
    entities::{consent, referral, referral_event, service},
    error::{ApiError, ApiResult},
    people,
    referrals::{
        notify, store,
        visibility::{View, view_of},
    },
};

pub struct ReferralForm {
    pub person_id: String,
    pub consent_id: String,
    pub service_id: String,
    pub motive: String,
    pub urgency: Urgency,
}

fn conflict(message: &str) -> ApiError {
    ApiError::Domain(domain::Error::Conflict(message.to_owned()))
}

fn not_found() -> ApiError {
    ApiError::Domain(domain::Error::NotFound)
}

/// A referred-to resource that does not exist in the caller's territory is the caller's bad
/// input, named by its field.
fn unknown(field: &str, what: &str) -> impl FnOnce(ApiError) -> ApiError {
    move |err| match err {
        ApiError::Domain(domain::Error::NotFound) => ApiError::invalid(field, what),
        other => other,
    }
}

/// The service's response time for this urgency, from now, in working days.
fn due_for(service: &service::Model, urgency: Urgency, now: OffsetDateTime) -> OffsetDateTime {
    let days = match urgency {
        Urgency::Standard => service.response_days,
        Urgency::Urgent => service.urgent_response_days,
    };
    domain::due_at(now, days.max(0) as u32)
}

/// The consent must be the person's, active now, and name the receiving organisation.
async fn check_consent(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    consent: &consent::Model,
    person: uuid::Uuid,
    receiver: uuid::Uuid,
    now: OffsetDateTime,
) -> ApiResult<()> {
    if consent.person_id != person {
        return Err(ApiError::invalid(
            "consentId",
            "ce consentement n'est pas celui de cette personne",
        ));
    }
    let status = domain::consent_status(consent.withdrawn_at, consent.expires_at, now);
    let recipients = consents::store::recipients(conn, actor, consent.id).await?;
    domain::check_consent_for_referral(
        status,
        &recipients,
        domain::OrganisationId::from_uuid(receiver),
    )?;
    Ok(())
}

/// Reads the consent again inside the writing transaction, locked against a concurrent
/// withdrawal on PostgreSQL (SQLite already holds its single write lock): a referral can never
/// be committed under a consent withdrawn meanwhile.
async fn consent_locked(
    txn: &DatabaseTransaction,
    actor: &Actor,
    id: uuid::Uuid,
) -> ApiResult<consent::Model> {
    let mut query = consent::Entity::find_by_id((actor.tenant_id.as_uuid(), id));
    if txn.get_database_backend() == DbBackend::Postgres {
        query = query.lock_shared();
    }
    query.one(txn).await?.ok_or_else(not_found)
}

pub async fn create_referral(
    app: &AppState,
    actor: &Actor,
    form: ReferralForm,
) -> ApiResult<referral::Model> {
    let now = app.clock.now();
    let person_id: PersonId = parse_id("personId", &form.person_id)?;
    let consent_id: ConsentId = parse_id("consentId", &form.consent_id)?;
    let service_id: ServiceId = parse_id("serviceId", &form.service_id)?;
    // Another organisation's person is NOT_FOUND whatever the caller's roles; referring one's
    // own needs the AGENT role.
    let person = people::store::person_of_actor(&app.db, actor, person_id).await?;
    domain::authorize(
        actor,
        Action::CreateReferral,
        &Target::organisation(actor.tenant_id, actor.organisation_id),
    )?;
    let service = directory::store::service_get(&app.db, actor, service_id)
        .await
        .map_err(unknown("serviceId", "service introuvable"))?;
    if service.organisation_id == actor.organisation_id.as_uuid() {
        return Err(ApiError::invalid(
            "serviceId",
            "ce service est celui de votre propre organisation",
        ));
    }
    let consent = consents::store::consent_get(&app.db, actor, consent_id)
        .await
        .map_err(unknown("consentId", "aucun consentement enregistré"))?;
    check_consent(
        &app.db,
        actor,
        &consent,
        person.id,
        service.organisation_id,
        now,
    )
    .await?;
    let motive = Text::parse("motive", &form.motive, 4000)?;

    let model = new_referral(
        actor,
        &person.id,
        &consent.id,
        &service,
        motive.into_string(),
        form.urgency,
        None,
        now,
    );
    let txn = db::begin_write(&app.db).await?;
    let consent = consent_locked(&txn, actor, consent.id).await?;
    check_consent(
        &txn,
        actor,
        &consent,
        person.id,
        service.organisation_id,
        now,
    )
    .await?;
    store::insert(&txn, &model).await?;
    store::event_insert(&txn, event(actor, &model, "CREATE", None, None, now)).await?;
    notify::created(app, &txn, &model, &service).await?;
    txn.commit().await?;
    app.mail_wake.notify_one();
    Ok(model)
}

#[expect(
    clippy::too_many_arguments,
    reason = "every field of a new referral is distinct"
)]
fn new_referral(
    actor: &Actor,
    person: &uuid::Uuid,
    consent: &uuid::Uuid,
    service: &service::Model,
    motive: String,
    urgency: Urgency,
    parent: Option<&referral::Model>,
    now: OffsetDateTime,
) -> referral::Model {
    referral::Model {
        tenant_id: actor.tenant_id.as_uuid(),
        id: domain::ReferralId::new().as_uuid(),
        person_id: *person,
        consent_id: *consent,
        // A redirected referral stays the original sender's: they follow the person to the end.
        from_organisation_id: parent
            .map_or(actor.organisation_id.as_uuid(), |p| p.from_organisation_id),
        to_organisation_id: service.organisation_id,
        service_id: service.id,
        // The agent who first sent it keeps following it (and hearing about it) after a redirect.
        created_by: parent.map_or(
            actor.user_id.map(|u| u.as_uuid()).unwrap_or_default(),
            |p| p.created_by,
        ),
        motive,
        urgency: urgency.as_str().to_owned(),
        status: ReferralStatus::Sent.as_str().to_owned(),
        version: 1,
        due_at: due_for(service, urgency, now),
        paused_at: None,
        assignee_id: None,
        parent_id: parent.map(|p| p.id),
        outcome: None,
        decline_reason: None,
        created_at: now,
        updated_at: now,
        closed_at: None,
        reminded_at: None,
        overdue_notified_at: None,
        escalated_at: None,
    }
}

fn event(
    actor: &Actor,
    referral: &referral::Model,
    kind: &str,
    comment: Option<String>,
    from: Option<ReferralStatus>,
    now: OffsetDateTime,
) -> referral_event::Model {
    referral_event::Model {
        tenant_id: referral.tenant_id,
        id: uuid::Uuid::now_v7(),
        referral_id: referral.id,
        at: now,
        kind: kind.to_owned(),
        actor_id: actor.user_id.map(|u| u.as_uuid()),
        actor_organisation_id: Some(actor.organisation_id.as_uuid()),
        comment,
        from_status: from.map(|s| s.as_str().to_owned()),
        to_status: Some(referral.status.clone()),
    }
}

/// A requested change, with what it carries.
pub enum Change {
    Acknowledge,
    RequestInfo {
        question: String,
    },
    ProvideInfo {
        answer: String,
    },
    Accept,
    Decline {
        reason: DeclineReason,
        comment: Option<String>,
    },
    Redirect {
        service_id: String,
        comment: Option<String>,
    },
    Complete {
        outcome: Outcome,
        comment: Option<String>,
    },
    Cancel {
        reason: String,
    },
    Assign {
        user_id: Option<String>,
    },
    Comment {
        body: String,
    },
}

impl Change {
    fn action(&self) -> ReferralAction {
        match self {
            Change::Acknowledge => ReferralAction::Acknowledge,
            Change::RequestInfo { .. } => ReferralAction::RequestInfo,
            Change::ProvideInfo { .. } => ReferralAction::ProvideInfo,
            Change::Accept => ReferralAction::Accept,
            Change::Decline { .. } => ReferralAction::Decline,
            Change::Redirect { .. } => ReferralAction::Redirect,
            Change::Complete { .. } => ReferralAction::Complete,
            Change::Cancel { .. } => ReferralAction::Cancel,
            Change::Assign { .. } => ReferralAction::Assign,
            Change::Comment { .. } => ReferralAction::Comment,
        }
    }
}

fn optional_comment(raw: Option<String>) -> ApiResult<Option<String>> {
    Ok(domain::OptionalText::parse("comment", raw.as_deref(), 4000)?.into_option())
}

/// The side of the referral the actor is on, with the role that side needs: anything else
/// is NOT_FOUND (observers must not learn they could act) or FORBIDDEN (wrong role).
fn party_of(actor: &Actor, current: &referral::Model) -> ApiResult<Party> {
    let party = view_of(actor, current, None).map_or(Party::Other, View::party);
    let (action, org) = match party {
        Party::Sender => (Action::CreateReferral, current.from_organisation_id),
        Party::Receiver => (Action::WorkReferral, current.to_organisation_id),
        Party::Other => return Err(not_found()),
    };
    domain::authorize(
        actor,
        action,
        &Target::organisation(actor.tenant_id, domain::OrganisationId::from_uuid(org)),
    )?;
    Ok(party)
}

pub async fn transition(
    app: &AppState,
    actor: &Actor,
    id: &str,
    expected_version: Option<i32>,
    change: Change,
) -> ApiResult<referral::Model> {
    let id: uuid::Uuid = id.trim().parse().map_err(|_| not_found())?;
    let current = store::referral_get(&app.db, actor.tenant_id, id)
        .await?
        .ok_or_else(not_found)?;
    let party = party_of(actor, &current)?;
    let from = ReferralStatus::parse(&current.status)?;
    let action = change.action();
    let to = domain::transition(from, action, party)?;
    if expected_version.is_some_and(|v| v != current.version) {
        return Err(conflict(
            "L'orientation a changé entre-temps : rechargez-la avant d'agir.",
        ));
    }
    let now = app.clock.now();
    let mut next = current.clone();
    next.status = to.as_str().to_owned();
    next.updated_at = now;
    if to.is_final() {
        next.closed_at = Some(now);
    }
    let mut comment = None;
    let mut redirect_to = None;
    match change {
        Change::Acknowledge | Change::Accept => {}
        Change::RequestInfo { question } => {
            comment = Some(Text::parse("question", &question, 4000)?.into_string());
            next.paused_at = Some(now);
        }
        Change::ProvideInfo { answer } => {
            comment = Some(Text::parse("answer", &answer, 4000)?.into_string());
            if let Some(paused) = current.paused_at {
                let resumed =
                    domain::resumed_due_date(current.due_at.date(), paused.date(), now.date());
                next.due_at = current.due_at.replace_date(resumed);
            }
            next.paused_at = None;
        }
        Change::Decline { reason, comment: c } => {
            next.decline_reason = Some(reason.as_str().to_owned());
            comment = optional_comment(c)?;
        }
        Change::Complete {
            outcome,
            comment: c,
        } => {
            next.outcome = Some(outcome.as_str().to_owned());
            comment = optional_comment(c)?;
        }
        Change::Cancel { reason } => {
            comment = Some(Text::parse("reason", &reason, 4000)?.into_string())
        }
        Change::Comment { body } => comment = Some(Text::parse("body", &body, 4000)?.into_string()),
        Change::Assign { user_id } => {
            next.assignee_id = assignee(app, actor, &current, user_id.as_deref()).await?
        }
        Change::Redirect {
            service_id,
            comment: c,
        } => {
            comment = optional_comment(c)?;
            redirect_to = Some(redirect_target(app, actor, &current, &service_id, now).await?);
        }
    }
    let txn = db::begin_write(&app.db).await?;
    // A comment changes nothing but the timeline: it bumps no version and conflicts with no one.
    if action != ReferralAction::Comment {
        next.version = current.version + 1;
        if !store::update_if_version(&txn, &next, current.version).await? {
            return Err(conflict(
                "L'orientation a changé entre-temps : rechargez-la avant d'agir.",
            ));
        }
    }
    store::event_insert(
        &txn,
        event(
            actor,
            &next,
            action.as_str(),
            comment.clone(),
            Some(from),
            now,
        ),
    )
    .await?;
    if let Some(service) = redirect_to {
        let urgency = Urgency::parse(&current.urgency)?;
        let child = new_referral(
            actor,
            &current.person_id,
            &current.consent_id,
            &service,
            current.motive.clone(),
            urgency,
            Some(&current),
            now,
        );
        store::insert(&txn, &child).await?;
        store::event_insert(&txn, event(actor, &child, "CREATE", comment, None, now)).await?;
        notify::created(app, &txn, &child, &service).await?;
    }
    notify::changed(app, &txn, &next, from, party, action).await?;
    txn.commit().await?;
    app.mail_wake.notify_one();
    Ok(next)
}

/// The assignee must be a back-office user (or org admin) of the receiving organisation;
/// `None` unassigns.
async fn assignee(
    app: &AppState,
    actor: &Actor,
    current: &referral::Model,
    user_id: Option<&str>,
) -> ApiResult<Option<uuid::Uuid>> {
    let Some(raw) = user_id.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let id: domain::UserId = parse_id("userId", raw)?;
    let user = crate::auth::store::user_by_id(&app.db, actor.tenant_id, id)
        .await?
        .filter(|u| u.organisation_id == current.to_organisation_id && u.active)
        .ok_or_else(|| {
            ApiError::invalid(
                "userId",
                "utilisateur inconnu dans l'organisation destinataire",
            )
        })?;
    let roles = domain::Roles::parse_csv(&user.roles)?;
    if !roles.contains_any(&[domain::Role::BackOffice, domain::Role::OrgAdmin]) {
        return Err(ApiError::invalid(
            "userId",
            "cet utilisateur ne traite pas les orientations",
        ));
    }
    Ok(Some(user.id))
}

/// The service a referral is redirected to: another organisation's, and named by the consent.
async fn redirect_target(
    app: &AppState,
    actor: &Actor,
    current: &referral::Model,
    service_id: &str,
    now: OffsetDateTime,
) -> ApiResult<service::Model> {
    let id: ServiceId = parse_id("serviceId", service_id)?;
    let service = directory::store::service_get(&app.db, actor, id)
        .await
        .map_err(unknown("serviceId", "service introuvable"))?;
    if service.organisation_id == current.to_organisation_id {
        return Err(ApiError::invalid(
            "serviceId",
            "choisissez le service d'une autre organisation",
        ));
    }
    let consent =
        consents::store::consent_get(&app.db, actor, ConsentId::from_uuid(current.consent_id))
            .await?;
    check_consent(
        &app.db,
        actor,
        &consent,
        current.person_id,
        service.organisation_id,
        now,
    )
    .await
    .map_err(|err| match err {
        ApiError::Domain(domain::Error::Invalid { message, .. }) => {
            ApiError::invalid("serviceId", &message)
        }
        other => other,
    })?;
    Ok(service)
}

/// Inside the withdrawal's transaction: every open referral under the consent is cancelled,
/// its timeline says why, and both sides are told.
pub async fn cancel_under_withdrawn_consent(
    app: &AppState,
    txn: &DatabaseTransaction,
    actor: &Actor,
    consent: uuid::Uuid,
    now: OffsetDateTime,
) -> ApiResult<()> {
    for current in store::open_under_consent(txn, actor.tenant_id, consent).await? {
        let from = ReferralStatus::parse(&current.status)?;
        let mut next = current.clone();
        next.status = ReferralStatus::Cancelled.as_str().to_owned();
        next.version = current.version + 1;
        next.updated_at = now;
        next.closed_at = Some(now);
        if !store::update_if_version(txn, &next, current.version).await? {
            return Err(conflict(
                "Une orientation a changé pendant le retrait : réessayez.",
            ));
        }
        let reason = "Consentement retiré par la personne.".to_owned();
        store::event_insert(
            txn,
            event(
                actor,
                &next,
                "CONSENT_WITHDRAWN",
                Some(reason),
                Some(from),
                now,
            ),
        )
        .await?;
        notify::changed(app, txn, &next, from, Party::Sender, ReferralAction::Cancel).await?;
    }
    Ok(())
}
