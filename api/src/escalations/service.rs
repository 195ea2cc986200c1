//! The escalations application service: every read and write of an escalation, for every front
//! end.
//!
//! Reads resolve an escalation once for the caller — its access decided by
//! `domain::EscalationAccess` — and return an [`EscalationView`] that already knows what the
//! caller may see and do. Writes ask the same access (side, role, status, reopen window), write
//! with a version guard, and end in one `events::record` for the escalation's history (and one
//! for the referral's timeline when it is opened about a referral), in the same transaction.

use std::collections::HashMap;

use domain::{
    Action, EscalationAccess, EscalationAction, EscalationEventKind, EscalationFacts, EscalationId,
    EscalationState, EscalationStatus, Name, OrganisationId, Party, PersonId, ReferralEventKind,
    ReferralId, Target, TenantId, Text, Urgency, UserId,
    escalation::{AnswerDays, ReopenDays},
};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use time::OffsetDateTime;

use crate::{
    directory,
    entities::{escalation, organisation, person, tenant},
    error::{ApiError, ApiResult},
    escalations::{
        notify,
        store::{self, Counts, Filters, Order, Scope},
        view::{EscalationView, HistoryLine, Message},
    },
    events::{self, By, Happened, Tx, What},
    people, referrals,
    service::Ctx,
    store::{Coded, Page, PageRequest, not_found},
};

const SUBJECT_CHARS: usize = 200;
const BODY_CHARS: usize = 8000;

fn stale() -> ApiError {
    ApiError::Domain(domain::Error::Conflict(
        "La sollicitation a changé entre-temps : rechargez-la avant d'agir.".to_owned(),
    ))
}

// ------------------------------------------------------------------------------ settings

async fn tenant_row(db: &impl ConnectionTrait, tenant: TenantId) -> ApiResult<tenant::Model> {
    tenant::Entity::find_by_id(tenant.as_uuid())
        .one(db)
        .await?
        .ok_or_else(not_found)
}

fn reopen_days_of(t: &tenant::Model) -> ReopenDays {
    ReopenDays::parse("reopenDays", t.escalation_reopen_days).unwrap_or_default()
}

/// An organisation's answer deadlines (the defaults if the stored ones do not parse).
pub fn answer_days_of(o: &organisation::Model) -> AnswerDays {
    AnswerDays::parse(o.escalation_answer_days, o.escalation_urgent_answer_days).unwrap_or_default()
}

async fn answer_days(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    organisation: uuid::Uuid,
) -> ApiResult<AnswerDays> {
    Ok(
        directory::store::organisation_get(db, tenant, OrganisationId::from_uuid(organisation))
            .await
            .map(|o| answer_days_of(&o))
            .unwrap_or_default(),
    )
}

/// The territory's reopen window (anyone of the territory).
pub async fn reopen_days(ctx: &Ctx<'_>) -> ApiResult<ReopenDays> {
    ctx.authorize_tenant(Action::ManageDeadlineSettings)
        .or_else(|_| ctx.authorize_tenant(Action::ReadDeadlineSettings))?;
    Ok(reopen_days_of(
        &tenant_row(ctx.db, ctx.actor.tenant_id).await?,
    ))
}

/// Sets it (tenant admin): 0 to 90 calendar days after closing.
pub async fn set_reopen_days(ctx: &Ctx<'_>, days: i32) -> ApiResult<ReopenDays> {
    ctx.authorize_tenant(Action::ManageDeadlineSettings)?;
    let days = ReopenDays::parse("reopenDays", days)?;
    tenant::Entity::update(tenant::ActiveModel {
        id: Set(ctx.actor.tenant_id.as_uuid()),
        escalation_reopen_days: Set(days.get() as i32),
        ..Default::default()
    })
    .exec(ctx.db)
    .await?;
    reopen_days(ctx).await
}

