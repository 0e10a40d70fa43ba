//! What the library's queries cost as the library grows: the same
//! statements the Worker sends to D1 (`worker/src/library/sql.rs`), run on
//! SQLite itself with every migration applied, over 10,000 and 100,000
//! calls (copies of the 30-minute fixture call, spread over accounts and
//! time; every call holds the same words, so a search for one of them
//! matches all: the worst case for ranking). Prints figures; asserts none.
//!
//!   cargo bench -p gongkit-worker --bench library_scale [-- 10000 100000]
//!
//! (`scripts/bench-search --library` runs it.) D1 adds its own round trip
//! per query (a millisecond or two under `wrangler dev`); the work measured
//! here is SQLite's, which is what grows with the library.

#[cfg(not(target_arch = "wasm32"))]
use gongkit_worker::library::sql;
#[cfg(not(target_arch = "wasm32"))]
#[path = "../src/library/sqlite.rs"]
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
    use gongkit_worker::library::{Filters, Record, Visibility};
    use gongkit_worker::query::Query;
    use rusqlite::Connection;

    use super::sqlite;

    /// Calls per account, about: 10,000 calls make 200 accounts.
    const CALLS_PER_ACCOUNT: usize = 50;

    fn ms(t: Instant) -> f64 {
        t.elapsed().as_secs_f64() * 1000.0
    }

    fn percentile(xs: &mut [f64], p: f64) -> f64 {
        xs.sort_by(f64::total_cmp);
        xs[((p / 100.0) * xs.len() as f64) as usize % xs.len()]
    }

    fn run(conn: &Connection, b: Result<Bound, String>) -> Vec<Vec<rusqlite::types::Value>> {
        sqlite::rows(conn, &b.expect("binds"))
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

    fn fill(conn: &Connection, n: usize) -> f64 {
        let base = base();
        let accounts = (n / CALLS_PER_ACCOUNT).max(1);
        let t = Instant::now();
        conn.execute_batch("BEGIN").expect("begin");
        for i in 0..n {
            let mut r = base.clone();
            r.id = format!("{}", 7_000_000_000_000_000_000u64 + i as u64);
            r.started = 1_704_067_200_000 + i as i64 * 900_000;
            let name = format!("Company {} Ltd", i % accounts);
            r.account_key = Some(fold(&name));
            r.index.account = fold(&name);
            r.account = Some(name);
            r.digest = format!("{i:032x}");
            for b in sql::write(&r, 1, true).expect("binds") {
                sqlite::rows(conn, &b);
            }
            if i % 5000 == 4999 {
                conn.execute_batch("COMMIT; BEGIN").expect("commit");
            }
        }
        conn.execute_batch("COMMIT").expect("commit");
        n as f64 / t.elapsed().as_secs_f64()
    }

    /// Every page of `/v1/accounts` (100 a page, with their people), as the
    /// service asks for them: (pages, total ms, first page ms, ms of the
    /// accounts statement alone).
    fn list_accounts(conn: &Connection) -> (usize, f64, f64, f64) {
        let who = Visibility::default();
        let f = Filters::default();
        let limit = 100;
        let t = Instant::now();
        let mut first = 0.0;
        let mut statement = 0.0;
        let mut pages = 0;
        let mut after: Option<(i64, String)> = None;
        loop {
            let page = after.as_ref().map(|(l, k)| (*l, k.as_str()));
            let s = Instant::now();
            let rows = run(conn, query::accounts(&f, None, who, page, limit + 1));
            statement += ms(s);
            let keys: Vec<String> = rows
                .iter()
                .take(limit)
                .map(|r| match &r[0] {
                    rusqlite::types::Value::Text(s) => s.clone(),
                    _ => String::new(),
                })
                .collect();
            run(conn, query::account_people(&keys, &f, who, 25));
            pages += 1;
            if pages == 1 {
                first = ms(t);
            }
            if rows.len() <= limit {
                break;
            }
            let last = &rows[limit - 1];
            let n = match last[4] {
                rusqlite::types::Value::Integer(n) => n,
                _ => 0,
            };
            after = Some((n, keys[limit - 1].clone()));
        }
        (pages, ms(t), first, statement)
    }

    /// As `Library::account_calls` reads them: the matching keys from the
    /// summary, then the one account's page in the order of its index.
    fn account_calls(conn: &Connection) -> f64 {
        let who = Visibility::default();
        let t = Instant::now();
        let keys = run(conn, query::account_keys("company 7 ltd", 2));
        let key = match &keys[0][0] {
            rusqlite::types::Value::Text(s) => s.clone(),
            _ => String::new(),
        };
        let rows = run(
            conn,
            query::one_account_calls(&key, &Filters::default(), who, None, 101),
        );
        assert!(!rows.is_empty());
        ms(t)
    }

    fn reindex_idle(conn: &Connection) -> f64 {
        let t = Instant::now();
        let rows = run(conn, query::stale(25));
        assert!(rows.is_empty());
        ms(t)
    }

    fn search(conn: &Connection, q: &str, rounds: usize) -> (f64, f64) {
        let who = Visibility::default();
        let query = Query::parse(q).expect("a query");
        let fts = query.fts(None);
        let mut times = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let t = Instant::now();
            let rows = run(conn, query::search(&fts, &Filters::default(), who, 21, 0));
            let ids: Vec<String> = rows
                .iter()
                .map(|r| match &r[0] {
                    rusqlite::types::Value::Text(s) => s.clone(),
                    _ => String::new(),
                })
                .collect();
            // The page's calls as stored (their quoted turns are found in
            // their transcripts, from R2 or this row: `library::quoted_turns`).
            run(conn, query::get_many(&ids));
            times.push(ms(t));
        }
        (percentile(&mut times, 50.0), percentile(&mut times, 95.0))
    }

    pub fn main() {
        let sizes: Vec<usize> = std::env::args()
            .skip(1)
            .filter_map(|a| a.parse().ok())
            .collect();
        let sizes = if sizes.is_empty() {
            vec![10_000, 100_000]
        } else {
            sizes
        };
        for n in sizes {
            let conn = sqlite::migrated();
            let rate = fill(&conn, n);
            println!(
                "\n{n} calls, {} accounts (written at {rate:.0} calls/s)",
                (n / CALLS_PER_ACCOUNT).max(1)
            );
            let (pages, all, first, statement) = list_accounts(&conn);
            println!(
                "  /v1/accounts, every page (100 a page, with people): {pages} pages in {all:.1} ms (first page {first:.1} ms; the accounts statement {statement:.1} ms of it, the people met the rest)"
            );
            println!(
                "  /v1/accounts/{{name}}/calls, first page of 100: {:.2} ms",
                account_calls(&conn)
            );
            println!(
                "  reindex step on an idle library (the stale query): {:.3} ms",
                reindex_idle(&conn)
            );
            let first_page =
                query::accounts(&Filters::default(), None, Visibility::default(), None, 101)
                    .expect("binds");
            println!(
                "  (the accounts page's plan: {})",
                sqlite::plan(&conn, &first_page).join("; ")
            );
            let (p50, p95) = search(&conn, "seat", 20);
            println!(
                "  /v1/search for a word every call holds (page of 20 + quoted turns): p50 {p50:.1} ms, p95 {p95:.1} ms"
            );
        }
    }
}
