//! The referral pages: the agent sends a referral and follows what they sent; the back office
//! works its inbox; the territory is watched; everyone sees the timeline. Each page renders the
//! referrals service's views: what a view hides is not there, and the actions offered are the
//! view's `actions`, nothing else.

use std::collections::HashMap;

use axum::{
    Router,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use axum_extra::extract::Form;
use domain::{
    ConsentStatus, DeclineReason, OrganisationId, Outcome, PersonId, ReferralAction,
    ReferralEventKind, ReferralStatus, Urgency,
};
use minijinja::{Value, context};
use time::format_description::well_known::Rfc3339;

use crate::{
    AppState,
    consents::service as consents,
    directory::service as directory,
    error::{ApiError, ApiResult},
    people,
    referrals::{
        service::{self, Change, Listing, NewReferral},
        store::{Filters, Order},
        view::ReferralView,
    },
    service::{Ctx, input_id, lookup_id, optional_input_id},
    store::PageRequest,
    web::{
        render::{form_error, page_or_error, status_of},
        session::PageUser,
    },
};

/// Referrals per page of a list.
const PER_PAGE: u64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orientations/recues", get(received))
        .route("/orientations/envoyees", get(sent))
        .route("/suivi", get(territory))
        .route("/orientations/nouvelle", get(new_page))
        .route("/orientations", post(create))
        .route("/orientations/{id}", get(detail))
        .route("/orientations/{id}/{action}", post(act))
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// DSFR badge colour for a status.
fn badge(status: ReferralStatus) -> &'static str {
    match status {
        ReferralStatus::Sent => "new",
        ReferralStatus::Acknowledged | ReferralStatus::Accepted => "info",
        ReferralStatus::InfoRequested => "warning",
        ReferralStatus::Completed => "success",
        ReferralStatus::Declined | ReferralStatus::Cancelled => "error",
        ReferralStatus::Redirected => "info",
    }
}

/// What the viewer is expected to do next, or to wait for, as the lists say it.
fn next_step(r: &ReferralView) -> &'static str {
    let may = |a: ReferralAction| r.actions.contains(&a);
    if r.status.is_final() {
        "Terminée"
    } else if may(ReferralAction::Acknowledge) {
        "À accuser réception"
    } else if may(ReferralAction::ProvideInfo) {
        "Répondre à la question"
    } else if r.status == ReferralStatus::InfoRequested {
        "En attente du complément"
    } else if may(ReferralAction::Accept) {
        "À accepter ou refuser"
    } else if may(ReferralAction::Complete) {
        "À clôturer une fois l'accompagnement fait"
    } else {
        "En attente du partenaire"
    }
}

