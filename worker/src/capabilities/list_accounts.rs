//! The library's accounts: `GET /v1/accounts`, MCP `list_accounts`.

use futures::FutureExt;
use serde_json::{json, Value};

use super::answer::{fit, json_reply, object_schema, ToolAnswer};
use super::{Capability, Hints, Input, Method, Rest, Tool};
use crate::args::{AccountsArgs, Schema};
use crate::error::Result;
use crate::reply::Reply;
use crate::service::Service;

/// `list_accounts`.
pub static CAPABILITY: Capability = Capability {
    name: "list_accounts",
    title: "List accounts",
    description: "Lists the customer accounts in the call library, the most recently met first: each account's name, number of calls, first and last call (UTC) and the people met on the customer's side. Filter by part of the name (q) and a date range (from/to, ISO 8601 or plain dates). Use an account's name with get_account_calls or as search_calls's account filter.",
    rest: Some(Rest {
        doc: "The library's accounts, most recently met first, with their calls, first and last call and people: `{\"count\", \"accounts\", \"cursor\"}`.",
        method: Method::Get,
        path: "/v1/accounts",
        body: false,
        schema: Schema::accounts,
        run: |svc, input| rest(svc, input).boxed_local(),
    }),
    tool: Some(Tool {
        when: "see which customers were met, how often and when; its account names feed get_account_calls and search_calls's account filter",
        schema: Schema::accounts,
        output: Some(output),
        hints: Hints::LIBRARY,
        run: |svc, args| tool(svc, args).boxed_local(),
    }),
};

async fn rest(svc: &Service, input: Input<'_>) -> Result<Reply> {
    let args: AccountsArgs = Schema::accounts().read_query(input.query, &[])?;
    json_reply(&svc.accounts(&args).await?)
}

fn output() -> Value {
    object_schema(
        json!({"count": {"type": "integer"}, "accounts": {"type": "array"}, "cursor": {"type": ["string", "null"]}}),
        &["count", "accounts"],
    )
}

/// Characters an account takes in the listing, about (with its people).
const ACCOUNT_CHARS: usize = 900;

async fn tool(svc: &Service, args: Value) -> Result<ToolAnswer> {
    let a: AccountsArgs = Schema::accounts().read(args)?;
    fit(
        svc,
        a.limit,
        (crate::args::ACCOUNTS_LIMIT.1, ACCOUNT_CHARS),
        |limit| {
            let a = AccountsArgs { limit, ..a.clone() };
            async move {
                let accounts = svc.accounts(&a).await?;
                let count = accounts["accounts"].as_array().map_or(0, Vec::len);
                let mut notes = Vec::new();
                if accounts["cursor"].is_string() {
                    notes.push(
                    "[more accounts: call list_accounts with the same arguments and this cursor]"
                        .to_owned(),
                );
                }
                let answer = ToolAnswer::json(accounts, notes)?;
                Ok((answer, count))
            }
        },
    )
    .await
}
