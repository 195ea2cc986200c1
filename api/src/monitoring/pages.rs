//! The monitoring pages: the dashboard (figures, alerts, charts with their tables, the legend of
//! definitions, filters by period, organisation and service), the overdue list, the alert
//! thresholds form, and the CSV export (session cookie or bearer token). Each renders the
//! monitoring service's report; nothing here decides who sees what.

use axum::{
    Router,
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use axum_extra::extract::{Form, cookie::CookieJar};
use domain::{
    Action, OrganisationId, ServiceId,
    monitoring::{FLAGGED, REPORT, WEEKLY},
};
use minijinja::{Value, context};
use time::{Date, format_description::well_known::Iso8601};

use crate::{
    AppState, directory,
    error::{ApiError, ApiResult},
    monitoring::{
        charts::{self, Bar, Series, number_fr},
        csv,
        service::{self, DelayReport, ReportRequest},
    },
    referrals::pages::rows,
    service::{Ctx, optional_input_id},
    store::PageRequest,
    web::{
        render::{form_error, number, page_or_error, status_of},
        session::{COOKIE, PageUser},
    },
};

pub const DASHBOARD: &str = "/suivi/tableau-de-bord";

/// Overdue referrals per page of the list (and the first ones on the dashboard).
const PER_PAGE: u64 = 50;
const ON_DASHBOARD: u64 = 10;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(DASHBOARD, get(dashboard))
        .route("/suivi/retards", get(overdue_list))
        .route("/suivi/seuils", post(save_thresholds))
        .route("/suivi/export.csv", get(export))
}

/// The dashboard's filters, as the form names them.
#[derive(serde::Deserialize, serde::Serialize, Default, Clone)]
struct Filters {
    du: Option<String>,
    au: Option<String>,
    organisation: Option<String>,
    service: Option<String>,
    /// A notice after saving the thresholds.
    fait: Option<String>,
}

fn date(field: &str, raw: Option<&str>) -> ApiResult<Option<Date>> {
    raw.map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| {
            Date::parse(r, &Iso8601::DATE)
                .map_err(|_| ApiError::invalid(field, "date attendue au format AAAA-MM-JJ"))
        })
        .transpose()
}

fn request(
    ctx: &Ctx<'_>,
    from: Option<&str>,
    to: Option<&str>,
    organisation: Option<&str>,
    service: Option<&str>,
    names: [&str; 4],
) -> ApiResult<ReportRequest> {
    let organisation: Option<OrganisationId> = optional_input_id(names[2], organisation)?;
    Ok(ReportRequest {
        from: date(names[0], from)?,
        to: date(names[1], to)?,
        // An org admin watches their own organisation without choosing it.
        organisation: match organisation {
            Some(org) => Some(org),
            None => service::default_organisation(ctx)?,
        },
        service: optional_input_id::<ServiceId>(names[3], service)?,
    })
}

fn percent(rate: Option<f64>) -> String {
    rate.map(|r| format!("{} %", number_fr(r * 100.0)))
        .unwrap_or_else(|| "—".to_owned())
}

fn days(value: Option<f64>) -> String {
    value
        .map(|d| format!("{} j", number_fr(d)))
        .unwrap_or_else(|| "—".to_owned())
}

fn date_fr(d: Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
}

/// Every single figure of a set, labelled as the legend defines it.
fn figure_rows(f: &domain::monitoring::Figures) -> Vec<Value> {
    let value = |key: &str| -> String {
        match key {
            "sent" => f.sent.to_string(),
            "open" => f.open.to_string(),
            "overdue" => f.overdue.to_string(),
            "acknowledged" => f.acknowledged().to_string(),
            "accepted" => f.accepted.to_string(),
            "declined" => f.declined.to_string(),
            "redirected" => f.redirected.to_string(),
            "cancelled" => f.cancelled.to_string(),
            "completed" => f.completed.to_string(),
            "rightOpened" => f.right_opened.to_string(),
            "acceptanceRate" => percent(f.acceptance_rate()),
            "loopClosedRate" => percent(f.loop_closed_rate()),
            "answeredInTimeRate" => percent(f.answered_in_time_rate()),
            "medianDaysToAcknowledge" => days(f.first_answers.days.median()),
            "p90DaysToAcknowledge" => days(f.first_answers.days.p90()),
            "medianDaysToDecision" => days(f.days_to_decision.median()),
            "p90DaysToDecision" => days(f.days_to_decision.p90()),
            "medianDaysToCompletion" => days(f.days_to_completion.median()),
            "p90DaysToCompletion" => days(f.days_to_completion.p90()),
            "declineReasons" => list(
                f.decline_reasons
                    .iter()
                    .map(|(r, n)| (r.label_fr().to_owned(), *n)),
            ),
            "outcomes" => list(
                f.outcomes
                    .iter()
                    .map(|(o, n)| (o.label_fr().to_owned(), *n)),
            ),
            "redirectChains" => list(
                f.chain_lengths
                    .iter()
                    .map(|(len, n)| (format!("longueur {len}"), n)),
            ),
            _ => String::new(),
        }
    };
    REPORT
        .iter()
        .map(|d| context! { key => d.key, label => d.label, value => value(d.key) })
        .collect()
}

