//! The administration page: organisations, services and users of the territory (tenant admin)
//! or of one's own organisation (org admin), with the forms to create them. A thin page over
//! the directory and accounts services.

use axum::{
    Router,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use axum_extra::extract::Form;
use domain::{Action, OrganisationId, OrganisationKind};
use minijinja::{Value, context};

use crate::{
    AppState,
    auth::service::{self as accounts, UserForm},
    directory::service::{self as directory, OrganisationForm, ServiceForm},
    error::{ApiError, ApiResult},
    service::{Ctx, input_id, lookup_id},
    store::PageRequest,
    web::{
        render::{error_page, failed_form, number, page_or_error, role_options, status_of},
        session::PageUser,
    },
};

/// Accounts shown per organisation.
const MEMBERS: u64 = 100;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(admin_page))
        .route("/admin/organisations", post(create_organisation))
        .route("/admin/services", post(create_service))
        .route("/admin/utilisateurs", post(create_user))
        .route("/admin/utilisateurs/{id}/actif", post(set_active))
        .route(
            "/admin/organisations/{id}/sollicitations",
            post(set_escalation_deadlines),
        )
        .route("/admin/sollicitations", post(set_reopen_days))
}

#[derive(serde::Deserialize, Default)]
struct Done {
    fait: Option<String>,
}

async fn admin_page(
    State(app): State<AppState>,
    page: PageUser,
    Query(done): Query<Done>,
) -> Response {
    let notice = match done.fait.as_deref() {
        Some("organisation") => Some("L'organisation a été créée."),
        Some("service") => Some("Le service a été créé."),
        Some("utilisateur") => Some("L'utilisateur a été créé."),
        Some("actif") => Some("Le compte a été réactivé."),
        Some("inactif") => Some(
            "Le compte a été désactivé : la personne ne peut plus se connecter, et ses orientations et sollicitations en cours sont revenues dans la file de son organisation.",
        ),
        Some("delais") => Some("Les délais de réponse aux sollicitations sont enregistrés."),
        Some("reouverture") => Some("Le délai de réouverture des sollicitations est enregistré."),
        Some("invitation") => Some(
            "L'utilisateur a été créé ; il reçoit par courriel un lien pour choisir son mot de passe.",
        ),
        _ => None,
    };
    show(&app, &page, StatusCode::OK, context! { notice => notice }).await
}

/// Renders the page with whatever `extra` holds (a notice, or a form's error and values).
async fn show(app: &AppState, page: &PageUser, status: StatusCode, extra: Value) -> Response {
    let data = page_data(&page.ctx(app)).await;
    page_or_error(app, page, status, "admin.html", "/admin", extra, data)
}

async fn page_data(ctx: &Ctx<'_>) -> ApiResult<Value> {
    ctx.authorize_own(Action::ListUsers)?;
    let tenant_wide = ctx.may_tenant(Action::CreateOrganisation);
    let organisations = if tenant_wide {
        directory::all_organisations(ctx).await?
    } else {
        vec![directory::organisation(ctx, ctx.actor.organisation_id).await?]
    };
    let ids: Vec<OrganisationId> = organisations
        .iter()
        .map(|o| OrganisationId::from_uuid(o.id))
        .collect();
    let services = directory::services_of(ctx, &ids).await?;
    let mut rows = Vec::new();
    for org in &organisations {
        let members = accounts::members(
            ctx,
            OrganisationId::from_uuid(org.id),
            &PageRequest::first(MEMBERS),
        )
        .await?;
        let org_services: Vec<Value> = services
            .iter()
            .filter(|s| s.organisation_id == org.id)
            .map(|s| {
                context! { name => s.name, category => s.category, response_days => s.response_days,
                urgent_response_days => s.urgent_response_days }
            })
            .collect();
        let more_members = members.has_next;
        let org_users: Vec<Value> = members
            .into_rows()
            .iter()
            .map(|a| {
                let roles: Vec<&str> = a.roles.iter().map(|role| role.label_fr()).collect();
                let me = Some(a.user.id) == ctx.actor.user_id.map(|u| u.as_uuid());
                context! {
                    id => a.user.id.to_string(), name => a.user.name, email => a.user.email,
                    roles => roles, active => a.user.active, me => me,
                    manageable => !me && domain::may_grant(ctx.actor, &a.roles).is_ok(),
                }
            })
            .collect();
        let history = accounts::account_history(ctx, OrganisationId::from_uuid(org.id), 20).await?;
        let mut ids: Vec<uuid::Uuid> = history
            .iter()
            .flat_map(|e| [Some(e.user), e.actor])
            .flatten()
            .collect();
        ids.sort();
        ids.dedup();
        let names = accounts::names(ctx, &ids).await?;
        let history: Vec<Value> = history
            .iter()
            .map(|e| {
                context! {
                    at => e.at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                    label => e.kind.label_fr(),
                    account => names.get(&e.user),
                    by => e.actor.and_then(|a| names.get(&a)),
                    from_elsewhere => e.actor_organisation.is_some_and(|o| o != org.id),
                }
            })
            .collect();
        let answer_days = crate::escalations::service::answer_days_of(org);
        rows.push(context! {
            history => history,
            answer_days => answer_days.standard,
            urgent_answer_days => answer_days.urgent,
            id => org.id.to_string(),
            name => org.name,
            kind => org.kind.label_fr(),
            mailbox => org.back_office_email,
            services => org_services,
            users => org_users,
            more_users => more_members,
        });
    }
    let kinds: Vec<Value> = OrganisationKind::ALL
        .iter()
        .map(|k| context! { code => k.as_str(), label => k.label_fr() })
        .collect();
    let grantable = role_options(|roles| domain::may_grant(ctx.actor, roles).is_ok());
    let reopen_days = if ctx.may_tenant(Action::ManageDeadlineSettings) {
        Some(crate::escalations::service::reopen_days(ctx).await?.get())
    } else {
        None
    };
    Ok(context! {
        organisations => rows,
        kinds => kinds,
        roles => grantable,
        can_create_organisation => tenant_wide,
        reopen_days => reopen_days,
    })
}

