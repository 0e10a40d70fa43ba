//! The arguments of each capability, one vocabulary for REST and MCP.
//!
//! Each capability's arguments are a typed struct (the transcript and call
//! settings are the core's [`gongkit::CallOptions`], flattened in) and one
//! JSON Schema. The schema is what MCP clients see in `tools/list`, and it
//! is also what checks the input first: unknown names, types, bounds and
//! required names are refused from it, for REST queries and MCP arguments
//! alike. So every limit is stated once, in the schema, and the schemas
//! cannot drift from what is accepted.

use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::error::{Error, Result};

/// The smallest and largest chunk size: the core's (`gongkit::MAX_CHARS`),
/// as the JSON Schema's bounds.
pub const MAX_CHARS: (u64, u64) = (
    *gongkit::MAX_CHARS.start() as u64,
    *gongkit::MAX_CHARS.end() as u64,
);
/// The most chunks one answer carries when all are asked for.
pub const MAX_CHUNKS_PER_ANSWER: usize = 1000;
/// The largest `limit` of a listing, and its default.
pub const LIST_LIMIT: (u64, u64) = (1000, 100);
/// The largest `limit` of `find_calls_by_account`, and its default.
pub const FIND_LIMIT: (u64, u64) = (200, 20);
/// The largest `limit` of a search, and its default.
pub const SEARCH_LIMIT: (u64, u64) = (100, 20);
/// The largest `limit` of the accounts listing, and its default.
pub const ACCOUNTS_LIMIT: (u64, u64) = (1000, 100);
/// The largest `limit` of an account's calls, and its default.
pub const ACCOUNT_CALLS_LIMIT: (u64, u64) = (1000, 100);
/// The largest `limit` of an export, and its default.
pub const EXPORT_LIMIT: (u64, u64) = (10_000, 1000);
/// The longest account name, person or name part taken (a longer one is
/// no name, and would only cost the matching time).
pub const MAX_NAME_CHARS: u64 = 200;
/// The largest JSON number taken as a call id: beyond it, JavaScript (and
/// so many clients) has already lost digits.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// A checked call id: 1 to 20 digits, no leading zero. Taken as a string,
/// or as a JSON integer up to 2^53 − 1 (model clients and CLIs send ids
/// that look like numbers as numbers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallId(String);

impl CallId {
    /// Checks an id given as text (a path segment or a string argument).
    ///
    /// # Errors
    ///
    /// 400 `invalid_call_id`.
    pub fn parse(id: &str) -> Result<CallId> {
        let from_url;
        let id = match call_id_in_url(id)? {
            Some(found) => {
                from_url = found;
                from_url.as_str()
            }
            None => id.trim(),
        };
        gongkit::validate_call_id(id)
            .map(|()| CallId(id.to_owned()))
            .map_err(|e| Error::InvalidCallId(e.to_string()))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CallId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CallId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = CallId;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a call id: a string of 1 to 20 digits")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> std::result::Result<CallId, E> {
                CallId::parse(s).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> std::result::Result<CallId, E> {
                if n > MAX_SAFE_INTEGER {
                    return Err(E::custom(too_big()));
                }
                CallId::parse(&n.to_string()).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> std::result::Result<CallId, E> {
                match u64::try_from(n) {
                    Ok(n) => self.visit_u64(n),
                    Err(_) => Err(E::custom(format!(
                        "invalid call id {n}: expected 1 to 20 digits"
                    ))),
                }
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> std::result::Result<CallId, E> {
                Err(E::custom(too_big()))
            }
        }
        d.deserialize_any(V)
    }
}

/// The id in a Gong call URL (`https://<host>/call?id=7782342274025937895`,
/// as people copy it from Gong's pages), or `None` when `text` is no URL.
fn call_id_in_url(text: &str) -> Result<Option<String>> {
    let t = text.trim();
    // As pasted from a browser's address bar, the scheme is sometimes cut.
    let with_scheme;
    let t = if t.contains("/call?") && !t.contains("://") {
        with_scheme = format!("https://{t}");
        with_scheme.as_str()
    } else {
        t
    };
    if !(t.starts_with("https://") || t.starts_with("http://")) {
        return Ok(None);
    }
    let wrong = || {
        Error::InvalidCallId(format!(
            "invalid call id {t:?}: a Gong call URL looks like https://app.gong.io/call?id=7782342274025937895"
        ))
    };
    let url = url::Url::parse(t).map_err(|_| wrong())?;
    if !url.path().trim_end_matches('/').ends_with("/call") {
        return Err(wrong());
    }
    url.query_pairs()
        .find(|(k, _)| k == "id")
        .map(|(_, v)| Some(v.into_owned()))
        .ok_or_else(wrong)
}

fn too_big() -> String {
    format!("a call id given as a JSON number must be at most {MAX_SAFE_INTEGER} (2^53 − 1): larger numbers lose digits in JavaScript; pass the id as a string, such as \"7782342274025937895\"")
}

/// `GET /v1/calls/{id}`, MCP `get_call`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallArgs {
    /// The call.
    pub call_id: CallId,
    /// Include the transcript (default true; MCP `get_call` leaves it out).
    #[serde(default = "yes")]
    pub transcript: bool,
    /// Ask Gong even when the call is cached.
    #[serde(default)]
    pub fresh: bool,
    /// How to render it.
    #[serde(flatten)]
    pub options: gongkit::CallOptions,
}

