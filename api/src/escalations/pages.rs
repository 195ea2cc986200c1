//! The escalation pages: the agent asks a partner's back office (from scratch, from a referral
//! or from a person), follows what they sent, writes back, closes and reopens; the back office
//! works its queue — takes, answers, transfers, closes. Each page renders the escalations
//! service's views: what a view hides is not there, and the actions offered are the view's
//! `actions`, nothing else.

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
    EscalationAction, EscalationRelation, EscalationStatus, OrganisationId, PersonId, ReferralId,
    Urgency,
};
use minijinja::{Value, context};
use time::format_description::well_known::Rfc3339;

use crate::{
    AppState,
    consents::service as consents,
    directory::service as directory,
    error::{ApiError, ApiResult},
    escalations::{
        service::{self, Change, Listing, NewEscalation},
        store::{Filters, Order},
        view::EscalationView,
    },
    people, referrals,
    service::{Ctx, input_id, lookup_id, optional_input_id},
    store::PageRequest,
    web::{
        render::{form_error, page_or_error, status_of},
        session::PageUser,
    },
};

/// Escalations per page of a list.
const PER_PAGE: u64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sollicitations/recues", get(received))
        .route("/sollicitations/envoyees", get(sent))
        .route("/sollicitations/nouvelle", get(new_page))
        .route("/sollicitations", post(create))
        .route("/sollicitations/{id}", get(detail))
        .route("/sollicitations/{id}/{action}", post(act))
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// DSFR badge colour for a status.
fn badge(status: EscalationStatus) -> &'static str {
    match status {
        EscalationStatus::Open => "new",
        EscalationStatus::Answered => "success",
        EscalationStatus::Closed => "info",
    }
}

/// Table rows for a list of views, the organisations' and assignees' names loaded once for the
/// whole list.
pub async fn rows(ctx: &Ctx<'_>, views: &[EscalationView]) -> ApiResult<Vec<Value>> {
    let org_ids: Vec<uuid::Uuid> = views
        .iter()
        .flat_map(|e| [e.from_organisation.as_uuid(), e.to_organisation.as_uuid()])
        .collect();
    let orgs: HashMap<uuid::Uuid, String> = directory::organisations_by_ids(ctx, &org_ids)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let user_ids: Vec<uuid::Uuid> = views
        .iter()
        .filter_map(|e| e.assignee.map(|a| a.as_uuid()))
        .collect();
    let names = crate::auth::service::names(ctx, &user_ids).await?;
    Ok(views
        .iter()
        .map(|e| {
            context! {
                id => e.id.to_string(),
                subject => e.subject,
                category => e.category,
                status => e.status.as_str(),
                status_label => e.status.label_fr(),
                badge => badge(e.status),
                urgent => e.urgency == Urgency::Urgent,
                from => orgs.get(&e.from_organisation.as_uuid()),
                to => orgs.get(&e.to_organisation.as_uuid()),
                assignee => e.assignee.and_then(|a| names.get(&a.as_uuid()).cloned()),
                due_at => rfc3339(e.due_at),
                created_at => rfc3339(e.created_at),
                overdue => e.overdue,
                transferred => e.access.relation == EscalationRelation::FormerReceiver,
            }
        })
        .collect())
}

#[derive(serde::Deserialize, serde::Serialize, Default, Clone)]
struct ListQuery {
    statut: Option<String>,
    retard: Option<String>,
    moi: Option<String>,
    /// `transferees`: what the organisation transferred on.
    vue: Option<String>,
    tri: Option<String>,
    apres: Option<String>,
}

async fn received(
    State(app): State<AppState>,
    page: PageUser,
    Query(q): Query<ListQuery>,
) -> Response {
    let listing = if q.vue.as_deref() == Some("transferees") {
        Listing::TransferredOn
    } else {
        Listing::Received
    };
    list(&app, &page, listing, q).await
}

async fn sent(State(app): State<AppState>, page: PageUser, Query(q): Query<ListQuery>) -> Response {
    list(&app, &page, Listing::Sent, q).await
}

/// The query string of a link.
fn query_string(q: &ListQuery) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in [
        ("statut", &q.statut),
        ("retard", &q.retard),
        ("moi", &q.moi),
        ("vue", &q.vue),
        ("tri", &q.tri),
        ("apres", &q.apres),
    ] {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            query.append_pair(key, value);
        }
    }
    query.finish()
}

