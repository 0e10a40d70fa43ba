//! The service layer: one function per capability (a call, its transcript,
//! its document or chunks, a listing, a customer's calls, formatting raw
//! JSON). Each takes its typed arguments ([`crate::args`]) and returns core
//! types or one [`Error`]; the REST routes and the MCP tools call the same
//! function and only translate. Every rule (private calls, limits, quota
//! care) lives here, once.
//!
//! Gong's answers are parsed once: the extensive answer into the core's
//! model, which is then normalized; the transcript by the pass that formats
//! it. An answer is cached only after that pass accepted it.
//!
//! This file is the per-request context (settings, user, cache, library,
//! gate, what the answer returned and what to write after it); the rest is
//! one concern a file: `answers` (library → cache → Gong), `access` (the
//! one access rule as applied), `calls` (one call), `listing` (ranges and a
//! customer's calls), `sync` (the sync as a caller sees it), `format`
//! (`POST /v1/format`).

use std::cell::{Cell, OnceCell, RefCell};

use gongkit::{AnyExtensive, CallOptions, Chunk};
use serde_json::Value;

use crate::access::User;
use crate::args::CallId;
use crate::cache::{Body, Store};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::gong::Gong;
use crate::library::{Libraries, Record};
use crate::sign::Signer;

/// Where an answer's Gong data came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// From the call library (D1): no Gong request.
    Library,
    /// All of it from the cache.
    Cache,
    /// Some of it from Gong.
    Gong,
}

/// Text, or its chunks, or one chunk; or one of those kept before.
#[derive(Debug)]
pub enum Text {
    /// The whole text.
    Whole(String),
    /// Every chunk.
    Chunks(Vec<Chunk>),
    /// One chunk (of `count`).
    Chunk(Chunk),
    /// A text answer rendered before: what it is, read; its body, not (a
    /// REST answer hands it on as the cache gave it).
    Kept(Head, Body),
}

impl Text {
    /// The text itself: a kept answer's body read into memory.
    ///
    /// # Errors
    ///
    /// 500 `internal_error` when the kept body cannot be read or is not
    /// what was kept.
    pub async fn read(self) -> Result<Text> {
        match self {
            Text::Kept(head, body) => {
                let body = read_kept(body).await?;
                answers::text_from_entry(&head, body)
                    .ok_or_else(|| Error::Internal("a kept answer is not what was kept".into()))
            }
            made => Ok(made),
        }
    }
}

/// What a kept text answer is (its head line, as `answers::text_entry`
/// writes it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Head {
    /// The whole text.
    Whole,
    /// Every chunk.
    Chunks,
    /// One chunk.
    Chunk(Place),
}

/// Where a chunk is: which of how many, and the times it spans.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    /// Its index, from 0.
    pub index: usize,
    /// How many chunks there are.
    pub count: usize,
    /// Its first line's start (ms), if known.
    pub start: Option<i64>,
    /// Its last line's end (ms), if known.
    pub end: Option<i64>,
}

impl Place {
    /// The chunk of `text` at this place.
    pub fn chunk(self, text: String) -> Chunk {
        Chunk {
            index: self.index,
            count: self.count,
            text,
            start: self.start,
            end: self.end,
        }
    }
}

/// JSON an answer carries: made now, or rendered before and kept (not
/// read: a REST answer hands it on as the cache gave it).
#[derive(Debug)]
pub enum Content {
    /// Made for this request.
    Made(String),
    /// Kept before.
    Kept(Body),
}

impl Content {
    /// The JSON itself: a kept answer's body read into memory.
    ///
    /// # Errors
    ///
    /// 500 `internal_error` when the kept body cannot be read.
    pub async fn read(self) -> Result<String> {
        match self {
            Content::Made(json) => Ok(json),
            Content::Kept(body) => read_kept(body).await,
        }
    }
}

/// A kept answer's body, read.
async fn read_kept(body: Body) -> Result<String> {
    body.text()
        .await
        .map_err(|e| Error::Internal(format!("a kept answer could not be read: {e}")))
}

/// A page of calls and the cursor for the next one.
#[derive(Debug)]
pub struct Listing {
    /// The normalized calls (without transcripts).
    pub calls: Vec<Value>,
    /// Our cursor for the next page, if any.
    pub cursor: Option<String>,
    /// Where the calls came from: the library, or Gong.
    pub source: Source,
}

/// The calls of an account.
#[derive(Debug)]
pub struct Found {
    /// Matching calls, newest first.
    pub calls: Vec<Value>,
    /// How many calls of the range were looked at.
    pub scanned: usize,
    /// Whether the scan stopped at [`FIND_SCAN_LIMIT`] before the range's start.
    pub truncated: bool,
    /// The library (no Gong request), or a scan of Gong.
    pub source: Source,
    /// Why Gong was scanned instead of the library.
    pub fallback: Option<String>,
    /// The part of the range looked at completely (ISO 8601 `from`, `to`),
    /// when Gong was scanned: the newest part, up to the range's end.
    pub covered: Option<(String, String)>,
}

