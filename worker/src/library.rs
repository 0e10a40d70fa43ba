//! The call library in D1 (`GONGKIT_DB`): the one module that owns the
//! database. Calls are kept as Gong sent them (each `calls[]` entry and its
//! `callTranscripts[]` entry, in `call_json`, apart from the small `calls`
//! rows that filters scan), so every answer renders from the library
//! exactly as from Gong, with the columns filters and search need, the
//! transcript as turns, and a log of changes. The schema is the numbered
//! migrations in `migrations/`; every query binds its values.

use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use worker::wasm_bindgen::JsValue;

use crate::error::{Error, Result};
use crate::words::{email_key, fold};

/// The D1 binding in wrangler.toml.
pub const BINDING: &str = "GONGKIT_DB";
/// D1 takes at most this many statements' worth of work well in one batch;
/// pages of 100 calls are written in batches of this many calls.
const CALLS_PER_BATCH: usize = 25;
/// Between two turns, participants or key points in an index field: a
/// private-use character, a word of its own to the index that no folded
/// query word can be, so no phrase matches across the boundary.
pub const SEPARATOR: &str = " \u{E000} ";
/// The search index's version: calls written with an older one (or before
/// the index existed) are indexed again by the sync ([`Library::reindex`]).
pub const INDEX_VERSION: i64 = 1;

