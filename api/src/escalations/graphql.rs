//! Escalation queries and mutations, the settings, and the `Escalation` type — a thin
//! rendering of `service`'s views: parse, call, map.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, connection::Connection};
use domain::escalation::ReopenDays;
use time::OffsetDateTime;

use crate::{
    auth::graphql::User,
    directory::graphql::{self as directory_graphql, Organisation},
    error::{ApiError, ApiResult},
    escalations::{
        service::{self, Change, Listing, NewEscalation},
        store::{Filters, Order},
        view::{EscalationView, HistoryLine, Message},
    },
    graphql::context::{CtxExt, connection},
    people::graphql::Person,
    referrals::{
        self,
        graphql::{Referral, Urgency},
        loaders::{self, PersonLoader, UserLoader},
    },
    service::{input_id, lookup_id, optional_input_id},
    store::PageRequest,
};

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "EscalationStatus", remote = "domain::EscalationStatus")]
pub enum EscalationStatus {
    /// Waiting for the back office.
    Open,
    Answered,
    Closed,
}

/// Something a caller may do to an escalation (see `Escalation.availableActions`).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "EscalationAction", remote = "domain::EscalationAction")]
pub enum EscalationAction {
    Answer,
    Reply,
    Close,
    Reopen,
    Take,
    Assign,
    Transfer,
}

