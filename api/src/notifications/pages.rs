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
    graphql::pagination::PageRequest,
    notifications::{self, store},
    web::{error_page, layout, render, session::PageUser},
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

/// The French label and DSFR badge of a status.
fn badge(status: &str) -> (&'static str, &'static str) {
    match status {
        notifications::SENT => ("Envoyé", "fr-badge--success"),
        notifications::PENDING => ("En attente", "fr-badge--info"),
        notifications::FAILED => ("En échec, nouvel essai prévu", "fr-badge--warning"),
        notifications::DEAD => ("Abandonné", "fr-badge--error"),
        _ => ("Alerte", "fr-badge--warning"),
    }
}

fn iso(at: time::OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn row(row: &notification::Model) -> Value {
    let (label, class) = badge(&row.status);
    context! {
        id => row.id.to_string(),
        kind => row.kind,
        status => row.status,
        label => label,
        badge => class,
        recipients => row.recipients.replace(',', ", "),
        subject => row.subject,
        attempts => row.attempts,
        last_error => row.last_error,
        created_at => iso(row.created_at),
        sent_at => row.sent_at.map(iso),
        next_attempt_at => iso(row.next_attempt_at),
        retryable => row.status == notifications::DEAD || row.status == notifications::FAILED,
    }
}

async fn list(State(app): State<AppState>, page: PageUser, Query(q): Query<ListQuery>) -> Response {
    let result: ApiResult<Value> = async {
        let request = PageRequest::parse(Some(PAGE as i32), q.apres.clone())?;
        let statuses: Vec<&str> = q
            .statut
            .as_deref()
            .filter(|s| !s.is_empty())
            .into_iter()
            .collect();
        let mut rows =
            store::notifications_list(&app.db, &page.actor, &request, &statuses).await?;
        let next = (rows.len() as u64 > PAGE).then(|| {
            rows.truncate(PAGE as usize);
            rows.last().map(|r| store::cursor_of(r).encode())
        });
        Ok(context! {
            rows => rows.iter().map(row).collect::<Vec<_>>(),
            next => next.flatten(),
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
            context! { ..data, ..layout(&page, "/admin/courriels") },
        ),
        Err(err) => error_page(&app, &page, &err),
    }
}

/// The mail itself, in the embedded mode only: with a real server, the recipients read it there.
async fn detail(State(app): State<AppState>, page: PageUser, Path(id): Path<String>) -> Response {
    let result = async {
        let id: uuid::Uuid = id
            .parse()
            .map_err(|_| ApiError::Domain(domain::Error::NotFound))?;
        let found = store::notification_get(&app.db, &page.actor, id).await?;
        if app.config.smtp_url.is_some() && found.status != notifications::IN_APP {
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
                ..layout(&page, "/admin/courriels")
            },
        ),
        Err(err) => error_page(&app, &page, &err),
    }
}

async fn retry(State(app): State<AppState>, page: PageUser, Path(id): Path<String>) -> Response {
    let result = async {
        let id: uuid::Uuid = id
            .parse()
            .map_err(|_| ApiError::Domain(domain::Error::NotFound))?;
        store::notification_retry(&app.db, &page.actor, id, app.clock.now()).await
    }
    .await;
    match result {
        Ok(_) => {
            app.mail_wake.notify_one();
            Redirect::to("/admin/courriels?fait=renvoi").into_response()
        }
        Err(err) => error_page(&app, &page, &err),
    }
}
