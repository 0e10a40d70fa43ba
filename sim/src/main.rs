//! gongkit-sim: a local stand-in for Gong's API, on 127.0.0.1.
//!
//! It serves the calls of `tests/fixtures/calls/` and generated ones for
//! `POST /v2/calls/extensive` and `POST /v2/calls/transcript`, checks Basic
//! auth against the key and secret it was started with, pages results with a
//! cursor, answers Gong-shaped errors (`{"requestId", "errors": [..]}`),
//! enforces Gong's rate limit if asked, and injects faults on request.
//!
//! ```text
//! usage: gongkit-sim [--port N] [--key K --secret S] [--fixtures DIR]
//!        [--generate N] [--from ISO] [--to ISO] [--variety] [--seed N]
//!        [--private-percent P] [--late-percent P] [--late-after-ms MS]
//!        [--page-size N] [--rate-limit N] [--loop-cursor] [--webhook-url URL]
//! ```
//! It prints `{"url": "http://127.0.0.1:PORT", "calls": N}` on its first
//! line of output once it listens (with `--webhook-url`, also
//! `"webhookPublicKey"`: the key to give the Worker as
//! `GONG_WEBHOOK_PUBLIC_KEY`).
//!
//! - `--generate N` (250) calls with ids `9000000000000000001` on, one every
//!   six hours from `--from` (2024-01-01), or spread at seeded random times
//!   over `[--from, --to)`. `--variety` makes them realistic (see
//!   `generate.rs`) and 5 % private; `--private-percent` sets that share,
//!   `--late-percent` the share still being processed (hidden until
//!   `--late-after-ms` after start, or with 0 until `/__sim/calls/process`).
//!   Same flags and `--seed` (1): same calls.
//! - `--webhook-url URL`: Gong's automation rule, "Signed JWT header": a
//!   signed POST of `{"callData", "isTest"}` to URL for each call that
//!   finishes processing after the start (`webhook.rs`).
//! - `--rate-limit N` (0, off): at most N Gong requests start in any 1 s;
//!   more are answered 429 with `Retry-After: 1`. Admin requests never count.
//!
//! Gong's endpoints, as `gong-api.md` describes them: `filter.callIds` (at
//! most 100 distinct ids, never empty), `fromDateTime` (inclusive),
//! `toDateTime` (exclusive), `workspaceId`, and for extensive
//! `primaryUserIds`; pages of `--page-size` in start order with
//! `records.cursor` while more remain. Transcripts take the same filters,
//! so a backfill can ask for 100 transcripts at once. A filter matching
//! nothing is a 404 "No calls found corresponding to the provided filters".
//!
//! Admin endpoints (JSON in and out; bad input is a 400 `{"errors": [..]}`):
//! ```text
//! GET    /__sim/health            {"ok": true}
//! GET    /__sim/log               every Gong request: path, endpoint, requestId, body, callIds,
//!                                 cursor, start and end (ms), status, rateLimited, fault
//! GET    /__sim/stats             {"requests", "extensive", "transcript", "rateLimited", "faulted",
//!                                  "byStatus": {"200": n}, "maxPerSecond", "rateLimit",
//!                                  "calls": {"total", "visible", "pending", "private"}}
//! POST   /__sim/reset             no faults, empty log and stats; {"calls": true} also restores
//!                                 the calls the simulator started with (late ones counted
//!                                 from the reset)
//! POST   /__sim/faults            {"faults": [{"kind": "429", "count": 2, "retryAfter": 1}]}
//!   kinds: 429, 500, 401, delay (ms), cut, malformed, truncated, expired-cursor, echo-auth;
//!   "count" requests (default 1), or each request with "probability"; "path" limits
//!   a fault to "extensive" or "transcript". Faults come after the rate limit.
//! GET    /__sim/rate-limit        {"perSecond": n}
//! POST   /__sim/rate-limit        {"perSecond": n}  (0 = off) → {"ok": true, "perSecond": n}
//! GET    /__sim/calls             {"count", "calls": [{"id", "title", "time" (Unix s), "started"
//!                                  (ISO, UTC), "isPrivate", "visible", "availableAt" (ms | null)}]}
//!                                 in start order, pending calls included (visible: false);
//!        ?from=ISO&to=ISO         only calls in that range
//!        ?ids=ID,ID  or  ?raw=true   each call's raw JSON as Gong would answer it:
//!                                 {"calls": [{"id", "isPrivate", "visible", "extensive": <calls[]
//!                                  entry>, "transcript": <callTranscripts[] entry>}], "missing": [ids]}
//! POST   /__sim/calls             {"extensive": <calls[] entry>, "transcript": <callTranscripts[]
//!                                  entry>?, "availableAfterMs": ms? | "pending": true?}
//!                                 or {"calls": [those]}: adds or replaces (by metaData.id)
//!                                 → {"ok": true, "id", "ids": [..], "replaced": n}
//! POST   /__sim/calls/process     {"ids": [..]} or {} for all: pending calls appear now
//!                                 → {"ok": true, "processed": [ids that were pending]}
//! PATCH  /__sim/calls/ID          {"metaData": {"title": "New", "isPrivate": true, "x": null},
//!                                  "transcript": <entry>?}: merges fields (null removes one)
//!                                 → {"ok": true, "call": <its GET /__sim/calls entry>}
//! DELETE /__sim/calls/ID          → {"ok": true, "id"}; Gong then answers as for an unknown id
//! GET    /__sim/webhooks          {"url", "publicKey", "sent", "delivered", "log": [{"id", "status",
//!                                  "atMs"}]} (404 without --webhook-url)
//! ```

