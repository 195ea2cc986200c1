//! The agent's pages for people: find or create a person, see their record, consents and
//! referrals, record or withdraw a consent — thin pages over the people, consents and
//! referrals services.

use axum::{
    Router,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use axum_extra::extract::Form;
use domain::{ConsentMethod, OrganisationId, PersonId};
use minijinja::{Value, context};

use crate::{
    AppState,
    consents::service::{self as consents, ConsentForm},
    directory::service as directory,
    entities::person,
    error::ApiResult,
    people::service::{self, PersonForm},
    referrals::{
        self,
        service::Listing,
        store::{Filters, Order},
    },
    service::{input_id, lookup_id},
    store::PageRequest,
    web::{
        render::{error_page, form_error, page_or_error},
        session::PageUser,
    },
};

/// People listed per page.
const PEOPLE: u64 = 50;
/// Referrals shown on a person's page.
const REFERRALS: u64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/personnes", get(people_page).post(create_person))
        .route("/personnes/{id}", get(person_page))
        .route("/personnes/{id}/consentements", post(record_consent))
        .route(
            "/personnes/{id}/consentements/nouveau",
            get(consent_on_the_way),
        )
        .route(
            "/personnes/{id}/consentements/{consent}/retrait",
            post(withdraw_consent),
        )
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
    apres: Option<String>,
}

async fn people_page(
    State(app): State<AppState>,
    page: PageUser,
    Query(search): Query<Search>,
) -> Response {
    list_page(&app, &page, search, StatusCode::OK, context! {}).await
}

async fn list_page(
    app: &AppState,
    page: &PageUser,
    search: Search,
    status: StatusCode,
    extra: Value,
) -> Response {
    let data = async {
        let request = PageRequest {
            first: PEOPLE,
            ..PageRequest::parse(None, search.apres.as_deref().filter(|a| !a.is_empty()))?
        };
        let found = service::list(&page.ctx(app), &request, search.q.as_deref()).await?;
        Ok(context! {
            next => found.next_cursor(),
            people => found.rows().map(person_summary).collect::<Vec<_>>(),
            q => search.q,
        })
    }
    .await;
    page_or_error(
        app,
        page,
        status,
        "people/list.html",
        "/personnes",
        extra,
        data,
    )
}

/// The new-person form: the person, and whether the agent already saw the possible duplicates
/// and still wants a new record.
#[derive(serde::Deserialize)]
struct NewPersonFields {
    #[serde(flatten)]
    person: PersonForm,
    #[serde(default)]
    nouvelle: Option<String>,
}