/// Sets an organisation's answer deadlines (tenant admin, or org admin of it); escalations
/// opened from now on are due accordingly.
pub async fn set_answer_days(
    ctx: &Ctx<'_>,
    organisation: OrganisationId,
    standard: i32,
    urgent: i32,
) -> ApiResult<organisation::Model> {
    directory::store::organisation_get(ctx.db, ctx.actor.tenant_id, organisation).await?;
    ctx.authorize(
        Action::SetEscalationDeadlines,
        &Target::organisation(ctx.actor.tenant_id, organisation),
    )?;
    let days = AnswerDays::parse(standard, urgent)?;
    organisation::Entity::update(organisation::ActiveModel {
        tenant_id: Set(ctx.actor.tenant_id.as_uuid()),
        id: Set(organisation.as_uuid()),
        escalation_answer_days: Set(days.standard as i32),
        escalation_urgent_answer_days: Set(days.urgent as i32),
        ..Default::default()
    })
    .exec(ctx.db)
    .await?;
    directory::store::organisation_get(ctx.db, ctx.actor.tenant_id, organisation).await
}

// ---------------------------------------------------------------------------------- reads

/// Views of rows the caller reached; rows the caller may not see are left out (a list's scope
/// already excludes them; this is the second wall).
async fn views(ctx: &Ctx<'_>, rows: Vec<escalation::Model>) -> ApiResult<Vec<EscalationView>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let tenant = ctx.actor.tenant_id;
    let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.id).collect();
    let transfers = store::transfers_of(ctx.db, tenant, &ids).await?;
    let pairs: Vec<(uuid::Uuid, uuid::Uuid)> = rows
        .iter()
        .filter_map(|r| r.person_id.map(|p| (p, r.to_organisation_id)))
        .collect();
    let consented = store::consented(ctx.db, tenant, &pairs, ctx.now).await?;
    let reopen = reopen_days_of(&tenant_row(ctx.db, tenant).await?);
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let facts = EscalationFacts {
            tenant_id: tenant,
            from: OrganisationId::from_uuid(row.from_organisation_id),
            to: OrganisationId::from_uuid(row.to_organisation_id),
            transferred_by: transfers.get(&row.id).map_or(&[], Vec::as_slice),
            consent_names_receiver: row
                .person_id
                .is_some_and(|p| consented.contains(&(p, row.to_organisation_id))),
        };
        if let Ok(access) = EscalationAccess::of(ctx.actor, &facts) {
            out.push(EscalationView::new(row, access, reopen, ctx.now));
        }
    }
    Ok(out)
}

async fn view_of_row(ctx: &Ctx<'_>, row: escalation::Model) -> ApiResult<EscalationView> {
    views(ctx, vec![row]).await?.pop().ok_or_else(not_found)
}

/// An escalation the caller may see — its sending or receiving organisation, or one that
/// transferred it on; NOT_FOUND for anyone else.
pub async fn get(ctx: &Ctx<'_>, id: EscalationId) -> ApiResult<EscalationView> {
    let row = store::get(ctx.db, ctx.actor.tenant_id, id)
        .await?
        .ok_or_else(not_found)?;
    view_of_row(ctx, row).await
}

/// Its history, oldest first; what was written is shown only to those who may read it.
pub async fn history(ctx: &Ctx<'_>, view: &EscalationView) -> ApiResult<Vec<HistoryLine>> {
    Ok(store::history(ctx.db, view.tenant_id, view.id)
        .await?
        .into_iter()
        .map(|row| HistoryLine::new(row, &view.access))
        .collect())
}

/// The messages between the two sides, oldest first: empty for those who may not read them;
/// a former receiver reads those written until it handed the escalation on.
pub async fn messages(ctx: &Ctx<'_>, view: &EscalationView) -> ApiResult<Vec<Message>> {
    Ok(history(ctx, view)
        .await?
        .into_iter()
        .filter(|line| line.kind.is_message())
        .filter_map(|line| {
            Some(Message {
                at: line.at,
                kind: line.kind,
                author: line.actor,
                author_organisation: line.actor_organisation,
                body: line.body?,
            })
        })
        .collect())
}

/// The person a view may show (the view has their id only when the caller sees the identity).
pub async fn person(ctx: &Ctx<'_>, view: &EscalationView) -> ApiResult<Option<person::Model>> {
    let Some(id) = view.person else {
        return Ok(None);
    };
    Ok(
        person::Entity::find_by_id((ctx.actor.tenant_id.as_uuid(), id.as_uuid()))
            .one(ctx.db)
            .await?,
    )
}

