//! The library beyond one D1 database (10 GB): one database per period of
//! start dates. A period is a start date and the D1 binding that holds the
//! calls that started from it until the next period's start; the oldest
//! period also holds everything before it. Writes go to the period of the
//! call's `started`; a read of a date range asks the periods that overlap it
//! (concurrently, in the Worker) and merges their answers here, so the
//! library's statements stay those of one database ([`crate::library`]).
//!
//! This file is the router and the merges, pure (no D1): what the Worker's
//! fan-out and `worker/benches/periods.rs` both run. The design is in
//! ARCHITECTURE.md ("The library over several databases").
//!
//! Why the merges need no per-period cursor for listings: the periods split
//! the calls by `started`, so a keyset position `(started, id)` is the same
//! position in every period; a page reads the periods in date order and
//! stops at the limit. A search asks the periods newest first and the older
//! ones only while the matches counted are under the ranking bound (as one
//! database ranks its newest matches only), and merges by score (bm25,
//! lower first) then id, as one database orders them; accounts by their last call, one row per account with the
//! periods' counts summed.

use crate::library::{AccountRow, Found};

/// One period: the calls that started from `from_ms` (inclusive) until the
/// next period's start, in the D1 database bound as `binding`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Period {
    /// The first start time it holds (ms); the oldest period holds earlier
    /// calls too.
    pub from_ms: i64,
    /// The D1 binding's name (`wrangler.toml`'s `[[d1_databases]] binding`).
    pub binding: String,
}

/// The periods, oldest first (at least one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Periods(Vec<Period>);

/// A binding name as wrangler accepts it: a letter or `_`, then letters,
/// digits and `_`.
fn is_binding(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Periods {
    /// One period: every call in `binding` (what a deployment without
    /// periods is).
    pub fn single(binding: &str) -> Periods {
        Periods(vec![Period {
            from_ms: i64::MIN,
            binding: binding.to_owned(),
        }])
    }

    /// Reads `LIBRARY_PERIODS`: `DATE=BINDING` pairs, comma-separated
    /// (`2025-01-01=GONGKIT_DB_2025,2026-01-01=GONGKIT_DB`), each date a
    /// UTC day (`YYYY-MM-DD`). Empty: one period, `default_binding`.
    ///
    /// # Errors
    ///
    /// A pair that is not `DATE=BINDING`, a date that is not a day, a
    /// binding that is not a name, pairs not written oldest first, or a
    /// date or a binding given twice; the message quotes the pair.
    pub fn parse(text: &str, default_binding: &str) -> Result<Periods, String> {
        let mut periods = Vec::new();
        for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (date, binding) = pair
                .split_once('=')
                .map(|(d, b)| (d.trim(), b.trim()))
                .ok_or_else(|| format!("LIBRARY_PERIODS: {pair:?} is not DATE=BINDING"))?;
            let day = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| {
                format!("LIBRARY_PERIODS: {pair:?}: {date:?} is not a day (YYYY-MM-DD)")
            })?;
            if !is_binding(binding) {
                return Err(format!(
                    "LIBRARY_PERIODS: {pair:?}: {binding:?} is not a D1 binding name"
                ));
            }
            let from_ms = day
                .and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc().timestamp_millis())
                .ok_or_else(|| format!("LIBRARY_PERIODS: {pair:?}: {date:?} is out of range"))?;
            periods.push(Period {
                from_ms,
                binding: binding.to_owned(),
            });
        }
        if periods.is_empty() {
            return Ok(Periods::single(default_binding));
        }
        for w in periods.windows(2) {
            if w[0].from_ms == w[1].from_ms {
                return Err(format!(
                    "LIBRARY_PERIODS: two periods start on the same day ({} and {})",
                    w[0].binding, w[1].binding
                ));
            }
            if w[0].from_ms > w[1].from_ms {
                // Written out of order: a typo in a date more likely than intent.
                return Err(format!(
                    "LIBRARY_PERIODS: the period of {} is written after a later one ({}): \
                     write the pairs oldest first",
                    w[1].binding, w[0].binding
                ));
            }
        }
        for (i, p) in periods.iter().enumerate() {
            if periods[..i].iter().any(|q| q.binding == p.binding) {
                return Err(format!(
                    "LIBRARY_PERIODS: {} holds two periods (one database a period)",
                    p.binding
                ));
            }
        }
        Ok(Periods(periods))
    }

    /// The periods, oldest first.
    pub fn all(&self) -> &[Period] {
        &self.0
    }

    /// The index of the period that holds a call that started at
    /// `started_ms` (where its writes go).
    pub fn index_of(&self, started_ms: i64) -> usize {
        // The oldest period holds everything before the second's start.
        self.0
            .iter()
            .rposition(|p| p.from_ms <= started_ms)
            .unwrap_or(0)
    }

    /// The period that holds a call that started at `started_ms`.
    pub fn for_started(&self, started_ms: i64) -> &Period {
        &self.0[self.index_of(started_ms)]
    }

    /// The end of period `i` (exclusive): the next one's start.
    fn end_of(&self, i: usize) -> i64 {
        self.0.get(i + 1).map_or(i64::MAX, |p| p.from_ms)
    }

    /// The indices of the periods that may hold calls that started in
    /// `[from_ms, to_ms)` (either open), oldest first.
    pub fn overlapping(&self, from_ms: Option<i64>, to_ms: Option<i64>) -> Vec<usize> {
        let from = from_ms.unwrap_or(i64::MIN);
        let to = to_ms.unwrap_or(i64::MAX);
        (0..self.0.len())
            .filter(|&i| {
                let start = if i == 0 { i64::MIN } else { self.0[i].from_ms };
                start < to && self.end_of(i) > from
            })
            .collect()
    }
}

