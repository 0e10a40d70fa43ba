//! One account's calls: `GET /v1/accounts/{account}/calls`, MCP `get_account_calls`.

use futures::FutureExt;
use serde_json::{json, Value};

use super::answer::{
    calls_schema, fit, json_reply, object_schema, summary, ToolAnswer, CALL_CHARS,
};
use super::{Capability, Hints, Input, Method, Rest, Tool};
use crate::args::{AccountCallsArgs, Schema};
use crate::error::Result;
use crate::reply::Reply;
use crate::service::Service;

/// `get_account_calls`.
pub static CAPABILITY: Capability = Capability {
    name: "get_account_calls",
    title: "An account's calls",
    description: "Lists one account's calls in the library, newest first: id, title, date, duration and participants of each, as JSON. Give the account's name as list_accounts shows it, or a part of it (case and accents do not matter), optionally a date range (from/to). When more calls exist the answer has a cursor for the older ones.",
    rest: Some(Rest {
        doc: "The calls of the accounts whose name holds `{account}` (case and accents aside), newest first: `{\"account\", \"count\", \"calls\", \"cursor\"}`.",
        method: Method::Get,
        path: "/v1/accounts/{account}/calls",
        body: false,
        schema: Schema::account_calls,
        run: |svc, input| rest(svc, input).boxed_local(),
    }),
    tool: Some(Tool {
        when: "one account's calls in the library, newest first (a part of the name is enough)",
        schema: Schema::account_calls,
        output: Some(output),
        hints: Hints::LIBRARY,
        run: |svc, args| tool(svc, args).boxed_local(),
    }),
};

async fn rest(svc: &Service, input: Input<'_>) -> Result<Reply> {
    let name = input.param("account")?;
    let args: AccountCallsArgs =
        Schema::account_calls().read_query(input.query, &[("account", &name)])?;
    let page = svc.account_calls(&args).await?;
    json_reply(&json!({
        "account": page.account,
        "count": page.calls.len(),
        "calls": page.calls,
        "cursor": page.cursor,
        "source": "library",
    }))
}

fn output() -> Value {
    object_schema(
        json!({"account": {"type": "string"}, "count": {"type": "integer"}, "calls": calls_schema(), "cursor": {"type": ["string", "null"]}}),
        &["account", "count", "calls"],
    )
}

async fn tool(svc: &Service, args: Value) -> Result<ToolAnswer> {
    let a: AccountCallsArgs = Schema::account_calls().read(args)?;
    fit(svc, a.limit, (crate::args::ACCOUNT_CALLS_LIMIT.1, CALL_CHARS), |limit| {
        let a = AccountCallsArgs { limit, ..a.clone() };
        async move {
        let page = svc.account_calls(&a).await?;
        let count = page.calls.len();
        let mut notes = Vec::new();
        if page.calls.is_empty() {
            let names = svc.nearest_accounts(&a.account).await?;
            notes.push(if names.is_empty() {
                format!("[no calls of an account matching {:?} in the library for this range: list_accounts shows the names it knows]", a.account.trim())
            } else {
                format!("[no calls of an account matching {:?} in the library for this range; the nearest account names: {}]", a.account.trim(), names.join(", "))
            });
        } else if page.cursor.is_some() {
            notes.push("[older calls exist: call get_account_calls with the same arguments and this cursor]".to_owned());
        }
        let answer = ToolAnswer::json(
            json!({
                "account": page.account,
                "count": count,
                "calls": page.calls.iter().map(summary).collect::<Vec<_>>(),
                "cursor": page.cursor,
            }),
            notes,
        )?;
            Ok((answer, count))
        }
    })
    .await
}
