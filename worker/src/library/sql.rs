//! The library's SQL: every statement, written with named parameters
//! (`:from`, `:to`, …), and the one way to bind them ([`bind`]): names
//! become D1's positional `?1`, `?2`, … in order of first use, and the
//! values are taken by name, so a statement is never renumbered when a
//! filter is added. A name without a value, or a value no name uses, is an
//! error (and a test binds every statement here, pure, with no D1).

use super::{Filters, Record, Visibility, INDEX_VERSION, RANK_BOUND};

/// A value bound to a statement.
#[derive(Clone, Debug, PartialEq)]
pub enum Param {
    /// SQL NULL.
    Null,
    /// An integer (D1 takes JavaScript numbers: within ±2^53).
    Int(i64),
    /// Text.
    Text(String),
}

impl Param {
    /// Text, or NULL for `None`.
    pub fn opt(s: Option<&str>) -> Param {
        s.map_or(Param::Null, |s| Param::Text(s.to_owned()))
    }
}

impl From<&str> for Param {
    fn from(s: &str) -> Param {
        Param::Text(s.to_owned())
    }
}

impl From<&String> for Param {
    fn from(s: &String) -> Param {
        Param::Text(s.clone())
    }
}

impl From<i64> for Param {
    fn from(n: i64) -> Param {
        Param::Int(n)
    }
}

impl From<usize> for Param {
    fn from(n: usize) -> Param {
        Param::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<bool> for Param {
    fn from(b: bool) -> Param {
        Param::Int(i64::from(b))
    }
}

/// A statement ready for D1: its SQL with positional parameters, and the
/// values in their order.
#[derive(Clone, Debug, PartialEq)]
pub struct Bound {
    /// The statement as written (one of [`STATEMENTS`]).
    pub source: &'static str,
    /// The SQL D1 runs (`?1`, `?2`, …).
    pub sql: String,
    /// `?1`'s value first.
    pub values: Vec<Param>,
}

/// A named parameter's value.
pub type Named<'a> = (&'a str, Param);

/// `sql` with its `:name` parameters rewritten to `?1`, `?2`, … (in order
/// of first use; a name used twice is one parameter), and the values taken
/// from `values` by name. Quoted text (`'…'`, `"…"`) is left as it is.
///
/// # Errors
///
/// A parameter with no value, a value that no parameter uses, a name given
/// twice, or a positional `?` in `sql` (every parameter is named here).
pub fn bind(source: &'static str, values: &[Named<'_>]) -> Result<Bound, String> {
    for (i, (name, _)) in values.iter().enumerate() {
        if values[..i].iter().any(|(other, _)| other == name) {
            return Err(format!(":{name} is given twice"));
        }
    }
    let mut sql = String::with_capacity(source.len());
    let mut order: Vec<&str> = Vec::new();
    let mut quote: Option<char> = None;
    let mut chars = source.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '?') => return Err(format!("a positional parameter at byte {i}: name it")),
            (None, ':')
                if chars
                    .peek()
                    .is_some_and(|(_, c)| c.is_ascii_alphabetic() || *c == '_') =>
            {
                let start = i + 1;
                let mut end = start;
                while let Some((j, c)) = chars.peek().copied() {
                    if c.is_ascii_alphanumeric() || c == '_' {
                        end = j + 1;
                        chars.next();
                    } else {
                        break;
                    }
                }
                let name = &source[start..end];
                let n = match order.iter().position(|o| *o == name) {
                    Some(k) => k + 1,
                    None => {
                        order.push(name);
                        order.len()
                    }
                };
                sql.push_str(&format!("?{n}"));
                continue;
            }
            _ => {}
        }
        sql.push(c);
    }
    if quote.is_some() {
        return Err("an unclosed quote".into());
    }
    let mut bound = Vec::with_capacity(order.len());
    for name in &order {
        match values.iter().find(|(n, _)| n == name) {
            Some((_, v)) => bound.push(v.clone()),
            None => return Err(format!(":{name} has no value")),
        }
    }
    if let Some((unused, _)) = values.iter().find(|(n, _)| !order.contains(n)) {
        return Err(format!(
            ":{unused} is given but the statement does not use it"
        ));
    }
    Ok(Bound {
        source,
        sql,
        values: bound,
    })
}

/// The SQL that keeps a query (over `calls AS c`) to what the filters and
/// the visibility allow ([`filter_values`] gives its values).
macro_rules! filters {
    () => {
        "c.started >= :from AND c.started < :to
  AND (:account_contains IS NULL OR instr(c.account_key, :account_contains) > 0)
  AND (:email IS NULL OR EXISTS (SELECT 1 FROM parties AS p WHERE p.call_id = c.id AND p.email_key = :email))
  AND (:name_key IS NULL OR EXISTS (SELECT 1 FROM parties AS p WHERE p.call_id = c.id AND instr(p.name_key, :name_key) > 0))
  AND (:private = 1 OR c.is_private = 0)
  AND (:participant IS NULL OR (:participant <> '' AND EXISTS (SELECT 1 FROM parties AS p WHERE p.call_id = c.id AND p.email_key = :participant)))"
    };
}