mod admin;
mod args;
mod faults;
mod generate;
mod gong;
mod rate;
mod reply;
mod store;
#[cfg(test)]
mod tests;
mod webhook;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use tiny_http::{Request, Server};

use args::Config;
use faults::Faults;
use rate::RateLimit;
use store::{Call, Store};

/// The two Gong endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    Extensive,
    Transcript,
}

impl Endpoint {
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Extensive => "extensive",
            Endpoint::Transcript => "transcript",
        }
    }

    pub fn from_name(name: &str) -> Option<Endpoint> {
        match name {
            "extensive" => Some(Endpoint::Extensive),
            "transcript" => Some(Endpoint::Transcript),
            _ => None,
        }
    }
}

/// Counts of Gong requests since the start or the last reset.
#[derive(Default)]
pub struct Stats {
    pub extensive: u64,
    pub transcript: u64,
    pub rate_limited: u64,
    pub faulted: u64,
    pub by_status: BTreeMap<u16, u64>,
}

#[derive(Default)]
pub struct State {
    pub faults: Faults,
    pub log: Vec<Value>,
    pub stats: Stats,
    pub rate: RateLimit,
    pub request: u64,
}

pub struct Sim {
    pub config: Config,
    /// Gong's automation rule, with `--webhook-url`.
    pub webhooks: Option<Arc<webhook::Webhooks>>,
    store: RwLock<Store>,
    state: Mutex<State>,
}

impl Sim {
    pub fn new(config: Config) -> Result<Sim, String> {
        let store = initial_store(&config, now_ms())?;
        let webhooks = match &config.webhook_url {
            Some(url) => Some(Arc::new(webhook::Webhooks::generate(url.clone())?)),
            None => None,
        };
        Ok(Sim {
            webhooks,
            state: Mutex::new(State {
                rate: RateLimit::new(config.rate_limit),
                ..State::default()
            }),
            store: RwLock::new(store),
            config,
        })
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn store(&self) -> RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn store_mut(&self) -> RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(|e| e.into_inner())
    }

    fn handle(&self, mut request: Request) {
        let mut body = String::new();
        let _ = request.as_reader().take(64 << 20).read_to_string(&mut body);
        let url = request.url().to_owned();
        let method = request.method().as_str().to_owned();
        let (path, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
        let endpoint = match (method.as_str(), path) {
            ("POST", "/v2/calls/extensive") => Some(Endpoint::Extensive),
            ("POST", "/v2/calls/transcript") => Some(Endpoint::Transcript),
            _ => None,
        };
        let Some(endpoint) = endpoint else {
            let reply = self.admin(&method, path, query, &body);
            reply::send(request, reply);
            return;
        };
        let auth = request
            .headers()
            .iter()
            .find(|h| h.field.equiv("Authorization"))
            .map(|h| h.value.as_str().to_owned());
        let (reply, entry) = self.gong(endpoint, auth.as_deref(), &url, &body);
        let status = reply.status();
        reply::send(request, reply);
        self.finish(entry, status);
    }
}

/// The fixture calls and the generated ones, as the simulator starts.
pub fn initial_store(config: &Config, now: f64) -> Result<Store, String> {
    let mut store = Store::default();
    for call in load_fixtures(config)? {
        store.insert(call);
    }
    let g = &config.generate;
    let late_at = if g.late_after_ms == 0 {
        f64::INFINITY
    } else {
        now + g.late_after_ms as f64
    };
    for generated in generate::generate(g) {
        let available = generated.late.then_some(late_at);
        store.insert(Call::new(
            generated.extensive,
            generated.transcript,
            available,
        )?);
    }
    Ok(store)
}

fn load_fixtures(config: &Config) -> Result<Vec<Call>, String> {
    let dir = std::fs::read_dir(&config.fixtures)
        .map_err(|e| format!("{}: {e}", config.fixtures.display()))?;
    let mut names: Vec<String> = dir
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|f| f.strip_suffix(".extensive.json").map(str::to_owned))
        .collect();
    names.sort();
    let mut calls = Vec::new();
    for name in names {
        let read = |suffix: &str| -> Result<Value, String> {
            let path = config.fixtures.join(format!("{name}.{suffix}.json"));
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
        };
        let extensive = read("extensive")?["calls"][0].clone();
        let transcript = read("transcript")?["callTranscripts"][0].clone();
        let call = Call::new(
            extensive,
            generate::Transcript::Raw(transcript.to_string()),
            None,
        )
        .map_err(|e| format!("{name}: {e}"))?;
        calls.push(call);
    }
    Ok(calls)
}

pub fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

fn main() {
    let config = match args::parse_args(std::env::args().skip(1).collect()) {
        Ok(Some(c)) => c,
        Ok(None) => {
            println!("{}", args::USAGE);
            return;
        }
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
    let sim = match Sim::new(config) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("gongkit-sim: {e}");
            std::process::exit(2);
        }
    };
    let mut first = json!({"url": format!("http://127.0.0.1:{port}"), "calls": sim.store().len()});
    if let Some(hooks) = &sim.webhooks {
        first["webhookPublicKey"] = json!(hooks.public_key());
        webhook::watch(Arc::clone(&sim), Arc::clone(hooks));
    }
    println!("{first}");
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
