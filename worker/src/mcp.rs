//! The Model Context Protocol over Streamable HTTP, the protocol only:
//! JSON-RPC 2.0 messages in (one per request; batches were removed in
//! 2025-06-18), the protocol version of each request, dispatch, and results
//! out. The protocol's own types come from the official Rust SDK (`rmcp`,
//! default features off); the tools are [`crate::tools`].
//!
//! Two eras are served on the one endpoint (a "dual-era" server):
//! - **modern** (2026-07-28): stateless. No handshake; every request names
//!   its version in `params._meta["io.modelcontextprotocol/protocolVersion"]`
//!   and in the `MCP-Protocol-Version` header (they must agree), with
//!   `Mcp-Method` (and `Mcp-Name` for `tools/call`) mirrored in headers.
//!   `server/discover` tells the versions, capabilities and identity; every
//!   result has `resultType` and the server's identity in `_meta`.
//! - **legacy** (2025-11-25, 2025-06-18, 2025-03-26): the `initialize`
//!   handshake picks the version; later requests name it in the header only
//!   (absent means 2025-03-26). No session is kept: there is nothing a
//!   session would hold here.

use base64::Engine as _;
use rmcp::model::{
    CacheScope, CallToolResult, ContentBlock, DiscoverResult, ErrorCode, ErrorData, Implementation,
    InitializeResult, ProtocolVersion, ServerCapabilities, ToolsCapability,
};
use serde_json::{json, Map, Value};

use crate::reply::Reply;
use crate::service::Service;

/// The protocol versions this server speaks, newest first.
pub const VERSIONS: [&str; 4] = ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"];

/// The versions of the stateless era (per-request `_meta`, no handshake).
pub const MODERN: [&str; 1] = ["2026-07-28"];

/// The version a request without `MCP-Protocol-Version` speaks (as the
/// spec allows for clients older than 2025-06-18).
pub const DEFAULT_VERSION: &str = "2025-03-26";

/// The `_meta` key of a request's protocol version (2026-07-28).
pub const PROTOCOL_VERSION_META: &str = "io.modelcontextprotocol/protocolVersion";

/// The `_meta` key of the server's identity in results (2026-07-28).
pub const SERVER_INFO_META: &str = "io.modelcontextprotocol/serverInfo";

/// How long a client may keep `tools/list` and `server/discover` answers
/// (2026-07-28 `ttlMs`): they change only with a deployment.
pub const CACHE_TTL_MS: u64 = 300_000;

/// Whether a version is of the stateless era.
pub fn is_modern(version: &str) -> bool {
    MODERN.contains(&version)
}

/// What the MCP request's HTTP headers say (SEP-2243 mirrors body fields
/// into them so intermediaries can route without reading the body).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Headers<'a> {
    /// `MCP-Protocol-Version`.
    pub protocol_version: Option<&'a str>,
    /// `Mcp-Method`.
    pub method: Option<&'a str>,
    /// `Mcp-Name` (possibly `=?base64?…?=`).
    pub name: Option<&'a str>,
}

/// A JSON-RPC error to answer with.
#[derive(Clone, Debug, PartialEq)]
pub struct RpcError {
    /// The request's id (null when it could not be read).
    pub id: Value,
    /// JSON-RPC code: -32700, -32600, -32601, -32602, -32603, or MCP's
    /// -32020 (header mismatch), -32022 (unsupported protocol version).
    pub code: i64,
    /// What was wrong.
    pub message: String,
    /// Details (the supported versions of a -32022).
    pub data: Option<Value>,
    /// The HTTP status, when not the one [`RpcError::status`] derives.
    pub http_status: Option<u16>,
}

impl RpcError {
    /// An error answer to request `id`.
    pub fn new(id: Value, code: i64, message: impl Into<String>) -> Self {
        RpcError {
            id,
            code,
            message: message.into(),
            data: None,
            http_status: None,
        }
    }

