//! Escalations and their history in the database, always within one tenant. Visibility is not
//! decided here but in `service` through `domain::EscalationAccess`; these queries only scope.

use std::collections::HashMap;

use domain::{
    EscalationEventKind, EscalationId, EscalationStatus, OrganisationId, PersonId, ReferralId,
    TenantId, UserId,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, Query, SimpleExpr},
};
use time::OffsetDateTime;

use crate::{
    entities::{escalation, escalation_event},
    error::ApiResult,
    store::{Coded, Cursor, Key, Page, PageRequest, codes, keyset},
};

pub async fn get(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: EscalationId,
) -> ApiResult<Option<escalation::Model>> {
    Ok(
        escalation::Entity::find_by_id((tenant.as_uuid(), id.as_uuid()))
            .one(db)
            .await?,
    )
}

pub async fn insert(db: &impl ConnectionTrait, model: &escalation::Model) -> ApiResult<()> {
    escalation::Entity::insert(escalation::ActiveModel::from(model.clone()))
        .exec(db)
        .await?;
    Ok(())
}

/// Writes the new state if, and only if, the row still has the version it was read at.
/// Returns false when someone else changed it first.
pub async fn update_if_version(
    db: &impl ConnectionTrait,
    next: &escalation::Model,
    read_version: i32,
) -> ApiResult<bool> {
    use sea_orm::ActiveValue::Set;
    // Only the columns a change may touch.
    let active = escalation::ActiveModel {
        to_organisation_id: Set(next.to_organisation_id),
        status: Set(next.status),
        version: Set(next.version),
        assignee_id: Set(next.assignee_id),
        due_at: Set(next.due_at),
        updated_at: Set(next.updated_at),
        answered_at: Set(next.answered_at),
        closed_at: Set(next.closed_at),
        reminded_at: Set(next.reminded_at),
        admins_alerted_at: Set(next.admins_alerted_at),
        ..Default::default()
    };
    let result = escalation::Entity::update_many()
        .set(active)
        .filter(escalation::Column::TenantId.eq(next.tenant_id))
        .filter(escalation::Column::Id.eq(next.id))
        .filter(escalation::Column::Version.eq(read_version))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// An escalation's history, oldest first.
pub async fn history(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: EscalationId,
) -> ApiResult<Vec<escalation_event::Model>> {
    Ok(escalation_event::Entity::find()
        .filter(escalation_event::Column::TenantId.eq(tenant.as_uuid()))
        .filter(escalation_event::Column::EscalationId.eq(id.as_uuid()))
        .order_by_asc(escalation_event::Column::At)
        .order_by_asc(escalation_event::Column::Id)
        .all(db)
        .await?)
}

/// For each of these escalations, the organisations that transferred it on and when they last
/// did.
pub async fn transfers_of(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    ids: &[uuid::Uuid],
) -> ApiResult<HashMap<uuid::Uuid, Vec<(OrganisationId, OffsetDateTime)>>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = escalation_event::Entity::find()
        .filter(escalation_event::Column::TenantId.eq(tenant.as_uuid()))
        .filter(escalation_event::Column::EscalationId.is_in(ids.iter().copied()))
        .filter(escalation_event::Column::Kind.eq(EscalationEventKind::Transferred.as_str()))
        .order_by_asc(escalation_event::Column::At)
        .all(db)
        .await?;
    let mut out: HashMap<uuid::Uuid, Vec<(OrganisationId, OffsetDateTime)>> = HashMap::new();
    for row in rows {
        let Some(from) = row.from_organisation_id else {
            continue;
        };
        let list = out.entry(row.escalation_id).or_default();
        let from = OrganisationId::from_uuid(from);
        list.retain(|(org, _)| *org != from);
        list.push((from, row.at));
    }
    Ok(out)
}

/// The escalations about a referral, oldest first.
pub async fn of_referral(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    referral: ReferralId,
) -> ApiResult<Vec<escalation::Model>> {
    Ok(escalation::Entity::find()
        .filter(escalation::Column::TenantId.eq(tenant.as_uuid()))
        .filter(escalation::Column::ReferralId.eq(referral.as_uuid()))
        .order_by_asc(escalation::Column::CreatedAt)
        .order_by_asc(escalation::Column::Id)
        .all(db)
        .await?)
}

/// Escalations not closed and assigned to a user, for when that user leaves.
pub async fn open_assigned_to(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
) -> ApiResult<Vec<escalation::Model>> {
    Ok(escalation::Entity::find()
        .filter(escalation::Column::TenantId.eq(tenant.as_uuid()))
        .filter(escalation::Column::AssigneeId.eq(user.as_uuid()))
        .filter(escalation::Column::Status.ne(EscalationStatus::Closed.as_str()))
        .all(db)
        .await?)
}

/// Waiting for the back office and past its due moment.
fn overdue(now: OffsetDateTime) -> Condition {
    Condition::all()
        .add(escalation::Column::Status.eq(EscalationStatus::Open.as_str()))
        .add(escalation::Column::DueAt.lt(now))
}