async fn list(app: &AppState, page: &PageUser, listing: Listing, q: ListQuery) -> Response {
    let ctx = page.ctx(app);
    let result = async {
        let statuses = q
            .statut
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(EscalationStatus::parse)
            .transpose()?;
        let filters = Filters {
            statuses: statuses.into_iter().collect(),
            overdue: q.retard.as_deref().filter(|r| *r == "oui").map(|_| true),
            assignee_id: q
                .moi
                .as_deref()
                .filter(|m| *m == "oui")
                .map(|_| page.user.id),
        };
        let order = match q.tri.as_deref() {
            Some("recentes") => Order::Newest,
            _ => Order::DueSoonest,
        };
        let request = PageRequest {
            first: PER_PAGE,
            ..PageRequest::parse(None, q.apres.as_deref().filter(|a| !a.is_empty()))?
        };
        let found = service::list(&ctx, listing, &filters, order, &request).await?;
        let next = found.next_cursor().map(|cursor| {
            query_string(&ListQuery {
                apres: Some(cursor),
                ..q.clone()
            })
        });
        let counts = service::counts(&ctx, listing).await?;
        let count_of = |status| {
            counts
                .by_status
                .iter()
                .find(|(s, _)| *s == status)
                .map_or(0, |(_, n)| *n)
        };
        let transferred = if listing == Listing::Received {
            service::counts(&ctx, Listing::TransferredOn)
                .await?
                .by_status
                .iter()
                .map(|(_, n)| n)
                .sum::<i64>()
        } else {
            0
        };
        let statuses: Vec<Value> = EscalationStatus::ALL
            .iter()
            .map(|s| context! { code => s.as_str(), label => s.label_fr() })
            .collect();
        let received = matches!(listing, Listing::Received | Listing::TransferredOn);
        Ok(context! {
            escalations => rows(&ctx, &found.into_rows()).await?,
            next => next,
            first_page => q.apres.is_none(),
            received => received,
            transferred_view => listing == Listing::TransferredOn,
            heading => match listing {
                Listing::Received => "Sollicitations reçues",
                Listing::TransferredOn => "Sollicitations transférées à un partenaire",
                Listing::Sent | Listing::AboutPerson(_) => "Sollicitations envoyées",
            },
            counts => context! {
                open => count_of(EscalationStatus::Open),
                answered => count_of(EscalationStatus::Answered),
                closed => count_of(EscalationStatus::Closed),
                overdue => counts.overdue,
                mine => counts.mine,
                transferred => transferred,
            },
            may_open => ctx.may_own(domain::Action::OpenEscalation),
            statuses => statuses,
            q => context! { statut => q.statut, retard => q.retard, moi => q.moi, tri => q.tri },
            order => if order == Order::Newest { "recentes" } else { "echeance" },
        })
    }
    .await;
    let active = match listing {
        Listing::Received | Listing::TransferredOn => "/sollicitations/recues",
        Listing::Sent | Listing::AboutPerson(_) => "/sollicitations/envoyees",
    };
    page_or_error(
        app,
        page,
        StatusCode::OK,
        "escalations/list.html",
        active,
        context! {},
        result,
    )
}

#[derive(serde::Deserialize, Default)]
struct NewQuery {
    orientation: Option<String>,
    personne: Option<String>,
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
        let referral = match q.orientation.as_deref().filter(|r| !r.is_empty()) {
            Some(id) => Some(referrals::service::get(&ctx, lookup_id::<ReferralId>(id)?).await?),
            None => None,
        };
        let person = match q.personne.as_deref().filter(|p| !p.is_empty()) {
            Some(id) => Some(people::service::get(&ctx, lookup_id::<PersonId>(id)?).await?),
            None => None,
        };
        // With a person, only the organisations an active consent names may be asked about her.
        let mut named: Option<Vec<OrganisationId>> = None;
        if let Some(p) = &person {
            let mut orgs = Vec::new();
            for c in consents::of_person(&ctx, PersonId::from_uuid(p.id)).await? {
                if domain::consent_status(c.withdrawn_at, c.expires_at, ctx.now)
                    == domain::ConsentStatus::Active
                {
                    orgs.extend(consents::recipients(&ctx, &c).await?);
                }
            }
            named = Some(orgs);
        }
        let preselected = referral.as_ref().map(|r| r.to_organisation);
        let organisations: Vec<Value> = service::recipients(&ctx)
            .await?
            .into_iter()
            .map(|(o, days)| {
                let id = OrganisationId::from_uuid(o.id);
                let covered = named.as_ref().is_none_or(|n| n.contains(&id));
                context! {
                    id => o.id.to_string(),
                    name => o.name,
                    answer_days => days.standard,
                    urgent_answer_days => days.urgent,
                    covered => covered,
                    selected => preselected == Some(id),
                }
            })
            .collect();
        let referral_row = match &referral {
            Some(r) => Some(
                referrals::pages::rows(&ctx, std::slice::from_ref(r))
                    .await?
                    .remove(0),
            ),
            None => None,
        };
        Ok(context! {
            organisations => organisations,
            categories => directory::categories(&ctx).await?,
            referral => referral_row,
            person => person.as_ref().map(people::pages::person_summary),
        })
    }
    .await;
    page_or_error(
        app,
        page,
        status,
        "escalations/new.html",
        "/sollicitations/envoyees",
        extra,
        result,
    )
}

