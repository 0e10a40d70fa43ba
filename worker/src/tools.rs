//! The MCP tools: each one is a name, a description written for a model,
//! the input schema of its capability's arguments ([`crate::args`]), and a
//! call into the same service function its REST route calls. Tools only
//! translate: arguments in, text blocks out.

use std::borrow::Cow;
use std::sync::Arc;

use rmcp::model::{ListToolsResult, Tool};
use serde_json::{json, Value};

use crate::args::{
    self, AccountCallsArgs, AccountsArgs, CallArgs, FindArgs, ListArgs, Schema, SearchArgs,
    TranscriptArgs,
};
use crate::error::{Error, Result};
use crate::mcp::RpcError;
use crate::service::{Service, Text};

/// The tools by name, in the order `tools/list` gives them.
const TOOLS: [(&str, &str, &str); 8] = [
    (
        "search_calls",
        "Search calls",
        "Searches every call in the library (titles, accounts, participants, Gong's summaries and full transcripts) and returns the best-matching calls first, each with up to 3 matching turns: who spoke (name, internal or external), when (at: mm:ss from the call's start) and the words said, with the matches in **bold**. Quote those turns and cite them as \"<speaker>, <title> (<date>), at <at>\". Query language: words (all must match), \"exact phrase\", prefix* (pric* finds pricing), OR between two terms, -word to exclude; case and accents do not matter. Filters: from/to (ISO 8601, to exclusive), account, participant (email or name), speaker (internal = the seller's people, external = the customer). For more results pass the answer's cursor with the same query. Then read a whole call with get_call_document.",
    ),
    (
        "list_accounts",
        "List accounts",
        "Lists the customer accounts in the call library, the most recently met first: each account's name, number of calls, first and last call (UTC) and the people met on the customer's side. Filter by part of the name (q) and a date range (from/to, ISO 8601). Use an account's name with get_account_calls or as search_calls's account filter.",
    ),
    (
        "get_account_calls",
        "An account's calls",
        "Lists one account's calls in the library, newest first: id, title, date, duration and participants of each, as JSON. Give the account's name as list_accounts shows it (case and accents do not matter), optionally a date range (from/to). When more calls exist the answer has a cursor for the older ones.",
    ),
    (
        "get_call_document",
        "Read a call",
        "Returns one Gong call as a plain-text document: title, date, duration, account, participants (internal or external), Gong's brief and key points, then the transcript with speaker names and [mm:ss] timestamps. Long calls can be read in chunks: pass maxChars (such as 20000) and chunk (0, 1, …).",
    ),
    (
        "get_transcript",
        "Read a transcript",
        "Returns a Gong call's transcript alone, speakers named after the participants: plain text (default), markdown, webvtt, srt or json. Options: timestamps ([mm:ss] at each line, to cite moments), merge (join consecutive turns of one speaker), and maxChars with chunk to read it in pieces (plain and markdown).",
    ),
    (
        "get_call",
        "Call details",
        "Returns a Gong call's details as JSON, without the transcript: id, title, url, scheduled time (UTC), date, duration, direction, scope, language, account (name and whether it came from the CRM or an email domain), participants with titles, affiliations and talk time, and Gong's summary (brief, key points, outline, highlights, outcome).",
    ),
    (
        "list_calls",
        "List calls",
        "Lists the Gong calls that started in a date range (to is exclusive), oldest first: id, title, date, duration, account and participants of each, as JSON. When more calls exist the answer has a cursor: call list_calls again with only that cursor (and limit) to continue.",
    ),
    (
        "find_calls_by_account",
        "Find a customer's calls",
        "Finds the Gong calls in a date range whose account (the CRM account name, or the company taken from participants' email domains) matches the given name, ignoring case (\"acme\" matches \"Acme Corporation\"). Returns the calls as JSON, newest first. At most 1000 calls of the range are looked at, newest first; the answer says truncated: true when older calls were not looked at.",
    ),
];

/// A tool's input schema: its capability's arguments, less what a model
/// should not set (`fresh` spends Gong's quota; `get_call` leaves the
/// transcript to `get_transcript`).
pub fn schema(name: &str) -> Option<Schema> {
    Some(match name {
        "get_call_document" => Schema::document().without(&["fresh"]),
        "get_transcript" => Schema::transcript()
            .without(&["fresh"])
            .describe("timestamps", "Start each line with [mm:ss] (plain and markdown; default true here, so quotes can be cited)."),
        "get_call" => Schema::call().without(&[
            "fresh",
            "transcript",
            "format",
            "timestamps",
            "merge",
            "names",
        ]),
        "list_calls" => Schema::list().without(&["workspaceId"]),
        "find_calls_by_account" => Schema::find(),
        "search_calls" => Schema::search(),
        "list_accounts" => Schema::accounts(),
        "get_account_calls" => Schema::account_calls(),
        _ => return None,
    })
}

