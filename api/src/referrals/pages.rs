//! The referral pages: the agent sends a referral and follows what they sent; the back office
//! works its inbox; everyone sees the timeline. Actions post to the same commands as GraphQL.

use std::collections::HashMap;

use axum::{
    Form, Router,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use domain::{
    Actor, DeclineReason, OrganisationId, Outcome, Party, ReferralAction, ReferralStatus, Role,
    Urgency,
};
use minijinja::{Value, context};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use time::format_description::well_known::Rfc3339;

use crate::{
    AppState, consents, directory,
    entities::{organisation, referral, service, user},
    error::{ApiError, ApiResult},
    graphql::pagination::PageRequest,
    people,
    referrals::{
        commands::{self, Change},
        store::{self, Filters, Mailbox, Order},
        visibility::{View, view_of},
    },
    web::{form_error, page_or_error, session::PageUser, status_of},
};

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

type FormData = HashMap<String, String>;

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

/// Table rows for a list of referrals, names of services and organisations loaded in two
/// queries for the whole list.
pub async fn rows(
    app: &AppState,
    actor: &Actor,
    referrals: &[referral::Model],
) -> ApiResult<Vec<Value>> {
    let now = app.clock.now();
    let service_ids: Vec<uuid::Uuid> = referrals.iter().map(|r| r.service_id).collect();
    let services: HashMap<uuid::Uuid, String> = service::Entity::find()
        .filter(service::Column::TenantId.eq(actor.tenant_id.as_uuid()))
        .filter(service::Column::Id.is_in(service_ids))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let org_ids: Vec<uuid::Uuid> = referrals
        .iter()
        .flat_map(|r| [r.from_organisation_id, r.to_organisation_id])
        .collect();
    let orgs: HashMap<uuid::Uuid, String> =
        directory::store::organisations_by_ids(&app.db, actor.tenant_id, &org_ids)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
    Ok(referrals
        .iter()
        .map(|r| {
            let status = ReferralStatus::parse(&r.status).unwrap_or(ReferralStatus::Sent);
            context! {
                id => r.id.to_string(),
                status => status.as_str(),
                status_label => status.label_fr(),
                badge => badge(status),
                urgent => r.urgency == Urgency::Urgent.as_str(),
                service => services.get(&r.service_id),
                from => orgs.get(&r.from_organisation_id),
                to => orgs.get(&r.to_organisation_id),
                due_at => rfc3339(r.due_at),
                created_at => rfc3339(r.created_at),
                overdue => store::is_overdue(r, now),
            }
        })
        .collect())
}

#[derive(serde::Deserialize, Default)]
struct ListQuery {
    statut: Option<String>,
    retard: Option<String>,
    tri: Option<String>,
    moi: Option<String>,
    /// Territory list: the receiving organisation.
    vers: Option<String>,
}

async fn received(
    State(app): State<AppState>,
    page: PageUser,
    Query(q): Query<ListQuery>,
) -> Response {
    list(&app, &page, Mailbox::Received, q).await
}

async fn sent(State(app): State<AppState>, page: PageUser, Query(q): Query<ListQuery>) -> Response {
    list(&app, &page, Mailbox::Sent, q).await
}

async fn territory(
    State(app): State<AppState>,
    page: PageUser,
    Query(q): Query<ListQuery>,
) -> Response {
    list(&app, &page, Mailbox::Territory, q).await
}

async fn list(app: &AppState, page: &PageUser, mailbox: Mailbox, q: ListQuery) -> Response {
    let result = async {
        let actor = &page.actor;
        match mailbox {
            Mailbox::Received => domain::authorize(
                actor,
                domain::Action::WorkReferral,
                &domain::Target::organisation(actor.tenant_id, actor.organisation_id),
            )?,
            Mailbox::Sent if !actor.roles.contains_any(&[Role::Agent, Role::OrgAdmin]) => {
                return Err(ApiError::Domain(domain::Error::Forbidden));
            }
            Mailbox::Sent => {}
            Mailbox::Territory => domain::authorize(
                actor,
                domain::Action::ReadMonitoring,
                &domain::Target::tenant(actor.tenant_id),
            )?,
        }
        let statuses = q
            .statut
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(ReferralStatus::parse)
            .transpose()?;
        let filters = Filters {
            statuses: statuses.into_iter().collect(),
            overdue: q.retard.as_deref().filter(|r| *r == "oui").map(|_| true),
            assignee_id: q
                .moi
                .as_deref()
                .filter(|m| *m == "oui")
                .map(|_| page.user.id),
            to_organisation_id: q
                .vers
                .as_deref()
                .filter(|v| !v.is_empty())
                .map(|v| directory::commands::parse_id("vers", v))
                .transpose()?,
            ..Filters::default()
        };
        // The inbox puts the most urgent first unless asked otherwise.
        let order = match (mailbox, q.tri.as_deref()) {
            (_, Some("recentes")) => Order::Newest,
            (_, Some("echeance")) | (Mailbox::Received | Mailbox::Territory, None) => Order::DueSoonest,
            _ => Order::Newest,
        };
        let rows_found = store::list(
            &app.db,
            actor,
            mailbox,
            &filters,
            order,
            &PageRequest {
                first: 100,
                after: None,
            },
            app.clock.now(),
        )
        .await?;
        let statuses: Vec<Value> = ReferralStatus::ALL
            .iter()
            .map(|s| context! { code => s.as_str(), label => s.label_fr() })
            .collect();
        let organisations: Vec<Value> = if mailbox == Mailbox::Territory {
            directory::store::organisations_list(&app.db, actor, &PageRequest { first: 500, after: None }, None)
                .await?
                .into_iter()
                .map(|o| context! { id => o.id.to_string(), name => o.name })
                .collect()
        } else {
            Vec::new()
        };
        Ok(context! {
            referrals => rows(app, actor, &rows_found).await?,
            received => mailbox == Mailbox::Received,
            territory => mailbox == Mailbox::Territory,
            heading => match mailbox {
                Mailbox::Received => "Orientations reçues",
                Mailbox::Sent => "Orientations envoyées",
                Mailbox::Territory => "Suivi du territoire",
            },
            organisations => organisations,
            statuses => statuses,
            q => context! { statut => q.statut, retard => q.retard, tri => q.tri, moi => q.moi, vers => q.vers },
            order => if order == Order::Newest { "recentes" } else { "echeance" },
        })
    }
    .await;
    let active = match mailbox {
        Mailbox::Received => "/orientations/recues",
        Mailbox::Sent => "/orientations/envoyees",
        Mailbox::Territory => "/suivi",
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

#[derive(serde::Deserialize, Default)]
struct NewQuery {
    personne: Option<String>,
    categorie: Option<String>,
    q: Option<String>,
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
    let result = async {
        let actor = &page.actor;
        let person_id: domain::PersonId =
            directory::commands::parse_id("personne", q.personne.as_deref().unwrap_or_default())?;
        let person = people::store::person_of_actor(&app.db, actor, person_id).await?;
        let now = app.clock.now();
        let consents = consents::store::consents_of_person(&app.db, actor, person.id).await?;
        let mut active = Vec::new();
        let mut allowed: Vec<OrganisationId> = Vec::new();
        for c in consents {
            if domain::consent_status(c.withdrawn_at, c.expires_at, now)
                == domain::ConsentStatus::Active
            {
                let recipients = consents::store::recipients(&app.db, actor, c.id).await?;
                allowed.extend(recipients.iter().copied());
                active.push((c, recipients));
            }
        }
        let services = directory::store::services_list(
            &app.db,
            actor,
            &PageRequest {
                first: 100,
                after: None,
            },
            q.categorie.as_deref(),
            q.q.as_deref(),
        )
        .await?;
        let org_ids: Vec<uuid::Uuid> = services.iter().map(|s| s.organisation_id).collect();
        let orgs: HashMap<uuid::Uuid, organisation::Model> =
            directory::store::organisations_by_ids(&app.db, actor.tenant_id, &org_ids)
                .await?
                .into_iter()
                .map(|o| (o.id, o))
                .collect();
        let services: Vec<Value> = services
            .iter()
            .filter(|s| s.organisation_id != actor.organisation_id.as_uuid())
            .map(|s| {
                let consent = active
                    .iter()
                    .find(|(_, recipients)| {
                        recipients.iter().any(|r| r.as_uuid() == s.organisation_id)
                    })
                    .map(|(c, _)| c.id.to_string());
                context! {
                    id => s.id.to_string(),
                    name => s.name,
                    category => s.category,
                    organisation => orgs.get(&s.organisation_id).map(|o| o.name.clone()),
                    response_days => s.response_days,
                    urgent_response_days => s.urgent_response_days,
                    consent => consent,
                }
            })
            .collect();
        Ok(context! {
            person => people::pages::person_summary(&person),
            services => services,
            categories => directory::store::service_categories(&app.db, actor).await?,
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

async fn create(
    State(app): State<AppState>,
    page: PageUser,
    Form(values): Form<FormData>,
) -> Response {
    let get = |k: &str| values.get(k).cloned().unwrap_or_default();
    let service_and_consent = get("service");
    let (service_id, consent_id) = service_and_consent
        .split_once('|')
        .unwrap_or((&service_and_consent, ""));
    let form = commands::ReferralForm {
        person_id: get("personId"),
        consent_id: consent_id.to_owned(),
        service_id: service_id.to_owned(),
        motive: get("motive"),
        urgency: if get("urgency") == "URGENT" {
            Urgency::Urgent
        } else {
            Urgency::Standard
        },
    };
    match commands::create_referral(&app, &page.actor, form).await {
        Ok(created) => {
            Redirect::to(&format!("/orientations/{}?fait=envoyee", created.id)).into_response()
        }
        Err(err) => {
            let error = form_error("referral", &err);
            let q = NewQuery {
                personne: values.get("personId").cloned(),
                ..NewQuery::default()
            };
            new_form(
                &app,
                &page,
                q,
                status_of(&err),
                context! { error => error, values => values },
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
        "envoyee" => "L'orientation a été envoyée.",
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
    let data = detail_data(app, page, id).await;
    page_or_error(app, page, status, "referrals/show.html", "", extra, data)
}

/// Which actions the caller may take now, straight from the state machine.
fn possible_actions(status: ReferralStatus, party: Party, actor: &Actor) -> Vec<&'static str> {
    let may_work = actor
        .roles
        .contains_any(&[Role::BackOffice, Role::OrgAdmin]);
    let may_send = actor.roles.contains_any(&[Role::Agent]);
    ReferralAction::ALL
        .iter()
        .filter(|a| domain::transition(status, **a, party).is_ok())
        .filter(|_| match party {
            Party::Receiver => may_work,
            Party::Sender => may_send,
            Party::Other => false,
        })
        .map(|a| a.as_str())
        .collect()
}

async fn detail_data(app: &AppState, page: &PageUser, id: &str) -> ApiResult<Value> {
    let actor = &page.actor;
    let not_found = || ApiError::Domain(domain::Error::NotFound);
    let id: uuid::Uuid = id.trim().parse().map_err(|_| not_found())?;
    let r = store::referral_get(&app.db, actor.tenant_id, id)
        .await?
        .ok_or_else(not_found)?;
    let redirected_by = match r.parent_id {
        Some(parent) => store::referral_get(&app.db, actor.tenant_id, parent)
            .await?
            .map(|p| p.to_organisation_id),
        None => None,
    };
    let view = view_of(actor, &r, redirected_by).ok_or_else(not_found)?;
    let status = ReferralStatus::parse(&r.status)?;
    let consent =
        consents::store::consent_get(&app.db, actor, domain::ConsentId::from_uuid(r.consent_id))
            .await?;
    let identity = match view {
        View::Sender => true,
        View::Receiver => consent.withdrawn_at.is_none(),
        View::Observer => false,
    };
    let person = if identity {
        people::store::person_in_tenant(&app.db, actor, r.person_id)
            .await?
            .map(|p| people::pages::person_summary(&p))
    } else {
        None
    };
    let row = rows(app, actor, std::slice::from_ref(&r)).await?.remove(0);
    let party = view.party();
    let users: HashMap<uuid::Uuid, String> = user::Entity::find()
        .filter(user::Column::TenantId.eq(actor.tenant_id.as_uuid()))
        .filter(user::Column::OrganisationId.is_in([r.from_organisation_id, r.to_organisation_id]))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let timeline: Vec<Value> = store::timeline(&app.db, r.tenant_id, r.id)
        .await?
        .into_iter()
        .map(|e| {
            let kind_label = ReferralAction::parse(&e.kind).map(|a| a.label_fr()).unwrap_or(match e.kind.as_str() {
                "CREATE" => "Orientation envoyée",
                "CONSENT_WITHDRAWN" => "Consentement retiré",
                _ => "Événement",
            });
            context! {
                at => rfc3339(e.at),
                kind => e.kind,
                label => kind_label,
                actor => e.actor_id.and_then(|a| users.get(&a).cloned()),
                comment => e.comment.filter(|_| view != View::Observer),
                to_status => e.to_status.as_deref().and_then(|s| ReferralStatus::parse(s).ok()).map(|s| s.label_fr()),
            }
        })
        .collect();
    // The receiving organisation's back-office users, for assignment.
    let assignees: Vec<Value> = if party == Party::Receiver {
        user::Entity::find()
            .filter(user::Column::TenantId.eq(actor.tenant_id.as_uuid()))
            .filter(user::Column::OrganisationId.eq(r.to_organisation_id))
            .filter(user::Column::Active.eq(true))
            .all(&app.db)
            .await?
            .into_iter()
            .filter(|u| domain::Roles::parse_csv(&u.roles).is_ok_and(|roles| roles.contains_any(&[Role::BackOffice, Role::OrgAdmin])))
            .map(|u| context! { id => u.id.to_string(), name => u.name, current => Some(u.id) == r.assignee_id })
            .collect()
    } else {
        Vec::new()
    };
    let redirect_services: Vec<Value> = if party == Party::Receiver {
        directory::store::services_list(
            &app.db,
            actor,
            &PageRequest {
                first: 100,
                after: None,
            },
            None,
            None,
        )
        .await?
        .into_iter()
        .filter(|s| s.organisation_id != r.to_organisation_id)
        .map(|s| context! { id => s.id.to_string(), name => s.name, category => s.category })
        .collect()
    } else {
        Vec::new()
    };
    let children = rows(
        app,
        actor,
        &store::children_of(&app.db, actor.tenant_id, r.id).await?,
    )
    .await?;
    let decline_reasons: Vec<Value> = DeclineReason::ALL
        .iter()
        .map(|d| context! { code => d.as_str(), label => d.label_fr() })
        .collect();
    let outcomes: Vec<Value> = Outcome::ALL
        .iter()
        .map(|o| context! { code => o.as_str(), label => o.label_fr() })
        .collect();
    Ok(context! {
        referral => row,
        version => r.version,
        motive => (view != View::Observer).then_some(r.motive.clone()),
        person => person,
        identity_hidden => view == View::Receiver && !identity,
        outcome => r.outcome.as_deref().and_then(|o| Outcome::parse(o).ok()).map(|o| o.label_fr()),
        decline_reason => r.decline_reason.as_deref().and_then(|d| DeclineReason::parse(d).ok()).map(|d| d.label_fr()),
        assignee => r.assignee_id.and_then(|a| users.get(&a).cloned()),
        parent => r.parent_id.filter(|_| view != View::Observer).map(|p| p.to_string()),
        children => children,
        timeline => timeline,
        actions => possible_actions(status, party, actor),
        assignees => assignees,
        redirect_services => redirect_services,
        decline_reasons => decline_reasons,
        outcomes => outcomes,
    })
}

async fn act(
    State(app): State<AppState>,
    page: PageUser,
    Path((id, action)): Path<(String, String)>,
    Form(values): Form<FormData>,
) -> Response {
    let get = |k: &str| values.get(k).cloned().unwrap_or_default();
    let optional = |k: &str| values.get(k).cloned().filter(|v| !v.trim().is_empty());
    let change = async {
        Ok::<_, ApiError>(match action.as_str() {
            "accuser-reception" => Change::Acknowledge,
            "demander-complement" => Change::RequestInfo {
                question: get("question"),
            },
            "completer" => Change::ProvideInfo {
                answer: get("answer"),
            },
            "accepter" => Change::Accept,
            "refuser" => Change::Decline {
                reason: DeclineReason::parse(&get("reason"))?,
                comment: optional("comment"),
            },
            "reorienter" => Change::Redirect {
                service_id: get("serviceId"),
                comment: optional("comment"),
            },
            "cloturer" => Change::Complete {
                outcome: Outcome::parse(&get("outcome"))?,
                comment: optional("comment"),
            },
            "annuler" => Change::Cancel {
                reason: get("reason"),
            },
            "attribuer" => Change::Assign {
                user_id: optional("userId"),
            },
            "commenter" => Change::Comment { body: get("body") },
            _ => return Err(ApiError::Domain(domain::Error::NotFound)),
        })
    }
    .await;
    let expected = get("version").parse::<i32>().ok();
    let result = match change {
        Ok(change) => commands::transition(&app, &page.actor, &id, expected, change).await,
        Err(err) => Err(err),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/orientations/{id}?fait={action}")).into_response(),
        Err(err) => {
            let error = form_error(&action, &err);
            show(
                &app,
                &page,
                &id,
                status_of(&err),
                context! { error => error, values => values },
            )
            .await
        }
    }
}
