//! Referral queries, `createReferral`, the lifecycle mutations, and the `Referral` type.

use async_graphql::{Context, Enum, ID, InputObject, Object, connection::Connection};
use domain::OrganisationId;
use time::OffsetDateTime;

use crate::{
    auth::graphql::User,
    directory::{
        graphql::{Organisation, Service},
        loaders as directory_loaders,
    },
    entities::{referral, referral_event},
    error::{ApiError, ApiResult},
    graphql::{
        CtxExt,
        pagination::{Cursor, PageRequest, connection},
    },
    people::graphql::Person,
    referrals::{
        commands::{self, Change},
        loaders::{self, ConsentLoader, PersonLoader, ServiceLoader, UserLoader},
        store::{self, Filters, Mailbox, Order},
        visibility::{View, view_of},
    },
};

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "ReferralStatus", remote = "domain::ReferralStatus")]
pub enum ReferralStatus {
    Sent,
    Acknowledged,
    InfoRequested,
    Accepted,
    Completed,
    Declined,
    Redirected,
    Cancelled,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "Urgency", remote = "domain::Urgency")]
pub enum Urgency {
    Standard,
    Urgent,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "Outcome", remote = "domain::Outcome")]
pub enum Outcome {
    RightOpened,
    ServiceDelivered,
    NotEligible,
    PersonUnreachable,
    PersonDeclined,
    Other,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "DeclineReason", remote = "domain::DeclineReason")]
pub enum DeclineReason {
    NotEligible,
    NotOurService,
    IncompleteFile,
    NoCapacity,
    PersonUnreachable,
    Duplicate,
    Other,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum ReferralOrder {
    /// Newest first.
    #[default]
    Newest,
    /// Soonest due first: the most urgent at the top.
    DueSoonest,
}

pub struct Referral(pub referral::Model);

impl Referral {
    fn view(&self, ctx: &Context<'_>) -> ApiResult<View> {
        Ok(view_of(ctx.actor()?, &self.0, None).unwrap_or(View::Observer))
    }

    fn party(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(self.view(ctx)? != View::Observer)
    }