/// `GET /v1/calls/{id}/transcript`, MCP `get_transcript`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptArgs {
    /// The call.
    pub call_id: CallId,
    /// Ask Gong even when the call is cached.
    #[serde(default)]
    pub fresh: bool,
    /// Chunks of at most this many characters.
    pub max_chars: Option<usize>,
    /// Only this chunk (with `maxChars`).
    pub chunk: Option<usize>,
    /// How to render it.
    #[serde(flatten)]
    pub options: gongkit::CallOptions,
}

/// `GET /v1/calls/{id}/document`, MCP `get_call_document`.
pub type DocumentArgs = TranscriptArgs;

/// `GET /v1/calls`, MCP `list_calls`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListArgs {
    /// Start of the range (ISO 8601, or a plain date: its start).
    #[serde(default, deserialize_with = "from_date")]
    pub from: Option<String>,
    /// End of the range (exclusive; a plain date: the next day's start).
    #[serde(default, deserialize_with = "to_date")]
    pub to: Option<String>,
    /// Only this workspace.
    pub workspace_id: Option<String>,
    /// At most this many calls.
    /// Absent: the cursor's page size, else the default.
    pub limit: Option<usize>,
    /// The cursor of a previous answer.
    pub cursor: Option<String>,
    /// Dates in this UTC offset.
    pub utc_offset_minutes: Option<i32>,
}

/// MCP `find_calls_by_account`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FindArgs {
    /// The account's name, or part of it.
    pub account: String,
    /// Start of the range (ISO 8601, or a plain date: its start).
    #[serde(deserialize_with = "from_date_required")]
    pub from: String,
    /// End of the range (exclusive; a plain date: the next day's start).
    #[serde(deserialize_with = "to_date_required")]
    pub to: String,
    /// At most this many calls.
    #[serde(default = "find_limit")]
    pub limit: usize,
}

/// `POST /v1/sync`: a backfill of a range.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SyncArgs {
    /// Start of the range (ISO 8601, or a plain date: its start).
    #[serde(deserialize_with = "from_date_required")]
    pub from: String,
    /// End of the range (exclusive; a plain date: the next day's start).
    #[serde(deserialize_with = "to_date_required")]
    pub to: String,
}

/// What `POST /v1/format` answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FormatOutput {
    /// The normalized call as JSON (the default).
    Call,
    /// The transcript file itself, in the format's content type.
    Transcript,
}

/// `POST /v1/format`: the rendering options (the body is Gong's JSON).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FormatArgs {
    /// The normalized call (default) or the transcript file.
    pub output: Option<FormatOutput>,
    /// How to render it.
    #[serde(flatten)]
    pub options: gongkit::CallOptions,
}

/// Whose words a search looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Speaker {
    /// The seller's side (participants Gong marks Internal).
    Internal,
    /// Everyone else (External or Unknown).
    External,
}

impl Speaker {
    /// Its name, as the query takes it and the search index's column is
    /// called.
    pub fn name(self) -> &'static str {
        match self {
            Speaker::Internal => "internal",
            Speaker::External => "external",
        }
    }
}

/// `GET /v1/search`, MCP `search_calls`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchArgs {
    /// The query.
    pub q: String,
    /// Start of the range (ISO 8601, or a plain date: its start).
    #[serde(default, deserialize_with = "from_date")]
    pub from: Option<String>,
    /// End of the range (exclusive; a plain date: the next day's start).
    #[serde(default, deserialize_with = "to_date")]
    pub to: Option<String>,
    /// Only this account's calls (its name).
    pub account: Option<String>,
    /// Only calls with this participant (an email, or part of a name).
    pub participant: Option<String>,
    /// Only what this side said.
    pub speaker: Option<Speaker>,
    /// At most this many calls.
    /// Absent: the cursor's page size, else the default.
    pub limit: Option<usize>,
    /// The cursor of a previous answer.
    pub cursor: Option<String>,
}

/// `GET /v1/accounts`, MCP `list_accounts`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountsArgs {
    /// Only accounts whose name holds this.
    pub q: Option<String>,
    /// Start of the range (ISO 8601, or a plain date: its start).
    #[serde(default, deserialize_with = "from_date")]
    pub from: Option<String>,
    /// End of the range (exclusive; a plain date: the next day's start).
    #[serde(default, deserialize_with = "to_date")]
    pub to: Option<String>,
    /// At most this many accounts.
    /// Absent: the cursor's page size, else the default.
    pub limit: Option<usize>,
    /// The cursor of a previous answer.
    pub cursor: Option<String>,
}

