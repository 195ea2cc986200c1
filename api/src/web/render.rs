//! What every page handler shares: the layout (the user, their organisation, the menu their
//! permissions open), rendering, the page for an error, and a failed form's error.

use axum::{
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};
use domain::Action;
use minijinja::{Value, context};

use crate::{
    AppState,
    error::{ApiError, ApiResult},
    web::session::PageUser,
};

/// One entry of the main menu.
#[derive(serde::Serialize)]
struct NavItem {
    href: &'static str,
    label: &'static str,
    active: bool,
}

/// What every page's layout shows: the user, their organisation, and the menu entries
/// `domain::authorize` opens to them.
pub fn layout(app: &AppState, page: &PageUser, active: &str) -> Value {
    let ctx = page.ctx(app);
    let mut nav = vec![("/", "Accueil")];
    if ctx.may_own(Action::ManagePeople) {
        nav.push(("/personnes", "Personnes"));
    }
    if ctx.may_own(Action::ReadSentReferrals) {
        nav.push(("/orientations/envoyees", "Orientations envoyées"));
    }
    if ctx.may_own(Action::WorkReferral) {
        nav.push(("/orientations/recues", "Orientations reçues"));
    }
    if ctx.may_own(Action::ReadSentEscalations) {
        nav.push(("/sollicitations/envoyees", "Sollicitations envoyées"));
    }
    if ctx.may_own(Action::AnswerEscalation) {
        nav.push(("/sollicitations/recues", "Sollicitations reçues"));
    }
    if crate::monitoring::service::may_monitor(&ctx) {
        nav.push((crate::monitoring::pages::DASHBOARD, "Tableau de bord"));
    }
    if ctx.may_tenant(Action::ReadMonitoring) {
        nav.push(("/suivi", "Suivi du territoire"));
    }
    if ctx.may_own(Action::ListUsers) {
        nav.push(("/admin", "Administration"));
    }
    if ctx.may_own(Action::ReadNotifications) {
        nav.push(("/admin/courriels", "Courriels"));
    }
    let nav: Vec<NavItem> = nav
        .into_iter()
        .map(|(href, label)| NavItem {
            href,
            label,
            active: href == active,
        })
        .collect();
    let role_labels: Vec<&str> = page.actor.roles.iter().map(|r| r.label_fr()).collect();
    context! {
        user => context! { name => page.user.name, email => page.user.email, roles => role_labels },
        organisation => context! { name => page.organisation.name },
        nav => nav,
        csrf => page.csrf,
    }
}

/// Renders a page; a template error is logged and shown as a plain 500.
pub fn render(app: &AppState, status: StatusCode, template: &str, ctx: Value) -> Response {
    match app.templates.render(template, ctx) {
        Ok(body) => (status, Html(body)).into_response(),
        Err(err) => {
            tracing::error!(error = ?err, template, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Erreur interne.").into_response()
        }
    }
}

/// The HTTP status a page answers with for an error.
pub fn status_of(err: &ApiError) -> StatusCode {
    match err.code() {
        "NOT_FOUND" => StatusCode::NOT_FOUND,
        "FORBIDDEN" => StatusCode::FORBIDDEN,
        "BAD_USER_INPUT" => StatusCode::BAD_REQUEST,
        "CONFLICT" => StatusCode::CONFLICT,
        "UNAUTHENTICATED" => StatusCode::UNAUTHORIZED,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// What a template needs to show a failed form's error beside its field (`macros.html`).
pub fn form_error(form: &str, err: &ApiError) -> Value {
    let message = err.message_for_field();
    // The error summary at the top of the page says it as a sentence naming the field.
    let sentence = match err.field().and_then(field_label) {
        Some(label) => format!("{label} : {}.", message.trim_end_matches('.')),
        None => sentence_of(&message),
    };
    context! { form => form, field => err.field(), message => message, sentence => sentence }
}

/// A message as a sentence: a capital first letter and a full stop.
fn sentence_of(message: &str) -> String {
    let mut chars = message.trim().trim_end_matches('.').chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// The label a form shows for a field, as the error summary names it.
fn field_label(field: &str) -> Option<&'static str> {
    Some(match field {
        "firstName" => "Prénom",
        "lastName" => "Nom",
        "birthDate" => "Date de naissance",
        "phone" => "Téléphone",
        "email" => "Adresse e-mail",
        "address" => "Adresse",
        "name" => "Nom",
        "backOfficeEmail" => "Boîte de réception",
        "category" => "Catégorie",
        "responseDays" => "Délai de réponse",
        "urgentResponseDays" => "Délai de réponse en urgence",
        "password" => "Mot de passe",
        "confirmation" => "Confirmation du mot de passe",
        "roles" => "Rôles",
        "recipientOrganisationIds" => "Organisations destinataires",
        "purposes" => "Finalités",
        "dataCategories" => "Données partagées",
        "method" => "Mode de recueil",
        "expiresAt" => "Valable jusqu'au",
        "evidence" => "Preuve ou observation",
        "textVersion" => "Version du texte",
        "serviceId" => "Service",
        "consentId" => "Consentement",
        "motive" => "Motif",
        "urgency" => "Urgence",
        "reason" => "Motif",
        "comment" => "Commentaire",
        "question" => "Question",
        "answer" => "Réponse",
        "outcome" => "Résultat",
        "subject" => "Objet",
        "body" => "Message",
        "organisationId" => "Organisation",
        "reopenDays" => "Délai de réouverture",
        "answerDays" => "Délai de réponse",
        "urgentAnswerDays" => "Délai de réponse en urgence",
        "latePercentAbove" => "Seuil de réponses en retard",
        "acceptancePercentBelow" => "Seuil d'acceptation",
        "minReferrals" => "Nombre minimal d'orientations",
        "confirmed" => "Confirmation",
        _ => return None,
    })
}

/// A page from its `data`, with `extra` (a notice, a failed form and its values) over it, in the
/// layout with `active` as the current menu entry; or the error page if the data failed.
pub fn page_or_error(
    app: &AppState,
    page: &PageUser,
    status: StatusCode,
    template: &str,
    active: &str,
    extra: Value,
    data: crate::error::ApiResult<Value>,
) -> Response {
    match data {
        Ok(data) => render(
            app,
            status,
            template,
            context! { ..extra, ..data, ..layout(app, page, active) },
        ),
        Err(err) => error_page(app, page, &err),
    }
}

/// The page shown for an error a user can meet (not found, forbidden…), inside the layout.
pub fn error_page(app: &AppState, page: &PageUser, err: &ApiError) -> Response {
    render(
        app,
        status_of(err),
        "error.html",
        context! { message => err.public_message(), ..layout(app, page, "") },
    )
}

/// A number field of a form: anything but an integer is BAD_USER_INPUT naming it.
pub fn number(field: &str, raw: &str) -> ApiResult<i32> {
    raw.trim()
        .parse()
        .map_err(|_| ApiError::invalid(field, "doit être un nombre entier"))
}

/// What a page shows again after a failed form: the error beside its field, the values kept.
pub fn failed_form(form: &str, err: &ApiError, values: impl serde::Serialize) -> Value {
    context! { error => form_error(form, err), values => Value::from_serialize(values) }
}

/// The roles a form offers, those `grantable` allows, with their French labels.
pub fn role_options(grantable: impl Fn(&domain::Roles) -> bool) -> Vec<Value> {
    domain::Role::ALL
        .iter()
        .filter(|r| grantable(&domain::Roles::from(**r)))
        .map(|r| context! { code => r.as_str(), label => r.label_fr() })
        .collect()
}