/// What a line of an escalation's history records.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "EscalationEventKind", remote = "domain::EscalationEventKind")]
pub enum EscalationEventKind {
    Opened,
    Answered,
    Replied,
    Closed,
    Reopened,
    Taken,
    Assigned,
    Transferred,
    ReminderSent,
    AdminsAlerted,
    Unassigned,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum EscalationOrder {
    /// Soonest due first: the most urgent at the top.
    #[default]
    DueSoonest,
    /// Newest first.
    Newest,
}

impl From<EscalationOrder> for Order {
    fn from(order: EscalationOrder) -> Self {
        match order {
            EscalationOrder::DueSoonest => Order::DueSoonest,
            EscalationOrder::Newest => Order::Newest,
        }
    }
}

async fn user(ctx: &Context<'_>, id: Option<domain::UserId>) -> ApiResult<Option<User>> {
    let Some(id) = id else {
        return Ok(None);
    };
    Ok(loaders::load::<UserLoader>(ctx, id.as_uuid())
        .await?
        .map(User::from_model))
}

async fn organisation(
    ctx: &Context<'_>,
    id: Option<domain::OrganisationId>,
) -> ApiResult<Option<Organisation>> {
    match id {
        Some(id) => Ok(Some(directory_graphql::organisation(ctx, id).await?)),
        None => Ok(None),
    }
}

pub struct Escalation(pub EscalationView);

#[Object]
impl Escalation {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn status(&self) -> EscalationStatus {
        self.0.status.into()
    }
    /// Null for those who may not read it: an agent may have written personal details in it.
    async fn subject(&self) -> Option<&str> {
        self.0.subject.as_deref()
    }
    /// The services' category it is about.
    async fn category(&self) -> &str {
        &self.0.category
    }
    async fn urgency(&self) -> Urgency {
        self.0.urgency.into()
    }
    /// When the back office must answer, in working days from the receiving organisation's
    /// deadlines; set again when it waits for an answer again (a reply to an answer, a
    /// reopening, a transfer).
    async fn due_at(&self) -> OffsetDateTime {
        self.0.due_at
    }
    /// Waiting for the back office, and past `dueAt`.
    async fn overdue(&self) -> bool {
        self.0.overdue
    }
    async fn created_at(&self) -> OffsetDateTime {
        self.0.created_at
    }
    async fn updated_at(&self) -> OffsetDateTime {
        self.0.updated_at
    }
    /// The first answer.
    async fn answered_at(&self) -> Option<OffsetDateTime> {
        self.0.answered_at
    }
    async fn closed_at(&self) -> Option<OffsetDateTime> {
        self.0.closed_at
    }
    /// Until when the agent may reopen it, once closed.
    async fn reopenable_until(&self) -> Option<OffsetDateTime> {
        self.0.reopen_until
    }
    async fn from_organisation(&self, ctx: &Context<'_>) -> ApiResult<Organisation> {
        directory_graphql::organisation(ctx, self.0.from_organisation).await
    }
    /// The organisation it is addressed to now.
    async fn to_organisation(&self, ctx: &Context<'_>) -> ApiResult<Organisation> {
        directory_graphql::organisation(ctx, self.0.to_organisation).await
    }
    async fn assignee(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        user(ctx, self.0.assignee).await
    }
    /// The referral it is about, when the caller may see that referral too.
    async fn referral(&self, ctx: &Context<'_>) -> ApiResult<Option<Referral>> {
        let Some(id) = self.0.referral else {
            return Ok(None);
        };
        match referrals::service::get(&ctx.service()?, id).await {
            Ok(view) => Ok(Some(Referral(view))),
            Err(ApiError::Domain(domain::Error::NotFound)) => Ok(None),
            Err(err) => Err(err),
        }
    }
    /// The person it is about: for the sending organisation's agents and admins; for the
    /// receiving back office only while an active consent names its organisation.
    async fn person(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        let Some(person) = self.0.person else {
            return Ok(None);
        };
        Ok(loaders::load::<PersonLoader>(ctx, person.as_uuid())
            .await?
            .map(Person))
    }
    /// True when the caller may see who it is about.
    async fn identity_visible(&self) -> bool {
        self.0.access.identity
    }
    /// The messages between the two sides, oldest first (empty for those who may not read
    /// them).
    async fn messages(&self, ctx: &Context<'_>) -> ApiResult<Vec<EscalationMessage>> {
        Ok(service::messages(&ctx.service()?, &self.0)
            .await?
            .into_iter()
            .map(EscalationMessage)
            .collect())
    }
    /// Every step, oldest first.
    async fn history(&self, ctx: &Context<'_>) -> ApiResult<Vec<EscalationEvent>> {
        Ok(service::history(&ctx.service()?, &self.0)
            .await?
            .into_iter()
            .map(EscalationEvent)
            .collect())
    }
    /// What the caller may do now.
    async fn available_actions(&self) -> Vec<EscalationAction> {
        self.0.actions.iter().map(|a| (*a).into()).collect()
    }
}

pub struct EscalationMessage(Message);

#[Object]
impl EscalationMessage {
    async fn at(&self) -> OffsetDateTime {
        self.0.at
    }
    /// OPENED (the question), ANSWERED or REPLIED.
    async fn kind(&self) -> EscalationEventKind {
        self.0.kind.into()
    }
    async fn author(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        user(ctx, self.0.author).await
    }
    async fn author_organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        organisation(ctx, self.0.author_organisation).await
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
}

pub struct EscalationEvent(HistoryLine);

#[Object]
impl EscalationEvent {
    async fn at(&self) -> OffsetDateTime {
        self.0.at
    }
    async fn kind(&self) -> EscalationEventKind {
        self.0.kind.into()
    }
    /// The kind in French, as the page shows it.
    async fn label(&self) -> &'static str {
        self.0.kind.label_fr()
    }
    async fn actor(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        user(ctx, self.0.actor).await
    }
    /// The message, or a transfer's comment, for those who may read it.
    async fn comment(&self) -> Option<&str> {
        self.0.body.as_deref()
    }
    async fn from_status(&self) -> Option<EscalationStatus> {
        self.0.from_status.map(Into::into)
    }
    async fn to_status(&self) -> Option<EscalationStatus> {
        self.0.to_status.map(Into::into)
    }
    /// A transfer: the organisation it left.
    async fn from_organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        organisation(ctx, self.0.from_organisation).await
    }
    /// A transfer: the organisation it went to.
    async fn to_organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        organisation(ctx, self.0.to_organisation).await
    }
    /// A taking or an assignment: to whom (null: back to the queue).
    async fn assignee(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        user(ctx, self.0.assignee).await
    }
}

#[derive(InputObject)]
pub struct CreateEscalationInput {
    /// The partner organisation whose back office is asked.
    organisation_id: ID,
    /// A short title; shown only to the two organisations, never in a mail.
    subject: String,
    /// The question; shown only to the two organisations, never in a mail.
    body: String,
    /// One of the territory's service categories (`serviceCategories`).
    category: String,
    /// A referral the caller's organisation sent: the escalation shows on its timeline.
    referral_id: Option<ID>,
    /// A person the caller's organisation holds; needs an active consent naming the partner.
    person_id: Option<ID>,
    urgency: Option<Urgency>,
}

