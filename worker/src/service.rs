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

use std::cell::{Cell, OnceCell, RefCell};

use futures::join;
use gongkit::{AnyExtensive, CallData, CallOptions, Chunk, RequestOptions, TranscriptInput};
use serde_json::Value;

use crate::access::User;
use crate::args::{
    self, CallArgs, CallId, DocumentArgs, FindArgs, ListArgs, TranscriptArgs, MAX_CHUNKS_PER_ANSWER,
};
use crate::cache::Store;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::gong::{Answer, Gong};
use crate::library::{Library, Record, Visibility};
use crate::list::{self, PageGuard, Position};
use crate::sign::Signer;

/// An unknown call id is remembered this long, so a looping client does
/// not spend Gong's quota asking again.
pub const NOT_FOUND_TTL_SECONDS: u64 = 300;
/// `find_calls_by_account` looks at this many calls of the range at most.
pub const FIND_SCAN_LIMIT: usize = 1000;
/// `find_calls_by_account` reads the range in windows of this many days,
/// newest first.
pub const FIND_WINDOW_DAYS: i64 = 30;

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

/// Text, or its chunks, or one chunk.
#[derive(Debug)]
pub enum Text {
    /// The whole text.
    Whole(String),
    /// Every chunk.
    Chunks(Vec<Chunk>),
    /// One chunk (of `count`).
    Chunk(Chunk),
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

/// Where a listing from the library stands.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct LibraryPosition {
    #[serde(default)]
    limit: Option<usize>,
    from: String,
    to: String,
    after_started: i64,
    after_id: String,
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
    library: Option<Library>,
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
}

/// A cache write to make after the answer.
#[derive(Debug)]
pub struct Write {
    /// The key.
    pub key: String,
    /// The value.
    pub value: String,
    /// Seconds to keep it.
    pub ttl: u64,
}

struct Fetched {
    text: String,
    /// The cache key, when it came from Gong (to cache once checked).
    fresh_key: Option<String>,
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

    /// Whether the user may see this normalized call (its `participants`'
    /// emails). The one access rule: a call it refuses is `call_not_found`
    /// and is left out of every listing.
    pub fn may_see(&self, call: &Value) -> bool {
        self.user.may_see_call(call)
    }

    /// Notes that the answer returns call `id` (for the audit line).
    pub fn returned(&self, id: &str) {
        self.returned.borrow_mut().push(id.to_owned());
    }

    /// The ids of the calls the answer returned.
    pub fn take_returned(&self) -> Vec<String> {
        self.returned.take()
    }

    /// Reads and writes the call library.
    pub fn with_library(mut self, library: Library) -> Service {
        self.library = Some(library);
        self
    }

    /// The call library, if bound.
    pub fn library(&self) -> Option<&Library> {
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
        gate.usage().await
    }

