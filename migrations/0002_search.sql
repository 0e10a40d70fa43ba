-- Search, accounts and export over the call library.
--
-- The search index is fed words gongkit folds itself (worker/src/words.rs:
-- accents and case dropped, each Chinese or Japanese character a word), so
-- a query and the text it is matched against are folded by the same code.
-- The index is contentless: the text is stored once, in `turns` and the raw
-- JSON; deletes reach the index through the trigger below. A hit's turns
-- are picked from `turns.words` (a handful of calls' turns, by call id). Calls
-- written before this migration have `indexed = 0` and are indexed by the
-- sync's next steps (GET /v1/sync shows how many are left).
--
-- `calls` and `turns` are rebuilt once, with an INTEGER PRIMARY KEY each:
-- the index refers to calls by rowid, and only an INTEGER PRIMARY KEY keeps
-- a rowid through VACUUM or a dump and restore. Gong's JSON moves into its
-- own table, so a `calls` row is a few hundred bytes and scans and joins
-- over calls (search filters, accounts) read few pages.

DROP TRIGGER turns_ai;
DROP TRIGGER turns_ad;
DROP TABLE turns_fts;
DROP TRIGGER calls_ai;
DROP TRIGGER calls_ad;
DROP TRIGGER calls_au;
DROP TABLE calls_fts;

CREATE TABLE call_json (
  id          TEXT PRIMARY KEY,      -- calls.id
  extensive   TEXT NOT NULL,         -- Gong's calls[] entry, as it came
  transcript  TEXT                   -- Gong's callTranscripts[] entry, as it came; NULL: none (yet)
);
INSERT INTO call_json (id, extensive, transcript) SELECT id, extensive, transcript FROM calls;

-- The turns are written again by the index pass; the old rows go (their
-- foreign key pointed at the old calls table).
DROP TABLE turns;
CREATE TABLE turns (
  rid         INTEGER PRIMARY KEY,
  call_id     TEXT NOT NULL,
  idx         INTEGER NOT NULL,      -- position in the transcript, from 0
  speaker_id  TEXT,
  speaker     TEXT,                  -- the party's name (or email), else "Speaker {id}"
  affiliation TEXT,                  -- Internal, External or Unknown
  topic       TEXT,
  start_ms    INTEGER,
  end_ms      INTEGER,
  text        TEXT NOT NULL,
  words       TEXT NOT NULL DEFAULT '',  -- the text's folded words, space-separated: a hit's quoted turns are found by plain substring tests of these
  UNIQUE (call_id, idx)
);

CREATE TABLE calls_v2 (
  rid          INTEGER PRIMARY KEY,
  id           TEXT NOT NULL UNIQUE,  -- Gong's call id: 1 to 20 digits
  started      INTEGER NOT NULL,      -- ms since the epoch (Gong's started, else scheduled; 0 unknown)
  title        TEXT,
  account      TEXT,                  -- the account name gongkit derives (CRM first, then email)
  account_key  TEXT,                  -- the account name folded: how names are compared
  participants TEXT,                  -- names and emails, one per line
  brief        TEXT,
  key_points   TEXT,                  -- one per line
  is_private   INTEGER NOT NULL DEFAULT 0,
  digest       TEXT NOT NULL,         -- of Gong's JSON: a sync skips unchanged calls
  synced_at    INTEGER NOT NULL,      -- ms since the epoch
  indexed      INTEGER NOT NULL DEFAULT 0  -- the search index version the call is in
);
INSERT INTO calls_v2 (id, started, title, account, participants, brief, key_points, is_private, digest, synced_at)
  SELECT id, started, title, account, participants, brief, key_points, is_private, digest, synced_at FROM calls;
DROP TABLE calls;
ALTER TABLE calls_v2 RENAME TO calls;
CREATE INDEX calls_started ON calls (started, id);
CREATE INDEX calls_account_key ON calls (account_key, started);
CREATE INDEX calls_indexed ON calls (indexed);

-- Each call's participants: the participant filter, the accounts' people,
-- and (with sign-in) who may see a call.
CREATE TABLE parties (
  call_id     TEXT NOT NULL,
  name        TEXT,
  email       TEXT,
  name_key    TEXT,                  -- the name folded
  email_key   TEXT,                  -- the email trimmed and lower-cased
  affiliation TEXT                   -- Internal, External or Unknown
);
CREATE INDEX parties_call ON parties (call_id);
CREATE INDEX parties_email ON parties (email_key);

-- What the export needs to know of each change: who could see the call
-- then (its participants' emails, a JSON array) and whether it was private,
-- so a removal reaches exactly those who saw the call and no one else
-- learns its id. NULL for changes written before this migration.
ALTER TABLE changes ADD COLUMN emails TEXT;
ALTER TABLE changes ADD COLUMN private INTEGER;
DROP INDEX changes_call;
CREATE INDEX changes_call_seq ON changes (call_id, seq);

-- One row a call (rowid = calls.rid): what "all words must match" and the
-- ranking read. bm25 weighs title and account above the transcript.
CREATE VIRTUAL TABLE calls_fts USING fts5(
  title, account, people, summary, internal, external,
  content = '', contentless_delete = 1,
  tokenize = 'unicode61 remove_diacritics 0'
);
CREATE TRIGGER calls_ad AFTER DELETE ON calls BEGIN
  DELETE FROM calls_fts WHERE rowid = old.rid;
  DELETE FROM parties WHERE call_id = old.id;
  DELETE FROM call_json WHERE id = old.id;
  DELETE FROM turns WHERE call_id = old.id;
END;
