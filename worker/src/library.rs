//! The call library in D1 (`GONGKIT_DB`): the one module that owns the
//! database. Calls are kept as Gong sent them (each `calls[]` entry in
//! `call_json`, apart from the small `calls` rows that filters scan, and its
//! `callTranscripts[]` entry gzip-compressed in R2 (`GONGKIT_BLOBS`,
//! [`crate::blobs`]), or in `call_json` without that binding), so every
//! answer renders from the library exactly as from Gong, with the columns
//! filters and search need and a log of changes. A search page's quoted
//! turns are found in its calls' transcripts ([`quoted_turns`]). The schema
//! is the numbered migrations in `migrations/`; every query binds its values.

use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use worker::wasm_bindgen::JsValue;

use crate::blobs::{self, Blobs};
use crate::error::{Error, Result};
use gongkit::words::{email_key, fold};

mod listed;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod plans;
pub mod router;
pub mod sql;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod sqlite;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod summary;

pub use listed::{Unlisted, Window};
pub use router::Libraries;

use sql::{query, Bound, Param};

/// The D1 binding in wrangler.toml.
pub const BINDING: &str = "GONGKIT_DB";
/// D1 takes at most this many statements' worth of work well in one batch;
/// pages of 100 calls are written in batches of this many calls.
const CALLS_PER_BATCH: usize = 25;
/// Between two turns, participants or key points in an index field: a
/// private-use character, a word of its own to the index that no folded
/// query word can be, so no phrase matches across the boundary.
pub const SEPARATOR: &str = " \u{E000} ";
/// The purpose of the keyed hash ([`crate::sign::Signer::pseudonym`]) that
/// stands for an email in an erased call's changes.
pub const ERASURE_TAG: &str = "erased-email";
/// The search index's version: calls written with an older one (or before
/// the index existed) are indexed again by the sync ([`Library::reindex`]).
/// Version 2 adds each call's customer domain and CRM flag (the account
/// merge of migration 0004).
pub const INDEX_VERSION: i64 = 2;
/// A search scores at most this many matches (the newest written that pass
/// its filters): one more than the count it states exactly, so a search
/// costs the same over a thousand calls and a million ([`sql::SEARCH`]).
pub const RANK_BOUND: usize = 1001;

/// What the search index holds of one call, each field folded
/// ([`gongkit::words::fold`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Index {
    /// The title.
    pub title: String,
    /// The account name.
    pub account: String,
    /// Participants' names and emails.
    pub people: String,
    /// Gong's brief and key points.
    pub summary: String,
    /// What the seller's side said, turn after turn.
    pub internal: String,
    /// What everyone else said.
    pub external: String,
}

/// One call as the library stores it, derived from Gong's raw JSON.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// Gong's call id.
    pub id: String,
    /// When it started (else was scheduled), ms since the epoch; 0 unknown.
    pub started: i64,
    /// The title.
    pub title: Option<String>,
    /// The account name gongkit derives.
    pub account: Option<String>,
    /// Participants' names and emails, one per line.
    pub participants: String,
    /// Gong's brief.
    pub brief: Option<String>,
    /// Gong's key points, one per line.
    pub key_points: String,
    /// Gong marks it private.
    pub is_private: bool,
    /// Gong's `calls[]` entry.
    pub extensive: String,
    /// Gong's `callTranscripts[]` entry, if any.
    pub transcript: Option<String>,
    /// The transcript as turns: a JSON array of `{speakerId, speaker,
    /// affiliation, topic, start, end, text}`.
    pub turns: String,
    /// A digest of `extensive` and `transcript`.
    pub digest: String,
    /// The account name folded (how account names are compared).
    pub account_key: Option<String>,
    /// The registrable domain of the call's customers' email
    /// ([`gongkit::customer_domain`]): how a call without CRM context joins
    /// the account the CRM names for the same domain on other calls.
    pub domain: Option<String>,
    /// The account name is the CRM's.
    pub crm: bool,
    /// The participants: a JSON array of `{name, email, nameKey, emailKey,
    /// affiliation}`.
    pub parties: String,
    /// What the search index holds.
    pub index: Index,
    /// The participants' emails (a JSON array), as a change records them.
    pub emails: String,
    /// Where the transcript is stored: the R2 key ([`crate::blobs::key`])
    /// when it goes to R2 (then `call_json.transcript` is NULL); `None`:
    /// in D1. Set by [`Library::upsert`], never by [`Record::from_raw`].
    pub blob: Option<String>,
    /// The R2 key of `turns` ([`crate::blobs::turns_key`]), which a search
    /// reads for its quotes; `None`: not in R2. Set as `blob` is.
    pub turns_blob: Option<String>,
}