/// The values of `filters!()`.
pub fn filter_values(f: &Filters, who: Visibility<'_>) -> Vec<Named<'static>> {
    vec![
        ("from", f.from_ms.unwrap_or(MIN_MS).into()),
        ("to", f.to_ms.unwrap_or(MAX_MS).into()),
        (
            "account_contains",
            Param::opt(f.account_contains.as_deref()),
        ),
        ("email", Param::opt(f.email.as_deref())),
        ("name_key", Param::opt(f.name_key.as_deref())),
        ("private", who.private.into()),
        ("participant", Param::opt(who.participant)),
    ]
}

/// The people an account lists are those of its newest this many calls.
pub const PEOPLE_FROM_CALLS: usize = 200;

/// The earliest and latest instants a filter takes (JavaScript's safe integers).
pub const MIN_MS: i64 = -(1 << 53);
/// See [`MIN_MS`].
pub const MAX_MS: i64 = 1 << 53;

/// One call with Gong's JSON (the transcript, or the R2 key it is under).
pub const GET: &str = "SELECT c.id, c.started, c.is_private, j.extensive, j.transcript, j.blob
 FROM calls AS c JOIN call_json AS j ON j.id = c.id WHERE c.id = :id";
/// How many calls the library holds.
pub const COUNT: &str = "SELECT count(*) AS n FROM calls";
/// A call's row.
/// (Its account is resolved by the triggers of migration 0004 once
/// [`SET_INDEXED`] gives the call's own.)
pub const UPSERT_CALL: &str = "INSERT INTO calls (id, started, title, participants, brief, key_points, is_private, digest, synced_at)
 VALUES (:id, :started, :title, :participants, :brief, :key_points, :is_private, :digest, :synced_at)
 ON CONFLICT (id) DO UPDATE SET started = excluded.started, title = excluded.title,
   participants = excluded.participants, brief = excluded.brief,
   key_points = excluded.key_points, is_private = excluded.is_private,
   digest = excluded.digest, synced_at = excluded.synced_at";
/// A call's Gong JSON: the transcript here, or the R2 key it is under.
pub const UPSERT_JSON: &str = "INSERT INTO call_json (id, extensive, transcript, blob, turns_blob)
 VALUES (:id, :extensive, :transcript, :blob, :turns_blob)
 ON CONFLICT (id) DO UPDATE SET extensive = excluded.extensive, transcript = excluded.transcript,
   blob = excluded.blob, turns_blob = excluded.turns_blob";
/// A change for the export: the call written.
pub const LOG_WRITE: &str =
    "INSERT INTO changes (call_id, deleted, at, emails, private) VALUES (:id, 0, :at, :emails, :private)";
/// A call's own account (its name, folded key, customer domain and whether
/// the CRM names it) and index version; the triggers of migration 0004
/// resolve the account it belongs to (the merge) from these.
pub const SET_INDEXED: &str = "UPDATE calls SET own_account = :account, own_key = :account_key,
   account_domain = :domain, crm = :crm, indexed = :version WHERE id = :id";
/// A call's index row, removed.
pub const DELETE_FTS: &str =
    "DELETE FROM calls_fts WHERE rowid = (SELECT rid FROM calls WHERE id = :id)";
/// A call's index row.
pub const INSERT_FTS: &str =
    "INSERT INTO calls_fts (rowid, title, account, people, summary, internal, external)
 SELECT rid, :title, :account, :people, :summary, :internal, :external FROM calls WHERE id = :id";
/// A call's participants, removed.
pub const DELETE_PARTIES: &str = "DELETE FROM parties WHERE call_id = :id";
/// A call's participants, from their JSON.
pub const INSERT_PARTIES: &str = "INSERT INTO parties (call_id, name, email, name_key, email_key, affiliation)
 SELECT :id, json_extract(value, '$.name'), json_extract(value, '$.email'), json_extract(value, '$.nameKey'),
        json_extract(value, '$.emailKey'), json_extract(value, '$.affiliation')
 FROM json_each(:parties)";
/// Calls indexed with an older index version, in the order of their index
/// (`calls_indexed`): an idle library answers from one index page.
pub const STALE: &str = "SELECT c.id, c.started, c.is_private, j.extensive, j.transcript, j.blob
 FROM calls AS c JOIN call_json AS j ON j.id = c.id WHERE c.indexed < :version ORDER BY c.indexed, c.rid LIMIT :limit";
/// A call marked as indexed (without index rows).
pub const MARK_INDEXED: &str = "UPDATE calls SET indexed = :version WHERE id = :id";
/// How many calls wait to be indexed.
pub const UNINDEXED: &str = "SELECT count(*) AS n FROM calls WHERE indexed < :version";
/// The digests of these calls (a JSON array of ids).
pub const DIGESTS: &str =
    "SELECT id, digest FROM calls WHERE id IN (SELECT value FROM json_each(:ids))";
/// Which of these calls the library has.
pub const PRESENT: &str = "SELECT id FROM calls WHERE id IN (SELECT value FROM json_each(:ids))";
/// A change for the export: the call removed, with who could see it.
pub const LOG_REMOVAL: &str = "INSERT INTO changes (call_id, deleted, at, emails, private)
 SELECT :id, 1, :at,
   (SELECT json_group_array(email_key) FROM parties WHERE call_id = :id AND coalesce(email_key, '') <> ''),
   (SELECT is_private FROM calls WHERE id = :id)";
/// A call removed (the triggers take its other rows).
pub const DELETE_CALL: &str = "DELETE FROM calls WHERE id = :id";
/// The ids of calls that started in a range.
pub const IDS_BETWEEN: &str = "SELECT id FROM calls WHERE started >= :from AND started < :to";
/// Calls in a range, oldest first, after a call.
/// (Only calls the caller may see, so a page and its cursor never stand
/// on a call they may not.)
pub const LIST: &str = "SELECT c.id, c.started, c.is_private, j.extensive, NULL AS transcript
 FROM calls AS c JOIN call_json AS j ON j.id = c.id
 WHERE c.started >= :from AND c.started < :to AND (c.started > :after_started OR (c.started = :after_started AND c.id > :after_id))
   AND (:private = 1 OR c.is_private = 0)
   AND (:participant IS NULL OR (:participant <> '' AND EXISTS (SELECT 1 FROM parties AS p WHERE p.call_id = c.id AND p.email_key = :participant)))
 ORDER BY c.started, c.id LIMIT :limit";
/// The oldest calls that started before a moment (retention: what
/// `LIBRARY_RETENTION_DAYS` no longer keeps), a page at a time through
/// `calls_started`.
pub const OLDER_THAN: &str =
    "SELECT id FROM calls WHERE started < :before ORDER BY started, id LIMIT :limit";
/// The covered range, its start moved up to a moment (retention: the
/// removed range is read from Gong again).
pub const TRIM_COVERAGE: &str =
    "UPDATE coverage SET from_ms = :from WHERE id = 1 AND from_ms < :from";
/// The covered range, gone when trimming left nothing of it.
pub const DROP_EMPTY_COVERAGE: &str = "DELETE FROM coverage WHERE id = 1 AND to_ms <= from_ms";
/// The covered range.
pub const COVERAGE: &str = "SELECT from_ms, to_ms FROM coverage WHERE id = 1";
/// The covered range, set.
pub const COVER: &str = "INSERT INTO coverage (id, from_ms, to_ms) VALUES (1, :from, :to)
 ON CONFLICT (id) DO UPDATE SET from_ms = excluded.from_ms, to_ms = excluded.to_ms";
/// A page of search hits, best first, each with the count of all (up to
/// :bound). Ranking is bounded: FTS5 gives the matches newest-written
/// first (by rowid, which needs no score) and stops at :bound of them that
/// pass the filters; only those are scored by bm25 and sorted. A common
/// word over a million calls so costs :bound scores, not a million.
pub const SEARCH: &str = concat!(
    "SELECT id, title, account, started, rank, count(*) OVER () AS total FROM (
   SELECT c.id, c.title, c.account, c.started, bm25(calls_fts, 10.0, 10.0, 4.0, 2.0, 1.0, 1.0) AS rank
   FROM calls_fts JOIN calls AS c ON c.rid = calls_fts.rowid
   WHERE calls_fts MATCH :fts AND ",
    filters!(),
    "
   ORDER BY calls_fts.rowid DESC LIMIT :bound)
 ORDER BY rank, id LIMIT :limit OFFSET :offset"
);
/// How many calls a search matches, up to a cap.
pub const SEARCH_COUNT: &str = concat!(
    "SELECT count(*) AS n FROM (SELECT 1 FROM calls_fts JOIN calls AS c ON c.rowid = calls_fts.rowid
 WHERE calls_fts MATCH :fts AND ",
    filters!(),
    " LIMIT :cap)"
);
/// The keyset of an accounts page: after the account `(last, key)`.
macro_rules! after_account {
    ($last:literal, $key:literal) => {
        concat!(
            $last,
            " <= :after_last AND (",
            $last,
            " < :after_last OR ",
            $key,
            " > :after_key)"
        )
    };
}