/// The escalations about a referral that the caller may see (the referral's page links them).
pub async fn of_referral(ctx: &Ctx<'_>, referral: ReferralId) -> ApiResult<Vec<EscalationView>> {
    let rows = store::of_referral(ctx.db, ctx.actor.tenant_id, referral).await?;
    views(ctx, rows).await
}

/// Whether the caller may ask a back office about this referral: an agent of the organisation
/// that sent it.
pub fn may_open_about(ctx: &Ctx<'_>, referral: &referrals::view::ReferralView) -> bool {
    referral.from_organisation == ctx.actor.organisation_id && ctx.may_own(Action::OpenEscalation)
}

/// The lists of escalations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// The caller's organisation's queue (back office).
    Received,
    /// What the caller's organisation sent (agents, org admins).
    Sent,
    /// What the caller's organisation received and transferred on: its read-only trace.
    TransferredOn,
    /// What the caller's organisation sent about one person it holds.
    AboutPerson(PersonId),
}

impl Listing {
    async fn scope(self, ctx: &Ctx<'_>) -> ApiResult<Scope> {
        let own = ctx.actor.organisation_id;
        Ok(match self {
            Listing::Received => {
                ctx.authorize_own(Action::AnswerEscalation)?;
                Scope::ReceivedBy(own)
            }
            Listing::TransferredOn => {
                ctx.authorize_own(Action::AnswerEscalation)?;
                Scope::TransferredBy(own)
            }
            Listing::Sent => {
                ctx.authorize_own(Action::ReadSentEscalations)?;
                Scope::SentBy(own)
            }
            Listing::AboutPerson(person) => {
                people::service::get(ctx, person).await?;
                ctx.authorize_own(Action::ReadSentEscalations)?;
                Scope::AboutPerson(person, own)
            }
        })
    }
}

pub async fn list(
    ctx: &Ctx<'_>,
    listing: Listing,
    filters: &Filters,
    order: Order,
    page: &PageRequest,
) -> ApiResult<Page<EscalationView>> {
    let scope = listing.scope(ctx).await?;
    let rows = store::list(
        ctx.db,
        ctx.actor.tenant_id,
        scope,
        filters,
        order,
        page,
        ctx.now,
    )
    .await?;
    let cursors: HashMap<uuid::Uuid, _> =
        rows.items.iter().map(|(c, r)| (r.id, c.clone())).collect();
    let (has_next, has_previous) = (rows.has_next, rows.has_previous);
    let seen = views(ctx, rows.into_rows()).await?;
    Ok(Page {
        items: seen
            .into_iter()
            .filter_map(|v| Some((cursors.get(&v.id.as_uuid())?.clone(), v)))
            .collect(),
        has_next,
        has_previous,
    })
}

/// How many escalations of a list are in each status, overdue, and the caller's own.
pub async fn counts(ctx: &Ctx<'_>, listing: Listing) -> ApiResult<Counts> {
    let scope = listing.scope(ctx).await?;
    store::counts(
        ctx.db,
        ctx.actor.tenant_id,
        scope,
        ctx.actor.user_id,
        ctx.now,
    )
    .await
}

/// Someone an escalation may be given to.
#[derive(Debug, Clone)]
pub struct Assignable {
    pub id: UserId,
    pub name: String,
}

/// The active users of the receiving organisation who work its escalations, for those who may
/// assign.
pub async fn assignable(ctx: &Ctx<'_>, view: &EscalationView) -> ApiResult<Vec<Assignable>> {
    if !view.may(EscalationAction::Assign) {
        return Ok(Vec::new());
    }
    Ok(
        referrals::service::workers_of(ctx.db, ctx.actor.tenant_id, view.to_organisation)
            .await?
            .into_iter()
            .map(|u| Assignable {
                id: UserId::from_uuid(u.id),
                name: u.name,
            })
            .collect(),
    )
}