impl Record {
    /// The record of one call from Gong's raw entries.
    ///
    /// # Errors
    ///
    /// 502 `gong_bad_response` when the core cannot read them.
    pub fn from_raw(
        extensive: &str,
        transcript: Option<&str>,
        internal_domains: &[String],
    ) -> Result<Record> {
        let parsed = gongkit::AnyExtensive::from_json(extensive).map_err(Error::from_gong)?;
        let data = parsed.select(None).map_err(Error::from_gong)?;
        let options = gongkit::CallOptions {
            internal_domains: internal_domains.to_vec(),
            ..gongkit::CallOptions::default()
        };
        let call = gongkit::normalize_call(&parsed, None, &options).map_err(Error::from_gong)?;
        let id = call
            .id
            .as_deref()
            .ok_or_else(|| Error::GongBadResponse("a call without metaData.id".into()))?
            .to_owned();
        // Gong's date filters are on `started`: the library's ranges must be
        // too, or a sync would remove calls scheduled inside its range that
        // started outside it.
        let meta = data.meta_data.as_ref();
        let started = meta
            .and_then(|m| m.started.or(m.scheduled))
            .map_or(0, |t| t.utc().timestamp_millis());
        let participants = call
            .participants
            .iter()
            .map(|p| {
                [p.name.as_deref(), p.email.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect::<Vec<_>>()
            .join("\n");
        let (brief, key_points) = match &call.summary {
            Some(s) => (
                s.brief.as_deref().map(str::to_owned),
                s.key_points
                    .iter()
                    .map(|k| k.as_ref())
                    .collect::<Vec<&str>>()
                    .join("\n"),
            ),
            None => (None, String::new()),
        };
        let parties: Vec<Value> = call
            .participants
            .iter()
            .map(|p| {
                json!({
                    "name": p.name.as_deref(),
                    "email": p.email.as_deref(),
                    "nameKey": p.name.as_deref().map(fold),
                    "emailKey": p.email.as_deref().map(email_key),
                    "affiliation": p.affiliation.as_ref(),
                })
            })
            .collect();
        let turns = match transcript {
            Some(t) => turns(t, &id, &data.parties)?,
            None => Vec::new(),
        };
        let side = |internal: bool| {
            turns
                .iter()
                .filter(|t| (t["side"] == "internal") == internal)
                .filter_map(|t| t["words"].as_str())
                .collect::<Vec<&str>>()
                .join(SEPARATOR)
        };
        let people: Vec<String> = participants.lines().map(fold).collect();
        let summary: Vec<String> = brief
            .iter()
            .map(|b| fold(b))
            .chain(key_points.lines().map(fold))
            .collect();
        let index = Index {
            title: fold(call.title.as_deref().unwrap_or_default()),
            account: fold(call.account.as_ref().map_or("", |a| a.name.as_str())),
            people: people.join(SEPARATOR),
            summary: summary.join(SEPARATOR),
            internal: side(true),
            external: side(false),
        };
        let emails: Vec<&str> = parties
            .iter()
            .filter_map(|p| p["emailKey"].as_str())
            .filter(|e| !e.is_empty())
            .collect();
        let emails = serde_json::to_string(&emails).map_err(Error::internal)?;
        let digest = digest(extensive, transcript.is_some());
        let account_key = call
            .account
            .as_ref()
            .map(|a| fold(&a.name))
            .filter(|k| !k.is_empty());
        let domain =
            gongkit::customer_domain(&data.parties, internal_domains).map_err(Error::from_gong)?;
        let crm = call
            .account
            .as_ref()
            .is_some_and(|a| a.source == gongkit::AccountSource::Crm);
        Ok(Record {
            blob: None,
            turns_blob: None,
            domain,
            crm,
            emails,
            account_key,
            parties: serde_json::to_string(&parties).map_err(Error::internal)?,
            index,
            turns: serde_json::to_string(&turns).map_err(Error::internal)?,
            started,
            title: call.title.as_deref().map(str::to_owned),
            account: call.account.as_ref().map(|a| a.name.clone()),
            participants,
            brief,
            key_points,
            is_private: data.meta_data.as_ref().and_then(|m| m.is_private) == Some(true),
            extensive: extensive.to_owned(),
            transcript: transcript.map(str::to_owned),
            digest,
            id,
        })
    }
}

/// What the library keeps to tell whether a call changed: the hash of
/// Gong's `calls[]` entry, and whether the record has a transcript
/// (`<hex>:t`, `<hex>:-`). A listing page compares its calls' JSON with
/// it, so the sync asks for transcripts only for calls new to the library
/// or still without one: Gong does not change a transcript once processed.
pub fn digest(extensive: &str, has_transcript: bool) -> String {
    let hash: String = Sha256::digest(extensive.as_bytes())[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{hash}:{}", if has_transcript { "t" } else { "-" })
}

/// Whether a stored digest is of a record with its transcript.
pub fn has_transcript(digest: &str) -> bool {
    digest.ends_with(":t")
}

/// The turns of a transcript: the core's JSON format (one object a
/// monologue), with each speaker's affiliation from the parties, the side
/// (`internal`, else `external`) and the folded words the index holds.
fn turns(transcript: &str, id: &str, parties: &[gongkit::Party<'_>]) -> Result<Vec<Value>> {
    let options = gongkit::TranscriptOptions {
        format: gongkit::Format::Json,
        parties,
        call_id: Some(id),
        ..gongkit::TranscriptOptions::default()
    };
    let text = match gongkit::format_transcript(transcript, &options) {
        Ok(text) => text,
        Err(gongkit::Error::TranscriptNotFound(_)) => return Ok(Vec::new()),
        Err(e) => return Err(Error::from_gong(e)),
    };
    let mut turns: Vec<Value> = serde_json::from_str(&text).map_err(Error::internal)?;
    for t in &mut turns {
        let affiliation = parties
            .iter()
            .find(|p| p.speaker_id.is_some() && p.speaker_id.as_deref() == t["speakerId"].as_str())
            .and_then(|p| p.affiliation.as_ref())
            .map(|a| json!(a));
        let internal = affiliation.as_ref().and_then(Value::as_str) == Some("Internal");
        t["affiliation"] = affiliation.unwrap_or(Value::Null);
        t["side"] = json!(if internal { "internal" } else { "external" });
        t["words"] = json!(fold(t["text"].as_str().unwrap_or_default()));
    }
    Ok(turns)
}

/// The best `per_call` turns of each stored call that hold any of
/// `patterns` (each ` folded words `, tested by substring against the
/// turn's folded words between spaces; a pattern given twice counts twice),
/// those holding more first, then in order; of one side only when `side`
/// is `internal` (turns of Internal speakers) or anything else (the
/// others). The turns are the ones [`Record::from_raw`] indexes, so a call
/// the core cannot read, or without a transcript, quotes none.
pub fn quoted_turns(
    rows: &[Stored],
    patterns: &[String],
    side: Option<&str>,
    per_call: usize,
) -> Vec<Turn> {
    let mut out = Vec::new();
    for row in rows {
        let Some(transcript) = row.transcript.as_deref() else {
            continue;
        };
        let Ok(parsed) = gongkit::AnyExtensive::from_json(&row.extensive) else {
            continue;
        };
        let Ok(data) = parsed.select(None) else {
            continue;
        };
        let Ok(all) = turns(transcript, &row.id, &data.parties) else {
            continue;
        };
        out.extend(pick_turns(&row.id, &all, patterns, side, per_call));
    }
    out
}

/// [`quoted_turns`]' choice among one call's turns (as [`Record::turns`]
/// holds them: the core's JSON turns with `affiliation` and folded `words`).
pub fn pick_turns(
    id: &str,
    all: &[Value],
    patterns: &[String],
    side: Option<&str>,
    per_call: usize,
) -> Vec<Turn> {
    let mut scored: Vec<(usize, usize, &Value)> = all
        .iter()
        .enumerate()
        .filter(|(_, t)| side.is_none_or(|s| (s == "internal") == (t["affiliation"] == "Internal")))
        .map(|(i, t)| {
            let words = format!(" {} ", t["words"].as_str().unwrap_or_default());
            let hits = patterns
                .iter()
                .filter(|p| words.contains(p.as_str()))
                .count();
            (hits, i, t)
        })
        .filter(|(hits, _, _)| *hits > 0)
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored
        .into_iter()
        .take(per_call)
        .map(|(_, i, t)| Turn {
            call_id: id.to_owned(),
            idx: i64::try_from(i).unwrap_or(i64::MAX),
            speaker: t["speaker"].as_str().map(str::to_owned),
            affiliation: t["affiliation"].as_str().map(str::to_owned),
            start_ms: t["start"].as_i64(),
            text: t["text"].as_str().unwrap_or_default().to_owned(),
        })
        .collect()
}

/// A stored call: Gong's entries as they came.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Stored {
    /// The call id.
    pub id: String,
    /// Start, ms since the epoch.
    pub started: i64,
    /// Gong marks it private.
    pub is_private: i64,
    /// Gong's `calls[]` entry.
    pub extensive: String,
    /// Gong's `callTranscripts[]` entry (read from R2 when `blob` names it).
    pub transcript: Option<String>,
    /// The R2 key of the transcript (migration 0006); `None`: in D1, or none.
    #[serde(default)]
    pub blob: Option<String>,
    /// The R2 key of the turns the index folded (read by a search only).
    #[serde(default)]
    pub turns_blob: Option<String>,
}

#[derive(Deserialize)]
struct IdDigest {
    id: String,
    digest: String,
}

#[derive(Deserialize)]
struct Count {
    n: i64,
}

/// The range of start times the sync has read completely.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
pub struct Coverage {
    /// Start (ms, inclusive).
    pub from_ms: i64,
    /// End (ms, exclusive).
    pub to_ms: i64,
}

/// The most R2 objects one request reads (an export page's calls): Workers
/// Free allows 1,000 requests to Cloudflare's services an invocation, and a
/// page also reads D1 once a batch.
pub const BLOB_READS_PER_REQUEST: usize = 500;

/// The library (a handle: clones share the bindings): a D1 database and,
/// when bound, the R2 bucket its transcripts go to.
#[derive(Clone)]
pub struct Library {
    db: std::rc::Rc<worker::D1Database>,
    blobs: Option<std::rc::Rc<Blobs>>,
}

/// A row names an R2 object that is not there, read twice: a bug or a lost
/// object, never a rewrite (whose reader reads the row again).
fn missing_blob(id: &str) -> Error {
    Error::Internal(format!(
        "the transcript of call {id} is missing from the R2 bucket {}",
        blobs::BINDING
    ))
}

fn d1(e: worker::Error) -> Error {
    let text = e.to_string();
    if text.contains("no such table") {
        // A deployment whose database was never migrated: say how to fix it.
        return Error::NotConfigured(
            "the call library's tables are missing: apply the migrations with \
             `npx wrangler d1 migrations apply GONGKIT_DB --remote` (or `--local`)"
                .into(),
        );
    }
    Error::Internal(format!("the call library (D1) failed: {text}"))
}

/// A statement that would not bind: a bug of this module, never input.
fn unbound(why: String) -> Error {
    Error::Internal(format!("a library statement does not bind: {why}"))
}

impl Param {
    fn js(&self) -> JsValue {
        match self {
            Param::Null => JsValue::NULL,
            Param::Int(n) => JsValue::from_f64(*n as f64),
            Param::Text(s) => JsValue::from_str(s),
        }
    }
}

impl Library {
    /// A statement with its values, for D1.
    fn prepare(
        &self,
        b: std::result::Result<Bound, String>,
    ) -> Result<worker::D1PreparedStatement> {
        let b = b.map_err(unbound)?;
        let values: Vec<JsValue> = b.values.iter().map(Param::js).collect();
        self.db.prepare(&b.sql).bind(&values).map_err(d1)
    }

    /// Every row of a statement.
    async fn rows<T: for<'de> Deserialize<'de>>(
        &self,
        b: std::result::Result<Bound, String>,
    ) -> Result<Vec<T>> {
        self.prepare(b)?
            .all()
            .await
            .map_err(d1)?
            .results()
            .map_err(d1)
    }

    /// The first row of a statement, if any.
    async fn first<T: for<'de> Deserialize<'de>>(
        &self,
        b: std::result::Result<Bound, String>,
    ) -> Result<Option<T>> {
        self.prepare(b)?.first::<T>(None).await.map_err(d1)
    }

    /// The library, when `GONGKIT_DB` is bound; with `GONGKIT_BLOBS`
    /// when that is bound too.
    pub fn open(env: &worker::Env) -> Option<Library> {
        env.d1(BINDING)
            .ok()
            .map(|db| Library::new(db, Blobs::open(env)))
    }

    /// The library over this database, its transcripts in `blobs` (or, with
    /// `None`, in the database, as before migration 0006).
    pub fn new(db: worker::D1Database, blobs: Option<Blobs>) -> Library {
        Library {
            db: std::rc::Rc::new(db),
            blobs: blobs.map(std::rc::Rc::new),
        }
    }

    /// The most calls one request may read from the library: unbounded
    /// when transcripts are in D1; with R2, each call is one object read, and
    /// a Worker invocation may make 1,000 requests to Cloudflare's services
    /// (Workers Free), so a page stops well short of that.
    pub fn calls_per_request(&self) -> usize {
        if self.blobs.is_some() {
            BLOB_READS_PER_REQUEST
        } else {
            usize::MAX
        }
    }

    /// The bucket, to read a row that names an object.
    fn blobs(&self) -> Result<&Blobs> {
        self.blobs.as_deref().ok_or_else(|| {
            Error::NotConfigured(format!(
                "the library's transcripts are in R2: bind the bucket {} (see wrangler.toml)",
                blobs::BINDING
            ))
        })
    }

    /// Reads the transcripts of these rows that are in R2 (concurrently);
    /// returns the ids of rows whose object was not there (a rewrite
    /// replaced it since the row was read).
    async fn fill(&self, rows: &mut [Stored]) -> Result<Vec<String>> {
        let wanted: Vec<(usize, String)> = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.transcript.is_none())
            .filter_map(|(i, r)| r.blob.clone().map(|k| (i, k)))
            .collect();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let blobs = self.blobs()?;
        let got = futures::future::try_join_all(wanted.iter().map(|(_, k)| blobs.get(k))).await?;
        let mut missing = Vec::new();
        for ((i, _), text) in wanted.into_iter().zip(got) {
            match text {
                Some(t) => rows[i].transcript = Some(t),
                None => missing.push(rows[i].id.clone()),
            }
        }
        Ok(missing)
    }

    /// One call, if the library has it, with its transcript.
    pub async fn get(&self, id: &str) -> Result<Option<Stored>> {
        // Twice at most: a rewrite may delete the object the first read named.
        for _ in 0..2 {
            let Some(row) = self.first::<Stored>(query::get(id)).await? else {
                return Ok(None);
            };
            let mut rows = [row];
            if self.fill(&mut rows).await?.is_empty() {
                let [row] = rows;
                return Ok(Some(row));
            }
        }
        Err(missing_blob(id))
    }

    /// How many calls the library holds.
    pub async fn count(&self) -> Result<i64> {
        let c: Option<Count> = self.first(query::count()).await?;
        Ok(c.map_or(0, |c| c.n))
    }

    /// The statements that write one call: its row, Gong's JSON, its
    /// search rows ([`sql::index`]) and (when `log`) a change for the
    /// export, with who could see the call.
    fn write(
        &self,
        statements: &mut Vec<worker::D1PreparedStatement>,
        r: &Record,
        now_ms: i64,
        log: bool,
    ) -> Result<()> {
        for b in sql::write(r, now_ms, log).map_err(unbound)? {
            statements.push(self.prepare(Ok(b))?);
        }
        Ok(())
    }

    /// The statements that (re)write one call's search rows: participants,
    /// the index row, its account key and index version. The call's row
    /// and JSON are left as they are.
    fn index(&self, statements: &mut Vec<worker::D1PreparedStatement>, r: &Record) -> Result<()> {
        for b in sql::index(r).map_err(unbound)? {
            statements.push(self.prepare(Ok(b))?);
        }
        Ok(())
    }

    /// Indexes again up to `limit` calls written with an older search index
    /// (or before it existed), and moves up to `limit` transcripts stored in
    /// D1 before migration 0006 to R2 (when bound); returns how many calls
    /// it did either to. Not a change: the export does not see it.
    pub async fn reindex(&self, internal_domains: &[String], limit: usize) -> Result<usize> {
        let mut stale: Vec<Stored> = self.rows(query::stale(limit)).await?;
        // An object gone since the row was read: indexed with the next step.
        let gone = self.fill(&mut stale).await?;
        stale.retain(|s| !gone.contains(&s.id));
        let mut each = Vec::with_capacity(stale.len());
        for s in &stale {
            let mut statements = Vec::with_capacity(8);
            match Record::from_raw(&s.extensive, s.transcript.as_deref(), internal_domains) {
                Ok(r) => self.index(&mut statements, &r)?,
                // A call the core no longer reads stays findable by id only.
                Err(_) => statements.push(self.mark_indexed(&s.id)?),
            }
            each.push((s.id.as_str(), statements));
        }
        let all: Vec<_> = each.iter().flat_map(|(_, st)| st.iter().cloned()).collect();
        if !all.is_empty() && self.db.batch(all).await.is_err() {
            // One call D1 refuses must not hold back the others for ever:
            // one at a time, and a call that still fails is passed over.
            for (id, statements) in each {
                if self.db.batch(statements).await.is_err() {
                    worker::console_log!("{}", json!({"reindex": "call skipped", "id": id}));
                    self.db
                        .batch(vec![self.mark_indexed(id)?])
                        .await
                        .map_err(d1)?;
                }
            }
        }
        Ok(stale.len() + gone.len() + self.move_to_blobs(internal_domains, limit).await?)
    }

    /// Moves up to `limit` transcripts that D1 still holds (written before
    /// migration 0006, or while R2 was not bound) to R2; returns how many.
    /// Each object is written first; a row is changed only if its
    /// transcript is still the one moved (a rewrite meanwhile wins).
    async fn move_to_blobs(&self, internal_domains: &[String], limit: usize) -> Result<usize> {
        #[derive(Deserialize)]
        struct Inline {
            id: String,
            extensive: String,
            transcript: String,
        }
        let Some(blobs) = self.blobs.as_deref() else {
            return Ok(0);
        };
        let rows: Vec<Inline> = self.rows(query::inline(limit)).await?;
        if rows.is_empty() {
            return Ok(0);
        }
        // Each transcript, and its turns as the index folds them (none for
        // a call the core cannot read: its quotes come from the transcript).
        let mut puts: Vec<(String, String)> = Vec::with_capacity(rows.len() * 2);
        let mut keys: Vec<(String, Option<String>)> = Vec::with_capacity(rows.len());
        for r in &rows {
            let key = blobs::key(&r.id, &r.transcript);
            puts.push((key.clone(), r.transcript.clone()));
            let turns = Record::from_raw(&r.extensive, Some(&r.transcript), internal_domains)
                .ok()
                .map(|rec| rec.turns)
                .filter(|t| t != "[]");
            let turns_key = turns.map(|t| {
                let k = blobs::turns_key(&r.id, &t);
                puts.push((k.clone(), t));
                k
            });
            keys.push((key, turns_key));
        }
        futures::future::try_join_all(puts.iter().map(|(k, text)| blobs.put(k, text))).await?;
        let mut statements = Vec::with_capacity(rows.len());
        for (r, (k, t)) in rows.iter().zip(&keys) {
            statements.push(self.prepare(query::move_out(
                &r.id,
                k,
                t.as_deref(),
                &r.transcript,
            ))?);
        }
        self.db.batch(statements).await.map_err(d1)?;
        Ok(rows.len())
    }

    /// The R2 keys the rows of these calls name, by id.
    async fn blob_keys(
        &self,
        ids: &[String],
    ) -> Result<std::collections::HashMap<String, Vec<String>>> {
        #[derive(Deserialize)]
        struct IdBlob {
            id: String,
            blob: Option<String>,
            turns_blob: Option<String>,
        }
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let rows: Vec<IdBlob> = self.rows(query::blob_keys(ids)).await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.id, r.blob.into_iter().chain(r.turns_blob).collect()))
            .collect())
    }