/// The tools, with their input schemas and descriptions.
pub fn tools() -> Vec<Tool> {
    TOOLS
        .iter()
        .filter_map(|(name, title, description)| {
            let input = Arc::new(schema(name)?.into_map());
            let mut t = Tool::new(Cow::Borrowed(*name), Cow::Borrowed(*description), input);
            t.title = Some((*title).to_owned());
            Some(t)
        })
        .collect()
}

/// The result of `tools/list`.
pub fn list() -> Value {
    serde_json::to_value(ListToolsResult::with_all_items(tools()))
        .unwrap_or_else(|_| json!({"tools": []}))
}

/// Runs `tools/call`. Arguments that do not fit the tool's schema are a
/// JSON-RPC error (-32602), as the spec asks; what goes wrong while the
/// tool runs is the tool's own error result.
pub async fn call(
    id: &Value,
    params: Option<&Value>,
    svc: &Service,
) -> std::result::Result<Result<Vec<String>>, RpcError> {
    let invalid = |message: String| RpcError::new(id.clone(), -32602, message);
    let params = params.ok_or_else(|| invalid("tools/call needs params with a name".into()))?;
    let name = params
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("tools/call needs params.name, a string".into()))?;
    let schema =
        schema(name).ok_or_else(|| invalid(format!("unknown tool {name:?}: see tools/list")))?;
    let mut args = params
        .get("arguments")
        .cloned()
        .unwrap_or_else(|| json!({}));
    if name == "get_transcript" {
        // Models cite moments: timestamps are on unless asked off.
        if let Some(o) = args.as_object_mut() {
            o.entry("timestamps").or_insert(json!(true));
        }
    }
    let bad = |e: Error| invalid(format!("invalid arguments for {name}: {e}"));
    Ok(match name {
        "get_call_document" | "get_transcript" => {
            let mut a: TranscriptArgs = match read(&schema, args) {
                Read::Args(a) => a,
                Read::ToolError(e) => return Ok(Err(e)),
                Read::Invalid(e) => return Err(bad(e)),
            };
            args::check_chunking(a.max_chars, a.chunk).map_err(bad)?;
            // A model asking for chunks reads them one at a time.
            if a.max_chars.is_some() {
                a.chunk = Some(a.chunk.unwrap_or(0));
            }
            let (text, tool) = if name == "get_transcript" {
                (svc.transcript(&a).await, name)
            } else {
                (svc.document(&a).await, name)
            };
            text.map(|t| texts(t, tool))
        }
        "get_call" => {
            let mut a: CallArgs = match read(&schema, args) {
                Read::Args(a) => a,
                Read::ToolError(e) => return Ok(Err(e)),
                Read::Invalid(e) => return Err(bad(e)),
            };
            a.transcript = false;
            svc.call(&a).await.and_then(|json| {
                let value: Value = serde_json::from_str(&json).map_err(Error::internal)?;
                let mut value = value;
                if let Some(o) = value.as_object_mut() {
                    o.remove("transcript");
                }
                Ok(vec![
                    serde_json::to_string_pretty(&value).map_err(Error::internal)?
                ])
            })
        }
        "list_calls" => {
            let a: ListArgs = match read(&schema, args) {
                Read::Args(a) => a,
                Read::ToolError(e) => return Ok(Err(e)),
                Read::Invalid(e) => return Err(bad(e)),
            };
            args::check_listing(&a).map_err(bad)?;
            svc.list_calls(&a).await.and_then(|listing| {
                let mut out = vec![pretty(&json!({
                    "count": listing.calls.len(),
                    "calls": listing.calls.iter().map(summary).collect::<Vec<_>>(),
                    "cursor": listing.cursor,
                }))?];
                if listing.cursor.is_some() {
                    out.push("[more calls in this range: call list_calls with only this cursor to continue]".to_owned());
                }
                Ok(out)
            })
        }
        "search_calls" => {
            let a: SearchArgs = match read(&schema, args) {
                Read::Args(a) => a,
                Read::ToolError(e) => return Ok(Err(e)),
                Read::Invalid(e) => return Err(bad(e)),
            };
            svc.search(&a).await.and_then(|found| {
                let mut out = vec![pretty(&found)?];
                if found["hits"].as_array().is_some_and(Vec::is_empty) {
                    out.push("[no call matched: try fewer words, a prefix such as pric*, OR between alternatives, or a wider date range]".to_owned());
                } else if found["cursor"].is_string() {
                    out.push("[more calls matched: call search_calls with the same arguments and this cursor for the next ones]".to_owned());
                }
                Ok(out)
            })
        }
        "list_accounts" => {
            let a: AccountsArgs = match read(&schema, args) {
                Read::Args(a) => a,
                Read::ToolError(e) => return Ok(Err(e)),
                Read::Invalid(e) => return Err(bad(e)),
            };
            svc.accounts(&a).await.and_then(|accounts| {
                let mut out = vec![pretty(&accounts)?];
                if accounts["cursor"].is_string() {
                    out.push("[more accounts: call list_accounts with the same arguments and this cursor]".to_owned());
                }
                Ok(out)
            })
        }
        "get_account_calls" => {
            let a: AccountCallsArgs = match read(&schema, args) {
                Read::Args(a) => a,
                Read::ToolError(e) => return Ok(Err(e)),
                Read::Invalid(e) => return Err(bad(e)),
            };
            svc.account_calls(&a).await.and_then(|page| {
                let mut out = vec![pretty(&json!({
                    "account": page.account,
                    "count": page.calls.len(),
                    "calls": page.calls.iter().map(summary).collect::<Vec<_>>(),
                    "cursor": page.cursor,
                }))?];
                if page.calls.is_empty() {
                    out.push(format!("[no calls of an account named {:?} in the library for this range: list_accounts shows the names it knows]", a.account.trim()));
                } else if page.cursor.is_some() {
                    out.push("[older calls exist: call get_account_calls with the same arguments and this cursor]".to_owned());
                }
                Ok(out)
            })
        }
        _ => {
            let a: FindArgs = match read(&schema, args) {
                Read::Args(a) => a,
                Read::ToolError(e) => return Ok(Err(e)),
                Read::Invalid(e) => return Err(bad(e)),
            };
            svc.find_calls_by_account(&a).await.and_then(|found| {
                let mut out = vec![pretty(&json!({
                    "account": a.account.trim(),
                    "count": found.calls.len(),
                    "calls": found.calls.iter().map(summary).collect::<Vec<_>>(),
                    "scanned": found.scanned,
                    "truncated": found.truncated,
                    "source": if found.source == crate::service::Source::Library { "library" } else { "gong" },
                }))?];
                if let Some(why) = &found.fallback {
                    out.push(format!("[searched Gong live because {why}]"));
                }
                if found.truncated {
                    out.push(format!("[only the newest {} calls of the range were looked at: narrow from and to to look further back]", found.scanned));
                }
                Ok(out)
            })
        }
    })
}