/// Accounts, the most recently met first, after an account: a page of the
/// summary table in the order of its index (no range, no participant).
pub const ACCOUNTS: &str = concat!(
    "SELECT a.key, a.name, a.calls, a.first, a.last FROM accounts AS a
 WHERE a.scope = :private AND (:contains IS NULL OR instr(a.key, :contains) > 0) AND ",
    after_account!("a.last", "a.key"),
    "
 ORDER BY a.last DESC, a.key LIMIT :limit"
);
/// Accounts with calls in a range, the most recently met there first,
/// after an account: each account of the summary whose calls span the
/// range has its last call there looked up through `calls_account_scope`;
/// counts, first call and name are read for the page's accounts only.
pub const ACCOUNTS_IN_RANGE: &str = concat!(
    "SELECT p.key,
   (SELECT c.account FROM calls AS c WHERE c.account_key = p.key AND c.is_private IN (0, :private)
      AND c.started >= :from AND c.started < :to ORDER BY c.started DESC LIMIT 1) AS name,
   (SELECT count(*) FROM calls AS c WHERE c.account_key = p.key AND c.is_private IN (0, :private)
      AND c.started >= :from AND c.started < :to) AS calls,
   (SELECT min(c.started) FROM calls AS c WHERE c.account_key = p.key AND c.is_private IN (0, :private)
      AND c.started >= :from AND c.started < :to) AS first,
   p.last
 FROM (SELECT a.key, (SELECT max(c.started) FROM calls AS c WHERE c.account_key = a.key
         AND c.is_private IN (0, :private) AND c.started >= :from AND c.started < :to) AS last
       FROM accounts AS a
       WHERE a.scope = :private AND a.first < :to AND a.last >= :from
         AND (:contains IS NULL OR instr(a.key, :contains) > 0)) AS p
 WHERE p.last IS NOT NULL AND ",
    after_account!("p.last", "p.key"),
    "
 ORDER BY p.last DESC, p.key LIMIT :limit"
);
/// Accounts of one participant's calls (under `ACCESS_POLICY=participant`),
/// after an account: grouped from that participant's calls, found through
/// `parties_email`.
pub const ACCOUNTS_OF_PARTICIPANT: &str = concat!(
    "SELECT key, name, calls, first, last FROM (
   SELECT c.account_key AS key, count(*) AS calls, min(c.started) AS first, max(c.started) AS last,
     (SELECT c2.account FROM calls AS c2 JOIN parties AS p2 ON p2.call_id = c2.id AND p2.email_key = :participant
      WHERE c2.account_key = c.account_key AND c2.is_private IN (0, :private)
        AND c2.started >= :from AND c2.started < :to ORDER BY c2.started DESC LIMIT 1) AS name
   FROM parties AS p JOIN calls AS c ON c.id = p.call_id
   WHERE p.email_key = :participant AND :participant <> '' AND c.account_key IS NOT NULL
     AND c.is_private IN (0, :private) AND c.started >= :from AND c.started < :to
     AND (:contains IS NULL OR instr(c.account_key, :contains) > 0)
   GROUP BY c.account_key)
 WHERE ",
    after_account!("last", "key"),
    "
 ORDER BY last DESC, key LIMIT :limit"
);
/// The people not on the seller's side in these accounts' calls: of each
/// account's newest :recent calls in the range (through
/// `calls_account_key`), so a page costs the same whatever an account's
/// history.
pub const ACCOUNT_PEOPLE: &str = "SELECT key, name, email FROM (
   SELECT a.value AS key, max(q.name) AS name, max(q.email) AS email,
     row_number() OVER (PARTITION BY a.value ORDER BY count(*) DESC, max(q.name)) AS k
   FROM json_each(:keys) AS a
   JOIN calls AS c ON c.id IN (
     SELECT r.id FROM calls AS r
     WHERE r.account_key = a.value AND r.started >= :from AND r.started < :to
       AND (:private = 1 OR r.is_private = 0)
       AND (:participant IS NULL OR (:participant <> '' AND EXISTS (SELECT 1 FROM parties AS p WHERE p.call_id = r.id AND p.email_key = :participant)))
     ORDER BY r.started DESC LIMIT :recent)
   JOIN parties AS q ON q.call_id = c.id
   WHERE coalesce(q.affiliation, '') <> 'Internal'
   GROUP BY a.value, coalesce(q.email_key, q.name_key))
 WHERE k <= :per_account ORDER BY key, name";
/// Calls the filters allow, newest first, before a call (an account's, a
/// participant's).
pub const CALLS_NEWEST_FIRST: &str = concat!(
    "SELECT c.id, c.started, c.is_private, j.extensive, NULL AS transcript
 FROM calls AS c JOIN call_json AS j ON j.id = c.id
 WHERE ",
    filters!(),
    "
   AND (c.started < :before_started OR (c.started = :before_started AND (:before_id = '' OR c.id < :before_id)))
 ORDER BY c.started DESC, c.id DESC LIMIT :limit"
);
/// The calls of the accounts whose folded name holds :contains, newest
/// first, before a call: the accounts come from the summary (a scan of
/// accounts, not calls), their calls through `calls_account_key`.
pub const ACCOUNT_CALLS: &str = "SELECT c.id, c.started, c.is_private, j.extensive, NULL AS transcript
 FROM calls AS c JOIN call_json AS j ON j.id = c.id
 WHERE c.account_key IN (SELECT a.key FROM accounts AS a WHERE a.scope = 1 AND instr(a.key, :contains) > 0)
   AND c.started >= :from AND c.started < :to AND c.is_private IN (0, :private)
   AND (:participant IS NULL OR (:participant <> '' AND EXISTS (SELECT 1 FROM parties AS p WHERE p.call_id = c.id AND p.email_key = :participant)))
   AND (c.started < :before_started OR (c.started = :before_started AND (:before_id = '' OR c.id < :before_id)))
 ORDER BY c.started DESC, c.id DESC LIMIT :limit";