/// Table rows for a list of views, the names of services and organisations loaded in two
/// queries for the whole list.
pub async fn rows(ctx: &Ctx<'_>, views: &[ReferralView]) -> ApiResult<Vec<Value>> {
    let service_ids: Vec<uuid::Uuid> = views.iter().map(|r| r.service.as_uuid()).collect();
    let services: HashMap<uuid::Uuid, String> = directory::services_by_ids(ctx, &service_ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let org_ids: Vec<uuid::Uuid> = views
        .iter()
        .flat_map(|r| [r.from_organisation.as_uuid(), r.to_organisation.as_uuid()])
        .collect();
    let orgs: HashMap<uuid::Uuid, String> = directory::organisations_by_ids(ctx, &org_ids)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let person_ids: Vec<uuid::Uuid> = views
        .iter()
        .filter_map(|r| r.person)
        .map(|p| p.as_uuid())
        .collect();
    let people: HashMap<uuid::Uuid, String> =
        crate::people::store::by_ids(ctx.db, ctx.actor.tenant_id, &person_ids)
            .await?
            .into_iter()
            .map(|p| (p.id, format!("{} {}", p.first_name, p.last_name)))
            .collect();
    Ok(views
        .iter()
        .map(|r| {
            context! {
                who => r.person.and_then(|p| people.get(&p.as_uuid())),
                next_step => next_step(r),
                id => r.id.to_string(),
                status => r.status.as_str(),
                status_label => r.status.label_fr(),
                badge => badge(r.status),
                urgent => r.urgency == Urgency::Urgent,
                service => services.get(&r.service.as_uuid()),
                from => orgs.get(&r.from_organisation.as_uuid()),
                to => orgs.get(&r.to_organisation.as_uuid()),
                due_at => rfc3339(r.due_at),
                created_at => rfc3339(r.created_at),
                closed_at => r.closed_at.map(rfc3339),
                overdue => r.overdue,
                days_overdue => r.days_overdue,
                paused => r.paused,
            }
        })
        .collect())
}

#[derive(serde::Deserialize, serde::Serialize, Default)]
struct ListQuery {
    statut: Option<String>,
    retard: Option<String>,
    tri: Option<String>,
    moi: Option<String>,
    /// Territory list: the receiving organisation.
    vers: Option<String>,
    /// The cursor of the page.
    apres: Option<String>,
}

async fn received(
    State(app): State<AppState>,
    page: PageUser,
    Query(q): Query<ListQuery>,
) -> Response {
    list(&app, &page, Listing::Received, q).await
}

async fn sent(State(app): State<AppState>, page: PageUser, Query(q): Query<ListQuery>) -> Response {
    list(&app, &page, Listing::Sent, q).await
}

async fn territory(
    State(app): State<AppState>,
    page: PageUser,
    Query(q): Query<ListQuery>,
) -> Response {
    list(&app, &page, Listing::Territory, q).await
}

async fn list(app: &AppState, page: &PageUser, listing: Listing, q: ListQuery) -> Response {
    let ctx = page.ctx(app);
    let result = async {
        // Open referrals unless asked otherwise: those are the ones someone has to act on.
        let statuses: Vec<ReferralStatus> = match q.statut.as_deref().unwrap_or("") {
            "" | "ouvertes" => ReferralStatus::ALL
                .into_iter()
                .filter(|s| !s.is_final())
                .collect(),
            "toutes" => Vec::new(),
            code => vec![ReferralStatus::parse(code)?],
        };
        let filters = Filters {
            statuses,
            overdue: q.retard.as_deref().filter(|r| *r == "oui").map(|_| true),
            assignee_id: q
                .moi
                .as_deref()
                .filter(|m| *m == "oui")
                .map(|_| page.user.id),
            to_organisation_id: optional_input_id("vers", q.vers.as_deref())?,
            ..Filters::default()
        };
        // The inbox and the territory put the most urgent first unless asked otherwise.
        let order = match (listing, q.tri.as_deref()) {
            (_, Some("recentes")) => Order::Newest,
            (_, Some("echeance")) | (Listing::Received | Listing::Territory, None) => {
                Order::DueSoonest
            }
            _ => Order::Newest,
        };
        let request = PageRequest {
            first: PER_PAGE,
            ..PageRequest::parse(None, q.apres.as_deref().filter(|a| !a.is_empty()))?
        };
        let found = service::list(&ctx, listing, &filters, order, &request).await?;
        let next = found.next_cursor().map(|cursor| {
            let next = ListQuery {
                apres: Some(cursor),
                tri: Some(if order == Order::Newest { "recentes" } else { "echeance" }.into()),
                ..ListQuery {
                    statut: q.statut.clone(),
                    retard: q.retard.clone(),
                    moi: q.moi.clone(),
                    vers: q.vers.clone(),
                    ..ListQuery::default()
                }
            };
            serde_html_query(&next)
        });
        let statuses: Vec<Value> = ReferralStatus::ALL
            .iter()
            .map(|s| context! { code => s.as_str(), label => s.label_fr() })
            .collect();
        let organisations: Vec<Value> = if listing == Listing::Territory {
            directory::all_organisations(&ctx)
                .await?
                .into_iter()
                .map(|o| context! { id => o.id.to_string(), name => o.name })
                .collect()
        } else {
            Vec::new()
        };
        Ok(context! {
            referrals => rows(&ctx, &found.into_rows()).await?,
            next => next,
            first_page => q.apres.is_none(),
            received => listing == Listing::Received,
            sent => listing == Listing::Sent,
            territory => listing == Listing::Territory,
            heading => match listing {
                Listing::Received => "Orientations reçues",
                Listing::Territory => "Suivi du territoire",
                Listing::Sent | Listing::OfPerson(_) | Listing::Monitored(_) => "Orientations envoyées",
            },
            organisations => organisations,
            statuses => statuses,
            q => context! { statut => q.statut, retard => q.retard, tri => q.tri, moi => q.moi, vers => q.vers },
            order => if order == Order::Newest { "recentes" } else { "echeance" },
        })
    }
    .await;
    let active = match listing {
        Listing::Received => "/orientations/recues",
        Listing::Territory => "/suivi",
        Listing::Sent | Listing::OfPerson(_) | Listing::Monitored(_) => "/orientations/envoyees",
    };
    page_or_error(
        app,
        page,
        StatusCode::OK,
        "referrals/list.html",
        active,
        context! {},
        result,
    )
}

/// The query string of a link.
fn serde_html_query(value: &impl serde::Serialize) -> String {
    let json = serde_json::to_value(value).unwrap_or_default();
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(map) = json.as_object() {
        for (key, value) in map {
            if let Some(text) = value.as_str() {
                query.append_pair(key, text);
            }
        }
    }
    query.finish()
}

#[derive(serde::Deserialize, Default)]
struct NewQuery {
    personne: Option<String>,
    categorie: Option<String>,
    q: Option<String>,
    /// The service chosen before a consent was recorded on the way.
    service: Option<String>,
    fait: Option<String>,
}

async fn new_page(
    State(app): State<AppState>,
    page: PageUser,
    Query(q): Query<NewQuery>,
) -> Response {
    new_form(&app, &page, q, StatusCode::OK, context! {}).await
}

async fn new_form(
    app: &AppState,
    page: &PageUser,
    q: NewQuery,
    status: StatusCode,
    extra: Value,
) -> Response {
    let ctx = page.ctx(app);
    let result = async {
        let person_id: PersonId = lookup_id(q.personne.as_deref().unwrap_or_default())?;
        let person = people::service::get(&ctx, person_id).await?;
        let mut active = Vec::new();
        for c in consents::of_person(&ctx, person_id).await? {
            if domain::consent_status(c.withdrawn_at, c.expires_at, ctx.now)
                == ConsentStatus::Active
            {
                let recipients = consents::recipients(&ctx, &c).await?;
                active.push((c, recipients));
            }
        }
        let services = directory::services(
            &ctx,
            &PageRequest::first(100),
            q.categorie.as_deref(),
            q.q.as_deref(),
        )
        .await?;
        let more_services = services.has_next;
        let orgs: HashMap<uuid::Uuid, String> = directory::all_organisations(&ctx)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        let services: Vec<Value> = services
            .rows()
            .filter(|s| s.organisation_id != ctx.actor.organisation_id.as_uuid())
            .map(|s| {
                let consent = active
                    .iter()
                    .find(|(_, recipients)| {
                        recipients
                            .iter()
                            .any(|r: &OrganisationId| r.as_uuid() == s.organisation_id)
                    })
                    .map(|(c, _)| c.id.to_string());
                context! {
                    id => s.id.to_string(),
                    name => s.name,
                    category => s.category,
                    organisation => orgs.get(&s.organisation_id),
                    response_days => s.response_days,
                    urgent_response_days => s.urgent_response_days,
                    consent => consent,
                }
            })
            .collect();
        Ok(context! {
            person => people::pages::person_summary(&person),
            chosen => q.service,
            notice => (q.fait.as_deref() == Some("consentement")).then_some("Le consentement est enregistré : le service est choisi, il reste à écrire le motif."),
            services => services,
            more_services => more_services,
            categories => directory::categories(&ctx).await?,
            q => context! { categorie => q.categorie, q => q.q },
            has_consent => !active.is_empty(),
        })
    }
    .await;
    page_or_error(
        app,
        page,
        status,
        "referrals/new.html",
        "/personnes",
        extra,
        result,
    )
}

#[derive(serde::Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct ReferralFields {
    #[serde(default)]
    person_id: String,
    /// `<service id>|<consent id>`: the service chosen, with the consent that covers it.
    #[serde(default)]
    service: String,
    #[serde(default)]
    motive: String,
    #[serde(default)]
    urgency: String,
}

