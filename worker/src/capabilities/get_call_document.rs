//! A call as one document: `GET /v1/calls/{callId}/document`, MCP `get_call_document`.

use futures::FutureExt;
use serde_json::Value;

use super::answer::{budget, text_answer, text_reply, ToolAnswer};
use super::{Capability, Hints, Input, Method, Rest, Tool};
use crate::args::{DocumentArgs, Schema};
use crate::error::Result;
use crate::reply::Reply;
use crate::service::Service;

/// `get_call_document`.
pub static CAPABILITY: Capability = Capability {
    name: "get_call_document",
    title: "Read a call",
    description: "Returns one Gong call as a plain-text document: title, date, duration, account, participants (internal or external), Gong's brief and key points, then the transcript with speaker names and [mm:ss] timestamps. A long call comes in chunks: the answer's last line gives the exact arguments for the next chunk (or pass maxChars and chunk yourself).",
    rest: Some(Rest {
        doc: "The call document as `text/plain`; with `maxChars=N` (200 to 1,000,000) its chunks as JSON (at most 1,000 per answer); with `maxChars=N&chunk=k` chunk `k` as text, with `X-Gongkit-Chunk: k/count`.",
        method: Method::Get,
        path: "/v1/calls/{callId}/document",
        body: false,
        schema: Schema::document,
        run: |svc, input| rest(svc, input).boxed_local(),
    }),
    tool: Some(Tool {
        when: "read one call whole: header, summary and the named, timestamped transcript, in chunks for long calls",
        schema: tool_schema,
        output: None,
        hints: Hints::GONG,
        run: |svc, args| tool(svc, args).boxed_local(),
    }),
};

/// The document as text; with `maxChars`, chunks.
async fn rest(svc: &Service, input: Input<'_>) -> Result<Reply> {
    let id = input.param("callId")?;
    let args: DocumentArgs = Schema::document().read_query(input.query, &[("callId", &id)])?;
    text_reply(svc.document(&args).await?, "text/plain; charset=utf-8").await
}

fn tool_schema() -> Schema {
    Schema::document().without(&["fresh"])
}

async fn tool(svc: &Service, args: Value) -> Result<ToolAnswer> {
    let mut a: DocumentArgs = tool_schema().read(args.clone())?;
    let max_chars = budget(&mut a, svc.config.mcp_answer_chars);
    text_answer(svc.document(&a).await?, CAPABILITY.name, &args, max_chars).await
}