    /// Deletes R2 objects no row names any more. A failure leaves them
    /// (an erasure still finds them by the call's prefix): logged, not
    /// passed on, since the rows are already written.
    async fn drop_blobs(&self, keys: Vec<String>) {
        if keys.is_empty() {
            return;
        }
        let Some(blobs) = self.blobs.as_deref() else {
            worker::console_log!(
                "{}",
                json!({"blobs": "left in R2 (not bound)", "objects": keys.len()})
            );
            return;
        };
        if let Err(e) = blobs.delete(&keys).await {
            worker::console_log!("{}", json!({"blobs": e.to_string(), "objects": keys.len()}));
        }
    }

    fn mark_indexed(&self, id: &str) -> Result<worker::D1PreparedStatement> {
        self.prepare(query::mark_indexed(id))
    }

    /// How many calls wait for [`Library::reindex`].
    pub async fn unindexed(&self) -> Result<i64> {
        let c: Option<Count> = self.first(query::unindexed()).await?;
        Ok(c.map_or(0, |c| c.n))
    }

    /// The stored digests ([`digest`]) of those of these calls the
    /// library has, by id.
    pub async fn digests(
        &self,
        ids: &[String],
    ) -> Result<std::collections::HashMap<String, String>> {
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let rows: Vec<IdDigest> = self.rows(query::digests(ids)).await?;
        Ok(rows.into_iter().map(|r| (r.id, r.digest)).collect())
    }