/// After a failed form: the page again, the error beside its field, the values kept.
async fn form_failed(
    app: &AppState,
    page: &PageUser,
    form: &str,
    values: impl serde::Serialize,
    err: ApiError,
) -> Response {
    show(app, page, status_of(&err), failed_form(form, &err, values)).await
}

#[derive(serde::Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct OrganisationFields {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    back_office_email: Option<String>,
}

async fn create_organisation(
    State(app): State<AppState>,
    page: PageUser,
    Form(fields): Form<OrganisationFields>,
) -> Response {
    let result = async {
        let form = OrganisationForm {
            name: fields.name.clone(),
            kind: OrganisationKind::parse(&fields.kind)?,
            back_office_email: fields.back_office_email.clone(),
        };
        directory::create_organisation(&page.ctx(&app), form).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/admin?fait=organisation").into_response(),
        Err(err) => form_failed(&app, &page, "organisation", fields, err).await,
    }
}

#[derive(serde::Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct ServiceFields {
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    response_days: String,
    #[serde(default)]
    urgent_response_days: String,
}

async fn create_service(
    State(app): State<AppState>,
    page: PageUser,
    Form(fields): Form<ServiceFields>,
) -> Response {
    let result = async {
        let form = ServiceForm {
            organisation: input_id("organisationId", &fields.organisation_id)?,
            name: fields.name.clone(),
            category: fields.category.clone(),
            response_days: number("responseDays", &fields.response_days)?,
            urgent_response_days: number("urgentResponseDays", &fields.urgent_response_days)?,
        };
        directory::create_service(&page.ctx(&app), form).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/admin?fait=service").into_response(),
        Err(err) => form_failed(&app, &page, "service", fields, err).await,
    }
}

#[derive(serde::Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct UserFields {
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    /// One checkbox per role, each `roles=CODE`.
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default, skip_serializing)]
    password: Option<String>,
}

async fn create_user(
    State(app): State<AppState>,
    page: PageUser,
    Form(fields): Form<UserFields>,
) -> Response {
    let invited = fields.password.as_deref().is_none_or(str::is_empty);
    let result = async {
        let form = UserForm {
            organisation: input_id("organisationId", &fields.organisation_id)?,
            email: fields.email.clone(),
            name: fields.name.clone(),
            roles: fields.roles.clone(),
            password: fields.password.clone(),
        };
        accounts::create_user(&page.ctx(&app), form).await
    }
    .await;
    match result {
        Ok(_) if invited => Redirect::to("/admin?fait=invitation").into_response(),
        Ok(_) => Redirect::to("/admin?fait=utilisateur").into_response(),
        // The password is never sent back (`skip_serializing`).
        Err(err) => form_failed(&app, &page, "user", fields, err).await,
    }
}

#[derive(serde::Deserialize, Default)]
struct ActiveFields {
    #[serde(default)]
    active: String,
}

/// Deactivates or reactivates an account from the users table.
async fn set_active(
    State(app): State<AppState>,
    page: PageUser,
    Path(id): Path<String>,
    Form(fields): Form<ActiveFields>,
) -> Response {
    let active = fields.active == "true";
    let result =
        async { accounts::set_user_active(&page.ctx(&app), lookup_id(&id)?, active).await }.await;
    match result {
        Ok(_) if active => Redirect::to("/admin?fait=actif").into_response(),
        Ok(_) => Redirect::to("/admin?fait=inactif").into_response(),
        Err(err) => error_page(&app, &page, &err),
    }
}

#[derive(serde::Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct DeadlineFields {
    #[serde(default)]
    answer_days: String,
    #[serde(default)]
    urgent_answer_days: String,
}

/// An organisation's answer deadlines for escalations (tenant admin, or its org admin).
async fn set_escalation_deadlines(
    State(app): State<AppState>,
    page: PageUser,
    Path(id): Path<String>,
    Form(fields): Form<DeadlineFields>,
) -> Response {
    let result = async {
        crate::escalations::service::set_answer_days(
            &page.ctx(&app),
            lookup_id(&id)?,
            number("answerDays", &fields.answer_days)?,
            number("urgentAnswerDays", &fields.urgent_answer_days)?,
        )
        .await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/admin?fait=delais").into_response(),
        Err(err) => form_failed(&app, &page, &format!("deadlines-{id}"), fields, err).await,
    }
}

#[derive(serde::Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct ReopenFields {
    #[serde(default)]
    reopen_days: String,
}

/// The territory's reopen window for escalations (tenant admin).
async fn set_reopen_days(
    State(app): State<AppState>,
    page: PageUser,
    Form(fields): Form<ReopenFields>,
) -> Response {
    let result = async {
        let days = number("reopenDays", &fields.reopen_days)?;
        crate::escalations::service::set_reopen_days(&page.ctx(&app), days).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/admin?fait=reouverture").into_response(),
        Err(err) => form_failed(&app, &page, "reopen", fields, err).await,
    }
}
