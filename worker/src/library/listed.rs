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

    /// Where a reconcile slice that ends at `before_ms` (exclusive) and
    /// holds `take` calls starts: the start of the `take`th of the
    /// library's calls before it, newest first, not before `from_ms`; `None`
    /// when fewer are left (the slice reaches back to `from_ms`).
    pub async fn slice_start(
        &self,
        from_ms: i64,
        before_ms: i64,
        take: u64,
    ) -> Result<Option<i64>> {
        #[derive(Deserialize)]
        struct Start {
            started: i64,
        }
        let row: Option<Start> = self
            .first(query::slice_start(from_ms, before_ms, take))
            .await?;
        Ok(row.map(|r| r.started))
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

#[cfg(test)]
mod tests {
    use rusqlite::types::Value;

    use super::super::sql::query;
    use super::super::sqlite;

    /// A reconcile slice's start on SQLite with every migration applied:
    /// the start of the `take`th call back from its end, ties included in
    /// the slice, none when fewer are left.
    #[test]
    fn a_slice_starts_at_the_takeths_call_before_its_end() {
        let conn = sqlite::migrated();
        for (id, started) in [(1, 10), (2, 20), (3, 20), (4, 30), (5, 40)] {
            conn.execute(
                "INSERT INTO calls (id, started, is_private, digest, synced_at, indexed)
                 VALUES (?1, ?2, 0, '', 0, 1)",
                rusqlite::params![id.to_string(), started],
            )
            .unwrap();
        }
        let start = |from, before, take| -> Option<i64> {
            let rows = sqlite::rows(&conn, &query::slice_start(from, before, take).unwrap());
            rows.first().map(|r| match r[0] {
                Value::Integer(n) => n,
                _ => panic!("{r:?}"),
            })
        };
        assert_eq!(start(0, 100, 1), Some(40));
        assert_eq!(start(0, 100, 2), Some(30));
        // The third call back starts at 20, as does the fourth: [20, 100)
        // holds both.
        assert_eq!(start(0, 100, 3), Some(20));
        assert_eq!(start(0, 40, 2), Some(20));
        // Fewer calls than asked: the slice reaches back to the range's start.
        assert_eq!(start(0, 100, 6), None);
        assert_eq!(start(15, 100, 5), None);
        // At least one call a slice.
        assert_eq!(start(0, 100, 0), Some(40));
    }
}