    /// An error with the code and data of one of rmcp's [`ErrorData`].
    fn from_data(id: Value, e: ErrorData) -> Self {
        RpcError {
            id,
            code: i64::from(e.code.0),
            message: e.message.into_owned(),
            data: e.data,
            http_status: None,
        }
    }

    /// The same error with this HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self
    }

    /// The HTTP status: the message itself unreadable, an unsupported
    /// version or headers that contradict the body are a 400; other errors
    /// about a readable request travel in a 200, as JSON-RPC answers
    /// (unless set: a modern request's unknown method is a 404).
    pub fn status(&self) -> u16 {
        self.http_status.unwrap_or(match self.code {
            -32700 | -32600 | -32020 | -32022 => 400,
            _ => 200,
        })
    }

    /// The JSON-RPC error message.
    pub fn body(&self) -> String {
        let mut error = json!({"code": self.code, "message": self.message});
        if let Some(data) = &self.data {
            error["data"] = data.clone();
        }
        json!({"jsonrpc": "2.0", "id": self.id, "error": error}).to_string()
    }
}

/// The -32022 error of a version this server does not speak, naming the
/// ones it does (as 2026-07-28's `UnsupportedProtocolVersionError`).
pub fn unsupported_version(id: Value, requested: &str) -> RpcError {
    let supported: Vec<ProtocolVersion> = ProtocolVersion::KNOWN_VERSIONS
        .iter()
        .rev()
        .filter(|v| VERSIONS.contains(&v.as_str()))
        .cloned()
        .collect();
    let mut e = RpcError::from_data(
        id,
        ErrorData::unsupported_protocol_version(
            serde_json::from_value(json!(requested)).unwrap_or_default(),
            &supported,
        ),
    );
    e.message = format!(
        "Unsupported protocol version {requested:?}: this server speaks {}",
        VERSIONS.join(", ")
    );
    e
}

/// The -32020 error of headers that do not match the body.
pub fn header_mismatch(id: Value, message: impl Into<String>) -> RpcError {
    RpcError::from_data(
        id,
        ErrorData::header_mismatch(format!("Header mismatch: {}", message.into()), None),
    )
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

/// The value of a mirrored header: plain, or `=?base64?…?=` (UTF-8).
fn decode_header(value: &str) -> Option<String> {
    match value
        .strip_prefix("=?base64?")
        .and_then(|v| v.strip_suffix("?="))
    {
        Some(encoded) => base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok()),
        None => Some(value.to_owned()),
    }
}