/// `GET /v1/accounts/{name}/calls`, MCP `get_account_calls`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountCallsArgs {
    /// The account's name.
    pub account: String,
    /// Start of the range (ISO 8601, or a plain date: its start).
    #[serde(default, deserialize_with = "from_date")]
    pub from: Option<String>,
    /// End of the range (exclusive; a plain date: the next day's start).
    #[serde(default, deserialize_with = "to_date")]
    pub to: Option<String>,
    /// At most this many calls.
    /// Absent: the cursor's page size, else the default.
    pub limit: Option<usize>,
    /// The cursor of a previous answer.
    pub cursor: Option<String>,
    /// Dates in this UTC offset.
    pub utc_offset_minutes: Option<i32>,
}

/// `GET /v1/export`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportArgs {
    /// The export cursor of a previous export; absent: from the start.
    pub since: Option<String>,
    /// At most this many calls.
    #[serde(default = "export_limit")]
    pub limit: usize,
    /// How to render each call.
    #[serde(flatten)]
    pub options: gongkit::CallOptions,
}

fn export_limit() -> usize {
    EXPORT_LIMIT.1 as usize
}

fn yes() -> bool {
    true
}
fn find_limit() -> usize {
    FIND_LIMIT.1 as usize
}

/// A page's size: the one asked for, else the one the cursor was made
/// with (a cursor keeps the page size), else the default (`limits.1`).
pub fn page_size(asked: Option<usize>, from_cursor: Option<usize>, limits: (u64, u64)) -> usize {
    asked.or(from_cursor).unwrap_or(limits.1 as usize)
}

/// One capability's input schema.
#[derive(Clone, Debug)]
pub struct Schema(Map<String, Value>);

fn schema(properties: Value, required: &[&str]) -> Schema {
    let mut map = Map::new();
    map.insert("type".into(), json!("object"));
    map.insert("properties".into(), properties);
    map.insert("required".into(), json!(required));
    map.insert("additionalProperties".into(), json!(false));
    Schema(map)
}

fn call_id() -> Value {
    // One type, so every client's schema reader takes it (some refuse a list
    // of types); a JSON number is still read (see `check_value`).
    json!({"type": "string", "description": "Gong's call id: 1 to 20 digits, as a string (from list_calls or search_calls), or the call's Gong URL itself (https://app.gong.io/call?id=7782342274025937895). A JSON number is also taken, up to 2^53 − 1."})
}

fn rendering() -> Map<String, Value> {
    let Value::Object(map) = json!({
        "format": {"type": "string", "enum": formats(), "description": "The transcript's format (default plain)."},
        "names": {"type": "boolean", "description": "Name speakers after the participants (default true); false keeps Gong's `Speaker {id}`."},
        "timestamps": {"type": "boolean", "description": "Start each line with [mm:ss] (plain and markdown; default false)."},
        "merge": {"type": "boolean", "description": "Join consecutive turns of the same speaker on the same topic (default false)."},
        "utcOffsetMinutes": {"type": "integer", "minimum": -1439, "maximum": 1439, "description": "Give the call's date in this UTC offset."},
    }) else {
        return Map::new();
    };
    map
}

fn chunking() -> Map<String, Value> {
    let Value::Object(map) = json!({
        "maxChars": {"type": "integer", "minimum": MAX_CHARS.0, "maximum": MAX_CHARS.1, "description": "Cut the text into chunks of at most this many characters."},
        "chunk": {"type": "integer", "minimum": 0, "maximum": MAX_CHARS.1, "description": "Which chunk to return, from 0 (with maxChars). The answer says how many chunks there are."},
    }) else {
        return Map::new();
    };
    map
}

fn range(description_from: &str) -> Map<String, Value> {
    let Value::Object(map) = json!({
        "from": from_property(description_from),
        "to": to_property(),
    }) else {
        return Map::new();
    };
    map
}

/// The transcript formats' names, from the core's one list.
fn formats() -> Vec<&'static str> {
    gongkit::Format::ALL.iter().map(|f| f.as_str()).collect()
}

/// The `from` of a range: what it is, and the forms a date may take.
pub fn from_property(what: &str) -> Value {
    let what = what.trim_end_matches('.');
    json!({"type": "string", "description": format!("{what}: ISO 8601 with an offset (2024-01-01T00:00:00Z), or a plain date (2024-01-01: that day's start, UTC).")})
}

/// The `to` of a range.
pub fn to_property() -> Value {
    json!({"type": "string", "description": "End of the range, exclusive: ISO 8601 with an offset (2024-02-01T00:00:00Z), or a plain date, included whole (2024-01-31 means up to 2024-02-01T00:00:00Z)."})
}

/// A `limit` of at most `max.0`, by default `max.1`, of `what`.
pub fn limit_property(max: (u64, u64), what: &str) -> Value {
    json!({"type": "integer", "minimum": 1, "maximum": max.0, "description": format!("At most this many {what} (default {}).", max.1)})
}

/// `utcOffsetMinutes`.
pub fn utc_offset_property() -> Value {
    rendering()["utcOffsetMinutes"].clone()
}

