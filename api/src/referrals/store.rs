//! Referrals and their timeline in the database, always within one tenant. Visibility is not
//! decided here but in `service` through `domain::ReferralAccess`; these queries only scope.

use domain::{ConsentId, OrganisationId, PersonId, ReferralId, ReferralStatus, TenantId, UserId};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, SimpleExpr},
};
use time::OffsetDateTime;

use crate::{
    entities::{referral, referral_event},
    error::ApiResult,
    store::{Coded, Cursor, Key, Page, PageRequest, codes, keyset},
};

pub async fn get(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: ReferralId,
) -> ApiResult<Option<referral::Model>> {
    Ok(
        referral::Entity::find_by_id((tenant.as_uuid(), id.as_uuid()))
            .one(db)
            .await?,
    )
}

/// Every referral of a redirect chain, oldest first.
pub async fn chain(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    root: uuid::Uuid,
) -> ApiResult<Vec<referral::Model>> {
    Ok(referral::Entity::find()
        .filter(referral::Column::TenantId.eq(tenant.as_uuid()))
        .filter(referral::Column::RootId.eq(root))
        .order_by_asc(referral::Column::CreatedAt)
        .order_by_asc(referral::Column::Id)
        .all(db)
        .await?)
}

pub async fn insert(db: &impl ConnectionTrait, model: &referral::Model) -> ApiResult<()> {
    referral::Entity::insert(referral::ActiveModel::from(model.clone()))
        .exec(db)
        .await?;
    Ok(())
}

/// Writes the new state if, and only if, the row still has the version it was read at:
/// optimistic concurrency. Returns false when someone else got there first.
pub async fn update_if_version(
    db: &impl ConnectionTrait,
    next: &referral::Model,
    read_version: i32,
) -> ApiResult<bool> {
    use sea_orm::ActiveValue::Set;
    // Only the columns a transition may change; the rest stays as it is.
    let active = referral::ActiveModel {
        status: Set(next.status),
        version: Set(next.version),
        due_at: Set(next.due_at),
        paused_at: Set(next.paused_at),
        assignee_id: Set(next.assignee_id),
        outcome: Set(next.outcome),
        decline_reason: Set(next.decline_reason),
        updated_at: Set(next.updated_at),
        closed_at: Set(next.closed_at),
        ..Default::default()
    };
    let result = referral::Entity::update_many()
        .set(active)
        .filter(referral::Column::TenantId.eq(next.tenant_id))
        .filter(referral::Column::Id.eq(next.id))
        .filter(referral::Column::Version.eq(read_version))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// A referral's timeline, oldest first.
pub async fn timeline(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    referral: ReferralId,
) -> ApiResult<Vec<referral_event::Model>> {
    Ok(referral_event::Entity::find()
        .filter(referral_event::Column::TenantId.eq(tenant.as_uuid()))
        .filter(referral_event::Column::ReferralId.eq(referral.as_uuid()))
        .order_by_asc(referral_event::Column::At)
        .order_by_asc(referral_event::Column::Id)
        .all(db)
        .await?)
}

/// Open referrals made under a consent, for its withdrawal.
pub async fn open_under_consent(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    consent: ConsentId,
) -> ApiResult<Vec<referral::Model>> {
    Ok(referral::Entity::find()
        .filter(referral::Column::TenantId.eq(tenant.as_uuid()))
        .filter(referral::Column::ConsentId.eq(consent.as_uuid()))
        .filter(open())
        .all(db)
        .await?)
}

/// Open referrals assigned to a user, for when that user leaves.
pub async fn open_assigned_to(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
) -> ApiResult<Vec<referral::Model>> {
    Ok(referral::Entity::find()
        .filter(referral::Column::TenantId.eq(tenant.as_uuid()))
        .filter(referral::Column::AssigneeId.eq(user.as_uuid()))
        .filter(open())
        .all(db)
        .await?)
}

fn final_codes() -> Vec<&'static str> {
    codes(ReferralStatus::ALL.into_iter().filter(|s| s.is_final()))
}

/// Not in a final status — the same predicate as the partial indexes, so they serve.
/// Written with literal statuses, exactly as in the partial indexes' predicate: SQLite uses a
/// partial index only when the query's terms match it literally, and bound parameters do not.
pub fn open() -> SimpleExpr {
    let quoted: Vec<String> = final_codes()
        .iter()
        .map(|code| format!("'{code}'"))
        .collect();
    Expr::cust(format!("status NOT IN ({})", quoted.join(", ")))
}

/// Open, the clock running (not waiting for information), and past its due date.
fn overdue(now: OffsetDateTime) -> Condition {
    Condition::all()
        .add(open())
        .add(referral::Column::Status.ne(ReferralStatus::InfoRequested.as_str()))
        .add(referral::Column::DueAt.lt(now))
}

