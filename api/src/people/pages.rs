//! The agent's pages for people: find or create a person, see their record and consents,
//! record or withdraw a consent.

use std::collections::HashMap;

use axum::{
    Form, Router,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use domain::{Action, ConsentMethod, PersonId, Target};
use minijinja::{Value, context};

use crate::{
    AppState,
    consents::{commands as consent_commands, store as consent_store},
    directory::commands::parse_id,
    entities::person,
    error::{ApiError, ApiResult},
    graphql::pagination::PageRequest,
    people::{commands, store},
    referrals,
    web::{error_page, form_error, layout, page_or_error, render, session::PageUser, status_of},
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/personnes", get(people_page).post(create_person))
        .route("/personnes/{id}", get(person_page))
        .route("/personnes/{id}/consentements", post(record_consent))
        .route(
            "/personnes/{id}/consentements/{consent}/retrait",
            post(withdraw_consent),
        )
}

type FormData = HashMap<String, String>;

fn may_manage(page: &PageUser) -> ApiResult<()> {
    let actor = &page.actor;
    domain::authorize(
        actor,
        Action::ManagePeople,
        &Target::organisation(actor.tenant_id, actor.organisation_id),
    )
    .map_err(ApiError::from)
}

pub fn person_summary(p: &person::Model) -> Value {
    context! {
        id => p.id.to_string(),
        first_name => p.first_name,
        last_name => p.last_name,
        birth_date => format!("{:02}/{:02}/{}", p.birth_date.day(), u8::from(p.birth_date.month()), p.birth_date.year()),
        phone => p.phone,
        email => p.email,
        address => p.address,
    }
}

#[derive(serde::Deserialize, Default)]
struct Search {
    q: Option<String>,
}

async fn people_page(
    State(app): State<AppState>,
    page: PageUser,
    Query(search): Query<Search>,
) -> Response {
    if let Err(err) = may_manage(&page) {
        return error_page(&app, &page, &err);
    }
    list_page(
        &app,
        &page,
        search.q.as_deref(),
        StatusCode::OK,
        context! {},
    )
    .await
}

async fn list_page(
    app: &AppState,
    page: &PageUser,
    q: Option<&str>,
    status: StatusCode,
    extra: Value,
) -> Response {
    let request = PageRequest {
        first: 50,
        after: None,
    };
    match store::people_list(&app.db, &page.actor, &request, q).await {
        Ok(rows) => {
            let people: Vec<Value> = rows.iter().map(person_summary).collect();
            render(
                app,
                status,
                "people/list.html",
                context! { ..context! { people => people, q => q }, ..extra, ..layout(page, "/personnes") },
            )
        }
        Err(err) => error_page(app, page, &err),
    }
}

async fn create_person(
    State(app): State<AppState>,
    page: PageUser,
    Form(values): Form<FormData>,
) -> Response {
    let get = |k: &str| values.get(k).cloned().unwrap_or_default();
    let form = commands::PersonForm {
        first_name: get("firstName"),
        last_name: get("lastName"),
        birth_date: get("birthDate"),
        phone: values.get("phone").cloned(),
        email: values.get("email").cloned(),
        address: values.get("address").cloned(),
    };
    match commands::create_person(&app, &page.actor, form).await {
        Ok(created) => {
            Redirect::to(&format!("/personnes/{}?fait=creee", created.id)).into_response()
        }
        Err(err) => {
            let error = form_error("person", &err);
            list_page(
                &app,
                &page,
                None,
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

async fn person_page(
    State(app): State<AppState>,
    page: PageUser,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let notice = match done.fait.as_deref() {
        Some("creee") => Some("La personne a été enregistrée."),
        Some("consentement") => Some("Le consentement a été enregistré."),
        Some("retrait") => Some(
            "Le consentement a été retiré ; les orientations en cours faites sous ce consentement sont annulées.",
        ),
        _ => None,
    };
    show_person(
        &app,
        &page,
        &id,
        StatusCode::OK,
        context! { notice => notice },
    )
    .await
}

async fn show_person(
    app: &AppState,
    page: &PageUser,
    id: &str,
    status: StatusCode,
    extra: Value,
) -> Response {
    let data = person_data(app, page, id).await;
    page_or_error(
        app,
        page,
        status,
        "people/show.html",
        "/personnes",
        extra,
        data,
    )
}

async fn person_data(app: &AppState, page: &PageUser, id: &str) -> ApiResult<Value> {
    may_manage(page)?;
    let actor = &page.actor;
    let id: PersonId = parse_id("id", id).map_err(|_| ApiError::Domain(domain::Error::NotFound))?;
    let person = store::person_of_actor(&app.db, actor, id).await?;
    let duplicates: Vec<Value> = store::possible_duplicates(&app.db, &person)
        .await?
        .iter()
        .map(person_summary)
        .collect();
    let now = app.clock.now();
    let all_orgs = crate::directory::store::organisations_list(
        &app.db,
        actor,
        &PageRequest {
            first: 500,
            after: None,
        },
        None,
    )
    .await?;
    let org_name = |id: uuid::Uuid| {
        all_orgs
            .iter()
            .find(|o| o.id == id)
            .map(|o| o.name.clone())
            .unwrap_or_default()
    };
    let mut consents = Vec::new();
    for c in consent_store::consents_of_person(&app.db, actor, person.id).await? {
        let status = domain::consent_status(c.withdrawn_at, c.expires_at, now);
        let recipients: Vec<String> = consent_store::recipients(&app.db, actor, c.id)
            .await?
            .into_iter()
            .map(|o| org_name(o.as_uuid()))
            .collect();
        consents.push(context! {
            id => c.id.to_string(),
            status => status.as_str(),
            status_label => status.label_fr(),
            active => status == domain::ConsentStatus::Active,
            recipients => recipients,
            purposes => c.purposes.lines().collect::<Vec<_>>(),
            data_categories => c.data_categories.lines().collect::<Vec<_>>(),
            method => domain::ConsentMethod::parse(&c.method).map(|m| m.label_fr()).unwrap_or_default(),
            collected_at => c.collected_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            expires_at => c.expires_at.and_then(|e| e.format(&time::format_description::well_known::Rfc3339).ok()),
            withdrawn_at => c.withdrawn_at.and_then(|e| e.format(&time::format_description::well_known::Rfc3339).ok()),
        });
    }
    let referrals_rows = referrals::store::referrals_of_person(
        &app.db,
        actor,
        person.id,
        &PageRequest {
            first: 100,
            after: None,
        },
    )
    .await?;
    let referral_rows: Vec<Value> = referrals::pages::rows(app, actor, &referrals_rows).await?;
    let organisations: Vec<Value> = all_orgs
        .iter()
        .filter(|o| o.id != actor.organisation_id.as_uuid())
        .map(|o| context! { id => o.id.to_string(), name => o.name })
        .collect();
    let methods: Vec<Value> = ConsentMethod::ALL
        .iter()
        .map(|m| context! { code => m.as_str(), label => m.label_fr() })
        .collect();
    Ok(context! {
        person => person_summary(&person),
        duplicates => duplicates,
        consents => consents,
        referrals => referral_rows,
        organisations => organisations,
        methods => methods,
    })
}

/// Lines of a textarea, or the values of repeated checkboxes named `prefix…`.
fn lines(raw: Option<&String>) -> Vec<String> {
    raw.map(|s| s.lines().map(str::to_owned).collect())
        .unwrap_or_default()
}

async fn record_consent(
    State(app): State<AppState>,
    page: PageUser,
    Path(id): Path<String>,
    Form(values): Form<Vec<(String, String)>>,
) -> Response {
    let map: FormData = values.iter().cloned().collect();
    let recipients: Vec<String> = values
        .iter()
        .filter(|(k, _)| k == "recipient")
        .map(|(_, v)| v.clone())
        .collect();
    let result = async {
        let method =
            ConsentMethod::parse(map.get("method").map(String::as_str).unwrap_or_default())?;
        let form = consent_commands::ConsentForm {
            person_id: id.clone(),
            recipient_organisation_ids: recipients.clone(),
            purposes: lines(map.get("purposes")),
            data_categories: lines(map.get("dataCategories")),
            method,
            expires_at: map.get("expiresAt").cloned(),
            evidence: map.get("evidence").cloned(),
            text_version: map.get("textVersion").cloned(),
        };
        consent_commands::record_consent(&app, &page.actor, form).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("/personnes/{id}?fait=consentement")).into_response(),
        Err(err) => {
            let error = form_error("consent", &err);
            let checked: Vec<String> = recipients;
            show_person(
                &app,
                &page,
                &id,
                status_of(&err),
                context! { error => error, values => map, checked => checked },
            )
            .await
        }
    }
}

async fn withdraw_consent(
    State(app): State<AppState>,
    page: PageUser,
    Path((id, consent)): Path<(String, String)>,
    Form(values): Form<FormData>,
) -> Response {
    match consent_commands::withdraw_consent(
        &app,
        &page.actor,
        &consent,
        values.get("reason").cloned(),
    )
    .await
    {
        Ok(_) => Redirect::to(&format!("/personnes/{id}?fait=retrait")).into_response(),
        Err(err) => error_page(&app, &page, &err),
    }
}
