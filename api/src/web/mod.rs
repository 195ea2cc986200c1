//! Server-rendered pages (French, DSFR look, usable without JavaScript), on the same binary.

pub mod templates;

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
