//! Gong's two endpoints: the rate limit, faults, auth, the filter, pages
//! and their cursors, and the log entry of each request.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use serde_json::{json, Value};

use crate::reply::Reply;
use crate::store::{Call, Selection};
use crate::{now_ms, Endpoint, Sim};

pub const NO_CALLS: &str = "No calls found corresponding to the provided filters";
/// Gong batches `callIds` at one page: 100 ids a request.
pub const MAX_CALL_IDS: usize = 100;

/// A log entry waiting for its end time and status.
pub struct Pending(Value);

impl Sim {
    /// Answers one Gong request; the log entry is finished by [`Sim::finish`]
    /// once the answer has gone out.
    pub fn gong(
        &self,
        endpoint: Endpoint,
        auth: Option<&str>,
        url: &str,
        body: &str,
    ) -> (Reply, Pending) {
        let parsed: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        let (request_id, started, admitted, faults) = {
            let mut s = self.state();
            s.request += 1;
            let request_id = format!("sim-{:x}", s.request);
            // Read under the lock, so the rate window sees starts in order.
            let started = now_ms();
            match endpoint {
                Endpoint::Extensive => s.stats.extensive += 1,
                Endpoint::Transcript => s.stats.transcript += 1,
            }
            let admitted = s.rate.admit(started);
            let faults = if admitted {
                s.faults.take(endpoint)
            } else {
                s.stats.rate_limited += 1;
                Vec::new()
            };
            if faults.iter().any(|f| f.kind != "delay") {
                s.stats.faulted += 1;
            }
            (request_id, started, admitted, faults)
        };
        let entry = json!({
            "path": url, "endpoint": endpoint.name(), "requestId": request_id, "body": parsed,
            "callIds": parsed["filter"]["callIds"], "cursor": parsed["cursor"],
            "start": started, "rateLimited": !admitted,
            "fault": faults.iter().find(|f| f.kind != "delay").map(|f| f.kind.clone()),
        });
        let reply = if admitted {
            self.answer(endpoint, auth, body, &request_id, &faults)
        } else {
            too_many(&request_id, 1)
        };
        (reply, Pending(entry))
    }

    /// Logs a finished Gong request.
    pub fn finish(&self, Pending(mut entry): Pending, status: u16) {
        entry["end"] = json!(now_ms());
        entry["status"] = json!(status);
        let mut s = self.state();
        *s.stats.by_status.entry(status).or_default() += 1;
        s.log.push(entry);
    }

    fn answer(
        &self,
        endpoint: Endpoint,
        auth: Option<&str>,
        body: &str,
        request_id: &str,
        faults: &[crate::faults::Fault],
    ) -> Reply {
        let error = |status: u16, message: &str| gong_error(status, request_id, message);
        // "truncated" sends a real answer cut in half.
        let mut truncate = false;
        for fault in faults {
            match fault.kind.as_str() {
                "delay" => std::thread::sleep(Duration::from_millis(fault.ms)),
                "truncated" => truncate = true,
                "429" => return too_many(request_id, fault.retry_after),
                "500" => return error(500, "Internal server error"),
                "401" => return error(401, "Unauthorized: bad credentials"),
                "cut" => return Reply::Cut,
                "malformed" => {
                    return Reply::Send {
                        status: 200,
                        headers: vec![("Content-Type", "text/html".into())],
                        body: b"<html><body>502 Bad Gateway</body></html>".to_vec(),
                    }
                }
                "expired-cursor" => {
                    return error(
                        400,
                        "The cursor you provided has expired, please start a new request",
                    )
                }
                "echo-auth" => {
                    let message = format!(
                        "Malformed request; received headers: Authorization: {}",
                        auth.unwrap_or_default()
                    );
                    return error(400, &message);
                }
                _ => {}
            }
        }
        let Some(credentials) = auth.and_then(|a| a.strip_prefix("Basic ")) else {
            return error(401, "Unauthorized");
        };
        let expected = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", self.config.key, self.config.secret));
        if credentials != expected {
            return error(401, "Unauthorized");
        }
        let request: Value = match serde_json::from_str(body) {
            Ok(v) => v,
            Err(e) => return error(400, &format!("Malformed JSON body: {e}")),
        };
        let selection = match selection(&request, endpoint) {
            Ok(s) => s,
            Err(message) => return error(400, &message),
        };
        let now = now_ms();
        let selected = self.store().select(&selection, now);
        if selected.is_empty() {
            return error(404, NO_CALLS);
        }
        let fingerprint = fingerprint(&request["filter"]);
        // `--loop-cursor`: a listing that never ends (the same page, the
        // same cursor), as a broken Gong would answer.
        let looping = self.config.loop_cursor
            && endpoint == Endpoint::Extensive
            && request["filter"]["callIds"].is_null();
        let (page_number, start) = match request.get("cursor") {
            None | Some(Value::Null) => (0, 0),
            Some(Value::String(c)) if looping && c == LOOP_CURSOR => (1, 0),
            Some(c) => match c.as_str().and_then(decode_cursor) {
                Some(cursor) if cursor.fingerprint == fingerprint => {
                    // The first call after the last one sent, wherever
                    // edits and deletions have left it.
                    let after = (cursor.time, cursor.id.as_str());
                    let start = selected.partition_point(|c| (c.time, c.id.as_str()) <= after);
                    (cursor.page, start)
                }
                _ => return error(400, "The cursor is invalid or has expired"),
            },
        };
        let page_size = self.config.page_size;
        let page = &selected[start..(start + page_size).min(selected.len())];
        let mut records = json!({
            "totalRecords": selected.len(),
            "currentPageSize": page.len(),
            "currentPageNumber": page_number,
        });
        if let (Some(last), true) = (page.last(), start + page.len() < selected.len()) {
            records["cursor"] = json!(encode_cursor(page_number + 1, last, fingerprint));
        }
        if looping {
            records["cursor"] = json!(LOOP_CURSOR);
        }
        let mut bytes = page_body(endpoint, request_id, &records, page);
        if truncate {
            bytes.truncate(bytes.len() / 2);
        }
        Reply::raw_json(200, bytes)
    }
}

