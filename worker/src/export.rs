//! The export (`GET /v1/export`): the library as NDJSON, one normalized
//! call a line in the order the library changed, a removed call as
//! `{"id": …, "deleted": true}`, and last a `{"cursor": …}` line. Export
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
use crate::library::{Change, Library};
use crate::reply::Lines;
use crate::service::Service;

/// Calls read from D1 and rendered per step of the stream.
pub const EXPORT_BATCH: usize = 20;

/// Where an export stopped: a position in the library's change log.
#[derive(Serialize, Deserialize)]
struct Position {
    seq: i64,
}

/// An export under way: its cursor (for the header) and its lines.
pub struct Export {
    /// The cursor that continues after this export.
    pub cursor: String,
    /// The NDJSON body.
    pub lines: Lines,
}

struct Run {
    library: Library,
    batches: VecDeque<Vec<Change>>,
    options: CallOptions,
    private: bool,
    participant: Option<String>,
    done: Option<String>,
    calls: usize,
    more: bool,
    cursor: String,
}

impl Service {
    /// `GET /v1/export`: what changed after `since` (everything without
    /// it), at most `limit` calls.
    ///
    /// # Errors
    ///
    /// 400 `invalid_cursor`; 503 without the library. An error while the
    /// lines stream ends them with an `{"error": …}` line and no cursor.
    pub async fn export(&self, args: &ExportArgs) -> Result<Export> {
        let library = self.require_library("export")?.clone();
        let signer = self.signer()?;
        let after = match &args.since {
            Some(c) => {
                serde_json::from_slice::<Position>(&signer.open("export", c)?)
                    .map_err(|_| Error::InvalidCursor)?
                    .seq
            }
            None => 0,
        };
        let mut changes = library.changes(after, args.limit + 1).await?;
        self.note(crate::service::Source::Library);
        let more = changes.len() > args.limit;
        changes.truncate(args.limit);
        let last = changes.last().map_or(after, |c| c.seq);
        let cursor = signer.seal(
            "export",
            &serde_json::to_vec(&Position { seq: last }).map_err(Error::internal)?,
        );
        let who = self.visibility();
        if let Some(email) = who.participant {
            // Someone limited to their own calls learns nothing of others',
            // removals included: the page keeps only their calls.
            let ids: Vec<String> = changes.iter().map(|c| c.id.clone()).collect();
            let seen = library.seen_by(&ids, email).await?;
            changes.retain(|c| c.deleted == 0 && seen.contains(&c.id));
        }
        for c in changes.iter().filter(|c| c.deleted == 0) {
            self.returned(&c.id);
        }
        let run = Run {
            library,
            batches: changes
                .chunks(EXPORT_BATCH)
                .map(<[Change]>::to_vec)
                .collect(),
            options: CallOptions {
                internal_domains: self.config.internal_domains.clone(),
                ..args.options.clone()
            },
            private: who.private,
            participant: who.participant.map(str::to_owned),
            done: None,
            calls: 0,
            more,
            cursor: cursor.clone(),
        };
        let lines = futures::stream::unfold(run, |mut run| async move {
            if let Some(batch) = run.batches.pop_front() {
                let text = match run.render(&batch).await {
                    Ok(text) => text,
                    Err(e) => {
                        run.batches.clear();
                        run.done = Some(String::new());
                        let line = json!({"error": {"code": e.code(), "message": e.to_string()}});
                        format!("{line}\n")
                    }
                };
                return Some((text, run));
            }
            if run.done.is_none() {
                let line = json!({"cursor": run.cursor, "calls": run.calls, "more": run.more});
                run.done = Some(String::new());
                return Some((format!("{line}\n"), run));
            }
            None
        })
        .boxed_local();
        Ok(Export {
            cursor,
            lines: Lines(lines),
        })
    }
}

impl Run {
    /// The lines of one batch of changes, in order.
    async fn render(&mut self, batch: &[Change]) -> Result<String> {
        let ids: Vec<String> = batch
            .iter()
            .filter(|c| c.deleted == 0)
            .map(|c| c.id.clone())
            .collect();
        let stored = self.library.get_many(&ids).await?;
        let seen = match &self.participant {
            Some(email) => Some(self.library.seen_by(&ids, email).await?),
            None => None,
        };
        let mut out = String::new();
        for change in batch {
            let row = stored
                .iter()
                .find(|s| s.id == change.id && change.deleted == 0);
            let visible = seen.as_ref().is_none_or(|seen| seen.contains(&change.id));
            let line = match row {
                Some(row) if visible && (row.is_private == 0 || self.private) => {
                    self.calls += 1;
                    render_call(row, &self.options)
                }
                // Someone limited to their own calls learns nothing of
                // others', removals included.
                _ if self.participant.is_some() => continue,
                _ => json!({"id": change.id, "deleted": true}).to_string(),
            };
            out.push_str(&line);
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