/// These accounts' calls in the range that the visibility allows, counted
/// (calls, first and last start), one row for each account that has any:
/// what another period adds to an account of a page over several periods
/// (`library::router`). Read through `calls_account_scope`, the page's
/// accounts' calls only.
pub const ACCOUNT_TOTALS: &str = "SELECT c.account_key AS key, NULL AS name, count(*) AS calls,
   min(c.started) AS first, max(c.started) AS last
 FROM json_each(:keys) AS a JOIN calls AS c ON c.account_key = a.value
 WHERE c.is_private IN (0, :private) AND c.started >= :from AND c.started < :to
   AND (:participant IS NULL OR (:participant <> '' AND EXISTS (SELECT 1 FROM parties AS p WHERE p.call_id = c.id AND p.email_key = :participant)))
 GROUP BY c.account_key";
/// The keys of the accounts whose folded name holds :contains (the
/// summary, not calls), at most :limit.
pub const ACCOUNT_KEYS: &str = "SELECT a.key FROM accounts AS a
 WHERE a.scope = 1 AND instr(a.key, :contains) > 0 ORDER BY a.key LIMIT :limit";
/// One account's calls, newest first, before a call: in the order of
/// `calls_account_key`, so a page reads a page of rows (the visibility is
/// tested on each, not used to pick the index).
pub const ONE_ACCOUNT_CALLS: &str = "SELECT c.id, c.started, c.is_private, j.extensive, NULL AS transcript
 FROM calls AS c JOIN call_json AS j ON j.id = c.id
 WHERE c.account_key = :key AND c.started >= :from AND c.started < :to
   AND (:private = 1 OR c.is_private = 0)
   AND (:participant IS NULL OR (:participant <> '' AND EXISTS (SELECT 1 FROM parties AS p WHERE p.call_id = c.id AND p.email_key = :participant)))
   AND (c.started < :before_started OR (c.started = :before_started AND (:before_id = '' OR c.id < :before_id)))
 ORDER BY c.started DESC, c.id DESC LIMIT :limit";
/// The changes after a position, each call's newest only.
pub const CHANGES: &str = "SELECT ch.seq, ch.call_id AS id, ch.deleted,
   (ch.deleted = 0 AND EXISTS (SELECT 1 FROM calls AS c WHERE c.id = ch.call_id
      AND (:private = 1 OR c.is_private = 0)
      AND (:participant IS NULL OR (:participant <> '' AND EXISTS (SELECT 1 FROM parties AS p WHERE p.call_id = c.id AND p.email_key = :participant))))) AS current,
   EXISTS (SELECT 1 FROM changes AS o WHERE o.call_id = ch.call_id
      AND (:private = 1 OR coalesce(o.private, 0) = 0)
      AND (:participant IS NULL OR (:participant <> '' AND EXISTS (SELECT 1 FROM json_each(coalesce(o.emails, '[]')) WHERE value = :participant OR value = :participant_tag)))) AS shown,
   EXISTS (SELECT 1 FROM erased AS e WHERE e.id = ch.call_id) AS erased
 FROM changes AS ch
 WHERE ch.seq > :after AND NOT EXISTS (SELECT 1 FROM changes AS later WHERE later.call_id = ch.call_id AND later.seq > ch.seq)
 ORDER BY ch.seq LIMIT :limit";
/// These calls with Gong's JSON (the transcript, or the R2 key it is under).
pub const GET_MANY: &str = "SELECT c.id, c.started, c.is_private, j.extensive, j.transcript, j.blob, j.turns_blob
 FROM calls AS c JOIN call_json AS j ON j.id = c.id WHERE c.id IN (SELECT value FROM json_each(:ids))";

/// The sync: ids a job saw Gong list (a page at a time).
pub const LISTED_ADD: &str =
    "INSERT OR IGNORE INTO sync_listed (id) SELECT value FROM json_each(:ids)";
/// The sync: the library's calls in the job's range that Gong did not list,
/// one anti-join a window at a time: the next :window calls after
/// `(started, id)` (keyset on `calls_started`, so no window re-reads the
/// one before) are examined, and up to :limit of them not listed are
/// returned (`examined` 0), then the window's last call with how many it
/// examined (`examined` ≥ 1; no such row: the range is done). A step's work
/// is the window's, whatever the range holds.
pub const UNLISTED: &str = "WITH w AS (SELECT c.id, c.started FROM calls AS c
   WHERE c.started >= :from AND c.started < :to AND (c.started, c.id) > (:after_started, :after_id)
   ORDER BY c.started, c.id LIMIT :window)
 SELECT id, started, 0 AS examined FROM (SELECT w.id, w.started FROM w
   WHERE NOT EXISTS (SELECT 1 FROM sync_listed AS l WHERE l.id = w.id) ORDER BY w.started, w.id LIMIT :limit)
 UNION ALL
 SELECT id, started, (SELECT count(*) FROM w) AS examined FROM (SELECT w.id, w.started FROM w ORDER BY w.started DESC, w.id DESC LIMIT 1)";
/// The sync: a job starts or ends.
pub const LISTED_CLEAR: &str = "DELETE FROM sync_listed";
/// The sync: where a reconcile slice ending at :before starts, the start of
/// the :skip + 1th call before it, newest first (`calls_started`: the
/// slice's index entries only); none when the range holds fewer.
pub const SLICE_START: &str = "SELECT started FROM calls
 WHERE started >= :from AND started < :before ORDER BY started DESC LIMIT 1 OFFSET :skip";
/// Which of these calls are erased (a JSON array of ids).
pub const ERASED_AMONG: &str =
    "SELECT id FROM erased WHERE id IN (SELECT value FROM json_each(:ids))";
/// The emails a call's changes and participants name (what an erasure
/// rewrites as keyed hashes).
pub const ERASURE_EMAILS: &str = "SELECT value AS email FROM changes AS ch, json_each(coalesce(ch.emails, '[]')) WHERE ch.call_id = :id
 UNION SELECT email_key FROM parties WHERE call_id = :id AND coalesce(email_key, '') <> ''";
/// A call's changes with their emails replaced (a JSON array of keyed hashes).
pub const SCRUB_CHANGES: &str = "UPDATE changes SET emails = :emails WHERE call_id = :id";
/// A call remembered as erased.
pub const ERASE: &str = "INSERT INTO erased (id, at) VALUES (:id, :at)
 ON CONFLICT (id) DO UPDATE SET at = excluded.at";
/// A call no longer erased.
pub const RESTORE: &str = "DELETE FROM erased WHERE id = :id";
/// The account merge's choice for a domain in this database: its newest
/// CRM call's own account (the router asks each period, newest first).
pub const DOMAIN_CRM: &str = "SELECT own_account AS name, own_key AS key FROM calls
 WHERE account_domain = :domain AND crm = 1 ORDER BY started DESC LIMIT 1";
