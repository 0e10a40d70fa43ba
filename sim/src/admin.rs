//! The `/__sim/` endpoints: faults, log, stats, the rate limit, and the
//! calls themselves (read back raw, add, process, edit, delete). The shapes
//! are listed in the crate documentation (`main.rs`).

use serde_json::{json, Map, Value};

use crate::reply::Reply;
use crate::store::{Call, Selection};
use crate::{faults, generate, initial_store, now_ms, Sim};

impl Sim {
    pub fn admin(&self, method: &str, path: &str, query: &str, body: &str) -> Reply {
        let id = path
            .strip_prefix("/__sim/calls/")
            .filter(|id| *id != "process");
        match (method, path, id) {
            ("GET", "/__sim/health", _) => Reply::json(200, &json!({"ok": true})),
            ("GET", "/__sim/webhooks", _) => match &self.webhooks {
                Some(hooks) => Reply::json(200, &hooks.report()),
                None => Reply::admin_error(404, "no webhooks: start with --webhook-url URL"),
            },
            ("GET", "/__sim/log", _) => Reply::json(200, &Value::Array(self.state().log.clone())),
            ("GET", "/__sim/stats", _) => Reply::json(200, &self.stats()),
            ("POST", "/__sim/reset", _) => self.reset(body),
            ("POST", "/__sim/faults", _) => with_body(body, |b| {
                let added = faults::parse(b)?;
                let n = added.len();
                self.state().faults.add(added);
                Ok(json!({"ok": true, "added": n}))
            }),
            ("GET", "/__sim/rate-limit", _) => {
                Reply::json(200, &json!({"perSecond": self.state().rate.per_second}))
            }
            ("POST", "/__sim/rate-limit", _) => with_body(body, |b| {
                let n = b["perSecond"]
                    .as_u64()
                    .ok_or("rate-limit: expected {\"perSecond\": n} with n ≥ 0 (0 = off)")?;
                self.state().rate.per_second = n as usize;
                Ok(json!({"ok": true, "perSecond": n}))
            }),
            ("GET", "/__sim/calls", _) => self.list_calls(query),
            ("POST", "/__sim/calls", _) => with_body(body, |b| self.add_calls(b)),
            ("POST", "/__sim/calls/process", _) => with_body(body, |b| {
                let ids = match b.get("ids") {
                    None | Some(Value::Null) => None,
                    Some(v) => Some(string_list(v, "ids")?),
                };
                let processed = self.store_mut().process(ids.as_deref(), now_ms())?;
                Ok(json!({"ok": true, "processed": processed}))
            }),
            ("PATCH", _, Some(id)) => with_body(body, |b| self.edit_call(&decode(id), b)),
            ("DELETE", _, Some(id)) => {
                let id = decode(id);
                match self.store_mut().remove(&id) {
                    Some(_) => Reply::json(200, &json!({"ok": true, "id": id})),
                    None => Reply::admin_error(404, format!("no call {id:?}")),
                }
            }
            _ => Reply::admin_error(404, format!("no route {method} {path}")),
        }
    }

    fn stats(&self) -> Value {
        let now = now_ms();
        let (mut total, mut visible, mut private) = (0, 0, 0);
        for c in self.store().all() {
            total += 1;
            visible += usize::from(c.visible(now));
            private += usize::from(c.private);
        }
        let s = self.state();
        let by_status: Map<String, Value> = s
            .stats
            .by_status
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        json!({
            "requests": s.stats.extensive + s.stats.transcript,
            "extensive": s.stats.extensive,
            "transcript": s.stats.transcript,
            "rateLimited": s.stats.rate_limited,
            "faulted": s.stats.faulted,
            "byStatus": by_status,
            "maxPerSecond": s.rate.max_per_second,
            "rateLimit": s.rate.per_second,
            "calls": {"total": total, "visible": visible, "pending": total - visible, "private": private},
        })
    }

