//! The export (`GET /v1/export`): the library as NDJSON, one normalized
//! call a line in the order the library changed, a removed call as
//! `{"id": …, "deleted": true}` (an erased one, a tombstone, with
//! `"erased": true`), and last a `{"cursor": …}` line. Export
//! again with that cursor and only what changed since arrives: that is how
//! a warehouse table or a RAG index stays current. Lines are rendered and
//! sent a batch of calls at a time, so an export of thousands of calls is
//! never held in memory whole.

use std::collections::VecDeque;

use futures::StreamExt;
use gongkit::{AnyExtensive, CallOptions, TranscriptInput};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::args::ExportArgs;
use crate::error::{Error, Result};
use crate::library::Libraries;
use crate::reply::Lines;
use crate::service::Service;

/// Calls read from D1 and rendered per step of the stream: a batch of
/// two-hour calls is ~20 MB of JSON, well inside a Worker's memory, and an
/// export of 1,000 calls is 20 D1 queries.
pub const EXPORT_BATCH: usize = 50;

/// Where an export stopped: a position in the library's change log
/// (`seq`), or, over several periods (`LIBRARY_PERIODS`), one in each
/// period's log, oldest period first (`seqs`).
#[derive(Serialize, Deserialize)]
struct Position {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seq: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seqs: Option<Vec<i64>>,
}

impl Position {
    /// The position in each of `periods` logs (a position of another
    /// number of periods is not this library's: refused).
    fn each(self, periods: usize) -> Result<Vec<i64>> {
        match (self.seq, self.seqs) {
            (Some(seq), None) if periods == 1 => Ok(vec![seq]),
            (None, Some(seqs)) if seqs.len() == periods => Ok(seqs),
            _ => Err(Error::InvalidCursor),
        }
    }
}

/// An export under way: its cursor (for the header) and its lines.
pub struct Export {
    /// The cursor that continues after this export, valid once the body's
    /// last line (`{"cursor": …}`) has arrived.
    pub cursor: String,
    /// The NDJSON body.
    pub lines: Lines,
}

/// What one change becomes in the export.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Line {
    /// The call as it is now.
    Call(String),
    /// `{"id", "deleted": true}`: removed, or no longer the caller's to
    /// see; with `"erased": true` when erased (a tombstone: drop it and
    /// keep nothing of it).
    Deleted(String, bool),
}

struct Run {
    library: Libraries,
    batches: VecDeque<(Vec<i64>, Vec<Line>)>,
    options: CallOptions,
    signer: crate::sign::Signer,
    /// The change log positions of the last line sent.
    sent: Vec<i64>,
    finished: bool,
    calls: usize,
    more: bool,
    cursor: String,
}

