//! The monitoring application service: the delay report of a period (the territory, one
//! organisation, one service), the overdue list, and the territory's alert thresholds — for
//! every front end (GraphQL, the dashboard, the CSV export).
//!
//! What a coordinator gets here is counts, delays, rates, organisation and service names, ids,
//! statuses and dates: the report is built from `referral_figures`, which holds no person data
//! and no free text, and the overdue list from referral views of an observer, which hide them.

use std::collections::HashMap;

use domain::{
    Action, OrganisationId, ServiceId, Target,
    monitoring::{self, Alert, AlertThresholds, Figures},
};
use sea_orm::{ActiveValue::Set, EntityTrait};
use time::{Date, Duration, OffsetDateTime, Time};
use uuid::Uuid;

use crate::{
    directory,
    entities::tenant,
    error::{ApiError, ApiResult},
    monitoring::store::{self, Cohort},
    referrals::{
        service::{self as referrals, Listing},
        store::{Filters, Order},
        view::ReferralView,
    },
    service::Ctx,
    store::{Page, PageRequest, not_found},
};

/// The longest period a report covers (its weekly series has one point a week).
pub const MAX_DAYS: i64 = 3 * 366;

/// What a report is asked for; every part optional.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportRequest {
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub organisation: Option<OrganisationId>,
    pub service: Option<ServiceId>,
}

/// An organisation or a service as the report names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub id: Uuid,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct ServiceDelays {
    pub service: Named,
    pub figures: Figures,
}

#[derive(Debug, Clone)]
pub struct OrganisationDelays {
    pub organisation: Named,
    pub figures: Figures,
    pub services: Vec<ServiceDelays>,
    /// The thresholds it crosses; flagged when not empty.
    pub alerts: Vec<Alert>,
    /// The escalations it received in the period (none when it received none).
    pub escalations: Option<crate::escalations::service::OrganisationFigures>,
}

