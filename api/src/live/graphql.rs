//! `subscription referralEvents(organisationId)`: the timeline lines of the referrals the
//! subscriber may see, as they commit. The caller is read again from its token at each line
//! (an expired token, a revoked session or a deactivated user ends the connection), and each
//! line goes through the referral's own access rule, as every read does.

use std::sync::Arc;

use async_graphql::{Context, ID, Subscription};
use domain::{Action, OrganisationId, Target};
use futures_util::{StreamExt, stream, stream::BoxStream};
use tokio::sync::broadcast::error::RecvError;

use super::{LiveEvent, socket::Connection};
use crate::{
    AppState,
    error::{ApiError, ApiResult},
    referrals::{graphql::ReferralEvent, service as referrals},
    service::{Ctx, input_id},
};

#[derive(Default)]
pub struct LiveSubscription;

#[Subscription]
impl LiveSubscription {
    /// Every line of the timelines of the referrals you may see, as it is written: creation,
    /// each action and each system event. `organisationId` is your own organisation. Lines
    /// come in order per referral, each with its `sequence`; a subscriber that falls far
    /// behind is told with an error and should reload what it follows.
    async fn referral_events(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
    ) -> async_graphql::Result<BoxStream<'static, async_graphql::Result<ReferralEvent>>> {
        let app = ctx.data_unchecked::<AppState>().clone();
        let connection = ctx
            .data::<Arc<Connection>>()
            .map_err(|_| ApiError::Domain(domain::Error::Unauthenticated))?
            .clone();
        let organisation: OrganisationId = input_id("organisationId", &organisation_id)?;
        let actor = connection.caller(&app).await?;
        domain::authorize(
            &actor,
            Action::ReadReferralEvents,
            &Target::organisation(actor.tenant_id, organisation),
        )
        .map_err(ApiError::from)?;
        let receiver = app.hooks.live.subscribe();
        let state = (app, connection, receiver);
        Ok(stream::unfold(state, |(app, connection, mut receiver)| async move {
            loop {
                let event = match receiver.recv().await {
                    Ok(event) => event,
                    Err(RecvError::Lagged(missed)) => {
                        let error = ApiError::Domain(domain::Error::Conflict(format!(
                            "{missed} événements manqués : rechargez ce que vous suivez."
                        )));
                        return Some((Err(error.into()), (app, connection, receiver)));
                    }
                    Err(RecvError::Closed) => return None,
                };
                match line_for(&app, &connection, &event).await {
                    Ok(Some(line)) => return Some((Ok(line), (app, connection, receiver))),
                    Ok(None) => continue,
                    Err(ApiError::Domain(domain::Error::Unauthenticated)) => {
                        // The socket closes with this code; the subscription does not
                        // "complete" first, which would read as a normal end.
                        connection.close(4401, "Jeton expiré ou session terminée.");
                        std::future::pending::<()>().await;
                        return None;
                    }
                    Err(err) => {
                        tracing::warn!(error = ?err, "live events: a line could not be checked");
                        continue;
                    }
                }
            }
        })
        .boxed())
    }
}

/// The line as this subscriber may see it, if at all; UNAUTHENTICATED when the subscriber's
/// token or session no longer stands.
async fn line_for(
    app: &AppState,
    connection: &Connection,
    event: &LiveEvent,
) -> ApiResult<Option<ReferralEvent>> {
    let actor = connection.caller(app).await?;
    if actor.tenant_id != event.tenant_id() {
        return Ok(None);
    }
    let ctx = Ctx {
        actor: &actor,
        db: &app.db,
        now: app.clock.now(),
        hooks: &app.hooks,
    };
    Ok(
        referrals::live_line(&ctx, event.row.clone(), event.sequence)
            .await?
            .map(ReferralEvent),
    )
}
