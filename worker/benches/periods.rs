//! The library over several databases: 100,000 calls over a year, in one
//! SQLite database and in 12 monthly period databases
//! ([`gongkit_worker::periods`]), every migration applied to each, the
//! statements the Worker sends to D1 (`worker/src/library/sql.rs`) and the
//! periods' merges. Prints, per question, one database against the
//! periods: the periods' time read one after the other (what one core
//! does) and the slowest period plus the merge (what a fan-out waits for:
//! each D1 database is its own instance, queried concurrently). Prints
//! figures; asserts only that both answer the same. A search asks the
//! periods newest first and the older ones only while fewer matches than
//! the ranking bound were counted (`periods::pages_needed`): the middle
//! column is that, one period after the other; the last asks every period
//! in range at once and waits for the slowest.
//!
//!   cargo bench -p gongkit-worker --bench periods [-- CALLS]
//!
//! (`scripts/bench-search --periods` runs it.) The calls are copies of the
//! 30-minute fixture call; one in 1,000 also says a rare word in its title.
//! D1 adds a round trip per query (a millisecond or two locally) that is
//! not counted here.

#[cfg(not(target_arch = "wasm32"))]
use gongkit_worker::library::sql;
#[cfg(not(target_arch = "wasm32"))]
#[path = "../src/library/sqlite.rs"]
#[allow(dead_code)] // `plan` is the query-plan test's
mod sqlite;

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    native::main();
}

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::time::Instant;

    use gongkit::words::fold;
    use gongkit_worker::library::sql::{self, query, Bound};
    use gongkit_worker::library::{AccountRow, Filters, Found, Record, Visibility, RANK_BOUND};
    use gongkit_worker::periods::{self, Periods};
    use gongkit_worker::query::Query;
    use rusqlite::types::Value;
    use rusqlite::Connection;

    use super::sqlite;

    const CALLS_PER_ACCOUNT: usize = 50;
    /// 2025-01-01T00:00:00Z.
    const YEAR_START: i64 = 1_735_689_600_000;
    const YEAR_MS: i64 = 365 * 86_400_000;
    const ROUNDS: usize = 20;
    const PAGE: usize = 20;

    fn ms(t: Instant) -> f64 {
        t.elapsed().as_secs_f64() * 1000.0
    }

    fn percentile(xs: &[f64], p: f64) -> f64 {
        let mut s = xs.to_vec();
        s.sort_by(f64::total_cmp);
        s[(((p / 100.0) * s.len() as f64) as usize).min(s.len() - 1)]
    }

    fn run(conn: &Connection, b: Result<Bound, String>) -> Vec<Vec<Value>> {
        sqlite::rows(conn, &b.expect("binds"))
    }

    fn text(v: &Value) -> String {
        match v {
            Value::Text(s) => s.clone(),
            _ => String::new(),
        }
    }

    fn int(v: &Value) -> i64 {
        match v {
            Value::Integer(n) => *n,
            _ => 0,
        }
    }

    fn real(v: &Value) -> f64 {
        match v {
            Value::Real(x) => *x,
            Value::Integer(n) => *n as f64,
            _ => 0.0,
        }
    }

    fn base() -> Record {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/calls/");
        let read = |f: &str| std::fs::read_to_string(format!("{root}{f}")).expect("fixture");
        let ext: serde_json::Value =
            serde_json::from_str(&read("acme-discovery.extensive.json")).expect("JSON");
        let tr: serde_json::Value =
            serde_json::from_str(&read("acme-discovery.transcript.json")).expect("JSON");
        Record::from_raw(
            &ext["calls"][0].to_string(),
            Some(&tr["callTranscripts"][0].to_string()),
            &["seller.io".to_owned()],
        )
        .expect("the fixture reads")
    }

    /// Call `i` of `n`, spread evenly over 2025.
    fn record(base: &Record, i: usize, n: usize) -> Record {
        let accounts = (n / CALLS_PER_ACCOUNT).max(1);
        let mut r = base.clone();
        r.id = format!("{}", 7_000_000_000_000_000_000u64 + i as u64);
        r.started = YEAR_START + (i as i64 * YEAR_MS) / n as i64;
        let name = format!("Company {} Ltd", i % accounts);
        r.account_key = Some(fold(&name));
        r.index.account = fold(&name);
        r.account = Some(name);
        r.digest = format!("{i:032x}");
        if i.is_multiple_of(1000) {
            let title = format!("{} zephyr", r.title.clone().unwrap_or_default());
            r.index.title = fold(&title);
            r.title = Some(title);
        }
        r
    }

    fn write(conn: &Connection, r: &Record) {
        for b in sql::write(r, 1, true).expect("binds") {
            sqlite::rows(conn, &b);
        }
    }

    /// The single database and the periods' databases, filled.
    fn fill(n: usize, periods: &Periods) -> (Connection, Vec<Connection>, f64) {
        let base = base();
        let single = sqlite::migrated();
        let dbs: Vec<Connection> = periods.all().iter().map(|_| sqlite::migrated()).collect();
        let t = Instant::now();
        for c in std::iter::once(&single).chain(&dbs) {
            c.execute_batch("BEGIN").expect("begin");
        }
        for i in 0..n {
            let r = record(&base, i, n);
            write(&single, &r);
            write(&dbs[periods.index_of(r.started)], &r);
        }
        for c in std::iter::once(&single).chain(&dbs) {
            c.execute_batch("COMMIT").expect("commit");
        }
        (single, dbs, ms(t) / 1000.0)
    }

    fn found(rows: Vec<Vec<Value>>) -> Vec<Found> {
        rows.into_iter()
            .map(|r| Found {
                id: text(&r[0]),
                title: None,
                account: None,
                started: int(&r[3]),
                rank: real(&r[4]),
                total: int(&r[5]),
            })
            .collect()
    }

    /// One search page as the Worker answers it: the ranked page, then the
    /// page's calls as stored (their quoted turns are found in their
    /// transcripts, from R2 or the row: `library::quoted_turns`).
    fn search_one(conn: &Connection, q: &Query, f: &Filters) -> Vec<Found> {
        let who = Visibility::default();
        let hits = found(run(conn, query::search(&q.fts(None), f, who, PAGE, 0)));
        let ids: Vec<String> = hits.iter().map(|h| h.id.clone()).collect();
        run(conn, query::get_many(&ids));
        hits
    }

    /// Times of one question: one database; the periods one after the
    /// other; the slowest period plus the merge.
    struct Times {
        single: Vec<f64>,
        sequential: Vec<f64>,
        fan_out: Vec<f64>,
    }

    impl Times {
        fn new() -> Times {
            Times {
                single: Vec::new(),
                sequential: Vec::new(),
                fan_out: Vec::new(),
            }
        }

        fn line(&self, what: &str) {
            let cell =
                |xs: &[f64]| format!("{:.1} / {:.1}", percentile(xs, 50.0), percentile(xs, 95.0));
            println!(
                "| {what} | {} | {} | {} |",
                cell(&self.single),
                cell(&self.sequential),
                cell(&self.fan_out),
            );
        }
    }

    fn search(single: &Connection, dbs: &[Connection], p: &Periods, q: &str, f: &Filters) -> Times {
        let q = Query::parse(q).expect("a query");
        let mut t = Times::new();
        for _ in 0..ROUNDS {
            let s = Instant::now();
            let one = search_one(single, &q, f);
            t.single.push(ms(s));
            // Each period's best page, newest period first; the older ones
            // count only while the bound is not reached
            // (periods::pages_needed).
            let mut pages = Vec::new();
            let mut took = Vec::new();
            for i in p.overlapping(f.from_ms, f.to_ms).into_iter().rev() {
                let s = Instant::now();
                let rows = run(
                    &dbs[i],
                    query::search(&q.fts(None), f, Visibility::default(), PAGE, 0),
                );
                pages.push(found(rows));
                took.push(ms(s));
            }
            let totals: Vec<i64> = pages
                .iter()
                .map(|p| p.first().map_or(0, |h| h.total))
                .collect();
            let needed = periods::pages_needed(&totals, RANK_BOUND);
            let s = Instant::now();
            let merged = periods::merge_search(pages, 0, PAGE, RANK_BOUND);
            let merge = ms(s);
            // The merged page's calls as stored, from the periods holding its hits.
            let mut turns_slowest = 0.0f64;
            let mut turns_total = 0.0;
            for (i, db) in dbs.iter().enumerate() {
                let ids: Vec<String> = merged
                    .iter()
                    .filter(|h| p.index_of(h.started) == i)
                    .map(|h| h.id.clone())
                    .collect();
                if ids.is_empty() {
                    continue;
                }
                let s = Instant::now();
                run(db, query::get_many(&ids));
                let x = ms(s);
                turns_slowest = turns_slowest.max(x);
                turns_total += x;
            }
            let asked: f64 = took[..needed].iter().sum();
            let slowest = took.iter().copied().fold(0.0, f64::max);
            t.sequential.push(asked + merge + turns_total);
            t.fan_out.push(slowest + merge + turns_slowest);
            assert_eq!(
                one.first().map(|h| h.total),
                merged.first().map(|h| h.total)
            );
            assert_eq!(one.len(), merged.len());
        }
        t
    }

    fn account_rows(rows: Vec<Vec<Value>>) -> Vec<AccountRow> {
        rows.into_iter()
            .map(|r| AccountRow {
                key: text(&r[0]),
                name: Some(text(&r[1])),
                calls: int(&r[2]),
                first: int(&r[3]),
                last: int(&r[4]),
            })
            .collect()
    }

    /// The first page of `/v1/accounts` (100, with their people): over the
    /// periods, the router's walk (`Libraries::accounts`): the newest
    /// period's page, its accounts counted in the older periods (all at
    /// once when fanned out), then older periods while the page has room.
    fn accounts(single: &Connection, dbs: &[Connection], p: &Periods) -> Times {
        let who = Visibility::default();
        let f = Filters::default();
        let mut t = Times::new();
        for _ in 0..ROUNDS {
            let s = Instant::now();
            let rows = account_rows(run(single, query::accounts(&f, None, who, None, 101)));
            let keys: Vec<String> = rows.iter().take(100).map(|a| a.key.clone()).collect();
            run(single, query::account_people(&keys, &f, who, 25));
            t.single.push(ms(s));
            let at: Vec<usize> = p.overlapping(None, None).into_iter().rev().collect();
            let (mut total, mut slowest_path) = (0.0, 0.0);
            let mut merged: Vec<AccountRow> = Vec::new();
            let mut cursor: Option<(i64, String)> = None;
            for (pos, &i) in at.iter().enumerate() {
                if merged.len() == 101 {
                    break;
                }
                let s = Instant::now();
                let page = account_rows(run(
                    &dbs[i],
                    query::accounts(
                        &f,
                        None,
                        who,
                        cursor.as_ref().map(|(l, k)| (*l, k.as_str())),
                        101,
                    ),
                ));
                let took = ms(s);
                total += took;
                let Some(end) = page.last() else { continue };
                cursor = Some((end.last, end.key.clone()));
                let keys: Vec<String> = page.iter().map(|r| r.key.clone()).collect();
                let mut slowest = 0.0f64;
                let mut totals = Vec::new();
                for &j in at.iter().filter(|&&j| j != i) {
                    let s = Instant::now();
                    totals.push(account_rows(run(
                        &dbs[j],
                        query::account_totals(&keys, &f, who),
                    )));
                    let took = ms(s);
                    slowest = slowest.max(took);
                    total += took;
                }
                let (newer, older) = totals.split_at(pos);
                let s = Instant::now();
                merged.extend(periods::period_accounts(
                    page,
                    newer,
                    older,
                    101 - merged.len(),
                ));
                let merge = ms(s);
                total += merge;
                slowest_path += took + slowest + merge;
            }
            let keys: Vec<String> = merged.iter().take(100).map(|a| a.key.clone()).collect();
            let mut people_slowest = 0.0f64;
            for db in dbs {
                let s = Instant::now();
                run(db, query::account_people(&keys, &f, who, 25));
                let took = ms(s);
                people_slowest = people_slowest.max(took);
                total += took;
            }
            t.sequential.push(total);
            t.fan_out.push(slowest_path + people_slowest);
            let brief = |r: &[AccountRow]| {
                r.iter()
                    .map(|a| (a.key.clone(), a.calls, a.first, a.last))
                    .collect::<Vec<_>>()
            };
            assert_eq!(
                brief(&rows),
                brief(&merged),
                "the periods' first page is one database's"
            );
        }
        t
    }

    /// One export batch (50 changes and their calls): one database's log,
    /// or the oldest period's (the export reads the periods' logs in turn).
    fn export(single: &Connection, dbs: &[Connection]) -> Times {
        let who = Visibility::default();
        let page = |db: &Connection| {
            let changes = run(db, query::changes(0, 50, who, None));
            let ids: Vec<String> = changes.iter().map(|r| text(&r[1])).collect();
            run(db, query::get_many(&ids)).len()
        };
        let mut t = Times::new();
        for _ in 0..ROUNDS {
            let s = Instant::now();
            let a = page(single);
            t.single.push(ms(s));
            let s = Instant::now();
            let b = page(&dbs[0]);
            let took = ms(s);
            t.sequential.push(took);
            t.fan_out.push(took);
            assert_eq!(a, b);
        }
        t
    }

    /// A `/v1/calls` page of 100 across a period boundary (June 25 to
    /// July 10): the periods in date order, the next one read only when
    /// the page is not full; and one call by id from the oldest period
    /// (periods asked newest first: the worst case, 12 lookups).
    fn listing_and_get(single: &Connection, dbs: &[Connection], p: &Periods) -> (Times, Times) {
        let who = Visibility::default();
        let day = 86_400_000;
        let (from, to) = (YEAR_START + 175 * day, YEAR_START + 190 * day);
        let mut list = Times::new();
        let mut get = Times::new();
        // A listing page that starts 50 calls before the boundary.
        let july = YEAR_START + 181 * day;
        let before = run(single, query::list(from, july, None, 100_000, who));
        let start = &before[before.len() - 51];
        let after = (int(&start[1]), text(&start[0]));
        let oldest = format!("{}", 7_000_000_000_000_000_000u64 + 5);
        for _ in 0..ROUNDS {
            let s = Instant::now();
            let one = run(
                single,
                query::list(from, to, Some((after.0, &after.1)), 101, who),
            );
            list.single.push(ms(s));
            let s = Instant::now();
            let mut rows = Vec::new();
            for i in p.overlapping(Some(from), Some(to)) {
                let left = 101 - rows.len();
                if left == 0 {
                    break;
                }
                rows.extend(run(
                    &dbs[i],
                    query::list(from, to, Some((after.0, &after.1)), left, who),
                ));
            }
            let took = ms(s);
            list.sequential.push(took);
            list.fan_out.push(took);
            let ids = |r: &[Vec<Value>]| r.iter().map(|x| text(&x[0])).collect::<Vec<_>>();
            assert_eq!(ids(&one), ids(&rows), "the same page");

            let s = Instant::now();
            assert_eq!(run(single, query::get(&oldest)).len(), 1);
            get.single.push(ms(s));
            let s = Instant::now();
            let mut found = false;
            for db in dbs.iter().rev() {
                if !run(db, query::get(&oldest)).is_empty() {
                    found = true;
                    break;
                }
            }
            let took = ms(s);
            assert!(found);
            get.sequential.push(took);
            get.fan_out.push(took);
        }
        (list, get)
    }

    pub fn main() {
        let n: usize = std::env::args()
            .skip(1)
            .find_map(|a| a.parse().ok())
            .unwrap_or(100_000);
        let dates: Vec<String> = (1..=12)
            .map(|m| format!("2025-{m:02}-01=P{m:02}"))
            .collect();
        let p = Periods::parse(&dates.join(","), "GONGKIT_DB").expect("periods");
        let (single, dbs, fill_s) = fill(n, &p);
        println!(
            "{n} calls over 2025 ({} accounts): one database, and 12 monthly period databases ({:.0} s to write both)\n",
            (n / CALLS_PER_ACCOUNT).max(1),
            fill_s
        );
        println!("p50 / p95 of {ROUNDS} rounds, ms (SQLite's work; D1's round trip not counted)\n");
        println!("| question | one database | 12 periods, newest first until the bound, one after the other | 12 periods, all in range at once (slowest + merge) |");
        println!("|---|---|---|---|");
        let all = Filters::default();
        search(&single, &dbs, &p, "seat", &all).line("search, a word every call holds");
        search(&single, &dbs, &p, "zephyr", &all).line("search, a word 1 call in 1,000 holds");
        let quarter = Filters {
            from_ms: Some(YEAR_START + 90 * 86_400_000),
            to_ms: Some(YEAR_START + 181 * 86_400_000),
            ..Filters::default()
        };
        search(&single, &dbs, &p, "seat", &quarter)
            .line("search, that word within a quarter (3 periods asked)");
        let account = Filters {
            account_contains: Some("company 7 ltd".into()),
            ..Filters::default()
        };
        search(&single, &dbs, &p, "seat", &account)
            .line("search, that word in one account's calls");
        accounts(&single, &dbs, &p).line("/v1/accounts, first page (100, with people)");
        export(&single, &dbs).line("/v1/export, one batch (50 changes and their calls)");
        let (list, get) = listing_and_get(&single, &dbs, &p);
        list.line("/v1/calls, a page of 100 across a period boundary");
        get.line("one call by id, from the oldest period (newest asked first)");
    }
}
