//! The tenant's deadline thresholds, in working days: when to remind before the due date and
//! when to escalate after it.

use async_graphql::{Context, Object, SimpleObject};
use domain::{Action, Target};
use sea_orm::{ActiveValue::Set, EntityTrait};

use crate::{
    entities::tenant,
    error::{ApiError, ApiResult},
    graphql::CtxExt,
};

#[derive(SimpleObject)]
pub struct DeadlineSettings {
    /// Working days before the due date when the receiver is reminded.
    reminder_days_before: i32,
    /// Working days after the due date when the referral is escalated to the receiving
    /// organisation's admins and the territory's coordinators.
    escalation_days_after: i32,
}

impl From<tenant::Model> for DeadlineSettings {
    fn from(t: tenant::Model) -> Self {
        Self {
            reminder_days_before: t.reminder_days_before,
            escalation_days_after: t.escalation_days_after,
        }
    }
}

async fn tenant_of(ctx: &Context<'_>) -> ApiResult<tenant::Model> {
    let actor = ctx.actor()?;
    tenant::Entity::find_by_id(actor.tenant_id.as_uuid())
        .one(&ctx.app().db)
        .await?
        .ok_or(ApiError::Domain(domain::Error::NotFound))
}

fn days(field: &str, value: i32) -> ApiResult<i32> {
    if (0..=30).contains(&value) {
        Ok(value)
    } else {
        Err(ApiError::invalid(
            field,
            "doit être entre 0 et 30 jours ouvrés",
        ))
    }
}

#[derive(Default)]
pub struct SettingsQuery;

#[Object]
impl SettingsQuery {
    /// The territory's reminder and escalation thresholds.
    async fn deadline_settings(&self, ctx: &Context<'_>) -> ApiResult<DeadlineSettings> {
        Ok(tenant_of(ctx).await?.into())
    }
}

#[derive(Default)]
pub struct SettingsMutation;

#[Object]
impl SettingsMutation {
    /// Sets the territory's reminder and escalation thresholds (tenant admin).
    async fn update_deadline_settings(
        &self,
        ctx: &Context<'_>,
        reminder_days_before: i32,
        escalation_days_after: i32,
    ) -> ApiResult<DeadlineSettings> {
        let actor = ctx.actor()?;
        domain::authorize(
            actor,
            Action::CreateOrganisation,
            &Target::tenant(actor.tenant_id),
        )?;
        let reminder = days("reminderDaysBefore", reminder_days_before)?;
        let escalation = days("escalationDaysAfter", escalation_days_after)?;
        let current = tenant_of(ctx).await?;
        tenant::Entity::update(tenant::ActiveModel {
            id: Set(current.id),
            reminder_days_before: Set(reminder),
            escalation_days_after: Set(escalation),
            ..Default::default()
        })
        .exec(&ctx.app().db)
        .await?;
        Ok(tenant_of(ctx).await?.into())
    }
}
