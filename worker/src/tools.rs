//! The MCP side of the registry: `tools/list` and `tools/call`, both
//! derived from [`crate::capabilities::ALL`]. A tool is a capability with
//! a [`Tool`](crate::capabilities::Tool); its name, title, description,
//! annotations, input and output schemas come from that one definition.
//!
//! Arguments that do not fit a tool's schema, and every error while it
//! runs, are the tool's own result with `isError: true` and a text that
//! names the argument and what to send (SEP-1303, part of 2025-11-25), so
//! a model can correct itself. Only an unknown tool or a malformed request
//! is a JSON-RPC error.

use std::borrow::Cow;
use std::sync::Arc;

use rmcp::model::{ListToolsResult, Tool, ToolAnnotations};
use serde_json::{json, Map, Value};

use crate::capabilities::{self, answer::ToolAnswer};
use crate::error::{Error, Result};
use crate::service::Service;

/// The tools, with their schemas, annotations and descriptions.
pub fn tools() -> Vec<Tool> {
    capabilities::tools()
        .map(|(c, tool)| {
            let input = Arc::new((tool.schema)().into_map());
            let mut t = Tool::new(Cow::Borrowed(c.name), Cow::Borrowed(c.description), input);
            t.title = Some(c.title.to_owned());
            let mut a = ToolAnnotations::new();
            a.title = Some(c.title.to_owned());
            a.read_only_hint = Some(tool.hints.read_only);
            a.destructive_hint = (!tool.hints.read_only).then_some(true);
            a.idempotent_hint = Some(tool.hints.idempotent);
            a.open_world_hint = Some(tool.hints.open_world);
            t.annotations = Some(a);
            if let Some(Value::Object(output)) = tool.output.map(|o| o()) {
                t.output_schema = Some(Arc::new(output));
            }
            t
        })
        .collect()
}

/// The result of `tools/list`.
pub fn list() -> Value {
    serde_json::to_value(ListToolsResult::with_all_items(tools()))
        .unwrap_or_else(|_| json!({"tools": []}))
}

/// Why `tools/call` could not run a tool at all: a request without a tool
/// name, or with an unknown one (the protocol answers it with -32602).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoSuchTool(pub String);

/// Runs `tools/call`: the tool's answer, or its error as the tool's own
/// result. Only a request without a tool name, or with an unknown one, is
/// refused as a request ([`NoSuchTool`]).
pub async fn call(
    params: Option<&Value>,
    svc: &Service,
) -> std::result::Result<Result<ToolAnswer>, NoSuchTool> {
    let invalid = NoSuchTool;
    let params = params.ok_or_else(|| invalid("tools/call needs params with a name".into()))?;
    let name = params
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("tools/call needs params.name, a string".into()))?;
    let Some((capability, tool)) =
        capabilities::find(name).and_then(|c| c.tool.as_ref().map(|t| (c, t)))
    else {
        let names: Vec<&str> = capabilities::tools().map(|(c, _)| c.name).collect();
        return Err(invalid(format!(
            "unknown tool {name:?}: this server has {}",
            names.join(", ")
        )));
    };
    svc.called_tool(capability.name);
    let args = match params.get("arguments") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(a) => a.clone(),
    };
    Ok((tool.run)(svc, args).await.map_err(|e| match e {
        Error::InvalidQuery(m) => Error::InvalidQuery(format!("invalid arguments for {name}: {m}")),
        other => other,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_comes_from_the_registry_with_its_schema_and_annotations() {
        let tools = list();
        let tools = tools["tools"].as_array().unwrap();
        assert_eq!(tools.len(), capabilities::tools().count());
        for t in tools {
            let schema = &t["inputSchema"];
            assert_eq!(schema["type"], "object");
            assert_eq!(schema["additionalProperties"], false);
            assert!(t["title"].is_string());
            assert_eq!(t["annotations"]["readOnlyHint"], true, "{}", t["name"]);
            assert!(t["annotations"]["openWorldHint"].is_boolean());
            // Portable: one type per argument (some clients refuse a list).
            for (name, p) in schema["properties"].as_object().unwrap() {
                assert!(p["type"].is_string(), "{}.{name}: {}", t["name"], p["type"]);
                assert!(p["description"].is_string(), "{}.{name}", t["name"]);
            }
            if let Some(output) = t.get("outputSchema") {
                assert_eq!(output["type"], "object");
            }
        }
        let doc = tools
            .iter()
            .find(|t| t["name"] == "get_call_document")
            .unwrap();
        assert_eq!(doc["inputSchema"]["required"][0], "callId");
        assert_eq!(
            doc["inputSchema"]["properties"]["maxChars"]["minimum"],
            crate::args::MAX_CHARS.0
        );
        assert!(doc["inputSchema"]["properties"]["fresh"].is_null());
        let search = tools.iter().find(|t| t["name"] == "search_calls").unwrap();
        assert_eq!(search["inputSchema"]["required"][0], "q");
        assert_eq!(search["annotations"]["openWorldHint"], false);
        assert!(search["outputSchema"].is_object());
    }
}