/// The version a request speaks, checked against its headers; or the
/// error to answer it with.
///
/// A request whose `_meta` names a version is of that version, and its
/// `MCP-Protocol-Version` header must say the same; a modern one must also
/// mirror its method (and a `tools/call` its tool's name) in `Mcp-Method`
/// (`Mcp-Name`). Without it, the header alone names the version (absent
/// means 2025-03-26), and it must not name a modern one.
pub fn version_of(
    id: &Value,
    method: &str,
    params: Option<&Value>,
    headers: &Headers<'_>,
) -> Result<&'static str, RpcError> {
    let header = headers
        .protocol_version
        .map(str::trim)
        .filter(|v| !v.is_empty());
    let supported = |v: &str| {
        VERSIONS
            .iter()
            .find(|s| **s == v)
            .copied()
            .ok_or_else(|| unsupported_version(id.clone(), v))
    };
    let meta = params
        .and_then(|p| p.get("_meta"))
        .and_then(|m| m.get(PROTOCOL_VERSION_META));
    let Some(meta) = meta else {
        return match header {
            None => Ok(DEFAULT_VERSION),
            Some(v) => {
                let v = supported(v)?;
                if is_modern(v) {
                    Err(header_mismatch(id.clone(), format!("MCP-Protocol-Version is {v} but params._meta has no \"{PROTOCOL_VERSION_META}\"; a {v} request names its version in both")))
                } else {
                    Ok(v)
                }
            }
        };
    };
    let meta = meta.as_str().ok_or_else(|| {
        RpcError::new(
            id.clone(),
            -32602,
            format!("params._meta[\"{PROTOCOL_VERSION_META}\"] must be a string"),
        )
    })?;
    match header {
        None => {
            return Err(header_mismatch(
                id.clone(),
                format!(
                "the MCP-Protocol-Version header is missing; it must be {meta}, as in params._meta"
            ),
            ))
        }
        Some(h) if h != meta => {
            return Err(header_mismatch(
                id.clone(),
                format!(
                    "MCP-Protocol-Version header value {h:?} does not match body value {meta:?}"
                ),
            ))
        }
        Some(_) => {}
    }
    let version = supported(meta)?;
    if is_modern(version) {
        match headers.method.map(str::trim) {
            None => {
                return Err(header_mismatch(
                    id.clone(),
                    format!("the Mcp-Method header is missing; it must be {method}"),
                ))
            }
            Some(m) if m != method => {
                return Err(header_mismatch(
                    id.clone(),
                    format!("Mcp-Method header value {m:?} does not match body value {method:?}"),
                ))
            }
            Some(_) => {}
        }
        if method == "tools/call" {
            let body = params.and_then(|p| p.get("name")).and_then(Value::as_str);
            let header = headers.name.map(str::trim);
            match (header, body) {
                (None, Some(b)) => {
                    return Err(header_mismatch(
                        id.clone(),
                        format!("the Mcp-Name header is missing; it must be {b}"),
                    ))
                }
                (Some(h), b) if decode_header(h).as_deref() != b => {
                    return Err(header_mismatch(
                        id.clone(),
                        format!("Mcp-Name header value {h:?} does not match body value {b:?}"),
                    ))
                }
                _ => {}
            }
        }
    }
    Ok(version)
}

/// The version `initialize` answers: the client's if it has a handshake
/// and this server speaks it, else the newest with a handshake (the client
/// then decides).
pub fn negotiate(requested: Option<&str>) -> &'static str {
    let legacy = || VERSIONS.iter().filter(|v| !is_modern(v));
    legacy()
        .find(|v| Some(**v) == requested)
        .or_else(|| legacy().next())
        .copied()
        .unwrap_or(DEFAULT_VERSION)
}

/// This server, as `serverInfo` (2025-11-25 added `description`).
pub fn server_info(version: &str) -> Implementation {
    let mut info = Implementation::new("gongkit", env!("CARGO_PKG_VERSION"));
    info.title = Some("gongkit: Gong calls for language models".to_owned());
    if version >= "2025-11-25" {
        info.description = Some(
            "Read, search and list Gong sales calls: transcripts with speaker names, call documents, accounts."
                .to_owned(),
        );
    }
    info
}

/// What this server can do: tools (a list that does not change while it runs).
fn capabilities() -> ServerCapabilities {
    let mut capabilities = ServerCapabilities::default();
    capabilities.tools = Some(ToolsCapability::default());
    capabilities
}

/// The `instructions` of `initialize` and `server/discover`: written
/// from the registry ([`crate::capabilities::instructions`]).
pub fn instructions() -> String {
    crate::capabilities::instructions()
}

/// The result of `initialize` (the legacy handshake).
pub fn initialize(params: Option<&Value>) -> Result<Value, String> {
    let requested = params
        .and_then(|p| p.get("protocolVersion"))
        .ok_or("initialize needs params with protocolVersion")?;
    let requested = requested
        .as_str()
        .ok_or("protocolVersion must be a string")?;
    let version = negotiate(Some(requested));
    let mut result = InitializeResult::new(capabilities());
    result.protocol_version = ProtocolVersion::KNOWN_VERSIONS
        .iter()
        .find(|v| v.as_str() == version)
        .cloned()
        .unwrap_or(ProtocolVersion::LATEST_WITH_INITIALIZE);
    result.server_info = server_info(version);
    result.instructions = Some(instructions());
    serde_json::to_value(result).map_err(|e| e.to_string())
}