    fn reset(&self, body: &str) -> Reply {
        let calls = match body.trim() {
            "" => false,
            text => match serde_json::from_str::<Value>(text) {
                Ok(v) if v["calls"].is_boolean() || v["calls"].is_null() => v["calls"] == true,
                Ok(_) => return Reply::admin_error(400, "reset: \"calls\" must be true or false"),
                Err(e) => return Reply::admin_error(400, format!("reset: {e}")),
            },
        };
        if calls {
            match initial_store(&self.config, now_ms()) {
                Ok(store) => *self.store_mut() = store,
                Err(e) => return Reply::admin_error(500, e),
            }
        }
        let mut s = self.state();
        s.faults.clear();
        s.log.clear();
        s.stats = Default::default();
        s.rate.reset();
        Reply::json(200, &json!({"ok": true}))
    }

    /// `?ids=a,b` or `?raw=true`: raw JSON; otherwise the index. Both
    /// narrowed by `from` and `to`.
    fn list_calls(&self, query: &str) -> Reply {
        let mut ids = None;
        let mut raw = false;
        let mut range = Selection::default();
        for (key, value) in query.split('&').filter_map(|kv| kv.split_once('=')) {
            let value = decode(value);
            match key {
                "ids" => {
                    ids = Some(
                        value
                            .split(',')
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned)
                            .collect::<Vec<_>>(),
                    )
                }
                "raw" => raw = value == "true" || value == "1",
                "from" | "to" => {
                    let Ok(t) = crate::args::date(key, &value) else {
                        return Reply::admin_error(
                            400,
                            format!("{key}={value:?} is not an ISO-8601 date"),
                        );
                    };
                    *(if key == "from" {
                        &mut range.from
                    } else {
                        &mut range.to
                    }) = Some(t);
                }
                other => {
                    return Reply::admin_error(
                        400,
                        format!("unknown parameter {other:?} (ids, raw, from, to)"),
                    )
                }
            }
        }
        let now = now_ms();
        let store = self.store();
        let in_range = |c: &Call| {
            range.from.is_none_or(|t| c.time >= t) && range.to.is_none_or(|t| c.time < t)
        };
        if ids.is_none() && !raw {
            let calls: Vec<Value> = store
                .all()
                .filter(|c| in_range(c))
                .map(|c| index_entry(c, now))
                .collect();
            return Reply::json(200, &json!({"count": calls.len(), "calls": calls}));
        }
        let (found, missing): (Vec<&std::sync::Arc<Call>>, Vec<String>) = match ids {
            Some(ids) => {
                let mut found = Vec::new();
                let mut missing = Vec::new();
                for id in ids {
                    match store.get(&id) {
                        Some(c) if in_range(c) => found.push(c),
                        _ => missing.push(id),
                    }
                }
                (found, missing)
            }
            None => (store.all().filter(|c| in_range(c)).collect(), Vec::new()),
        };
        // Built by hand so each call's JSON is the very text Gong's
        // endpoints send.
        let mut out = String::from("{\"calls\":[");
        for (i, c) in found.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&format!(
                "{{\"id\":{},\"isPrivate\":{},\"visible\":{},\"extensive\":{},\"transcript\":{}}}",
                json!(c.id),
                c.private,
                c.visible(now),
                c.extensive,
                c.transcript_json()
            ));
        }
        out.push_str(&format!("],\"missing\":{}}}", json!(missing)));
        Reply::raw_json(200, out.into_bytes())
    }

    fn add_calls(&self, body: &Value) -> Result<Value, String> {
        let single = body.get("calls").is_none();
        let items = match body.get("calls") {
            None => std::slice::from_ref(body),
            Some(Value::Array(items)) => items.as_slice(),
            Some(_) => return Err("calls: expected {\"calls\": [...]} or one call".into()),
        };
        let now = now_ms();
        let mut calls = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let at = |e: String| {
                if single {
                    e
                } else {
                    format!("calls[{i}]: {e}")
                }
            };
            if !item["extensive"].is_object() {
                return Err(at(
                    "\"extensive\" must be a call object (a calls[] entry)".into()
                ));
            }
            let available = match (item.get("availableAfterMs"), item.get("pending")) {
                (Some(_), Some(Value::Bool(true))) => {
                    return Err(at("give availableAfterMs or pending, not both".into()))
                }
                (Some(ms), _) => match ms.as_f64() {
                    Some(ms) if ms >= 0.0 => Some(now + ms),
                    _ => return Err(at("availableAfterMs must be a number of ms ≥ 0".into())),
                },
                (None, Some(Value::Bool(true))) => Some(f64::INFINITY),
                (None, None | Some(Value::Bool(false) | Value::Null)) => None,
                (None, Some(_)) => return Err(at("pending must be true or false".into())),
            };
            let id = item["extensive"]["metaData"]["id"]
                .as_str()
                .unwrap_or_default();
            let transcript = match &item["transcript"] {
                Value::Null | Value::Object(_) => Call::raw_transcript(id, &item["transcript"]),
                _ => return Err(at("\"transcript\" must be a callTranscripts[] entry".into())),
            };
            calls.push(Call::new(item["extensive"].clone(), transcript, available).map_err(at)?);
        }
        let ids: Vec<String> = calls.iter().map(|c| c.id.clone()).collect();
        let mut store = self.store_mut();
        let mut replaced = 0;
        for call in calls {
            replaced += usize::from(store.insert(call));
        }
        Ok(json!({"ok": true, "id": ids.first(), "ids": ids, "replaced": replaced}))
    }

    fn edit_call(&self, id: &str, body: &Value) -> Result<Value, String> {
        let empty = Map::new();
        let meta = match body.get("metaData") {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(m)) => m,
            Some(_) => return Err("metaData must be an object of fields to change".into()),
        };
        let transcript = match body.get("transcript") {
            None => None,
            Some(t @ Value::Object(_)) => Some(t),
            Some(_) => return Err("transcript must be a callTranscripts[] entry".into()),
        };
        if let Some(other) = body
            .as_object()
            .and_then(|b| b.keys().find(|k| *k != "metaData" && *k != "transcript"))
        {
            return Err(format!("unknown field {other:?} (metaData, transcript)"));
        }
        let mut store = self.store_mut();
        let call = store.get(id).ok_or_else(|| format!("no call {id:?}"))?;
        let edited = call.edited(meta, transcript)?;
        let entry = index_entry(&edited, now_ms());
        store.insert(edited);
        Ok(json!({"ok": true, "call": entry}))
    }
}

