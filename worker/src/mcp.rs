//! The Model Context Protocol over Streamable HTTP, the protocol only:
//! JSON-RPC 2.0 messages in (one per request; batches were removed in
//! 2025-06-18), protocol version negotiation, dispatch, and results out.
//! The protocol's own types come from the official Rust SDK (`rmcp`,
//! default features off); the tools are [`crate::tools`].

use rmcp::model::{
    CallToolResult, ContentBlock, Implementation, InitializeResult, ProtocolVersion,
    ServerCapabilities, ToolsCapability,
};
use serde_json::{json, Value};

use crate::error::Error;
use crate::reply::Reply;
use crate::service::Service;

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
    /// An error answer to request `id`.
    pub fn new(id: Value, code: i64, message: impl Into<String>) -> Self {
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
pub fn check_version_header(header: Option<&str>) -> Result<(), Error> {
    match header.map(str::trim) {
        None | Some("") => Ok(()),
        Some(v) if VERSIONS.contains(&v) => Ok(()),
        Some(v) => Err(Error::UnsupportedProtocolVersion(format!(
            "MCP-Protocol-Version {v:?} is not supported: use one of {}",
            VERSIONS.join(", ")
        ))),
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
    result.instructions = Some(crate::capabilities::instructions());
    serde_json::to_value(result).map_err(|e| e.to_string())
}

/// A tool's answer: text blocks (and its JSON as `structuredContent`), or
/// an error a model can act on.
pub fn tool_result(answer: crate::capabilities::answer::ToolAnswer, is_error: bool) -> Value {
    let content = answer.texts.into_iter().map(ContentBlock::text).collect();
    let mut result = if is_error {
        CallToolResult::error(content)
    } else {
        CallToolResult::success(content)
    };
    result.structured_content = answer.structured;
    // The result-type field belongs to a newer protocol than the ones
    // spoken here (rmcp's own server clears it for older peers too).
    result.result_type = None;
    serde_json::to_value(result).unwrap_or_default()
}

/// One MCP message: parsed, dispatched, answered.
pub async fn answer(body: &str, svc: &Service) -> Reply {
    let rpc_error = |e: RpcError| Reply {
        status: e.status(),
        content_type: "application/json",
        body: e.body(),
        headers: Vec::new(),
        stream: None,
    };
    let (id, method, params) = match parse(body) {
        Err(e) => return rpc_error(e),
        Ok(Incoming::Accepted) => return Reply::empty(202),
        Ok(Incoming::Request { id, method, params }) => (id, method, params),
    };
    let result = match method.as_str() {
        "initialize" => {
            initialize(params.as_ref()).map_err(|m| RpcError::new(id.clone(), -32602, m))
        }
        "ping" => Ok(json!({})),
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
        other => Err(RpcError::new(
            id.clone(),
            -32601,
            format!("method not found: {other:?}; this server has initialize, ping, tools/list and tools/call"),
        )),
    };
    match result {
        Ok(result) => Reply::json(success(&id, result)),
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
    fn versions() {
        assert_eq!(negotiate(Some("2025-03-26")), "2025-03-26");
        assert_eq!(negotiate(Some("2025-11-25")), "2025-06-18");
        assert!(check_version_header(Some("2025-06-18")).is_ok());
        assert!(check_version_header(None).is_ok());
        assert_eq!(
            check_version_header(Some("1999-01-01"))
                .unwrap_err()
                .status(),
            400
        );
        let r = initialize(Some(&json!({"protocolVersion": "2025-03-26", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}))).unwrap();
        assert_eq!(r["protocolVersion"], "2025-03-26");
        assert!(r["capabilities"]["tools"].is_object());
        assert_eq!(r["serverInfo"]["name"], "gongkit");
    }

    #[test]
    fn results_have_no_newer_fields() {
        let r = tool_result(
            crate::capabilities::answer::ToolAnswer::text(vec!["hi".into()]),
            true,
        );
        assert_eq!(
            r,
            json!({"content": [{"type": "text", "text": "hi"}], "isError": true})
        );
    }
}