    /// Writes the records that are new or changed; returns how many.
    pub async fn upsert(&self, records: &[Record], now_ms: i64) -> Result<usize> {
        if records.is_empty() {
            return Ok(0);
        }
        let ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
        // An erased call is never written again, whoever brings it (the
        // sync, or an answer fetched from Gong).
        let erased = self.erased_among(&ids).await?;
        let known: Vec<IdDigest> = self.rows(query::digests(&ids)).await?;
        let mut changed: Vec<Record> = records
            .iter()
            .filter(|r| !erased.contains(&r.id))
            .filter(|r| !known.iter().any(|k| k.id == r.id && k.digest == r.digest))
            .cloned()
            .collect();
        // With R2: each transcript's object and its turns' first (one
        // already there, the same content written before, is not written
        // again), then the rows naming them, then the objects no row names
        // any more.
        let mut stale = Vec::new();
        if let Some(blobs) = self.blobs.as_deref() {
            let ids: Vec<String> = changed.iter().map(|r| r.id.clone()).collect();
            let old = self.blob_keys(&ids).await?;
            let none = Vec::new();
            for r in &mut changed {
                r.blob = r.transcript.as_deref().map(|t| blobs::key(&r.id, t));
                r.turns_blob = (r.blob.is_some() && r.turns != "[]")
                    .then(|| blobs::turns_key(&r.id, &r.turns));
                let had = old.get(&r.id).unwrap_or(&none);
                stale.extend(
                    had.iter()
                        .filter(|k| {
                            r.blob.as_ref() != Some(*k) && r.turns_blob.as_ref() != Some(*k)
                        })
                        .cloned(),
                );
            }
            let mut puts: Vec<(&String, &str)> = Vec::new();
            for r in &changed {
                let had = old.get(&r.id).unwrap_or(&none);
                let pairs = [
                    (r.blob.as_ref(), r.transcript.as_deref()),
                    (r.turns_blob.as_ref(), Some(r.turns.as_str())),
                ];
                for (key, text) in pairs {
                    if let (Some(key), Some(text)) = (key, text) {
                        if !had.contains(key) {
                            puts.push((key, text));
                        }
                    }
                }
            }
            futures::future::try_join_all(puts.iter().map(|(k, text)| blobs.put(k, text))).await?;
        }
        for batch in changed.chunks(CALLS_PER_BATCH) {
            let mut statements = Vec::with_capacity(batch.len() * 9);
            for r in batch {
                self.write(&mut statements, r, now_ms, true)?;
            }
            self.db.batch(statements).await.map_err(d1)?;
        }
        self.drop_blobs(stale).await;
        Ok(changed.len())
    }

