//! Gong requests used and left today: `GET /v1/quota`.

use futures::FutureExt;

use super::{Capability, Input, Method, Rest};
use crate::args::Schema;
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::service::Service;

/// `get_quota`.
pub static CAPABILITY: Capability = Capability {
    name: "get_quota",
    title: "Gong quota",
    description: "Gong requests used and left today (the company-wide daily budget and the sync's share), by purpose, the caller's own use on demand and budget (USER_DAILY_GONG_BUDGET; everyone's use for an admin), and when the budget resets.",
    rest: Some(Rest {
        doc: "Gong requests sent and left today, by purpose (`demand`, `sync`); the caller's own use on demand and budget (`you`), and everyone's (`users`) for an admin; when the day resets.",
        method: Method::Get,
        path: "/v1/quota",
        body: false,
        schema: Schema::none,
        run: |svc, input| rest(svc, input).boxed_local(),
    }),
    tool: None,
};

async fn rest(svc: &Service, input: Input<'_>) -> Result<Reply> {
    if !input.query.is_empty() {
        return Err(Error::InvalidQuery("GET /v1/quota takes no query".into()));
    }
    svc.require_gong()?;
    let usage = svc.quota().await?;
    Ok(Reply::json(
        serde_json::to_string(&usage).map_err(Error::internal)?,
    ))
}