async fn create_person(
    State(app): State<AppState>,
    page: PageUser,
    Form(fields): Form<NewPersonFields>,
) -> Response {
    let form = fields.person;
    let ctx = page.ctx(&app);
    let values = context! {
        firstName => form.first_name, lastName => form.last_name,
        birthDate => form.birth_date, phone => form.phone, email => form.email,
        address => form.address,
    };
    // Possible duplicates are shown before a record is made, not after: most of the time it
    // is the same person, already known.
    if fields.nouvelle.as_deref() != Some("oui") {
        match service::duplicates_of(&ctx, &form).await {
            Ok(found) if !found.is_empty() => {
                let duplicates: Vec<Value> = found.iter().map(person_summary).collect();
                return list_page(
                    &app,
                    &page,
                    Search::default(),
                    StatusCode::OK,
                    context! { duplicates => duplicates, values => values, values_form => "person" },
                )
                .await;
            }
            Ok(_) => {}
            Err(err) => return crate::web::render::error_page(&app, &page, &err),
        }
    }
    match service::create(&ctx, form.clone()).await {
        Ok(created) => {
            Redirect::to(&format!("/personnes/{}?fait=creee", created.id)).into_response()
        }
        Err(err) => {
            let error = form_error("person", &err);
            list_page(
                &app,
                &page,
                Search::default(),
                crate::web::render::status_of(&err),
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
    let ctx = page.ctx(app);
    let id: PersonId = lookup_id(id)?;
    let person = service::get(&ctx, id).await?;
    let duplicates: Vec<Value> = service::possible_duplicates(&ctx, &person)
        .await?
        .iter()
        .map(person_summary)
        .collect();
    let all_orgs = directory::all_organisations(&ctx).await?;
    let org_name = |id: OrganisationId| {
        all_orgs
            .iter()
            .find(|o| o.id == id.as_uuid())
            .map(|o| o.name.clone())
            .unwrap_or_default()
    };
    let mut consent_rows = Vec::new();
    for c in consents::of_person(&ctx, id).await? {
        let status = domain::consent_status(c.withdrawn_at, c.expires_at, ctx.now);
        let recipients: Vec<String> = consents::recipients(&ctx, &c)
            .await?
            .into_iter()
            .map(org_name)
            .collect();
        let rfc3339 = |at: time::OffsetDateTime| {
            at.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default()
        };
        consent_rows.push(context! {
            id => c.id.to_string(),
            status => status.as_str(),
            status_label => status.label_fr(),
            active => status == domain::ConsentStatus::Active,
            recipients => recipients,
            purposes => c.purposes.lines().collect::<Vec<_>>(),
            data_categories => c.data_categories.lines().collect::<Vec<_>>(),
            method => c.method.label_fr(),
            collected_at => rfc3339(c.collected_at),
            expires_at => c.expires_at.map(rfc3339),
            withdrawn_at => c.withdrawn_at.map(rfc3339),
        });
    }
    let found = referrals::service::list(
        &ctx,
        Listing::OfPerson(id),
        &Filters::default(),
        Order::Newest,
        &PageRequest::first(REFERRALS),
    )
    .await?;
    let more_referrals = found.has_next;
    let referral_rows = referrals::pages::rows(&ctx, &found.into_rows()).await?;
    let organisations: Vec<Value> = all_orgs
        .iter()
        .filter(|o| o.id != ctx.actor.organisation_id.as_uuid())
        .map(|o| context! { id => o.id.to_string(), name => o.name })
        .collect();
    let escalations = crate::escalations::service::list(
        &ctx,
        crate::escalations::service::Listing::AboutPerson(id),
        &Default::default(),
        crate::escalations::store::Order::Newest,
        &PageRequest::first(REFERRALS),
    )
    .await?;
    let escalation_rows = crate::escalations::pages::rows(&ctx, &escalations.into_rows()).await?;
    let methods: Vec<Value> = ConsentMethod::ALL
        .iter()
        .map(|m| context! { code => m.as_str(), label => m.label_fr() })
        .collect();
    Ok(context! {
        person => person_summary(&person),
        duplicates => duplicates,
        consents => consent_rows,
        referrals => referral_rows,
        escalations => escalation_rows,
        may_escalate => ctx.may_own(domain::Action::OpenEscalation),
        more_referrals => more_referrals,
        organisations => organisations,
        methods => methods,
    })
}

#[derive(serde::Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct ConsentFields {
    /// One checkbox per organisation, each `recipient=<id>`.
    #[serde(default)]
    recipient: Vec<String>,
    /// One per line.
    #[serde(default)]
    purposes: String,
    /// One per line.
    #[serde(default)]
    data_categories: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    expires_at: Option<String>,
    #[serde(default)]
    evidence: Option<String>,
    #[serde(default)]
    text_version: Option<String>,
    /// On the way to a referral: the service the agent goes on to refer to.
    #[serde(default)]
    suite: Option<String>,
}

#[derive(serde::Deserialize, Default)]
struct OnTheWay {
    #[serde(default)]
    service: String,
}

/// The consent form alone, reached from the referral form when the chosen service's
/// organisation is not named by any active consent: one thing on the page, the organisation
/// ticked, and back to the referral with that service once recorded.
async fn consent_on_the_way(
    State(app): State<AppState>,
    page: PageUser,
    Path(id): Path<String>,
    Query(q): Query<OnTheWay>,
) -> Response {
    consent_page(&app, &page, &id, &q.service, StatusCode::OK, context! {}).await
}

async fn consent_page(
    app: &AppState,
    page: &PageUser,
    id: &str,
    service: &str,
    status: StatusCode,
    extra: Value,
) -> Response {
    let ctx = page.ctx(app);
    let data = async {
        let mut data = person_data(app, page, id).await?;
        let service = directory::service(&ctx, input_id("serviceId", service)?).await?;
        let organisation =
            directory::organisation(&ctx, OrganisationId::from_uuid(service.organisation_id))
                .await?
                .name;
        data = context! {
            ..data,
            ..context! {
                service => context! { name => service.name, organisation => organisation },
                then_service => service.id.to_string(),
                checked => vec![service.organisation_id.to_string()],
            }
        };
        Ok(data)
    }
    .await;
    page_or_error(
        app,
        page,
        status,
        "people/consent_new.html",
        "/personnes",
        extra,
        data,
    )
}

fn lines(raw: &str) -> Vec<String> {
    raw.lines().map(str::to_owned).collect()
}

async fn record_consent(
    State(app): State<AppState>,
    page: PageUser,
    Path(id): Path<String>,
    Form(fields): Form<ConsentFields>,
) -> Response {
    let result = async {
        let recipients = fields
            .recipient
            .iter()
            .map(|r| input_id("recipientOrganisationIds", r))
            .collect::<ApiResult<Vec<_>>>()?;
        let form = ConsentForm {
            person: lookup_id(&id)?,
            recipients,
            purposes: lines(&fields.purposes),
            data_categories: lines(&fields.data_categories),
            method: ConsentMethod::parse(&fields.method)?,
            expires_at: fields.expires_at.clone(),
            evidence: fields.evidence.clone(),
            text_version: fields.text_version.clone(),
        };
        consents::record(&page.ctx(&app), form).await
    }
    .await;
    let on_the_way = fields.suite.clone().filter(|s| !s.is_empty());
    match (result, on_the_way) {
        (Ok(_), Some(service)) => Redirect::to(&format!(
            "/orientations/nouvelle?personne={id}&service={}&fait=consentement",
            form_urlencoded::byte_serialize(service.as_bytes()).collect::<String>()
        ))
        .into_response(),
        (Ok(_), None) => {
            Redirect::to(&format!("/personnes/{id}?fait=consentement")).into_response()
        }
        (Err(err), Some(service)) => {
            let error = form_error("consent", &err);
            let extra = context! { error => error, values => Value::from_serialize(&fields), checked => fields.recipient.clone() };
            consent_page(
                &app,
                &page,
                &id,
                &service,
                crate::web::render::status_of(&err),
                extra,
            )
            .await
        }
        (Err(err), None) => {
            let error = form_error("consent", &err);
            let checked = fields.recipient.clone();
            show_person(
                &app,
                &page,
                &id,
                crate::web::render::status_of(&err),
                context! { error => error, values => Value::from_serialize(&fields), checked => checked },
            )
            .await
        }
    }
}

#[derive(serde::Deserialize, Default)]
struct WithdrawFields {
    #[serde(default)]
    reason: Option<String>,
}

async fn withdraw_consent(
    State(app): State<AppState>,
    page: PageUser,
    Path((id, consent)): Path<(String, String)>,
    Form(fields): Form<WithdrawFields>,
) -> Response {
    let result =
        async { consents::withdraw(&page.ctx(&app), lookup_id(&consent)?, fields.reason).await }
            .await;
    match result {
        Ok(_) => Redirect::to(&format!("/personnes/{id}?fait=retrait")).into_response(),
        Err(err) => error_page(&app, &page, &err),
    }
}
