//! The referrals application service: every read and write of a referral, for every front end.
//!
//! Reads resolve a referral once for the caller — its access decided by
//! `domain::ReferralAccess` — and return a [`ReferralView`] that already knows what the caller
//! may see and do. Writes ask the same access, then the state machine, write with optimistic
//! concurrency, and end in one `events::record` per timeline line, in the same transaction.

use std::collections::HashMap;

use domain::{
    Action, ConsentId, ConsentStatus, DeclineReason, OrganisationId, Outcome, Party, PersonId,
    ReferralAccess, ReferralAction, ReferralEventKind, ReferralFacts, ReferralId, ReferralStatus,
    ServiceId, Text, Urgency, UserId,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect};
use time::OffsetDateTime;

use crate::{
    directory,
    entities::{
        consent, consent_recipient, person, referral, referral_event, service, user, user_role,
    },
    error::{ApiError, ApiResult},
    events::{self, By, Happened, Tx, What},
    referrals::{
        notify,
        store::{self, Filters, Order, Scope},
        view::{ReferralView, TimelineEntry},
    },
    service::Ctx,
    store::{Coded, Page, PageRequest, not_found},
};

const TEXT_CHARS: usize = 4000;

fn stale() -> ApiError {
    ApiError::Domain(domain::Error::Conflict(
        "L'orientation a changé entre-temps : rechargez-la avant d'agir.".to_owned(),
    ))
}

// ------------------------------------------------------------------------------------ reads

/// The consents of these rows, by id, in one query.
async fn consents_of(
    ctx: &Ctx<'_>,
    rows: &[referral::Model],
) -> ApiResult<HashMap<uuid::Uuid, consent::Model>> {
    let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.consent_id).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(consent::Entity::find()
        .filter(consent::Column::TenantId.eq(ctx.actor.tenant_id.as_uuid()))
        .filter(consent::Column::Id.is_in(ids))
        .all(ctx.db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect())
}

/// Views of rows the caller reached through a list or a chain; `chain` holds the organisations
/// of the chain when the rows are one chain's referrals. Rows the caller may not see are left
/// out (a list's scope already excludes them; this is the second wall).
async fn views(
    ctx: &Ctx<'_>,
    rows: Vec<referral::Model>,
    chain: &[OrganisationId],
) -> ApiResult<Vec<ReferralView>> {
    let consents = consents_of(ctx, &rows).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let consent = consents.get(&row.consent_id);
        let status = consent.map_or(ConsentStatus::Withdrawn, |c| {
            domain::consent_status(c.withdrawn_at, c.expires_at, ctx.now)
        });
        let facts = ReferralFacts {
            tenant_id: ctx.actor.tenant_id,
            from: OrganisationId::from_uuid(row.from_organisation_id),
            to: OrganisationId::from_uuid(row.to_organisation_id),
            chain,
            consent_withdrawn: consent.is_none_or(|c| c.withdrawn_at.is_some()),
        };
        if let Ok(access) = ReferralAccess::of(ctx.actor, &facts) {
            out.push(ReferralView::new(row, access, status, ctx.now));
        }
    }
    Ok(out)
}

/// The organisations of a chain's referrals.
fn organisations_of(chain: &[referral::Model]) -> Vec<OrganisationId> {
    let mut orgs: Vec<OrganisationId> = chain
        .iter()
        .flat_map(|r| [r.from_organisation_id, r.to_organisation_id])
        .map(OrganisationId::from_uuid)
        .collect();
    orgs.sort();
    orgs.dedup();
    orgs
}

/// One referral as the caller may see it, or NOT_FOUND.
async fn view_of_row(ctx: &Ctx<'_>, row: referral::Model) -> ApiResult<ReferralView> {
    let own = ctx.actor.organisation_id.as_uuid();
    let direct = row.from_organisation_id == own || row.to_organisation_id == own;
    let chain = if direct || row.root_id.is_none() {
        Vec::new()
    } else {
        let root = row.root_id.unwrap_or(row.id);
        organisations_of(&store::chain(ctx.db, ctx.actor.tenant_id, root).await?)
    };
    views(ctx, vec![row], &chain)
        .await?
        .pop()
        .ok_or_else(not_found)
}

