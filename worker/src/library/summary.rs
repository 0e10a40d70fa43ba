//! The account summary and the account merge of migration 0004, on SQLite
//! with every migration applied: the library's own statements write calls
//! and remove them, and the accounts statements read what the triggers
//! kept.

use rusqlite::types::Value;
use rusqlite::Connection;
use serde_json::Value as Json;

use super::sql::{self, query};
use super::sqlite;
use super::{Filters, Record, Visibility};

fn fixture() -> Json {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/calls/");
    let ext = std::fs::read_to_string(format!("{root}acme-discovery.extensive.json")).unwrap();
    let ext: Json = serde_json::from_str(&ext).unwrap();
    ext["calls"][0].clone()
}

/// The fixture call (CRM: `Acme Corporation Ltd`, customers at acme.co.uk)
/// as call `id`, started at `started` ms; without its CRM context when
/// `crm` is false (then its account is `Acme`, from the email domain), with
/// its customers at `domain`.
fn call(id: u64, started: i64, crm: bool, domain: &str, private: bool) -> Record {
    let mut c = fixture();
    c["metaData"]["id"] = Json::from(id.to_string());
    let when = chrono::DateTime::from_timestamp_millis(started).unwrap();
    c["metaData"]["started"] = Json::from(when.to_rfc3339());
    c["metaData"]["isPrivate"] = Json::from(private);
    if !crm {
        c.as_object_mut().unwrap().remove("context");
    }
    for p in c["parties"].as_array_mut().unwrap() {
        if let Some(e) = p["emailAddress"].as_str() {
            p["emailAddress"] = Json::from(e.replace("acme.co.uk", domain));
        }
    }
    Record::from_raw(&c.to_string(), None, &["seller.io".to_owned()]).unwrap()
}

fn write(conn: &Connection, r: &Record) {
    for b in sql::write(r, 1, true).unwrap() {
        sqlite::rows(conn, &b);
    }
}

fn remove(conn: &Connection, id: u64) {
    for b in query::remove(&id.to_string(), 2).unwrap() {
        sqlite::rows(conn, &b);
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::Text(s) => s.clone(),
        Value::Integer(n) => n.to_string(),
        _ => String::new(),
    }
}

/// `(name, calls, first, last)` of each account, as `/v1/accounts` pages
/// them `limit` at a time after the previous page's last account.
fn accounts(
    conn: &Connection,
    f: &Filters,
    who: Visibility<'_>,
    limit: usize,
) -> Vec<(String, i64, i64, i64)> {
    let mut out = Vec::new();
    let mut after: Option<(i64, String)> = None;
    loop {
        let b = query::accounts(
            f,
            None,
            who,
            after.as_ref().map(|(l, k)| (*l, k.as_str())),
            limit + 1,
        )
        .unwrap();
        let rows = sqlite::rows(conn, &b);
        let n = |v: &Value| match v {
            Value::Integer(n) => *n,
            _ => -1,
        };
        for r in rows.iter().take(limit) {
            out.push((text(&r[1]), n(&r[2]), n(&r[3]), n(&r[4])));
        }
        if rows.len() <= limit {
            return out;
        }
        let last = &rows[limit - 1];
        after = Some((n(&last[4]), text(&last[0])));
    }
}

/// The ids of the calls of the accounts whose name holds `contains`, newest
/// first, as [`super::Library::account_calls`] reads them: the one
/// account's statement when one account matches (the same calls as the
/// statement for several).
fn account_calls(conn: &Connection, contains: &str) -> Vec<String> {
    let (f, who) = (Filters::default(), Visibility::default());
    let ids = |b| -> Vec<String> { sqlite::rows(conn, &b).iter().map(|r| text(&r[0])).collect() };
    let all = ids(query::account_calls(contains, &f, who, None, 100).unwrap());
    let keys = ids(query::account_keys(contains, 2).unwrap());
    if let [key] = keys.as_slice() {
        let one = ids(query::one_account_calls(key, &f, who, None, 100).unwrap());
        assert_eq!(one, all);
    }
    all
}

const DAY: i64 = 86_400_000;
const T0: i64 = 1_710_000_000_000;

