//! `notifications` and `retryNotification`: the outbox as a tenant or organisation admin sees it.

use async_graphql::{Context, Enum, ID, Object, connection::Connection};
use time::OffsetDateTime;

use crate::{
    entities::notification,
    error::ApiResult,
    graphql::context::{CtxExt, connection},
    notifications::service,
    service::lookup_id,
    store::PageRequest,
};

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::notifications::MailStatus")]
pub enum NotificationStatus {
    /// Waiting for its first attempt.
    Pending,
    Sent,
    /// Failed; will be tried again.
    Failed,
    /// Given up; an admin may retry it.
    Dead,
    /// A notice shown in the app, never mailed.
    InApp,
}

pub struct Notification(pub notification::Model);

#[Object]
impl Notification {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// `INVITATION`, `REFERRAL_CREATED`, `REFERRAL_STATUS_CHANGED`, `DELIVERY_FAILED`…
    async fn kind(&self) -> &str {
        self.0.kind.as_str()
    }
    async fn status(&self) -> NotificationStatus {
        self.0.status.0.into()
    }
    async fn recipients(&self) -> Vec<&str> {
        self.0
            .recipients
            .split(',')
            .filter(|r| !r.is_empty())
            .collect()
    }
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    /// Delivery attempts so far (the successful one included).
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    async fn created_at(&self) -> OffsetDateTime {
        self.0.created_at
    }
    async fn sent_at(&self) -> Option<OffsetDateTime> {
        self.0.sent_at
    }
    /// When the worker tries again (pending and failed ones).
    async fn next_attempt_at(&self) -> OffsetDateTime {
        self.0.next_attempt_at
    }
    async fn referral_id(&self) -> Option<ID> {
        self.0.referral_id.map(|id| ID(id.to_string()))
    }
    /// The stable Message-ID of the mail.
    async fn message_id(&self) -> &str {
        &self.0.message_id
    }
}

#[derive(Default)]
pub struct NotificationsQuery;

#[Object]
impl NotificationsQuery {
    /// The notifications of the caller's territory (tenant admin) or organisation (org admin),
    /// newest first.
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<Vec<NotificationStatus>>,
    ) -> ApiResult<Connection<String, Notification>> {
        let page = PageRequest::parse(first, after.as_deref())?;
        let statuses: Vec<_> = status
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect();
        let found = service::list(&ctx.service()?, &page, &statuses).await?;
        Ok(connection(found, Notification))
    }
}

#[derive(Default)]
pub struct NotificationsMutation;

#[Object]
impl NotificationsMutation {
    /// Puts a failed or dead notification back in the queue, its attempts reset.
    async fn retry_notification(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Notification> {
        let row = service::retry(&ctx.service()?, lookup_id(&id.0)?).await?;
        Ok(Notification(row))
    }
}