/// How many of a search's period pages (newest period first, each with
/// its count of matches) are needed: one database ranks only the newest
/// `bound` matches ([`crate::library::RANK_BOUND`]), so periods are asked
/// newest first and the older ones only while fewer than `bound` matches
/// were counted. A common word costs the newest period's query alone.
pub fn pages_needed(totals: &[i64], bound: usize) -> usize {
    let bound = i64::try_from(bound).unwrap_or(i64::MAX);
    let mut counted = 0i64;
    for (i, n) in totals.iter().enumerate() {
        counted = counted.saturating_add(*n);
        if counted >= bound {
            return i + 1;
        }
    }
    totals.len()
}

/// One page of search hits from the pages the periods gave for the same
/// query (newest period first, each its best `offset + limit`; only the
/// [`pages_needed`] are read): best score first (bm25, lower is better),
/// then by id, as one database orders them; `total` is the periods' counts
/// summed, up to `bound` as one database counts.
pub fn merge_search(
    pages: Vec<Vec<Found>>,
    offset: usize,
    limit: usize,
    bound: usize,
) -> Vec<Found> {
    let totals: Vec<i64> = pages
        .iter()
        .map(|p| p.first().map_or(0, |f| f.total))
        .collect();
    let needed = pages_needed(&totals, bound);
    let total = totals[..needed]
        .iter()
        .sum::<i64>()
        .min(i64::try_from(bound).unwrap_or(i64::MAX));
    let mut all: Vec<Found> = pages.into_iter().take(needed).flatten().collect();
    all.sort_by(|a, b| a.rank.total_cmp(&b.rank).then(a.id.cmp(&b.id)));
    all.into_iter()
        .skip(offset)
        .take(limit)
        .map(|f| Found { total, ..f })
        .collect()
}

