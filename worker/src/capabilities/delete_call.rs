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
    description: "Removes a call from the library and the cache (a data-privacy request; admins only). Gong is not asked, and the sync does not bring the call back unless Gong still lists it.",
    rest: Some(Rest {
        doc: "Removes the call from the library and the cache (a data-privacy request; admins only): `{\"id\", \"deleted\": true, \"inLibrary\"}`.",
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