fn list(items: impl Iterator<Item = (String, u64)>) -> String {
    let parts: Vec<String> = items.map(|(label, n)| format!("{label} : {n}")).collect();
    if parts.is_empty() {
        "—".to_owned()
    } else {
        parts.join(" ; ")
    }
}

/// The charts and their tables: median delay and share late per partner, and the weekly trend.
fn charts(report: &DelayReport) -> Value {
    let orgs = &report.organisations;
    let delay_bars: Vec<Bar> = orgs
        .iter()
        .map(|o| Bar {
            label: o.organisation.name.clone(),
            value: o.figures.first_answers.days.median(),
        })
        .collect();
    let late_bars: Vec<Bar> = orgs
        .iter()
        .map(|o| Bar {
            label: o.organisation.name.clone(),
            value: o.figures.first_answers.late_rate().map(|r| r * 100.0),
        })
        .collect();
    let extreme = |bars: &[Bar], unit: &str, what: &str| -> String {
        let known: Vec<&Bar> = bars.iter().filter(|b| b.value.is_some()).collect();
        let max = known.iter().max_by(|a, b| {
            a.value
                .partial_cmp(&b.value)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let min = known.iter().min_by(|a, b| {
            a.value
                .partial_cmp(&b.value)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        match (max, min) {
            (Some(max), Some(min)) => format!(
                "{what} pour {} partenaires. Le plus élevé : {} ({}{unit}). Le plus bas : {} ({}{unit}). Les valeurs sont dans le tableau qui suit.",
                known.len(),
                max.label,
                number_fr(max.value.unwrap_or_default()),
                min.label,
                number_fr(min.value.unwrap_or_default()),
            ),
            _ => format!("{what} : aucune donnée sur la période."),
        }
    };
    let delay_desc = extreme(
        &delay_bars,
        " jours ouvrés",
        "Délai médian de première réponse, en jours ouvrés,",
    );
    let late_desc = extreme(&late_bars, " %", "Part des réponses en retard");
    let weeks: Vec<Date> = report.weekly.iter().map(|w| w.week_start).collect();
    let series = vec![
        Series {
            name: "Envoyées",
            values: report.weekly.iter().map(|w| w.sent).collect(),
        },
        Series {
            name: "Premières réponses",
            values: report.weekly.iter().map(|w| w.acknowledged).collect(),
        },
        Series {
            name: "Terminées",
            values: report.weekly.iter().map(|w| w.completed).collect(),
        },
        Series {
            name: "Droits ouverts",
            values: report.weekly.iter().map(|w| w.right_opened).collect(),
        },
    ];
    let total = |s: &Series| s.values.iter().sum::<u64>();
    let busiest = report.weekly.iter().max_by_key(|w| w.sent);
    let trend_desc = format!(
        "Sur {} semaines : {} orientations envoyées, {} premières réponses, {} terminées, dont {} avec un droit ouvert.{} Les valeurs de chaque semaine sont dans le tableau qui suit.",
        weeks.len(),
        total(&series[0]),
        total(&series[1]),
        total(&series[2]),
        total(&series[3]),
        busiest
            .filter(|w| w.sent > 0)
            .map(|w| format!(
                " La semaine la plus chargée est celle du {} ({} envoyées).",
                date_fr(w.week_start),
                w.sent
            ))
            .unwrap_or_default(),
    );
    context! {
        delay_svg => charts::bars("graphique-delais", "Délai médian de première réponse par partenaire (jours ouvrés)", &delay_desc, &delay_bars, " j", false),
        delay_desc => delay_desc,
        late_svg => charts::bars("graphique-retards", "Part des réponses en retard par partenaire", &late_desc, &late_bars, " %", true),
        late_desc => late_desc,
        trend_svg => charts::trend("graphique-tendance", "Évolution par semaine", &trend_desc, &weeks, &series),
        trend_desc => trend_desc,
        weekly => report.weekly.iter().map(|w| context! {
            week => date_fr(w.week_start),
            sent => w.sent,
            acknowledged => w.acknowledged,
            completed => w.completed,
            right_opened => w.right_opened,
            median => days(w.median_days_to_acknowledge),
        }).collect::<Vec<_>>(),
    }
}

fn organisation_rows(report: &DelayReport) -> Vec<Value> {
    let summary = |f: &domain::monitoring::Figures| {
        context! {
            sent => f.sent,
            open => f.open,
            overdue => f.overdue,
            median_ack => days(f.first_answers.days.median()),
            p90_ack => days(f.first_answers.days.p90()),
            in_time => percent(f.answered_in_time_rate()),
            late => percent(f.first_answers.late_rate()),
            acceptance => percent(f.acceptance_rate()),
            loop_closed => percent(f.loop_closed_rate()),
            right_opened => f.right_opened,
        }
    };
    report
        .organisations
        .iter()
        .map(|o| {
            context! {
                id => o.organisation.id.to_string(),
                name => o.organisation.name.clone(),
                flagged => o.flagged(),
                alerts => o.alerts.iter().map(|a| a.label_fr()).collect::<Vec<_>>(),
                figures => summary(&o.figures),
                escalations => o.escalations.as_ref().map(|e| context! {
                    received => e.received,
                    open => e.open,
                    overdue => e.overdue,
                    answered => e.answered,
                    median => days(e.median_days_to_first_answer),
                }),
                services => o.services.iter().map(|s| context! {
                    id => s.service.id.to_string(),
                    name => s.service.name.clone(),
                    figures => summary(&s.figures),
                }).collect::<Vec<_>>(),
            }
        })
        .collect()
}

/// The query string of the CSV export for the same report.
fn export_link(report: &DelayReport) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("from", &report.from.to_string());
    query.append_pair("to", &report.to.to_string());
    if let Some(org) = report.organisation {
        query.append_pair("organisationId", &org.to_string());
    }
    if let Some(service) = report.service {
        query.append_pair("serviceId", &service.to_string());
    }
    format!("/suivi/export.csv?{}", query.finish())
}

async fn dashboard_data(ctx: &Ctx<'_>, q: &Filters) -> ApiResult<Value> {
    let request = request(
        ctx,
        q.du.as_deref(),
        q.au.as_deref(),
        q.organisation.as_deref(),
        q.service.as_deref(),
        ["du", "au", "organisation", "service"],
    )?;
    let report = service::report(ctx, request).await?;
    let territory = ctx.may_tenant(Action::ReadMonitoring);
    // The choices of the filters: every organisation for the territory's observers, one's own
    // for an org admin; the services of the chosen organisation, or all.
    let organisations: Vec<Value> =
        directory::store::all_organisations(ctx.db, ctx.actor.tenant_id)
            .await?
            .into_iter()
            .filter(|o| territory || o.id == ctx.actor.organisation_id.as_uuid())
            .map(|o| context! { id => o.id.to_string(), name => o.name })
            .collect();
    let services: Vec<Value> = directory::store::all_services(ctx.db, ctx.actor.tenant_id)
        .await?
        .into_iter()
        .filter(|s| report.organisation.is_none_or(|o| o == s.organisation_id))
        .map(|s| context! { id => s.id.to_string(), name => s.name })
        .collect();
    let overdue = service::overdue(
        ctx,
        report.organisation.map(OrganisationId::from_uuid),
        &PageRequest::first(ON_DASHBOARD),
    )
    .await?;
    let more_overdue = overdue.has_next;
    let overdue = rows(ctx, &overdue.into_rows()).await?;
    let t = report.thresholds;
    Ok(context! {
        territory => territory,
        q => context! {
            du => report.from.to_string(),
            au => report.to.to_string(),
            organisation => report.organisation.map(|o| o.to_string()),
            service => report.service.map(|s| s.to_string()),
        },
        period => context! { from => date_fr(report.from), to => date_fr(report.to) },
        organisations => organisations,
        services => services,
        totals => figure_rows(&report.totals),
        rows => organisation_rows(&report),
        flagged => report.organisations.iter().filter(|o| o.flagged()).map(|o| context! {
            name => o.organisation.name.clone(),
            alerts => o.alerts.iter().map(|a| a.label_fr()).collect::<Vec<_>>(),
            late => percent(o.figures.first_answers.late_rate()),
            acceptance => percent(o.figures.acceptance_rate()),
        }).collect::<Vec<_>>(),
        charts => charts(&report),
        overdue => overdue,
        more_overdue => more_overdue,
        overdue_link => report.organisation.map_or("/suivi/retards".to_owned(), |o| format!("/suivi/retards?organisation={o}")),
        export => export_link(&report),
        legend => REPORT.iter().chain(WEEKLY.iter().skip(1)).chain([&FLAGGED]).map(|d| context! {
            label => d.label, definition => d.definition,
        }).collect::<Vec<_>>(),
        thresholds => context! {
            late => t.late_percent_above,
            acceptance => t.acceptance_percent_below,
            minimum => t.min_referrals,
        },
        may_set_thresholds => ctx.may_tenant(Action::ManageMonitoringSettings),
    })
}

async fn dashboard(
    State(app): State<AppState>,
    page: PageUser,
    Query(q): Query<Filters>,
) -> Response {
    let ctx = page.ctx(&app);
    let data = dashboard_data(&ctx, &q).await;
    let notice =
        (q.fait.as_deref() == Some("seuils")).then_some("Les seuils d'alerte sont enregistrés.");
    page_or_error(
        &app,
        &page,
        StatusCode::OK,
        "monitoring/dashboard.html",
        DASHBOARD,
        context! { notice => notice },
        data,
    )
}

#[derive(serde::Deserialize, Default)]
struct OverdueQuery {
    organisation: Option<String>,
    apres: Option<String>,
}

async fn overdue_list(
    State(app): State<AppState>,
    page: PageUser,
    Query(q): Query<OverdueQuery>,
) -> Response {
    let ctx = page.ctx(&app);
    let data = async {
        let organisation: Option<OrganisationId> =
            match optional_input_id("organisation", q.organisation.as_deref())? {
                Some(org) => Some(org),
                None => service::default_organisation(&ctx)?,
            };
        let request = PageRequest {
            first: PER_PAGE,
            ..PageRequest::parse(None, q.apres.as_deref().filter(|a| !a.is_empty()))?
        };
        let found = service::overdue(&ctx, organisation, &request).await?;
        let next = found.next_cursor().map(|cursor| {
            let mut query = form_urlencoded::Serializer::new(String::new());
            if let Some(org) = organisation {
                query.append_pair("organisation", &org.to_string());
            }
            query.append_pair("apres", &cursor);
            query.finish()
        });
        let name = match organisation {
            Some(org) => Some(
                directory::store::organisation_get(ctx.db, ctx.actor.tenant_id, org)
                    .await?
                    .name,
            ),
            None => None,
        };
        Ok(context! {
            referrals => rows(&ctx, &found.into_rows()).await?,
            next => next,
            first_page => q.apres.is_none(),
            organisation => name,
        })
    }
    .await;
    page_or_error(
        &app,
        &page,
        StatusCode::OK,
        "monitoring/overdue.html",
        DASHBOARD,
        context! {},
        data,
    )
}

#[derive(serde::Deserialize)]
struct ThresholdsForm {
    #[serde(default)]
    retard: String,
    #[serde(default)]
    acceptation: String,
    #[serde(default)]
    minimum: String,
}

async fn save_thresholds(
    State(app): State<AppState>,
    page: PageUser,
    Form(form): Form<ThresholdsForm>,
) -> Response {
    let ctx = page.ctx(&app);
    let result = async {
        let late = number("latePercentAbove", &form.retard)?;
        let acceptance = number("acceptancePercentBelow", &form.acceptation)?;
        let minimum = number("minReferrals", &form.minimum)?;
        service::set_thresholds(&ctx, late, acceptance, minimum).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("{DASHBOARD}?fait=seuils")).into_response(),
        Err(err) => {
            let data = dashboard_data(&ctx, &Filters::default()).await;
            page_or_error(
                &app,
                &page,
                status_of(&err),
                "monitoring/dashboard.html",
                DASHBOARD,
                context! { error => form_error("seuils", &err) },
                data,
            )
        }
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ExportQuery {
    from: Option<String>,
    to: Option<String>,
    organisation_id: Option<String>,
    service_id: Option<String>,
}

fn plain(status: StatusCode, message: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}

/// `GET /suivi/export.csv?from=…&to=…` with a bearer token or the session cookie.
async fn export(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ExportQuery>,
) -> Response {
    let now = app.clock.now();
    let jar = CookieJar::from_headers(&headers);
    let token = crate::graphql::bearer_token(&headers)
        .map(str::to_owned)
        .or_else(|| jar.get(COOKIE).map(|c| c.value().to_owned()));
    let Some(token) = token else {
        return plain(StatusCode::UNAUTHORIZED, "Connexion requise.".to_owned());
    };
    let actor = match app.auth.actor(&app.db, &token, now).await {
        Ok(actor) => actor,
        Err(err) => return plain(status_of(&err), err.public_message()),
    };
    let ctx = Ctx {
        actor: &actor,
        db: &app.db,
        now,
        hooks: &app.hooks,
    };
    let result = async {
        let request = request(
            &ctx,
            q.from.as_deref(),
            q.to.as_deref(),
            q.organisation_id.as_deref(),
            q.service_id.as_deref(),
            ["from", "to", "organisationId", "serviceId"],
        )?;
        service::report(&ctx, request).await
    }
    .await;
    match result {
        Ok(report) => {
            let name = csv::file_name(report.from, report.to);
            let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
                .unwrap_or(HeaderValue::from_static("attachment"));
            (
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("text/csv; charset=utf-8"),
                    ),
                    (header::CONTENT_DISPOSITION, disposition),
                    (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                ],
                csv::render(&report),
            )
                .into_response()
        }
        Err(err) => plain(status_of(&err), err.public_message()),
    }
}
