//! A call's details: `GET /v1/calls/{callId}`, MCP `get_call`.

use futures::FutureExt;
use serde_json::Value;

use super::answer::ToolAnswer;
use super::{Capability, Hints, Input, Method, Rest, Tool};
use crate::args::{CallArgs, Schema};
use crate::error::{Error, Result};
use crate::service::Service;

/// `get_call`.
pub static CAPABILITY: Capability = Capability {
    name: "get_call",
    title: "Call details",
    description: "Returns a Gong call's details as JSON, without the transcript (its transcript field is null): id, title, url, scheduled time (UTC), date, duration, direction, scope, language, account (name and whether it came from the CRM or an email domain), participants with titles, affiliations and talk time, and Gong's summary (brief, key points, outline, highlights, outcome). To read what was said use get_call_document.",
    rest: Some(Rest {
        doc: "The normalized call with its transcript (`transcript=false`: `\"transcript\": null`, as every answer gives a field it does not fill); `fresh=true` asks Gong again.",
        method: Method::Get,
        path: "/v1/calls/{callId}",
        body: false,
        schema: Schema::call,
        run: |svc, input| rest(svc, input).boxed_local(),
    }),
    tool: Some(Tool {
        when: "one call's details and Gong's summary (brief, key points, outcome) as JSON, without the transcript",
        schema: tool_schema,
        output: None,
        hints: Hints::GONG,
        run: |svc, args| tool(svc, args).boxed_local(),
    }),
};

/// The normalized call, with its transcript unless `transcript=false`.
async fn rest(svc: &Service, input: Input<'_>) -> Result<crate::reply::Reply> {
    let id = input.param("callId")?;
    let args: CallArgs = Schema::call().read_query(input.query, &[("callId", &id)])?;
    Ok(crate::reply::Reply::content(svc.call(&args).await?))
}

/// A model gets the details alone: the transcript is get_transcript's, and
/// `fresh` would spend Gong's quota.
fn tool_schema() -> Schema {
    Schema::call().without(&[
        "fresh",
        "transcript",
        "format",
        "timestamps",
        "merge",
        "names",
    ])
}

async fn tool(svc: &Service, args: Value) -> Result<ToolAnswer> {
    let mut a: CallArgs = tool_schema().read(args)?;
    a.transcript = false;
    let json = svc.call(&a).await?.read().await?;
    // `transcript: null` (not asked for), as in every answer: a field is
    // never left out, only null.
    let value: Value = serde_json::from_str(&json).map_err(Error::internal)?;
    ToolAnswer::json(value, Vec::new())
}