/// One request's view of the Worker: its settings, cache and Gong client.
pub struct Service {
    /// The settings.
    pub config: Config,
    store: Store,
    gong: OnceCell<Result<(Gong, Signer)>>,
    now_ms: u64,
    /// Writes to make once the response is sent (`waitUntil`).
    pending: RefCell<Vec<Write>>,
    source: Cell<Option<Source>>,
    #[cfg(target_arch = "wasm32")]
    gate: Option<std::rc::Rc<crate::gate::remote::Client>>,
    library: Option<Libraries>,
    /// Calls to write to the library once the response is sent.
    records: RefCell<Vec<Record>>,
    /// Who the request acts for ([`User::nobody`] until authorized).
    user: User,
    /// The ids of the calls this answer returned, for the audit line.
    returned: RefCell<Vec<String>>,
    /// The MCP tool this request called, for the log line.
    tool: Cell<Option<&'static str>>,
    /// The runtime's bindings, for the sync's Durable Object.
    #[cfg(target_arch = "wasm32")]
    env: Option<worker::Env>,
    /// Aborted when the client goes away (`request.signal`).
    #[cfg(target_arch = "wasm32")]
    client_signal: Option<worker::web_sys::AbortSignal>,
}

/// A cache write to make after the answer.
#[derive(Debug)]
pub struct Write {
    /// The key.
    pub key: String,
    /// The tag kept beside the value ([`Store::get_tagged`]), if any.
    pub tag: Option<String>,
    /// The value.
    pub value: String,
    /// Seconds to keep it.
    pub ttl: u64,
}

impl Service {
    /// The service for one request.
    pub fn new(config: Config, store: Store, now_ms: u64) -> Service {
        Service {
            config,
            store,
            gong: OnceCell::new(),
            now_ms,
            pending: RefCell::new(Vec::new()),
            source: Cell::new(None),
            #[cfg(target_arch = "wasm32")]
            gate: None,
            library: None,
            records: RefCell::new(Vec::new()),
            user: User::nobody(),
            returned: RefCell::new(Vec::new()),
            tool: Cell::new(None),
            #[cfg(target_arch = "wasm32")]
            env: None,
            #[cfg(target_arch = "wasm32")]
            client_signal: None,
        }
    }

    /// The request's signal, aborted when the client goes away: long work
    /// for it (a live scan of Gong) stops instead of spending Gong's quota
    /// for nobody. Needs the `enable_request_signal` compatibility flag.
    #[cfg(target_arch = "wasm32")]
    pub fn with_client_signal(mut self, request: &worker::Request) -> Service {
        self.client_signal = Some(request.inner().signal());
        self
    }

    /// Whether the client has gone away.
    pub(crate) fn client_gone(&self) -> bool {
        #[cfg(target_arch = "wasm32")]
        {
            self.client_signal.as_ref().is_some_and(|s| s.aborted())
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            false
        }
    }

    /// The runtime's bindings (the sync's Durable Object is reached
    /// through them).
    #[cfg(target_arch = "wasm32")]
    pub fn with_env(mut self, env: worker::Env) -> Service {
        self.env = Some(env);
        self
    }

    /// Notes the MCP tool this request runs (for the log line).
    pub fn called_tool(&self, name: &'static str) {
        self.tool.set(Some(name));
    }

