//! gongkit-sim: a local stand-in for Gong's API, on 127.0.0.1.
//!
//! It serves the calls of `tests/fixtures/calls/` (and generated ones) for
//! `POST /v2/calls/extensive` and `POST /v2/calls/transcript`, checks Basic
//! auth against the key and secret it was started with, pages results with a
//! cursor, answers Gong-shaped errors, and injects faults on request:
//!
//! ```text
//! POST /__sim/faults {"faults": [{"kind": "429", "count": 2, "retryAfter": 1}]}
//!   kinds: 429, 500, 401, delay (ms), cut, malformed, truncated, expired-cursor, echo-auth;
//!   "count" requests (default 1), or each request with "probability"; "path" limits
//!   a fault to "extensive" or "transcript".
//! GET  /__sim/log     every Gong request: path, call ids, cursor, start and end (ms), status
//! POST /__sim/reset   no faults, empty log
//! ```
//!
//! usage: `gongkit-sim [--port N] [--key K --secret S] [--fixtures DIR]
//! [--generate N] [--page-size N]`; it prints `{"url": "http://127.0.0.1:PORT"}`
//! on its first line of output once it listens.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use serde_json::{json, Value};
use tiny_http::{Header, Request, Response, Server};

const NO_CALLS: &str = "No calls found corresponding to the provided filters";

struct Config {
    port: u16,
    key: String,
    secret: String,
    fixtures: PathBuf,
    generate: usize,
    page_size: usize,
}

/// A call as the simulator holds it: its extensive entry, its transcript
/// entry, and when it started (for date filters and order).
struct Call {
    id: String,
    extensive: Value,
    transcript: Value,
    time: i64,
}

#[derive(Clone, Debug)]
struct Fault {
    kind: String,
    remaining: u64,
    probability: Option<f64>,
    retry_after: u64,
    ms: u64,
    path: Option<String>,
}

#[derive(Default)]
struct State {
    faults: Vec<Fault>,
    log: Vec<Value>,
    rng: u64,
    request: u64,
}

struct Sim {
    config: Config,
    calls: Vec<Call>,
    by_id: BTreeMap<String, usize>,
    state: Mutex<State>,
    /// Calls added at run time (`POST /__sim/calls`), for size sweeps.
    added: Mutex<BTreeMap<String, Arc<Call>>>,
}

