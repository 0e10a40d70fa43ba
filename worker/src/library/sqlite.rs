//! The library's statements on SQLite itself (rusqlite's bundled SQLite,
//! the engine D1 runs), with every migration of `migrations/` applied:
//! what the query-plan test and `benches/library_scale.rs` run them on.
//! Native only; the Worker talks to D1.

use rusqlite::types::Value;
use rusqlite::Connection;

use super::sql::{Bound, Param};

/// An in-memory database with every migration applied, in order.
///
/// # Panics
///
/// When a migration does not apply (a test or a bench: that is the failure).
pub fn migrated() -> Connection {
    let conn = Connection::open_in_memory().expect("an in-memory SQLite");
    for f in migrations() {
        let text = std::fs::read_to_string(&f).expect("a migration");
        conn.execute_batch(&text)
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
    }
    conn
}

/// The migrations' files, in the order they apply.
///
/// # Panics
///
/// Without a readable `migrations/`.
pub fn migrations() -> Vec<std::path::PathBuf> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("migrations/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    files
}

/// A bound statement's values, for rusqlite.
pub fn values(b: &Bound) -> Vec<Value> {
    b.values
        .iter()
        .map(|p| match p {
            Param::Null => Value::Null,
            Param::Int(n) => Value::Integer(*n),
            Param::Text(s) => Value::Text(s.clone()),
        })
        .collect()
}

/// Runs a statement; returns its rows, each column as SQLite gave it.
///
/// # Panics
///
/// When SQLite refuses the statement.
pub fn rows(conn: &Connection, b: &Bound) -> Vec<Vec<Value>> {
    let mut st = conn
        .prepare_cached(&b.sql)
        .unwrap_or_else(|e| panic!("{e}: {}", b.sql));
    let n = st.column_count();
    let mut out = Vec::new();
    let mut rs = st
        .query(rusqlite::params_from_iter(values(b)))
        .unwrap_or_else(|e| panic!("{e}: {}", b.sql));
    while let Some(row) = rs.next().unwrap_or_else(|e| panic!("{e}: {}", b.sql)) {
        out.push((0..n).map(|i| row.get(i).unwrap_or(Value::Null)).collect());
    }
    out
}

/// The lines of `EXPLAIN QUERY PLAN` for a statement (its `detail`s).
///
/// # Panics
///
/// When SQLite refuses the statement.
pub fn plan(conn: &Connection, b: &Bound) -> Vec<String> {
    let sql = format!("EXPLAIN QUERY PLAN {}", b.sql);
    let mut st = conn
        .prepare(&sql)
        .unwrap_or_else(|e| panic!("{e}: {}", b.sql));
    let details = st
        .query_map(rusqlite::params_from_iter(values(b)), |r| {
            r.get::<_, String>(3)
        })
        .unwrap_or_else(|e| panic!("{e}: {}", b.sql));
    details.map(|d| d.unwrap_or_default()).collect()
}