/// Whether `overdue` holds for one row, as the list filter computes it.
pub fn is_overdue(row: &referral::Model, now: OffsetDateTime) -> bool {
    !row.status.is_final() && !row.status.clock_paused() && row.due_at < now
}

/// Which referrals a list covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    ReceivedBy(OrganisationId),
    SentBy(OrganisationId),
    /// The whole territory.
    Territory,
    /// A person's referrals that this organisation sent or received.
    PersonAt(PersonId, OrganisationId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Newest first, over (created_at, id) descending.
    #[default]
    Newest,
    /// Soonest due first, over (due_at, id): the most urgent at the top.
    DueSoonest,
}

#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub statuses: Vec<ReferralStatus>,
    pub overdue: Option<bool>,
    pub service_id: Option<uuid::Uuid>,
    pub assignee_id: Option<uuid::Uuid>,
    /// The receiving organisation (territory lists).
    pub to_organisation_id: Option<uuid::Uuid>,
}

pub fn cursor_of(order: Order, row: &referral::Model) -> Cursor {
    Cursor::at(
        match order {
            Order::Newest => row.created_at,
            Order::DueSoonest => row.due_at,
        },
        row.id,
    )
}

/// One page of a list. Every filter sits on top of an index that starts with (tenant_id,
/// organisation): a keyset range, never an OFFSET.
pub async fn list(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    scope: Scope,
    filters: &Filters,
    order: Order,
    page: &PageRequest,
    now: OffsetDateTime,
) -> ApiResult<Page<referral::Model>> {
    use referral::Column as C;
    let mut query = referral::Entity::find().filter(C::TenantId.eq(tenant.as_uuid()));
    query = match scope {
        Scope::ReceivedBy(org) => query.filter(C::ToOrganisationId.eq(org.as_uuid())),
        Scope::SentBy(org) => query.filter(C::FromOrganisationId.eq(org.as_uuid())),
        Scope::Territory => query,
        Scope::PersonAt(person, org) => query.filter(C::PersonId.eq(person.as_uuid())).filter(
            Condition::any()
                .add(C::FromOrganisationId.eq(org.as_uuid()))
                .add(C::ToOrganisationId.eq(org.as_uuid())),
        ),
    };
    if let Some(receiver) = filters.to_organisation_id {
        query = query.filter(C::ToOrganisationId.eq(receiver));
    }
    if !filters.statuses.is_empty() {
        query = query.filter(C::Status.is_in(codes(filters.statuses.iter().copied())));
    }
    match filters.overdue {
        Some(true) => query = query.filter(overdue(now)),
        Some(false) => query = query.filter(overdue(now).not()),
        None => {}
    }
    if let Some(service) = filters.service_id {
        query = query.filter(C::ServiceId.eq(service));
    }
    if let Some(assignee) = filters.assignee_id {
        query = query.filter(C::AssigneeId.eq(assignee));
    }
    let query = match order {
        Order::Newest => keyset(query, &[Key::Time(C::CreatedAt)], C::Id, true, page)?,
        Order::DueSoonest => keyset(query, &[Key::Time(C::DueAt)], C::Id, false, page)?,
    };
    let rows = query.all(db).await?;
    Ok(Page::of(page, rows, |row| cursor_of(order, row)))
}

/// Counts per status of a list's scope (open ones first), for the lists' headings.
pub async fn count_by_status(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    scope: Scope,
) -> ApiResult<Vec<(ReferralStatus, i64)>> {
    use referral::Column as C;
    use sea_orm::QuerySelect;
    let mut query = referral::Entity::find()
        .select_only()
        .column(C::Status)
        .column_as(C::Id.count(), "n")
        .filter(C::TenantId.eq(tenant.as_uuid()))
        .group_by(C::Status);
    query = match scope {
        Scope::ReceivedBy(org) => query.filter(C::ToOrganisationId.eq(org.as_uuid())),
        Scope::SentBy(org) => query.filter(C::FromOrganisationId.eq(org.as_uuid())),
        Scope::Territory => query,
        Scope::PersonAt(person, org) => query.filter(C::PersonId.eq(person.as_uuid())).filter(
            Condition::any()
                .add(C::FromOrganisationId.eq(org.as_uuid()))
                .add(C::ToOrganisationId.eq(org.as_uuid())),
        ),
    };
    let rows: Vec<(Coded<ReferralStatus>, i64)> = query.into_tuple().all(db).await?;
    let mut counts: Vec<(ReferralStatus, i64)> = ReferralStatus::ALL
        .into_iter()
        .map(|s| {
            (
                s,
                rows.iter().find(|(c, _)| c.0 == s).map_or(0, |(_, n)| *n),
            )
        })
        .collect();
    counts.sort_by_key(|(s, _)| s.is_final());
    Ok(counts)
}