#[test]
fn the_summary_follows_writes_and_removals() {
    let conn = sqlite::migrated();
    let all = Visibility {
        private: true,
        participant: None,
    };
    let public = Visibility::default();
    let none = Filters::default();
    write(&conn, &call(1, T0, false, "globex.com", false));
    write(&conn, &call(2, T0 + DAY, false, "initech.com", false));
    write(&conn, &call(3, T0 + 2 * DAY, false, "globex.com", false));
    write(&conn, &call(4, T0 + 3 * DAY, false, "globex.com", true));
    // Most recently met first, page after page (one account a page too).
    let expected = vec![
        ("Globex".to_owned(), 2, T0, T0 + 2 * DAY),
        ("Initech".to_owned(), 1, T0 + DAY, T0 + DAY),
    ];
    assert_eq!(accounts(&conn, &none, public, 100), expected);
    assert_eq!(accounts(&conn, &none, public, 1), expected);
    // The private call counts only where private calls are shown.
    assert_eq!(
        accounts(&conn, &none, all, 100)[0],
        ("Globex".to_owned(), 3, T0, T0 + 3 * DAY)
    );
    // A write of the same call again changes nothing.
    write(&conn, &call(3, T0 + 2 * DAY, false, "globex.com", false));
    assert_eq!(accounts(&conn, &none, public, 100), expected);
    // Removing the last call: the last call is looked up again.
    remove(&conn, 3);
    assert_eq!(
        accounts(&conn, &none, public, 100),
        [
            ("Initech".to_owned(), 1, T0 + DAY, T0 + DAY),
            ("Globex".to_owned(), 1, T0, T0),
        ]
    );
    // A call that moves to another account leaves the first.
    write(&conn, &call(1, T0, false, "initech.com", false));
    assert_eq!(
        accounts(&conn, &none, public, 100),
        [("Initech".to_owned(), 2, T0, T0 + DAY)]
    );
    // A range: the calls in it, from the same summary.
    let range = Filters {
        from_ms: Some(T0 + DAY / 2),
        to_ms: Some(T0 + 10 * DAY),
        ..Filters::default()
    };
    assert_eq!(
        accounts(&conn, &range, all, 1),
        [
            ("Globex".to_owned(), 1, T0 + 3 * DAY, T0 + 3 * DAY),
            ("Initech".to_owned(), 1, T0 + DAY, T0 + DAY),
        ]
    );
    remove(&conn, 1);
    remove(&conn, 2);
    remove(&conn, 4);
    assert!(accounts(&conn, &none, all, 100).is_empty());
    let left: i64 = conn
        .query_row("SELECT count(*) FROM accounts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0);
}

#[test]
fn a_call_named_from_email_joins_the_crm_account_of_its_domain() {
    let conn = sqlite::migrated();
    let public = Visibility::default();
    let none = Filters::default();
    // Acme by email only: its own account.
    write(&conn, &call(1, T0, false, "acme.co.uk", false));
    write(&conn, &call(2, T0 + DAY, false, "globex.com", false));
    assert_eq!(
        accounts(&conn, &none, public, 100),
        [
            ("Globex".to_owned(), 1, T0 + DAY, T0 + DAY),
            ("Acme".to_owned(), 1, T0, T0),
        ]
    );
    // The CRM names acme.co.uk's customer on another call: one account.
    write(&conn, &call(3, T0 + 2 * DAY, true, "acme.co.uk", false));
    assert_eq!(
        accounts(&conn, &none, public, 100),
        [
            ("Acme Corporation Ltd".to_owned(), 2, T0, T0 + 2 * DAY),
            ("Globex".to_owned(), 1, T0 + DAY, T0 + DAY),
        ]
    );
    assert_eq!(account_calls(&conn, "acme corporation"), ["3", "1"]);
    assert!(account_calls(&conn, "globex").contains(&"2".to_owned()));
    // A later call without CRM context joins at once.
    write(&conn, &call(4, T0 + 3 * DAY, false, "acme.co.uk", false));
    assert_eq!(
        account_calls(&conn, "acme corporation ltd"),
        ["4", "3", "1"]
    );
    // Without the CRM call, the email name is the account again.
    remove(&conn, 3);
    assert_eq!(
        accounts(&conn, &none, public, 100),
        [
            ("Acme".to_owned(), 2, T0, T0 + 3 * DAY),
            ("Globex".to_owned(), 1, T0 + DAY, T0 + DAY),
        ]
    );
    assert!(account_calls(&conn, "corporation").is_empty());
    // The search filter on the account sees the merge too.
    write(&conn, &call(3, T0 + 2 * DAY, true, "acme.co.uk", false));
    let name: String = conn
        .query_row("SELECT account FROM calls WHERE id = '4'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(name, "Acme Corporation Ltd");
}

#[test]
fn the_migration_builds_the_summary_for_the_calls_already_there() {
    let conn = Connection::open_in_memory().unwrap();
    let files = sqlite::migrations();
    let (before, after): (Vec<_>, Vec<_>) = files.iter().partition(|f| {
        f.file_name()
            .is_some_and(|n| *n.to_string_lossy() < *"0004")
    });
    assert!(!after.is_empty());
    for f in before {
        conn.execute_batch(&std::fs::read_to_string(f).unwrap())
            .unwrap();
    }
    // Rows as the library wrote them before 0004 (account and key set).
    for (id, key, started, private) in [
        ("1", "acme", T0, 0),
        ("2", "acme", T0 + DAY, 1),
        ("3", "globex", T0 + 2 * DAY, 0),
    ] {
        conn.execute(
            "INSERT INTO calls (id, started, account, account_key, is_private, digest, synced_at, indexed)
             VALUES (?1, ?2, upper(?3), ?3, ?4, '', 0, 1)",
            rusqlite::params![id, started, key, private],
        )
        .unwrap();
    }
    for f in after {
        conn.execute_batch(&std::fs::read_to_string(f).unwrap())
            .unwrap();
    }
    let all = Visibility {
        private: true,
        participant: None,
    };
    assert_eq!(
        accounts(&conn, &Filters::default(), all, 100),
        [
            ("GLOBEX".to_owned(), 1, T0 + 2 * DAY, T0 + 2 * DAY),
            ("ACME".to_owned(), 2, T0, T0 + DAY),
        ]
    );
    assert_eq!(
        accounts(&conn, &Filters::default(), Visibility::default(), 100)[1],
        ("ACME".to_owned(), 1, T0, T0)
    );
    // And their index version is older: the sync indexes them again,
    // which gives them their domain and CRM flag.
    let stale = sqlite::rows(&conn, &query::stale(10).unwrap());
    assert_eq!(
        stale.len(),
        0,
        "stale reads call_json, which these rows lack"
    );
    let n: i64 = conn
        .query_row(
            "SELECT count(*) FROM calls WHERE indexed < ?1",
            [super::INDEX_VERSION],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 3);
}

/// The work of reading the people met of an accounts page, in SQLite's
/// virtual machine steps (`ACCOUNT_PEOPLE` run as the page runs it), with
/// its people; an account of `n` calls of Globex, the oldest of which alone
/// has Olga Old on it.
fn people_work(n: u64) -> (i32, Vec<String>) {
    let conn = sqlite::migrated();
    for i in 0..n {
        let mut r = call(i + 1, T0 + i as i64 * 60_000, false, "globex.com", false);
        if i == 0 {
            let mut c: Json = serde_json::from_str(&r.extensive).unwrap();
            c["parties"]
                .as_array_mut()
                .unwrap()
                .push(serde_json::json!({
                    "id": "9", "name": "Olga Old", "emailAddress": "olga@globex.com",
                    "affiliation": "External"
                }));
            r = Record::from_raw(&c.to_string(), None, &["seller.io".to_owned()]).unwrap();
        }
        write(&conn, &r);
    }
    let keys = vec!["globex".to_owned()];
    let b = query::account_people(&keys, &Filters::default(), Visibility::default(), 25).unwrap();
    let mut st = conn.prepare(&b.sql).unwrap();
    let people: Vec<String> = st
        .query_map(rusqlite::params_from_iter(sqlite::values(&b)), |row| {
            row.get::<_, Option<String>>(1)
        })
        .unwrap()
        .map(|p| p.unwrap().unwrap_or_default())
        .collect();
    let steps = st.get_status(rusqlite::StatementStatus::VmStep);
    (steps, people)
}

#[test]
fn a_pages_people_cost_the_same_whatever_an_accounts_history() {
    // Within the newest calls read, Olga Old is met.
    let (few, people) = people_work(50);
    assert!(people.iter().any(|p| p == "Olga Old"), "{people:?}");
    // Past them her call is not read, and the work is that of the newest
    // PEOPLE_FROM_CALLS calls, whatever the account holds.
    let n = sql::PEOPLE_FROM_CALLS as u64;
    let (at_cap, _) = people_work(n);
    let (six_times, people) = people_work(6 * n);
    assert!(!people.iter().any(|p| p == "Olga Old"), "{people:?}");
    assert!(few < at_cap, "{few} steps for 50 calls, {at_cap} for {n}");
    assert!(
        f64::from(six_times) < 1.1 * f64::from(at_cap),
        "{six_times} steps for {} calls, {at_cap} for {n}",
        6 * n
    );
}