/// `{"requestId", "records", "calls" | "callTranscripts": [raw entries]}`.
fn page_body(endpoint: Endpoint, request_id: &str, records: &Value, page: &[Arc<Call>]) -> Vec<u8> {
    let key = match endpoint {
        Endpoint::Extensive => "calls",
        Endpoint::Transcript => "callTranscripts",
    };
    let mut out = format!(
        "{{\"requestId\":{},\"records\":{records},\"{key}\":[",
        json!(request_id)
    );
    for (i, call) in page.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match endpoint {
            Endpoint::Extensive => out.push_str(&call.extensive),
            Endpoint::Transcript => out.push_str(&call.transcript_json()),
        }
    }
    out.push_str("]}");
    out.into_bytes()
}

pub fn gong_error(status: u16, request_id: &str, message: &str) -> Reply {
    Reply::json(
        status,
        &json!({"requestId": request_id, "errors": [message]}),
    )
}

fn too_many(request_id: &str, retry_after: u64) -> Reply {
    gong_error(429, request_id, "API request limit exceeded")
        .with_header("Retry-After", retry_after.to_string())
}

/// Reads a request's `filter` as Gong checks it.
pub fn selection(request: &Value, endpoint: Endpoint) -> Result<Selection, String> {
    let filter = match request.get("filter") {
        None | Some(Value::Null) => return Ok(Selection::default()),
        Some(f @ Value::Object(_)) => f,
        Some(_) => return Err("filter must be an object".into()),
    };
    let strings = |key: &str| -> Result<Option<Vec<String>>, String> {
        match filter.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .map(Some)
                .ok_or_else(|| format!("{key} must be an array of strings")),
            Some(_) => Err(format!("{key} must be an array of strings")),
        }
    };
    let call_ids = strings("callIds")?;
    if let Some(ids) = &call_ids {
        if ids.is_empty() {
            return Err("callIds must not be empty".into());
        }
        if ids.len() > MAX_CALL_IDS {
            return Err(format!(
                "callIds may hold at most {MAX_CALL_IDS} ids, got {}",
                ids.len()
            ));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(twice) = ids.iter().find(|id| !seen.insert(id.as_str())) {
            return Err(format!("callIds must not repeat an id: {twice:?}"));
        }
    }
    let date = |key: &str| -> Result<Option<i64>, String> {
        match filter.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => gongkit::parse_call_time(s)
                .map(|t| Some(t.utc().timestamp()))
                .map_err(|_| format!("{key} is not a valid ISO-8601 date")),
            Some(_) => Err(format!("{key} is not a valid ISO-8601 date")),
        }
    };
    let primary_users = match endpoint {
        Endpoint::Extensive => strings("primaryUserIds")?,
        Endpoint::Transcript => None,
    };
    Ok(Selection {
        call_ids,
        from: date("fromDateTime")?,
        to: date("toDateTime")?,
        workspace: match filter.get("workspaceId") {
            Some(Value::String(w)) => Some(w.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        },
        primary_users,
    })
}

/// The one cursor of `--loop-cursor`.
const LOOP_CURSOR: &str = "loop-cursor";

/// Ties a cursor to its filter.
fn fingerprint(filter: &Value) -> u64 {
    filter
        .to_string()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        })
}

pub struct Cursor {
    page: usize,
    fingerprint: u64,
    time: i64,
    id: String,
}

/// The next page's number and the last call sent (its start and id).
fn encode_cursor(page: usize, last: &Call, fingerprint: u64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("{page}.{fingerprint}.{}.{}", last.time, last.id))
}

fn decode_cursor(cursor: &str) -> Option<Cursor> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let mut parts = text.splitn(4, '.');
    Some(Cursor {
        page: parts.next()?.parse().ok()?,
        fingerprint: parts.next()?.parse().ok()?,
        time: parts.next()?.parse().ok()?,
        id: parts.next()?.to_owned(),
    })
}
