//! What a resolver knows about its request: the application, the caller, the client address.

use std::net::IpAddr;

use async_graphql::Context;
use domain::Actor;

use crate::{
    AppState,
    error::{ApiError, ApiResult},
};

pub struct RequestCtx {
    /// `None` without a bearer token; `Some(Err)` when the token was refused.
    pub auth: Option<ApiResult<Actor>>,
    pub client_ip: IpAddr,
}

pub trait CtxExt {
    fn app(&self) -> &AppState;
    fn request(&self) -> &RequestCtx;
    /// The signed-in caller, or UNAUTHENTICATED.
    fn actor(&self) -> ApiResult<&Actor>;
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
}
