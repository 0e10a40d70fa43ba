//! A customer's calls, from the library or a live scan of Gong: MCP `find_calls_by_account`.

use futures::FutureExt;
use serde_json::{json, Value};

use super::answer::{calls_schema, object_schema, summary, ToolAnswer};
use super::{Capability, Hints, Tool};
use crate::args::{FindArgs, Schema};
use crate::error::Result;
use crate::service::{Service, Source, FIND_GONG_REQUESTS};

/// `find_calls_by_account`.
pub static CAPABILITY: Capability = Capability {
    name: "find_calls_by_account",
    title: "Find a customer's calls",
    description: "Finds the Gong calls in a date range whose account (the CRM account name, or the company taken from participants' email domains) matches the given name or a part of it, ignoring case and accents (\"acme\" matches \"Acme Corporation\"). Returns the calls as JSON, newest first. Answers from the library when it covers the range; otherwise Gong is scanned live, newest first, with at most 10 Gong requests (1000 calls), and stops when the client goes away; the answer then says truncated: true with the part of the range it covered (covered.from, covered.to) and the range to sync into the library (syncRange) so that the question is answered from the library.",
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
        json!({"account": {"type": "string"}, "count": {"type": "integer"}, "calls": calls_schema(), "scanned": {"type": "integer"}, "truncated": {"type": "boolean"}, "source": {"type": "string"},
            "covered": {"type": "object", "properties": {"from": {"type": "string"}, "to": {"type": "string"}}, "required": ["from", "to"]},
            "syncRange": {"type": "object", "properties": {"from": {"type": "string"}, "to": {"type": "string"}}, "required": ["from", "to"]}}),
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
    // The range to sync so the library answers this question: all of it.
    let sync_range = found
        .fallback
        .as_ref()
        .map(|_| json!({"from": a.from, "to": a.to}));
    if found.truncated {
        let covered = match &found.covered {
            Some((from, to)) => format!("only {from} to {to} was looked at ({} calls, at most {FIND_GONG_REQUESTS} Gong requests a question)", found.scanned),
            None => format!("nothing of the range was looked at completely (at most {FIND_GONG_REQUESTS} Gong requests a question)"),
        };
        notes.push(format!("[{covered}: narrow from and to, or have an admin sync {} to {} into the library (POST /v1/sync) to ask about all of it at no Gong cost]", a.from, a.to));
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
    let mut answer = json!({
        "account": a.account.trim(),
        "count": calls.len(),
        "calls": calls,
        "scanned": found.scanned,
        "truncated": found.truncated || left_out > 0,
        "source": if found.source == Source::Library { "library" } else { "gong" },
    });
    if let Some((from, to)) = &found.covered {
        answer["covered"] = json!({"from": from, "to": to});
    }
    if let Some(range) = sync_range {
        answer["syncRange"] = range;
    }
    ToolAnswer::json(answer, notes)
}