/// The organisations an escalation may be transferred to (neither its receiver nor its
/// sender), for those who may transfer.
pub async fn transfer_targets(
    ctx: &Ctx<'_>,
    view: &EscalationView,
) -> ApiResult<Vec<organisation::Model>> {
    if !view.may(EscalationAction::Transfer) {
        return Ok(Vec::new());
    }
    let excluded = [
        view.to_organisation.as_uuid(),
        view.from_organisation.as_uuid(),
    ];
    Ok(
        directory::store::all_organisations(ctx.db, ctx.actor.tenant_id)
            .await?
            .into_iter()
            .filter(|o| !excluded.contains(&o.id))
            .collect(),
    )
}

/// The organisations an agent may ask, each with its answer deadlines, for the form.
pub async fn recipients(ctx: &Ctx<'_>) -> ApiResult<Vec<(organisation::Model, AnswerDays)>> {
    ctx.authorize_own(Action::OpenEscalation)?;
    let own = ctx.actor.organisation_id.as_uuid();
    Ok(
        directory::store::all_organisations(ctx.db, ctx.actor.tenant_id)
            .await?
            .into_iter()
            .filter(|o| o.id != own)
            .map(|o| {
                let days = answer_days_of(&o);
                (o, days)
            })
            .collect(),
    )
}

/// One receiving organisation's escalations, for those who watch the territory: counts and
/// delays, never an escalation.
#[derive(Debug, Clone, PartialEq)]
pub struct OrganisationFigures {
    pub organisation: OrganisationId,
    /// Addressed to it now (transferred ones count at their new organisation).
    pub received: i64,
    /// Waiting for its answer.
    pub open: i64,
    /// Waiting for its answer past the due moment.
    pub overdue: i64,
    /// Answered at least once.
    pub answered: i64,
    pub closed: i64,
    /// Median working days from opening to the first answer (none before one is answered).
    pub median_days_to_first_answer: Option<f64>,
}

/// The territory's escalation figures per receiving organisation, by organisation id
/// (coordinators, tenant admins), for escalations opened between `from` and `to`.
pub async fn figures(
    ctx: &Ctx<'_>,
    from: Option<time::Date>,
    to: Option<time::Date>,
) -> ApiResult<Vec<OrganisationFigures>> {
    ctx.authorize_tenant(Action::ReadMonitoring)?;
    figures_unchecked(ctx, from, to).await
}

/// [`figures`] for a caller already authorized to read them: the monitoring report, which
/// decides itself who reads the territory's or one organisation's figures.
pub(crate) async fn figures_unchecked(
    ctx: &Ctx<'_>,
    from: Option<time::Date>,
    to: Option<time::Date>,
) -> ApiResult<Vec<OrganisationFigures>> {
    let rows = store::figures_rows(ctx.db, ctx.actor.tenant_id, from, to).await?;
    let mut by_org: std::collections::BTreeMap<uuid::Uuid, (OrganisationFigures, Vec<i64>)> =
        std::collections::BTreeMap::new();
    for row in rows {
        let (figures, delays) = by_org.entry(row.to_organisation_id).or_insert_with(|| {
            (
                OrganisationFigures {
                    organisation: OrganisationId::from_uuid(row.to_organisation_id),
                    received: 0,
                    open: 0,
                    overdue: 0,
                    answered: 0,
                    closed: 0,
                    median_days_to_first_answer: None,
                },
                Vec::new(),
            )
        });
        figures.received += 1;
        match row.status.0 {
            EscalationStatus::Open => {
                figures.open += 1;
                if row.due_at < ctx.now {
                    figures.overdue += 1;
                }
            }
            EscalationStatus::Closed => figures.closed += 1,
            EscalationStatus::Answered => {}
        }
        if let Some(answered) = row.answered_at {
            figures.answered += 1;
            delays.push(domain::working_days_between(
                row.created_at.date(),
                answered.date(),
            ));
        }
    }
    Ok(by_org
        .into_values()
        .map(|(mut figures, mut delays)| {
            delays.sort_unstable();
            figures.median_days_to_first_answer = median(&delays);
            figures
        })
        .collect())
}

fn median(sorted: &[i64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2] as f64),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0),
    }
}

// --------------------------------------------------------------------------------- writes