/// The result of `server/discover` (2026-07-28): the versions, the
/// capabilities, the identity in `_meta`, and the instructions.
pub fn discover() -> Value {
    let supported = VERSIONS
        .iter()
        .filter_map(|v| {
            ProtocolVersion::KNOWN_VERSIONS
                .iter()
                .find(|k| k.as_str() == *v)
                .cloned()
        })
        .collect();
    let mut result = DiscoverResult::new(supported, capabilities())
        .with_server_info(server_info(MODERN[0]))
        .with_ttl_ms(CACHE_TTL_MS)
        .with_cache_scope(CacheScope::Private);
    result.instructions = Some(instructions());
    serde_json::to_value(result).unwrap_or_default()
}

/// A tool's answer: text blocks (and its JSON as `structuredContent`), or
/// an error a model can act on. Without `resultType` ([`shape`] adds it for
/// the revisions that have it).
pub fn tool_result(answer: crate::capabilities::answer::ToolAnswer, is_error: bool) -> Value {
    let content = answer.texts.into_iter().map(ContentBlock::text).collect();
    let mut result = if is_error {
        CallToolResult::error(content)
    } else {
        CallToolResult::success(content)
    };
    result.structured_content = answer.structured;
    result.result_type = None;
    serde_json::to_value(result).unwrap_or_default()
}

/// A result in the form of the request's revision: a modern one has
/// `resultType` and the server's identity in `_meta` (and `tools/list` its
/// cache hints, `ttlMs` and `cacheScope`); a legacy one has none of these.
/// `initialize` and `server/discover` have their own forms.
pub fn shape(method: &str, mut result: Value, version: &str) -> Value {
    if matches!(method, "initialize" | "server/discover") {
        return result;
    }
    let Some(object) = result.as_object_mut() else {
        return result;
    };
    if is_modern(version) {
        object.insert("resultType".into(), json!("complete"));
        let meta = object
            .entry("_meta")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(meta) = meta.as_object_mut() {
            meta.insert(
                SERVER_INFO_META.into(),
                serde_json::to_value(server_info(version)).unwrap_or_default(),
            );
        }
        if method == "tools/list" {
            object.entry("ttlMs").or_insert(json!(CACHE_TTL_MS));
            object
                .entry("cacheScope")
                .or_insert(serde_json::to_value(CacheScope::Private).unwrap_or_default());
        }
    } else {
        for field in ["resultType", "ttlMs", "cacheScope"] {
            object.remove(field);
        }
    }
    result
}

/// The -32601 answer: a modern request's is a 404 (the spec's way to tell
/// it from a server without the endpoint).
fn method_not_found(id: &Value, method: &str, modern: bool) -> RpcError {
    let (known, status) = if modern {
        ("server/discover, tools/list and tools/call", 404)
    } else {
        (
            "initialize, ping, tools/list and tools/call (and server/discover)",
            200,
        )
    };
    RpcError::new(
        id.clone(),
        i64::from(ErrorCode::METHOD_NOT_FOUND.0),
        format!("method not found: {method:?}; this server has {known}"),
    )
    .with_status(status)
}

fn rpc_error(e: RpcError) -> Reply {
    Reply {
        status: e.status(),
        content_type: "application/json",
        body: crate::reply::Payload::Text(e.body()),
        headers: Vec::new(),
    }
}