async fn create(
    State(app): State<AppState>,
    page: PageUser,
    Form(fields): Form<ReferralFields>,
) -> Response {
    let ctx = page.ctx(&app);
    let result = async {
        let (service_id, consent_id) = fields
            .service
            .split_once('|')
            .unwrap_or((&fields.service, ""));
        if service_id.trim().is_empty() {
            return Err(ApiError::invalid("serviceId", "choisissez un service"));
        }
        let new = NewReferral {
            person: lookup_id(&fields.person_id)?,
            consent: input_id("consentId", consent_id)?,
            service: input_id("serviceId", service_id)?,
            motive: fields.motive.clone(),
            urgency: if fields.urgency == "URGENT" {
                Urgency::Urgent
            } else {
                Urgency::Standard
            },
        };
        service::create(&ctx, new).await
    }
    .await;
    match result {
        Ok(created) => {
            Redirect::to(&format!("/orientations/{}?fait=envoyee", created.id)).into_response()
        }
        Err(err) => {
            let error = form_error("referral", &err);
            let q = NewQuery {
                personne: Some(fields.person_id.clone()),
                ..NewQuery::default()
            };
            new_form(
                &app,
                &page,
                q,
                status_of(&err),
                context! { error => error, values => Value::from_serialize(&fields) },
            )
            .await
        }
    }
}