impl Service {
    /// `GET /v1/export`: what changed after `since` (everything without
    /// it), at most `limit` calls. Who may see what is decided per change
    /// ([`Library::changes`](crate::library::Library::changes)): a call the caller may see now is sent whole;
    /// one they could see before and no longer can (removed, made private,
    /// or no longer theirs) is a deletion; any other is not mentioned.
    ///
    /// # Errors
    ///
    /// 400 `invalid_cursor`; 503 without the library. An error while the
    /// lines stream ends them with an `{"error": …, "cursor": …}` line
    /// whose cursor resumes after the last line sent.
    pub async fn export(&self, args: &ExportArgs) -> Result<Export> {
        let library = self.require_library("export")?.clone();
        let signer = self.signer()?.clone();
        let periods = library.period_count();
        let after = match &args.since {
            Some(c) => serde_json::from_slice::<Position>(&signer.open("export", c)?)
                .map_err(|_| Error::InvalidCursor)?
                .each(periods)?,
            None => vec![0; periods],
        };
        let who = self.visibility();
        let tag = who
            .participant
            .map(|email| signer.pseudonym(crate::library::ERASURE_TAG, email));
        // "At most `limit`": with transcripts in R2 a page is also bounded by
        // what one request may read (the cursor goes on from where it stops).
        let limit = args.limit.min(library.calls_per_request());
        let mut changes = library
            .changes(&after, limit + 1, who, tag.as_deref())
            .await?;
        self.note(crate::service::Source::Library);
        let more = changes.len() > limit;
        changes.truncate(limit);
        // The position after each change: its period's moved to it.
        let mut at = after.clone();
        let mut positions = Vec::with_capacity(changes.len());
        for (period, c) in &changes {
            at[*period] = c.seq;
            positions.push(at.clone());
        }
        let cursor = seal(&signer, &at)?;
        // Over periods: a removal from the period a call moved out of is
        // not sent (the call is in another period's log).
        let removed: Vec<(usize, String)> = changes
            .iter()
            .filter(|(_, c)| c.current != 1 && c.shown == 1 && c.erased != 1)
            .map(|(period, c)| (*period, c.id.clone()))
            .collect();
        let moved: Vec<(usize, String)> = library
            .held_elsewhere(&removed)
            .await?
            .into_iter()
            .zip(removed)
            .filter_map(|(held, pair)| held.then_some(pair))
            .collect();
        let lines: Vec<(Vec<i64>, Line)> = changes
            .iter()
            .zip(positions)
            .filter_map(|((period, c), position)| {
                let line = if c.current == 1 {
                    self.returned(&c.id);
                    Line::Call(c.id.clone())
                } else if c.shown == 1 && !moved.iter().any(|(p, id)| p == period && *id == c.id) {
                    Line::Deleted(c.id.clone(), c.erased == 1)
                } else {
                    return None;
                };
                Some((position, line))
            })
            .collect();
        let batches = lines
            .chunks(EXPORT_BATCH)
            .map(|chunk| {
                let end = chunk
                    .last()
                    .map_or_else(|| after.clone(), |(position, _)| position.clone());
                (end, chunk.iter().map(|(_, l)| l.clone()).collect())
            })
            .collect();
        let run = Run {
            library,
            batches,
            options: CallOptions {
                internal_domains: self.config.internal_domains.clone(),
                ..args.options.clone()
            },
            signer,
            sent: after,
            finished: false,
            calls: 0,
            more,
            cursor: cursor.clone(),
        };
        let lines = futures::stream::unfold(run, |mut run| async move {
            if run.finished {
                return None;
            }
            if let Some((end, batch)) = run.batches.pop_front() {
                match run.render(&batch).await {
                    Ok(text) => {
                        run.sent = end;
                        return Some((text, run));
                    }
                    Err(e) => {
                        run.finished = true;
                        let resume = seal(&run.signer, &run.sent).ok();
                        let line = json!({"error": {"code": e.code(), "message": e.to_string()}, "cursor": resume});
                        return Some((format!("{line}\n"), run));
                    }
                }
            }
            run.finished = true;
            let line = json!({"cursor": run.cursor, "calls": run.calls, "more": run.more});
            Some((format!("{line}\n"), run))
        })
        .boxed_local();
        Ok(Export {
            cursor,
            lines: Lines(lines),
        })
    }
}

fn seal(signer: &crate::sign::Signer, seqs: &[i64]) -> Result<String> {
    // One database: the cursor as before periods existed.
    let position = match seqs {
        [seq] => Position {
            seq: Some(*seq),
            seqs: None,
        },
        _ => Position {
            seq: None,
            seqs: Some(seqs.to_vec()),
        },
    };
    Ok(signer.seal(
        "export",
        &serde_json::to_vec(&position).map_err(Error::internal)?,
    ))
}

impl Run {
    /// The lines of one batch, in order.
    async fn render(&mut self, batch: &[Line]) -> Result<String> {
        let ids: Vec<String> = batch
            .iter()
            .filter_map(|l| match l {
                Line::Call(id) => Some(id.clone()),
                Line::Deleted(..) => None,
            })
            .collect();
        let stored = if ids.is_empty() {
            Vec::new()
        } else {
            self.library.get_many(&ids).await?
        };
        let mut out = String::new();
        for line in batch {
            let text = match line {
                Line::Call(id) => match stored.iter().find(|s| &s.id == id) {
                    Some(row) => {
                        self.calls += 1;
                        render_call(row, &self.options)
                    }
                    // Removed since the page was read: its removal is the
                    // next export's news.
                    None => continue,
                },
                // Written by hand so the id comes first, as the issue and
                // the README show it (serde_json sorts an object's keys).
                Line::Deleted(id, false) => format!(r#"{{"id":{},"deleted":true}}"#, json!(id)),
                Line::Deleted(id, true) => {
                    format!(r#"{{"id":{},"deleted":true,"erased":true}}"#, json!(id))
                }
            };
            out.push_str(&text);
            out.push('\n');
        }
        Ok(out)
    }
}

/// One stored call as its export line: the normalized call with its
/// transcript, or the reason it could not be rendered.
fn render_call(row: &crate::library::Stored, options: &CallOptions) -> String {
    let rendered = AnyExtensive::from_json(&row.extensive)
        .map_err(Error::from_gong)
        .and_then(|parsed| {
            let input = row.transcript.as_deref().map(TranscriptInput::Json);
            let options = CallOptions {
                call_id: Some(row.id.clone()),
                ..options.clone()
            };
            let call =
                gongkit::normalize_call(&parsed, input, &options).map_err(Error::from_gong)?;
            serde_json::to_string(&call).map_err(Error::internal)
        });
    rendered.unwrap_or_else(|e| {
        json!({"id": row.id, "error": {"code": e.code(), "message": e.to_string()}}).to_string()
    })
}