/// One MCP message with its request's headers: parsed, its version
/// checked, dispatched, answered in the form of its revision.
pub async fn serve(body: &str, headers: &Headers<'_>, svc: &Service) -> Reply {
    let (id, method, params) = match parse(body) {
        Err(e) => return rpc_error(e),
        Ok(Incoming::Accepted) => return Reply::empty(202),
        Ok(Incoming::Request { id, method, params }) => (id, method, params),
    };
    let version = match version_of(&id, &method, params.as_ref(), headers) {
        Ok(v) => v,
        Err(e) => return rpc_error(e),
    };
    let modern = is_modern(version);
    let result = match method.as_str() {
        "initialize" => {
            initialize(params.as_ref()).map_err(|m| RpcError::new(id.clone(), -32602, m))
        }
        "server/discover" => Ok(discover()),
        // 2026-07-28 removed ping.
        "ping" if !modern => Ok(json!({})),
        "tools/list" => Ok(crate::tools::list()),
        "tools/call" => crate::tools::call(params.as_ref(), svc)
            .await
            .map_err(|e| RpcError::new(id.clone(), -32602, e.0))
            .map(|outcome| match outcome {
                Ok(answer) => tool_result(answer, false),
                Err(e) => tool_result(
                    crate::capabilities::answer::ToolAnswer::text(vec![e.tool_text()]),
                    true,
                ),
            }),
        other => Err(method_not_found(&id, other, modern)),
    };
    match result {
        Ok(result) => Reply::json(success(&id, shape(&method, result, version))),
        Err(e) => rpc_error(e),
    }
}

