//! The one way to say "something happened". Every write of every slice ends in [`record`],
//! inside its own transaction: the timeline line, the mails it causes (outbox rows), and
//! whatever later consumers need (webhook deliveries, subscription fan-out, the access log) —
//! so a new consumer of events is one place to change, not a dozen. What must wait for the
//! commit (waking the mail worker) is queued on the transaction and done by [`Tx::commit`].

use std::sync::Arc;

use domain::{
    AccountEventKind, Actor, ApiClientId, EscalationEventKind, EscalationId, EscalationStatus,
    OrganisationId, ReferralEventKind, ReferralId, ReferralStatus, TenantId, UserId,
};
use sea_orm::{DatabaseConnection, DatabaseTransaction, EntityTrait};
use time::OffsetDateTime;
use tokio::sync::Notify;

use crate::{
    entities::{account_event, escalation_event, referral_event},
    error::ApiResult,
    live,
    notifications::{self, NewMail},
    store::Coded,
    web::templates::Templates,
};

/// What recording an event needs beyond the transaction: built once at start-up.
pub struct Hooks {
    pub templates: Arc<Templates>,
    /// The address users reach, for links in mails.
    pub public_url: String,
    /// Wakes the mail worker after a commit that wrote to the outbox (it also polls).
    pub mail_wake: Arc<Notify>,
    /// This process's subscribers to live events.
    pub live: Arc<crate::live::Bus>,
}

impl Hooks {
    /// The page of a referral, as mails link to it.
    pub fn referral_link(&self, id: uuid::Uuid) -> String {
        format!("{}/orientations/{id}", self.public_url)
    }

    /// The page of an escalation, as mails link to it.
    pub fn escalation_link(&self, id: uuid::Uuid) -> String {
        format!("{}/sollicitations/{id}", self.public_url)
    }
}

impl AsRef<Templates> for Hooks {
    fn as_ref(&self) -> &Templates {
        &self.templates
    }
}

/// A write transaction and what to do once it has committed.
pub struct Tx<'h> {
    txn: DatabaseTransaction,
    hooks: &'h Hooks,
    wake_mail: bool,
    /// Timeline lines to hand to this process's subscribers once committed (SQLite; on
    /// PostgreSQL the database delivers them to every process).
    live: Vec<crate::live::LiveEvent>,
}

impl<'h> Tx<'h> {
    /// Begins a transaction that will write (`BEGIN IMMEDIATE` on SQLite, see `db.rs`).
    pub async fn begin(db: &DatabaseConnection, hooks: &'h Hooks) -> ApiResult<Self> {
        Ok(Self {
            txn: crate::db::begin_write(db).await?,
            hooks,
            wake_mail: false,
            live: Vec::new(),
        })
    }

    pub fn conn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    pub fn hooks(&self) -> &'h Hooks {
        self.hooks
    }

    /// Commits, then runs what waited for the commit. Dropped without commit, it rolls back
    /// and nothing it recorded happens.
    pub async fn commit(self) -> ApiResult<()> {
        self.txn.commit().await?;
        if self.wake_mail {
            self.hooks.mail_wake.notify_one();
        }
        for event in self.live {
            self.hooks.live.publish(event);
        }
        Ok(())
    }
}

/// Who did it: a user or an API client of an organisation, or the system (deadline stages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct By {
    pub user: Option<UserId>,
    /// The partner system's client, when it acted rather than a user.
    pub client: Option<ApiClientId>,
    pub organisation: Option<OrganisationId>,
}

impl By {
    pub const SYSTEM: Self = Self {
        user: None,
        client: None,
        organisation: None,
    };
}

impl From<&Actor> for By {
    fn from(actor: &Actor) -> Self {
        Self {
            user: actor.user_id,
            client: actor.client_id,
            organisation: Some(actor.organisation_id),
        }
    }
}