pub struct NewEscalation {
    pub organisation: OrganisationId,
    pub subject: String,
    pub body: String,
    pub category: String,
    pub referral: Option<ReferralId>,
    pub person: Option<PersonId>,
    pub urgency: Urgency,
}

/// One line of an escalation's history and the mails it causes.
#[expect(
    clippy::too_many_arguments,
    reason = "every part of a history line is distinct"
)]
async fn record(
    tx: &mut Tx<'_>,
    by: By,
    row: &escalation::Model,
    kind: EscalationEventKind,
    body: Option<String>,
    from: Option<EscalationStatus>,
    transfer: Option<(OrganisationId, OrganisationId)>,
    mails: Vec<crate::notifications::NewMail>,
    at: OffsetDateTime,
) -> ApiResult<()> {
    events::record(
        tx,
        Happened {
            tenant_id: TenantId::from_uuid(row.tenant_id),
            at,
            by,
            what: What::Escalation {
                escalation: EscalationId::from_uuid(row.id),
                kind,
                body,
                from,
                to: row.status.0,
                transfer,
                assignee: row.assignee_id.map(UserId::from_uuid),
            },
            mails,
        },
    )
    .await
}

/// Asks a partner's back office (agents). A person or a referral of another organisation reads
/// like nothing at all (NOT_FOUND); a person needs an active consent naming the receiving
/// organisation, so that its experts may see who it is about.
pub async fn create(ctx: &Ctx<'_>, input: NewEscalation) -> ApiResult<EscalationView> {
    let tenant = ctx.actor.tenant_id;
    let own = ctx.actor.organisation_id;
    let person = match input.person {
        Some(id) => Some(people::service::get(ctx, id).await?),
        None => None,
    };
    let referral = match input.referral {
        Some(id) => Some(
            referrals::store::get(ctx.db, tenant, id)
                .await?
                .filter(|r| r.from_organisation_id == own.as_uuid())
                .ok_or_else(not_found)?,
        ),
        None => None,
    };
    ctx.authorize_own(Action::OpenEscalation)?;
    let receiver = directory::store::organisation_get(ctx.db, tenant, input.organisation)
        .await
        .map_err(|err| match err {
            ApiError::Domain(domain::Error::NotFound) => {
                ApiError::invalid("organisationId", "organisation inconnue sur ce territoire")
            }
            other => other,
        })?;
    if receiver.id == own.as_uuid() {
        return Err(ApiError::invalid(
            "organisationId",
            "choisissez une autre organisation que la vôtre",
        ));
    }
    let subject = Name::parse("subject", &input.subject)?;
    if subject.as_str().chars().count() > SUBJECT_CHARS {
        return Err(ApiError::invalid(
            "subject",
            "doit contenir au plus 200 caractères",
        ));
    }
    let body = Text::parse("body", &input.body, BODY_CHARS)?;
    let category = input.category.trim();
    if !directory::store::service_categories(ctx.db, tenant)
        .await?
        .iter()
        .any(|c| c == category)
    {
        return Err(ApiError::invalid(
            "category",
            "choisissez la catégorie d'un service du territoire",
        ));
    }
    if let Some(p) = &person {
        let covered = store::consented(ctx.db, tenant, &[(p.id, receiver.id)], ctx.now).await?;
        if covered.is_empty() {
            return Err(ApiError::invalid(
                "personId",
                "aucun consentement en cours de la personne ne nomme cette organisation : recueillez-le d'abord",
            ));
        }
    }
    let now = ctx.now;
    let row = escalation::Model {
        tenant_id: tenant.as_uuid(),
        id: EscalationId::new().as_uuid(),
        from_organisation_id: own.as_uuid(),
        to_organisation_id: receiver.id,
        created_by: ctx.actor.user_id.map(|u| u.as_uuid()),
        subject: subject.into_string(),
        category: category.to_owned(),
        urgency: Coded(input.urgency),
        status: Coded(EscalationStatus::Open),
        version: 1,
        referral_id: referral.as_ref().map(|r| r.id),
        person_id: person.as_ref().map(|p| p.id),
        assignee_id: None,
        due_at: answer_days_of(&receiver).due(now, input.urgency),
        created_at: now,
        updated_at: now,
        answered_at: None,
        closed_at: None,
        reminded_at: None,
        admins_alerted_at: None,
    };
    let mut tx = ctx.begin_write().await?;
    store::insert(tx.conn(), &row).await?;
    let mails = notify::created(tx.conn(), tx.hooks(), &row).await?;
    record(
        &mut tx,
        ctx.actor.into(),
        &row,
        EscalationEventKind::Opened,
        Some(body.into_string()),
        None,
        None,
        mails,
        now,
    )
    .await?;
    if let Some(referral) = &referral {
        // The referral's timeline says an escalation was opened about it — never what it says.
        events::record(
            &mut tx,
            Happened {
                tenant_id: tenant,
                at: now,
                by: ctx.actor.into(),
                what: What::Referral {
                    referral: ReferralId::from_uuid(referral.id),
                    kind: ReferralEventKind::EscalationOpened,
                    comment: None,
                    from: Some(referral.status.0),
                    to: referral.status.0,
                },
                mails: Vec::new(),
            },
        )
        .await?;
    }
    tx.commit().await?;
    view_of_row(ctx, row).await
}