impl OrganisationDelays {
    pub fn flagged(&self) -> bool {
        !self.alerts.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct WeeklyFigures {
    pub week_start: Date,
    pub sent: u64,
    pub acknowledged: u64,
    pub completed: u64,
    pub right_opened: u64,
    pub median_days_to_acknowledge: Option<f64>,
}

/// The figures of the referrals sent during `[from, to]`, per receiving organisation and
/// service, the weekly series, and the thresholds they were judged by.
#[derive(Debug, Clone)]
pub struct DelayReport {
    pub from: Date,
    pub to: Date,
    /// The organisation or service the report was narrowed to.
    pub organisation: Option<Uuid>,
    pub service: Option<Uuid>,
    pub totals: Figures,
    /// Organisations that received referrals in the period, by name.
    pub organisations: Vec<OrganisationDelays>,
    pub weekly: Vec<WeeklyFigures>,
    pub thresholds: AlertThresholds,
    /// When the report was computed (what "open" and "overdue" are counted at).
    pub at: OffsetDateTime,
}

/// The first moment of a day, in UTC: periods are counted on the same dates as due dates.
fn start_of(day: Date) -> OffsetDateTime {
    day.with_time(Time::MIDNIGHT).assume_utc()
}

/// The period asked for: by default the 52 weeks up to today; `from` after `to`, or a period
/// longer than [`MAX_DAYS`], is the caller's mistake.
pub fn period(
    now: OffsetDateTime,
    from: Option<Date>,
    to: Option<Date>,
) -> ApiResult<(Date, Date)> {
    let to = to.unwrap_or(now.date());
    // Checked: a date at the edge of what `time` represents is the caller's mistake, not a panic.
    let out_of_range = |field| ApiError::invalid(field, "date hors des limites acceptées");
    if to.next_day().is_none() {
        return Err(out_of_range("to"));
    }
    let from = match from {
        Some(from) => from,
        None => to
            .checked_sub(Duration::days(7 * 52 - 1))
            .ok_or_else(|| out_of_range("to"))?,
    };
    if from > to {
        return Err(ApiError::invalid(
            "from",
            "la date de début est après la date de fin",
        ));
    }
    if (to - from).whole_days() >= MAX_DAYS {
        return Err(ApiError::invalid(
            "to",
            "la période ne peut pas dépasser trois ans",
        ));
    }
    Ok((from, to))
}

/// Whom a report or list is for, authorized: the territory (`None`, coordinators and tenant
/// admins) or one organisation (also its own admins). A service narrows to its organisation.
/// Another tenant's organisation or service is NOT_FOUND.
async fn scope(
    ctx: &Ctx<'_>,
    organisation: Option<OrganisationId>,
    service: Option<ServiceId>,
) -> ApiResult<(Option<OrganisationId>, Option<ServiceId>)> {
    let tenant = ctx.actor.tenant_id;
    let mut organisation = organisation;
    if let Some(service) = service {
        let found = directory::store::service_get(ctx.db, tenant, service).await?;
        let owner = OrganisationId::from_uuid(found.organisation_id);
        if organisation.is_some_and(|o| o != owner) {
            return Err(ApiError::invalid(
                "serviceId",
                "ce service n'est pas un service de l'organisation choisie",
            ));
        }
        organisation = Some(owner);
    }
    match organisation {
        None => ctx.authorize_tenant(Action::ReadMonitoring)?,
        Some(org) => {
            directory::store::organisation_get(ctx.db, tenant, org).await?;
            ctx.authorize(
                Action::ReadOrganisationMonitoring,
                &Target::organisation(tenant, org),
            )?;
        }
    }
    Ok((organisation, service))
}

/// What the caller may watch without choosing: the territory, or else their own organisation
/// (an org admin). FORBIDDEN for anyone else.
pub fn default_organisation(ctx: &Ctx<'_>) -> ApiResult<Option<OrganisationId>> {
    if ctx.may_tenant(Action::ReadMonitoring) {
        return Ok(None);
    }
    ctx.authorize_own(Action::ReadOrganisationMonitoring)?;
    Ok(Some(ctx.actor.organisation_id))
}

/// Whether the caller may watch anything at all (what a menu offers).
pub fn may_monitor(ctx: &Ctx<'_>) -> bool {
    default_organisation(ctx).is_ok()
}

async fn tenant_row(ctx: &Ctx<'_>) -> ApiResult<tenant::Model> {
    tenant::Entity::find_by_id(ctx.actor.tenant_id.as_uuid())
        .one(ctx.db)
        .await?
        .ok_or_else(not_found)
}

fn thresholds_of(t: &tenant::Model) -> AlertThresholds {
    let percent = |v: i32| u32::try_from(v).unwrap_or(0).min(100);
    AlertThresholds {
        late_percent_above: percent(t.alert_late_percent),
        acceptance_percent_below: percent(t.alert_acceptance_percent),
        min_referrals: u32::try_from(t.alert_min_referrals).unwrap_or(1).max(1),
    }
}

/// The delay report. Aggregates in the database (`store::figures`, `store::weekly`); here only
/// the per-service rows are added up into organisations and the territory.
pub async fn report(ctx: &Ctx<'_>, request: ReportRequest) -> ApiResult<DelayReport> {
    let (organisation, service) = scope(ctx, request.organisation, request.service).await?;
    let (from, to) = period(ctx.now, request.from, request.to)?;
    let cohort = Cohort {
        tenant: ctx.actor.tenant_id,
        from: start_of(from),
        // `period` checked that the next day exists.
        until: start_of(to.next_day().unwrap_or(to)),
        organisation: organisation.map(|o| o.as_uuid()),
        service: service.map(|s| s.as_uuid()),
    };
    let thresholds = thresholds_of(&tenant_row(ctx).await?);
    let per_service = store::figures(ctx.db, &cohort, ctx.now).await?;
    let weeks = store::weekly(ctx.db, &cohort).await?;

    let tenant = ctx.actor.tenant_id;
    let org_names: HashMap<Uuid, String> = directory::store::all_organisations(ctx.db, tenant)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let service_names: HashMap<Uuid, String> = directory::store::all_services(ctx.db, tenant)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();

    let mut totals = Figures::default();
    let mut by_org: HashMap<Uuid, OrganisationDelays> = HashMap::new();
    for ((org, svc), figures) in per_service {
        totals.merge(&figures);
        let entry = by_org.entry(org).or_insert_with(|| OrganisationDelays {
            organisation: Named {
                id: org,
                name: org_names.get(&org).cloned().unwrap_or_default(),
            },
            figures: Figures::default(),
            services: Vec::new(),
            alerts: Vec::new(),
            escalations: None,
        });
        entry.figures.merge(&figures);
        entry.services.push(ServiceDelays {
            service: Named {
                id: svc,
                name: service_names.get(&svc).cloned().unwrap_or_default(),
            },
            figures,
        });
    }
    let mut escalations: HashMap<Uuid, _> =
        crate::escalations::service::figures_unchecked(ctx, Some(from), Some(to))
            .await?
            .into_iter()
            .map(|f| (f.organisation.as_uuid(), f))
            .collect();
    let mut organisations: Vec<OrganisationDelays> = by_org
        .into_values()
        .map(|mut o| {
            o.alerts = monitoring::alerts(&o.figures, &thresholds);
            o.escalations = escalations.remove(&o.organisation.id);
            o.services.sort_by(|a, b| {
                (&a.service.name, a.service.id).cmp(&(&b.service.name, b.service.id))
            });
            o
        })
        .collect();
    organisations.sort_by(|a, b| {
        (&a.organisation.name, a.organisation.id).cmp(&(&b.organisation.name, b.organisation.id))
    });

    let mut weekly = Vec::new();
    let mut week = monitoring::week_start(from);
    while week <= to {
        let counts = weeks.get(&week).cloned().unwrap_or_default();
        weekly.push(WeeklyFigures {
            week_start: week,
            sent: counts.sent,
            acknowledged: counts.first_answers.count(),
            completed: counts.completed,
            right_opened: counts.right_opened,
            median_days_to_acknowledge: counts.first_answers.median(),
        });
        week += Duration::weeks(1);
    }

    Ok(DelayReport {
        from,
        to,
        organisation: organisation.map(|o| o.as_uuid()),
        service: service.map(|s| s.as_uuid()),
        totals,
        organisations,
        weekly,
        thresholds,
        at: ctx.now,
    })
}

/// Open referrals past their due date, the oldest due first: the territory's, or one
/// organisation's. Views of an observer: no person, no motive, no comment.
pub async fn overdue(
    ctx: &Ctx<'_>,
    organisation: Option<OrganisationId>,
    page: &PageRequest,
) -> ApiResult<Page<ReferralView>> {
    let (organisation, _) = scope(ctx, organisation, None).await?;
    let filters = Filters {
        overdue: Some(true),
        ..Filters::default()
    };
    referrals::list(
        ctx,
        Listing::Monitored(organisation),
        &filters,
        Order::DueSoonest,
        page,
    )
    .await
}

/// The territory's alert thresholds (whoever reads monitoring).
pub async fn thresholds(ctx: &Ctx<'_>) -> ApiResult<AlertThresholds> {
    default_organisation(ctx)?;
    Ok(thresholds_of(&tenant_row(ctx).await?))
}

/// Sets them (coordinators, tenant admins).
pub async fn set_thresholds(
    ctx: &Ctx<'_>,
    late_percent_above: i32,
    acceptance_percent_below: i32,
    min_referrals: i32,
) -> ApiResult<AlertThresholds> {
    ctx.authorize_tenant(Action::ManageMonitoringSettings)?;
    let t = AlertThresholds::parse(late_percent_above, acceptance_percent_below, min_referrals)?;
    let as_i32 = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    tenant::Entity::update(tenant::ActiveModel {
        id: Set(ctx.actor.tenant_id.as_uuid()),
        alert_late_percent: Set(as_i32(t.late_percent_above)),
        alert_acceptance_percent: Set(as_i32(t.acceptance_percent_below)),
        alert_min_referrals: Set(as_i32(t.min_referrals)),
        ..Default::default()
    })
    .exec(ctx.db)
    .await?;
    thresholds(ctx).await
}

#[cfg(test)]
mod tests {
    use time::{Date, macros::datetime};

    /// Found by the fuzz test: the last date `time` represents panicked the report.
    #[test]
    fn periods_at_the_edges_of_time_are_bad_input() {
        let now = datetime!(2026-12-03 10:00 UTC);
        for (from, to) in [
            (None, Some(Date::MAX)),
            (Some(Date::MIN), Some(Date::MAX)),
            (None, Some(Date::MIN)),
        ] {
            let err = super::period(now, from, to).unwrap_err();
            assert_eq!(err.code(), "BAD_USER_INPUT", "{from:?} {to:?}");
        }
        assert!(super::period(now, None, None).is_ok());
    }
}
