//! The library as NDJSON, and what changed since a cursor: `GET /v1/export`.

use futures::FutureExt;

use super::{Capability, Input, Method, Rest};
use crate::args::{ExportArgs, Schema};
use crate::error::Result;
use crate::reply::Reply;
use crate::service::Service;

/// `export_library`.
pub static CAPABILITY: Capability = Capability {
    name: "export_library",
    title: "Export the library",
    description: "Streams the calls the caller may see as NDJSON, one normalized call a line in change order; with since=<cursor> only what changed after that export ({\"id\", \"deleted\": true} for a call no longer visible). The last line is {\"cursor\", \"calls\", \"more\"}, and X-Gongkit-Cursor carries the same cursor.",
    rest: Some(Rest {
        doc: "The library as NDJSON, streamed, in change order; `since=<cursor>` gives only what changed; the cursor is in `X-Gongkit-Cursor` and the last line.",
        method: Method::Get,
        path: "/v1/export",
        body: false,
        schema: Schema::export,
        run: |svc, input| rest(svc, input).boxed_local(),
    }),
    tool: None,
};

async fn rest(svc: &Service, input: Input<'_>) -> Result<Reply> {
    let args: ExportArgs = Schema::export().read_query(input.query, &[])?;
    let export = svc.export(&args).await?;
    Ok(
        Reply::stream("application/x-ndjson; charset=utf-8", export.lines)
            .with("X-Gongkit-Cursor", export.cursor),
    )
}