    /// Removes calls (and their turns); returns how many were there.
    pub async fn remove(&self, ids: &[String], now_ms: i64) -> Result<usize> {
        #[derive(Deserialize)]
        struct Id {
            id: String,
        }
        if ids.is_empty() {
            return Ok(0);
        }
        // Which of them the library has: D1's count of changed rows takes in
        // the search index's rows that the triggers change too.
        let present: Vec<Id> = self.rows(query::present(ids)).await?;
        let ids: Vec<String> = present.iter().map(|p| p.id.clone()).collect();
        let keys = self.blob_keys(&ids).await?;
        for batch in present.chunks(CALLS_PER_BATCH) {
            let mut statements = Vec::with_capacity(batch.len() * 3);
            for Id { id } in batch {
                // The change first, while the participants are still there:
                // the export tells exactly those who could see the call; then
                // the call (the trigger takes its other rows).
                for b in query::remove(id, now_ms).map_err(unbound)? {
                    statements.push(self.prepare(Ok(b))?);
                }
            }
            self.db.batch(statements).await.map_err(d1)?;
        }
        self.drop_blobs(keys.into_values().flatten().collect())
            .await;
        Ok(present.len())
    }

    /// Which of these calls are erased ([`Library::erase`]).
    pub async fn erased_among(&self, ids: &[String]) -> Result<Vec<String>> {
        #[derive(Deserialize)]
        struct Id {
            id: String,
        }
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<Id> = self.rows(query::erased_among(ids)).await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    /// Whether call `id` is erased: then nothing of it is served.
    pub async fn is_erased(&self, id: &str) -> Result<bool> {
        Ok(!self.erased_among(&[id.to_owned()]).await?.is_empty())
    }

    /// Erases call `id` for good: removed (its removal logged for the
    /// export's tombstone), its changes' emails replaced by `tag(email)`
    /// (a keyed hash: the export still finds who saw it, no email is
    /// kept), and its id remembered, so neither the sync nor an answer from
    /// Gong stores it again until [`Library::restore`]. Returns whether
    /// the library held it.
    pub async fn erase(&self, id: &str, now_ms: i64, tag: impl Fn(&str) -> String) -> Result<bool> {
        #[derive(Deserialize)]
        struct Email {
            email: Option<String>,
        }
        #[derive(Deserialize)]
        struct Id {
            #[allow(dead_code)]
            id: String,
        }
        let present = !self
            .rows::<Id>(query::present(&[id.to_owned()]))
            .await?
            .is_empty();
        // Erasure lasts: a transcript in R2 must go too, so R2 must be bound
        // when a row names an object (checked before anything is changed).
        if self.blobs.is_none() && !self.blob_keys(&[id.to_owned()]).await?.is_empty() {
            self.blobs()?;
        }
        let emails: Vec<Email> = self.rows(query::erasure_emails(id)).await?;
        let mut tags: Vec<String> = emails
            .iter()
            .filter_map(|e| e.email.as_deref())
            .filter(|e| !e.is_empty())
            .map(&tag)
            .collect();
        tags.sort();
        tags.dedup();
        let tags = serde_json::to_string(&tags).map_err(Error::internal)?;
        let mut statements = Vec::new();
        for b in query::erase(id, present, &tags, now_ms).map_err(unbound)? {
            statements.push(self.prepare(Ok(b))?);
        }
        self.db.batch(statements).await.map_err(d1)?;
        // Every object of the call, whatever row named it (one a failed
        // write left behind too); after the rows, so no reader is left
        // with a row naming a deleted object.
        if let Some(blobs) = self.blobs.as_deref() {
            blobs.delete_call(id).await?;
        }
        Ok(present)
    }

    /// Lifts an erasure: the call may be stored and served again (the next
    /// sync over its range, or the next read, brings it back). Returns
    /// whether it was erased.
    pub async fn restore(&self, id: &str) -> Result<bool> {
        let was = self.is_erased(id).await?;
        self.prepare(query::restore(id))?.run().await.map_err(d1)?;
        Ok(was)
    }

    /// The ids of the library's calls that started in `[from_ms, to_ms)`.
    pub async fn ids_between(&self, from_ms: i64, to_ms: i64) -> Result<Vec<String>> {
        #[derive(Deserialize)]
        struct Id {
            id: String,
        }
        let rows: Vec<Id> = self.rows(query::ids_between(from_ms, to_ms)).await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    /// Calls that started in `[from_ms, to_ms)`, oldest first, after the
    /// call `(started, id)` when given; at most `limit`.
    pub async fn list(
        &self,
        from_ms: i64,
        to_ms: i64,
        after: Option<(i64, &str)>,
        limit: usize,
        who: Visibility<'_>,
    ) -> Result<Vec<Stored>> {
        self.rows(query::list(from_ms, to_ms, after, limit, who))
            .await
    }

    /// The ids of the oldest calls that started before `before_ms`, at
    /// most `limit` (what retention removes next).
    pub async fn older_than(&self, before_ms: i64, limit: usize) -> Result<Vec<String>> {
        #[derive(Deserialize)]
        struct Id {
            id: String,
        }
        let rows: Vec<Id> = self.rows(query::older_than(before_ms, limit)).await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    /// Takes everything before `from_ms` out of the covered range (none is
    /// left when it all was), so reads of that range go to Gong again.
    pub async fn trim_coverage(&self, from_ms: i64) -> Result<()> {
        let mut statements = Vec::with_capacity(2);
        for b in query::trim_coverage(from_ms).map_err(unbound)? {
            statements.push(self.prepare(Ok(b))?);
        }
        self.db.batch(statements).await.map_err(d1)?;
        Ok(())
    }

    /// The range the sync has read completely, if any.
    pub async fn coverage(&self) -> Result<Option<Coverage>> {
        self.first(query::coverage()).await
    }

    /// Adds `[from_ms, to_ms)` to the covered range: it is joined when the
    /// two overlap or touch, else it replaces a covered range it does not
    /// touch only when it is later (the sync moves forward).
    pub async fn cover(&self, from_ms: i64, to_ms: i64) -> Result<Coverage> {
        let next = match self.coverage().await? {
            Some(c) => merge_coverage(c, from_ms, to_ms),
            None => Coverage { from_ms, to_ms },
        };
        self.prepare(query::cover(next.from_ms, next.to_ms))?
            .run()
            .await
            .map_err(d1)?;
        Ok(next)
    }
}

impl Library {
    /// The account the merge gives each domain's calls in this database:
    /// its newest CRM call's own `(name, key)`, if it has one (one batch).
    pub(crate) async fn domain_crms(
        &self,
        domains: &[&str],
    ) -> Result<Vec<Option<(String, String)>>> {
        #[derive(Deserialize)]
        struct Account {
            name: Option<String>,
            key: Option<String>,
        }
        if domains.is_empty() {
            return Ok(Vec::new());
        }
        let statements = domains
            .iter()
            .map(|d| self.prepare(query::domain_crm(d)))
            .collect::<Result<Vec<_>>>()?;
        let mut out = Vec::with_capacity(domains.len());
        for result in self.db.batch(statements).await.map_err(d1)? {
            let rows: Vec<Account> = result.results().map_err(d1)?;
            out.push(
                rows.into_iter()
                    .next()
                    .and_then(|a| Some((a.name?, a.key?))),
            );
        }
        Ok(out)
    }

    /// The domains of those of these calls that are CRM calls.
    pub(crate) async fn crm_domains_of(&self, ids: &[String]) -> Result<Vec<String>> {
        #[derive(Deserialize)]
        struct Domain {
            domain: String,
        }
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<Domain> = self.rows(query::crm_domains_of(ids)).await?;
        Ok(rows.into_iter().map(|d| d.domain).collect())
    }

    /// Gives each domain's calls without CRM context the CRM account
    /// `(name, key)` given (another period's), or their own (`None`); one
    /// batch.
    pub(crate) async fn resolve_domains(
        &self,
        accounts: &[(&str, Option<(&str, &str)>)],
    ) -> Result<()> {
        if accounts.is_empty() {
            return Ok(());
        }
        let statements = accounts
            .iter()
            .map(|(d, a)| self.prepare(query::resolve_domain(d, *a)))
            .collect::<Result<Vec<_>>>()?;
        self.db.batch(statements).await.map_err(d1).map(drop)
    }
}

/// Who may see which calls, as the library's queries filter them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Visibility<'a> {
    /// Calls Gong marks private are included.
    pub private: bool,
    /// Only calls with a participant of this (lower-cased) email.
    pub participant: Option<&'a str>,
}

/// The filters of a search besides its words.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    /// Start (ms, inclusive).
    pub from_ms: Option<i64>,
    /// End (ms, exclusive).
    pub to_ms: Option<i64>,
    /// Part of an account name, folded ([`gongkit::words::fold`]): accounts
    /// whose folded name holds it (the whole name matches too). The one
    /// way part of a name is matched: [`Library::accounts`]' and
    /// [`Library::account_calls`]' `contains` test it the same way
    /// (`instr` on the folded key), on the accounts' summary first.
    pub account_contains: Option<String>,
    /// A participant's email, lower-cased.
    pub email: Option<String>,
    /// Part of a participant's name, folded.
    pub name_key: Option<String>,
}

/// A call a search found.
#[derive(Clone, Debug, Deserialize)]
pub struct Found {
    /// The call id.
    pub id: String,
    /// The title.
    pub title: Option<String>,
    /// The account name.
    pub account: Option<String>,
    /// Start, ms since the epoch.
    pub started: i64,
    /// bm25: lower is better.
    pub rank: f64,
    /// How many calls the search matches in all (the same pass counts them).
    pub total: i64,
}

/// A turn a hit quotes.
#[derive(Clone, Debug, Deserialize)]
pub struct Turn {
    /// The call id.
    pub call_id: String,
    /// Position in the transcript.
    pub idx: i64,
    /// The speaker's name.
    pub speaker: Option<String>,
    /// Internal, External or Unknown.
    pub affiliation: Option<String>,
    /// Start, ms from the call's start.
    pub start_ms: Option<i64>,
    /// The text as said.
    pub text: String,
}

/// An account of the library.
#[derive(Clone, Debug, Deserialize)]
pub struct AccountRow {
    /// The folded name.
    pub key: String,
    /// The name as its newest call gives it.
    pub name: Option<String>,
    /// How many calls.
    pub calls: i64,
    /// The first call's start (ms).
    pub first: i64,
    /// The last call's start (ms).
    pub last: i64,
}

/// A participant of an account's calls.
#[derive(Clone, Debug, Deserialize)]
pub struct PersonRow {
    /// The account's folded name.
    pub key: String,
    /// The name.
    pub name: Option<String>,
    /// The email.
    pub email: Option<String>,
}

/// A change of the library, as the export reads it.
#[derive(Clone, Debug, Deserialize)]
pub struct Change {
    /// Its position in the change log.
    pub seq: i64,
    /// The call.
    pub id: String,
    /// 1: the call was removed.
    pub deleted: i64,
    /// 1: the caller may see the call as it is now (render it).
    pub current: i64,
    /// 1: the caller could see the call at some change (so a removal, or
    /// the loss of sight of it, is theirs to hear of).
    pub shown: i64,
    /// 1: the call is erased (its line is a tombstone).
    pub erased: i64,
}

impl Library {
    /// Calls that match an FTS5 expression over `calls_fts` and the
    /// filters, best first among the [`RANK_BOUND`] newest-written
    /// matches: at most `limit` after `offset`, each with the number of
    /// matches up to the bound (the ranking pass counts them).
    pub async fn search(
        &self,
        fts: &str,
        filters: &Filters,
        who: Visibility<'_>,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<Found>> {
        self.rows(query::search(fts, filters, who, limit, offset))
            .await
    }

