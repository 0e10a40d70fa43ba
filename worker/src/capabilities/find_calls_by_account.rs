//! A customer's calls, from the library or a live scan of Gong: MCP `find_calls_by_account`.

use futures::FutureExt;
use serde_json::{json, Value};

use super::answer::{calls_schema, object_schema, summary, ToolAnswer};
use super::{Capability, Hints, Tool};
use crate::args::{FindArgs, Schema};
use crate::error::Result;
use crate::service::{Service, Source};

/// `find_calls_by_account`.
pub static CAPABILITY: Capability = Capability {
    name: "find_calls_by_account",
    title: "Find a customer's calls",
    description: "Finds the Gong calls in a date range whose account (the CRM account name, or the company taken from participants' email domains) matches the given name or a part of it, ignoring case and accents (\"acme\" matches \"Acme Corporation\"). Returns the calls as JSON, newest first. Answers from the library when it covers the range; otherwise Gong is scanned live, at most 1000 calls of the range, newest first, and the answer says truncated: true when older calls were not looked at.",
    rest: None,
    tool: Some(Tool {
        when: "a customer's calls in a date range, from the library or asked of Gong directly when the library does not cover the range",
        schema: Schema::find,
        output: Some(output),
        hints: Hints::GONG,
        run: |svc, args| tool(svc, args).boxed_local(),
    }),
};

fn output() -> Value {
    object_schema(
        json!({"account": {"type": "string"}, "count": {"type": "integer"}, "calls": calls_schema(), "scanned": {"type": "integer"}, "truncated": {"type": "boolean"}, "source": {"type": "string"}}),
        &["account", "count", "calls"],
    )
}

async fn tool(svc: &Service, args: Value) -> Result<ToolAnswer> {
    let a: FindArgs = Schema::find().read(args)?;
    let found = svc.find_calls_by_account(&a).await?;
    let mut notes = Vec::new();
    if let Some(why) = &found.fallback {
        notes.push(format!("[searched Gong live because {why}]"));
    }
    if found.truncated {
        notes.push(format!("[only the newest {} calls of the range were looked at: narrow from and to to look further back]", found.scanned));
    }
    if found.calls.is_empty() {
        let names = svc.nearest_accounts(&a.account).await?;
        if !names.is_empty() {
            notes.push(format!(
                "[no call of an account matching {:?}; the nearest account names in the library: {}]",
                a.account.trim(),
                names.join(", ")
            ));
        }
    }
    let mut calls: Vec<Value> = found.calls.iter().map(summary).collect();
    let budget = svc.config.mcp_answer_chars;
    // No cursor here: over the budget, the oldest calls are left out and
    // the answer says how many, and how to read them.
    let sizes: Vec<usize> = calls
        .iter()
        .map(|c| serde_json::to_string(c).map_or(0, |t| t.chars().count() + 1))
        .collect();
    let mut total: usize = sizes.iter().sum();
    let mut left_out = 0;
    while calls.len() > 1 && total > budget * 9 / 10 {
        calls.pop();
        total -= sizes[calls.len()];
        left_out += 1;
    }
    if left_out > 0 {
        notes.push(format!("[{left_out} older matching calls are left out to keep this answer short: narrow from and to, or page through them with get_account_calls]"));
    }
    ToolAnswer::json(
        json!({
            "account": a.account.trim(),
            "count": calls.len(),
            "calls": calls,
            "scanned": found.scanned,
            "truncated": found.truncated || left_out > 0,
            "source": if found.source == Source::Library { "library" } else { "gong" },
        }),
        notes,
    )
}
