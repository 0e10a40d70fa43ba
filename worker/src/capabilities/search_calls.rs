//! Full-text search over the call library: `GET /v1/search`, MCP `search_calls`.

use futures::FutureExt;
use serde_json::{json, Value};

use super::answer::{fit, json_reply, object_schema, ToolAnswer};
use super::{Capability, Hints, Input, Method, Rest, Tool};
use crate::args::{Schema, SearchArgs};
use crate::error::Result;
use crate::reply::Reply;
use crate::service::Service;

/// `search_calls`.
pub static CAPABILITY: Capability = Capability {
    name: "search_calls",
    title: "Search calls",
    description: "Searches every call in the library (titles, accounts, participants, Gong's summaries and full transcripts) and returns the best-matching calls first, each with up to 3 matching turns: who spoke (name, internal or external), when (at: mm:ss from the call's start) and the words said, with the matches in **bold**. Quote those turns and cite them as \"<speaker>, <title> (<date>), at <at>\". Query language: words (all must match), \"exact phrase\", prefix* (pric* finds pricing), OR between two terms, -word to exclude; case and accents do not matter. Filters: from/to (ISO 8601 or a plain date, to exclusive), account (its name or part of it), participant (email or name), speaker (internal = the seller's people, external = the customer). For more results pass the answer's cursor with the same query. Then read a whole call with get_call_document.",
    rest: Some(Rest {
        doc: "Calls in the library matching a query, best first, with the turns that matched: `{\"count\", \"hits\", \"cursor\"}` (see *Search, accounts and export*).",
        method: Method::Get,
        path: "/v1/search",
        body: false,
        schema: Schema::search,
        run: |svc, input| rest(svc, input).boxed_local(),
    }),
    tool: Some(Tool {
        when: "find what was said about a topic, product, competitor or objection across all calls (words, \"phrases\", prefix*, OR, -word; filters: dates, account, participant, speaker side); quote and cite the turns it returns",
        schema: Schema::search,
        output: Some(output),
        hints: Hints::LIBRARY,
        run: |svc, args| tool(svc, args).boxed_local(),
    }),
};

async fn rest(svc: &Service, input: Input<'_>) -> Result<Reply> {
    let args: SearchArgs = Schema::search().read_query(input.query, &[])?;
    json_reply(&svc.search(&args).await?)
}

fn output() -> Value {
    object_schema(
        json!({"count": {}, "hits": {"type": "array"}, "cursor": {"type": ["string", "null"]}}),
        &["hits"],
    )
}

/// Characters a hit takes, about (with its quoted turns).
const HIT_CHARS: usize = 1_200;

async fn tool(svc: &Service, args: Value) -> Result<ToolAnswer> {
    let a: SearchArgs = Schema::search().read(args)?;
    fit(svc, a.limit, (crate::args::SEARCH_LIMIT.1, HIT_CHARS), |limit| {
        let a = SearchArgs { limit, ..a.clone() };
        async move {
        let found = svc.search(&a).await?;
        let hits = found["hits"].as_array().map_or(0, Vec::len);
        let mut notes = Vec::new();
        if hits == 0 {
            notes.push(match &a.account {
                Some(account) => {
                    let names = svc.nearest_accounts(account).await?;
                    if names.is_empty() {
                        format!("[no call of an account matching {:?} matched: list_accounts shows the accounts the library knows]", account.trim())
                    } else {
                        format!("[no call of an account matching {:?} matched; the nearest account names: {}. Try one of them, or no account filter]", account.trim(), names.join(", "))
                    }
                }
                None => "[no call matched: try fewer words, a prefix such as pric*, OR between alternatives, or a wider date range]".to_owned(),
            });
        } else if found["cursor"].is_string() {
            notes.push("[more calls matched: call search_calls with the same arguments and this cursor for the next ones]".to_owned());
        }
        let answer = ToolAnswer::json(found, notes)?;
            Ok((answer, hits))
        }
    })
    .await
}