    /// How many calls a search matches, counted up to `cap`.
    pub async fn search_count(
        &self,
        fts: &str,
        filters: &Filters,
        who: Visibility<'_>,
        cap: usize,
    ) -> Result<i64> {
        let rows: Vec<Count> = self
            .rows(query::search_count(fts, filters, who, cap))
            .await?;
        Ok(rows.first().map_or(0, |c| c.n))
    }

    /// The best `per_call` turns of each of these calls that hold any of
    /// `patterns` (each ` folded words ` as [`crate::query::Query::patterns`]
    /// gives them), those holding more of them first, then in order; of
    /// one side only when `side` is `internal` or `external`
    /// ([`quoted_turns`]): a handful of calls' transcripts, read by call id
    /// (from R2 concurrently).
    pub async fn turns(
        &self,
        ids: &[String],
        patterns: &[String],
        side: Option<&str>,
        per_call: usize,
    ) -> Result<Vec<Turn>> {
        if ids.is_empty() || patterns.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<Stored> = self.rows(query::get_many(ids)).await?;
        // The turns the index folded, from R2 (concurrently); a row without
        // them (no R2, or not moved yet) from its transcript.
        let (mut plain, folded): (Vec<Stored>, Vec<Stored>) = rows
            .into_iter()
            .partition(|r| r.turns_blob.is_none() || self.blobs.is_none());
        let mut out = Vec::new();
        if let (false, Some(blobs)) = (folded.is_empty(), self.blobs.as_deref()) {
            let got = futures::future::try_join_all(
                folded
                    .iter()
                    .filter_map(|r| r.turns_blob.as_deref())
                    .map(|k| blobs.get(k)),
            )
            .await?;
            for (row, text) in folded.into_iter().zip(got) {
                match text.map(|t| serde_json::from_str::<Vec<Value>>(&t)) {
                    Some(Ok(all)) => {
                        out.extend(pick_turns(&row.id, &all, patterns, side, per_call))
                    }
                    // Rewritten since the row was read, or unreadable: from
                    // the transcript.
                    _ => plain.push(Stored {
                        turns_blob: None,
                        ..row
                    }),
                }
            }
        }
        // (A transcript object gone meanwhile: that hit quotes nothing.)
        self.fill(&mut plain).await?;
        out.extend(quoted_turns(&plain, patterns, side, per_call));
        Ok(out)
    }

    /// Accounts with calls in the range (whose folded name holds `contains`
    /// when given), the most recently met first, after the account
    /// `(last, key)` when given; at most `limit`.
    pub async fn accounts(
        &self,
        filters: &Filters,
        contains: Option<&str>,
        who: Visibility<'_>,
        after: Option<(i64, &str)>,
        limit: usize,
    ) -> Result<Vec<AccountRow>> {
        self.rows(query::accounts(filters, contains, who, after, limit))
            .await
    }

    /// The people not on the seller's side in these accounts' calls (in the
    /// range), at most `per_account` each.
    pub async fn account_people(
        &self,
        keys: &[String],
        filters: &Filters,
        who: Visibility<'_>,
        per_account: usize,
    ) -> Result<Vec<PersonRow>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        self.rows(query::account_people(keys, filters, who, per_account))
            .await
    }