    async fn sees_identity(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(match self.view(ctx)? {
            View::Sender => true,
            View::Observer => false,
            View::Receiver => {
                let consent = loaders::load::<ConsentLoader>(ctx, self.0.consent_id).await?;
                consent.is_some_and(|c| c.withdrawn_at.is_none())
            }
        })
    }
}

pub fn newest_cursor(row: &referral::Model) -> Cursor {
    store::cursor_of(Order::Newest, row)
}

fn parse_status(raw: &str) -> ReferralStatus {
    domain::ReferralStatus::parse(raw)
        .unwrap_or(domain::ReferralStatus::Sent)
        .into()
}

#[Object]
impl Referral {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn status(&self) -> ReferralStatus {
        parse_status(&self.0.status)
    }
    /// Bumped by every transition; pass it back as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn urgency(&self) -> Urgency {
        domain::Urgency::parse(&self.0.urgency)
            .unwrap_or(domain::Urgency::Standard)
            .into()
    }
    /// Why the person is referred. Hidden (null) from coordinators: free text may name them.
    async fn motive(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        Ok(self.party(ctx)?.then_some(self.0.motive.as_str()))
    }
    /// When the receiver must have answered, in working days from the service's response time.
    async fn due_at(&self) -> OffsetDateTime {
        self.0.due_at
    }
    /// Open, the clock running, and past `dueAt`.
    async fn overdue(&self, ctx: &Context<'_>) -> bool {
        store::is_overdue(&self.0, ctx.app().clock.now())
    }
    async fn created_at(&self) -> OffsetDateTime {
        self.0.created_at
    }
    async fn updated_at(&self) -> OffsetDateTime {
        self.0.updated_at
    }
    async fn closed_at(&self) -> Option<OffsetDateTime> {
        self.0.closed_at
    }
    /// The person referred: for the sender always; for the receiver while the consent stands;
    /// never for anyone else.
    async fn person(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        if !self.sees_identity(ctx).await? {
            return Ok(None);
        }
        Ok(loaders::load::<PersonLoader>(ctx, self.0.person_id)
            .await?
            .map(Person))
    }
    /// True when the caller may see who is referred.
    async fn identity_visible(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        self.sees_identity(ctx).await
    }
    /// The consent this referral was made under (its status, not its content).
    async fn consent_status(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<crate::consents::graphql::ConsentStatus>> {
        let consent = loaders::load::<ConsentLoader>(ctx, self.0.consent_id).await?;
        Ok(consent.map(|c| {
            domain::consent_status(c.withdrawn_at, c.expires_at, ctx.app().clock.now()).into()
        }))
    }
    async fn from_organisation(&self, ctx: &Context<'_>) -> ApiResult<Organisation> {
        directory_loaders::organisation(ctx, OrganisationId::from_uuid(self.0.from_organisation_id))
            .await
    }
    async fn to_organisation(&self, ctx: &Context<'_>) -> ApiResult<Organisation> {
        directory_loaders::organisation(ctx, OrganisationId::from_uuid(self.0.to_organisation_id))
            .await
    }
    async fn service(&self, ctx: &Context<'_>) -> ApiResult<Service> {
        loaders::load::<ServiceLoader>(ctx, self.0.service_id)
            .await?
            .map(Service)
            .ok_or(ApiError::Domain(domain::Error::NotFound))
    }
    /// The referral this one was redirected from, if the caller may see it.
    async fn parent(&self, ctx: &Context<'_>) -> ApiResult<Option<Referral>> {
        let Some(parent) = self.0.parent_id else {
            return Ok(None);
        };
        let actor = ctx.actor()?;
        let found = store::referral_get(&ctx.app().db, actor.tenant_id, parent).await?;
        Ok(found
            .filter(|p| view_of(actor, p, None).is_some())
            .map(Referral))
    }
    /// The referrals this one was redirected to.
    async fn children(&self, ctx: &Context<'_>) -> ApiResult<Vec<Referral>> {
        let actor = ctx.actor()?;
        let rows = store::children_of(&ctx.app().db, actor.tenant_id, self.0.id).await?;
        Ok(rows
            .into_iter()
            .filter(|child| view_of(actor, child, Some(self.0.to_organisation_id)).is_some())
            .map(Referral)
            .collect())
    }
    async fn assignee(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        let Some(id) = self.0.assignee_id else {
            return Ok(None);
        };
        Ok(loaders::load::<UserLoader>(ctx, id).await?.map(User))
    }
    async fn outcome(&self) -> Option<Outcome> {
        self.0
            .outcome
            .as_deref()
            .and_then(|o| domain::Outcome::parse(o).ok())
            .map(Into::into)
    }
    async fn decline_reason(&self) -> Option<DeclineReason> {
        self.0
            .decline_reason
            .as_deref()
            .and_then(|o| domain::DeclineReason::parse(o).ok())
            .map(Into::into)
    }
    /// Every step, oldest first. Comments are hidden from coordinators.
    async fn timeline(&self, ctx: &Context<'_>) -> ApiResult<Vec<ReferralEvent>> {
        let party = self.party(ctx)?;
        let rows = store::timeline(&ctx.app().db, self.0.tenant_id, self.0.id).await?;
        Ok(rows
            .into_iter()
            .map(|e| ReferralEvent {
                event: e,
                show_comment: party,
            })
            .collect())
    }
}

pub struct ReferralEvent {
    event: referral_event::Model,
    show_comment: bool,
}

#[Object]
impl ReferralEvent {
    async fn at(&self) -> OffsetDateTime {
        self.event.at
    }
    /// CREATE, an action (ACKNOWLEDGE, REQUEST_INFO…), or a system event (CONSENT_WITHDRAWN…).
    async fn kind(&self) -> &str {
        &self.event.kind
    }
    async fn actor(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        let Some(id) = self.event.actor_id else {
            return Ok(None);
        };
        Ok(loaders::load::<UserLoader>(ctx, id).await?.map(User))
    }
    async fn comment(&self) -> Option<&str> {
        self.event.comment.as_deref().filter(|_| self.show_comment)
    }
    async fn from_status(&self) -> Option<ReferralStatus> {
        self.event.from_status.as_deref().map(parse_status)
    }
    async fn to_status(&self) -> Option<ReferralStatus> {
        self.event.to_status.as_deref().map(parse_status)
    }
}

#[derive(InputObject)]
pub struct CreateReferralInput {
    person_id: ID,
    consent_id: ID,
    service_id: ID,
    motive: String,
    urgency: Option<Urgency>,
}

/// Visible-or-NOT_FOUND lookup, including the organisation that redirected a referral here.
pub async fn visible_referral(ctx: &Context<'_>, id: &str) -> ApiResult<referral::Model> {
    let actor = ctx.actor()?;
    let db = &ctx.app().db;
    let not_found = || ApiError::Domain(domain::Error::NotFound);
    let id: uuid::Uuid = id.trim().parse().map_err(|_| not_found())?;
    let found = store::referral_get(db, actor.tenant_id, id)
        .await?
        .ok_or_else(not_found)?;
    if view_of(actor, &found, None).is_some() {
        return Ok(found);
    }
    let Some(parent) = found.parent_id else {
        return Err(not_found());
    };
    let parent = store::referral_get(db, actor.tenant_id, parent)
        .await?
        .ok_or_else(not_found)?;
    view_of(actor, &found, Some(parent.to_organisation_id))
        .map(|_| found)
        .ok_or_else(not_found)
}

#[derive(Default)]
pub struct ReferralsQuery;

#[Object]
impl ReferralsQuery {
    /// A referral the caller's organisation sent or received (coordinators: any of the
    /// territory, without the person); NOT_FOUND otherwise.
    async fn referral(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Referral> {
        Ok(Referral(visible_referral(ctx, &id.0).await?))
    }

    /// The referrals the caller's organisation received (back office).
    #[expect(
        clippy::too_many_arguments,
        reason = "each argument is one of the contract's list filters"
    )]
    async fn referrals_received(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<Vec<ReferralStatus>>,
        overdue: Option<bool>,
        service_id: Option<ID>,
        assignee_id: Option<ID>,
        order_by: Option<ReferralOrder>,
    ) -> ApiResult<Connection<String, Referral>> {
        let actor = ctx.actor()?;
        domain::authorize(
            actor,
            domain::Action::WorkReferral,
            &domain::Target::organisation(actor.tenant_id, actor.organisation_id),
        )?;
        let filters = Filters {
            service_id: optional_id("serviceId", service_id)?,
            assignee_id: optional_id("assigneeId", assignee_id)?,
            ..base_filters(status, overdue)
        };
        list(ctx, Mailbox::Received, filters, order_by, first, after).await
    }

