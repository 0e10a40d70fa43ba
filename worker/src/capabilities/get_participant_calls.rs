//! One person's calls, newest first: `GET /v1/participants/{participant}/calls`,
//! MCP `get_participant_calls`. Everything this capability is sits in this
//! file: its arguments and their schema, its route, its tool and its query
//! over the library (the filters search's `participant` uses).

use futures::FutureExt;
use serde::Deserialize;
use serde_json::{json, Value};

use super::answer::{
    calls_schema, fit, json_reply, object_schema, summary, ToolAnswer, CALL_CHARS,
};
use super::{Capability, Hints, Input, Method, Rest, Tool};
use crate::args::{self, Schema};
use crate::error::{Error, Result};
use crate::library::Filters;
use crate::list::Paged;
use crate::reply::Reply;
use crate::search::{digest, range};
use crate::service::{Service, Source};
use gongkit::words::nonempty;
use gongkit::words::{email_key, fold};

/// The largest `limit`, and its default.
pub const LIMIT: (u64, u64) = (1000, 50);

/// `get_participant_calls`.
pub static CAPABILITY: Capability = Capability {
    name: "get_participant_calls",
    title: "A person's calls",
    description: "Lists the calls in the library one person took part in, newest first: id, title, date, duration, account and participants of each, as JSON. Give the person's email, or their name or a part of it (case and accents do not matter), optionally a date range (from/to). When more calls exist the answer has a cursor for the older ones.",
    rest: Some(Rest {
        doc: "The calls one person took part in (`{participant}`: an email, or a name or part of one), newest first: `{\"participant\", \"count\", \"calls\", \"cursor\"}`.",
        method: Method::Get,
        path: "/v1/participants/{participant}/calls",
        body: false,
        schema,
        run: |svc, input| rest(svc, input).boxed_local(),
    }),
    tool: Some(Tool {
        when: "one person's calls in the library (an email, or a name or part of one), newest first",
        schema,
        output: Some(output),
        hints: Hints::LIBRARY,
        run: |svc, args| tool(svc, args).boxed_local(),
    }),
};

/// The arguments.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantCallsArgs {
    /// An email, or a name or part of one.
    pub participant: String,
    /// Start of the range.
    #[serde(default, deserialize_with = "args::from_date")]
    pub from: Option<String>,
    /// End of the range (exclusive).
    #[serde(default, deserialize_with = "args::to_date")]
    pub to: Option<String>,
    /// At most this many calls (absent: the cursor's page size, else the default).
    pub limit: Option<usize>,
    /// The cursor of a previous answer.
    pub cursor: Option<String>,
    /// Dates in this UTC offset.
    pub utc_offset_minutes: Option<i32>,
}

fn schema() -> Schema {
    Schema::object(
        json!({
            "participant": {"type": "string", "minLength": 1, "maxLength": args::MAX_NAME_CHARS, "description": "The person: an email (matched whole), or a name or part of one."},
            "from": args::from_property("Only calls from this instant"),
            "to": args::to_property(),
            "limit": args::limit_property(LIMIT, "calls"),
            "cursor": {"type": "string", "description": "The cursor of a previous answer, for the next (older) calls."},
            "utcOffsetMinutes": args::utc_offset_property(),
        }),
        &["participant"],
    )
}

fn output() -> Value {
    object_schema(
        json!({"participant": {"type": "string"}, "count": {"type": "integer"}, "calls": calls_schema(), "cursor": {"type": ["string", "null"]}}),
        &["participant", "count", "calls"],
    )
}

/// The page, and the cursor for older calls.
async fn calls(svc: &Service, a: &ParticipantCallsArgs) -> Result<(Vec<Value>, Option<String>)> {
    let library = svc.require_library(CAPABILITY.name)?;
    let (from_ms, to_ms) = range(a.from.as_deref(), a.to.as_deref())?;
    let who = a.participant.trim();
    let (email, name_key) = if who.contains('@') {
        (Some(email_key(who)), None)
    } else {
        (
            None,
            Some(nonempty(fold(who), "participant").map_err(Error::from_input)?),
        )
    };
    // The cursor is bound to the person as compared, not as typed.
    let person = email.as_deref().or(name_key.as_deref()).unwrap_or_default();
    let key = digest(&[person, &format!("{from_ms:?}{to_ms:?}")]);
    let filters = Filters {
        from_ms,
        to_ms,
        email,
        name_key,
        ..Filters::default()
    };
    let signer = svc.signer()?;
    let (before, kept) = match &a.cursor {
        Some(c) => {
            let p = signer.open_keyed::<Paged<(i64, String)>>(
                "participant-calls",
                &key,
                c,
                "participant or range",
            )?;
            (Some(p.at), Some(p.limit))
        }
        None => (None, None),
    };
    let limit = args::page_size(a.limit, kept, LIMIT);
    let rows = library
        .calls_newest_first(
            &filters,
            svc.visibility(),
            before.as_ref().map(|(s, i)| (*s, i.as_str())),
            limit + 1,
        )
        .await?;
    svc.note(Source::Library);
    let more = rows.len() > limit;
    let page = &rows[..rows.len().min(limit)];
    let calls = svc.summaries(page, a.utc_offset_minutes)?;
    svc.returned_all(&calls);
    let cursor = match (more, page.last()) {
        (true, Some(last)) => {
            let at = (last.started, last.id.clone());
            Some(signer.seal_keyed("participant-calls", &key, &Paged { at, limit })?)
        }
        _ => None,
    };
    Ok((calls, cursor))
}

async fn rest(svc: &Service, input: Input<'_>) -> Result<Reply> {
    let who = input.param("participant")?;
    let a: ParticipantCallsArgs = schema().read_query(input.query, &[("participant", &who)])?;
    let (calls, cursor) = calls(svc, &a).await?;
    json_reply(&json!({
        "participant": a.participant.trim(),
        "count": calls.len(),
        "calls": calls,
        "cursor": cursor,
        "source": "library",
    }))
}

async fn tool(svc: &Service, args: Value) -> Result<ToolAnswer> {
    let a: ParticipantCallsArgs = schema().read(args)?;
    fit(svc, a.limit, (LIMIT.1, CALL_CHARS), |limit| {
        let a = ParticipantCallsArgs { limit, ..a.clone() };
        async move {
        let (calls, cursor) = calls(svc, &a).await?;
        let count = calls.len();
        let mut notes = Vec::new();
        if calls.is_empty() {
            notes.push(format!("[no calls with a participant matching {:?} in the library for this range: try part of the name, or the email]", a.participant.trim()));
        } else if cursor.is_some() {
            notes.push("[older calls exist: call get_participant_calls with the same arguments and this cursor]".to_owned());
        }
        let answer = ToolAnswer::json(
            json!({
                "participant": a.participant.trim(),
                "count": count,
                "calls": calls.iter().map(summary).collect::<Vec<_>>(),
                "cursor": cursor,
            }),
            notes,
        )?;
            Ok((answer, count))
        }
    })
    .await
}