    /// These accounts' calls in the range, counted: one row for each
    /// account that has any here (`name` is `None`).
    pub async fn account_totals(
        &self,
        keys: &[String],
        filters: &Filters,
        who: Visibility<'_>,
    ) -> Result<Vec<AccountRow>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        self.rows(query::account_totals(keys, filters, who)).await
    }

    /// Calls of the accounts whose folded name holds `contains`, newest
    /// first, after `(started, id)` when given; at most `limit`.
    pub async fn account_calls(
        &self,
        contains: &str,
        filters: &Filters,
        who: Visibility<'_>,
        before: Option<(i64, &str)>,
        limit: usize,
    ) -> Result<Vec<Stored>> {
        #[derive(Deserialize)]
        struct Key {
            key: String,
        }
        // One account (the usual case) is read in the order of its index;
        // several are merged by SQLite, which sorts their calls.
        let keys: Vec<Key> = self.rows(query::account_keys(contains, 2)).await?;
        match keys.as_slice() {
            [] => Ok(Vec::new()),
            [one] => {
                self.rows(query::one_account_calls(
                    &one.key, filters, who, before, limit,
                ))
                .await
            }
            _ => {
                self.rows(query::account_calls(contains, filters, who, before, limit))
                    .await
            }
        }
    }

    /// Calls the filters allow, newest first, after `(started, id)` when
    /// given; at most `limit` (a participant's calls).
    pub async fn calls_newest_first(
        &self,
        filters: &Filters,
        who: Visibility<'_>,
        before: Option<(i64, &str)>,
        limit: usize,
    ) -> Result<Vec<Stored>> {
        self.rows(query::calls_newest_first(filters, who, before, limit))
            .await
    }

    /// The changes after `after` (a change log position), each call's
    /// newest only, in order; at most `limit`. Each says whether `who` may
    /// see the call now, and whether they could at any change of it.
    /// `tag`: the keyed hash of `who`'s email, as [`Library::erase`] keeps
    /// it (so an erased call's tombstone reaches those who saw it).
    pub async fn changes(
        &self,
        after: i64,
        limit: usize,
        who: Visibility<'_>,
        tag: Option<&str>,
    ) -> Result<Vec<Change>> {
        self.rows(query::changes(after, limit, who, tag)).await
    }

    /// These calls as stored (those the library still has), with their
    /// transcripts.
    pub async fn get_many(&self, ids: &[String]) -> Result<Vec<Stored>> {
        let mut rows: Vec<Stored> = self.rows(query::get_many(ids)).await?;
        let missing = self.fill(&mut rows).await?;
        if missing.is_empty() {
            return Ok(rows);
        }
        // Rewritten since they were read: their rows again, once.
        rows.retain(|r| !missing.contains(&r.id));
        let mut again: Vec<Stored> = self.rows(query::get_many(&missing)).await?;
        if let Some(id) = self.fill(&mut again).await?.first() {
            return Err(missing_blob(id));
        }
        rows.extend(again);
        Ok(rows)
    }
}

/// At most this many accounts (the most recently met) are compared by
/// [`Library::nearest_accounts`].
pub const NEAREST_SCAN: usize = 5000;

impl Library {
    /// The names of the accounts `who` may see that come closest to `q`
    /// (for "no calls under account X; did you mean …"), best first, at
    /// most `limit` ([`nearest_names`]).
    pub async fn nearest_accounts(
        &self,
        q: &str,
        who: Visibility<'_>,
        limit: usize,
    ) -> Result<Vec<String>> {
        let rows: Vec<AccountRow> = self
            .rows(query::accounts(
                &Filters::default(),
                None,
                who,
                None,
                NEAREST_SCAN,
            ))
            .await?;
        Ok(nearest_names(q, &rows, limit))
    }
}

/// Of these accounts, the names closest to `q`, compared folded (case and
/// accents aside, as [`Filters::account_contains`] compares): first those
/// whose name holds `q`, then those sharing a word's beginning with it
/// (`acme corp` and `Acme Corporation`), then those within a few edits of
/// it or of one of their words (`acmee`); at most `limit`.
pub fn nearest_names(q: &str, accounts: &[AccountRow], limit: usize) -> Vec<String> {
    // Edits are counted per word pair: a long query would only cost time.
    let q: String = fold(q).chars().take(64).collect();
    if q.is_empty() {
        return Vec::new();
    }
    let q_words: Vec<&str> = q.split(' ').filter(|w| !w.is_empty()).collect();
    let budget = (q.chars().count() / 3).max(1);
    let mut scored: Vec<((usize, usize), &AccountRow)> = accounts
        .iter()
        .filter_map(|a| {
            let key = a.key.as_str();
            let words: Vec<&str> = key.split(' ').filter(|w| !w.is_empty()).collect();
            if key.contains(&q) {
                return Some(((0, key.len()), a));
            }
            let shared = q_words
                .iter()
                .filter(|w| {
                    words.iter().any(|k| {
                        let (short, long) = if k.len() < w.len() {
                            (*k, **w)
                        } else {
                            (**w, *k)
                        };
                        short.chars().count() >= 3 && long.starts_with(short)
                    })
                })
                .count();
            if shared > 0 {
                return Some(((1, q_words.len() - shared), a));
            }
            let distance = words
                .iter()
                .map(|w| edits(&q, w))
                .chain([edits(&q, key)])
                .min()
                .unwrap_or(usize::MAX);
            (distance <= budget).then_some(((2, distance), a))
        })
        .collect();
    scored.sort_by(|(x, a), (y, b)| x.cmp(y).then_with(|| a.key.cmp(&b.key)));
    scored
        .into_iter()
        .take(limit)
        .map(|(_, a)| a.name.clone().unwrap_or_else(|| a.key.clone()))
        .collect()
}