/// What happened to what.
#[derive(Debug, Clone)]
pub enum What {
    /// A line of a referral's timeline.
    Referral {
        referral: ReferralId,
        kind: ReferralEventKind,
        comment: Option<String>,
        from: Option<ReferralStatus>,
        to: ReferralStatus,
    },
    /// A line of an escalation's history: a message, a change, a deadline stage.
    Escalation {
        escalation: EscalationId,
        kind: EscalationEventKind,
        /// The message, or a transfer's comment.
        body: Option<String>,
        from: Option<EscalationStatus>,
        to: EscalationStatus,
        /// A transfer: from which organisation to which.
        transfer: Option<(OrganisationId, OrganisationId)>,
        /// A taking or an assignment: to whom.
        assignee: Option<UserId>,
    },
    /// Something about an account, kept in its organisation's account history.
    Account {
        user: UserId,
        organisation: OrganisationId,
        kind: AccountEventKind,
    },
    /// Something only mails tell (a mail that could not be delivered).
    Notice,
}

/// One domain event and the mails it causes.
#[derive(Debug)]
pub struct Happened {
    pub tenant_id: TenantId,
    pub at: OffsetDateTime,
    pub by: By,
    pub what: What,
    pub mails: Vec<NewMail>,
}

/// Records `happened` in the transaction: its timeline line, its mails, and every other
/// consumer of events.
pub async fn record(tx: &mut Tx<'_>, happened: Happened) -> ApiResult<()> {
    if let What::Escalation {
        escalation,
        kind,
        body,
        from,
        to,
        transfer,
        assignee,
    } = &happened.what
    {
        escalation_event::Entity::insert(escalation_event::ActiveModel::from(
            escalation_event::Model {
                tenant_id: happened.tenant_id.as_uuid(),
                id: uuid::Uuid::now_v7(),
                escalation_id: escalation.as_uuid(),
                at: happened.at,
                kind: Coded(*kind),
                actor_id: happened.by.user.map(|u| u.as_uuid()),
                actor_organisation_id: happened.by.organisation.map(|o| o.as_uuid()),
                body: body.clone(),
                from_status: from.map(Coded),
                to_status: Some(Coded(*to)),
                from_organisation_id: transfer.map(|(f, _)| f.as_uuid()),
                to_organisation_id: transfer.map(|(_, t)| t.as_uuid()),
                assignee_id: assignee.map(|a| a.as_uuid()),
                actor_client_id: happened.by.client.map(|c| c.as_uuid()),
            },
        ))
        .exec(tx.conn())
        .await?;
    }
    if let What::Referral {
        referral,
        kind,
        comment,
        from,
        to,
    } = &happened.what
    {
        let row = referral_event::Model {
            tenant_id: happened.tenant_id.as_uuid(),
            id: uuid::Uuid::now_v7(),
            referral_id: referral.as_uuid(),
            at: happened.at,
            kind: Coded(*kind),
            actor_id: happened.by.user.map(|u| u.as_uuid()),
            actor_organisation_id: happened.by.organisation.map(|o| o.as_uuid()),
            comment: comment.clone(),
            from_status: from.map(Coded),
            to_status: Some(Coded(*to)),
            actor_client_id: happened.by.client.map(|c| c.as_uuid()),
        };
        let sequence = live::next_sequence(tx.conn(), happened.tenant_id, *referral).await?;
        referral_event::Entity::insert(referral_event::ActiveModel::from(row.clone()))
            .exec(tx.conn())
            .await?;
        // Monitoring's summary row of the referral, in the same transaction.
        crate::monitoring::store::record_referral_event(
            tx.conn(),
            happened.tenant_id,
            *referral,
            *kind,
            happened.at,
            *to,
        )
        .await?;
        let event = live::LiveEvent { row, sequence };
        if let Some(after_commit) = live::announce(tx.conn(), event).await? {
            tx.live.push(after_commit);
        }
    }
    if let What::Account {
        user,
        organisation,
        kind,
    } = &happened.what
    {
        account_event::Entity::insert(account_event::ActiveModel::from(account_event::Model {
            tenant_id: happened.tenant_id.as_uuid(),
            id: uuid::Uuid::now_v7(),
            organisation_id: organisation.as_uuid(),
            user_id: user.as_uuid(),
            at: happened.at,
            kind: Coded(*kind),
            actor_id: happened.by.user.map(|u| u.as_uuid()),
            actor_organisation_id: happened.by.organisation.map(|o| o.as_uuid()),
        }))
        .exec(tx.conn())
        .await?;
    }
    for mail in happened.mails {
        if notifications::enqueue(tx.conn(), mail, happened.at).await? {
            tx.wake_mail = true;
        }
    }
    Ok(())
}
