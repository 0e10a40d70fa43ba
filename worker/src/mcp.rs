//! The Model Context Protocol over Streamable HTTP, as plain functions:
//! JSON-RPC 2.0 messages in (one per request; batches were removed in
//! 2025-06-18), protocol version negotiation, the tools and their input
//! schemas, and results out. The protocol's own types come from the
//! official Rust SDK (`rmcp`, default features off); the tools run in the
//! Worker's glue through its one Gong client, cache and retry logic.

use std::borrow::Cow;
use std::sync::Arc;

use rmcp::model::{
    CallToolResult, ContentBlock, Implementation, InitializeResult, ListToolsResult,
    ProtocolVersion, ServerCapabilities, Tool, ToolsCapability,
};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::ApiError;

/// The protocol versions this server speaks, newest first.
pub const VERSIONS: [&str; 2] = ["2025-06-18", "2025-03-26"];

/// A JSON-RPC error to answer with.
#[derive(Clone, Debug, PartialEq)]
pub struct RpcError {
    /// The request's id (null when it could not be read).
    pub id: Value,
    /// JSON-RPC code: -32700, -32600, -32601, -32602, -32603.
    pub code: i64,
    /// What was wrong.
    pub message: String,
}

impl RpcError {
    fn new(id: Value, code: i64, message: impl Into<String>) -> Self {
        RpcError {
            id,
            code,
            message: message.into(),
        }
    }

    /// The HTTP status: the message itself unreadable is a 400; errors about
    /// a readable request travel in a 200, as JSON-RPC answers.
    pub fn status(&self) -> u16 {
        if matches!(self.code, -32700 | -32600) {
            400
        } else {
            200
        }
    }

    /// The JSON-RPC error message.
    pub fn body(&self) -> String {
        json!({"jsonrpc": "2.0", "id": self.id, "error": {"code": self.code, "message": self.message}}).to_string()
    }
}

/// A message from the client.
#[derive(Clone, Debug, PartialEq)]
pub enum Incoming {
    /// A request: answer it.
    Request {
        /// Its id.
        id: Value,
        /// The method.
        method: String,
        /// The params, if any.
        params: Option<Value>,
    },
    /// A notification, or a response to us: 202, nothing to answer.
    Accepted,
}

/// Reads one JSON-RPC message.
pub fn parse(body: &str) -> Result<Incoming, RpcError> {
    let value: Value = serde_json::from_str(body)
        .map_err(|e| RpcError::new(Value::Null, -32700, format!("parse error: {e}")))?;
    let object = match value {
        Value::Array(_) => {
            return Err(RpcError::new(
                Value::Null,
                -32600,
                "invalid request: batches are not supported (removed in protocol version 2025-06-18); send one message per request",
            ))
        }
        Value::Object(o) => o,
        _ => return Err(RpcError::new(Value::Null, -32600, "invalid request: expected a JSON-RPC 2.0 object")),
    };
    let id = object.get("id").cloned();
    let id_ok = matches!(id, None | Some(Value::String(_) | Value::Number(_)));
    let reply_id = id.clone().filter(|_| id_ok).unwrap_or(Value::Null);
    if object.get("jsonrpc") != Some(&json!("2.0")) {
        return Err(RpcError::new(
            reply_id,
            -32600,
            "invalid request: \"jsonrpc\" must be \"2.0\"",
        ));
    }
    if !id_ok {
        return Err(RpcError::new(
            Value::Null,
            -32600,
            "invalid request: \"id\" must be a string or a number",
        ));
    }
    match (object.get("method"), id) {
        (Some(Value::String(method)), Some(id)) => {
            let params = object.get("params").cloned();
            if !matches!(params, None | Some(Value::Object(_) | Value::Array(_))) {
                return Err(RpcError::new(
                    id,
                    -32600,
                    "invalid request: \"params\" must be an object",
                ));
            }
            Ok(Incoming::Request {
                id,
                method: method.clone(),
                params,
            })
        }
        (Some(Value::String(_)), None) => Ok(Incoming::Accepted),
        (Some(_), id) => Err(RpcError::new(
            id.unwrap_or(Value::Null),
            -32600,
            "invalid request: \"method\" must be a string",
        )),
        // A response from the client (to a request we never send): nothing to do.
        (None, Some(_)) if object.contains_key("result") || object.contains_key("error") => {
            Ok(Incoming::Accepted)
        }
        (None, id) => Err(RpcError::new(
            id.unwrap_or(Value::Null),
            -32600,
            "invalid request: no \"method\"",
        )),
    }
}