enum Read<T> {
    Args(T),
    /// A wrong call id: the tool's own error, with what to do about it.
    ToolError(Error),
    /// Arguments that do not fit the schema: -32602.
    Invalid(Error),
}

fn read<T: for<'de> serde::Deserialize<'de>>(schema: &Schema, args: Value) -> Read<T> {
    match schema.read(args) {
        Ok(a) => Read::Args(a),
        Err(e @ Error::InvalidCallId(_)) => Read::ToolError(e),
        Err(e) => Read::Invalid(e),
    }
}

fn pretty(value: &Value) -> Result<String> {
    serde_json::to_string_pretty(value).map_err(Error::internal)
}

fn texts(text: Text, tool: &str) -> Vec<String> {
    match text {
        Text::Whole(t) => vec![t],
        Text::Chunks(chunks) => chunks.into_iter().map(|c| c.text).collect(),
        Text::Chunk(c) => {
            let note = if c.index + 1 < c.count {
                format!(
                    "[chunk {} of {} (numbered from 0); call {tool} with chunk: {} for the next]",
                    c.index,
                    c.count,
                    c.index + 1
                )
            } else {
                format!(
                    "[chunk {} of {} (numbered from 0); this is the last chunk]",
                    c.index, c.count
                )
            };
            vec![c.text, note]
        }
    }
}

/// A call in a list, the way a model reads it.
fn summary(call: &Value) -> Value {
    json!({
        "id": call["id"],
        "title": call["title"],
        "date": call["date"],
        "durationSeconds": call["durationSeconds"],
        "account": call["account"]["name"],
        "participants": call["participants"].as_array().map(|ps| ps.iter().map(|p| json!({
            "name": p["name"], "title": p["title"], "affiliation": p["affiliation"],
        })).collect::<Vec<_>>()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_has_a_schema_from_its_arguments() {
        let tools = list();
        let tools = tools["tools"].as_array().unwrap();
        assert_eq!(tools.len(), 8);
        for t in tools {
            let schema = &t["inputSchema"];
            assert_eq!(schema["type"], "object");
            assert_eq!(schema["additionalProperties"], false);
        }
        let doc = tools
            .iter()
            .find(|t| t["name"] == "get_call_document")
            .unwrap();
        assert_eq!(doc["inputSchema"]["required"][0], "callId");
        assert_eq!(
            doc["inputSchema"]["properties"]["maxChars"]["minimum"],
            args::MAX_CHARS.0
        );
        assert!(doc["inputSchema"]["properties"]["fresh"].is_null());
        let search = tools.iter().find(|t| t["name"] == "search_calls").unwrap();
        assert_eq!(search["inputSchema"]["required"][0], "q");
    }
}