/// A referral the caller may see — sender, receiver, a party of its chain, or an observer of
/// the territory; NOT_FOUND for anyone else.
pub async fn get(ctx: &Ctx<'_>, id: ReferralId) -> ApiResult<ReferralView> {
    let row = store::get(ctx.db, ctx.actor.tenant_id, id)
        .await?
        .ok_or_else(not_found)?;
    view_of_row(ctx, row).await
}

/// The person a view may show (the view has their id only when the caller sees the identity).
pub async fn person(ctx: &Ctx<'_>, view: &ReferralView) -> ApiResult<Option<person::Model>> {
    let Some(id) = view.person else {
        return Ok(None);
    };
    Ok(
        person::Entity::find_by_id((ctx.actor.tenant_id.as_uuid(), id.as_uuid()))
            .one(ctx.db)
            .await?,
    )
}

/// The referral a view was redirected from.
pub async fn parent(ctx: &Ctx<'_>, view: &ReferralView) -> ApiResult<Option<ReferralView>> {
    match view.parent {
        Some(parent) => Ok(Some(get(ctx, parent).await?)),
        None => Ok(None),
    }
}

/// The referrals a view was redirected to.
pub async fn children(ctx: &Ctx<'_>, view: &ReferralView) -> ApiResult<Vec<ReferralView>> {
    let chain = store::chain(ctx.db, ctx.actor.tenant_id, view.root).await?;
    let orgs = organisations_of(&chain);
    let parent = view.id.as_uuid();
    let rows = chain
        .into_iter()
        .filter(|r| r.parent_id == Some(parent))
        .collect();
    views(ctx, rows, &orgs).await
}

/// The timeline of a referral the caller sees, each comment shown only if the access allows.
pub async fn timeline(ctx: &Ctx<'_>, view: &ReferralView) -> ApiResult<Vec<TimelineEntry>> {
    Ok(store::timeline(ctx.db, view.tenant_id, view.id)
        .await?
        .into_iter()
        .zip(1..)
        .map(|(row, sequence)| TimelineEntry::new(row, sequence, &view.access))
        .collect())
}

/// A line just written to a referral's timeline, as the caller may see it: `None` when the
/// caller may not see the referral (the same rule as every read). Live subscriptions ask this
/// for each subscriber.
pub async fn live_line(
    ctx: &Ctx<'_>,
    row: referral_event::Model,
    sequence: i64,
) -> ApiResult<Option<TimelineEntry>> {
    match get(ctx, ReferralId::from_uuid(row.referral_id)).await {
        Ok(view) => Ok(Some(TimelineEntry::new(row, sequence, &view.access))),
        Err(ApiError::Domain(domain::Error::NotFound)) => Ok(None),
        Err(err) => Err(err),
    }
}

/// The lists of referrals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// The caller's organisation's inbox (back office).
    Received,
    /// What the caller's organisation sent (agents, org admins).
    Sent,
    /// The whole territory, metadata only (coordinators, tenant admins).
    Territory,
    /// One person's referrals, sent or received by the caller's organisation, which holds them.
    OfPerson(PersonId),
    /// What monitoring lists, metadata only: the territory's referrals (coordinators, tenant
    /// admins), or those one organisation received (also its own admins).
    Monitored(Option<OrganisationId>),
}

impl Listing {
    async fn scope(self, ctx: &Ctx<'_>) -> ApiResult<Scope> {
        let own = ctx.actor.organisation_id;
        Ok(match self {
            Listing::Received => {
                ctx.authorize_own(Action::WorkReferral)?;
                Scope::ReceivedBy(own)
            }
            Listing::Sent => {
                ctx.authorize_own(Action::ReadSentReferrals)?;
                Scope::SentBy(own)
            }
            Listing::Territory => {
                ctx.authorize_tenant(Action::ReadMonitoring)?;
                Scope::Territory
            }
            Listing::OfPerson(person) => {
                held_person(ctx, person).await?;
                Scope::PersonAt(person, own)
            }
            Listing::Monitored(None) => {
                ctx.authorize_tenant(Action::ReadMonitoring)?;
                Scope::Territory
            }
            Listing::Monitored(Some(organisation)) => {
                ctx.authorize(
                    Action::ReadOrganisationMonitoring,
                    &domain::Target::organisation(ctx.actor.tenant_id, organisation),
                )?;
                Scope::ReceivedBy(organisation)
            }
        })
    }
}

