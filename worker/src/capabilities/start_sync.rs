//! A backfill of a range into the library: `POST /v1/sync`.

use futures::FutureExt;

use super::{Capability, Input, Method, Rest};
use crate::args::{Schema, SyncArgs};
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::service::Service;

/// `start_sync`.
pub static CAPABILITY: Capability = Capability {
    name: "start_sync",
    title: "Backfill the library",
    description: "Queues a backfill of a date range into the library (admins only): the body is JSON {\"from\", \"to\"} (ISO 8601 or plain dates, to exclusive). Answers 202 with the sync's state; GET /v1/sync follows it.",
    rest: Some(Rest {
        doc: "Starts a backfill of `{\"from\", \"to\"}` (ISO 8601 or plain dates) into the library (admins only): 202 with the sync's state.",
        method: Method::Post,
        path: "/v1/sync",
        body: true,
        schema: Schema::sync,
        run: |svc, input| rest(svc, input).boxed_local(),
    }),
    tool: None,
};

async fn rest(svc: &Service, input: Input<'_>) -> Result<Reply> {
    let body = serde_json::from_str(input.body).map_err(|e| {
        Error::InvalidBody(format!("the body must be JSON such as {{\"from\": \"2024-01-01\", \"to\": \"2024-02-01\"}}: {e}"))
    })?;
    let args: SyncArgs = Schema::sync().read(body).map_err(Error::in_body)?;
    let state = svc.start_sync(&args).await.map_err(Error::in_body)?;
    let mut reply = Reply::json(serde_json::to_string(&state).map_err(Error::internal)?);
    reply.status = 202;
    Ok(reply)
}