/// The domains of these calls (a JSON array of ids) that are CRM calls:
/// whose calls without CRM context the router resolves again after the
/// removal.
pub const CRM_DOMAINS_OF: &str = "SELECT DISTINCT account_domain AS domain FROM calls
 WHERE id IN (SELECT value FROM json_each(:ids)) AND crm = 1 AND account_domain IS NOT NULL";
/// The account merge over periods: a domain's calls without CRM context
/// take the account of the domain's newest CRM call in any period (NULL:
/// there is none, their own); what the triggers of migration 0004 do
/// within one database.
pub const RESOLVE_DOMAIN: &str = "UPDATE calls
 SET account = coalesce(:name, own_account), account_key = coalesce(:key, own_key)
 WHERE account_domain = :domain AND crm = 0
   AND (account_key IS NOT coalesce(:key, own_key) OR account IS NOT coalesce(:name, own_account))";

/// The R2 keys these calls' rows name (a JSON array of ids).
pub const BLOB_KEYS: &str = "SELECT id, blob, turns_blob FROM call_json
 WHERE id IN (SELECT value FROM json_each(:ids)) AND (blob IS NOT NULL OR turns_blob IS NOT NULL)";
/// Transcripts D1 still holds (to move to R2), through `call_json_inline`.
pub const INLINE: &str = "SELECT id, extensive, transcript FROM call_json
 WHERE transcript IS NOT NULL LIMIT :limit";
/// A transcript (and its turns) moved to R2: the row names their keys, if
/// it still holds that transcript.
pub const MOVE_OUT: &str =
    "UPDATE call_json SET blob = :blob, turns_blob = :turns_blob, transcript = NULL
 WHERE id = :id AND transcript = :transcript";

/// Every statement of the library.
pub const STATEMENTS: &[&str] = &[
    LISTED_ADD,
    UNLISTED,
    LISTED_CLEAR,
    SLICE_START,
    GET,
    COUNT,
    UPSERT_CALL,
    UPSERT_JSON,
    LOG_WRITE,
    SET_INDEXED,
    DELETE_FTS,
    INSERT_FTS,
    DELETE_PARTIES,
    INSERT_PARTIES,
    STALE,
    MARK_INDEXED,
    UNINDEXED,
    DIGESTS,
    PRESENT,
    LOG_REMOVAL,
    DELETE_CALL,
    IDS_BETWEEN,
    LIST,
    OLDER_THAN,
    TRIM_COVERAGE,
    DROP_EMPTY_COVERAGE,
    COVERAGE,
    COVER,
    SEARCH,
    SEARCH_COUNT,
    ACCOUNTS,
    ACCOUNTS_IN_RANGE,
    ACCOUNTS_OF_PARTICIPANT,
    ACCOUNT_PEOPLE,
    ACCOUNT_TOTALS,
    ACCOUNT_CALLS,
    ACCOUNT_KEYS,
    ONE_ACCOUNT_CALLS,
    CALLS_NEWEST_FIRST,
    CHANGES,
    GET_MANY,
    BLOB_KEYS,
    INLINE,
    MOVE_OUT,
    ERASED_AMONG,
    ERASURE_EMAILS,
    SCRUB_CHANGES,
    ERASE,
    RESTORE,
    DOMAIN_CRM,
    CRM_DOMAINS_OF,
    RESOLVE_DOMAIN,
];

/// `sql` bound to the filters' values and these.
fn filtered(
    sql: &'static str,
    filters: &Filters,
    who: Visibility<'_>,
    mut values: Vec<Named<'_>>,
) -> Result<Bound, String> {
    values.extend(filter_values(filters, who));
    bind(sql, &values)
}

/// A JSON array of strings, as `json_each` reads it.
fn json_list(items: &[String]) -> Param {
    Param::Text(serde_json::to_string(items).unwrap_or_else(|_| "[]".into()))
}

/// The statements that write one call (its row, Gong's JSON, its index
/// rows, and, when `log`, a change for the export).
pub fn write(r: &Record, now_ms: i64, log: bool) -> Result<Vec<Bound>, String> {
    let mut out = vec![
        bind(
            UPSERT_CALL,
            &[
                ("id", (&r.id).into()),
                ("started", r.started.into()),
                ("title", Param::opt(r.title.as_deref())),
                ("participants", (&r.participants).into()),
                ("brief", Param::opt(r.brief.as_deref())),
                ("key_points", (&r.key_points).into()),
                ("is_private", r.is_private.into()),
                ("digest", (&r.digest).into()),
                ("synced_at", now_ms.into()),
            ],
        )?,
        bind(
            UPSERT_JSON,
            &[
                ("id", (&r.id).into()),
                ("extensive", (&r.extensive).into()),
                // In R2 when the record names its key there.
                (
                    "transcript",
                    Param::opt(r.transcript.as_deref().filter(|_| r.blob.is_none())),
                ),
                ("blob", Param::opt(r.blob.as_deref())),
                ("turns_blob", Param::opt(r.turns_blob.as_deref())),
            ],
        )?,
    ];
    out.extend(index(r)?);
    if log {
        out.push(bind(
            LOG_WRITE,
            &[
                ("id", (&r.id).into()),
                ("at", now_ms.into()),
                ("emails", (&r.emails).into()),
                ("private", r.is_private.into()),
            ],
        )?);
    }
    Ok(out)
}

/// The statements that (re)write one call's search rows.
pub fn index(r: &Record) -> Result<Vec<Bound>, String> {
    let id = || ("id", Param::from(&r.id));
    Ok(vec![
        bind(
            SET_INDEXED,
            &[
                id(),
                ("account", Param::opt(r.account.as_deref())),
                ("account_key", Param::opt(r.account_key.as_deref())),
                ("domain", Param::opt(r.domain.as_deref())),
                ("crm", r.crm.into()),
                ("version", INDEX_VERSION.into()),
            ],
        )?,
        bind(DELETE_FTS, &[id()])?,
        bind(
            INSERT_FTS,
            &[
                id(),
                ("title", (&r.index.title).into()),
                ("account", (&r.index.account).into()),
                ("people", (&r.index.people).into()),
                ("summary", (&r.index.summary).into()),
                ("internal", (&r.index.internal).into()),
                ("external", (&r.index.external).into()),
            ],
        )?,
        bind(DELETE_PARTIES, &[id()])?,
        bind(INSERT_PARTIES, &[id(), ("parties", (&r.parties).into())])?,
    ])
}

/// The statements of the queries, each a pure function of its arguments.
pub mod query {
    use super::*;

    /// [`GET`].
    pub fn get(id: &str) -> Result<Bound, String> {
        bind(GET, &[("id", id.into())])
    }

    /// [`COUNT`].
    pub fn count() -> Result<Bound, String> {
        bind(COUNT, &[])
    }

    /// [`STALE`].
    pub fn stale(limit: usize) -> Result<Bound, String> {
        bind(
            STALE,
            &[("version", INDEX_VERSION.into()), ("limit", limit.into())],
        )
    }