    fn client(&self) -> Result<&(Gong, Signer)> {
        self.gong
            .get_or_init(|| {
                let (base, key, secret) = self.config.gong_credentials()?;
                let gong = Gong::new(base, key, secret);
                #[cfg(target_arch = "wasm32")]
                let gong = match &self.gate {
                    Some(gate) => gong.with_gate(gate.clone(), crate::gate::Purpose::Demand),
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
    pub(crate) fn require_library(&self, what: &str) -> Result<&Library> {
        self.library.as_ref().ok_or_else(|| {
            Error::NotConfigured(format!(
                "{what} reads the call library: bind the D1 database GONGKIT_DB (see wrangler.toml) and run the sync"
            ))
        })
    }

    /// Which of the library's calls this request may see.
    pub(crate) fn visibility(&self) -> Visibility<'_> {
        Visibility {
            private: self.config.include_private_calls,
            participant: self.user.participant_email(),
        }
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
    pub fn into_parts(self) -> (Store, Option<Library>) {
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

    /// One of Gong's answers about call `id`: from the cache unless `fresh`
    /// (and even then when fetched within `FRESH_WINDOW_SECONDS`), else from
    /// Gong. `None`: Gong has nothing for it.
    async fn fetch(&self, id: &CallId, part: &str, fresh: bool) -> Result<Option<Fetched>> {
        let (gong, signer) = self.client()?;
        let key = signer.cache_key(id.as_str(), part);
        // A fresh ask right after a fetch is served from the cache; the
        // fetch time is its own small entry, so checking it reads no body.
        let use_cache = !fresh || {
            let fetched = self
                .store
                .get(&signer.cache_key(id.as_str(), "fetched"))
                .await;
            let window_ms = self.config.fresh_window_seconds.saturating_mul(1000);
            fetched
                .and_then(|t| t.parse::<u64>().ok())
                .is_some_and(|t| self.now_ms.saturating_sub(t) < window_ms)
        };
        if use_cache {
            if let Some(text) = self.store.get(&key).await {
                self.note(Source::Cache);
                return Ok(Some(Fetched {
                    text,
                    fresh_key: None,
                }));
            }
        }
        let ids = Some(vec![id.as_str().to_owned()]);
        let (path, body) = if part == "extensive" {
            let r = RequestOptions {
                call_ids: ids,
                preset: Some(gongkit::Preset::CallView),
                ..RequestOptions::default()
            }
            .extensive()
            .map_err(Error::from_input)?;
            ("/v2/calls/extensive", serde_json::to_string(&r))
        } else {
            let r = RequestOptions {
                call_ids: ids,
                ..RequestOptions::default()
            }
            .transcript()
            .map_err(Error::from_input)?;
            ("/v2/calls/transcript", serde_json::to_string(&r))
        };
        let body = body.map_err(Error::internal)?;
        self.note(Source::Gong);
        Ok(match gong.post(path, &body).await? {
            Answer::Body(text) => Some(Fetched {
                text,
                fresh_key: Some(key),
            }),
            Answer::NoCalls => None,
        })
    }

    /// Caches an answer the core has read (moved, not copied: a
    /// transcript answer can be megabytes).
    fn keep(&self, fetched: Fetched) {
        if let Some(key) = fetched.fresh_key {
            self.pending.borrow_mut().push(Write {
                key,
                value: fetched.text,
                ttl: self.config.cache_ttl_seconds,
            });
        }
    }

    /// Answers the core has read are kept: in the cache, and (when the
    /// transcript is there too) in the library. A transcript the answer
    /// did not use is not kept.
    fn settle(&self, ext: Fetched, tr: Option<Fetched>) {
        if tr.is_some() {
            self.remember(&ext, tr.as_ref());
        }
        self.keep(ext);
        if let Some(tr) = tr {
            self.keep(tr);
        }
    }

    /// A call Gong answered in full goes into the library too (once the
    /// response is sent), so the library has the newest copy.
    fn remember(&self, ext: &Fetched, tr: Option<&Fetched>) {
        let Some(_) = &self.library else { return };
        let from_gong = ext.fresh_key.is_some() || tr.is_some_and(|t| t.fresh_key.is_some());
        if !from_gong {
            return;
        }
        match Record::from_raw(
            &ext.text,
            tr.map(|t| t.text.as_str()),
            &self.config.internal_domains,
        ) {
            Ok(record) if !record.is_private || self.config.include_private_calls => {
                self.records.borrow_mut().push(record)
            }
            _ => {}
        }
    }

    /// Notes when call `id` was last fetched from Gong.
    fn fetched_now(&self, id: &CallId) -> Result<()> {
        let (_, signer) = self.client()?;
        self.pending.borrow_mut().push(Write {
            key: signer.cache_key(id.as_str(), "fetched"),
            value: self.now_ms.to_string(),
            ttl: self.config.fresh_window_seconds.max(60),
        });
        Ok(())
    }

    /// The extensive answer of call `id`, and its transcript answer when
    /// asked for, fetched concurrently. A call Gong does not have is
    /// remembered for [`NOT_FOUND_TTL_SECONDS`].
    async fn answers(
        &self,
        id: &CallId,
        fresh: bool,
        with_transcript: bool,
    ) -> Result<(Fetched, Option<Fetched>)> {
        let (_, signer) = self.client()?;
        if let (false, Some(library)) = (fresh, &self.library) {
            if let Some(stored) = library.get(id.as_str()).await? {
                self.note(Source::Library);
                let transcript =
                    stored
                        .transcript
                        .filter(|_| with_transcript)
                        .map(|text| Fetched {
                            text,
                            fresh_key: None,
                        });
                return Ok((
                    Fetched {
                        text: stored.extensive,
                        fresh_key: None,
                    },
                    transcript,
                ));
            }
        }
        let missing = signer.cache_key(id.as_str(), "missing");
        if !fresh && self.store.get(&missing).await.is_some() {
            self.note(Source::Cache);
            return Err(Error::CallNotFound(id.to_string()));
        }
        let (ext, tr) = if with_transcript {
            join!(
                self.fetch(id, "extensive", fresh),
                self.fetch(id, "transcript", fresh)
            )
        } else {
            (self.fetch(id, "extensive", fresh).await, Ok(None))
        };
        let Some(ext) = ext? else {
            self.pending.borrow_mut().push(Write {
                key: missing,
                value: "1".to_owned(),
                ttl: NOT_FOUND_TTL_SECONDS,
            });
            return Err(Error::CallNotFound(id.to_string()));
        };
        let tr = tr?;
        if ext.fresh_key.is_some() || tr.as_ref().is_some_and(|t| t.fresh_key.is_some()) {
            self.fetched_now(id)?;
        }
        Ok((ext, tr))
    }

    /// The call in an extensive answer, if it is there and may be served.
    fn select<'e>(&self, parsed: &'e AnyExtensive<'e>, id: &CallId) -> Result<&'e CallData<'e>> {
        let call = match parsed.select(Some(id.as_str())) {
            Ok(call) => call,
            Err(gongkit::Error::CallNotFound(_)) => {
                return Err(Error::CallNotFound(id.to_string()))
            }
            Err(e) => return Err(Error::from_gong(e)),
        };
        let private = call
            .meta_data
            .as_ref()
            .and_then(|m| m.is_private)
            .unwrap_or(false);
        if private && !self.config.include_private_calls {
            // Said exactly as for a call that does not exist.
            return Err(Error::CallNotFound(id.to_string()));
        }
        let emails = call
            .parties
            .iter()
            .filter_map(|p| p.email_address.as_deref());
        if !self.user.may_see(emails) {
            // Not this user's call: said exactly as for one that does not exist.
            return Err(Error::CallNotFound(id.to_string()));
        }
        Ok(call)
    }

    /// `GET /v1/calls/{id}`, MCP `get_call`: the normalized call as JSON.
    pub async fn call(&self, args: &CallArgs) -> Result<String> {
        let id = &args.call_id;
        let (ext, tr) = self.answers(id, args.fresh, args.transcript).await?;
        let parsed = AnyExtensive::from_json(&ext.text).map_err(Error::from_gong)?;
        self.select(&parsed, id)?;
        let options = self.options(&args.options, id);
        let input = tr.as_ref().map(|t| TranscriptInput::Json(&t.text));
        let call = match gongkit::normalize_call(&parsed, input, &options) {
            // Gong's answer holds no transcript of this call (yet).
            Err(gongkit::Error::TranscriptNotFound(_)) => {
                gongkit::normalize_call(&parsed, None, &options)
            }
            other => other,
        }
        .map_err(Error::from_gong)?;
        let json = serde_json::to_string(&call).map_err(Error::internal)?;
        let with_transcript = call.transcript.is_some();
        drop(call);
        drop(parsed);
        self.settle(ext, tr.filter(|_| with_transcript));
        self.returned(id.as_str());
        Ok(json)
    }

    /// `GET /v1/calls/{id}/transcript`, MCP `get_transcript`.
    pub async fn transcript(&self, args: &TranscriptArgs) -> Result<Text> {
        args::check_chunking(args.max_chars, args.chunk)?;
        let id = &args.call_id;
        // The extensive answer is needed even without names: it says
        // whether the call is private.
        let (ext, tr) = self.answers(id, args.fresh, true).await?;
        let parsed = AnyExtensive::from_json(&ext.text).map_err(Error::from_gong)?;
        let call = self.select(&parsed, id)?;
        let tr = tr.ok_or_else(|| Error::TranscriptNotFound(id.to_string()))?;
        let o = &args.options;
        let options = gongkit::TranscriptOptions {
            parties: if o.names { &call.parties } else { &[] },
            call_id: Some(id.as_str()),
            ..gongkit::TranscriptOptions::from(o)
        };
        let not_found = |e: gongkit::Error| match e {
            gongkit::Error::TranscriptNotFound(_) => Error::TranscriptNotFound(id.to_string()),
            other => Error::from_gong(other),
        };
        let text = match args.max_chars {
            None => Text::Whole(gongkit::format_transcript(&tr.text, &options).map_err(not_found)?),
            Some(max) => pick(
                gongkit::chunk_transcript(&tr.text, max, &options).map_err(not_found)?,
                max,
                args.chunk,
            )?,
        };
        drop(parsed);
        self.settle(ext, Some(tr));
        self.returned(id.as_str());
        Ok(text)
    }

    /// `GET /v1/calls/{id}/document`, MCP `get_call_document`.
    pub async fn document(&self, args: &DocumentArgs) -> Result<Text> {
        args::check_chunking(args.max_chars, args.chunk)?;
        let id = &args.call_id;
        let (ext, tr) = self.answers(id, args.fresh, true).await?;
        let parsed = AnyExtensive::from_json(&ext.text).map_err(Error::from_gong)?;
        self.select(&parsed, id)?;
        let options = self.options(&args.options, id);
        let input = tr.as_ref().map(|t| TranscriptInput::Json(&t.text));
        // The core's errors stay apart from ours until a missing transcript
        // (a document without one) is told from a broken answer.
        let attempt = |input| -> std::result::Result<Result<Text>, gongkit::Error> {
            Ok(match args.max_chars {
                None => Ok(Text::Whole(gongkit::call_document(
                    &parsed, input, &options,
                )?)),
                Some(max) => pick(
                    gongkit::chunk_call_document(&parsed, input, max, &options)?,
                    max,
                    args.chunk,
                ),
            })
        };
        let (text, with_transcript) = match attempt(input) {
            Err(gongkit::Error::TranscriptNotFound(_)) => (attempt(None), false),
            other => (other, input.is_some()),
        };
        let text = text.map_err(Error::from_gong)??;
        drop(parsed);
        self.settle(ext, tr.filter(|_| with_transcript));
        self.returned(id.as_str());
        Ok(text)
    }
    /// `GET /v1/calls`, MCP `list_calls`: calls in a range, following
    /// Gong's pages up to the limit, private calls left out.
    pub async fn list_calls(&self, args: &ListArgs) -> Result<Listing> {
        let listing = self.list_calls_seen(args).await?;
        self.returned_all(&listing.calls);
        Ok(listing)
    }

    /// Notes that the answer returns these normalized calls.
    pub(crate) fn returned_all(&self, calls: &[Value]) {
        for call in calls {
            if let Some(id) = call["id"].as_str() {
                self.returned(id);
            }
        }
    }

    /// The listing, with the calls the user may not see already left out
    /// (by each page, so a page may hold fewer than `limit`).
    async fn list_calls_seen(&self, args: &ListArgs) -> Result<Listing> {
        args::check_listing(args)?;
        let (_, signer) = self.client()?;
        if let Some(listing) = self.list_from_library(args, signer).await? {
            return Ok(listing);
        }
        let mut position = match &args.cursor {
            Some(c) => Position::decode(c, signer)?,
            None => {
                check_range(
                    args.from.as_deref(),
                    args.to.as_deref(),
                    args.workspace_id.as_deref(),
                )?;
                Position {
                    limit: None,
                    from: args.from.clone().unwrap_or_default(),
                    to: args.to.clone().unwrap_or_default(),
                    workspace: args.workspace_id.clone(),
                    page: None,
                    offset: 0,
                }
            }
        };
        let limit = args::page_size(args.limit, position.limit, args::LIST_LIMIT);
        position.limit = Some(limit);
        let options = CallOptions {
            internal_domains: self.config.internal_domains.clone(),
            utc_offset_minutes: args.utc_offset_minutes,
            ..CallOptions::default()
        };
        let mut calls = Vec::new();
        let mut guard = PageGuard::default();
        let mut taken = 0;
        loop {
            let Some(page) = self.page(&position, &options).await? else {
                // "No calls found": an empty range on the first page; after
                // a page that promised more, Gong contradicted itself.
                if guard.pages() > 0 || position.page.is_some() {
                    return Err(Error::GongBadResponse(
                        "Gong answered \"no calls found\" for a page its previous page announced"
                            .into(),
                    ));
                }
                return Ok(Listing {
                    calls,
                    cursor: None,
                    source: Source::Gong,
                });
            };
            guard.page(page.calls.len(), page.cursor.as_deref(), limit)?;
            let step = list::step(
                position.offset,
                page.calls.len(),
                limit - taken,
                page.cursor.as_deref(),
            );
            taken += step.end - step.start;
            calls.extend(
                page.calls
                    .into_iter()
                    .skip(step.start)
                    .take(step.end - step.start)
                    .flatten(),
            );
            let cursor = match step.next {
                list::Next::Resume(offset) => {
                    position.offset = offset;
                    Some(position.encode(signer)?)
                }
                list::Next::Stop(next) => {
                    position.page = Some(next);
                    position.offset = 0;
                    Some(position.encode(signer)?)
                }
                list::Next::Page(next) => {
                    position.page = Some(next);
                    position.offset = 0;
                    continue;
                }
                list::Next::Done => None,
            };
            return Ok(Listing {
                calls,
                cursor,
                source: Source::Gong,
            });
        }
    }

    /// The listing from the library, when the range (with no workspace) is
    /// one the sync has read completely, or the cursor is a library one.
    async fn list_from_library(&self, args: &ListArgs, signer: &Signer) -> Result<Option<Listing>> {
        let Some(library) = &self.library else {
            return Ok(None);
        };
        let position = match (&args.cursor, &args.from, &args.to) {
            (Some(c), _, _) => match signer.open("library-list", c) {
                Ok(json) => serde_json::from_slice::<LibraryPosition>(&json)
                    .map_err(|_| Error::InvalidCursor)?,
                Err(_) => return Ok(None),
            },
            (None, Some(from), Some(to)) if args.workspace_id.is_none() => {
                check_range(Some(from), Some(to), None)?;
                let (from_ms, to_ms) = (
                    instant(from)?.timestamp_millis(),
                    instant(to)?.timestamp_millis(),
                );
                match library.coverage().await? {
                    Some(c) if c.from_ms <= from_ms && to_ms <= c.to_ms => {}
                    _ => return Ok(None),
                }
                LibraryPosition {
                    limit: None,
                    from: from.clone(),
                    to: to.clone(),
                    after_started: i64::MIN,
                    after_id: String::new(),
                }
            }
            _ => return Ok(None),
        };
        let (from_ms, to_ms) = (
            instant(&position.from)?.timestamp_millis(),
            instant(&position.to)?.timestamp_millis(),
        );
        let after = (position.after_started != i64::MIN)
            .then_some((position.after_started, position.after_id.as_str()));
        let limit = args::page_size(args.limit, position.limit, args::LIST_LIMIT);
        let rows = library.list(from_ms, to_ms, after, limit + 1).await?;
        self.note(Source::Library);
        let more = rows.len() > limit;
        let page = &rows[..rows.len().min(limit)];
        let last = page.last().map(|row| (row.started, row.id.clone()));
        let calls = self.summaries(page, args.utc_offset_minutes)?;
        let cursor = match (more, last) {
            (true, Some((after_started, after_id))) => {
                let next = LibraryPosition {
                    after_started,
                    after_id,
                    limit: Some(limit),
                    ..position
                };
                Some(signer.seal(
                    "library-list",
                    &serde_json::to_vec(&next).map_err(Error::internal)?,
                ))
            }
            _ => None,
        };
        Ok(Some(Listing {
            calls,
            cursor,
            source: Source::Library,
        }))
    }

    /// `POST /v1/sync`: a backfill of `[from, to)` into the library.
    #[cfg(target_arch = "wasm32")]
    pub async fn start_sync(&self, args: &crate::args::SyncArgs) -> Result<Value> {
        self.user.require_admin("starting the sync")?;
        let sync = self.sync_client()?;
        self.require_gong()?;
        if self.library.is_none() {
            return Err(Error::NotConfigured(
                "the call library needs the D1 binding GONGKIT_DB".into(),
            ));
        }
        check_range(Some(&args.from), Some(&args.to), None)?;
        let (from, to) = (
            instant(&args.from)?.timestamp_millis(),
            instant(&args.to)?.timestamp_millis(),
        );
        let state = sync.backfill(from, to).await?;
        self.sync_view(state).await
    }

    /// `GET /v1/sync`: the sync's state, the library's size, the sync's
    /// Gong requests today.
    #[cfg(target_arch = "wasm32")]
    pub async fn sync_status(&self) -> Result<Value> {
        let state = self.sync_client()?.status().await?;
        self.sync_view(state).await
    }

    /// The tenant's sync object.
    #[cfg(target_arch = "wasm32")]
    fn sync_client(&self) -> Result<crate::sync::Client> {
        let (base, key, _) = self.config.gong_credentials()?;
        let env = self.env.as_ref().ok_or_else(|| {
            Error::NotConfigured("the sync runs only in the Workers runtime".into())
        })?;
        crate::sync::Client::new(env, &crate::sign::tenant(base, key))
    }

    /// Not available outside the Workers runtime.
    #[cfg(not(target_arch = "wasm32"))]
    pub async fn start_sync(&self, _args: &crate::args::SyncArgs) -> Result<Value> {
        self.user.require_admin("starting the sync")?;
        Err(Error::NotConfigured(
            "the sync runs only in the Workers runtime".into(),
        ))
    }

    /// Not available outside the Workers runtime.
    #[cfg(not(target_arch = "wasm32"))]
    pub async fn sync_status(&self) -> Result<Value> {
        Err(Error::NotConfigured(
            "the sync runs only in the Workers runtime".into(),
        ))
    }

    #[cfg(target_arch = "wasm32")]
    async fn sync_view(&self, state: crate::sync::State) -> Result<Value> {
        let calls = match &self.library {
            Some(library) => Some(library.count().await?),
            None => None,
        };
        let coverage = match &self.library {
            Some(library) => library.coverage().await?,
            None => None,
        };
        let unindexed = match &self.library {
            Some(library) => Some(library.unindexed().await?),
            None => None,
        };
        let requests_today = match &self.gate {
            Some(gate) => Some(gate.usage().await?.used.sync),
            None => None,
        };
        Ok(serde_json::json!({
            "status": if state.job.is_some() { "running" } else { "idle" },
            "job": state.job,
            "queued": state.queue.len(),
            "lastRun": state.last,
            "checkpoint": state.checkpoint_ms.map(crate::sync::iso),
            "covered": coverage.map(|c| serde_json::json!({"from": crate::sync::iso(c.from_ms), "to": crate::sync::iso(c.to_ms)})),
            "callsInLibrary": calls,
            "callsAwaitingIndex": unindexed,
            "gongRequestsToday": requests_today,
            "lastError": state.last_error,
        }))
    }

    /// `DELETE /v1/calls/{id}`: the call leaves the library and the cache
    /// (a data-privacy request). Gong is not asked.
    pub async fn delete_call(&self, id: &CallId) -> Result<Value> {
        self.user.require_admin("erasing a call")?;
        let (_, signer) = self.client()?;
        let removed = match &self.library {
            Some(library) => {
                library
                    .remove(&[id.as_str().to_owned()], self.now_ms as i64)
                    .await?
            }
            None => 0,
        };
        for part in ["extensive", "transcript", "fetched", "missing"] {
            self.store
                .delete(&signer.cache_key(id.as_str(), part))
                .await;
        }
        Ok(serde_json::json!({"id": id.as_str(), "deleted": true, "inLibrary": removed > 0}))
    }

    /// One Gong page at `position`: each call normalized (`None` for a
    /// private one or one the user may not see), and Gong's cursor for the
    /// next page.
    async fn page(&self, position: &Position, options: &CallOptions) -> Result<Option<Page>> {
        let (gong, _) = self.client()?;
        let request = RequestOptions {
            from_date_time: Some(position.from.clone()),
            to_date_time: Some(position.to.clone()),
            workspace_id: position.workspace.clone(),
            cursor: position.page.clone(),
            preset: Some(gongkit::Preset::CallView),
            ..RequestOptions::default()
        }
        .extensive()
        .map_err(|e| Error::InvalidQuery(e.to_string()))?;
        let body = serde_json::to_string(&request).map_err(Error::internal)?;
        self.note(Source::Gong);
        let text = match gong.post("/v2/calls/extensive", &body).await? {
            Answer::Body(text) => text,
            Answer::NoCalls => return Ok(None),
        };
        let page = gongkit::ExtensiveResponse::from_json(&text).map_err(Error::from_gong)?;
        let cursor = page
            .records
            .as_ref()
            .and_then(|r| r.cursor.as_deref())
            .map(str::to_owned);
        let mut calls = Vec::with_capacity(page.calls.len());
        for call in page.calls {
            let private = call.meta_data.as_ref().and_then(|m| m.is_private) == Some(true);
            if private && !self.config.include_private_calls {
                calls.push(None);
                continue;
            }
            let one = AnyExtensive::Call(Box::new(call));
            let normalized =
                gongkit::normalize_call(&one, None, options).map_err(Error::from_gong)?;
            let value = serde_json::to_value(&normalized).map_err(Error::internal)?;
            // A call the user may not see counts as looked at, never shown.
            calls.push(Some(value).filter(|v| self.may_see(v)));
        }
        Ok(Some(Page { calls, cursor }))
    }

    /// MCP `find_calls_by_account`: calls in a range whose account name
    /// contains `account` (ignoring case), newest first. The range is read
    /// in windows from its end backwards, so when the scan stops at
    /// [`FIND_SCAN_LIMIT`] it is the oldest calls that were not looked at.
    pub async fn find_calls_by_account(&self, args: &FindArgs) -> Result<Found> {
        check_range(Some(&args.from), Some(&args.to), None)?;
        let (from, to) = (instant(&args.from)?, instant(&args.to)?);
        let fallback = match &self.library {
            None => "the call library is not bound".to_owned(),
            Some(library) => {
                let (from_ms, to_ms) = (from.timestamp_millis(), to.timestamp_millis());
                match library.coverage().await? {
                    Some(c) if c.from_ms <= from_ms && to_ms <= c.to_ms => {
                        match library.unindexed().await? {
                            0 => {
                                let key = crate::words::nonempty(
                                    crate::words::fold(&args.account),
                                    "account",
                                )?;
                                let filters = crate::library::Filters {
                                    from_ms: Some(from_ms),
                                    to_ms: Some(to_ms),
                                    ..Default::default()
                                };
                                let rows = library
                                    .account_calls(
                                        Some(&key),
                                        &filters,
                                        self.visibility(),
                                        None,
                                        args.limit,
                                    )
                                    .await?;
                                self.note(Source::Library);
                                let calls = self.summaries(&rows, None)?;
                                self.returned_all(&calls);
                                return Ok(Found {
                                    calls,
                                    scanned: 0,
                                    truncated: false,
                                    source: Source::Library,
                                    fallback: None,
                                });
                            }
                            unindexed => format!(
                                "the call library is still indexing account names ({unindexed} calls to go)"
                            ),
                        }
                    }
                    Some(c) => format!(
                        "the call library covers {} to {}, not all of this range",
                        crate::sync::iso(c.from_ms),
                        crate::sync::iso(c.to_ms)
                    ),
                    None => "the call library has not been synced yet".to_owned(),
                }
            }
        };
        let wanted = args.account.trim().to_lowercase();
        let options = CallOptions {
            internal_domains: self.config.internal_domains.clone(),
            ..CallOptions::default()
        };
        let mut found = Found {
            calls: Vec::new(),
            scanned: 0,
            truncated: false,
            source: Source::Gong,
            fallback: Some(fallback),
        };
        let mut end = to;
        while end > from {
            if found.scanned >= FIND_SCAN_LIMIT {
                found.truncated = true;
                break;
            }
            let start = (end - chrono::Duration::days(FIND_WINDOW_DAYS)).max(from);
            let mut position = Position {
                from: start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                to: end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                ..Position::default()
            };
            let mut window = Vec::new();
            let mut guard = PageGuard::default();
            let room = FIND_SCAN_LIMIT - found.scanned;
            while let Some(page) = self.page(&position, &options).await? {
                guard.page(page.calls.len(), page.cursor.as_deref(), room)?;
                found.scanned += page.calls.len();
                window.extend(page.calls.into_iter().flatten());
                match page.cursor {
                    Some(next) if window.len() < room => position.page = Some(next),
                    Some(_) => {
                        found.truncated = true;
                        break;
                    }
                    None => break,
                }
            }
            // Gong lists oldest first; this window's newest come first.
            found.calls.extend(window.into_iter().rev().filter(|c| {
                c["account"]["name"]
                    .as_str()
                    .is_some_and(|name| name.to_lowercase().contains(&wanted))
            }));
            end = start;
        }
        found.calls.truncate(args.limit);
        self.returned_all(&found.calls);
        Ok(found)
    }
}

struct Page {
    calls: Vec<Option<Value>>,
    cursor: Option<String>,
}

/// `chunk` of `chunks`, or all of them when they are few enough.
fn pick(chunks: Vec<Chunk>, max_chars: usize, chunk: Option<usize>) -> Result<Text> {
    let count = chunks.len();
    match chunk {
        None if count > MAX_CHUNKS_PER_ANSWER => Err(Error::TooManyChunks {
            max_chars,
            count,
            limit: MAX_CHUNKS_PER_ANSWER,
        }),
        None => Ok(Text::Chunks(chunks)),
        Some(k) => chunks
            .into_iter()
            .nth(k)
            .map(Text::Chunk)
            .ok_or(Error::ChunkNotFound {
                index: k,
                count,
                max_chars,
            }),
    }
}

/// `POST /v1/format`: raw Gong JSON in (an extensive answer, a transcript
/// answer, or `{"extensive": …, "transcript": …}`), the normalized call out
/// as JSON, without asking Gong.
///
/// # Errors
///
/// 400 `invalid_body` naming the JSON path of what does not fit.
pub fn format_raw(
    body: &str,
    options: &CallOptions,
    internal_domains: &[String],
) -> Result<String> {
    use serde_json::value::RawValue;
    let options = CallOptions {
        internal_domains: internal_domains.to_vec(),
        ..options.clone()
    };
    let invalid = |e: gongkit::Error| match e {
        gongkit::Error::InvalidArgument { .. } | gongkit::Error::InvalidUtcOffset(_) => {
            Error::InvalidQuery(e.to_string())
        }
        other => Error::InvalidBody(other.to_string()),
    };
    // The shape, from the top-level keys only; the values stay raw JSON.
    let top: Option<std::collections::BTreeMap<String, &RawValue>> =
        serde_json::from_str(body).ok();
    let raw_text = |raw: &RawValue| -> String {
        // A value may be JSON text inside a string.
        serde_json::from_str::<String>(raw.get()).unwrap_or_else(|_| raw.get().to_owned())
    };
    let (extensive, transcript) = match &top {
        Some(map) if map.contains_key("extensive") => (
            map.get("extensive").map(|r| raw_text(r)),
            map.get("transcript")
                .map(|r| raw_text(r))
                .filter(|t| t != "null"),
        ),
        Some(map)
            if ["calls", "metaData", "parties"]
                .iter()
                .any(|k| map.contains_key(*k)) =>
        {
            (Some(body.to_owned()), None)
        }
        _ => (None, Some(body.to_owned())),
    };
    match extensive {
        Some(extensive) => {
            let parsed = AnyExtensive::from_json(&extensive).map_err(invalid)?;
            let input = transcript.as_deref().map(TranscriptInput::Json);
            let call = gongkit::normalize_call(&parsed, input, &options).map_err(invalid)?;
            serde_json::to_string(&call).map_err(Error::internal)
        }
        None => {
            let text = gongkit::format_transcript(
                transcript.as_deref().unwrap_or_default(),
                &gongkit::TranscriptOptions {
                    call_id: None,
                    ..gongkit::TranscriptOptions::from(&options)
                },
            )
            .map_err(invalid)?;
            serde_json::to_string(&serde_json::json!({ "transcript": text }))
                .map_err(Error::internal)
        }
    }
}

/// `POST /v1/format?output=transcript`: the transcript file itself, from
/// the same bodies [`format_raw`] takes (with the extensive answer, its
/// speakers are named).
///
/// # Errors
///
/// 400 `invalid_body` naming the JSON path of what does not fit, or when
/// the body holds no transcript.
pub fn format_raw_transcript(
    body: &str,
    options: &CallOptions,
    internal_domains: &[String],
) -> Result<String> {
    let json = format_raw(body, options, internal_domains)?;
    #[derive(serde::Deserialize)]
    struct Only {
        transcript: Option<String>,
    }
    serde_json::from_str::<Only>(&json)
        .map_err(Error::internal)?
        .transcript
        .ok_or_else(|| {
            Error::InvalidBody(
                "output=transcript needs a transcript in the body: Gong's transcript answer, or {\"extensive\": …, \"transcript\": …}".into(),
            )
        })
}

/// Checks a new listing's range (and workspace) before asking Gong.
fn check_range(from: Option<&str>, to: Option<&str>, workspace: Option<&str>) -> Result<()> {
    RequestOptions {
        from_date_time: from.map(str::to_owned),
        to_date_time: to.map(str::to_owned),
        workspace_id: workspace.map(str::to_owned),
        ..RequestOptions::default()
    }
    .filter()
    .map(drop)
    .map_err(|e| Error::InvalidQuery(e.to_string()))
}

pub(crate) fn instant(iso: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(iso)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| Error::InvalidQuery(format!("invalid date {iso:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_raw_takes_every_shape() {
        let o = CallOptions::default();
        let ext = r#"{"calls": [{"metaData": {"id": "1", "title": "T"}, "parties": [{"speakerId": "7", "name": "Jane"}]}]}"#;
        let tr = r#"{"callTranscripts": [{"callId": "1", "transcript": [{"speakerId": "7", "sentences": [{"text": "Hi."}]}]}]}"#;
        let both = format!(r#"{{"extensive": {ext}, "transcript": {tr}}}"#);
        let v: Value = serde_json::from_str(&format_raw(&both, &o, &[]).unwrap()).unwrap();
        assert_eq!(v["transcript"], "Jane: Hi.");
        let v: Value = serde_json::from_str(&format_raw(ext, &o, &[]).unwrap()).unwrap();
        assert!(v["transcript"].is_null());
        assert_eq!(
            format_raw(tr, &o, &[]).unwrap(),
            r#"{"transcript":"Speaker 7: Hi."}"#
        );
        let e = format_raw(
            r#"{"callTranscripts": [{"transcript": [{"sentences": [{"start": "x"}]}]}]}"#,
            &o,
            &[],
        )
        .unwrap_err();
        assert_eq!((e.status(), e.code()), (400, "invalid_body"));
        assert!(e
            .to_string()
            .starts_with("callTranscripts[0].transcript[0].sentences[0].start"));
    }

    #[test]
    fn chunks_are_capped_and_picked() {
        let chunk = |i| Chunk {
            index: i,
            count: 3,
            text: format!("{i}"),
            start: None,
            end: None,
        };
        assert!(
            matches!(pick(vec![chunk(0), chunk(1), chunk(2)], 200, Some(1)), Ok(Text::Chunk(c)) if c.index == 1)
        );
        assert_eq!(
            pick(vec![chunk(0)], 200, Some(5)).unwrap_err(),
            Error::ChunkNotFound {
                index: 5,
                count: 1,
                max_chars: 200
            }
        );
        let many: Vec<Chunk> = (0..MAX_CHUNKS_PER_ANSWER + 1).map(chunk).collect();
        assert_eq!(pick(many, 200, None).unwrap_err().code(), "too_many_chunks");
    }
}