/// Whether `overdue` holds for one row, as the list filter computes it.
pub fn is_overdue(row: &escalation::Model, now: OffsetDateTime) -> bool {
    row.status.0 == EscalationStatus::Open && row.due_at < now
}

/// Which escalations a list covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Addressed to this organisation now.
    ReceivedBy(OrganisationId),
    SentBy(OrganisationId),
    /// Transferred on by this organisation, and addressed to another now.
    TransferredBy(OrganisationId),
    /// About this person, sent by this organisation (which holds the person).
    AboutPerson(PersonId, OrganisationId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Soonest due first: the most urgent at the top.
    #[default]
    DueSoonest,
    /// Newest first.
    Newest,
}

#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub statuses: Vec<EscalationStatus>,
    pub overdue: Option<bool>,
    pub assignee_id: Option<uuid::Uuid>,
}

fn scoped(
    query: sea_orm::Select<escalation::Entity>,
    tenant: TenantId,
    scope: Scope,
) -> sea_orm::Select<escalation::Entity> {
    use escalation::Column as C;
    let query = query.filter(C::TenantId.eq(tenant.as_uuid()));
    match scope {
        Scope::ReceivedBy(org) => query.filter(C::ToOrganisationId.eq(org.as_uuid())),
        Scope::SentBy(org) => query.filter(C::FromOrganisationId.eq(org.as_uuid())),
        Scope::AboutPerson(person, org) => query
            .filter(C::FromOrganisationId.eq(org.as_uuid()))
            .filter(C::PersonId.eq(person.as_uuid())),
        Scope::TransferredBy(org) => {
            use escalation_event::Column as E;
            use sea_orm::ExprTrait as _;
            let transferred: SimpleExpr = C::Id.in_subquery(
                Query::select()
                    .column(E::EscalationId)
                    .from(escalation_event::Entity)
                    .and_where(Expr::col(E::TenantId).eq(tenant.as_uuid()))
                    .and_where(Expr::col(E::FromOrganisationId).eq(org.as_uuid()))
                    .and_where(Expr::col(E::Kind).eq(EscalationEventKind::Transferred.as_str()))
                    .to_owned(),
            );
            query
                .filter(transferred)
                .filter(C::ToOrganisationId.ne(org.as_uuid()))
        }
    }
}

pub fn cursor_of(order: Order, row: &escalation::Model) -> Cursor {
    Cursor::at(
        match order {
            Order::DueSoonest => row.due_at,
            Order::Newest => row.created_at,
        },
        row.id,
    )
}

/// One page of a list, on an index that starts with (tenant_id, organisation): a keyset range.
pub async fn list(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    scope: Scope,
    filters: &Filters,
    order: Order,
    page: &PageRequest,
    now: OffsetDateTime,
) -> ApiResult<Page<escalation::Model>> {
    use escalation::Column as C;
    let mut query = scoped(escalation::Entity::find(), tenant, scope);
    if !filters.statuses.is_empty() {
        query = query.filter(C::Status.is_in(codes(filters.statuses.iter().copied())));
    }
    match filters.overdue {
        Some(true) => query = query.filter(overdue(now)),
        Some(false) => query = query.filter(overdue(now).not()),
        None => {}
    }
    if let Some(assignee) = filters.assignee_id {
        query = query.filter(C::AssigneeId.eq(assignee));
    }
    let query = match order {
        Order::DueSoonest => keyset(query, &[Key::Time(C::DueAt)], C::Id, false, page)?,
        Order::Newest => keyset(query, &[Key::Time(C::CreatedAt)], C::Id, true, page)?,
    };
    let rows = query.all(db).await?;
    Ok(Page::of(page, rows, |row| cursor_of(order, row)))
}

/// How many escalations of a list's scope are in each status, and how many are overdue or
/// (not closed and) assigned to `user`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub by_status: Vec<(EscalationStatus, i64)>,
    pub overdue: i64,
    pub mine: i64,
}

pub async fn counts(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    scope: Scope,
    user: Option<UserId>,
    now: OffsetDateTime,
) -> ApiResult<Counts> {
    use escalation::Column as C;
    let rows: Vec<(Coded<EscalationStatus>, i64)> =
        scoped(escalation::Entity::find(), tenant, scope)
            .select_only()
            .column(C::Status)
            .column_as(C::Id.count(), "n")
            .group_by(C::Status)
            .into_tuple()
            .all(db)
            .await?;
    let count = |query: sea_orm::Select<escalation::Entity>| async move {
        let n: Option<i64> = query
            .select_only()
            .column_as(C::Id.count(), "n")
            .into_tuple()
            .one(db)
            .await?;
        ApiResult::Ok(n.unwrap_or(0))
    };
    let overdue =
        count(scoped(escalation::Entity::find(), tenant, scope).filter(overdue(now))).await?;
    let mine = match user {
        Some(user) => {
            count(
                scoped(escalation::Entity::find(), tenant, scope)
                    .filter(C::AssigneeId.eq(user.as_uuid()))
                    .filter(C::Status.ne(EscalationStatus::Closed.as_str())),
            )
            .await?
        }
        None => 0,
    };
    Ok(Counts {
        by_status: EscalationStatus::ALL
            .into_iter()
            .map(|s| {
                (
                    s,
                    rows.iter().find(|(c, _)| c.0 == s).map_or(0, |(_, n)| *n),
                )
            })
            .collect(),
        overdue,
        mine,
    })
}