/// A plain date (`2024-03-01`) as the instant its day starts in UTC, or
/// the next day's start for an inclusive end; anything else as given (the
/// range check names a bad one).
pub fn day_bound(value: &str, end: bool) -> String {
    let v = value.trim();
    if let Ok(day) = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        if v.len() == 10 {
            let day = if end {
                day.succ_opt().unwrap_or(day)
            } else {
                day
            };
            return format!("{}T00:00:00Z", day.format("%Y-%m-%d"));
        }
    }
    // A time without an offset is taken in UTC, as the descriptions say.
    for form in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(v, form) {
            return t
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
        }
    }
    value.to_owned()
}

/// Reads an optional `from`, taking a plain date as its day's start.
pub fn from_date<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(|v| day_bound(&v, false)))
}

/// Reads an optional `to`, taking a plain date as included whole.
pub fn to_date<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(|v| day_bound(&v, true)))
}

fn from_date_required<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<String, D::Error> {
    Ok(day_bound(&String::deserialize(d)?, false))
}

fn to_date_required<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<String, D::Error> {
    Ok(day_bound(&String::deserialize(d)?, true))
}

fn fresh() -> Value {
    json!({"type": "boolean", "description": "Ask Gong even when the call is cached (spends Gong's quota)."})
}

impl Schema {
    /// The arguments of [`CallArgs`].
    pub fn call() -> Schema {
        let mut p = rendering();
        p.insert("callId".into(), call_id());
        p.insert(
            "transcript".into(),
            json!({"type": "boolean", "description": "Include the transcript (default true)."}),
        );
        p.insert("fresh".into(), fresh());
        schema(Value::Object(p), &["callId"])
    }

    /// The arguments of [`TranscriptArgs`].
    pub fn transcript() -> Schema {
        let mut p = rendering();
        p.extend(chunking());
        p.insert("callId".into(), call_id());
        p.insert("fresh".into(), fresh());
        schema(Value::Object(p), &["callId"])
    }

    /// The arguments of [`DocumentArgs`]: the document's layout is fixed,
    /// so only `merge` and the date's offset apply.
    pub fn document() -> Schema {
        Schema::transcript().without(&["format", "names", "timestamps"])
    }

    /// The arguments of [`ListArgs`].
    pub fn list() -> Schema {
        let mut p = range("Start of the range, ISO 8601 with an offset, such as 2024-01-01T00:00:00Z. Give from and to, or only a cursor.");
        p.insert(
            "workspaceId".into(),
            json!({"type": "string", "description": "Only calls of this Gong workspace."}),
        );
        p.insert("limit".into(), json!({"type": "integer", "minimum": 1, "maximum": LIST_LIMIT.0, "description": format!("At most this many calls (default {}).", LIST_LIMIT.1)}));
        p.insert("cursor".into(), json!({"type": "string", "description": "The cursor of a previous answer, to continue after its last call (alone, or with limit)."}));
        p.insert(
            "utcOffsetMinutes".into(),
            rendering()["utcOffsetMinutes"].clone(),
        );
        schema(Value::Object(p), &[])
    }

    /// The arguments of [`FindArgs`].
    pub fn find() -> Schema {
        let mut p =
            range("Start of the range, ISO 8601 with an offset, such as 2024-01-01T00:00:00Z.");
        p.insert("account".into(), json!({"type": "string", "minLength": 1, "maxLength": MAX_NAME_CHARS, "description": "The customer's name, or part of it."}));
        p.insert("limit".into(), json!({"type": "integer", "minimum": 1, "maximum": FIND_LIMIT.0, "description": format!("At most this many calls (default {}).", FIND_LIMIT.1)}));
        schema(Value::Object(p), &["account", "from", "to"])
    }

    /// The arguments of [`SearchArgs`].
    pub fn search() -> Schema {
        let mut p = range("Start of the range, ISO 8601 with an offset, such as 2024-01-01T00:00:00Z (by the call's start).");
        p.insert("q".into(), json!({"type": "string", "minLength": 1, "maxLength": crate::query::MAX_QUERY_CHARS, "description": "What to look for: words (all must match), \"exact phrases\", prefix* (pric* finds pricing), OR between two terms, -word to exclude. Case and accents do not matter; Chinese and Japanese are matched as written. Example: \"security review\" SSO OR SAML -renewal"}));
        p.insert("account".into(), json!({"type": "string", "minLength": 1, "maxLength": MAX_NAME_CHARS, "description": "Only this account's calls (its name as list_accounts gives it; case and accents do not matter)."}));
        p.insert("participant".into(), json!({"type": "string", "minLength": 1, "maxLength": MAX_NAME_CHARS, "description": "Only calls with this participant: an email, or a name or part of one."}));
        p.insert("speaker".into(), json!({"type": "string", "enum": ["internal", "external"], "description": "Only what this side said: internal (the seller's people) or external (the customer and anyone else)."}));
        p.insert("limit".into(), json!({"type": "integer", "minimum": 1, "maximum": SEARCH_LIMIT.0, "description": format!("At most this many calls (default {}).", SEARCH_LIMIT.1)}));
        p.insert("cursor".into(), json!({"type": "string", "description": "The cursor of a previous answer, with the same query and filters, for the next calls."}));
        schema(Value::Object(p), &["q"])
    }