    /// The MCP tool this request ran, if any.
    pub fn tool(&self) -> Option<&'static str> {
        self.tool.get()
    }

    /// Acts for `user`: every capability shows only the calls the user may
    /// see ([`Service::may_see`]).
    pub fn with_user(mut self, user: User) -> Service {
        self.user = user;
        self
    }

    /// Who the request acts for.
    pub fn user(&self) -> &User {
        &self.user
    }

    /// Notes that the answer returns call `id` (for the audit line).
    pub fn returned(&self, id: &str) {
        self.returned.borrow_mut().push(id.to_owned());
    }

    /// How many ids the answer has noted so far (see [`Service::forget_returned`]).
    pub fn returned_mark(&self) -> usize {
        self.returned.borrow().len()
    }

    /// Forgets the ids noted after `mark`: an attempt whose answer was
    /// thrown away returned nothing (the audit line names what was sent).
    pub fn forget_returned(&self, mark: usize) {
        self.returned.borrow_mut().truncate(mark);
    }

    /// The ids of the calls the answer returned.
    pub fn take_returned(&self) -> Vec<String> {
        self.returned.take()
    }

    /// Reads and writes the call library.
    pub fn with_library(mut self, library: Libraries) -> Service {
        self.library = Some(library);
        self
    }

    /// The call library, if bound.
    pub fn library(&self) -> Option<&Libraries> {
        self.library.as_ref()
    }

    /// Calls to write to the library after the answer.
    pub fn take_records(&self) -> Vec<Record> {
        self.records.take()
    }

    /// Every Gong request of this service takes a permit from `gate`.
    #[cfg(target_arch = "wasm32")]
    pub fn with_gate(mut self, gate: crate::gate::remote::Client) -> Service {
        self.gate = Some(std::rc::Rc::new(gate));
        self
    }

    /// Not available outside the Workers runtime.
    #[cfg(not(target_arch = "wasm32"))]
    pub async fn quota(&self) -> Result<crate::gate::Usage> {
        Err(Error::NotConfigured(
            "the Gong gate runs only in the Workers runtime".into(),
        ))
    }

    /// Today's use of Gong's quota (`GET /v1/quota`).
    #[cfg(target_arch = "wasm32")]
    pub async fn quota(&self) -> Result<crate::gate::Usage> {
        let gate = self
            .gate
            .as_ref()
            .ok_or_else(|| Error::NotConfigured("the Gong gate is not bound".into()))?;
        let who = crate::gate::Ask {
            purpose: crate::gate::Purpose::Demand,
            user: self.user.label.clone(),
            admin: self.user.admin,
            max_wait_ms: 0,
        };
        gate.usage(Some(&who)).await
    }

    fn client(&self) -> Result<&(Gong, Signer)> {
        self.gong
            .get_or_init(|| {
                let (base, key, secret) = self.config.gong_credentials()?;
                let gong = Gong::new(base, key, secret);
                #[cfg(target_arch = "wasm32")]
                let gong = match &self.gate {
                    Some(gate) => gong
                        .with_gate(gate.clone(), crate::gate::Purpose::Demand)
                        .for_user(&self.user),
                    None => gong,
                };
                Ok((gong, Signer::new(base, key, secret)))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The signer of cursors (from Gong's credentials).
    pub(crate) fn signer(&self) -> Result<&Signer> {
        self.client().map(|(_, signer)| signer)
    }

    /// The library, for a capability that only reads it.
    ///
    /// # Errors
    ///
    /// 503 `not_configured` naming the capability when D1 is not bound.
    pub(crate) fn require_library(&self, what: &str) -> Result<&Libraries> {
        self.library.as_ref().ok_or_else(|| {
            Error::NotConfigured(format!(
                "{what} reads the call library: bind the D1 database GONGKIT_DB (see wrangler.toml) and run the sync"
            ))
        })
    }

    /// Stored calls as the normalized calls a listing gives (no
    /// transcripts), private ones left out unless allowed.
    pub(crate) fn summaries(
        &self,
        rows: &[crate::library::Stored],
        utc_offset_minutes: Option<i32>,
    ) -> Result<Vec<Value>> {
        let options = CallOptions {
            internal_domains: self.config.internal_domains.clone(),
            utc_offset_minutes,
            ..CallOptions::default()
        };
        let mut calls = Vec::with_capacity(rows.len());
        for row in rows {
            if row.is_private != 0 && !self.config.include_private_calls {
                continue;
            }
            let parsed = AnyExtensive::from_json(&row.extensive).map_err(Error::from_gong)?;
            let normalized =
                gongkit::normalize_call(&parsed, None, &options).map_err(Error::from_gong)?;
            let value = serde_json::to_value(&normalized).map_err(Error::internal)?;
            if self.may_see(&value) {
                calls.push(value);
            }
        }
        Ok(calls)
    }

    /// Fails unless Gong's credentials are set (503 `not_configured`).
    pub fn require_gong(&self) -> Result<()> {
        self.client().map(drop)
    }

    /// Requests sent to Gong so far.
    pub fn gong_requests(&self) -> u32 {
        self.gong
            .get()
            .and_then(|g| g.as_ref().ok())
            .map_or(0, |(g, _)| g.requests())
    }

    /// Where this request's Gong data came from, if it used any.
    pub fn source(&self) -> Option<Source> {
        self.source.get()
    }

    /// The cache writes to make after the answer is sent.
    pub fn take_pending(&self) -> Vec<Write> {
        self.pending.take()
    }

    /// The cache and the library, for writing after the answer.
    pub fn into_parts(self) -> (Store, Option<Libraries>) {
        (self.store, self.library)
    }

    pub(crate) fn note(&self, source: Source) {
        let merged = match (self.source.get(), source) {
            (Some(Source::Gong), _) | (_, Source::Gong) => Source::Gong,
            (Some(Source::Cache), _) | (_, Source::Cache) => Source::Cache,
            _ => Source::Library,
        };
        self.source.set(Some(merged));
    }

    fn options(&self, options: &CallOptions, id: &CallId) -> CallOptions {
        CallOptions {
            internal_domains: self.config.internal_domains.clone(),
            call_id: Some(id.as_str().to_owned()),
            ..options.clone()
        }
    }

    /// Notes that the answer returns these normalized calls.
    pub(crate) fn returned_all(&self, calls: &[Value]) {
        for call in calls {
            if let Some(id) = call["id"].as_str() {
                self.returned(id);
            }
        }
    }
}

mod access;
mod answers;
mod calls;
mod erasure;
mod format;
mod listing;
mod sync;

pub use answers::NOT_FOUND_TTL_SECONDS;
pub use format::{format_raw, format_raw_transcript};
pub(crate) use listing::instant;
pub use listing::{FIND_GONG_REQUESTS, FIND_SCAN_LIMIT, FIND_WINDOW_DAYS};