#[derive(serde::Deserialize, Default)]
struct Done {
    fait: Option<String>,
}

async fn detail(
    State(app): State<AppState>,
    page: PageUser,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let notice = done.fait.as_deref().map(notice_of);
    show(
        &app,
        &page,
        &id,
        StatusCode::OK,
        context! { notice => notice },
    )
    .await
}

async fn show(
    app: &AppState,
    page: &PageUser,
    id: &str,
    status: StatusCode,
    extra: Value,
) -> Response {
    let data = detail_data(&page.ctx(app), id).await;
    page_or_error(app, page, status, "referrals/show.html", "", extra, data)
}

async fn detail_data(ctx: &Ctx<'_>, id: &str) -> ApiResult<Value> {
    let view = service::get(ctx, lookup_id(id)?).await?;
    let person = service::person(ctx, &view)
        .await?
        .map(|p| people::pages::person_summary(&p));
    let timeline = service::timeline(ctx, &view).await?;
    let mut user_ids: Vec<uuid::Uuid> = timeline
        .iter()
        .filter_map(|e| e.actor.map(|a| a.as_uuid()))
        .chain(view.assignee.map(|a| a.as_uuid()))
        .collect();
    user_ids.sort();
    user_ids.dedup();
    let names = crate::auth::service::names(ctx, &user_ids).await?;
    let client_ids: Vec<uuid::Uuid> = timeline
        .iter()
        .filter_map(|e| e.actor_client.map(|c| c.as_uuid()))
        .collect();
    let clients = crate::clients::service::names(ctx, &client_ids).await?;
    let row = rows(ctx, std::slice::from_ref(&view)).await?.remove(0);
    // The question waiting for an answer, at the top of the page while the clock is stopped
    // (none for those who may not read comments: the timeline hides them already).
    let pending_question = view
        .status
        .clock_paused()
        .then(|| {
            timeline
                .iter()
                .rev()
                .find(|e| e.kind == ReferralEventKind::RequestInfo)
                .and_then(|e| e.comment.clone())
        })
        .flatten();
    let timeline: Vec<Value> = timeline
        .into_iter()
        .map(|e| {
            context! {
                at => rfc3339(e.at),
                kind => e.kind.as_str(),
                label => e.kind.label_fr(),
                actor => e.actor.and_then(|a| names.get(&a.as_uuid()).cloned()).or_else(|| {
                    e.actor_client
                        .and_then(|c| clients.get(&c.as_uuid()))
                        .map(|name| format!("Logiciel « {name} »"))
                }),
                comment => e.comment,
                to_status => e.to_status.map(|s| s.label_fr()),
            }
        })
        .collect();
    let assignees: Vec<Value> = service::assignable(ctx, &view)
        .await?
        .into_iter()
        .map(|u| context! { id => u.id.to_string(), name => u.name, current => Some(u.id) == view.assignee })
        .collect();
    let redirect_services: Vec<Value> = service::redirect_targets(ctx, &view)
        .await?
        .into_iter()
        .map(|t| context! { id => t.service.id.to_string(), name => t.service.name, category => t.service.category, organisation => t.organisation })
        .collect();
    let parent = match service::parent(ctx, &view).await? {
        Some(parent) => Some(rows(ctx, std::slice::from_ref(&parent)).await?.remove(0)),
        None => None,
    };
    let children = rows(ctx, &service::children(ctx, &view).await?).await?;
    let decline_reasons: Vec<Value> = DeclineReason::ALL
        .iter()
        .map(|d| context! { code => d.as_str(), label => d.label_fr() })
        .collect();
    let outcomes: Vec<Value> = Outcome::ALL
        .iter()
        .map(|o| context! { code => o.as_str(), label => o.label_fr() })
        .collect();
    let actions: Vec<&str> = view.actions.iter().map(|a| a.as_str()).collect();
    let escalations = crate::escalations::service::of_referral(ctx, view.id).await?;
    let escalations = crate::escalations::pages::rows(ctx, &escalations).await?;
    Ok(context! {
        escalations => escalations,
        may_escalate => crate::escalations::service::may_open_about(ctx, &view),
        referral => row,
        version => view.version,
        motive => view.motive,
        person => person,
        holds_person => view.person.is_some() && view.from_organisation == ctx.actor.organisation_id,
        pending_question => pending_question,
        paused => view.status.clock_paused(),
        identity_hidden => view.access.content && !view.access.identity,
        outcome => view.outcome.map(|o| o.label_fr()),
        decline_reason => view.decline_reason.map(|d| d.label_fr()),
        assignee => view.assignee.and_then(|a| names.get(&a.as_uuid()).cloned()),
        parent => parent,
        children => children,
        timeline => timeline,
        actions => actions,
        assignees => assignees,
        redirect_services => redirect_services,
        decline_reasons => decline_reasons,
        outcomes => outcomes,
    })
}