    /// The arguments of [`AccountsArgs`].
    pub fn accounts() -> Schema {
        let mut p = range(
            "Only calls from this instant, ISO 8601 with an offset, such as 2024-01-01T00:00:00Z.",
        );
        p.insert("q".into(), json!({"type": "string", "maxLength": MAX_NAME_CHARS, "description": "Only accounts whose name holds this (case and accents do not matter)."}));
        p.insert("limit".into(), json!({"type": "integer", "minimum": 1, "maximum": ACCOUNTS_LIMIT.0, "description": format!("At most this many accounts (default {}).", ACCOUNTS_LIMIT.1)}));
        p.insert("cursor".into(), json!({"type": "string", "description": "The cursor of a previous answer, for the next accounts."}));
        schema(Value::Object(p), &[])
    }

    /// The arguments of [`AccountCallsArgs`].
    pub fn account_calls() -> Schema {
        let mut p = range(
            "Only calls from this instant, ISO 8601 with an offset, such as 2024-01-01T00:00:00Z.",
        );
        p.insert("account".into(), json!({"type": "string", "minLength": 1, "maxLength": MAX_NAME_CHARS, "description": "The account's name as list_accounts gives it (case and accents do not matter)."}));
        p.insert("limit".into(), json!({"type": "integer", "minimum": 1, "maximum": ACCOUNT_CALLS_LIMIT.0, "description": format!("At most this many calls (default {}).", ACCOUNT_CALLS_LIMIT.1)}));
        p.insert("cursor".into(), json!({"type": "string", "description": "The cursor of a previous answer, for the next (older) calls."}));
        p.insert(
            "utcOffsetMinutes".into(),
            rendering()["utcOffsetMinutes"].clone(),
        );
        schema(Value::Object(p), &["account"])
    }

    /// The query of `GET /v1/export`.
    pub fn export() -> Schema {
        let mut p = rendering();
        p.insert("since".into(), json!({"type": "string", "description": "The cursor of a previous export (its X-Gongkit-Cursor, or its last line): only what changed since. Absent: everything."}));
        p.insert("limit".into(), json!({"type": "integer", "minimum": 1, "maximum": EXPORT_LIMIT.0, "description": format!("At most this many calls (default {}; with transcripts in R2 a page holds at most {}: follow the cursor).", EXPORT_LIMIT.1, crate::library::BLOB_READS_PER_REQUEST)}));
        schema(Value::Object(p), &[])
    }

    /// The body of `POST /v1/sync`.
    pub fn sync() -> Schema {
        schema(
            Value::Object(range(
                "Start of the range, ISO 8601 with an offset, such as 2024-01-01T00:00:00Z.",
            )),
            &["from", "to"],
        )
    }

    /// The query of `POST /v1/format`.
    pub fn format() -> Schema {
        let mut p = rendering();
        p.insert("output".into(), json!({"type": "string", "enum": ["call", "transcript"], "description": "call (default): the normalized call as JSON; transcript: the transcript file itself, in the format's content type (an Accept of that type does the same)."}));
        schema(Value::Object(p), &[])
    }

    /// An object schema of these properties (a capability's own arguments).
    pub fn object(properties: Value, required: &[&str]) -> Schema {
        schema(properties, required)
    }

    /// No arguments at all.
    pub fn none() -> Schema {
        schema(json!({}), &[])
    }

