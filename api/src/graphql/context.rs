//! What a resolver knows about its request: the application, the caller, the client address,
//! and the service context it hands to the application services.

use std::net::IpAddr;

use async_graphql::{
    Context, OutputType,
    connection::{Connection, Edge},
};
use domain::Actor;
use time::OffsetDateTime;

use crate::{
    AppState,
    error::{ApiError, ApiResult},
    service::Ctx,
    store::Page,
};

pub struct RequestCtx {
    /// `None` without a bearer token; `Some(Err)` when the token was refused.
    pub auth: Option<ApiResult<Actor>>,
    pub client_ip: IpAddr,
    /// The request's one "now", on the application clock.
    pub now: OffsetDateTime,
    /// The bearer token, for signing out.
    pub token: Option<String>,
}

pub trait CtxExt {
    fn app(&self) -> &AppState;
    fn request(&self) -> &RequestCtx;
    /// The signed-in caller, or UNAUTHENTICATED.
    fn actor(&self) -> ApiResult<&Actor>;
    /// The context of the application services for the signed-in caller.
    fn service(&self) -> ApiResult<Ctx<'_>>;
}

impl CtxExt for Context<'_> {
    fn app(&self) -> &AppState {
        self.data_unchecked::<AppState>()
    }

    fn request(&self) -> &RequestCtx {
        self.data_unchecked::<RequestCtx>()
    }

    fn actor(&self) -> ApiResult<&Actor> {
        match &self.request().auth {
            Some(Ok(actor)) => Ok(actor),
            Some(Err(err)) => Err(err.clone()),
            None => Err(ApiError::Domain(domain::Error::Unauthenticated)),
        }
    }

    fn service(&self) -> ApiResult<Ctx<'_>> {
        let app = self.app();
        Ok(Ctx {
            actor: self.actor()?,
            db: &app.db,
            now: self.request().now,
            hooks: &app.hooks,
        })
    }
}

/// A store page as a Relay connection.
pub fn connection<T, Node: OutputType>(
    page: Page<T>,
    to_node: impl Fn(T) -> Node,
) -> Connection<String, Node> {
    let mut connection = Connection::new(page.has_previous, page.has_next);
    connection.edges.extend(
        page.items
            .into_iter()
            .map(|(cursor, item)| Edge::new(cursor.encode(), to_node(item))),
    );
    connection
}