/// One period's page of accounts as the periods' merged listing has them.
///
/// An account's last call is in the newest period that has it, so the
/// merged order is each period's own order, newest period first: of
/// `rows` (one period's, in its order), an account that a newer period
/// counts (`newer`: [`crate::library::Library::account_totals`] of the
/// newer periods in range) was listed there and is left out; the others
/// get the calls the older periods count (`older`) added, and their first
/// call from them. At most `room` rows.
pub fn period_accounts(
    rows: Vec<AccountRow>,
    newer: &[Vec<AccountRow>],
    older: &[Vec<AccountRow>],
    room: usize,
) -> Vec<AccountRow> {
    let listed: std::collections::HashSet<&str> =
        newer.iter().flatten().map(|r| r.key.as_str()).collect();
    let mut out = Vec::with_capacity(rows.len().min(room));
    for mut row in rows
        .into_iter()
        .filter(|r| !listed.contains(r.key.as_str()))
    {
        if out.len() == room {
            break;
        }
        for t in older.iter().flatten().filter(|t| t.key == row.key) {
            row.calls += t.calls;
            row.first = row.first.min(t.first);
        }
        out.push(row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;
    // 2026-01-01, 2026-02-01, 2026-03-01 (UTC).
    const JAN: i64 = 1_767_225_600_000;
    const FEB: i64 = JAN + 31 * DAY;
    const MAR: i64 = FEB + 28 * DAY;

    fn three() -> Periods {
        Periods::parse(
            "2026-01-01=GONGKIT_DB_JAN,2026-02-01=GONGKIT_DB_FEB, 2026-03-01=GONGKIT_DB",
            "GONGKIT_DB",
        )
        .unwrap()
    }

    #[test]
    fn periods_read_in_order_and_empty_is_one_database() {
        let p = three();
        let names: Vec<&str> = p.all().iter().map(|p| p.binding.as_str()).collect();
        assert_eq!(names, ["GONGKIT_DB_JAN", "GONGKIT_DB_FEB", "GONGKIT_DB"]);
        assert_eq!(p.all()[0].from_ms, JAN);
        assert_eq!(
            Periods::parse(" ", "GONGKIT_DB").unwrap(),
            Periods::single("GONGKIT_DB")
        );
    }

    #[test]
    fn bad_periods_are_refused_quoting_the_pair() {
        let e = |t: &str| Periods::parse(t, "GONGKIT_DB").unwrap_err();
        assert_eq!(
            e("2026-01-01"),
            "LIBRARY_PERIODS: \"2026-01-01\" is not DATE=BINDING"
        );
        assert_eq!(
            e("2026-13-01=DB"),
            "LIBRARY_PERIODS: \"2026-13-01=DB\": \"2026-13-01\" is not a day (YYYY-MM-DD)"
        );
        assert_eq!(
            e("2026-01-01=my-db"),
            "LIBRARY_PERIODS: \"2026-01-01=my-db\": \"my-db\" is not a D1 binding name"
        );
        assert!(e("2026-01-01=A,2026-01-01=B").contains("same day"));
        assert!(e("2026-01-01=A,2026-02-01=A").contains("A holds two periods"));
        assert_eq!(
            e("2026-02-01=FEB,2026-01-01=JAN"),
            "LIBRARY_PERIODS: the period of JAN is written after a later one (FEB): \
             write the pairs oldest first"
        );
    }

    #[test]
    fn a_call_goes_to_the_period_of_its_start() {
        let p = three();
        assert_eq!(p.for_started(JAN).binding, "GONGKIT_DB_JAN");
        assert_eq!(p.for_started(FEB - 1).binding, "GONGKIT_DB_JAN");
        assert_eq!(p.for_started(FEB).binding, "GONGKIT_DB_FEB");
        assert_eq!(p.for_started(MAR + 400 * DAY).binding, "GONGKIT_DB");
        // Before the first period: the oldest holds it.
        assert_eq!(p.for_started(0).binding, "GONGKIT_DB_JAN");
    }

    #[test]
    fn a_range_asks_only_the_periods_it_overlaps() {
        let p = three();
        assert_eq!(p.overlapping(None, None), [0, 1, 2]);
        assert_eq!(p.overlapping(Some(FEB), Some(MAR)), [1]);
        assert_eq!(p.overlapping(Some(FEB - 1), Some(MAR)), [0, 1]);
        assert_eq!(p.overlapping(Some(FEB), Some(MAR + 1)), [1, 2]);
        assert_eq!(p.overlapping(None, Some(JAN)), [0]);
        assert_eq!(p.overlapping(Some(MAR + DAY), None), [2]);
    }

    fn hit(id: &str, rank: f64, started: i64, total: i64) -> Found {
        Found {
            id: id.into(),
            title: None,
            account: None,
            started,
            rank,
            total,
        }
    }

    #[test]
    fn search_pages_merge_by_score_then_id() {
        let feb = || vec![hit("c", -3.0, FEB, 3), hit("d", -2.0, FEB, 3)];
        let jan = || vec![hit("a", -3.0, JAN, 2), hit("b", -1.0, JAN + 1, 2)];
        let page = merge_search(vec![feb(), jan()], 0, 3, 100);
        let ids: Vec<&str> = page.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["a", "c", "d"]);
        assert!(page.iter().all(|f| f.total == 5));
        let next = merge_search(vec![feb(), jan()], 3, 3, 100);
        assert_eq!(next.len(), 1);
        assert_eq!(next[0].id, "b");
    }

    #[test]
    fn older_periods_count_only_while_the_bound_is_not_reached() {
        assert_eq!(pages_needed(&[1200, 900, 50], 1001), 1);
        assert_eq!(pages_needed(&[600, 900, 50], 1001), 2);
        assert_eq!(pages_needed(&[3, 0, 5], 1001), 3);
        assert_eq!(pages_needed(&[], 1001), 0);
        // The newest period fills the bound: the older one's hits are not
        // ranked, and the count stops at the bound, as in one database.
        let feb = vec![hit("c", -3.0, FEB, 3), hit("d", -2.0, FEB, 3)];
        let jan = vec![hit("a", -9.0, JAN, 2)];
        let page = merge_search(vec![feb, jan], 0, 10, 3);
        let ids: Vec<&str> = page.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["c", "d"]);
        assert!(page.iter().all(|f| f.total == 3));
    }

    fn account(key: &str, name: &str, calls: i64, first: i64, last: i64) -> AccountRow {
        AccountRow {
            key: key.into(),
            name: Some(name.into()),
            calls,
            first,
            last,
        }
    }

    #[test]
    fn an_account_in_several_periods_is_one_row() {
        // March is the newest period: acme's row there, January's calls added.
        let mar = vec![account("acme", "ACME Corp", 2, MAR, MAR + 5)];
        let jan = vec![
            account("acme", "Acme", 3, JAN, JAN + 9),
            account("globex", "Globex", 1, JAN + 20, JAN + 20),
        ];
        let first = period_accounts(mar.clone(), &[], std::slice::from_ref(&jan), 10);
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].name.as_deref(), Some("ACME Corp"));
        assert_eq!(
            (first[0].calls, first[0].first, first[0].last),
            (5, JAN, MAR + 5)
        );
        // January's page: acme was listed with March, globex is new.
        let then = period_accounts(jan, std::slice::from_ref(&mar), &[], 10);
        assert_eq!(then.len(), 1);
        assert_eq!(then[0].key, "globex");
        assert_eq!(then[0].calls, 1);
        // No more than the room left.
        let two = vec![
            account("a", "A", 1, FEB, FEB),
            account("b", "B", 1, FEB, FEB),
        ];
        assert_eq!(period_accounts(two, &[], &[], 1).len(), 1);
        assert!(period_accounts(Vec::new(), &[], &[], 10).is_empty());
    }
}