/// Every field any action form posts; each action reads its own.
#[derive(serde::Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct ActionFields {
    #[serde(default)]
    version: String,
    #[serde(default)]
    question: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    comment: Option<String>,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    service_id: String,
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    body: String,
    /// The box ticked to confirm an action that ends the referral here (refuse, redirect,
    /// cancel).
    #[serde(default)]
    confirmed: Option<String>,
}

/// Refusing, redirecting and cancelling cannot be undone: their forms ask to tick a box, and
/// a form posted without it changes nothing.
fn confirmed(action: ReferralAction, f: &ActionFields) -> ApiResult<()> {
    let asks = matches!(
        action,
        ReferralAction::Decline | ReferralAction::Redirect | ReferralAction::Cancel
    );
    if asks && f.confirmed.as_deref().is_none_or(|v| v.trim().is_empty()) {
        return Err(ApiError::invalid(
            "confirmed",
            "cochez la case pour confirmer cette action, qui ne peut pas être annulée",
        ));
    }
    Ok(())
}

/// What the referral page says after each action.
fn notice_of(path: &str) -> &'static str {
    match path {
        "envoyee" => "L'orientation a été envoyée.",
        "accuser-reception" => {
            "Réception accusée : le partenaire qui vous oriente la personne le voit."
        }
        "demander-complement" => {
            "Demande de complément envoyée : le délai est suspendu jusqu'à la réponse."
        }
        "completer" => "Complément transmis : le délai reprend.",
        "accepter" => "Orientation acceptée.",
        "refuser" => "Orientation refusée.",
        "reorienter" => "Orientation réorientée vers le service choisi.",
        "cloturer" => "Orientation clôturée.",
        "annuler" => "Orientation annulée.",
        "attribuer" => "Attribution enregistrée.",
        "commenter" => "Commentaire ajouté.",
        _ => "C'est enregistré.",
    }
}