/// The JSON-RPC success answer.
pub fn success(id: &Value, result: Value) -> String {
    json!({"jsonrpc": "2.0", "id": id, "result": result}).to_string()
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
    fn versions_are_rmcps() {
        // The strings are the official SDK's, newest first; only the newest
        // has no handshake.
        for v in VERSIONS {
            let known = ProtocolVersion::KNOWN_VERSIONS
                .iter()
                .find(|k| k.as_str() == v)
                .expect("a version rmcp knows");
            assert_eq!(known.has_initialize(), !is_modern(v), "{v}");
        }
        assert!(VERSIONS.windows(2).all(|w| w[0] > w[1]));
        assert_eq!(MODERN, [ProtocolVersion::LATEST.as_str()]);
        assert_eq!(
            negotiate(None),
            ProtocolVersion::LATEST_WITH_INITIALIZE.as_str()
        );
        assert_eq!(ErrorCode::UNSUPPORTED_PROTOCOL_VERSION.0, -32022);
        assert_eq!(ErrorCode::HEADER_MISMATCH.0, -32020);
    }

    fn init(version: &str) -> Value {
        initialize(Some(&json!({"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}))).unwrap()
    }

    #[test]
    fn initialize_negotiates_a_handshake_version() {
        for (asked, answered) in [
            ("2025-03-26", "2025-03-26"),
            ("2025-06-18", "2025-06-18"),
            ("2025-11-25", "2025-11-25"),
            // No handshake in 2026-07-28: the newest that has one.
            ("2026-07-28", "2025-11-25"),
            ("2024-11-05", "2025-11-25"),
            ("2099-01-01", "2025-11-25"),
        ] {
            assert_eq!(init(asked)["protocolVersion"], answered, "{asked}");
        }
        let r = init("2025-03-26");
        assert!(r["capabilities"]["tools"].is_object());
        assert_eq!(r["serverInfo"]["name"], "gongkit");
        assert!(r["serverInfo"]["title"].is_string());
        // description came with 2025-11-25's Implementation.
        assert!(r["serverInfo"].get("description").is_none());
        assert!(init("2025-11-25")["serverInfo"]["description"].is_string());
        assert!(r.get("resultType").is_none());
        assert!(initialize(Some(&json!({}))).is_err());
        assert!(initialize(Some(&json!({"protocolVersion": 5}))).is_err());
    }

    #[test]
    fn instructions_name_every_tool() {
        let text = instructions();
        let tools = crate::tools::tools();
        for tool in tools {
            assert!(
                text.contains(&format!("- {}: ", tool.name)),
                "{} is not in the instructions",
                tool.name
            );
        }
        assert_eq!(init("2025-06-18")["instructions"], text);
        assert_eq!(discover()["instructions"], text);
    }

    const NONE: Headers<'static> = Headers {
        protocol_version: None,
        method: None,
        name: None,
    };

    fn modern(method: &'static str, name: Option<&'static str>) -> Headers<'static> {
        Headers {
            protocol_version: Some("2026-07-28"),
            method: Some(method),
            name,
        }
    }

    fn meta(version: &str) -> Value {
        json!({"_meta": {PROTOCOL_VERSION_META: version, "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"}, "io.modelcontextprotocol/clientCapabilities": {}}})
    }

    fn call_params(version: &str, name: &str) -> Value {
        let mut p = meta(version);
        p["name"] = json!(name);
        p["arguments"] = json!({"callId": "1"});
        p
    }

    #[test]
    fn legacy_requests_name_their_version_in_the_header() {
        let id = json!(1);
        // No header: 2025-03-26, as the spec allows.
        assert_eq!(version_of(&id, "tools/list", None, &NONE), Ok("2025-03-26"));
        for v in ["2025-03-26", "2025-06-18", "2025-11-25"] {
            let h = Headers {
                protocol_version: Some(v),
                ..NONE
            };
            assert_eq!(version_of(&id, "tools/list", None, &h), Ok(v));
        }
        // Unsupported: 400, -32022, the versions spoken in data.
        let h = Headers {
            protocol_version: Some("1999-01-01"),
            ..NONE
        };
        let e = version_of(&id, "ping", None, &h).unwrap_err();
        assert_eq!((e.code, e.status()), (-32022, 400));
        let data = e.data.clone().unwrap();
        assert_eq!(data["supported"], json!(VERSIONS));
        assert_eq!(data["requested"], "1999-01-01");
        assert!(e.body().contains("-32022"));
        // The modern version in the header, but no _meta: a mismatch.
        let e = version_of(&id, "tools/list", None, &modern("tools/list", None)).unwrap_err();
        assert_eq!((e.code, e.status()), (-32020, 400));
    }

    #[test]
    fn modern_requests_carry_their_version_in_meta_and_headers() {
        let id = json!("a");
        let p = meta("2026-07-28");
        assert_eq!(
            version_of(
                &id,
                "server/discover",
                Some(&p),
                &modern("server/discover", None)
            ),
            Ok("2026-07-28")
        );
        assert_eq!(
            version_of(&id, "tools/list", Some(&p), &modern("tools/list", None)),
            Ok("2026-07-28")
        );
        let call = call_params("2026-07-28", "get_call");
        assert_eq!(
            version_of(
                &id,
                "tools/call",
                Some(&call),
                &modern("tools/call", Some("get_call"))
            ),
            Ok("2026-07-28")
        );
        // Mcp-Name may come base64-encoded.
        assert_eq!(
            version_of(
                &id,
                "tools/call",
                Some(&call),
                &modern("tools/call", Some("=?base64?Z2V0X2NhbGw=?="))
            ),
            Ok("2026-07-28")
        );
        let mismatch = |params: &Value, headers: Headers<'_>, method: &str| {
            let e = version_of(&id, method, Some(params), &headers).unwrap_err();
            assert_eq!((e.code, e.status()), (-32020, 400), "{}", e.message);
            assert_eq!(e.id, id);
        };
        // No header, another header, the method or the name missing or other.
        mismatch(&p, NONE, "tools/list");
        mismatch(
            &p,
            Headers {
                protocol_version: Some("2025-11-25"),
                ..modern("tools/list", None)
            },
            "tools/list",
        );
        mismatch(
            &p,
            Headers {
                method: None,
                ..modern("x", None)
            },
            "tools/list",
        );
        mismatch(&p, modern("tools/call", None), "tools/list");
        mismatch(&call, modern("tools/call", None), "tools/call");
        mismatch(
            &call,
            modern("tools/call", Some("get_transcript")),
            "tools/call",
        );
        mismatch(
            &call,
            modern("tools/call", Some("=?base64?!!?=")),
            "tools/call",
        );
        // An unknown version in _meta (with the same header): -32022.
        let p = meta("2030-01-01");
        let h = Headers {
            protocol_version: Some("2030-01-01"),
            ..modern("tools/list", None)
        };
        let e = version_of(&id, "tools/list", Some(&p), &h).unwrap_err();
        assert_eq!((e.code, e.status()), (-32022, 400));
        assert_eq!(e.data.unwrap()["supported"][0], "2026-07-28");
        // A version that is not a string: invalid params.
        let p = json!({"_meta": {PROTOCOL_VERSION_META: 2026}});
        let e = version_of(&id, "tools/list", Some(&p), &modern("tools/list", None)).unwrap_err();
        assert_eq!(e.code, -32602);
        // A handshake-era version in _meta is that version (headers agreeing).
        let p = meta("2025-06-18");
        let h = Headers {
            protocol_version: Some("2025-06-18"),
            ..NONE
        };
        assert_eq!(
            version_of(&id, "tools/list", Some(&p), &h),
            Ok("2025-06-18")
        );
    }

    #[test]
    fn discover_answers_versions_capabilities_and_identity() {
        let r = discover();
        assert_eq!(r["resultType"], "complete");
        assert_eq!(r["supportedVersions"], json!(VERSIONS));
        assert!(r["capabilities"]["tools"].is_object());
        assert_eq!(r["_meta"][SERVER_INFO_META]["name"], "gongkit");
        assert!(r["_meta"][SERVER_INFO_META]["description"].is_string());
        assert_eq!(r["ttlMs"], CACHE_TTL_MS);
        assert_eq!(r["cacheScope"], "private");
        // discover keeps its form whatever the request's version.
        assert_eq!(shape("server/discover", r.clone(), "2025-03-26"), r);
    }

    #[test]
    fn results_take_the_form_of_their_revision() {
        // Legacy revisions: no resultType, no cache hints, no serverInfo stamp.
        let r = tool_result(
            crate::capabilities::answer::ToolAnswer::text(vec!["hi".into()]),
            true,
        );
        let plain = json!({"content": [{"type": "text", "text": "hi"}], "isError": true});
        assert_eq!(r, plain);
        for v in ["2025-03-26", "2025-06-18", "2025-11-25"] {
            assert_eq!(shape("tools/call", r.clone(), v), plain, "{v}");
            let list = shape("tools/list", crate::tools::list(), v);
            assert!(list.get("resultType").is_none(), "{v}");
            assert!(list.get("ttlMs").is_none(), "{v}");
            assert!(list.get("cacheScope").is_none(), "{v}");
            assert_eq!(
                list["tools"].as_array().map(Vec::len),
                Some(crate::capabilities::tools().count())
            );
        }
        // 2026-07-28: resultType complete, the server in _meta; tools/list
        // says how long it may be cached and by whom.
        let call = shape("tools/call", r, "2026-07-28");
        assert_eq!(call["resultType"], "complete");
        assert_eq!(call["isError"], true);
        assert_eq!(call["_meta"][SERVER_INFO_META]["name"], "gongkit");
        let list = shape("tools/list", crate::tools::list(), "2026-07-28");
        assert_eq!(list["resultType"], "complete");
        assert_eq!(list["ttlMs"], CACHE_TTL_MS);
        assert_eq!(list["cacheScope"], "private");
        assert_eq!(
            list["_meta"][SERVER_INFO_META]["version"],
            env!("CARGO_PKG_VERSION")
        );
        // initialize keeps its own form.
        let i = init("2025-11-25");
        assert_eq!(shape("initialize", i.clone(), "2025-11-25"), i);
    }

    #[test]
    fn unknown_methods() {
        let e = method_not_found(&json!(1), "resources/list", true);
        assert_eq!((e.code, e.status()), (-32601, 404));
        let e = method_not_found(&json!(1), "resources/list", false);
        assert_eq!((e.code, e.status()), (-32601, 200));
    }

    #[test]
    fn header_values() {
        assert_eq!(decode_header("get_call").as_deref(), Some("get_call"));
        assert_eq!(
            decode_header("=?base64?SGVsbG8sIOS4lueVjA==?=").as_deref(),
            Some("Hello, 世界")
        );
        assert_eq!(decode_header("=?base64?***?="), None);
    }
}