/// A person held by the caller's organisation, for an agent of it; NOT_FOUND otherwise.
async fn held_person(ctx: &Ctx<'_>, id: PersonId) -> ApiResult<person::Model> {
    ctx.authorize_own(Action::ManagePeople)
        .map_err(|_| not_found())?;
    person::Entity::find_by_id((ctx.actor.tenant_id.as_uuid(), id.as_uuid()))
        .one(ctx.db)
        .await?
        .filter(|p| p.organisation_id == ctx.actor.organisation_id.as_uuid())
        .ok_or_else(not_found)
}

pub async fn list(
    ctx: &Ctx<'_>,
    listing: Listing,
    filters: &Filters,
    order: Order,
    page: &PageRequest,
) -> ApiResult<Page<ReferralView>> {
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
    let cursors: Vec<_> = rows.items.iter().map(|(c, r)| (r.id, c.clone())).collect();
    let (has_next, has_previous) = (rows.has_next, rows.has_previous);
    let seen = views(ctx, rows.into_rows(), &[]).await?;
    Ok(Page {
        items: seen
            .into_iter()
            .filter_map(|v| {
                let cursor = cursors.iter().find(|(id, _)| *id == v.id.as_uuid())?;
                Some((cursor.1.clone(), v))
            })
            .collect(),
        has_next,
        has_previous,
    })
}

/// How many referrals of a list are in each status, open ones first.
pub async fn counts(ctx: &Ctx<'_>, listing: Listing) -> ApiResult<Vec<(ReferralStatus, i64)>> {
    let scope = listing.scope(ctx).await?;
    store::count_by_status(ctx.db, ctx.actor.tenant_id, scope).await
}

/// Someone who may be assigned a received referral.
#[derive(Debug, Clone)]
pub struct Assignable {
    pub id: UserId,
    pub name: String,
}

/// The active users of the receiving organisation who work its referrals, for the receiver.
pub async fn assignable(ctx: &Ctx<'_>, view: &ReferralView) -> ApiResult<Vec<Assignable>> {
    if !view.may(ReferralAction::Assign) {
        return Ok(Vec::new());
    }
    Ok(
        workers_of(ctx.db, ctx.actor.tenant_id, view.to_organisation)
            .await?
            .into_iter()
            .map(|u| Assignable {
                id: UserId::from_uuid(u.id),
                name: u.name,
            })
            .collect(),
    )
}

/// Active users of an organisation holding a role that works referrals, by name.
pub(crate) async fn workers_of(
    db: &impl ConnectionTrait,
    tenant: domain::TenantId,
    organisation: OrganisationId,
) -> ApiResult<Vec<user::Model>> {
    let working: Vec<uuid::Uuid> = user_role::Entity::find()
        .select_only()
        .column(user_role::Column::UserId)
        .filter(user_role::Column::TenantId.eq(tenant.as_uuid()))
        .filter(
            user_role::Column::Role.is_in(crate::store::codes(
                domain::Role::ALL
                    .into_iter()
                    .filter(|r| domain::works_referrals(&domain::Roles::from(*r))),
            )),
        )
        .into_tuple()
        .all(db)
        .await?;
    let mut users = user::Entity::find()
        .filter(user::Column::TenantId.eq(tenant.as_uuid()))
        .filter(user::Column::OrganisationId.eq(organisation.as_uuid()))
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Id.is_in(working))
        .all(db)
        .await?;
    users.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(users)
}

/// A service a referral may be redirected to, with its organisation's name.
#[derive(Debug, Clone)]
pub struct RedirectTarget {
    pub service: service::Model,
    pub organisation: String,
}

