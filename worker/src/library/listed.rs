//! What a sync job saw Gong list, kept in the database (`sync_listed`,
//! migration 0005) so that the end of the job finds the calls Gong no
//! longer lists with one anti-join a batch at a time: no step holds every
//! id of the range in memory, and no step's work grows with the library.

use serde::Deserialize;

use super::sql::query;
use super::{d1, Library};
use crate::error::Result;

/// One call of the range that the job did not see listed, or the last
/// call a window examined.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Unlisted {
    /// The call's id.
    pub id: String,
    /// When it started (ms), for the next batch's keyset.
    pub started: i64,
    /// 0: a call not listed; else this is the window's last call and how
    /// many calls the window examined.
    pub examined: i64,
}

/// One window of the end of a job ([`Library::unlisted`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Window {
    /// The calls of the window not listed, in order (at most the limit).
    pub gone: Vec<Unlisted>,
    /// Where the next window starts: after this `(started, id)`; `None`:
    /// the range is done.
    pub next: Option<(i64, String)>,
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

    /// The next window of the end of a job: of the next `window` of the
    /// library's calls in `[from_ms, to_ms)` after `(started, id)`, up to
    /// `limit` that the job did not see listed, and where the next window
    /// starts (after the last of those when `limit` were found, else after
    /// the window).
    pub async fn unlisted(
        &self,
        from_ms: i64,
        to_ms: i64,
        after: Option<(i64, &str)>,
        window: usize,
        limit: usize,
    ) -> Result<Window> {
        let rows: Vec<Unlisted> = self
            .rows(query::unlisted(from_ms, to_ms, after, window, limit))
            .await?;
        Ok(window_of(rows, window, limit))
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

/// [`Window`] from [`super::sql::UNLISTED`]'s rows.
fn window_of(rows: Vec<Unlisted>, window: usize, limit: usize) -> Window {
    let (mut gone, mark): (Vec<Unlisted>, Vec<Unlisted>) =
        rows.into_iter().partition(|r| r.examined == 0);
    gone.sort_by(|a, b| (a.started, &a.id).cmp(&(b.started, &b.id)));
    let next = match (gone.last(), mark.first()) {
        (Some(last), _) if gone.len() >= limit => Some((last.started, last.id.clone())),
        (_, Some(m)) if usize::try_from(m.examined).is_ok_and(|n| n >= window) => {
            Some((m.started, m.id.clone()))
        }
        _ => None,
    };
    Window { gone, next }
}

#[cfg(test)]
mod tests {
    use rusqlite::types::Value;

    use super::super::sql::query;
    use super::super::sqlite;
    use super::{window_of, Unlisted};

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

    /// The end of a job on SQLite: window after window, exactly the calls
    /// of the range not listed, each window examining at most its size.
    #[test]
    fn the_anti_join_finds_exactly_the_unlisted_calls_a_window_at_a_time() {
        let conn = sqlite::migrated();
        // 40 calls, two at each start time; 0..=39 by id.
        for i in 0..40i64 {
            conn.execute(
                "INSERT INTO calls (id, started, is_private, digest, synced_at, indexed)
                 VALUES (?1, ?2, 0, '', 0, 1)",
                rusqlite::params![format!("{i:02}"), 100 + i / 2],
            )
            .unwrap();
        }
        // Listed: all but every third call, and all but 30..=35 (6 in a row).
        let listed: Vec<String> = (0..40)
            .filter(|i| i % 3 != 0 && !(30..=35).contains(i))
            .map(|i| format!("{i:02}"))
            .collect();
        sqlite::rows(&conn, &query::listed_add(&listed).unwrap());
        // The range leaves out the first and last start times.
        let (from, to) = (101, 119);
        let expected: Vec<String> = (2..38)
            .filter(|i| !listed.contains(&format!("{i:02}")))
            .map(|i| format!("{i:02}"))
            .collect();
        for (window, limit) in [(5, 2), (7, 100), (1000, 3), (1, 1)] {
            let mut after: Option<(i64, String)> = None;
            let mut found = Vec::new();
            let mut steps = 0;
            loop {
                steps += 1;
                assert!(steps < 100, "window {window} limit {limit} does not end");
                let b = query::unlisted(
                    from,
                    to,
                    after.as_ref().map(|(t, id)| (*t, id.as_str())),
                    window,
                    limit,
                )
                .unwrap();
                let rows: Vec<Unlisted> = sqlite::rows(&conn, &b)
                    .into_iter()
                    .map(|r| {
                        let n = |v: &Value| match v {
                            Value::Integer(n) => *n,
                            other => panic!("{other:?}"),
                        };
                        let id = match &r[0] {
                            Value::Text(t) => t.clone(),
                            other => panic!("{other:?}"),
                        };
                        Unlisted {
                            id,
                            started: n(&r[1]),
                            examined: n(&r[2]),
                        }
                    })
                    .collect();
                if let Some(m) = rows.iter().find(|r| r.examined > 0) {
                    assert!(m.examined as usize <= window);
                }
                let w = window_of(rows, window, limit);
                assert!(w.gone.len() <= limit);
                found.extend(w.gone.into_iter().map(|u| u.id));
                match w.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            assert_eq!(found, expected, "window {window} limit {limit}");
        }
    }
}
