//! Erasing a call from the library and the cache: `DELETE /v1/calls/{callId}`.

use futures::FutureExt;

use super::answer::json_reply;
use super::{Capability, Input, Method, Rest};
use crate::args::{CallArgs, Schema};
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::service::Service;

/// `delete_call`.
pub static CAPABILITY: Capability = Capability {
    name: "delete_call",
    title: "Erase a call",
    description: "Erases a call for good (a data-privacy request; admins only): it leaves the library and the cache, and is never stored or served again (404 call_not_found for everyone, skipped by the sync, a tombstone in the export) until an admin restores it. Gong is not asked.",
    rest: Some(Rest {
        doc: "Erases the call for good (a data-privacy request; admins only): it leaves the library and the cache and is never stored or served again — 404 `call_not_found` for everyone, skipped by the sync, `{\"id\", \"deleted\": true, \"erased\": true}` in the export — until `POST /v1/calls/{callId}/restore`. Answers `{\"id\", \"deleted\": true, \"inLibrary\"}` (`inLibrary: false`: the library never held it; it is blocked all the same).",
        method: Method::Delete,
        path: "/v1/calls/{callId}",
        body: false,
        schema: || Schema::call().without(&["transcript", "fresh", "format", "names", "timestamps", "merge", "utcOffsetMinutes"]),
        run: |svc, input| rest(svc, input).boxed_local(),
    }),
    tool: None,
};

async fn rest(svc: &Service, input: Input<'_>) -> Result<Reply> {
    if !input.query.is_empty() {
        return Err(Error::InvalidQuery(
            "DELETE /v1/calls/{id} takes no query".into(),
        ));
    }
    let id = input.param("callId")?;
    let args: CallArgs = Schema::call().read_query("", &[("callId", &id)])?;
    json_reply(&svc.delete_call(&args.call_id).await?)
}