/// The services of the other organisations, for the receiver who may redirect.
pub async fn redirect_targets(
    ctx: &Ctx<'_>,
    view: &ReferralView,
) -> ApiResult<Vec<RedirectTarget>> {
    if !view.may(ReferralAction::Redirect) {
        return Ok(Vec::new());
    }
    let organisations = directory::store::all_organisations(ctx.db, ctx.actor.tenant_id).await?;
    let names: HashMap<uuid::Uuid, String> =
        organisations.into_iter().map(|o| (o.id, o.name)).collect();
    let excluded = [
        view.to_organisation.as_uuid(),
        view.from_organisation.as_uuid(),
    ];
    let mut targets: Vec<RedirectTarget> =
        directory::store::all_services(ctx.db, ctx.actor.tenant_id)
            .await?
            .into_iter()
            .filter(|s| !excluded.contains(&s.organisation_id))
            .map(|service| RedirectTarget {
                organisation: names
                    .get(&service.organisation_id)
                    .cloned()
                    .unwrap_or_default(),
                service,
            })
            .collect();
    targets.sort_by(|a, b| {
        (a.organisation.as_str(), a.service.name.as_str())
            .cmp(&(b.organisation.as_str(), b.service.name.as_str()))
    });
    Ok(targets)
}

// ----------------------------------------------------------------------------------- writes

pub struct NewReferral {
    pub person: PersonId,
    pub consent: ConsentId,
    pub service: ServiceId,
    pub motive: String,
    pub urgency: Urgency,
}

/// A referred-to resource that does not exist in the caller's territory is the caller's bad
/// input, named by its field.
fn unknown(field: &'static str, what: &'static str) -> impl FnOnce(ApiError) -> ApiError {
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

/// Reads a consent of the tenant; inside a write transaction on PostgreSQL, locked against a
/// concurrent withdrawal (SQLite already holds its single write lock): a referral is never
/// committed under a consent withdrawn meanwhile.
async fn consent_row(
    conn: &impl ConnectionTrait,
    tenant: domain::TenantId,
    id: uuid::Uuid,
    lock: bool,
) -> ApiResult<consent::Model> {
    let mut query = consent::Entity::find_by_id((tenant.as_uuid(), id));
    if lock && conn.get_database_backend() == DbBackend::Postgres {
        query = query.lock_shared();
    }
    query.one(conn).await?.ok_or_else(not_found)
}

/// The consent must be the person's, active now, and name the receiving organisation; errors
/// are on `field`. Another organisation's consent reads exactly like no consent at all.
async fn check_consent(
    conn: &impl ConnectionTrait,
    ctx: &Ctx<'_>,
    consent: &consent::Model,
    person: uuid::Uuid,
    receiver: uuid::Uuid,
    field: &'static str,
) -> ApiResult<()> {
    let rename = |err: domain::Error| match err {
        domain::Error::Invalid { message, .. } => ApiError::invalid(field, &message),
        other => other.into(),
    };
    if consent.person_id != person {
        return Err(ApiError::invalid(field, "aucun consentement enregistré"));
    }
    let status = domain::consent_status(consent.withdrawn_at, consent.expires_at, ctx.now);
    let recipients: Vec<OrganisationId> = consent_recipient::Entity::find()
        .filter(consent_recipient::Column::TenantId.eq(consent.tenant_id))
        .filter(consent_recipient::Column::ConsentId.eq(consent.id))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| OrganisationId::from_uuid(r.organisation_id))
        .collect();
    domain::check_consent_for_referral(status, &recipients, OrganisationId::from_uuid(receiver))
        .map_err(rename)
}