/// A requested change, with what it carries (free texts are checked here).
#[derive(Debug, Clone)]
pub enum Change {
    Answer {
        body: String,
    },
    Reply {
        body: String,
    },
    Close,
    Reopen,
    Take,
    Assign {
        user: Option<UserId>,
    },
    Transfer {
        organisation: OrganisationId,
        comment: Option<String>,
    },
}

impl Change {
    pub fn action(&self) -> EscalationAction {
        match self {
            Change::Answer { .. } => EscalationAction::Answer,
            Change::Reply { .. } => EscalationAction::Reply,
            Change::Close => EscalationAction::Close,
            Change::Reopen => EscalationAction::Reopen,
            Change::Take => EscalationAction::Take,
            Change::Assign { .. } => EscalationAction::Assign,
            Change::Transfer { .. } => EscalationAction::Transfer,
        }
    }
}

/// The escalation waits for the back office again from `now`: a new due moment from the
/// receiver's deadlines, and its deadline stages to send again.
fn wait_again(next: &mut escalation::Model, days: AnswerDays, now: OffsetDateTime) {
    next.due_at = days.due(now, next.urgency.0);
    next.reminded_at = None;
    next.admins_alerted_at = None;
}

/// Changes an escalation: the caller's access decides the side, role, status and reopen
/// window; the version guard of the write decides between concurrent changes.
pub async fn change(ctx: &Ctx<'_>, id: EscalationId, change: Change) -> ApiResult<EscalationView> {
    let tenant = ctx.actor.tenant_id;
    let current = store::get(ctx.db, tenant, id)
        .await?
        .ok_or_else(not_found)?;
    let view = view_of_row(ctx, current.clone()).await?;
    let action = change.action();
    let from = current.status.0;
    let reopen = reopen_days_of(&tenant_row(ctx.db, tenant).await?);
    let state = EscalationState {
        status: from,
        closed_at: current.closed_at,
        reopen_days: reopen,
    };
    let to = view.access.decide(&state, action, ctx.now)?;
    let now = ctx.now;
    let mut next = current.clone();
    next.status = Coded(to);
    next.version = current.version + 1;
    next.updated_at = now;
    let mut body = None;
    let mut transfer = None;
    match change {
        Change::Answer { body: b } => {
            body = Some(Text::parse("body", &b, BODY_CHARS)?.into_string());
            next.answered_at = current.answered_at.or(Some(now));
        }
        Change::Reply { body: b } => {
            body = Some(Text::parse("body", &b, BODY_CHARS)?.into_string());
            if from == EscalationStatus::Answered {
                let days = answer_days(ctx.db, tenant, current.to_organisation_id).await?;
                wait_again(&mut next, days, now);
            }
        }
        Change::Close => next.closed_at = Some(now),
        Change::Reopen => {
            next.closed_at = None;
            let days = answer_days(ctx.db, tenant, current.to_organisation_id).await?;
            wait_again(&mut next, days, now);
        }
        Change::Take => next.assignee_id = ctx.actor.user_id.map(|u| u.as_uuid()),
        Change::Assign { user } => next.assignee_id = assignee(ctx, &current, user).await?,
        Change::Transfer {
            organisation,
            comment,
        } => {
            let target = transfer_target(ctx, &current, organisation).await?;
            body = domain::OptionalText::parse("comment", comment.as_deref(), BODY_CHARS)?
                .into_option();
            transfer = Some((
                OrganisationId::from_uuid(current.to_organisation_id),
                organisation,
            ));
            next.to_organisation_id = target.id;
            next.assignee_id = None;
            wait_again(&mut next, answer_days_of(&target), now);
        }
    }
    let mut tx = ctx.begin_write().await?;
    if !store::update_if_version(tx.conn(), &next, current.version).await? {
        return Err(stale());
    }
    let party = view.access.acts_as.unwrap_or(Party::Other);
    let mails = notify::changed(
        tx.conn(),
        tx.hooks(),
        &next,
        action,
        party,
        ctx.actor.user_id,
    )
    .await?;
    record(
        &mut tx,
        ctx.actor.into(),
        &next,
        action.into(),
        body,
        Some(from),
        transfer,
        mails,
        now,
    )
    .await?;
    tx.commit().await?;
    view_of_row(ctx, next).await
}

