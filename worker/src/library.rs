//! The call library in D1 (`GONGKIT_DB`): the one module that owns the
//! database. Calls are kept as Gong sent them (each `calls[]` entry and its
//! `callTranscripts[]` entry), so every answer renders from the library
//! exactly as from Gong, with the columns filters and search need, the
//! transcript as turns, and a log of changes. The schema is the numbered
//! migrations in `migrations/`; every query binds its values.

use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use worker::wasm_bindgen::JsValue;

use crate::error::{Error, Result};

/// The D1 binding in wrangler.toml.
pub const BINDING: &str = "GONGKIT_DB";
/// D1 takes at most this many statements' worth of work well in one batch;
/// pages of 100 calls are written in batches of this many calls.
const CALLS_PER_BATCH: usize = 25;

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
        let turns = match transcript {
            Some(t) => turns(t, &id, &data.parties)?,
            None => "[]".to_owned(),
        };
        let mut digest = Sha256::new();
        digest.update(extensive.as_bytes());
        digest.update([0]);
        digest.update(transcript.unwrap_or_default().as_bytes());
        let digest: String = digest.finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Record {
            started,
            title: call.title.as_deref().map(str::to_owned),
            account: call.account.as_ref().map(|a| a.name.clone()),
            participants,
            brief,
            key_points,
            is_private: data.meta_data.as_ref().and_then(|m| m.is_private) == Some(true),
            extensive: extensive.to_owned(),
            transcript: transcript.map(str::to_owned),
            turns,
            digest,
            id,
        })
    }
}

/// The turns of a transcript: the core's JSON format (one object a
/// monologue), with each speaker's affiliation from the parties.
fn turns(transcript: &str, id: &str, parties: &[gongkit::Party<'_>]) -> Result<String> {
    let options = gongkit::TranscriptOptions {
        format: gongkit::Format::Json,
        parties,
        call_id: Some(id),
        ..gongkit::TranscriptOptions::default()
    };
    let text = match gongkit::format_transcript(transcript, &options) {
        Ok(text) => text,
        Err(gongkit::Error::TranscriptNotFound(_)) => return Ok("[]".to_owned()),
        Err(e) => return Err(Error::from_gong(e)),
    };
    let mut turns: Vec<Value> = serde_json::from_str(&text).map_err(Error::internal)?;
    for t in &mut turns {
        let affiliation = parties
            .iter()
            .find(|p| p.speaker_id.is_some() && p.speaker_id.as_deref() == t["speakerId"].as_str())
            .and_then(|p| p.affiliation.as_ref())
            .map(|a| json!(a));
        t["affiliation"] = affiliation.unwrap_or(Value::Null);
    }
    serde_json::to_string(&turns).map_err(Error::internal)
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

/// The library.
pub struct Library {
    db: worker::D1Database,
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
        env.d1(BINDING).ok().map(|db| Library { db })
    }

    /// One call, if the library has it.
    pub async fn get(&self, id: &str) -> Result<Option<Stored>> {
        self.db
            .prepare(
                "SELECT id, started, is_private, extensive, transcript FROM calls WHERE id = ?1",
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
            let mut statements = Vec::with_capacity(batch.len() * 4);
            for r in batch {
                statements.push(
                    self.db
                        .prepare(
                            "INSERT INTO calls (id, started, title, account, participants, brief, key_points, is_private, extensive, transcript, digest, synced_at)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                             ON CONFLICT (id) DO UPDATE SET started = excluded.started, title = excluded.title,
                               account = excluded.account, participants = excluded.participants, brief = excluded.brief,
                               key_points = excluded.key_points, is_private = excluded.is_private,
                               extensive = excluded.extensive, transcript = excluded.transcript,
                               digest = excluded.digest, synced_at = excluded.synced_at",
                        )
                        .bind(&[
                            v(&r.id),
                            n(r.started),
                            r.title.as_deref().map_or(JsValue::NULL, v),
                            r.account.as_deref().map_or(JsValue::NULL, v),
                            v(&r.participants),
                            r.brief.as_deref().map_or(JsValue::NULL, v),
                            v(&r.key_points),
                            n(i64::from(r.is_private)),
                            v(&r.extensive),
                            r.transcript.as_deref().map_or(JsValue::NULL, v),
                            v(&r.digest),
                            n(now_ms),
                        ])
                        .map_err(d1)?,
                );
                statements.push(
                    self.db
                        .prepare("DELETE FROM turns WHERE call_id = ?1")
                        .bind(&[v(&r.id)])
                        .map_err(d1)?,
                );
                statements.push(
                    self.db
                        .prepare(
                            "INSERT INTO turns (call_id, idx, speaker_id, speaker, affiliation, topic, start_ms, end_ms, text)
                             SELECT ?1, CAST(key AS INTEGER), json_extract(value, '$.speakerId'), json_extract(value, '$.speaker'),
                                    json_extract(value, '$.affiliation'), json_extract(value, '$.topic'),
                                    json_extract(value, '$.start'), json_extract(value, '$.end'), json_extract(value, '$.text')
                             FROM json_each(?2)",
                        )
                        .bind(&[v(&r.id), v(&r.turns)])
                        .map_err(d1)?,
                );
                statements.push(
                    self.db
                        .prepare("INSERT INTO changes (call_id, deleted, at) VALUES (?1, 0, ?2)")
                        .bind(&[v(&r.id), n(now_ms)])
                        .map_err(d1)?,
                );
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
                statements.push(
                    self.db
                        .prepare("DELETE FROM turns WHERE call_id = ?1")
                        .bind(&[v(id)])
                        .map_err(d1)?,
                );
                statements.push(
                    self.db
                        .prepare("DELETE FROM calls WHERE id = ?1")
                        .bind(&[v(id)])
                        .map_err(d1)?,
                );
                statements.push(
                    self.db
                        .prepare("INSERT INTO changes (call_id, deleted, at) VALUES (?1, 1, ?2)")
                        .bind(&[v(id), n(now_ms)])
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
            "SELECT id, started, is_private, extensive, NULL AS transcript FROM calls
             WHERE started >= ?1 AND started < ?2 AND (started > ?3 OR (started = ?3 AND id > ?4))
             ORDER BY started, id LIMIT ?5",
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