/// Checks the `MCP-Protocol-Version` header: absent means 2025-03-26 (as
/// the spec says); an unsupported one is a 400.
pub fn check_version_header(header: Option<&str>) -> Result<(), ApiError> {
    match header.map(str::trim) {
        None | Some("") => Ok(()),
        Some(v) if VERSIONS.contains(&v) => Ok(()),
        Some(v) => Err(ApiError::bad_request(
            "unsupported_protocol_version",
            format!(
                "MCP-Protocol-Version {v:?} is not supported: use one of {}",
                VERSIONS.join(", ")
            ),
        )),
    }
}

/// The version to speak: the client's if this server has it, else the
/// newest this server has (the client then decides).
pub fn negotiate(requested: Option<&str>) -> &'static str {
    VERSIONS
        .iter()
        .find(|v| Some(**v) == requested)
        .copied()
        .unwrap_or(VERSIONS[0])
}

/// The result of `initialize`.
pub fn initialize(params: Option<&Value>) -> Result<Value, String> {
    let requested = params
        .and_then(|p| p.get("protocolVersion"))
        .ok_or("initialize needs params with protocolVersion")?;
    let requested = requested
        .as_str()
        .ok_or("protocolVersion must be a string")?;
    let mut info = Implementation::new("gongkit", env!("CARGO_PKG_VERSION"));
    info.title = Some("gongkit: Gong calls for language models".to_owned());
    let mut capabilities = ServerCapabilities::default();
    capabilities.tools = Some(ToolsCapability::default());
    let mut result = InitializeResult::new(capabilities);
    result.protocol_version = match negotiate(Some(requested)) {
        "2025-03-26" => ProtocolVersion::V_2025_03_26,
        _ => ProtocolVersion::V_2025_06_18,
    };
    result.server_info = info;
    result.instructions = Some(
        "Tools to read Gong sales calls as text: find calls with list_calls or find_calls_by_account, \
         then read one with get_call_document (a header and the named, timestamped transcript). \
         Ids are strings of digits."
            .to_owned(),
    );
    serde_json::to_value(result).map_err(|e| e.to_string())
}

fn schema(properties: Value, required: &[&str]) -> Arc<serde_json::Map<String, Value>> {
    let value = json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    });
    match value {
        Value::Object(o) => Arc::new(o),
        _ => Arc::default(),
    }
}

fn tool(
    name: &'static str,
    title: &str,
    description: &'static str,
    input: Arc<serde_json::Map<String, Value>>,
) -> Tool {
    let mut t = Tool::new(Cow::Borrowed(name), Cow::Borrowed(description), input);
    t.title = Some(title.to_owned());
    t
}