    /// The argument names, in order.
    pub fn names(&self) -> Vec<&str> {
        match self.0.get("properties") {
            Some(Value::Object(p)) => p.keys().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// The same schema without some properties (what a tool does not offer).
    pub fn without(mut self, names: &[&str]) -> Schema {
        if let Some(Value::Object(p)) = self.0.get_mut("properties") {
            for n in names {
                p.remove(*n);
            }
        }
        self
    }

    /// The same schema with another description of one property.
    pub fn describe(mut self, name: &str, description: &str) -> Schema {
        if let Some(Value::Object(p)) = self.0.get_mut("properties").and_then(|p| p.get_mut(name)) {
            p.insert("description".into(), json!(description));
        }
        self
    }

    /// The schema as JSON.
    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }

    fn property(&self, name: &str) -> Option<&Value> {
        self.0.get("properties")?.get(name)
    }

    /// Checks JSON arguments against the schema, then reads them into `T`.
    ///
    /// # Errors
    ///
    /// 400 `invalid_query` (or `invalid_call_id`) naming the argument.
    pub fn read<T: for<'de> Deserialize<'de>>(&self, args: Value) -> Result<T> {
        let Value::Object(map) = &args else {
            return Err(Error::InvalidQuery(
                "the arguments must be a JSON object".into(),
            ));
        };
        for (name, value) in map {
            let prop = self.property(name).ok_or_else(|| {
                Error::InvalidQuery(format!(
                    "unknown argument {name:?}: expected one of {}",
                    self.names().join(", ")
                ))
            })?;
            check_value(name, value, prop)?;
        }
        if let Some(Value::Array(required)) = self.0.get("required") {
            for r in required.iter().filter_map(Value::as_str) {
                if !map.contains_key(r) {
                    return Err(Error::InvalidQuery(format!("{r} is required")));
                }
            }
        }
        serde_json::from_value(args).map_err(|e| {
            let message = e.to_string();
            if message.contains("call id") {
                Error::InvalidCallId(message)
            } else {
                Error::InvalidQuery(message)
            }
        })
    }

    /// Reads a URL query (percent-decoded pairs) as arguments: each value is
    /// taken as the type its property declares. `path` adds values from the
    /// path (the call id).
    ///
    /// # Errors
    ///
    /// 400 `invalid_query` for an unknown or repeated parameter, or a value
    /// that does not fit.
    pub fn read_query<T: for<'de> Deserialize<'de>>(
        &self,
        query: &str,
        path: &[(&str, &str)],
    ) -> Result<T> {
        let mut map = Map::new();
        for (k, v) in path {
            map.insert((*k).to_owned(), Value::String((*v).to_owned()));
        }
        for (k, v) in url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
            let prop = self
                .property(&k)
                .filter(|_| !path.iter().any(|(p, _)| *p == k))
                .ok_or_else(|| {
                    let mut names = self.names();
                    names.retain(|n| !path.iter().any(|(p, _)| p == n));
                    Error::InvalidQuery(format!(
                        "unknown query parameter {k:?}: expected one of {}",
                        names.join(", ")
                    ))
                })?;
            if map.contains_key(k.as_ref()) {
                return Err(Error::InvalidQuery(format!(
                    "query parameter {k:?} given twice"
                )));
            }
            let value = match types(prop).first().copied() {
                Some("boolean") => match v.as_ref() {
                    "true" | "1" | "yes" => Value::Bool(true),
                    "false" | "0" | "no" => Value::Bool(false),
                    _ => {
                        return Err(Error::InvalidQuery(format!(
                            "{k}={v:?}: expected true or false"
                        )))
                    }
                },
                Some("integer") => v.parse::<i64>().map(Value::from).map_err(|_| {
                    Error::InvalidQuery(format!("{k}={v:?}: expected a whole number"))
                })?,
                _ => Value::String(v.clone().into_owned()),
            };
            map.insert(k.into_owned(), value);
        }
        self.read(Value::Object(map))
    }
}

fn types(prop: &Value) -> Vec<&str> {
    match prop.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn check_value(name: &str, value: &Value, prop: &Value) -> Result<()> {
    let types = types(prop);
    let fits = |t: &str| match t {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "boolean" => value.is_boolean(),
        _ => true,
    };
    // A call id that is a number past 2^53 is a float here: its own
    // message (pass it as a string) is clearer than "expected an integer".
    let is_call_id = name == "callId";
    if !(types.iter().any(|t| fits(t)) || is_call_id && value.is_number()) {
        let expected = types
            .iter()
            .map(|t| match *t {
                "integer" => "a whole number",
                "boolean" => "true or false",
                _ => "a string",
            })
            .collect::<Vec<_>>()
            .join(" or ");
        return Err(Error::InvalidQuery(format!(
            "invalid {name}: expected {expected}, got {value}"
        )));
    }
    if let Some(n) = value.as_i64().or_else(|| value.as_u64().map(|_| i64::MAX)) {
        let min = prop.get("minimum").and_then(Value::as_i64);
        let max = prop.get("maximum").and_then(Value::as_i64);
        if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
            let range = match (min, max) {
                (Some(a), Some(b)) => format!("from {a} to {b}"),
                (Some(a), None) => format!("at least {a}"),
                (None, Some(b)) => format!("at most {b}"),
                (None, None) => String::new(),
            };
            return Err(Error::InvalidQuery(format!(
                "{name}={value}: expected a whole number {range}"
            )));
        }
    }
    // Every enum, the format's included: what is accepted is exactly what
    // the schema advertises.
    if let (Some(Value::Array(allowed)), Some(s)) = (prop.get("enum"), value.as_str()) {
        if !allowed.iter().any(|a| a == s) {
            let names: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
            return Err(Error::InvalidQuery(format!(
                "invalid {name}: expected one of {}, got {value}",
                names.join(", ")
            )));
        }
    }
    if let (Some(s), Some(min)) = (
        value.as_str(),
        prop.get("minLength").and_then(Value::as_u64),
    ) {
        if (s.trim().chars().count() as u64) < min {
            return Err(Error::InvalidQuery(format!("{name} must not be empty")));
        }
    }
    if let (Some(s), Some(max)) = (
        value.as_str(),
        prop.get("maxLength").and_then(Value::as_u64),
    ) {
        let n = s.chars().count() as u64;
        if n > max {
            return Err(Error::InvalidQuery(format!(
                "{name} has {n} characters; at most {max}"
            )));
        }
    }
    Ok(())
}

/// `chunk` needs `maxChars`.
pub fn check_chunking(max_chars: Option<usize>, chunk: Option<usize>) -> Result<()> {
    if chunk.is_some() && max_chars.is_none() {
        return Err(Error::InvalidQuery("chunk needs maxChars".into()));
    }
    Ok(())
}