    /// [`MARK_INDEXED`].
    pub fn mark_indexed(id: &str) -> Result<Bound, String> {
        bind(
            MARK_INDEXED,
            &[("id", id.into()), ("version", INDEX_VERSION.into())],
        )
    }

    /// [`UNINDEXED`].
    pub fn unindexed() -> Result<Bound, String> {
        bind(UNINDEXED, &[("version", INDEX_VERSION.into())])
    }

    /// [`DIGESTS`].
    pub fn digests(ids: &[String]) -> Result<Bound, String> {
        bind(DIGESTS, &[("ids", json_list(ids))])
    }

    /// [`PRESENT`].
    pub fn present(ids: &[String]) -> Result<Bound, String> {
        bind(PRESENT, &[("ids", json_list(ids))])
    }

    /// [`LOG_REMOVAL`] then [`DELETE_CALL`].
    pub fn remove(id: &str, now_ms: i64) -> Result<[Bound; 2], String> {
        Ok([
            bind(LOG_REMOVAL, &[("id", id.into()), ("at", now_ms.into())])?,
            bind(DELETE_CALL, &[("id", id.into())])?,
        ])
    }

    /// [`LISTED_ADD`].
    pub fn listed_add(ids: &[String]) -> Result<Bound, String> {
        bind(LISTED_ADD, &[("ids", json_list(ids))])
    }

    /// [`UNLISTED`]: after `(started, id)`; from the start of the range
    /// when `None`.
    pub fn unlisted(
        from_ms: i64,
        to_ms: i64,
        after: Option<(i64, &str)>,
        window: usize,
        limit: usize,
    ) -> Result<Bound, String> {
        let (after_started, after_id) = after.unwrap_or((MIN_MS, ""));
        bind(
            UNLISTED,
            &[
                ("from", from_ms.into()),
                ("to", to_ms.into()),
                ("after_started", after_started.into()),
                ("after_id", after_id.into()),
                ("window", window.into()),
                ("limit", limit.into()),
            ],
        )
    }

    /// [`LISTED_CLEAR`].
    pub fn listed_clear() -> Result<Bound, String> {
        bind(LISTED_CLEAR, &[])
    }

    /// [`SLICE_START`]: the start of the `take`th call before `before_ms`
    /// (at least the first).
    pub fn slice_start(from_ms: i64, before_ms: i64, take: u64) -> Result<Bound, String> {
        bind(
            SLICE_START,
            &[
                ("from", from_ms.into()),
                ("before", before_ms.into()),
                (
                    "skip",
                    i64::try_from(take.max(1) - 1).unwrap_or(i64::MAX).into(),
                ),
            ],
        )
    }

    /// [`IDS_BETWEEN`].
    pub fn ids_between(from_ms: i64, to_ms: i64) -> Result<Bound, String> {
        bind(
            IDS_BETWEEN,
            &[("from", from_ms.into()), ("to", to_ms.into())],
        )
    }

    /// [`LIST`].
    pub fn list(
        from_ms: i64,
        to_ms: i64,
        after: Option<(i64, &str)>,
        limit: usize,
        who: Visibility<'_>,
    ) -> Result<Bound, String> {
        let (after_started, after_id) = after.unwrap_or((i64::MIN, ""));
        bind(
            LIST,
            &[
                ("from", from_ms.into()),
                ("to", to_ms.into()),
                ("after_started", after_started.max(MIN_MS).into()),
                ("after_id", after_id.into()),
                ("limit", limit.into()),
                ("private", who.private.into()),
                ("participant", Param::opt(who.participant)),
            ],
        )
    }

    /// [`OLDER_THAN`].
    pub fn older_than(before_ms: i64, limit: usize) -> Result<Bound, String> {
        bind(
            OLDER_THAN,
            &[("before", before_ms.into()), ("limit", limit.into())],
        )
    }

    /// [`TRIM_COVERAGE`] then [`DROP_EMPTY_COVERAGE`].
    pub fn trim_coverage(from_ms: i64) -> Result<[Bound; 2], String> {
        Ok([
            bind(TRIM_COVERAGE, &[("from", from_ms.into())])?,
            bind(DROP_EMPTY_COVERAGE, &[])?,
        ])
    }

    /// [`COVERAGE`].
    pub fn coverage() -> Result<Bound, String> {
        bind(COVERAGE, &[])
    }

    /// [`COVER`].
    pub fn cover(from_ms: i64, to_ms: i64) -> Result<Bound, String> {
        bind(COVER, &[("from", from_ms.into()), ("to", to_ms.into())])
    }

    /// [`SEARCH`].
    pub fn search(
        fts: &str,
        filters: &Filters,
        who: Visibility<'_>,
        limit: usize,
        offset: usize,
    ) -> Result<Bound, String> {
        let values = vec![
            ("fts", fts.into()),
            ("limit", limit.into()),
            ("offset", offset.into()),
            ("bound", RANK_BOUND.into()),
        ];
        filtered(SEARCH, filters, who, values)
    }

    /// [`SEARCH_COUNT`].
    pub fn search_count(
        fts: &str,
        filters: &Filters,
        who: Visibility<'_>,
        cap: usize,
    ) -> Result<Bound, String> {
        let values = vec![("fts", fts.into()), ("cap", cap.into())];
        filtered(SEARCH_COUNT, filters, who, values)
    }

    /// The accounts page after `after` (`(last, key)` of the previous
    /// page's last account): [`ACCOUNTS`] from the summary, or
    /// [`ACCOUNTS_IN_RANGE`] with a range, or [`ACCOUNTS_OF_PARTICIPANT`]
    /// when only one participant's calls are visible.
    pub fn accounts(
        filters: &Filters,
        contains: Option<&str>,
        who: Visibility<'_>,
        after: Option<(i64, &str)>,
        limit: usize,
    ) -> Result<Bound, String> {
        let (after_last, after_key) = after.unwrap_or((MAX_MS, ""));
        let mut values = vec![
            ("contains", Param::opt(contains)),
            ("private", who.private.into()),
            ("after_last", after_last.into()),
            ("after_key", after_key.into()),
            ("limit", limit.into()),
        ];
        let range = [
            ("from", filters.from_ms.unwrap_or(MIN_MS).into()),
            ("to", filters.to_ms.unwrap_or(MAX_MS).into()),
        ];
        if let Some(p) = who.participant {
            values.extend(range);
            values.push(("participant", p.into()));
            bind(ACCOUNTS_OF_PARTICIPANT, &values)
        } else if filters.from_ms.is_some() || filters.to_ms.is_some() {
            values.extend(range);
            bind(ACCOUNTS_IN_RANGE, &values)
        } else {
            bind(ACCOUNTS, &values)
        }
    }