#[derive(SimpleObject)]
pub struct EscalationSettings {
    /// Calendar days after closing during which the agent may reopen an escalation.
    reopen_days: i32,
}

impl From<ReopenDays> for EscalationSettings {
    fn from(days: ReopenDays) -> Self {
        Self {
            reopen_days: days.get() as i32,
        }
    }
}

fn filters(
    status: Option<Vec<EscalationStatus>>,
    overdue: Option<bool>,
    assignee_id: Option<ID>,
) -> ApiResult<Filters> {
    Ok(Filters {
        statuses: status
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect(),
        overdue,
        assignee_id: optional_input_id("assigneeId", assignee_id.as_ref().map(|a| a.0.as_str()))?,
    })
}

async fn list(
    ctx: &Context<'_>,
    listing: Listing,
    filters: Filters,
    order_by: Option<EscalationOrder>,
    first: Option<i32>,
    after: Option<String>,
) -> ApiResult<Connection<String, Escalation>> {
    let page = PageRequest::parse(first, after.as_deref())?;
    let order = order_by.unwrap_or_default().into();
    let found = service::list(&ctx.service()?, listing, &filters, order, &page).await?;
    Ok(connection(found, Escalation))
}

/// One receiving organisation's escalations: counts and delays only.
pub struct EscalationFigures(pub service::OrganisationFigures);

#[Object]
impl EscalationFigures {
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Organisation> {
        directory_graphql::organisation(ctx, self.0.organisation).await
    }
    /// Addressed to it now (a transferred one counts at its new organisation).
    async fn received(&self) -> i64 {
        self.0.received
    }
    /// Waiting for its answer.
    async fn open(&self) -> i64 {
        self.0.open
    }
    /// Waiting for its answer past the due moment.
    async fn overdue(&self) -> i64 {
        self.0.overdue
    }
    /// Answered at least once.
    async fn answered(&self) -> i64 {
        self.0.answered
    }
    async fn closed(&self) -> i64 {
        self.0.closed
    }
    /// Median working days from opening to the first answer.
    async fn median_working_days_to_first_answer(&self) -> Option<f64> {
        self.0.median_days_to_first_answer
    }
}

#[derive(Default)]
pub struct EscalationsQuery;

#[Object]
impl EscalationsQuery {
    /// An escalation the caller's organisation sent or received (or received and transferred
    /// on: a read-only trace); NOT_FOUND for anyone else, coordinators included.
    async fn escalation(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Escalation> {
        Ok(Escalation(
            service::get(&ctx.service()?, lookup_id(&id.0)?).await?,
        ))
    }

    /// The escalations addressed to the caller's organisation (back office), most urgent first.
    #[expect(
        clippy::too_many_arguments,
        reason = "each argument is one of the contract's list filters"
    )]
    async fn escalations_received(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<Vec<EscalationStatus>>,
        overdue: Option<bool>,
        assignee_id: Option<ID>,
        order_by: Option<EscalationOrder>,
    ) -> ApiResult<Connection<String, Escalation>> {
        let filters = filters(status, overdue, assignee_id)?;
        list(ctx, Listing::Received, filters, order_by, first, after).await
    }

    /// The escalations the caller's organisation sent (agents, org admins), most urgent first.
    async fn escalations_sent(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<Vec<EscalationStatus>>,
        overdue: Option<bool>,
        order_by: Option<EscalationOrder>,
    ) -> ApiResult<Connection<String, Escalation>> {
        let filters = filters(status, overdue, None)?;
        list(ctx, Listing::Sent, filters, order_by, first, after).await
    }

    /// Per receiving organisation, the escalations opened between `from` and `to` (dates,
    /// inclusive): counts and delays, never an escalation (coordinators, tenant admins).
    async fn escalation_figures(
        &self,
        ctx: &Context<'_>,
        from: Option<time::Date>,
        to: Option<time::Date>,
    ) -> ApiResult<Vec<EscalationFigures>> {
        Ok(service::figures(&ctx.service()?, from, to)
            .await?
            .into_iter()
            .map(EscalationFigures)
            .collect())
    }

    /// The territory's reopen window.
    async fn escalation_settings(&self, ctx: &Context<'_>) -> ApiResult<EscalationSettings> {
        Ok(service::reopen_days(&ctx.service()?).await?.into())
    }
}