/// A listing is a range or a cursor, not both.
pub fn check_listing(args: &ListArgs) -> Result<()> {
    match (&args.cursor, &args.from, &args.to) {
        (Some(_), None, None) | (None, Some(_), Some(_)) => Ok(()),
        (Some(_), _, _) => Err(Error::InvalidQuery(
            "a cursor carries its own range: send it without from and to".into(),
        )),
        (None, _, _) => Err(Error::InvalidQuery(
            "give from and to (ISO 8601, such as 2024-01-01T00:00:00Z), or a cursor".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gongkit::Format;

    #[test]
    fn plain_dates_cover_whole_days_everywhere() {
        let a: ListArgs = Schema::list()
            .read_query("from=2024-03-01&to=2024-03-31", &[])
            .unwrap();
        assert_eq!(a.from.as_deref(), Some("2024-03-01T00:00:00Z"));
        assert_eq!(a.to.as_deref(), Some("2024-04-01T00:00:00Z"));
        let f: FindArgs = Schema::find()
            .read(json!({"account": "acme", "from": "2024-02-28", "to": "2024-02-29"}))
            .unwrap();
        assert_eq!(
            (f.from.as_str(), f.to.as_str()),
            ("2024-02-28T00:00:00Z", "2024-03-01T00:00:00Z")
        );
        let s: SyncArgs = Schema::sync()
            .read(json!({"from": "2023-12-31", "to": "2024-01-01T12:00:00+02:00"}))
            .unwrap();
        assert_eq!(s.from, "2023-12-31T00:00:00Z");
        assert_eq!(s.to, "2024-01-01T12:00:00+02:00");
        let q: SearchArgs = Schema::search()
            .read(json!({"q": "x", "to": "2024-12-31"}))
            .unwrap();
        assert_eq!(q.to.as_deref(), Some("2025-01-01T00:00:00Z"));
        // Not a date: left for the range check to name.
        assert_eq!(day_bound("2024-13-01", false), "2024-13-01");
        assert_eq!(day_bound("yesterday", true), "yesterday");
        assert_eq!(day_bound("2024-03-01T09:30", false), "2024-03-01T09:30:00Z");
        assert_eq!(
            day_bound("2024-03-01T09:30:15.5", true),
            "2024-03-01T09:30:15.500Z"
        );
        assert_eq!(
            day_bound("2024-03-01T09:30:00+02:00", false),
            "2024-03-01T09:30:00+02:00"
        );
    }

    #[test]
    fn a_gong_call_url_is_an_id() {
        let a: CallArgs = Schema::call()
            .read(json!({"callId": "https://us-12345.app.gong.io/call?id=7782342274025937895&highlights=x"}))
            .unwrap();
        assert_eq!(a.call_id.as_str(), "7782342274025937895");
        let q: TranscriptArgs = Schema::transcript()
            .read_query("callId=https%3A%2F%2Fapp.gong.io%2Fcall%3Fid%3D42", &[])
            .unwrap();
        assert_eq!(q.call_id.as_str(), "42");
        let pasted: CallArgs = Schema::call()
            .read(json!({"callId": "app.gong.io/call?id=42"}))
            .unwrap();
        assert_eq!(pasted.call_id.as_str(), "42");
        let spaced: CallArgs = Schema::call().read(json!({"callId": " 42 "})).unwrap();
        assert_eq!(spaced.call_id.as_str(), "42");
        for bad in [
            "https://app.gong.io/calls?id=42",
            "https://app.gong.io/call",
            "https://app.gong.io/call?id=0042",
            "https://app.gong.io/call?id=abc",
        ] {
            let e = Schema::call()
                .read::<CallArgs>(json!({"callId": bad}))
                .unwrap_err();
            assert_eq!(e.code(), "invalid_call_id", "{bad}: {e}");
        }
    }

    #[test]
    fn queries_and_arguments_read_the_same() {
        let from_query: TranscriptArgs = Schema::transcript()
            .read_query(
                "format=srt&timestamps=1&names=false&maxChars=500",
                &[("callId", "42")],
            )
            .unwrap();
        let from_json: TranscriptArgs = Schema::transcript()
            .read(json!({"callId": 42, "format": "srt", "timestamps": true, "names": false, "maxChars": 500}))
            .unwrap();
        for a in [&from_query, &from_json] {
            assert_eq!(a.call_id.as_str(), "42");
            assert_eq!(
                (a.options.format, a.options.timestamps, a.options.names),
                (Format::Srt, true, false)
            );
            assert_eq!(a.max_chars, Some(500));
        }
    }

    #[test]
    fn bad_input_is_refused_with_its_name() {
        let s = Schema::transcript();
        let err = |q: &str| {
            s.read_query::<TranscriptArgs>(q, &[("callId", "1")])
                .unwrap_err()
        };
        assert!(err("fromat=srt")
            .to_string()
            .contains("unknown query parameter \"fromat\""));
        assert_eq!(
            err("format=docx").to_string(),
            r#"invalid format: expected one of plain, markdown, webvtt, srt, json, got "docx""#
        );
        // REST takes exactly what MCP advertises: no aliases.
        assert!(err("format=md").to_string().contains("expected one of"));
        assert!(err("maxChars=1")
            .to_string()
            .contains("from 200 to 1000000"));
        assert!(err("maxChars=99999999999")
            .to_string()
            .contains("from 200 to 1000000"));
        assert!(err("merge=true&merge=false").to_string().contains("twice"));
        assert!(err("merge=maybe").to_string().contains("true or false"));
        assert!(err("internalDomains=x").to_string().contains("unknown"));
        assert!(err("callId=2").to_string().contains("unknown"));
        // The same bounds over MCP.
        let e = s
            .read::<TranscriptArgs>(json!({"callId": "1", "maxChars": 1}))
            .unwrap_err();
        assert!(e.to_string().contains("from 200 to 1000000"));
        let e = s
            .read::<TranscriptArgs>(json!({"callId": "1", "internalDomains": ["x"]}))
            .unwrap_err();
        assert!(e.to_string().contains("unknown argument"));
    }

    #[test]
    fn call_ids_as_numbers() {
        let s = Schema::call();
        let ok: CallArgs = s.read(json!({"callId": 900001})).unwrap();
        assert_eq!(ok.call_id.as_str(), "900001");
        let ok: CallArgs = s.read(json!({"callId": MAX_SAFE_INTEGER})).unwrap();
        assert_eq!(ok.call_id.as_str(), MAX_SAFE_INTEGER.to_string());
        for big in [
            json!(MAX_SAFE_INTEGER + 1),
            json!(7782342274025937895u64),
            serde_json::from_str::<Value>("77823422740259378950000").unwrap(),
        ] {
            let e = s.read::<CallArgs>(json!({"callId": big})).unwrap_err();
            assert_eq!(e.code(), "invalid_call_id", "{big}");
            assert!(e.to_string().contains("pass the id as a string"), "{e}");
        }
        for bad in [
            json!(-1),
            json!(0),
            json!("007"),
            json!("1/2"),
            json!(1.5),
            json!(true),
        ] {
            assert!(s.read::<CallArgs>(json!({"callId": bad})).is_err(), "{bad}");
        }
        assert_eq!(
            s.read::<CallArgs>(json!({"callId": "007"}))
                .unwrap_err()
                .code(),
            "invalid_call_id"
        );
    }

    #[test]
    fn every_schema_property_is_read_and_nothing_else() {
        // The schema is the allowlist; each property it lists must be
        // accepted by the typed struct with a sample value of its type.
        fn sample(name: &str, prop: &Value) -> Value {
            if name == "callId" {
                return json!("123");
            }
            if let Some(Value::Array(e)) = prop.get("enum") {
                return e[0].clone();
            }
            match types(prop)[0] {
                "integer" => json!(prop
                    .get("minimum")
                    .and_then(Value::as_i64)
                    .unwrap_or(0)
                    .max(0)
                    .max(1)
                    .min(
                        prop.get("maximum")
                            .and_then(Value::as_i64)
                            .unwrap_or(i64::MAX)
                    )),
                "boolean" => json!(true),
                _ if name == "from" => json!("2024-01-01T00:00:00Z"),
                _ if name == "to" => json!("2024-02-01T00:00:00Z"),
                _ => json!("acme"),
            }
        }
        fn all<T: for<'de> Deserialize<'de>>(s: Schema) {
            let props = s.0["properties"].as_object().unwrap().clone();
            for (name, prop) in &props {
                let mut args = Map::new();
                for r in s.0["required"].as_array().unwrap() {
                    let r = r.as_str().unwrap();
                    args.insert(r.into(), sample(r, &props[r]));
                }
                args.insert(name.clone(), sample(name, prop));
                if name == "chunk" {
                    args.insert("maxChars".into(), json!(500));
                }
                s.read::<T>(Value::Object(args))
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
            }
            assert!(s.read::<T>(json!({"nope": 1})).is_err());
        }
        all::<CallArgs>(Schema::call());
        all::<TranscriptArgs>(Schema::transcript());
        all::<DocumentArgs>(Schema::document());
        all::<ListArgs>(Schema::list());
        all::<FindArgs>(Schema::find());
        all::<FormatArgs>(Schema::format());
        all::<SearchArgs>(Schema::search());
        all::<AccountsArgs>(Schema::accounts());
        all::<AccountCallsArgs>(Schema::account_calls());
        all::<ExportArgs>(Schema::export());
    }

    #[test]
    fn listings_need_a_range_or_a_cursor() {
        let read = |v: Value| {
            Schema::list()
                .read::<ListArgs>(v)
                .and_then(|a| check_listing(&a).map(|()| a))
        };
        assert!(read(json!({"from": "a"})).is_err());
        assert!(read(json!({"cursor": "c", "from": "a", "to": "b"})).is_err());
        assert_eq!(
            read(json!({"cursor": "c", "limit": 5})).unwrap().limit,
            Some(5)
        );
        assert!(read(json!({"cursor": "c", "limit": 1001})).is_err());
        assert_eq!(read(json!({"from": "a", "to": "b"})).unwrap().limit, None);
    }
}