/// The assignee must be an active user of the receiving organisation who works its inbox;
/// `None` puts it back in the queue.
async fn assignee(
    ctx: &Ctx<'_>,
    current: &escalation::Model,
    user: Option<UserId>,
) -> ApiResult<Option<uuid::Uuid>> {
    let Some(user) = user else {
        return Ok(None);
    };
    referrals::service::workers_of(
        ctx.db,
        ctx.actor.tenant_id,
        OrganisationId::from_uuid(current.to_organisation_id),
    )
    .await?
    .iter()
    .find(|u| u.id == user.as_uuid())
    .map(|u| Some(u.id))
    .ok_or_else(|| {
        ApiError::invalid(
            "userId",
            "utilisateur inconnu dans l'organisation destinataire, ou qui ne traite pas les sollicitations",
        )
    })
}

/// Another organisation of the territory: neither the receiver nor the sender.
async fn transfer_target(
    ctx: &Ctx<'_>,
    current: &escalation::Model,
    organisation: OrganisationId,
) -> ApiResult<organisation::Model> {
    let target = directory::store::organisation_get(ctx.db, ctx.actor.tenant_id, organisation)
        .await
        .map_err(|err| match err {
            ApiError::Domain(domain::Error::NotFound) => {
                ApiError::invalid("organisationId", "organisation inconnue sur ce territoire")
            }
            other => other,
        })?;
    if target.id == current.to_organisation_id {
        return Err(ApiError::invalid(
            "organisationId",
            "la sollicitation est déjà adressée à cette organisation",
        ));
    }
    if target.id == current.from_organisation_id {
        return Err(ApiError::invalid(
            "organisationId",
            "c'est l'organisation qui a envoyé la sollicitation",
        ));
    }
    Ok(target)
}

/// Inside a deactivation's transaction: the user's escalations that are not closed go back to
/// their organisation's queue, recorded on each history.
pub async fn return_to_queue(
    tx: &mut Tx<'_>,
    by: By,
    tenant: TenantId,
    user: UserId,
    now: OffsetDateTime,
) -> ApiResult<usize> {
    let assigned = store::open_assigned_to(tx.conn(), tenant, user).await?;
    let count = assigned.len();
    for current in assigned {
        let mut next = current.clone();
        next.assignee_id = None;
        next.version = current.version + 1;
        next.updated_at = now;
        if !store::update_if_version(tx.conn(), &next, current.version).await? {
            return Err(stale());
        }
        record(
            tx,
            by,
            &next,
            EscalationEventKind::Unassigned,
            None,
            Some(current.status.0),
            None,
            Vec::new(),
            now,
        )
        .await?;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_median_of_delays() {
        assert_eq!(super::median(&[]), None);
        assert_eq!(super::median(&[3]), Some(3.0));
        assert_eq!(super::median(&[0, 1, 4]), Some(1.0));
        assert_eq!(super::median(&[0, 1, 2, 5]), Some(1.5));
    }
}