    /// Every referral of the territory, newest first or soonest due (coordinators and tenant
    /// admins). Metadata only: the person and free text stay hidden.
    #[expect(
        clippy::too_many_arguments,
        reason = "each argument is one of the contract's list filters"
    )]
    async fn referrals_in_territory(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<Vec<ReferralStatus>>,
        overdue: Option<bool>,
        to_organisation_id: Option<ID>,
        order_by: Option<ReferralOrder>,
    ) -> ApiResult<Connection<String, Referral>> {
        let actor = ctx.actor()?;
        domain::authorize(
            actor,
            domain::Action::ReadMonitoring,
            &domain::Target::tenant(actor.tenant_id),
        )?;
        let filters = Filters {
            to_organisation_id: optional_id("toOrganisationId", to_organisation_id)?,
            ..base_filters(status, overdue)
        };
        list(ctx, Mailbox::Territory, filters, order_by, first, after).await
    }

    /// The referrals the caller's organisation sent (agents).
    async fn referrals_sent(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<Vec<ReferralStatus>>,
        overdue: Option<bool>,
        order_by: Option<ReferralOrder>,
    ) -> ApiResult<Connection<String, Referral>> {
        let actor = ctx.actor()?;
        if !actor
            .roles
            .contains_any(&[domain::Role::Agent, domain::Role::OrgAdmin])
        {
            return Err(ApiError::Domain(domain::Error::Forbidden));
        }
        let filters = base_filters(status, overdue);
        list(ctx, Mailbox::Sent, filters, order_by, first, after).await
    }
}

/// The filters every referral list takes; the list's own ones are set over them.
fn base_filters(status: Option<Vec<ReferralStatus>>, overdue: Option<bool>) -> Filters {
    Filters {
        statuses: status
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect(),
        overdue,
        ..Filters::default()
    }
}

/// An optional id argument; a malformed one is BAD_USER_INPUT naming the field.
fn optional_id(field: &str, id: Option<ID>) -> ApiResult<Option<uuid::Uuid>> {
    id.map(|i| crate::directory::commands::parse_id(field, &i.0))
        .transpose()
}

async fn list(
    ctx: &Context<'_>,
    mailbox: Mailbox,
    filters: Filters,
    order_by: Option<ReferralOrder>,
    first: Option<i32>,
    after: Option<String>,
) -> ApiResult<Connection<String, Referral>> {
    let actor = ctx.actor()?;
    let app = ctx.app();
    let page = PageRequest::parse(first, after)?;
    let order = match order_by.unwrap_or_default() {
        ReferralOrder::Newest => Order::Newest,
        ReferralOrder::DueSoonest => Order::DueSoonest,
    };
    let rows = store::list(
        &app.db,
        actor,
        mailbox,
        &filters,
        order,
        &page,
        app.clock.now(),
    )
    .await?;
    Ok(connection(
        &page,
        rows,
        |row| store::cursor_of(order, row),
        Referral,
    ))
}