#[expect(
    clippy::too_many_arguments,
    reason = "every field of a new referral is distinct"
)]
fn new_row(
    ctx: &Ctx<'_>,
    person: uuid::Uuid,
    consent: uuid::Uuid,
    service: &service::Model,
    motive: String,
    urgency: Urgency,
    parent: Option<&referral::Model>,
    now: OffsetDateTime,
) -> referral::Model {
    let id = ReferralId::new().as_uuid();
    referral::Model {
        tenant_id: ctx.actor.tenant_id.as_uuid(),
        id,
        person_id: person,
        consent_id: consent,
        // A redirected referral stays the original sender's: they follow the person to the end.
        from_organisation_id: parent.map_or(ctx.actor.organisation_id.as_uuid(), |p| {
            p.from_organisation_id
        }),
        to_organisation_id: service.organisation_id,
        service_id: service.id,
        // The agent who first sent it keeps following it (and hearing about it) after a redirect.
        created_by: parent.map_or(
            ctx.actor.user_id.map(|u| u.as_uuid()).unwrap_or_default(),
            |p| p.created_by,
        ),
        motive,
        urgency: Coded(urgency),
        status: Coded(ReferralStatus::Sent),
        version: 1,
        due_at: due_for(service, urgency, now),
        paused_at: None,
        assignee_id: None,
        parent_id: parent.map(|p| p.id),
        root_id: Some(parent.map_or(id, |p| p.root_id.unwrap_or(p.id))),
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

/// What a timeline line says beyond the referral's new state.
struct Line {
    kind: ReferralEventKind,
    comment: Option<String>,
    from: Option<ReferralStatus>,
}

/// The one call that records a referral's timeline line and the mails it causes.
async fn record(
    tx: &mut Tx<'_>,
    by: By,
    row: &referral::Model,
    line: Line,
    mails: Vec<crate::notifications::NewMail>,
    at: OffsetDateTime,
) -> ApiResult<()> {
    let Line {
        kind,
        comment,
        from,
    } = line;
    events::record(
        tx,
        Happened {
            tenant_id: domain::TenantId::from_uuid(row.tenant_id),
            at,
            by,
            what: What::Referral {
                referral: ReferralId::from_uuid(row.id),
                kind,
                comment,
                from,
                to: row.status.0,
            },
            mails,
        },
    )
    .await
}

/// Refers a person to a partner's service under a consent that is active now and names the
/// receiving organisation (agents).
pub async fn create(ctx: &Ctx<'_>, input: NewReferral) -> ApiResult<ReferralView> {
    // Another organisation's person is NOT_FOUND whatever the caller's roles; referring one's
    // own needs the AGENT role.
    let person =
        person::Entity::find_by_id((ctx.actor.tenant_id.as_uuid(), input.person.as_uuid()))
            .one(ctx.db)
            .await?
            .filter(|p| p.organisation_id == ctx.actor.organisation_id.as_uuid())
            .ok_or_else(not_found)?;
    ctx.authorize_own(Action::CreateReferral)?;
    let service = directory::store::service_get(ctx.db, ctx.actor.tenant_id, input.service)
        .await
        .map_err(unknown("serviceId", "service introuvable"))?;
    if service.organisation_id == ctx.actor.organisation_id.as_uuid() {
        return Err(ApiError::invalid(
            "serviceId",
            "ce service est celui de votre propre organisation",
        ));
    }
    let motive = Text::parse("motive", &input.motive, TEXT_CHARS)?;
    // Only the holding organisation's consents exist for the caller.
    let consent = consent_row(ctx.db, ctx.actor.tenant_id, input.consent.as_uuid(), false)
        .await
        .ok()
        .filter(|c| c.organisation_id == ctx.actor.organisation_id.as_uuid())
        .ok_or_else(|| ApiError::invalid("consentId", "aucun consentement enregistré"))?;
    check_consent(
        ctx.db,
        ctx,
        &consent,
        person.id,
        service.organisation_id,
        "consentId",
    )
    .await?;

    let row = new_row(
        ctx,
        person.id,
        consent.id,
        &service,
        motive.into_string(),
        input.urgency,
        None,
        ctx.now,
    );
    let mut tx = ctx.begin_write().await?;
    let consent = consent_row(tx.conn(), ctx.actor.tenant_id, consent.id, true).await?;
    check_consent(
        tx.conn(),
        ctx,
        &consent,
        person.id,
        service.organisation_id,
        "consentId",
    )
    .await?;
    store::insert(tx.conn(), &row).await?;
    let mails = notify::created(tx.conn(), tx.hooks(), &row, &service).await?;
    record(
        &mut tx,
        ctx.actor.into(),
        &row,
        Line {
            kind: ReferralEventKind::Create,
            comment: None,
            from: None,
        },
        mails,
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    view_of_row(ctx, row).await
}

/// A requested change, with what it carries (free texts are checked here).
#[derive(Debug, Clone)]
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
        service: ServiceId,
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
        user: Option<UserId>,
    },
    Comment {
        body: String,
    },
}

impl Change {
    pub fn action(&self) -> ReferralAction {
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
    Ok(domain::OptionalText::parse("comment", raw.as_deref(), TEXT_CHARS)?.into_option())
}

fn text(field: &str, raw: &str) -> ApiResult<String> {
    Ok(Text::parse(field, raw, TEXT_CHARS)?.into_string())
}

/// Moves a referral: the caller's access decides the side and role, the state machine the
/// status, `expected_version` (and the version guard of the write) the concurrency.
pub async fn change(
    ctx: &Ctx<'_>,
    id: ReferralId,
    expected_version: Option<i32>,
    change: Change,
) -> ApiResult<ReferralView> {
    let current = store::get(ctx.db, ctx.actor.tenant_id, id)
        .await?
        .ok_or_else(not_found)?;
    let view = view_of_row(ctx, current.clone()).await?;
    let action = change.action();
    let from = current.status.0;
    let to = view.access.decide(from, action)?;
    if expected_version.is_some_and(|v| v != current.version) {
        return Err(stale());
    }
    let now = ctx.now;
    let mut next = current.clone();
    next.status = Coded(to);
    next.updated_at = now;
    if to.is_final() {
        next.closed_at = Some(now);
    }
    let mut comment = None;
    let mut redirect_to = None;
    match change {
        Change::Acknowledge | Change::Accept => {}
        Change::RequestInfo { question } => {
            comment = Some(text("question", &question)?);
            next.paused_at = Some(now);
        }
        Change::ProvideInfo { answer } => {
            comment = Some(text("answer", &answer)?);
            if let Some(paused) = current.paused_at {
                let resumed =
                    domain::resumed_due_date(current.due_at.date(), paused.date(), now.date());
                next.due_at = current.due_at.replace_date(resumed);
            }
            next.paused_at = None;
        }
        Change::Decline { reason, comment: c } => {
            next.decline_reason = Some(Coded(reason));
            comment = optional_comment(c)?;
        }
        Change::Complete {
            outcome,
            comment: c,
        } => {
            next.outcome = Some(Coded(outcome));
            comment = optional_comment(c)?;
        }
        Change::Cancel { reason } => comment = Some(text("reason", &reason)?),
        Change::Comment { body } => comment = Some(text("body", &body)?),
        Change::Assign { user } => next.assignee_id = assignee(ctx, &current, user).await?,
        Change::Redirect {
            service,
            comment: c,
        } => {
            comment = optional_comment(c)?;
            redirect_to = Some(redirect_target(ctx, &current, service).await?);
        }
    }
    let mut tx = ctx.begin_write().await?;
    // A comment changes nothing but the timeline: it bumps no version and conflicts with no one.
    if action != ReferralAction::Comment {
        next.version = current.version + 1;
        if !store::update_if_version(tx.conn(), &next, current.version).await? {
            return Err(stale());
        }
    }
    let party = view.access.acts_as.unwrap_or(Party::Other);
    let mails = notify::changed(tx.conn(), tx.hooks(), &next, from, party, action).await?;
    record(
        &mut tx,
        ctx.actor.into(),
        &next,
        Line {
            kind: action.into(),
            comment: comment.clone(),
            from: Some(from),
        },
        mails,
        now,
    )
    .await?;
    if let Some(service) = redirect_to {
        let child = new_row(
            ctx,
            current.person_id,
            current.consent_id,
            &service,
            current.motive.clone(),
            current.urgency.0,
            Some(&current),
            now,
        );
        store::insert(tx.conn(), &child).await?;
        let mails = notify::created(tx.conn(), tx.hooks(), &child, &service).await?;
        record(
            &mut tx,
            ctx.actor.into(),
            &child,
            Line {
                kind: ReferralEventKind::Create,
                comment,
                from: None,
            },
            mails,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    view_of_row(ctx, next).await
}

/// The assignee must be an active user of the receiving organisation who works referrals;
/// `None` unassigns.
async fn assignee(
    ctx: &Ctx<'_>,
    current: &referral::Model,
    user: Option<UserId>,
) -> ApiResult<Option<uuid::Uuid>> {
    let Some(user) = user else {
        return Ok(None);
    };
    let workers = workers_of(
        ctx.db,
        ctx.actor.tenant_id,
        OrganisationId::from_uuid(current.to_organisation_id),
    )
    .await?;
    workers
        .iter()
        .find(|u| u.id == user.as_uuid())
        .map(|u| Some(u.id))
        .ok_or_else(|| {
            ApiError::invalid(
                "userId",
                "utilisateur inconnu dans l'organisation destinataire, ou qui ne traite pas les orientations",
            )
        })
}

/// The service a referral is redirected to: another organisation's (neither the receiver nor
/// the sender), and named by the consent.
async fn redirect_target(
    ctx: &Ctx<'_>,
    current: &referral::Model,
    service: ServiceId,
) -> ApiResult<service::Model> {
    let service = directory::store::service_get(ctx.db, ctx.actor.tenant_id, service)
        .await
        .map_err(unknown("serviceId", "service introuvable"))?;
    if service.organisation_id == current.to_organisation_id {
        return Err(ApiError::invalid(
            "serviceId",
            "choisissez le service d'une autre organisation",
        ));
    }
    if service.organisation_id == current.from_organisation_id {
        return Err(ApiError::invalid(
            "serviceId",
            "ce service est celui de l'organisation qui a orienté la personne",
        ));
    }
    let consent = consent_row(ctx.db, ctx.actor.tenant_id, current.consent_id, false).await?;
    check_consent(
        ctx.db,
        ctx,
        &consent,
        current.person_id,
        service.organisation_id,
        "serviceId",
    )
    .await?;
    Ok(service)
}

/// Inside the withdrawal's transaction: every open referral under the consent is cancelled —
/// as the state machine says a sender cancels — its timeline says why, and both sides are told.
pub async fn cancel_under_withdrawn_consent(
    tx: &mut Tx<'_>,
    by: By,
    tenant: domain::TenantId,
    consent: ConsentId,
    now: OffsetDateTime,
) -> ApiResult<()> {
    for current in store::open_under_consent(tx.conn(), tenant, consent).await? {
        let from = current.status.0;
        let to = domain::transition(from, ReferralAction::Cancel, Party::Sender)?;
        let mut next = current.clone();
        next.status = Coded(to);
        next.version = current.version + 1;
        next.updated_at = now;
        next.closed_at = Some(now);
        if !store::update_if_version(tx.conn(), &next, current.version).await? {
            return Err(ApiError::Domain(domain::Error::Conflict(
                "Une orientation a changé pendant le retrait : réessayez.".into(),
            )));
        }
        let mails = notify::changed(
            tx.conn(),
            tx.hooks(),
            &next,
            from,
            Party::Sender,
            ReferralAction::Cancel,
        )
        .await?;
        record(
            tx,
            by,
            &next,
            Line {
                kind: ReferralEventKind::ConsentWithdrawn,
                comment: Some("Consentement retiré par la personne.".to_owned()),
                from: Some(from),
            },
            mails,
            now,
        )
        .await?;
    }
    Ok(())
}

/// Inside a deactivation's transaction: the user's open referrals go back to their
/// organisation's queue, recorded on each timeline.
pub async fn return_to_queue(
    tx: &mut Tx<'_>,
    by: By,
    tenant: domain::TenantId,
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
            Line {
                kind: ReferralEventKind::Unassigned,
                comment: None,
                from: Some(current.status.0),
            },
            Vec::new(),
            now,
        )
        .await?;
    }
    Ok(count)
}