#[derive(Default)]
pub struct EscalationsMutation;

async fn apply(ctx: &Context<'_>, id: ID, change: Change) -> ApiResult<Escalation> {
    let id = lookup_id(&id.0)?;
    Ok(Escalation(
        service::change(&ctx.service()?, id, change).await?,
    ))
}

#[Object]
impl EscalationsMutation {
    /// Asks a partner's back office (agents): due in the partner's answer deadline, in
    /// working days.
    async fn create_escalation(
        &self,
        ctx: &Context<'_>,
        input: CreateEscalationInput,
    ) -> ApiResult<Escalation> {
        let new = NewEscalation {
            organisation: input_id("organisationId", &input.organisation_id.0)?,
            subject: input.subject,
            body: input.body,
            category: input.category,
            referral: input.referral_id.map(|r| lookup_id(&r.0)).transpose()?,
            person: input.person_id.map(|p| lookup_id(&p.0)).transpose()?,
            urgency: input
                .urgency
                .map(Into::into)
                .unwrap_or(domain::Urgency::Standard),
        };
        Ok(Escalation(service::create(&ctx.service()?, new).await?))
    }
    /// OPEN or ANSWERED → ANSWERED (receiver).
    async fn answer_escalation(
        &self,
        ctx: &Context<'_>,
        id: ID,
        body: String,
    ) -> ApiResult<Escalation> {
        apply(ctx, id, Change::Answer { body }).await
    }
    /// → OPEN (sender): after an answer, a new answer is due.
    async fn reply_escalation(
        &self,
        ctx: &Context<'_>,
        id: ID,
        body: String,
    ) -> ApiResult<Escalation> {
        apply(ctx, id, Change::Reply { body }).await
    }
    /// → CLOSED (either side).
    async fn close_escalation(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Escalation> {
        apply(ctx, id, Change::Close).await
    }
    /// CLOSED → OPEN (sender), within the territory's reopen window.
    async fn reopen_escalation(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Escalation> {
        apply(ctx, id, Change::Reopen).await
    }
    /// The caller takes it for themselves (receiver).
    async fn take_escalation(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Escalation> {
        apply(ctx, id, Change::Take).await
    }
    /// Gives it to a back-office user of the receiving organisation, or back to the queue
    /// (its org admins).
    async fn assign_escalation(
        &self,
        ctx: &Context<'_>,
        id: ID,
        user_id: Option<ID>,
    ) -> ApiResult<Escalation> {
        let change = Change::Assign {
            user: optional_input_id("userId", user_id.as_ref().map(|u| u.0.as_str()))?,
        };
        apply(ctx, id, change).await
    }
    /// Hands it to another organisation of the territory, which is told and gets its own
    /// deadline (receiver); the first keeps a read-only trace.
    async fn transfer_escalation(
        &self,
        ctx: &Context<'_>,
        id: ID,
        organisation_id: ID,
        comment: Option<String>,
    ) -> ApiResult<Escalation> {
        let change = Change::Transfer {
            organisation: input_id("organisationId", &organisation_id.0)?,
            comment,
        };
        apply(ctx, id, change).await
    }

    /// Sets the territory's reopen window (tenant admin): 0 to 90 days.
    async fn update_escalation_settings(
        &self,
        ctx: &Context<'_>,
        reopen_days: i32,
    ) -> ApiResult<EscalationSettings> {
        Ok(service::set_reopen_days(&ctx.service()?, reopen_days)
            .await?
            .into())
    }

    /// Sets an organisation's answer deadlines, in working days (tenant admin, or org admin of
    /// it): 1 to 30, the urgent one not longer.
    async fn update_escalation_deadlines(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
        answer_days: i32,
        urgent_answer_days: i32,
    ) -> ApiResult<Organisation> {
        let id = lookup_id(&organisation_id.0)?;
        let service = ctx.service()?;
        let set = service::set_answer_days(&service, id, answer_days, urgent_answer_days);
        Ok(Organisation(set.await?))
    }
}
