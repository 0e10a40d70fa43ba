//! Every statement of [`super::sql`] under `EXPLAIN QUERY PLAN` on SQLite
//! with every migration applied: none reads all of `calls`, `turns` or
//! `parties` where a page was meant. A statement that must scan is on
//! [`SCANS`], with why.

use super::sql::{self, Bound, STATEMENTS};
use super::sqlite;

/// The statements allowed to scan one of the checked tables, and why.
const SCANS: &[(&str, &str)] = &[
    (
        sql::COUNT,
        "how many calls the library holds (GET /v1/sync): SQLite counts the entries of its smallest index; there is no page",
    ),
];

/// The tables whose full scan grows with the library.
const TABLES: &[&str] = &["calls", "turns", "parties"];

/// The names `sql` gives the checked tables (themselves and their aliases).
fn names(sql: &str) -> Vec<String> {
    let words: Vec<&str> = sql
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    let mut out: Vec<String> = TABLES.iter().map(|t| (*t).to_owned()).collect();
    for w in words.windows(3) {
        if TABLES.contains(&w[0]) && w[1].eq_ignore_ascii_case("AS") {
            out.push(w[2].to_owned());
        }
    }
    out
}

/// The plan's lines that scan a checked table.
fn full_scans(b: &Bound, plan: &[String]) -> Vec<String> {
    let names = names(b.source);
    plan.iter()
        .filter(|d| {
            let mut w = d.split_whitespace();
            w.next() == Some("SCAN") && w.next().is_some_and(|t| names.iter().any(|n| n == t))
        })
        .cloned()
        .collect()
}

#[test]
fn no_statement_scans_a_table_that_grows_with_the_library() {
    let conn = sqlite::migrated();
    let bound = sql::tests::every_statement_bound();
    let mut failures = Vec::new();
    for b in &bound {
        let plan = sqlite::plan(&conn, b);
        let scans = full_scans(b, &plan);
        let allowed = SCANS.iter().any(|(s, _)| *s == b.source);
        if !scans.is_empty() && !allowed {
            failures.push(format!(
                "{}\n  scans: {scans:?}\n  plan: {plan:?}",
                b.source
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "full scans:\n{}",
        failures.join("\n\n")
    );
    // Every statement was looked at (the bound list covers them all).
    for s in STATEMENTS {
        assert!(bound.iter().any(|b| b.source == *s), "not planned: {s}");
    }
    // An allowed scan that no longer scans is taken off the list.
    for (s, why) in SCANS {
        let scanned = bound
            .iter()
            .filter(|b| b.source == *s)
            .any(|b| !full_scans(b, &sqlite::plan(&conn, b)).is_empty());
        assert!(scanned, "allowed to scan but does not ({why}): {s}");
    }
}

/// The indexes the statements that were slow at scale now read.
#[test]
fn the_scale_statements_read_their_indexes() {
    let conn = sqlite::migrated();
    let plan_of = |source: &str| -> String {
        let bound = sql::tests::every_statement_bound();
        let b = bound.iter().find(|b| b.source == source).expect("bound");
        sqlite::plan(&conn, b).join(" | ")
    };
    let stale = plan_of(sql::STALE);
    assert!(stale.contains("calls_indexed"), "{stale}");
    assert!(!stale.contains("TEMP B-TREE"), "{stale}");
    let accounts = plan_of(sql::ACCOUNTS);
    assert!(accounts.contains("accounts_recent"), "{accounts}");
    assert!(!accounts.contains("TEMP B-TREE"), "{accounts}");
    let calls = plan_of(sql::ACCOUNT_CALLS);
    assert!(calls.contains("calls_account"), "{calls}");
    let people = plan_of(sql::ACCOUNTS_OF_PARTICIPANT);
    assert!(people.contains("parties_email"), "{people}");
    // One account's page in the order of its index (ties of a start time
    // aside): no sort of all its calls.
    let one = plan_of(sql::ONE_ACCOUNT_CALLS);
    assert!(one.contains("calls_account_key"), "{one}");
    assert!(!one.contains("TEMP B-TREE FOR ORDER BY"), "{one}");
    // The people of a page's accounts: each account's newest calls only.
    let met = plan_of(sql::ACCOUNT_PEOPLE);
    assert!(met.contains("calls_account_key"), "{met}");
    // A reconcile slice's start: the slice's entries of `calls_started`,
    // newest first, no sort.
    let slice = plan_of(sql::SLICE_START);
    assert!(slice.contains("calls_started"), "{slice}");
    assert!(!slice.contains("TEMP B-TREE"), "{slice}");
}

#[test]
fn a_full_scan_is_told_from_a_search() {
    let b = sql::bind("SELECT 1 FROM calls AS c JOIN turns AS t", &[]).unwrap();
    let plan = vec![
        "SCAN c".to_owned(),
        "SEARCH t USING INDEX sqlite_autoindex_turns_1 (call_id=?)".to_owned(),
        "SCAN calls_fts VIRTUAL TABLE INDEX 0:M1".to_owned(),
        "SCAN c USING COVERING INDEX calls_started".to_owned(),
    ];
    assert_eq!(
        full_scans(&b, &plan),
        ["SCAN c", "SCAN c USING COVERING INDEX calls_started"]
    );
}