#[derive(Default)]
pub struct ReferralsMutation;

async fn apply(
    ctx: &Context<'_>,
    id: ID,
    expected_version: Option<i32>,
    change: Change,
) -> ApiResult<Referral> {
    Ok(Referral(
        commands::transition(ctx.app(), ctx.actor()?, &id.0, expected_version, change).await?,
    ))
}

#[Object]
impl ReferralsMutation {
    /// Refers a person to a partner's service, under a consent that is active now and names
    /// the receiving organisation (agents).
    async fn create_referral(
        &self,
        ctx: &Context<'_>,
        input: CreateReferralInput,
    ) -> ApiResult<Referral> {
        let form = commands::ReferralForm {
            person_id: input.person_id.0,
            consent_id: input.consent_id.0,
            service_id: input.service_id.0,
            motive: input.motive,
            urgency: input
                .urgency
                .map(Into::into)
                .unwrap_or(domain::Urgency::Standard),
        };
        Ok(Referral(
            commands::create_referral(ctx.app(), ctx.actor()?, form).await?,
        ))
    }

    /// SENT → ACKNOWLEDGED (receiver).
    async fn acknowledge_referral(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i32>,
    ) -> ApiResult<Referral> {
        apply(ctx, id, expected_version, Change::Acknowledge).await
    }
    /// → INFO_REQUESTED (receiver); the due-date clock stops.
    async fn request_referral_info(
        &self,
        ctx: &Context<'_>,
        id: ID,
        question: String,
        expected_version: Option<i32>,
    ) -> ApiResult<Referral> {
        apply(ctx, id, expected_version, Change::RequestInfo { question }).await
    }
    /// INFO_REQUESTED → ACKNOWLEDGED (sender); the clock restarts with the days that remained.
    async fn provide_referral_info(
        &self,
        ctx: &Context<'_>,
        id: ID,
        answer: String,
        expected_version: Option<i32>,
    ) -> ApiResult<Referral> {
        apply(ctx, id, expected_version, Change::ProvideInfo { answer }).await
    }
    /// → ACCEPTED (receiver).
    async fn accept_referral(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i32>,
    ) -> ApiResult<Referral> {
        apply(ctx, id, expected_version, Change::Accept).await
    }
    /// → DECLINED with a coded reason (receiver).
    async fn decline_referral(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: DeclineReason,
        comment: Option<String>,
        expected_version: Option<i32>,
    ) -> ApiResult<Referral> {
        apply(
            ctx,
            id,
            expected_version,
            Change::Decline {
                reason: reason.into(),
                comment,
            },
        )
        .await
    }
    /// → REDIRECTED, and a new linked referral to another organisation's service (receiver).
    async fn redirect_referral(
        &self,
        ctx: &Context<'_>,
        id: ID,
        service_id: ID,
        comment: Option<String>,
        expected_version: Option<i32>,
    ) -> ApiResult<Referral> {
        apply(
            ctx,
            id,
            expected_version,
            Change::Redirect {
                service_id: service_id.0,
                comment,
            },
        )
        .await
    }
    /// ACCEPTED → COMPLETED with an outcome (receiver).
    async fn complete_referral(
        &self,
        ctx: &Context<'_>,
        id: ID,
        outcome: Outcome,
        comment: Option<String>,
        expected_version: Option<i32>,
    ) -> ApiResult<Referral> {
        apply(
            ctx,
            id,
            expected_version,
            Change::Complete {
                outcome: outcome.into(),
                comment,
            },
        )
        .await
    }
    /// → CANCELLED with a reason (sender).
    async fn cancel_referral(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
        expected_version: Option<i32>,
    ) -> ApiResult<Referral> {
        apply(ctx, id, expected_version, Change::Cancel { reason }).await
    }
    /// Assigns to a back-office user of the receiving organisation, or unassigns (receiver).
    async fn assign_referral(
        &self,
        ctx: &Context<'_>,
        id: ID,
        user_id: Option<ID>,
        expected_version: Option<i32>,
    ) -> ApiResult<Referral> {
        apply(
            ctx,
            id,
            expected_version,
            Change::Assign {
                user_id: user_id.map(|u| u.0),
            },
        )
        .await
    }
    /// Adds a comment to the timeline (either side).
    async fn comment_referral(
        &self,
        ctx: &Context<'_>,
        id: ID,
        body: String,
        expected_version: Option<i32>,
    ) -> ApiResult<Referral> {
        apply(ctx, id, expected_version, Change::Comment { body }).await
    }
}