/// The tools, with their input schemas and descriptions written for a model.
pub fn tools() -> Vec<Tool> {
    let call_id = json!({"type": "string", "pattern": "^[0-9]{1,20}$", "description": "Gong's call id: 1 to 20 digits, as a string (from a call URL such as https://app.gong.io/call?id=7782342274025937895, or from list_calls)."});
    let max_chars = json!({"type": "integer", "minimum": 200, "description": "Cut the text into chunks of at most this many characters and return one chunk."});
    let chunk = json!({"type": "integer", "minimum": 0, "description": "Which chunk to return, from 0 (with maxChars). The answer says how many chunks there are."});
    let from = json!({"type": "string", "description": "Start of the range, ISO 8601 with an offset, such as 2024-01-01T00:00:00Z."});
    let to = json!({"type": "string", "description": "End of the range (exclusive), ISO 8601, such as 2024-02-01T00:00:00Z."});
    vec![
        tool(
            "get_call_document",
            "Read a call",
            "Returns one Gong call as a plain-text document: title, date, duration, account, participants (internal or external), Gong's brief and key points, then the transcript with speaker names and [mm:ss] timestamps. Long calls can be read in chunks: pass maxChars (such as 20000) and chunk (0, 1, …).",
            schema(json!({"callId": call_id, "maxChars": max_chars, "chunk": chunk}), &["callId"]),
        ),
        tool(
            "get_transcript",
            "Read a transcript",
            "Returns a Gong call's transcript alone, speakers named after the participants: plain text (default), markdown, webvtt, srt or json. Options: timestamps, merge (join consecutive turns of one speaker), and maxChars with chunk to read it in pieces (plain and markdown).",
            schema(
                json!({
                    "callId": call_id,
                    "format": {"type": "string", "enum": ["plain", "markdown", "webvtt", "srt", "json"]},
                    "timestamps": {"type": "boolean", "description": "Start each line with [mm:ss] (default true)."},
                    "merge": {"type": "boolean", "description": "Join consecutive turns of the same speaker."},
                    "maxChars": max_chars,
                    "chunk": chunk
                }),
                &["callId"],
            ),
        ),
        tool(
            "get_call",
            "Call details",
            "Returns a Gong call's details as JSON, without the transcript: id, title, url, scheduled time (UTC), date, duration, direction, scope, language, account (name and whether it came from the CRM or an email domain), participants with titles, affiliations and talk time, and Gong's summary (brief, key points, outline, highlights, outcome).",
            schema(json!({"callId": call_id}), &["callId"]),
        ),
        tool(
            "list_calls",
            "List calls",
            "Lists the Gong calls that started in a date range (to is exclusive), oldest first: id, title, date, duration, account and participants of each, as JSON. When more calls exist the answer has a cursor: call list_calls again with only that cursor (and limit) to continue.",
            schema(
                json!({
                    "from": from, "to": to,
                    "limit": {"type": "integer", "minimum": 1, "maximum": 200, "description": "At most this many calls (default 50)."},
                    "cursor": {"type": "string", "description": "The cursor of a previous list_calls answer, to continue after its last call."}
                }),
                &[],
            ),
        ),
        tool(
            "find_calls_by_account",
            "Find a customer's calls",
            "Finds the Gong calls in a date range whose account (the CRM account name, or the company taken from participants' email domains) matches the given name, ignoring case (\"acme\" matches \"Acme Corporation\"). Returns the calls as JSON; at most 1000 calls of the range are looked at.",
            schema(
                json!({
                    "account": {"type": "string", "minLength": 1, "description": "The customer's name, or part of it."},
                    "from": from, "to": to,
                    "limit": {"type": "integer", "minimum": 1, "maximum": 200, "description": "At most this many calls (default 20)."}
                }),
                &["account", "from", "to"],
            ),
        ),
    ]
}

/// The result of `tools/list`.
pub fn tools_list() -> Value {
    serde_json::to_value(ListToolsResult::with_all_items(tools())).unwrap_or_default()
}