/// The page path of each action, as its form posts to it.
pub fn action_path(action: ReferralAction) -> &'static str {
    match action {
        ReferralAction::Acknowledge => "accuser-reception",
        ReferralAction::RequestInfo => "demander-complement",
        ReferralAction::ProvideInfo => "completer",
        ReferralAction::Accept => "accepter",
        ReferralAction::Decline => "refuser",
        ReferralAction::Redirect => "reorienter",
        ReferralAction::Complete => "cloturer",
        ReferralAction::Cancel => "annuler",
        ReferralAction::Assign => "attribuer",
        ReferralAction::Comment => "commenter",
    }
}

fn change_of(path: &str, f: &ActionFields) -> ApiResult<Change> {
    let optional = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
    let action = ReferralAction::ALL
        .into_iter()
        .find(|a| action_path(*a) == path)
        .ok_or(ApiError::Domain(domain::Error::NotFound))?;
    confirmed(action, f)?;
    Ok(match action {
        ReferralAction::Acknowledge => Change::Acknowledge,
        ReferralAction::RequestInfo => Change::RequestInfo {
            question: f.question.clone(),
        },
        ReferralAction::ProvideInfo => Change::ProvideInfo {
            answer: f.answer.clone(),
        },
        ReferralAction::Accept => Change::Accept,
        ReferralAction::Decline => Change::Decline {
            reason: DeclineReason::parse(&f.reason)?,
            comment: optional(&f.comment),
        },
        ReferralAction::Redirect => Change::Redirect {
            service: input_id("serviceId", &f.service_id)?,
            comment: optional(&f.comment),
        },
        ReferralAction::Complete => Change::Complete {
            outcome: Outcome::parse(&f.outcome)?,
            comment: optional(&f.comment),
        },
        ReferralAction::Cancel => Change::Cancel {
            reason: f.reason.clone(),
        },
        ReferralAction::Assign => Change::Assign {
            user: optional_input_id("userId", f.user_id.as_deref())?,
        },
        ReferralAction::Comment => Change::Comment {
            body: f.body.clone(),
        },
    })
}

async fn act(
    State(app): State<AppState>,
    page: PageUser,
    Path((id, action)): Path<(String, String)>,
    Form(fields): Form<ActionFields>,
) -> Response {
    let ctx = page.ctx(&app);
    let result = async {
        let change = change_of(&action, &fields)?;
        let expected = fields.version.trim().parse::<i32>().ok();
        service::change(&ctx, lookup_id(&id)?, expected, change).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("/orientations/{id}?fait={action}")).into_response(),
        Err(err) => {
            let error = form_error(&action, &err);
            show(
                &app,
                &page,
                &id,
                status_of(&err),
                context! { error => error, values => Value::from_serialize(&fields) },
            )
            .await
        }
    }
}
