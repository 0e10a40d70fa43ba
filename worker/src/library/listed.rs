//! What a sync job saw Gong list, kept in the database (`sync_listed`,
//! migration 0005) so that the end of the job finds the calls Gong no
//! longer lists with one anti-join a batch at a time: no step holds every
//! id of the range in memory, and no step's work grows with the library.

use serde::Deserialize;

use super::sql::query;
use super::{d1, Library};
use crate::error::Result;

/// One call of the range that the job did not see listed.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Unlisted {
    /// The call's id.
    pub id: String,
    /// When it started (ms), for the next batch's keyset.
    pub started: i64,
}

impl Library {
    /// Notes ids a job saw Gong list (a page's worth).
    pub async fn note_listed(&self, ids: &[String]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        self.prepare(query::listed_add(ids))?
            .run()
            .await
            .map_err(d1)
            .map(drop)
    }

    /// Up to `limit` of the library's calls in `[from_ms, to_ms)` that the
    /// job did not see listed, after `(started, id)`, in that order.
    pub async fn unlisted(
        &self,
        from_ms: i64,
        to_ms: i64,
        after: Option<(i64, &str)>,
        limit: usize,
    ) -> Result<Vec<Unlisted>> {
        self.rows(query::unlisted(from_ms, to_ms, after, limit))
            .await
    }

    /// Forgets what the last job saw listed (a job starts or ends).
    pub async fn clear_listed(&self) -> Result<()> {
        self.prepare(query::listed_clear())?
            .run()
            .await
            .map_err(d1)
            .map(drop)
    }
}