/// A tool call, its arguments checked against its schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ToolCall {
    /// `get_call_document`
    Document {
        /// The call.
        call_id: String,
        /// Chunk size.
        max_chars: Option<usize>,
        /// Which chunk.
        chunk: Option<usize>,
    },
    /// `get_transcript`
    Transcript {
        /// The call.
        call_id: String,
        /// Its format.
        format: gongkit::Format,
        /// Timestamps (default true).
        timestamps: bool,
        /// Merged turns.
        merge: bool,
        /// Chunk size.
        max_chars: Option<usize>,
        /// Which chunk.
        chunk: Option<usize>,
    },
    /// `get_call`
    Call {
        /// The call.
        call_id: String,
    },
    /// `list_calls`
    List {
        /// The range start.
        from: Option<String>,
        /// The range end.
        to: Option<String>,
        /// At most this many.
        limit: usize,
        /// Our cursor.
        cursor: Option<String>,
    },
    /// `find_calls_by_account`
    Find {
        /// The account name, or part of it.
        account: String,
        /// The range start.
        from: String,
        /// The range end.
        to: String,
        /// At most this many.
        limit: usize,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DocumentArgs {
    call_id: String,
    max_chars: Option<usize>,
    chunk: Option<usize>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TranscriptArgs {
    call_id: String,
    format: Option<gongkit::Format>,
    timestamps: Option<bool>,
    merge: Option<bool>,
    max_chars: Option<usize>,
    chunk: Option<usize>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CallArgs {
    call_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ListArgs {
    from: Option<String>,
    to: Option<String>,
    limit: Option<usize>,
    cursor: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FindArgs {
    account: String,
    from: String,
    to: String,
    limit: Option<usize>,
}

/// Reads `tools/call` params: an unknown tool or arguments that do not fit
/// the tool's schema are JSON-RPC errors (-32602), as the spec asks.
pub fn tool_call(id: &Value, params: Option<&Value>) -> Result<ToolCall, RpcError> {
    let invalid = |message: String| RpcError::new(id.clone(), -32602, message);
    let params = params.ok_or_else(|| invalid("tools/call needs params with a name".into()))?;
    let name = params
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("tools/call needs params.name, a string".into()))?;
    let args = params
        .get("arguments")
        .cloned()
        .unwrap_or_else(|| json!({}));
    fn read<T: for<'de> Deserialize<'de>>(name: &str, args: Value) -> Result<T, String> {
        serde_json::from_value(args).map_err(|e| format!("invalid arguments for {name}: {e}"))
    }
    let chunked = |max: Option<usize>, chunk: Option<usize>| -> Result<(), String> {
        if chunk.is_some() && max.is_none() {
            return Err("chunk needs maxChars".into());
        }
        if max.is_some_and(|m| m < 200) {
            return Err("maxChars must be at least 200".into());
        }
        Ok(())
    };
    let call = match name {
        "get_call_document" => {
            let a: DocumentArgs = read(name, args).map_err(invalid)?;
            chunked(a.max_chars, a.chunk).map_err(invalid)?;
            ToolCall::Document {
                call_id: a.call_id,
                max_chars: a.max_chars,
                chunk: a.chunk,
            }
        }
        "get_transcript" => {
            let a: TranscriptArgs = read(name, args).map_err(invalid)?;
            chunked(a.max_chars, a.chunk).map_err(invalid)?;
            ToolCall::Transcript {
                call_id: a.call_id,
                format: a.format.unwrap_or_default(),
                timestamps: a.timestamps.unwrap_or(true),
                merge: a.merge.unwrap_or(false),
                max_chars: a.max_chars,
                chunk: a.chunk,
            }
        }
        "get_call" => {
            let a: CallArgs = read(name, args).map_err(invalid)?;
            ToolCall::Call { call_id: a.call_id }
        }
        "list_calls" => {
            let a: ListArgs = read(name, args).map_err(invalid)?;
            let limit = a.limit.unwrap_or(50);
            if !(1..=200).contains(&limit) {
                return Err(invalid("limit must be from 1 to 200".into()));
            }
            match (&a.cursor, &a.from, &a.to) {
                (Some(_), None, None) | (None, Some(_), Some(_)) => {}
                _ => {
                    return Err(invalid(
                        "give from and to, or only a cursor from a previous answer".into(),
                    ))
                }
            }
            ToolCall::List {
                from: a.from,
                to: a.to,
                limit,
                cursor: a.cursor,
            }
        }
        "find_calls_by_account" => {
            let a: FindArgs = read(name, args).map_err(invalid)?;
            let limit = a.limit.unwrap_or(20);
            if !(1..=200).contains(&limit) || a.account.trim().is_empty() {
                return Err(invalid(
                    "account must not be empty and limit must be from 1 to 200".into(),
                ));
            }
            ToolCall::Find {
                account: a.account.trim().to_owned(),
                from: a.from,
                to: a.to,
                limit,
            }
        }
        other => return Err(invalid(format!("unknown tool {other:?}: see tools/list"))),
    };
    Ok(call)
}

/// A tool's answer: text blocks, or an error a model can act on.
pub fn tool_result(texts: Vec<String>, is_error: bool) -> Value {
    let content = texts.into_iter().map(ContentBlock::text).collect();
    let mut result = if is_error {
        CallToolResult::error(content)
    } else {
        CallToolResult::success(content)
    };
    // The result-type field belongs to a newer protocol than the ones
    // spoken here (rmcp's own server clears it for older peers too).
    result.result_type = None;
    serde_json::to_value(result).unwrap_or_default()
}

/// What to tell a model when a tool fails: what happened and what to do.
pub fn error_text(e: &ApiError) -> String {
    match e.code {
        "invalid_call_id" => format!("{} — a Gong call id is 1 to 20 digits, such as 7782342274025937895; use list_calls or find_calls_by_account to find one.", e.message),
        "call_not_found" | "transcript_not_found" => format!("{} — check the id, or use list_calls to find the call.", e.message),
        "gong_rate_limited" => format!("{} Wait and call the tool again.", e.message),
        "gong_unavailable" | "gong_bad_response" => format!("Gong is not answering properly right now ({}). Try again in a minute.", e.message),
        "gong_auth_failed" | "not_configured" => format!("The gongkit server cannot reach Gong: {} Tell the user; retrying will not help.", e.message),
        "cursor_expired" | "invalid_cursor" => format!("{} Call list_calls again with from and to.", e.message),
        _ => e.message.clone(),
    }
}

/// The JSON-RPC success answer.
pub fn success(id: &Value, result: Value) -> String {
    json!({"jsonrpc": "2.0", "id": id, "result": result}).to_string()
}

/// "Chunk k of n" for a model, with what to ask for next.
pub fn chunk_note(tool: &str, k: usize, count: usize) -> String {
    if k + 1 < count {
        format!(
            "[chunk {k} of {count} (numbered from 0); call {tool} with chunk: {} for the next]",
            k + 1
        )
    } else {
        format!("[chunk {k} of {count} (numbered from 0); this is the last chunk]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages() {
        assert!(matches!(
            parse(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#),
            Ok(Incoming::Request { .. })
        ));
        assert_eq!(
            parse(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#),
            Ok(Incoming::Accepted)
        );
        assert_eq!(parse("{").unwrap_err().code, -32700);
        assert_eq!(parse("[]").unwrap_err().code, -32600);
        assert_eq!(
            parse(r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#)
                .unwrap_err()
                .code,
            -32600
        );
        assert_eq!(
            parse(r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#)
                .unwrap_err()
                .code,
            -32600
        );
        assert_eq!(
            parse(r#"{"jsonrpc":"2.0","id":{},"method":"ping"}"#)
                .unwrap_err()
                .code,
            -32600
        );
        assert_eq!(
            parse(r#"{"jsonrpc":"2.0","id":1,"method":5}"#)
                .unwrap_err()
                .code,
            -32600
        );
        assert_eq!(
            parse(r#"{"jsonrpc":"2.0","id":1,"method":"x","params":3}"#)
                .unwrap_err()
                .code,
            -32600
        );
        assert_eq!(parse("42").unwrap_err().code, -32600);
    }

    #[test]
    fn versions() {
        assert_eq!(negotiate(Some("2025-03-26")), "2025-03-26");
        assert_eq!(negotiate(Some("2025-11-25")), "2025-06-18");
        assert!(check_version_header(Some("2025-06-18")).is_ok());
        assert!(check_version_header(None).is_ok());
        assert_eq!(
            check_version_header(Some("1999-01-01")).unwrap_err().status,
            400
        );
        let r = initialize(Some(&json!({"protocolVersion": "2025-03-26", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}))).unwrap();
        assert_eq!(r["protocolVersion"], "2025-03-26");
        assert!(r["capabilities"]["tools"].is_object());
        assert_eq!(r["serverInfo"]["name"], "gongkit");
    }

    #[test]
    fn tool_arguments_are_checked() {
        let id = json!(1);
        let call = |p: Value| tool_call(&id, Some(&p));
        assert_eq!(
            call(json!({"name": "get_call", "arguments": {"callId": "42"}})).unwrap(),
            ToolCall::Call {
                call_id: "42".into()
            }
        );
        for bad in [
            json!({"name": "nope"}),
            json!({"name": "get_call", "arguments": {}}),
            json!({"name": "get_call", "arguments": {"callId": 42}}),
            json!({"name": "get_call", "arguments": {"callId": "1", "extra": true}}),
            json!({"name": "get_call_document", "arguments": {"callId": "1", "chunk": 1}}),
            json!({"name": "list_calls", "arguments": {"from": "2024-01-01T00:00:00Z"}}),
            json!({"name": "get_transcript", "arguments": {"callId": "1", "format": "docx"}}),
        ] {
            assert_eq!(call(bad.clone()).unwrap_err().code, -32602, "{bad}");
        }
        let tools = tools_list();
        assert_eq!(tools["tools"].as_array().unwrap().len(), 5);
        assert_eq!(tools["tools"][0]["inputSchema"]["required"][0], "callId");
    }

    #[test]
    fn results_have_no_newer_fields() {
        let r = tool_result(vec!["hi".into()], true);
        assert_eq!(
            r,
            json!({"content": [{"type": "text", "text": "hi"}], "isError": true})
        );
    }
}