/// One line of `GET /__sim/calls`.
fn index_entry(c: &Call, now: f64) -> Value {
    json!({
        "id": c.id, "title": c.title, "time": c.time, "started": generate::iso(c.time, 0, None),
        "isPrivate": c.private, "visible": c.visible(now),
        "availableAt": c.available_at.filter(|t| t.is_finite() && !c.visible(now)),
    })
}

/// Parses a JSON body and turns its errors into 400s.
fn with_body(body: &str, f: impl FnOnce(&Value) -> Result<Value, String>) -> Reply {
    let parsed: Value = match body.trim() {
        "" => json!({}),
        text => match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => return Reply::admin_error(400, format!("body is not JSON: {e}")),
        },
    };
    if !parsed.is_object() {
        return Reply::admin_error(400, "body must be a JSON object");
    }
    match f(&parsed) {
        Ok(v) => Reply::json(200, &v),
        Err(e) if e.starts_with("no call ") => Reply::admin_error(404, e),
        Err(e) => Reply::admin_error(400, e),
    }
}

fn string_list(v: &Value, key: &str) -> Result<Vec<String>, String> {
    v.as_array()
        .and_then(|items| {
            items
                .iter()
                .map(|i| i.as_str().map(str::to_owned))
                .collect()
        })
        .ok_or_else(|| format!("{key} must be an array of strings"))
}

/// Percent-decoding for query values and path ids (a `+` stays a `+`, as
/// in an ISO date's offset).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
