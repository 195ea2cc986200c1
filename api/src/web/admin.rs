//! The administration page: organisations, services and users of the territory (tenant admin)
//! or of one's own organisation (org admin), with the forms to create them.

use std::collections::HashMap;

use axum::{
    Form, Router,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use domain::{OrganisationId, OrganisationKind, Role};
use minijinja::{Value, context};

use crate::{
    AppState,
    auth::{commands as users, store as user_store},
    directory::{commands as directory, store},
    error::{ApiError, ApiResult},
    graphql::pagination::PageRequest,
    web::{error_page, form_error, page_or_error, session::PageUser, status_of},
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(admin_page))
        .route("/admin/organisations", post(create_organisation))
        .route("/admin/services", post(create_service))
        .route("/admin/utilisateurs", post(create_user))
        .route("/admin/utilisateurs/{id}/actif", post(set_active))
}

type FormData = HashMap<String, String>;

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
        Some("inactif") => {
            Some("Le compte a été désactivé : la personne ne peut plus se connecter.")
        }
        Some("invitation") => Some(
            "L'utilisateur a été créé ; il reçoit par courriel un lien pour choisir son mot de passe.",
        ),
        _ => None,
    };
    show(&app, &page, StatusCode::OK, context! { notice => notice }).await
}

/// Renders the page with whatever `extra` holds (a notice, or a form's error and values).
async fn show(app: &AppState, page: &PageUser, status: StatusCode, extra: Value) -> Response {
    let data = page_data(app, page).await;
    page_or_error(app, page, status, "admin.html", "/admin", extra, data)
}

async fn page_data(app: &AppState, page: &PageUser) -> ApiResult<Value> {
    let actor = &page.actor;
    let tenant_admin = actor.roles.contains(Role::TenantAdmin);
    if !tenant_admin && !actor.roles.contains(Role::OrgAdmin) {
        return Err(ApiError::Domain(domain::Error::Forbidden));
    }
    let organisations = if tenant_admin {
        let all = PageRequest {
            first: 500,
            after: None,
        };
        store::organisations_list(&app.db, actor, &all, None).await?
    } else {
        vec![page.organisation.clone()]
    };
    let ids: Vec<_> = organisations.iter().map(|o| o.id).collect();
    let services = store::services_of_organisations(&app.db, actor.tenant_id, &ids).await?;
    let page_of_users = PageRequest {
        first: 100,
        after: None,
    };
    let mut rows = Vec::new();
    for org in &organisations {
        let org_users = user_store::users_of_organisation(
            &app.db,
            actor,
            OrganisationId::from_uuid(org.id),
            &page_of_users,
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
        let org_users: Vec<Value> = org_users
            .iter()
            .map(|u| {
                let roles: Vec<&str> = domain::Roles::parse_csv(&u.roles)
                    .map(|r| r.iter().map(|role| role.label_fr()).collect())
                    .unwrap_or_default();
                context! { id => u.id.to_string(), name => u.name, email => u.email, roles => roles, active => u.active, me => u.id == page.user.id }
            })
            .collect();
        rows.push(context! {
            id => org.id.to_string(),
            name => org.name,
            kind => store::organisation_kind(org).label_fr(),
            mailbox => org.back_office_email,
            services => org_services,
            users => org_users,
        });
    }
    let kinds: Vec<Value> = OrganisationKind::ALL
        .iter()
        .map(|k| context! { code => k.as_str(), label => k.label_fr() })
        .collect();
    let grantable: Vec<Value> = Role::ALL
        .iter()
        .filter(|r| tenant_admin || !matches!(r, Role::TenantAdmin | Role::Coordinator))
        .map(|r| context! { code => r.as_str(), label => r.label_fr() })
        .collect();
    Ok(context! {
        organisations => rows,
        kinds => kinds,
        roles => grantable,
        can_create_organisation => tenant_admin,
    })
}

/// After a failed form: the page again, the error beside its field, the values kept.
async fn form_failed(
    app: &AppState,
    page: &PageUser,
    form: &str,
    values: FormData,
    err: ApiError,
) -> Response {
    let error = form_error(form, &err);
    show(
        app,
        page,
        status_of(&err),
        context! { error => error, values => values },
    )
    .await
}

fn field(values: &FormData, name: &str) -> String {
    values.get(name).cloned().unwrap_or_default()
}

/// A number field of a form: anything but an integer is BAD_USER_INPUT naming it.
fn number(values: &FormData, name: &str) -> ApiResult<i32> {
    field(values, name)
        .trim()
        .parse()
        .map_err(|_| ApiError::invalid(name, "doit être un nombre entier"))
}

async fn create_organisation(
    State(app): State<AppState>,
    page: PageUser,
    Form(values): Form<FormData>,
) -> Response {
    let result = async {
        let kind = OrganisationKind::parse(&field(&values, "kind"))?;
        let form = directory::OrganisationForm {
            name: field(&values, "name"),
            kind,
            back_office_email: values.get("backOfficeEmail").cloned(),
        };
        directory::create_organisation(&app, &page.actor, form).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/admin?fait=organisation").into_response(),
        Err(err) => form_failed(&app, &page, "organisation", values, err).await,
    }
}

async fn create_service(
    State(app): State<AppState>,
    page: PageUser,
    Form(values): Form<FormData>,
) -> Response {
    let result = async {
        let form = directory::ServiceForm {
            organisation_id: field(&values, "organisationId"),
            name: field(&values, "name"),
            category: field(&values, "category"),
            response_days: number(&values, "responseDays")?,
            urgent_response_days: number(&values, "urgentResponseDays")?,
        };
        directory::create_service(&app, &page.actor, form).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/admin?fait=service").into_response(),
        Err(err) => form_failed(&app, &page, "service", values, err).await,
    }
}

/// Roles arrive as one checkbox each (`role_AGENT=on`), so a plain map can hold the form.
async fn create_user(
    State(app): State<AppState>,
    page: PageUser,
    Form(values): Form<FormData>,
) -> Response {
    let roles: Vec<String> = values
        .keys()
        .filter_map(|k| k.strip_prefix("role_"))
        .map(str::to_owned)
        .collect();
    let invited = values.get("password").is_none_or(|p| p.is_empty());
    let form = users::UserForm {
        organisation_id: field(&values, "organisationId"),
        email: field(&values, "email"),
        name: field(&values, "name"),
        roles,
        password: values.get("password").cloned(),
    };
    match users::create_user(&app, &page.actor, form).await {
        Ok(_) if invited => Redirect::to("/admin?fait=invitation").into_response(),
        Ok(_) => Redirect::to("/admin?fait=utilisateur").into_response(),
        Err(err) => {
            let mut kept = values;
            kept.remove("password");
            form_failed(&app, &page, "user", kept, err).await
        }
    }
}

/// Deactivates or reactivates an account from the users table.
async fn set_active(
    State(app): State<AppState>,
    page: PageUser,
    axum::extract::Path(id): axum::extract::Path<String>,
    Form(values): Form<FormData>,
) -> Response {
    let active = field(&values, "active") == "true";
    match users::set_user_active(&app, &page.actor, &id, active).await {
        Ok(_) if active => Redirect::to("/admin?fait=actif").into_response(),
        Ok(_) => Redirect::to("/admin?fait=inactif").into_response(),
        Err(err) => error_page(&app, &page, &err),
    }
}