/// Escalations waiting for an answer whose due moment is past, whose `stage` column is still
/// empty, due first: the deadline scheduler's candidates, across tenants.
pub async fn stage_candidates(
    db: &impl ConnectionTrait,
    stage: escalation::Column,
    now: OffsetDateTime,
    limit: u64,
) -> ApiResult<Vec<escalation::Model>> {
    Ok(escalation::Entity::find()
        .filter(escalation::Column::Status.eq(EscalationStatus::Open.as_str()))
        .filter(stage.is_null())
        .filter(escalation::Column::DueAt.lte(now))
        .order_by_asc(escalation::Column::DueAt)
        .limit(limit)
        .all(db)
        .await?)
}

/// Marks `stage` as sent now, if nobody did and the escalation still waits for the same due
/// moment: the one guarded write that makes a stage go out once, whatever the replicas.
pub async fn mark_stage(
    db: &impl ConnectionTrait,
    row: &escalation::Model,
    stage: escalation::Column,
    now: OffsetDateTime,
) -> ApiResult<bool> {
    let marked = escalation::Entity::update_many()
        .col_expr(stage, Expr::value(Some(now)))
        .filter(escalation::Column::TenantId.eq(row.tenant_id))
        .filter(escalation::Column::Id.eq(row.id))
        .filter(stage.is_null())
        .filter(escalation::Column::Status.eq(EscalationStatus::Open.as_str()))
        .filter(escalation::Column::DueAt.eq(row.due_at))
        .exec(db)
        .await?;
    Ok(marked.rows_affected == 1)
}

/// Which of these (person, organisation) pairs an active consent of the person covers now:
/// the receiver sees the person only then.
pub async fn consented(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    pairs: &[(uuid::Uuid, uuid::Uuid)],
    now: OffsetDateTime,
) -> ApiResult<std::collections::HashSet<(uuid::Uuid, uuid::Uuid)>> {
    use crate::entities::{consent, consent_recipient};
    let mut people: Vec<uuid::Uuid> = pairs.iter().map(|(p, _)| *p).collect();
    people.sort();
    people.dedup();
    if people.is_empty() {
        return Ok(Default::default());
    }
    let active: HashMap<uuid::Uuid, uuid::Uuid> = consent::Entity::find()
        .filter(consent::Column::TenantId.eq(tenant.as_uuid()))
        .filter(consent::Column::PersonId.is_in(people))
        .filter(consent::Column::WithdrawnAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .filter(|c| {
            domain::consent_status(c.withdrawn_at, c.expires_at, now)
                == domain::ConsentStatus::Active
        })
        .map(|c| (c.id, c.person_id))
        .collect();
    if active.is_empty() {
        return Ok(Default::default());
    }
    let covered: std::collections::HashSet<(uuid::Uuid, uuid::Uuid)> =
        consent_recipient::Entity::find()
            .filter(consent_recipient::Column::TenantId.eq(tenant.as_uuid()))
            .filter(consent_recipient::Column::ConsentId.is_in(active.keys().copied()))
            .all(db)
            .await?
            .into_iter()
            .filter_map(|r| active.get(&r.consent_id).map(|p| (*p, r.organisation_id)))
            .collect();
    Ok(pairs
        .iter()
        .copied()
        .filter(|pair| covered.contains(pair))
        .collect())
}

/// What the territory's figures need of each escalation, opened between `from` and `to`
/// (inclusive dates, UTC): never its subject, messages or person.
pub async fn figures_rows(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    from: Option<time::Date>,
    to: Option<time::Date>,
) -> ApiResult<Vec<FigureRow>> {
    use escalation::Column as C;
    let mut query = escalation::Entity::find()
        .select_only()
        .columns([
            C::ToOrganisationId,
            C::Status,
            C::CreatedAt,
            C::AnsweredAt,
            C::DueAt,
        ])
        .filter(C::TenantId.eq(tenant.as_uuid()));
    if let Some(from) = from {
        query = query.filter(C::CreatedAt.gte(from.midnight().assume_utc()));
    }
    if let Some(to) = to.and_then(|d| d.next_day()) {
        query = query.filter(C::CreatedAt.lt(to.midnight().assume_utc()));
    }
    Ok(query.into_model::<FigureRow>().all(db).await?)
}

#[derive(Debug, Clone, sea_orm::FromQueryResult)]
pub struct FigureRow {
    pub to_organisation_id: uuid::Uuid,
    pub status: Coded<EscalationStatus>,
    pub created_at: OffsetDateTime,
    pub answered_at: Option<OffsetDateTime>,
    pub due_at: OffsetDateTime,
}
