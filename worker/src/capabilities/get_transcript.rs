//! A call's transcript: `GET /v1/calls/{callId}/transcript`, MCP `get_transcript`.

use futures::FutureExt;
use serde_json::{json, Value};

use super::answer::{budget, text_answer, text_reply, ToolAnswer};
use super::{Capability, Hints, Input, Method, Rest, Tool};
use crate::args::{Schema, TranscriptArgs};
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::service::{Service, Text};

/// `get_transcript`.
pub static CAPABILITY: Capability = Capability {
    name: "get_transcript",
    title: "Read a transcript",
    description: "Returns a Gong call's transcript alone, speakers named after the participants: plain text (default), markdown, webvtt, srt or json. Options: timestamps ([mm:ss] at each line, on by default here so quotes can be cited), merge (join consecutive turns of one speaker). A long transcript comes in chunks: the answer's last line gives the exact arguments for the next chunk.",
    rest: Some(Rest {
        doc: "The formatted transcript alone, in its format's content type (`text/plain`, `text/markdown`, `text/vtt`, `application/x-subrip`, `application/json`); `maxChars` / `chunk` as for the document (plain and Markdown).",
        method: Method::Get,
        path: "/v1/calls/{callId}/transcript",
        body: false,
        schema: Schema::transcript,
        run: |svc, input| rest(svc, input).boxed_local(),
    }),
    tool: Some(Tool {
        when: "a call's transcript alone, as plain text, markdown, webvtt, srt or json",
        schema: tool_schema,
        output: None,
        hints: Hints::GONG,
        run: |svc, args| tool(svc, args).boxed_local(),
    }),
};

/// The transcript as its format's content type; with `maxChars`, chunks.
async fn rest(svc: &Service, input: Input<'_>) -> Result<Reply> {
    let id = input.param("callId")?;
    let args: TranscriptArgs = Schema::transcript().read_query(input.query, &[("callId", &id)])?;
    let content_type = args.options.format.content_type();
    text_reply(svc.transcript(&args).await?, content_type).await
}

fn tool_schema() -> Schema {
    Schema::transcript().without(&["fresh"]).describe(
        "timestamps",
        "Start each line with [mm:ss] (plain and markdown; default true here, so quotes can be cited).",
    )
}

async fn tool(svc: &Service, mut args: Value) -> Result<ToolAnswer> {
    // Models cite moments: timestamps are on unless asked off.
    if let Some(o) = args.as_object_mut() {
        o.entry("timestamps").or_insert(json!(true));
    }
    let mut a: TranscriptArgs = tool_schema().read(args.clone())?;
    let max_chars = budget(&mut a, svc.config.mcp_answer_chars);
    let text = svc.transcript(&a).await?.read().await?;
    // Captions and JSON are not cut (a piece of them is no file): over the
    // budget, the model is told to ask for text that comes in chunks.
    if let Text::Whole(t) = &text {
        let n = t.chars().count();
        if n > svc.config.mcp_answer_chars {
            return Err(Error::InvalidQuery(format!(
                "this call's {} transcript is {n} characters, more than one answer carries ({}): ask for format plain or markdown, which come in chunks",
                a.options.format, svc.config.mcp_answer_chars
            )));
        }
    }
    text_answer(text, CAPABILITY.name, &args, max_chars).await
}
