//! Lifting an erasure: `POST /v1/calls/{callId}/restore`.

use futures::FutureExt;

use super::answer::json_reply;
use super::{Capability, Input, Method, Rest};
use crate::args::{CallArgs, Schema};
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::service::Service;

/// `restore_call`.
pub static CAPABILITY: Capability = Capability {
    name: "restore_call",
    title: "Restore an erased call",
    description: "Lifts the erasure of a call (admins only): the library may store and serve it again, so the next read or sync over its range brings it back from Gong.",
    rest: Some(Rest {
        doc: "Lifts a call's erasure (admins only): `{\"id\", \"restored\"}` (`restored`: whether it was erased). The next read or sync over its range brings it back from Gong.",
        method: Method::Post,
        path: "/v1/calls/{callId}/restore",
        body: false,
        schema: || Schema::call().without(&["transcript", "fresh", "format", "names", "timestamps", "merge", "utcOffsetMinutes"]),
        run: |svc, input| rest(svc, input).boxed_local(),
    }),
    tool: None,
};

async fn rest(svc: &Service, input: Input<'_>) -> Result<Reply> {
    if !input.query.is_empty() {
        return Err(Error::InvalidQuery(
            "POST /v1/calls/{id}/restore takes no query".into(),
        ));
    }
    let id = input.param("callId")?;
    let args: CallArgs = Schema::call().read_query("", &[("callId", &id)])?;
    json_reply(&svc.restore_call(&args.call_id).await?)
}
