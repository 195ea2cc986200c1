//! Referral queries, `createReferral`, the lifecycle mutations, the deadline thresholds, and the
//! `Referral` type — a thin rendering of `service`'s views: parse, call, map.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, connection::Connection};
use time::OffsetDateTime;

use crate::{
    auth::graphql::User,
    consents::graphql::ConsentStatus,
    directory::graphql::{self as directory_graphql, Organisation, Service},
    error::ApiResult,
    graphql::context::{CtxExt, connection},
    people::graphql::Person,
    referrals::{
        deadlines::{self, Thresholds},
        loaders::{self, PersonLoader, UserLoader},
        service::{self, Change, Listing, NewReferral},
        store::{Filters, Order},
        view::{ReferralView, TimelineEntry},
    },
    service::{input_id, lookup_id, optional_input_id},
    store::PageRequest,
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

/// Something a caller may do to a referral (see `Referral.availableActions`).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "ReferralAction", remote = "domain::ReferralAction")]
pub enum ReferralAction {
    Acknowledge,
    RequestInfo,
    ProvideInfo,
    Accept,
    Decline,
    Redirect,
    Complete,
    Cancel,
    Assign,
    Comment,
}

/// What a line of a timeline records.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "ReferralEventKind", remote = "domain::ReferralEventKind")]
pub enum ReferralEventKind {
    Create,
    Acknowledge,
    RequestInfo,
    ProvideInfo,
    Accept,
    Decline,
    Redirect,
    Complete,
    Cancel,
    Assign,
    Comment,
    ConsentWithdrawn,
    ReminderSent,
    OverdueNoticeSent,
    Escalated,
    Unassigned,
    EscalationOpened,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum ReferralOrder {
    /// Newest first.
    #[default]
    Newest,
    /// Soonest due first: the most urgent at the top.
    DueSoonest,
}

impl From<ReferralOrder> for Order {
    fn from(order: ReferralOrder) -> Self {
        match order {
            ReferralOrder::Newest => Order::Newest,
            ReferralOrder::DueSoonest => Order::DueSoonest,
        }
    }
}

pub struct Referral(pub ReferralView);

#[Object]
impl Referral {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn status(&self) -> ReferralStatus {
        self.0.status.into()
    }
    /// Bumped by every transition; pass it back as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn urgency(&self) -> Urgency {
        self.0.urgency.into()
    }
    /// Why the person is referred. Null for those who may not read it (coordinators, other
    /// parties of a redirect chain): free text may name the person.
    async fn motive(&self) -> Option<&str> {
        self.0.motive.as_deref()
    }
    /// When the receiver must have answered, in working days from the service's response time.
    async fn due_at(&self) -> OffsetDateTime {
        self.0.due_at
    }
    /// Open, the clock running, and past `dueAt`.
    async fn overdue(&self) -> bool {
        self.0.overdue
    }
    /// Working days past `dueAt` while overdue (0 on the due day itself); null otherwise.
    async fn days_overdue(&self) -> Option<i32> {
        self.0
            .days_overdue
            .map(|d| i32::try_from(d).unwrap_or(i32::MAX))
    }
    /// The due-date clock is stopped while the receiver waits for information.
    async fn clock_paused(&self) -> bool {
        self.0.paused
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
    /// The person referred: for the sender's agents and admins; for the receiver while the
    /// consent stands; never for anyone else.
    async fn person(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        let Some(person) = self.0.person else {
            return Ok(None);
        };
        Ok(loaders::load::<PersonLoader>(ctx, person.as_uuid())
            .await?
            .map(Person))
    }
    /// True when the caller may see who is referred.
    async fn identity_visible(&self) -> bool {
        self.0.access.identity
    }
    /// The consent this referral was made under (its status, not its content).
    async fn consent_status(&self) -> ConsentStatus {
        self.0.consent_status.into()
    }
    async fn from_organisation(&self, ctx: &Context<'_>) -> ApiResult<Organisation> {
        directory_graphql::organisation(ctx, self.0.from_organisation).await
    }
    async fn to_organisation(&self, ctx: &Context<'_>) -> ApiResult<Organisation> {
        directory_graphql::organisation(ctx, self.0.to_organisation).await
    }
    async fn service(&self, ctx: &Context<'_>) -> ApiResult<Service> {
        directory_graphql::service(ctx, self.0.service).await
    }
    /// The referral this one was redirected from: every party of a chain sees its metadata.
    async fn parent(&self, ctx: &Context<'_>) -> ApiResult<Option<Referral>> {
        Ok(service::parent(&ctx.service()?, &self.0)
            .await?
            .map(Referral))
    }
    /// The referrals this one was redirected to.
    async fn children(&self, ctx: &Context<'_>) -> ApiResult<Vec<Referral>> {
        Ok(service::children(&ctx.service()?, &self.0)
            .await?
            .into_iter()
            .map(Referral)
            .collect())
    }
    async fn assignee(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        let Some(id) = self.0.assignee else {
            return Ok(None);
        };
        Ok(loaders::load::<UserLoader>(ctx, id.as_uuid())
            .await?
            .map(User::from_model))
    }
    async fn outcome(&self) -> Option<Outcome> {
        self.0.outcome.map(Into::into)
    }
    async fn decline_reason(&self) -> Option<DeclineReason> {
        self.0.decline_reason.map(Into::into)
    }
    /// What the caller may do now (the mutations that would succeed, version aside).
    async fn available_actions(&self) -> Vec<ReferralAction> {
        self.0.actions.iter().map(|a| (*a).into()).collect()
    }
    /// Every step, oldest first. Comments are shown to those who read the content; the other
    /// parties of a redirect chain read the redirect comments only; coordinators none.
    async fn timeline(&self, ctx: &Context<'_>) -> ApiResult<Vec<ReferralEvent>> {
        Ok(service::timeline(&ctx.service()?, &self.0)
            .await?
            .into_iter()
            .map(ReferralEvent)
            .collect())
    }
}

pub struct ReferralEvent(pub(crate) TimelineEntry);

#[Object]
impl ReferralEvent {
    async fn referral_id(&self) -> ID {
        ID(self.0.referral.to_string())
    }
    /// The line's rank in its referral's timeline, from 1: a receiver keeps the highest it
    /// has seen and drops an older line that arrives late.
    async fn sequence(&self) -> i64 {
        self.0.sequence
    }
    async fn at(&self) -> OffsetDateTime {
        self.0.at
    }
    /// CREATE, an action (ACKNOWLEDGE, REQUEST_INFO…), or a system event (CONSENT_WITHDRAWN,
    /// REMINDER_SENT…).
    async fn kind(&self) -> ReferralEventKind {
        self.0.kind.into()
    }
    /// The kind in French, as the timeline shows it.
    async fn label(&self) -> &'static str {
        self.0.kind.label_fr()
    }
    async fn actor(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        let Some(id) = self.0.actor else {
            return Ok(None);
        };
        // A live subscription has no per-request loaders: its lines name no actor (the
        // timeline, read through `POST /graphql`, does).
        if ctx
            .data_opt::<async_graphql::dataloader::DataLoader<UserLoader>>()
            .is_none()
        {
            return Ok(None);
        }
        Ok(loaders::load::<UserLoader>(ctx, id.as_uuid())
            .await?
            .map(User::from_model))
    }
    /// The partner system that acted through its API client, when no user did (`actor` is
    /// then null).
    async fn actor_client(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<crate::clients::graphql::ActingClient>> {
        crate::clients::graphql::acting(ctx, self.0.actor_client).await
    }
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }
    async fn from_status(&self) -> Option<ReferralStatus> {
        self.0.from_status.map(Into::into)
    }
    async fn to_status(&self) -> Option<ReferralStatus> {
        self.0.to_status.map(Into::into)
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

#[derive(SimpleObject)]
pub struct DeadlineSettings {
    /// Working days before the due date when the receiver is reminded.
    reminder_days_before: i32,
    /// Working days after the due date when the referral is escalated to the receiving
    /// organisation's admins and the territory's coordinators.
    escalation_days_after: i32,
}

impl From<Thresholds> for DeadlineSettings {
    fn from(t: Thresholds) -> Self {
        Self {
            reminder_days_before: t.reminder_days_before.get() as i32,
            escalation_days_after: t.escalation_days_after.get() as i32,
        }
    }
}

#[derive(Default)]
pub struct ReferralsQuery;

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

fn optional_uuid(field: &str, id: Option<ID>) -> ApiResult<Option<uuid::Uuid>> {
    optional_input_id(field, id.as_ref().map(|i| i.0.as_str()))
}

async fn list(
    ctx: &Context<'_>,
    listing: Listing,
    filters: Filters,
    order_by: Option<ReferralOrder>,
    first: Option<i32>,
    after: Option<String>,
) -> ApiResult<Connection<String, Referral>> {
    let page = PageRequest::parse(first, after.as_deref())?;
    let order = order_by.unwrap_or_default().into();
    let found = service::list(&ctx.service()?, listing, &filters, order, &page).await?;
    Ok(connection(found, Referral))
}

#[Object]
impl ReferralsQuery {
    /// A referral the caller's organisation sent or received, or that belongs to a redirect
    /// chain it took part in (coordinators: any of the territory, without the person);
    /// NOT_FOUND otherwise.
    async fn referral(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Referral> {
        Ok(Referral(
            service::get(&ctx.service()?, lookup_id(&id.0)?).await?,
        ))
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
        let filters = Filters {
            service_id: optional_uuid("serviceId", service_id)?,
            assignee_id: optional_uuid("assigneeId", assignee_id)?,
            ..base_filters(status, overdue)
        };
        list(ctx, Listing::Received, filters, order_by, first, after).await
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
        let filters = Filters {
            to_organisation_id: optional_uuid("toOrganisationId", to_organisation_id)?,
            ..base_filters(status, overdue)
        };
        list(ctx, Listing::Territory, filters, order_by, first, after).await
    }

    /// The referrals the caller's organisation sent (agents, org admins).
    async fn referrals_sent(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<Vec<ReferralStatus>>,
        overdue: Option<bool>,
        order_by: Option<ReferralOrder>,
    ) -> ApiResult<Connection<String, Referral>> {
        let filters = base_filters(status, overdue);
        list(ctx, Listing::Sent, filters, order_by, first, after).await
    }

    /// The territory's reminder and escalation thresholds.
    async fn deadline_settings(&self, ctx: &Context<'_>) -> ApiResult<DeadlineSettings> {
        Ok(deadlines::thresholds(&ctx.service()?).await?.into())
    }
}

#[derive(Default)]
pub struct ReferralsMutation;

async fn apply(
    ctx: &Context<'_>,
    id: ID,
    expected_version: Option<i32>,
    change: Change,
) -> ApiResult<Referral> {
    let id = lookup_id(&id.0)?;
    Ok(Referral(
        service::change(&ctx.service()?, id, expected_version, change).await?,
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
        let new = NewReferral {
            person: lookup_id(&input.person_id.0)?,
            consent: input_id("consentId", &input.consent_id.0)?,
            service: input_id("serviceId", &input.service_id.0)?,
            motive: input.motive,
            urgency: input
                .urgency
                .map(Into::into)
                .unwrap_or(domain::Urgency::Standard),
        };
        Ok(Referral(service::create(&ctx.service()?, new).await?))
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
        let change = Change::Decline {
            reason: reason.into(),
            comment,
        };
        apply(ctx, id, expected_version, change).await
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
        let change = Change::Redirect {
            service: input_id("serviceId", &service_id.0)?,
            comment,
        };
        apply(ctx, id, expected_version, change).await
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
        let change = Change::Complete {
            outcome: outcome.into(),
            comment,
        };
        apply(ctx, id, expected_version, change).await
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
        let change = Change::Assign {
            user: optional_input_id("userId", user_id.as_ref().map(|u| u.0.as_str()))?,
        };
        apply(ctx, id, expected_version, change).await
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

    /// Sets the territory's reminder and escalation thresholds (tenant admin).
    async fn update_deadline_settings(
        &self,
        ctx: &Context<'_>,
        reminder_days_before: i32,
        escalation_days_after: i32,
    ) -> ApiResult<DeadlineSettings> {
        let service = ctx.service()?;
        let set = deadlines::set_thresholds(&service, reminder_days_before, escalation_days_after);
        Ok(set.await?.into())
    }
}
