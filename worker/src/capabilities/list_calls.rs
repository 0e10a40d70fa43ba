//! Calls in a date range: `GET /v1/calls`, MCP `list_calls`.

use futures::FutureExt;
use serde_json::{json, Value};

use super::answer::{
    calls_schema, fit, json_reply, object_schema, summary, ToolAnswer, CALL_CHARS,
};
use super::{Capability, Hints, Input, Method, Rest, Tool};
use crate::args::{ListArgs, Schema};
use crate::error::Result;
use crate::reply::Reply;
use crate::service::{Listing, Service, Source};

/// `list_calls`.
pub static CAPABILITY: Capability = Capability {
    name: "list_calls",
    title: "List calls",
    description: "Lists the Gong calls that started in a date range (from and to, to exclusive; a plain date such as 2024-03-01 means that whole day), oldest first: id, title, date, duration, account and participants of each, as JSON. When more calls exist the answer has a cursor: call list_calls again with only that cursor to continue.",
    rest: Some(Rest {
        doc: "Calls that started in `[from, to)` (optional `workspaceId`), following Gong's pages up to `limit` (default 100), or from the library when it covers the range: `{\"count\", \"calls\", \"cursor\", \"source\"}`. Pass `cursor` back alone to go on; it keeps its page size.",
        method: Method::Get,
        path: "/v1/calls",
        body: false,
        schema: Schema::list,
        run: |svc, input| rest(svc, input).boxed_local(),
    }),
    tool: Some(Tool {
        when: "every call that started in a date range, oldest first, page by page with its cursor",
        schema: tool_schema,
        output: Some(output),
        hints: Hints::GONG,
        run: |svc, args| tool(svc, args).boxed_local(),
    }),
};

fn source(listing: &Listing) -> &'static str {
    if listing.source == Source::Library {
        "library"
    } else {
        "gong"
    }
}

async fn rest(svc: &Service, input: Input<'_>) -> Result<Reply> {
    let args: ListArgs = Schema::list().read_query(input.query, &[])?;
    let listing = svc.list_calls(&args).await?;
    json_reply(&json!({
        "count": listing.calls.len(),
        "calls": listing.calls,
        "cursor": listing.cursor,
        "source": source(&listing),
    }))
}

fn tool_schema() -> Schema {
    Schema::list().without(&["workspaceId"])
}

fn output() -> Value {
    object_schema(
        json!({"count": {"type": "integer"}, "calls": calls_schema(), "cursor": {"type": ["string", "null"]}}),
        &["count", "calls"],
    )
}

async fn tool(svc: &Service, args: Value) -> Result<ToolAnswer> {
    let a: ListArgs = tool_schema().read(args)?;
    fit(
        svc,
        a.limit,
        (crate::args::LIST_LIMIT.1, CALL_CHARS),
        |limit| {
            let a = ListArgs { limit, ..a.clone() };
            async move {
                let listing = svc.list_calls(&a).await?;
                let mut notes = Vec::new();
                if listing.cursor.is_some() {
                    notes.push(
                    "[more calls in this range: call list_calls with only this cursor to continue]"
                        .to_owned(),
                );
                }
                let count = listing.calls.len();
                let answer = ToolAnswer::json(
                    json!({
                        "count": count,
                        "calls": listing.calls.iter().map(summary).collect::<Vec<_>>(),
                        "cursor": listing.cursor,
                    }),
                    notes,
                )?;
                Ok((answer, count))
            }
        },
    )
    .await
}