/// The Levenshtein distance of two strings, by characters.
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diagonal + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// The covered range after adding `[from_ms, to_ms)` to `c`.
pub fn merge_coverage(c: Coverage, from_ms: i64, to_ms: i64) -> Coverage {
    if from_ms <= c.to_ms && to_ms >= c.from_ms {
        Coverage {
            from_ms: c.from_ms.min(from_ms),
            to_ms: c.to_ms.max(to_ms),
        }
    } else if from_ms > c.to_ms {
        Coverage { from_ms, to_ms }
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_keep_gongs_json_and_derive_the_rest() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/calls/");
        let ext = std::fs::read_to_string(format!("{root}acme-discovery.extensive.json")).unwrap();
        let tr = std::fs::read_to_string(format!("{root}acme-discovery.transcript.json")).unwrap();
        let ext: Value = serde_json::from_str(&ext).unwrap();
        let tr: Value = serde_json::from_str(&tr).unwrap();
        let (ext, tr) = (
            ext["calls"][0].to_string(),
            tr["callTranscripts"][0].to_string(),
        );
        let r = Record::from_raw(&ext, Some(&tr), &["seller.io".into()]).unwrap();
        assert_eq!(r.id, "7782342274025937895");
        assert_eq!(r.account.as_deref(), Some("Acme Corporation Ltd"));
        assert!(r.started > 1_700_000_000_000);
        assert!(r.participants.contains("José Müller"));
        assert_eq!(r.extensive, ext);
        let turns: Vec<Value> = serde_json::from_str(&r.turns).unwrap();
        assert!(turns.len() > 3);
        assert!(turns.iter().any(|t| t["affiliation"] == "External"));
        assert!(turns
            .iter()
            .all(|t| t["text"].as_str().is_some_and(|s| !s.is_empty())));
        let same = Record::from_raw(&ext, Some(&tr), &[]).unwrap();
        assert_eq!(same.digest, r.digest);
        // The digest is the extensive JSON's and whether there is a transcript.
        assert_eq!(r.digest, digest(&ext, true));
        assert!(has_transcript(&r.digest));
        let other = Record::from_raw(&ext, None, &[]).unwrap();
        assert_ne!(other.digest, r.digest);
        assert_eq!(other.turns, "[]");
        assert_eq!(r.account_key.as_deref(), Some("acme corporation ltd"));
        assert!(r.index.people.contains("jose muller"));
        assert!(!r.index.internal.is_empty() && !r.index.external.is_empty());
        assert!(turns
            .iter()
            .all(|t| t["side"] == "internal" || t["side"] == "external"));
        let parties: Vec<Value> = serde_json::from_str(&r.parties).unwrap();
        assert!(parties.iter().any(|p| p["nameKey"] == "jose muller"));
        assert!(Record::from_raw("{\"metaData\": {}}", None, &[]).is_err());
    }

    /// `quoted_turns` picks what the `turns` table's statement picked
    /// before migration 0006 dropped it: the statement is run here on
    /// SQLite over the turns [`Record::from_raw`] gives, for each fixture
    /// call, pattern set and side.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn quoted_turns_are_those_the_turns_table_gave() {
        const TURNS_TABLE: &str = "CREATE TABLE turns (call_id TEXT, idx INTEGER, speaker TEXT,
            affiliation TEXT, start_ms INTEGER, text TEXT, words TEXT)";
        const INSERT: &str = "INSERT INTO turns SELECT ?1, CAST(key AS INTEGER),
            json_extract(value, '$.speaker'), json_extract(value, '$.affiliation'),
            json_extract(value, '$.start'), json_extract(value, '$.text'), json_extract(value, '$.words')
            FROM json_each(?2)";
        // The statement of sql.rs before 0006, as it was.
        const TURNS: &str = "SELECT call_id, idx, speaker, affiliation, start_ms, text FROM (
           SELECT t.call_id, t.idx, t.speaker, t.affiliation, t.start_ms, t.text, t.hits,
             row_number() OVER (PARTITION BY t.call_id ORDER BY t.hits DESC, t.idx) AS k
           FROM (SELECT t.*, (SELECT count(*) FROM json_each(?2) AS q
                              WHERE instr(' ' || t.words || ' ', q.value) > 0) AS hits
                 FROM turns AS t
                 WHERE t.call_id IN (SELECT value FROM json_each(?1))
                   AND (?3 IS NULL OR (?3 = 'internal') = (coalesce(t.affiliation, '') = 'Internal'))) AS t
           WHERE t.hits > 0)
         WHERE k <= ?4 ORDER BY call_id, idx";
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/calls/");
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute(TURNS_TABLE, []).unwrap();
        let mut rows = Vec::new();
        for name in [
            "acme-discovery",
            "globex-renewal",
            "internal-sync",
            "two-hour",
        ] {
            let read = |part: &str| -> Value {
                let text = std::fs::read_to_string(format!("{root}{name}.{part}.json")).unwrap();
                serde_json::from_str(&text).unwrap()
            };
            let ext = read("extensive")["calls"][0].to_string();
            let tr = read("transcript")["callTranscripts"][0].to_string();
            let r = Record::from_raw(&ext, Some(&tr), &["seller.io".into()]).unwrap();
            conn.execute(INSERT, rusqlite::params![r.id, r.turns])
                .unwrap();
            rows.push(Stored {
                id: r.id.clone(),
                extensive: ext,
                transcript: Some(tr),
                ..Stored::default()
            });
        }
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let mut compared = 0;
        for patterns in [
            vec![" pricing "],
            vec![" the ", " we "],
            vec![" sec", " the ", " the "],
            vec![" a "],
            vec![" zzz "],
        ] {
            let patterns: Vec<String> = patterns.into_iter().map(str::to_owned).collect();
            for side in [None, Some("internal"), Some("external")] {
                for per_call in [1, 3] {
                    let mut st = conn.prepare(TURNS).unwrap();
                    let args = rusqlite::params![
                        serde_json::to_string(&ids).unwrap(),
                        serde_json::to_string(&patterns).unwrap(),
                        side,
                        per_call as i64
                    ];
                    let want: Vec<String> = st
                        .query_map(args, |row| {
                            Ok(format!(
                                "{}#{} {:?} {:?} {:?} {}",
                                row.get::<_, String>(0)?,
                                row.get::<_, i64>(1)?,
                                row.get::<_, Option<String>>(2)?,
                                row.get::<_, Option<String>>(3)?,
                                row.get::<_, Option<i64>>(4)?,
                                row.get::<_, String>(5)?
                            ))
                        })
                        .unwrap()
                        .map(Result::unwrap)
                        .collect();
                    let mut got: Vec<Turn> = quoted_turns(&rows, &patterns, side, per_call);
                    got.sort_by(|a, b| a.call_id.cmp(&b.call_id).then(a.idx.cmp(&b.idx)));
                    let got: Vec<String> = got
                        .iter()
                        .map(|t| {
                            format!(
                                "{}#{} {:?} {:?} {:?} {}",
                                t.call_id, t.idx, t.speaker, t.affiliation, t.start_ms, t.text
                            )
                        })
                        .collect();
                    assert_eq!(got, want, "{patterns:?} {side:?} {per_call}");
                    compared += want.len();
                }
            }
        }
        assert!(compared > 50, "the patterns quote turns: {compared}");
        // A call without a transcript, or whose JSON the core cannot read,
        // quotes nothing.
        let bare = Stored {
            id: "1".into(),
            extensive: "{".into(),
            transcript: Some("{}".into()),
            ..Stored::default()
        };
        assert!(quoted_turns(&[bare], &[" a ".into()], None, 3).is_empty());
    }

    #[test]
    fn the_nearest_account_names() {
        let row = |name: &str| AccountRow {
            key: fold(name),
            name: Some(name.to_owned()),
            calls: 1,
            first: 0,
            last: 0,
        };
        let rows: Vec<AccountRow> = [
            "Acme Corporation Ltd",
            "Globex",
            "Société Générale",
            "Initech",
            "Acorn Foods",
        ]
        .iter()
        .map(|n| row(n))
        .collect();
        assert_eq!(nearest_names("ACME", &rows, 3), ["Acme Corporation Ltd"]);
        assert_eq!(
            nearest_names("acme corp inc", &rows, 3),
            ["Acme Corporation Ltd"]
        );
        assert_eq!(nearest_names("societe", &rows, 3), ["Société Générale"]);
        assert_eq!(nearest_names("Globx", &rows, 3), ["Globex"]);
        assert_eq!(nearest_names("initek", &rows, 3), ["Initech"]);
        assert!(nearest_names("umbrella", &rows, 3).is_empty());
        assert!(nearest_names("  ", &rows, 3).is_empty());
        assert_eq!(nearest_names("ac", &rows, 1).len(), 1);
        assert_eq!(edits("kitten", "sitting"), 3);
        assert_eq!(edits("", "abc"), 3);
    }

    #[test]
    fn coverage_grows_and_moves_forward() {
        let c = Coverage {
            from_ms: 100,
            to_ms: 200,
        };
        assert_eq!(
            merge_coverage(c, 150, 300),
            Coverage {
                from_ms: 100,
                to_ms: 300
            }
        );
        assert_eq!(
            merge_coverage(c, 50, 100),
            Coverage {
                from_ms: 50,
                to_ms: 200
            }
        );
        assert_eq!(
            merge_coverage(c, 400, 500),
            Coverage {
                from_ms: 400,
                to_ms: 500
            }
        );
        assert_eq!(merge_coverage(c, 0, 50), c);
    }
}