#[derive(serde::Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct EscalationFields {
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    referral_id: Option<String>,
    #[serde(default)]
    person_id: Option<String>,
}

async fn create(
    State(app): State<AppState>,
    page: PageUser,
    Form(fields): Form<EscalationFields>,
) -> Response {
    let ctx = page.ctx(&app);
    let result = async {
        if fields.organisation_id.trim().is_empty() {
            return Err(ApiError::invalid(
                "organisationId",
                "choisissez l'organisation à solliciter",
            ));
        }
        let blank = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
        let new = NewEscalation {
            organisation: input_id("organisationId", &fields.organisation_id)?,
            subject: fields.subject.clone(),
            body: fields.body.clone(),
            category: fields.category.clone(),
            referral: blank(&fields.referral_id)
                .map(|r| lookup_id(&r))
                .transpose()?,
            person: blank(&fields.person_id)
                .map(|p| lookup_id(&p))
                .transpose()?,
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
            Redirect::to(&format!("/sollicitations/{}?fait=ouverte", created.id)).into_response()
        }
        Err(err) => {
            let error = form_error("escalation", &err);
            let q = NewQuery {
                orientation: fields.referral_id.clone(),
                personne: fields.person_id.clone(),
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
    let notice = done.fait.as_deref().map(|f| match f {
        "ouverte" => "La sollicitation a été envoyée.",
        "repondre" => "Votre réponse a été envoyée.",
        "ecrire" => "Votre message a été envoyé : l'expert vous répondra.",
        "cloturer" => "La sollicitation est clôturée.",
        "rouvrir" => "La sollicitation est rouverte : une réponse est de nouveau attendue.",
        "prendre-en-charge" => "Vous suivez cette sollicitation.",
        "transferer" => {
            "La sollicitation a été transférée : votre organisation en garde une trace."
        }
        _ => "C'est enregistré.",
    });
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
    page_or_error(app, page, status, "escalations/show.html", "", extra, data)
}

async fn detail_data(ctx: &Ctx<'_>, id: &str) -> ApiResult<Value> {
    let view = service::get(ctx, lookup_id(id)?).await?;
    let person = service::person(ctx, &view)
        .await?
        .map(|p| people::pages::person_summary(&p));
    let history = service::history(ctx, &view).await?;
    let messages = service::messages(ctx, &view).await?;
    let mut user_ids: Vec<uuid::Uuid> = history
        .iter()
        .flat_map(|e| [e.actor, e.assignee])
        .flatten()
        .map(|u| u.as_uuid())
        .collect();
    user_ids.sort();
    user_ids.dedup();
    let names = crate::auth::service::names(ctx, &user_ids).await?;
    let org_ids: Vec<uuid::Uuid> = history
        .iter()
        .flat_map(|e| [e.actor_organisation, e.from_organisation, e.to_organisation])
        .flatten()
        .map(|o| o.as_uuid())
        .collect();
    let orgs: HashMap<uuid::Uuid, String> = directory::organisations_by_ids(ctx, &org_ids)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let name = |u: Option<domain::UserId>| u.and_then(|u| names.get(&u.as_uuid()).cloned());
    let org = |o: Option<OrganisationId>| o.and_then(|o| orgs.get(&o.as_uuid()).cloned());
    let row = rows(ctx, std::slice::from_ref(&view)).await?.remove(0);
    let messages: Vec<Value> = messages
        .into_iter()
        .map(|m| {
            context! {
                at => rfc3339(m.at),
                label => m.kind.label_fr(),
                author => name(m.author),
                organisation => org(m.author_organisation),
                from_back_office => m.kind == domain::EscalationEventKind::Answered,
                body => m.body,
            }
        })
        .collect();
    let history: Vec<Value> = history
        .into_iter()
        .map(|e| {
            context! {
                at => rfc3339(e.at),
                kind => e.kind.as_str(),
                label => e.kind.label_fr(),
                actor => name(e.actor),
                to_status => e.to_status.filter(|s| Some(*s) != e.from_status).map(|s| s.label_fr()),
                to_organisation => org(e.to_organisation),
                assignee => name(e.assignee),
                comment => e.body.filter(|_| e.kind == domain::EscalationEventKind::Transferred),
            }
        })
        .collect();
    let assignees: Vec<Value> = service::assignable(ctx, &view)
        .await?
        .into_iter()
        .map(|u| context! { id => u.id.to_string(), name => u.name, current => Some(u.id) == view.assignee })
        .collect();
    let transfer_targets: Vec<Value> = service::transfer_targets(ctx, &view)
        .await?
        .into_iter()
        .map(|o| context! { id => o.id.to_string(), name => o.name })
        .collect();
    let referral = match view.referral {
        Some(id) => match referrals::service::get(ctx, id).await {
            Ok(r) => Some(
                referrals::pages::rows(ctx, std::slice::from_ref(&r))
                    .await?
                    .remove(0),
            ),
            Err(ApiError::Domain(domain::Error::NotFound)) => None,
            Err(err) => return Err(err),
        },
        None => None,
    };
    let actions: Vec<&str> = view.actions.iter().map(|a| a.as_str()).collect();
    Ok(context! {
        escalation => row,
        subject => view.subject,
        person => person,
        referral => referral,
        messages => messages,
        history => history,
        actions => actions,
        assignees => assignees,
        transfer_targets => transfer_targets,
        answered_at => view.answered_at.map(rfc3339),
        closed_at => view.closed_at.map(rfc3339),
        reopen_until => view.reopen_until.map(rfc3339),
        former_receiver => view.access.relation == EscalationRelation::FormerReceiver,
        receiver => view.access.relation == EscalationRelation::Receiver,
        identity_hidden => view.access.content && !view.access.identity
            && view.access.relation == EscalationRelation::Receiver,
    })
}

/// Every field any action form posts; each action reads its own.
#[derive(serde::Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct ActionFields {
    #[serde(default)]
    body: String,
    #[serde(default)]
    comment: Option<String>,
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    user_id: Option<String>,
}

/// The page path of each action, as its form posts to it.
pub fn action_path(action: EscalationAction) -> &'static str {
    match action {
        EscalationAction::Answer => "repondre",
        EscalationAction::Reply => "ecrire",
        EscalationAction::Close => "cloturer",
        EscalationAction::Reopen => "rouvrir",
        EscalationAction::Take => "prendre-en-charge",
        EscalationAction::Assign => "attribuer",
        EscalationAction::Transfer => "transferer",
    }
}

fn change_of(path: &str, f: &ActionFields) -> ApiResult<Change> {
    let action = EscalationAction::ALL
        .into_iter()
        .find(|a| action_path(*a) == path)
        .ok_or(ApiError::Domain(domain::Error::NotFound))?;
    Ok(match action {
        EscalationAction::Answer => Change::Answer {
            body: f.body.clone(),
        },
        EscalationAction::Reply => Change::Reply {
            body: f.body.clone(),
        },
        EscalationAction::Close => Change::Close,
        EscalationAction::Reopen => Change::Reopen,
        EscalationAction::Take => Change::Take,
        EscalationAction::Assign => Change::Assign {
            user: optional_input_id("userId", f.user_id.as_deref())?,
        },
        EscalationAction::Transfer => Change::Transfer {
            organisation: input_id("organisationId", &f.organisation_id)?,
            comment: f.comment.clone().filter(|c| !c.trim().is_empty()),
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
        service::change(&ctx, lookup_id(&id)?, change).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("/sollicitations/{id}?fait={action}")).into_response(),
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
