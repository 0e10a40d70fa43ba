//! Search across the call library (`GET /v1/search`, MCP `search_calls`):
//! the query language ([`crate::query`]) over the library's full-text
//! index, hits grouped by call and ranked by bm25 (title and account above
//! the transcript) among the newest-written 1,001 matches (so a common
//! word costs the same in any library), each with the turns that matched,
//! marked, timed and attributed so a model can quote and cite them.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::args::{page_size, SearchArgs, Speaker, SEARCH_LIMIT};
use crate::error::{Error, Result};
use crate::library::Filters;
use crate::list::Paged;
use crate::query::Query;
use crate::service::{instant, Service};
use gongkit::words::{email_key, fold, nonempty};

/// Calls are counted exactly up to this many; beyond, the count is
/// `"1000+"` (and only the newest-written [`crate::library::RANK_BOUND`]
/// matches are ranked).
pub const COUNT_CAP: usize = crate::library::RANK_BOUND - 1;
/// Turns quoted per call.
pub const TURNS_PER_HIT: usize = 3;
/// A quoted turn longer than this (in characters) is cut to a window
/// around its first match.
pub const SNIPPET_CHARS: usize = 400;

/// A request's `from` and `to` as ms, checked (either may be absent).
pub(crate) fn range(from: Option<&str>, to: Option<&str>) -> Result<(Option<i64>, Option<i64>)> {
    let from = from.map(instant).transpose()?.map(|t| t.timestamp_millis());
    let to = to.map(instant).transpose()?.map(|t| t.timestamp_millis());
    if let (Some(f), Some(t)) = (from, to) {
        if f >= t {
            return Err(Error::InvalidQuery(
                "from must be before to (to is exclusive)".into(),
            ));
        }
    }
    Ok((from, to))
}

fn filters(args: &SearchArgs) -> Result<Filters> {
    let (from_ms, to_ms) = range(args.from.as_deref(), args.to.as_deref())?;
    // One account matcher everywhere: the folded name, whole or a part.
    let account_contains = match &args.account {
        Some(a) => Some(nonempty(fold(a), "account").map_err(Error::from_input)?),
        None => None,
    };
    let (email, name_key) = match args.participant.as_deref().map(str::trim) {
        Some(p) if p.contains('@') => (Some(email_key(p)), None),
        Some(p) => (
            None,
            Some(nonempty(fold(p), "participant").map_err(Error::from_input)?),
        ),
        None => (None, None),
    };
    Ok(Filters {
        from_ms,
        to_ms,
        account_contains,
        email,
        name_key,
    })
}

/// A short digest of what identifies a listing, so a cursor is not used
/// with another query.
pub(crate) fn digest(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Service {
    /// `GET /v1/search`, MCP `search_calls`: the calls whose title,
    /// account, participants, Gong summary and transcript hold the query,
    /// best first, with the turns that matched.
    ///
    /// # Errors
    ///
    /// 400 `invalid_query` for a query with nothing to search or a bad
    /// filter; 400 `invalid_cursor`; 503 `not_configured` without the library.
    pub async fn search(&self, args: &SearchArgs) -> Result<Value> {
        let library = self.require_library("search")?;
        let query = Query::parse(&args.q)?;
        let filters = filters(args)?;
        // The index's columns and the turns' sides share their names.
        let side = args.speaker.map(Speaker::name);
        let fts = query.fts(side.as_ref().map(std::slice::from_ref));
        let key = digest(&[&fts, &format!("{filters:?}")]);
        let signer = self.signer()?;
        let (offset, kept) = match &args.cursor {
            Some(c) => {
                let p = signer.open_keyed::<Paged<usize>>("search", &key, c, "search")?;
                (p.at, Some(p.limit))
            }
            None => (0, None),
        };
        let limit = page_size(args.limit, kept, SEARCH_LIMIT);
        let who = self.visibility();
        let mut found = library
            .search(&fts, &filters, who, limit + 1, offset)
            .await?;
        let count = match found.first() {
            Some(f) => f.total,
            // A page past the end: count them apart.
            None if offset > 0 => {
                library
                    .search_count(&fts, &filters, who, COUNT_CAP + 1)
                    .await?
            }
            None => 0,
        };
        self.note(crate::service::Source::Library);
        let more = found.len() > limit;
        found.truncate(limit);
        let ids: Vec<String> = found.iter().map(|f| f.id.clone()).collect();
        let mut turns = library
            .turns(&ids, &query.patterns(), side, TURNS_PER_HIT)
            .await?;
        turns.sort_by_key(|t| t.idx);
        for f in &found {
            self.returned(&f.id);
        }
        let hits: Vec<Value> = found
            .iter()
            .map(|f| {
                let quoted: Vec<Value> = turns
                    .iter()
                    .filter(|t| t.call_id == f.id)
                    .map(|t| {
                        json!({
                            "at": t.start_ms.map(gongkit::clock),
                            "startMs": t.start_ms,
                            "speaker": t.speaker,
                            "affiliation": t.affiliation,
                            "text": query.snippet(&t.text, SNIPPET_CHARS),
                        })
                    })
                    .collect();
                json!({
                    "callId": f.id,
                    "title": f.title,
                    "started": crate::sync::iso(f.started),
                    "account": f.account,
                    "score": (-f.rank * 1000.0).round() / 1000.0,
                    "turns": quoted,
                })
            })
            .collect();
        let cursor = more
            .then(|| {
                signer.seal_keyed(
                    "search",
                    &key,
                    &Paged {
                        at: offset + limit,
                        limit,
                    },
                )
            })
            .transpose()?;
        let count = if count > COUNT_CAP as i64 {
            json!(format!("{COUNT_CAP}+"))
        } else {
            json!(count)
        };
        Ok(json!({
            "query": args.q,
            "count": count,
            "hits": hits,
            "cursor": cursor,
        }))
    }
}