/// What the search index holds of one call, each field folded
/// ([`crate::words::fold`]).
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
    /// The participants: a JSON array of `{name, email, nameKey, emailKey,
    /// affiliation}`.
    pub parties: String,
    /// What the search index holds.
    pub index: Index,
    /// The participants' emails (a JSON array), as a change records them.
    pub emails: String,
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
        let mut digest = Sha256::new();
        digest.update(extensive.as_bytes());
        digest.update([0]);
        digest.update(transcript.unwrap_or_default().as_bytes());
        let digest: String = digest.finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let account_key = call
            .account
            .as_ref()
            .map(|a| fold(&a.name))
            .filter(|k| !k.is_empty());
        Ok(Record {
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

/// A stored call: Gong's entries as they came.
#[derive(Clone, Debug, Deserialize)]
pub struct Stored {
    /// The call id.
    pub id: String,
    /// Start, ms since the epoch.
    pub started: i64,
    /// Gong marks it private.
    pub is_private: i64,
    /// Gong's `calls[]` entry.
    pub extensive: String,
    /// Gong's `callTranscripts[]` entry.
    pub transcript: Option<String>,
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

/// The library (a handle: clones share the binding).
#[derive(Clone)]
pub struct Library {
    db: std::rc::Rc<worker::D1Database>,
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

fn v(s: &str) -> JsValue {
    JsValue::from_str(s)
}

fn n(x: i64) -> JsValue {
    JsValue::from_f64(x as f64)
}

impl Library {
    /// Every row of a query with bound values.
    async fn rows<T: for<'de> Deserialize<'de>>(
        &self,
        sql: &str,
        values: &[JsValue],
    ) -> Result<Vec<T>> {
        self.db
            .prepare(sql)
            .bind(values)
            .map_err(d1)?
            .all()
            .await
            .map_err(d1)?
            .results()
            .map_err(d1)
    }

    /// The library, when `GONGKIT_DB` is bound.
    pub fn open(env: &worker::Env) -> Option<Library> {
        env.d1(BINDING).ok().map(|db| Library {
            db: std::rc::Rc::new(db),
        })
    }

    /// One call, if the library has it.
    pub async fn get(&self, id: &str) -> Result<Option<Stored>> {
        self.db
            .prepare(
                "SELECT c.id, c.started, c.is_private, j.extensive, j.transcript
                 FROM calls AS c JOIN call_json AS j ON j.id = c.id WHERE c.id = ?1",
            )
            .bind(&[v(id)])
            .map_err(d1)?
            .first::<Stored>(None)
            .await
            .map_err(d1)
    }

    /// How many calls the library holds.
    pub async fn count(&self) -> Result<i64> {
        let c = self
            .db
            .prepare("SELECT count(*) AS n FROM calls")
            .first::<Count>(None)
            .await
            .map_err(d1)?;
        Ok(c.map_or(0, |c| c.n))
    }

    /// The statements that write one call: its row, Gong's JSON, its
    /// search rows ([`Library::index`]) and (when `log`) a change for the
    /// export, with who could see the call.
    fn write(
        &self,
        statements: &mut Vec<worker::D1PreparedStatement>,
        r: &Record,
        now_ms: i64,
        log: bool,
    ) -> Result<()> {
        let sql: &[(&str, Vec<JsValue>)] = &[
            (
                "INSERT INTO calls (id, started, title, account, participants, brief, key_points, is_private, digest, synced_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (id) DO UPDATE SET started = excluded.started, title = excluded.title,
                   account = excluded.account, participants = excluded.participants, brief = excluded.brief,
                   key_points = excluded.key_points, is_private = excluded.is_private,
                   digest = excluded.digest, synced_at = excluded.synced_at",
                vec![
                    v(&r.id),
                    n(r.started),
                    r.title.as_deref().map_or(JsValue::NULL, v),
                    r.account.as_deref().map_or(JsValue::NULL, v),
                    v(&r.participants),
                    r.brief.as_deref().map_or(JsValue::NULL, v),
                    v(&r.key_points),
                    n(i64::from(r.is_private)),
                    v(&r.digest),
                    n(now_ms),
                ],
            ),
            (
                "INSERT INTO call_json (id, extensive, transcript) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET extensive = excluded.extensive, transcript = excluded.transcript",
                vec![
                    v(&r.id),
                    v(&r.extensive),
                    r.transcript.as_deref().map_or(JsValue::NULL, v),
                ],
            ),
        ];
        for (query, values) in sql {
            statements.push(self.db.prepare(*query).bind(values).map_err(d1)?);
        }
        self.index(statements, r)?;
        if log {
            statements.push(
                self.db
                    .prepare(
                        "INSERT INTO changes (call_id, deleted, at, emails, private) VALUES (?1, 0, ?2, ?3, ?4)",
                    )
                    .bind(&[v(&r.id), n(now_ms), v(&r.emails), n(i64::from(r.is_private))])
                    .map_err(d1)?,
            );
        }
        Ok(())
    }

    /// The statements that (re)write one call's search rows: turns (with
    /// their folded words), participants, the index row, its account key
    /// and index version. The
    /// call's row and JSON are left as they are.
    fn index(&self, statements: &mut Vec<worker::D1PreparedStatement>, r: &Record) -> Result<()> {
        let sql: &[(&str, Vec<JsValue>)] = &[
            (
                "UPDATE calls SET account_key = ?2, indexed = ?3 WHERE id = ?1",
                vec![
                    v(&r.id),
                    r.account_key.as_deref().map_or(JsValue::NULL, v),
                    n(INDEX_VERSION),
                ],
            ),
            ("DELETE FROM turns WHERE call_id = ?1", vec![v(&r.id)]),
            (
                "INSERT INTO turns (call_id, idx, speaker_id, speaker, affiliation, topic, start_ms, end_ms, text, words)
                 SELECT ?1, CAST(key AS INTEGER), json_extract(value, '$.speakerId'), json_extract(value, '$.speaker'),
                        json_extract(value, '$.affiliation'), json_extract(value, '$.topic'),
                        json_extract(value, '$.start'), json_extract(value, '$.end'), json_extract(value, '$.text'),
                        json_extract(value, '$.words')
                 FROM json_each(?2)",
                vec![v(&r.id), v(&r.turns)],
            ),
            (
                "DELETE FROM calls_fts WHERE rowid = (SELECT rid FROM calls WHERE id = ?1)",
                vec![v(&r.id)],
            ),
            (
                "INSERT INTO calls_fts (rowid, title, account, people, summary, internal, external)
                 SELECT rid, ?2, ?3, ?4, ?5, ?6, ?7 FROM calls WHERE id = ?1",
                vec![
                    v(&r.id),
                    v(&r.index.title),
                    v(&r.index.account),
                    v(&r.index.people),
                    v(&r.index.summary),
                    v(&r.index.internal),
                    v(&r.index.external),
                ],
            ),
            ("DELETE FROM parties WHERE call_id = ?1", vec![v(&r.id)]),
            (
                "INSERT INTO parties (call_id, name, email, name_key, email_key, affiliation)
                 SELECT ?1, json_extract(value, '$.name'), json_extract(value, '$.email'), json_extract(value, '$.nameKey'),
                        json_extract(value, '$.emailKey'), json_extract(value, '$.affiliation')
                 FROM json_each(?2)",
                vec![v(&r.id), v(&r.parties)],
            ),
        ];
        for (query, values) in sql {
            statements.push(self.db.prepare(*query).bind(values).map_err(d1)?);
        }
        Ok(())
    }

    /// Indexes again up to `limit` calls written with an older search index
    /// (or before it existed); returns how many. Not a change: the export
    /// does not see it.
    pub async fn reindex(&self, internal_domains: &[String], limit: usize) -> Result<usize> {
        let stale: Vec<Stored> = self
            .rows(
                "SELECT c.id, c.started, c.is_private, j.extensive, j.transcript
                 FROM calls AS c JOIN call_json AS j ON j.id = c.id WHERE c.indexed < ?1 ORDER BY c.rid LIMIT ?2",
                &[n(INDEX_VERSION), n(limit as i64)],
            )
            .await?;
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
        Ok(stale.len())
    }

    fn mark_indexed(&self, id: &str) -> Result<worker::D1PreparedStatement> {
        self.db
            .prepare("UPDATE calls SET indexed = ?2 WHERE id = ?1")
            .bind(&[v(id), n(INDEX_VERSION)])
            .map_err(d1)
    }

    /// How many calls wait for [`Library::reindex`].
    pub async fn unindexed(&self) -> Result<i64> {
        let c = self
            .db
            .prepare("SELECT count(*) AS n FROM calls WHERE indexed < ?1")
            .bind(&[n(INDEX_VERSION)])
            .map_err(d1)?
            .first::<Count>(None)
            .await
            .map_err(d1)?;
        Ok(c.map_or(0, |c| c.n))
    }

    /// Writes the records that are new or changed; returns how many.
    pub async fn upsert(&self, records: &[Record], now_ms: i64) -> Result<usize> {
        if records.is_empty() {
            return Ok(0);
        }
        let ids = serde_json::to_string(&records.iter().map(|r| &r.id).collect::<Vec<_>>())
            .map_err(Error::internal)?;
        let known: Vec<IdDigest> = self
            .rows(
                "SELECT id, digest FROM calls WHERE id IN (SELECT value FROM json_each(?1))",
                &[v(&ids)],
            )
            .await?;
        let changed: Vec<&Record> = records
            .iter()
            .filter(|r| !known.iter().any(|k| k.id == r.id && k.digest == r.digest))
            .collect();
        for batch in changed.chunks(CALLS_PER_BATCH) {
            let mut statements = Vec::with_capacity(batch.len() * 9);
            for r in batch {
                self.write(&mut statements, r, now_ms, true)?;
            }
            self.db.batch(statements).await.map_err(d1)?;
        }
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
        let json = serde_json::to_string(ids).map_err(Error::internal)?;
        let present: Vec<Id> = self
            .rows(
                "SELECT id FROM calls WHERE id IN (SELECT value FROM json_each(?1))",
                &[v(&json)],
            )
            .await?;
        for batch in present.chunks(CALLS_PER_BATCH) {
            let mut statements = Vec::with_capacity(batch.len() * 3);
            for Id { id } in batch {
                // The change first, while the participants are still there:
                // the export tells exactly those who could see the call.
                statements.push(
                    self.db
                        .prepare(
                            "INSERT INTO changes (call_id, deleted, at, emails, private)
                             SELECT ?1, 1, ?2,
                               (SELECT json_group_array(email_key) FROM parties WHERE call_id = ?1 AND coalesce(email_key, '') <> ''),
                               (SELECT is_private FROM calls WHERE id = ?1)",
                        )
                        .bind(&[v(id), n(now_ms)])
                        .map_err(d1)?,
                );
                // The trigger takes its turns, participants, JSON and index rows.
                statements.push(
                    self.db
                        .prepare("DELETE FROM calls WHERE id = ?1")
                        .bind(&[v(id)])
                        .map_err(d1)?,
                );
            }
            self.db.batch(statements).await.map_err(d1)?;
        }
        Ok(present.len())
    }

    /// The ids of the library's calls that started in `[from_ms, to_ms)`.
    pub async fn ids_between(&self, from_ms: i64, to_ms: i64) -> Result<Vec<String>> {
        #[derive(Deserialize)]
        struct Id {
            id: String,
        }
        let rows: Vec<Id> = self
            .rows(
                "SELECT id FROM calls WHERE started >= ?1 AND started < ?2",
                &[n(from_ms), n(to_ms)],
            )
            .await?;
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
    ) -> Result<Vec<Stored>> {
        let (after_started, after_id) = after.unwrap_or((i64::MIN, ""));
        self.rows(
            "SELECT c.id, c.started, c.is_private, j.extensive, NULL AS transcript
             FROM calls AS c JOIN call_json AS j ON j.id = c.id
             WHERE c.started >= ?1 AND c.started < ?2 AND (c.started > ?3 OR (c.started = ?3 AND c.id > ?4))
             ORDER BY c.started, c.id LIMIT ?5",
            &[
                n(from_ms),
                n(to_ms),
                n(after_started.max(-(1 << 53))),
                v(after_id),
                n(limit as i64),
            ],
        )
        .await
    }

    /// The range the sync has read completely, if any.
    pub async fn coverage(&self) -> Result<Option<Coverage>> {
        self.db
            .prepare("SELECT from_ms, to_ms FROM coverage WHERE id = 1")
            .first::<Coverage>(None)
            .await
            .map_err(d1)
    }

    /// Adds `[from_ms, to_ms)` to the covered range: it is joined when the
    /// two overlap or touch, else it replaces a covered range it does not
    /// touch only when it is later (the sync moves forward).
    pub async fn cover(&self, from_ms: i64, to_ms: i64) -> Result<Coverage> {
        let next = match self.coverage().await? {
            Some(c) => merge_coverage(c, from_ms, to_ms),
            None => Coverage { from_ms, to_ms },
        };
        self.db
            .prepare(
                "INSERT INTO coverage (id, from_ms, to_ms) VALUES (1, ?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET from_ms = excluded.from_ms, to_ms = excluded.to_ms",
            )
            .bind(&[n(next.from_ms), n(next.to_ms)])
            .map_err(d1)?
            .run()
            .await
            .map_err(d1)?;
        Ok(next)
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

impl Visibility<'_> {
    fn values(&self) -> [JsValue; 2] {
        [
            n(i64::from(self.private)),
            self.participant.map_or(JsValue::NULL, v),
        ]
    }
}

/// The filters of a search besides its words.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    /// Start (ms, inclusive).
    pub from_ms: Option<i64>,
    /// End (ms, exclusive).
    pub to_ms: Option<i64>,
    /// The account name, folded.
    pub account_key: Option<String>,
    /// A participant's email, lower-cased.
    pub email: Option<String>,
    /// Part of a participant's name, folded.
    pub name_key: Option<String>,
}

/// The SQL that keeps a query (over `calls AS c`) to what the filters and
/// the visibility allow; binds ?2 to ?8 (see [`filter_values`]).
const FILTERS: &str = "c.started >= ?2 AND c.started < ?3
  AND (?4 IS NULL OR c.account_key = ?4)
  AND (?5 IS NULL OR EXISTS (SELECT 1 FROM parties AS p WHERE p.call_id = c.id AND p.email_key = ?5))
  AND (?6 IS NULL OR EXISTS (SELECT 1 FROM parties AS p WHERE p.call_id = c.id AND instr(p.name_key, ?6) > 0))
  AND (?7 = 1 OR c.is_private = 0)
  AND (?8 IS NULL OR (?8 <> '' AND EXISTS (SELECT 1 FROM parties AS p WHERE p.call_id = c.id AND p.email_key = ?8)))";

fn filter_values(f: &Filters, who: Visibility<'_>) -> Vec<JsValue> {
    let [private, participant] = who.values();
    vec![
        n(f.from_ms.unwrap_or(MIN_MS)),
        n(f.to_ms.unwrap_or(MAX_MS)),
        f.account_key.as_deref().map_or(JsValue::NULL, v),
        f.email.as_deref().map_or(JsValue::NULL, v),
        f.name_key.as_deref().map_or(JsValue::NULL, v),
        private,
        participant,
    ]
}

/// The earliest and latest instants a filter takes (JavaScript's safe integers).
const MIN_MS: i64 = -(1 << 53);
const MAX_MS: i64 = 1 << 53;

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
}

impl Library {
    /// Calls that match an FTS5 expression over `calls_fts` and the
    /// filters, best first: at most `limit` after `offset`, each with the
    /// number of all matches (ranking reads them all anyway).
    pub async fn search(
        &self,
        fts: &str,
        filters: &Filters,
        who: Visibility<'_>,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<Found>> {
        let mut values = vec![v(fts)];
        values.extend(filter_values(filters, who));
        values.push(n(limit as i64));
        values.push(n(offset as i64));
        self.rows(
            &format!(
                "SELECT id, title, account, started, rank, count(*) OVER () AS total FROM (
                   SELECT c.id, c.title, c.account, c.started, bm25(calls_fts, 10.0, 10.0, 4.0, 2.0, 1.0, 1.0) AS rank
                   FROM calls_fts JOIN calls AS c ON c.rowid = calls_fts.rowid
                   WHERE calls_fts MATCH ?1 AND {FILTERS})
                 ORDER BY rank, id LIMIT ?9 OFFSET ?10"
            ),
            &values,
        )
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
        let mut values = vec![v(fts)];
        values.extend(filter_values(filters, who));
        values.push(n(cap as i64));
        let rows: Vec<Count> = self
            .rows(
                &format!(
                    "SELECT count(*) AS n FROM (SELECT 1 FROM calls_fts JOIN calls AS c ON c.rowid = calls_fts.rowid
                     WHERE calls_fts MATCH ?1 AND {FILTERS} LIMIT ?9)"
                ),
                &values,
            )
            .await?;
        Ok(rows.first().map_or(0, |c| c.n))
    }

    /// The best `per_call` turns of each of these calls that hold any of
    /// `patterns` (each ` folded words ` as [`crate::query::Query::patterns`]
    /// gives them), those holding more of them first, then in order; of
    /// one side only when `side` is `internal` or `external`. One query: a
    /// handful of calls' turns, found by call id, tested by substring.
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
        // Only placeholders are formatted in; every pattern is a bound value.
        let tests: Vec<String> = (0..patterns.len())
            .map(|i| format!("(instr(' ' || t.words || ' ', ?{}) > 0)", i + 4))
            .collect();
        let sql = format!(
            "SELECT call_id, idx, speaker, affiliation, start_ms, text FROM (
               SELECT t.call_id, t.idx, t.speaker, t.affiliation, t.start_ms, t.text,
                 row_number() OVER (PARTITION BY t.call_id ORDER BY ({}) DESC, t.idx) AS k
               FROM turns AS t
               WHERE t.call_id IN (SELECT value FROM json_each(?1))
                 AND (?2 IS NULL OR (?2 = 'internal') = (coalesce(t.affiliation, '') = 'Internal'))
                 AND ({}))
             WHERE k <= ?3",
            tests.join(" + "),
            tests.join(" OR ")
        );
        let mut values = vec![
            v(&serde_json::to_string(ids).map_err(Error::internal)?),
            side.map_or(JsValue::NULL, v),
            n(per_call as i64),
        ];
        values.extend(patterns.iter().map(|p| v(p)));
        self.rows(&sql, &values).await
    }

    /// Accounts with calls in the range (whose folded name holds `contains`
    /// when given), the most recently met first.
    pub async fn accounts(
        &self,
        filters: &Filters,
        contains: Option<&str>,
        who: Visibility<'_>,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<AccountRow>> {
        let mut values = vec![contains.map_or(JsValue::NULL, v)];
        values.extend(filter_values(filters, who));
        values.push(n(limit as i64));
        values.push(n(offset as i64));
        self.rows(
            &format!(
                "SELECT c.account_key AS key,
                   (SELECT c2.account FROM calls AS c2 WHERE c2.account_key = c.account_key
                      AND (?7 = 1 OR c2.is_private = 0)
                      AND (?8 IS NULL OR EXISTS (SELECT 1 FROM parties AS p WHERE p.call_id = c2.id AND p.email_key = ?8))
                    ORDER BY c2.started DESC LIMIT 1) AS name,
                   count(*) AS calls, min(c.started) AS first, max(c.started) AS last
                 FROM calls AS c
                 WHERE c.account_key IS NOT NULL AND (?1 IS NULL OR instr(c.account_key, ?1) > 0) AND {FILTERS}
                 GROUP BY c.account_key ORDER BY last DESC, key LIMIT ?9 OFFSET ?10"
            ),
            &values,
        )
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
        let mut values = vec![v(&serde_json::to_string(keys).map_err(Error::internal)?)];
        values.extend(filter_values(filters, who));
        values.push(n(per_account as i64));
        self.rows(
            &format!(
                "SELECT key, name, email FROM (
                   SELECT c.account_key AS key, max(q.name) AS name, max(q.email) AS email,
                     row_number() OVER (PARTITION BY c.account_key ORDER BY count(*) DESC, max(q.name)) AS k
                   FROM parties AS q JOIN calls AS c ON c.id = q.call_id
                   WHERE c.account_key IN (SELECT value FROM json_each(?1))
                     AND coalesce(q.affiliation, '') <> 'Internal' AND {FILTERS}
                   GROUP BY c.account_key, coalesce(q.email_key, q.name_key))
                 WHERE k <= ?9 ORDER BY key, name"
            ),
            &values,
        )
        .await
    }

    /// Calls with an account in the range (one account: the filters'
    /// `account_key`; or those whose folded name holds `contains`), newest
    /// first, after `(started, id)` when given; at most `limit`.
    pub async fn account_calls(
        &self,
        contains: Option<&str>,
        filters: &Filters,
        who: Visibility<'_>,
        before: Option<(i64, &str)>,
        limit: usize,
    ) -> Result<Vec<Stored>> {
        let (before_started, before_id) = before.unwrap_or((MAX_MS, ""));
        let mut values = vec![contains.map_or(JsValue::NULL, v)];
        values.extend(filter_values(filters, who));
        values.extend([n(limit as i64), n(before_started), v(before_id)]);
        self.rows(
            &format!(
                "SELECT c.id, c.started, c.is_private, j.extensive, NULL AS transcript
                 FROM calls AS c JOIN call_json AS j ON j.id = c.id
                 WHERE (?1 IS NULL OR instr(c.account_key, ?1) > 0)
                   AND c.account_key IS NOT NULL AND {FILTERS}
                   AND (c.started < ?10 OR (c.started = ?10 AND (?11 = '' OR c.id < ?11)))
                 ORDER BY c.started DESC, c.id DESC LIMIT ?9"
            ),
            &values,
        )
        .await
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
        let (before_started, before_id) = before.unwrap_or((MAX_MS, ""));
        let mut values = vec![JsValue::NULL];
        values.extend(filter_values(filters, who));
        values.extend([n(limit as i64), n(before_started), v(before_id)]);
        self.rows(
            &format!(
                "SELECT c.id, c.started, c.is_private, j.extensive, NULL AS transcript
                 FROM calls AS c JOIN call_json AS j ON j.id = c.id
                 WHERE ?1 IS NULL AND {FILTERS}
                   AND (c.started < ?10 OR (c.started = ?10 AND (?11 = '' OR c.id < ?11)))
                 ORDER BY c.started DESC, c.id DESC LIMIT ?9"
            ),
            &values,
        )
        .await
    }

    /// The changes after `after` (a change log position), each call's
    /// newest only, in order; at most `limit`. Each says whether `who` may
    /// see the call now, and whether they could at any change of it.
    pub async fn changes(
        &self,
        after: i64,
        limit: usize,
        who: Visibility<'_>,
    ) -> Result<Vec<Change>> {
        let [private, participant] = who.values();
        self.rows(
            "SELECT ch.seq, ch.call_id AS id, ch.deleted,
               (ch.deleted = 0 AND EXISTS (SELECT 1 FROM calls AS c WHERE c.id = ch.call_id
                  AND (?3 = 1 OR c.is_private = 0)
                  AND (?4 IS NULL OR (?4 <> '' AND EXISTS (SELECT 1 FROM parties AS p WHERE p.call_id = c.id AND p.email_key = ?4))))) AS current,
               EXISTS (SELECT 1 FROM changes AS o WHERE o.call_id = ch.call_id
                  AND (?3 = 1 OR coalesce(o.private, 0) = 0)
                  AND (?4 IS NULL OR (?4 <> '' AND EXISTS (SELECT 1 FROM json_each(coalesce(o.emails, '[]')) WHERE value = ?4)))) AS shown
             FROM changes AS ch
             WHERE ch.seq > ?1 AND NOT EXISTS (SELECT 1 FROM changes AS later WHERE later.call_id = ch.call_id AND later.seq > ch.seq)
             ORDER BY ch.seq LIMIT ?2",
            &[n(after), n(limit as i64), private, participant],
        )
        .await
    }

    /// These calls as stored (those the library still has).
    pub async fn get_many(&self, ids: &[String]) -> Result<Vec<Stored>> {
        let json = serde_json::to_string(ids).map_err(Error::internal)?;
        self.rows(
            "SELECT c.id, c.started, c.is_private, j.extensive, j.transcript
             FROM calls AS c JOIN call_json AS j ON j.id = c.id WHERE c.id IN (SELECT value FROM json_each(?1))",
            &[v(&json)],
        )
        .await
    }
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