    /// [`ACCOUNT_PEOPLE`].
    pub fn account_people(
        keys: &[String],
        filters: &Filters,
        who: Visibility<'_>,
        per_account: usize,
    ) -> Result<Bound, String> {
        bind(
            ACCOUNT_PEOPLE,
            &[
                ("keys", json_list(keys)),
                ("per_account", per_account.into()),
                ("recent", PEOPLE_FROM_CALLS.into()),
                ("from", filters.from_ms.unwrap_or(MIN_MS).into()),
                ("to", filters.to_ms.unwrap_or(MAX_MS).into()),
                ("private", who.private.into()),
                ("participant", Param::opt(who.participant)),
            ],
        )
    }

    /// [`ACCOUNT_TOTALS`].
    pub fn account_totals(
        keys: &[String],
        filters: &Filters,
        who: Visibility<'_>,
    ) -> Result<Bound, String> {
        bind(
            ACCOUNT_TOTALS,
            &[
                ("keys", json_list(keys)),
                ("from", filters.from_ms.unwrap_or(MIN_MS).into()),
                ("to", filters.to_ms.unwrap_or(MAX_MS).into()),
                ("private", who.private.into()),
                ("participant", Param::opt(who.participant)),
            ],
        )
    }

    /// [`ACCOUNT_KEYS`].
    pub fn account_keys(contains: &str, limit: usize) -> Result<Bound, String> {
        bind(
            ACCOUNT_KEYS,
            &[("contains", contains.into()), ("limit", limit.into())],
        )
    }

    /// [`ONE_ACCOUNT_CALLS`]: the calls of the account `key`.
    pub fn one_account_calls(
        key: &str,
        filters: &Filters,
        who: Visibility<'_>,
        before: Option<(i64, &str)>,
        limit: usize,
    ) -> Result<Bound, String> {
        account_page(
            ONE_ACCOUNT_CALLS,
            ("key", key.into()),
            filters,
            who,
            before,
            limit,
        )
    }

    /// [`ACCOUNT_CALLS`]: the calls of the accounts whose folded name
    /// holds `contains` (the one account matcher).
    pub fn account_calls(
        contains: &str,
        filters: &Filters,
        who: Visibility<'_>,
        before: Option<(i64, &str)>,
        limit: usize,
    ) -> Result<Bound, String> {
        account_page(
            ACCOUNT_CALLS,
            ("contains", contains.into()),
            filters,
            who,
            before,
            limit,
        )
    }

    /// A page of an account's calls, newest first, before `before`: the
    /// account named by `account` (its key, or part of its name).
    fn account_page(
        sql: &'static str,
        account: Named<'_>,
        filters: &Filters,
        who: Visibility<'_>,
        before: Option<(i64, &str)>,
        limit: usize,
    ) -> Result<Bound, String> {
        let (before_started, before_id) = before.unwrap_or((MAX_MS, ""));
        bind(
            sql,
            &[
                account,
                ("from", filters.from_ms.unwrap_or(MIN_MS).into()),
                ("to", filters.to_ms.unwrap_or(MAX_MS).into()),
                ("private", who.private.into()),
                ("participant", Param::opt(who.participant)),
                ("before_started", before_started.into()),
                ("before_id", before_id.into()),
                ("limit", limit.into()),
            ],
        )
    }

    /// [`CALLS_NEWEST_FIRST`].
    pub fn calls_newest_first(
        filters: &Filters,
        who: Visibility<'_>,
        before: Option<(i64, &str)>,
        limit: usize,
    ) -> Result<Bound, String> {
        let (before_started, before_id) = before.unwrap_or((MAX_MS, ""));
        let values = vec![
            ("limit", limit.into()),
            ("before_started", before_started.into()),
            ("before_id", before_id.into()),
        ];
        filtered(CALLS_NEWEST_FIRST, filters, who, values)
    }

    /// [`CHANGES`].
    ///
    /// `tag`: the keyed hash of the participant's email, as an erasure
    /// wrote it in place of the email.
    pub fn changes(
        after: i64,
        limit: usize,
        who: Visibility<'_>,
        tag: Option<&str>,
    ) -> Result<Bound, String> {
        bind(
            CHANGES,
            &[
                ("after", after.into()),
                ("limit", limit.into()),
                ("private", who.private.into()),
                ("participant", Param::opt(who.participant)),
                ("participant_tag", Param::opt(tag)),
            ],
        )
    }

    /// [`ERASED_AMONG`].
    pub fn erased_among(ids: &[String]) -> Result<Bound, String> {
        bind(ERASED_AMONG, &[("ids", json_list(ids))])
    }

    /// [`ERASURE_EMAILS`].
    pub fn erasure_emails(id: &str) -> Result<Bound, String> {
        bind(ERASURE_EMAILS, &[("id", id.into())])
    }

    /// An erasure: the removal logged (when the library has the call), the
    /// call removed, its changes' emails replaced by `tags` (a JSON array),
    /// the id remembered. In this order, in one batch.
    pub fn erase(id: &str, present: bool, tags: &str, now_ms: i64) -> Result<Vec<Bound>, String> {
        let mut out = Vec::with_capacity(4);
        if present {
            out.extend(remove(id, now_ms)?);
        }
        out.push(bind(
            SCRUB_CHANGES,
            &[("id", id.into()), ("emails", tags.into())],
        )?);
        out.push(bind(ERASE, &[("id", id.into()), ("at", now_ms.into())])?);
        Ok(out)
    }

    /// [`RESTORE`].
    pub fn restore(id: &str) -> Result<Bound, String> {
        bind(RESTORE, &[("id", id.into())])
    }

    /// [`DOMAIN_CRM`].
    pub fn domain_crm(domain: &str) -> Result<Bound, String> {
        bind(DOMAIN_CRM, &[("domain", domain.into())])
    }

    /// [`CRM_DOMAINS_OF`].
    pub fn crm_domains_of(ids: &[String]) -> Result<Bound, String> {
        bind(CRM_DOMAINS_OF, &[("ids", json_list(ids))])
    }

    /// [`RESOLVE_DOMAIN`]: `account` the CRM's `(name, key)`, or `None`.
    pub fn resolve_domain(domain: &str, account: Option<(&str, &str)>) -> Result<Bound, String> {
        bind(
            RESOLVE_DOMAIN,
            &[
                ("domain", domain.into()),
                ("name", Param::opt(account.map(|a| a.0))),
                ("key", Param::opt(account.map(|a| a.1))),
            ],
        )
    }

    /// [`GET_MANY`].
    pub fn get_many(ids: &[String]) -> Result<Bound, String> {
        bind(GET_MANY, &[("ids", json_list(ids))])
    }

