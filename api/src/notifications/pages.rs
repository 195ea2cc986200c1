//! `/admin/courriels`: the notifications of the organisation or territory with their state, a
//! button to send a failed one again and, in the embedded mode (no SMTP server), each mail as it
//! would have been sent.

use axum::{
    Router,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use minijinja::{Value, context};
use time::format_description::well_known::Rfc3339;

use crate::{
    AppState,
    entities::notification,
    error::{ApiError, ApiResult},
    notifications::{MailStatus, service},
    service::lookup_id,
    store::PageRequest,
    web::{
        render::{error_page, layout, render},
        session::PageUser,
    },
};

const PAGE: u64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/courriels", get(list))
        .route("/admin/courriels/{id}", get(detail))
        .route("/admin/courriels/{id}/renvoyer", post(retry))
}

#[derive(serde::Deserialize, Default)]
struct ListQuery {
    statut: Option<String>,
    apres: Option<String>,
    fait: Option<String>,
}

/// The DSFR badge of a status.
fn badge(status: MailStatus) -> &'static str {
    match status {
        MailStatus::Sent => "fr-badge--success",
        MailStatus::Pending => "fr-badge--info",
        MailStatus::Failed | MailStatus::InApp => "fr-badge--warning",
        MailStatus::Dead => "fr-badge--error",
    }
}

fn iso(at: time::OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn row(row: &notification::Model) -> Value {
    let status = row.status.0;
    context! {
        id => row.id.to_string(),
        kind => row.kind.as_str(),
        kind_label => row.kind.label_fr(),
        status => status.as_str(),
        label => status.label_fr(),
        badge => badge(status),
        recipients => row.recipients.replace(',', ", "),
        subject => row.subject,
        attempts => row.attempts,
        last_error => row.last_error,
        created_at => iso(row.created_at),
        sent_at => row.sent_at.map(iso),
        next_attempt_at => iso(row.next_attempt_at),
        retryable => matches!(status, MailStatus::Dead | MailStatus::Failed),
    }
}

async fn list(State(app): State<AppState>, page: PageUser, Query(q): Query<ListQuery>) -> Response {
    let result: ApiResult<Value> = async {
        let request = PageRequest::parse(Some(PAGE as i32), q.apres.as_deref().filter(|a| !a.is_empty()))?;
        let statuses: Vec<MailStatus> = q
            .statut
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(MailStatus::parse)
            .transpose()?
            .into_iter()
            .collect();
        let found = service::list(&page.ctx(&app), &request, &statuses).await?;
        Ok(context! {
            next => found.next_cursor(),
            rows => found.rows().map(row).collect::<Vec<_>>(),
            statut => q.statut,
            local => app.config.smtp_url.is_none(),
            notice => (q.fait.as_deref() == Some("renvoi")).then_some("Le courriel sera renvoyé dans quelques instants."),
        })
    }
    .await;
    match result {
        Ok(data) => render(
            &app,
            StatusCode::OK,
            "notifications/list.html",
            context! { ..data, ..layout(&app, &page, "/admin/courriels") },
        ),
        Err(err) => error_page(&app, &page, &err),
    }
}

/// The mail itself, in the embedded mode only: with a real server, the recipients read it there.
async fn detail(State(app): State<AppState>, page: PageUser, Path(id): Path<String>) -> Response {
    let result = async {
        let found = service::get(&page.ctx(&app), lookup_id(&id)?).await?;
        if app.config.smtp_url.is_some() && found.status != MailStatus::InApp {
            return Err(ApiError::Domain(domain::Error::NotFound));
        }
        Ok(found)
    }
    .await;
    match result {
        Ok(found) => render(
            &app,
            StatusCode::OK,
            "notifications/detail.html",
            context! {
                mail => row(&found),
                body => found.body_text,
                message_id => found.message_id,
                from => app.config.mail_from,
                local => app.config.smtp_url.is_none(),
                ..layout(&app, &page, "/admin/courriels")
            },
        ),
        Err(err) => error_page(&app, &page, &err),
    }
}

async fn retry(State(app): State<AppState>, page: PageUser, Path(id): Path<String>) -> Response {
    let result = async { service::retry(&page.ctx(&app), lookup_id(&id)?).await }.await;
    match result {
        Ok(_) => Redirect::to("/admin/courriels?fait=renvoi").into_response(),
        Err(err) => error_page(&app, &page, &err),
    }
}
