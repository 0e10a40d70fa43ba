//! The sync's state and the library's size: `GET /v1/sync`.

use futures::FutureExt;

use super::answer::json_reply;
use super::{Capability, Input, Method, Rest};
use crate::args::Schema;
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::service::Service;

/// `get_sync`.
pub static CAPABILITY: Capability = Capability {
    name: "get_sync",
    title: "Sync status",
    description: "The library's sync (admins only): whether a job runs and how far it is, the queue, the last run, the range the library covers, how many calls it holds and how many await indexing, the sync's Gong requests today, its last error, and when each tier last ran (the re-read, the reconcile and where its sweep goes on, webhooks).",
    rest: Some(Rest {
        doc: "The library's sync (admins only; 403 `forbidden` for anyone else): job, queue, last run, covered range, calls held and awaiting indexing, Gong requests today, last error, and `tiers`: when the re-read of `SYNC_OVERLAP_HOURS`, the reconcile and the last webhook and transcript batch ran, and `reconcileBefore`, where the reconcile's sweep goes on.",
        method: Method::Get,
        path: "/v1/sync",
        body: false,
        schema: Schema::none,
        run: |svc, input| rest(svc, input).boxed_local(),
    }),
    tool: None,
};

async fn rest(svc: &Service, input: Input<'_>) -> Result<Reply> {
    if !input.query.is_empty() {
        return Err(Error::InvalidQuery("GET /v1/sync takes no query".into()));
    }
    json_reply(&svc.sync_status().await?)
}