    /// [`BLOB_KEYS`].
    pub fn blob_keys(ids: &[String]) -> Result<Bound, String> {
        bind(BLOB_KEYS, &[("ids", json_list(ids))])
    }

    /// [`INLINE`].
    pub fn inline(limit: usize) -> Result<Bound, String> {
        bind(INLINE, &[("limit", limit.into())])
    }

    /// [`MOVE_OUT`].
    pub fn move_out(
        id: &str,
        blob: &str,
        turns_blob: Option<&str>,
        transcript: &str,
    ) -> Result<Bound, String> {
        bind(
            MOVE_OUT,
            &[
                ("id", id.into()),
                ("blob", blob.into()),
                ("turns_blob", Param::opt(turns_blob)),
                ("transcript", transcript.into()),
            ],
        )
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Every statement of the library, bound as the library binds it (each
    /// filter set of those that pick a statement by their filters).
    pub(crate) fn every_statement_bound() -> Vec<Bound> {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/calls/");
        let ext: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(format!("{root}acme-discovery.extensive.json")).unwrap(),
        )
        .unwrap();
        let r = Record::from_raw(&ext["calls"][0].to_string(), None, &[]).unwrap();
        let ids = vec!["1".to_owned(), "2".to_owned()];
        let f = Filters {
            from_ms: Some(1),
            ..Filters::default()
        };
        let who = Visibility {
            private: false,
            participant: Some("ann@seller.io"),
        };
        let all = Visibility::default();
        let mut bound: Vec<Bound> = write(&r, 5, true).unwrap();
        bound.extend(
            [
                query::get("1"),
                query::count(),
                query::stale(3),
                query::mark_indexed("1"),
                query::unindexed(),
                query::digests(&ids),
                query::present(&ids),
                query::ids_between(0, 9),
                query::list(0, 9, Some((3, "1")), 5, who),
                query::older_than(9, 5),
                query::coverage(),
                query::cover(0, 9),
                query::search("\"acme\"", &f, who, 10, 0),
                query::search_count("\"acme\"", &f, who, 100),
                query::accounts(&Filters::default(), Some("ac"), all, Some((3, "k")), 10),
                query::accounts(&f, None, all, None, 10),
                query::accounts(&f, Some("ac"), who, Some((3, "k")), 10),
                query::account_people(&ids, &f, who, 5),
                query::account_totals(&ids, &f, who),
                query::account_totals(&ids, &Filters::default(), all),
                query::account_calls("ac", &f, who, Some((3, "1")), 5),
                query::account_keys("ac", 2),
                query::one_account_calls("acme", &f, who, Some((3, "1")), 5),
                query::calls_newest_first(&f, who, Some((3, "1")), 5),
                query::changes(0, 10, who, Some("tag")),
                query::get_many(&ids),
                query::erased_among(&ids),
                query::erasure_emails("1"),
                query::restore("1"),
                query::domain_crm("acme.com"),
                query::crm_domains_of(&ids),
                query::resolve_domain("acme.com", Some(("Acme", "acme"))),
                query::listed_add(&ids),
                query::unlisted(0, 9, Some((3, "1")), 5000, 500),
                query::listed_clear(),
                query::slice_start(0, 9, 500),
                query::blob_keys(&ids),
                query::inline(5),
                query::move_out("1", "calls/1/x.json.gz", None, "{}"),
            ]
            .into_iter()
            .map(Result::unwrap),
        );
        bound.extend(query::remove("1", 5).unwrap());
        bound.extend(query::trim_coverage(5).unwrap());
        bound.extend(query::erase("1", true, "[]", 5).unwrap());
        bound
    }

    #[test]
    fn names_become_positions_in_order_of_first_use() {
        let b = bind(
            "SELECT ':not_a_name', \"a:b\" FROM t WHERE a = :b AND c = :a_1 OR :b IS NULL",
            &[("a_1", 1i64.into()), ("b", "x".into())],
        )
        .unwrap();
        assert_eq!(
            b.sql,
            "SELECT ':not_a_name', \"a:b\" FROM t WHERE a = ?1 AND c = ?2 OR ?1 IS NULL"
        );
        assert_eq!(b.values, [Param::Text("x".into()), Param::Int(1)]);
    }

    #[test]
    fn a_missing_unused_or_doubled_value_is_refused() {
        let e = bind("SELECT :a, :b", &[("a", 1i64.into())]).unwrap_err();
        assert_eq!(e, ":b has no value");
        let e = bind("SELECT :a", &[("a", 1i64.into()), ("c", 2i64.into())]).unwrap_err();
        assert!(e.contains(":c"), "{e}");
        let e = bind("SELECT :a", &[("a", 1i64.into()), ("a", 2i64.into())]).unwrap_err();
        assert!(e.contains("twice"), "{e}");
        assert!(bind("SELECT ?1", &[]).is_err());
        assert!(bind("SELECT 'open", &[]).is_err());
    }

    /// Every statement of the library, bound as the library binds it: each
    /// names exactly the values it is given.
    #[test]
    fn every_statement_binds_exactly_what_it_names() {
        let bound = every_statement_bound();
        let who = Visibility {
            private: false,
            participant: Some("ann@seller.io"),
        };
        let f = Filters {
            from_ms: Some(1),
            account_contains: Some("acme".into()),
            ..Filters::default()
        };
        assert_eq!(query::erase("1", false, "[]", 5).unwrap().len(), 2);
        for b in &bound {
            assert!(!b.sql.contains(':'), "{}", b.sql);
            let positions = (1..=b.values.len()).all(|n| b.sql.contains(&format!("?{n}")));
            assert!(positions, "{}", b.sql);
        }
        // Every statement was bound here.
        for s in STATEMENTS {
            assert!(
                bound.iter().any(|b| b.source == *s),
                "not bound by this test: {s}"
            );
        }
        // The filters' values land where the filters name them.
        let search = query::search("q", &f, who, 10, 20).unwrap();
        assert_eq!(search.values[0], Param::Text("q".into()));
        assert!(search.values.contains(&Param::Text("acme".into())));
        assert_eq!(search.values.len(), 11);
        // The accounts' statement is picked by the filters: the summary,
        // a range, one participant's calls.
        let pick = |f: &Filters, who| query::accounts(f, None, who, None, 5).unwrap().source;
        assert_eq!(pick(&Filters::default(), Visibility::default()), ACCOUNTS);
        let range = Filters {
            to_ms: Some(9),
            ..Filters::default()
        };
        assert_eq!(pick(&range, Visibility::default()), ACCOUNTS_IN_RANGE);
        assert_eq!(pick(&Filters::default(), who), ACCOUNTS_OF_PARTICIPANT);
        // Part of an account name: the account calls' `contains`.
        let b = query::account_calls("acm", &Filters::default(), who, None, 5).unwrap();
        assert!(b.values.contains(&Param::Text("acm".into())));
    }
}