fn main() {
    let config = match parse_args(std::env::args().skip(1).collect()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("gongkit-sim: {e}");
            std::process::exit(2);
        }
    };
    let calls = match load_calls(&config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("gongkit-sim: {e}");
            std::process::exit(2);
        }
    };
    let server = match Server::http(("127.0.0.1", config.port)) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!(
                "gongkit-sim: cannot listen on 127.0.0.1:{}: {e}",
                config.port
            );
            std::process::exit(1);
        }
    };
    let port = server
        .server_addr()
        .to_ip()
        .map(|a| a.port())
        .unwrap_or(config.port);
    let by_id = calls
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.clone(), i))
        .collect();
    let sim = Arc::new(Sim {
        config,
        calls,
        by_id,
        added: Mutex::new(BTreeMap::new()),
        state: Mutex::new(State {
            rng: 0x9E37_79B9_7F4A_7C15,
            ..State::default()
        }),
    });
    println!(
        "{}",
        json!({"url": format!("http://127.0.0.1:{port}"), "calls": sim.calls.len()})
    );
    let _ = std::io::stdout().flush();
    // Requests are served concurrently, as Gong does, so overlapping
    // requests (and delays) can be seen in the log.
    let workers: Vec<_> = (0..32)
        .map(|_| {
            let (server, sim) = (Arc::clone(&server), Arc::clone(&sim));
            std::thread::spawn(move || {
                while let Ok(request) = server.recv() {
                    sim.handle(request);
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
}

fn parse_args(args: Vec<String>) -> Result<Config, String> {
    let mut config = Config {
        port: 0,
        key: "sim-key".into(),
        secret: "sim-secret".into(),
        fixtures: PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/calls"
        )),
        generate: 250,
        page_size: 100,
    };
    let mut it = args.into_iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => config.port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
            "--key" => config.key = value()?,
            "--secret" => config.secret = value()?,
            "--fixtures" => config.fixtures = value()?.into(),
            "--generate" => {
                config.generate = value()?.parse().map_err(|e| format!("--generate: {e}"))?
            }
            "--page-size" => {
                config.page_size = value()?.parse().map_err(|e| format!("--page-size: {e}"))?;
                if config.page_size == 0 {
                    return Err("--page-size must be at least 1".into());
                }
            }
            "--help" | "-h" => {
                println!("usage: gongkit-sim [--port N] [--key K --secret S] [--fixtures DIR] [--generate N] [--page-size N]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    Ok(config)
}

fn load_calls(config: &Config) -> Result<Vec<Call>, String> {
    let mut calls = Vec::new();
    let dir = std::fs::read_dir(&config.fixtures)
        .map_err(|e| format!("{}: {e}", config.fixtures.display()))?;
    let mut names: Vec<String> = dir
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|f| f.strip_suffix(".extensive.json").map(str::to_owned))
        .collect();
    names.sort();
    for name in names {
        let read = |suffix: &str| -> Result<Value, String> {
            let path = config.fixtures.join(format!("{name}.{suffix}.json"));
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
        };
        let extensive = read("extensive")?;
        let transcript = read("transcript")?;
        let call = extensive["calls"][0].clone();
        let meta = &call["metaData"];
        let id = match &meta["id"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let transcript = transcript["callTranscripts"][0].clone();
        calls.push(Call {
            time: call_time(meta),
            id,
            extensive: call,
            transcript,
        });
    }
    // Generated calls for paging: one every six hours from 2024-01-01.
    let start = 1_704_067_200; // 2024-01-01T00:00:00Z
    for i in 0..config.generate {
        let id = format!("{}", 9_000_000_000_000_000_000u64 + i as u64 + 1);
        let time = start + i as i64 * 6 * 3600;
        let company = ["acme", "globex", "initech", "umbrella", "hooli"][i % 5];
        let extensive = json!({
            "metaData": {
                "id": id, "title": format!("Generated call {}", i + 1),
                "url": format!("https://app.gong.io/call?id={id}"),
                "scheduled": time, "started": time, "duration": 600 + i as i64,
                "direction": "Outbound", "scope": "External", "media": "Video", "language": "eng"
            },
            "parties": [
                {"id": "1", "name": "Dana Ito", "emailAddress": "dana@seller.io", "speakerId": "1", "affiliation": "Internal"},
                {"id": "2", "name": format!("Customer {}", i + 1), "emailAddress": format!("buyer{}@{company}.com", i + 1), "speakerId": "2", "affiliation": "External"}
            ]
        });
        let transcript = json!({
            "callId": id,
            "transcript": [
                {"speakerId": "1", "topic": "Call Setup", "sentences": [{"start": 0, "end": 1800, "text": format!("Hello, this is call {}.", i + 1)}]},
                {"speakerId": "2", "sentences": [{"start": 2000, "end": 3500, "text": "Thanks for calling."}]}
            ]
        });
        calls.push(Call {
            id,
            extensive,
            transcript,
            time,
        });
    }
    calls.sort_by_key(|c| c.time);
    Ok(calls)
}

/// The call's start (else scheduled) time in Unix seconds.
fn call_time(meta: &Value) -> i64 {
    for key in ["started", "scheduled"] {
        let text = match &meta[key] {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => continue,
        };
        if let Ok(t) = gongkit::parse_call_time(&text) {
            return t.utc().timestamp();
        }
    }
    0
}

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).unwrap_or_else(|()| {
        Header::from_bytes(&b"X-Invalid"[..], &b"1"[..]).expect("static header")
    })
}

fn json_response(status: u16, body: &Value) -> Response<std::io::Cursor<Vec<u8>>> {
    Response::from_data(body.to_string().into_bytes())
        .with_status_code(status)
        .with_header(header("Content-Type", "application/json"))
}

/// What answering a Gong request produced: sent, or a connection to cut.
enum Answer {
    Send(Response<std::io::Cursor<Vec<u8>>>, u16),
    Cut,
}

impl Sim {
    fn handle(&self, mut request: Request) {
        let mut body = String::new();
        let _ = request.as_reader().take(64 << 20).read_to_string(&mut body);
        let url = request.url().to_owned();
        let method = request.method().as_str().to_owned();
        let path = url.split('?').next().unwrap_or_default().to_owned();
        match (method.as_str(), path.as_str()) {
            ("GET", "/__sim/health") => {
                let _ = request.respond(json_response(200, &json!({"ok": true})));
            }
            ("GET", "/__sim/log") => {
                let log = self.state().log.clone();
                let _ = request.respond(json_response(200, &Value::Array(log)));
            }
            ("POST", "/__sim/reset") => {
                let mut s = self.state();
                s.faults.clear();
                s.log.clear();
                drop(s);
                let _ = request.respond(json_response(200, &json!({"ok": true})));
            }
            ("POST", "/__sim/calls") => {
                let answer = self.add_call(&body);
                let _ = request.respond(answer);
            }
            ("POST", "/__sim/faults") => {
                let answer = self.add_faults(&body);
                let _ = request.respond(answer);
            }
            ("POST", "/v2/calls/extensive" | "/v2/calls/transcript") => {
                let started = now_ms();
                let kind = if path.ends_with("extensive") {
                    "extensive"
                } else {
                    "transcript"
                };
                let auth = request
                    .headers()
                    .iter()
                    .find(|h| h.field.equiv("Authorization"))
                    .map(|h| h.value.as_str().to_owned());
                let parsed: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                let answer = self.gong(kind, auth.as_deref(), &body);
                let status = match &answer {
                    Answer::Send(_, status) => *status,
                    Answer::Cut => 0,
                };
                match answer {
                    Answer::Send(response, _) => {
                        let _ = request.respond(response);
                    }
                    // No answer at all: the connection just closes.
                    Answer::Cut => drop(request.into_writer()),
                }
                self.state().log.push(json!({
                    "path": url, "body": parsed, "callIds": parsed["filter"]["callIds"], "cursor": parsed["cursor"],
                    "start": started, "end": now_ms(), "status": status
                }));
            }
            _ => {
                let _ = request.respond(json_response(
                    404,
                    &json!({"errors": [format!("no route {method} {path}")]}),
                ));
            }
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a call: `{"extensive": <one call>, "transcript": <its callTranscripts entry>}`.
    fn add_call(&self, body: &str) -> Response<std::io::Cursor<Vec<u8>>> {
        let parsed: Value = match serde_json::from_str(body) {
            Ok(v) => v,
            Err(e) => return json_response(400, &json!({"errors": [format!("calls: {e}")]})),
        };
        let Some(id) = parsed["extensive"]["metaData"]["id"]
            .as_str()
            .map(str::to_owned)
        else {
            return json_response(
                400,
                &json!({"errors": ["extensive.metaData.id must be a string"]}),
            );
        };
        let call = Call {
            time: call_time(&parsed["extensive"]["metaData"]),
            id: id.clone(),
            extensive: parsed["extensive"].clone(),
            transcript: parsed["transcript"].clone(),
        };
        self.added
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.clone(), Arc::new(call));
        json_response(200, &json!({"ok": true, "id": id}))
    }

    fn add_faults(&self, body: &str) -> Response<std::io::Cursor<Vec<u8>>> {
        let parsed: Value = match serde_json::from_str(body) {
            Ok(v) => v,
            Err(e) => return json_response(400, &json!({"errors": [format!("faults: {e}")]})),
        };
        let known = [
            "429",
            "500",
            "401",
            "delay",
            "cut",
            "malformed",
            "truncated",
            "expired-cursor",
            "echo-auth",
        ];
        let mut added = Vec::new();
        for f in parsed["faults"].as_array().cloned().unwrap_or_default() {
            let kind = f["kind"].as_str().unwrap_or_default().to_owned();
            if !known.contains(&kind.as_str()) {
                return json_response(
                    400,
                    &json!({"errors": [format!("unknown fault kind {kind:?}")]}),
                );
            }
            added.push(Fault {
                kind,
                remaining: f["count"]
                    .as_u64()
                    .unwrap_or(if f["probability"].is_number() {
                        u64::MAX
                    } else {
                        1
                    }),
                probability: f["probability"].as_f64(),
                retry_after: f["retryAfter"].as_u64().unwrap_or(1),
                ms: f["ms"].as_u64().unwrap_or(0),
                path: f["path"].as_str().map(str::to_owned),
            });
        }
        let n = added.len();
        self.state().faults.extend(added);
        json_response(200, &json!({"ok": true, "added": n}))
    }

    /// The faults that apply to this request, in order (a delay can come
    /// with one other fault).
    fn take_faults(&self, kind: &str) -> Vec<Fault> {
        let mut s = self.state();
        s.request += 1;
        let mut taken: Vec<Fault> = Vec::new();
        let mut rng = s.rng;
        for f in s.faults.iter_mut() {
            if f.remaining == 0 || f.path.as_deref().is_some_and(|p| p != kind) {
                continue;
            }
            if taken.iter().any(|t| t.kind != "delay") && f.kind != "delay" {
                continue;
            }
            if let Some(p) = f.probability {
                // xorshift: deterministic per run, enough for fault rates.
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                if (rng % 10_000) as f64 >= p * 10_000.0 {
                    continue;
                }
            }
            f.remaining -= 1;
            taken.push(f.clone());
        }
        s.rng = rng;
        s.faults.retain(|f| f.remaining > 0);
        taken
    }

    fn gong(&self, kind: &str, auth: Option<&str>, body: &str) -> Answer {
        let request_id = format!("sim-{:x}", self.state().request);
        let error = |status: u16, message: &str| {
            Answer::Send(
                json_response(
                    status,
                    &json!({"requestId": request_id, "errors": [message]}),
                ),
                status,
            )
        };
        // "truncated" sends a real answer cut in half.
        let mut truncate = false;
        for fault in self.take_faults(kind) {
            match fault.kind.as_str() {
                "delay" => std::thread::sleep(Duration::from_millis(fault.ms)),
                "truncated" => truncate = true,
                "429" => {
                    let response = json_response(
                        429,
                        &json!({"requestId": request_id, "errors": ["API request limit exceeded"]}),
                    )
                    .with_header(header("Retry-After", &fault.retry_after.to_string()));
                    return Answer::Send(response, 429);
                }
                "500" => return error(500, "Internal server error"),
                "401" => return error(401, "Unauthorized: bad credentials"),
                "cut" => return Answer::Cut,
                "malformed" => {
                    let r =
                        Response::from_data(b"<html><body>502 Bad Gateway</body></html>".to_vec())
                            .with_header(header("Content-Type", "text/html"));
                    return Answer::Send(r, 200);
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
        let filter = &request["filter"];
        let added: Vec<Arc<Call>> = match filter.get("callIds") {
            Some(Value::Array(ids)) => {
                let map = self.added.lock().unwrap_or_else(|e| e.into_inner());
                ids.iter()
                    .filter_map(|id| id.as_str().and_then(|id| map.get(id).cloned()))
                    .collect()
            }
            _ => Vec::new(),
        };
        let mut selected: Vec<&Call> = match filter.get("callIds") {
            Some(Value::Array(ids)) if ids.is_empty() => {
                return error(400, "callIds must not be empty")
            }
            Some(Value::Array(ids)) => ids
                .iter()
                .filter_map(|id| id.as_str().and_then(|id| self.by_id.get(id)))
                .map(|&i| &self.calls[i])
                .chain(added.iter().map(|c| c.as_ref()))
                .collect(),
            Some(_) => return error(400, "callIds must be an array of strings"),
            None => self.calls.iter().collect(),
        };
        for (key, keep_before) in [("fromDateTime", false), ("toDateTime", true)] {
            if let Some(value) = filter.get(key).and_then(Value::as_str) {
                let Ok(t) = gongkit::parse_call_time(value) else {
                    return error(400, &format!("{key} is not a valid ISO-8601 date"));
                };
                let t = t.utc().timestamp();
                selected.retain(|c| if keep_before { c.time < t } else { c.time >= t });
            }
        }
        if let Some(ws) = filter.get("workspaceId").and_then(Value::as_str) {
            selected.retain(|c| {
                c.extensive["metaData"]["workspaceId"]
                    .as_str()
                    .is_none_or(|w| w == ws)
            });
        }
        if selected.is_empty() {
            return error(404, NO_CALLS);
        }
        // The cursor is the offset of the next page, tied to this filter.
        let fingerprint = filter
            .to_string()
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            });
        let offset = match request.get("cursor").and_then(Value::as_str) {
            None => 0,
            Some(c) => match decode_cursor(c) {
                Some((off, fp)) if fp == fingerprint && off < selected.len() => off,
                _ => return error(400, "The cursor is invalid or has expired"),
            },
        };
        let page = &selected[offset..(offset + self.config.page_size).min(selected.len())];
        let mut records = json!({
            "totalRecords": selected.len(),
            "currentPageSize": page.len(),
            "currentPageNumber": offset / self.config.page_size,
        });
        if offset + page.len() < selected.len() {
            records["cursor"] = json!(encode_cursor(offset + page.len(), fingerprint));
        }
        let body = if kind == "extensive" {
            json!({"requestId": request_id, "records": records, "calls": page.iter().map(|c| &c.extensive).collect::<Vec<_>>()})
        } else {
            json!({"requestId": request_id, "records": records, "callTranscripts": page.iter().map(|c| &c.transcript).collect::<Vec<_>>()})
        };
        let mut bytes = body.to_string().into_bytes();
        if truncate {
            bytes.truncate(bytes.len() / 2);
        }
        Answer::Send(
            Response::from_data(bytes).with_header(header("Content-Type", "application/json")),
            200,
        )
    }
}

fn encode_cursor(offset: usize, fingerprint: u64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{offset}.{fingerprint}"))
}

fn decode_cursor(cursor: &str) -> Option<(usize, u64)> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (offset, fp) = text.split_once('.')?;
    Some((offset.parse().ok()?, fp.parse().ok()?))
}
