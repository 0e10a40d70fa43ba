-- Search, accounts and export over the call library.
--
-- The search index is fed words gongkit folds itself (worker/src/words.rs:
-- accents and case dropped, each Chinese or Japanese character a word), so
-- a query and the text it is matched against are folded by the same code.
-- The indexes are contentless: the text is stored once, in `turns` and the
-- raw JSON; deletes reach the indexes through the triggers below. Calls
-- written before this migration have `indexed = 0` and are indexed by the
-- sync's next steps (GET /v1/sync shows how many are left).

DROP TRIGGER turns_ai;
DROP TRIGGER turns_ad;
DROP TABLE turns_fts;
DROP TRIGGER calls_ai;
DROP TRIGGER calls_ad;
DROP TRIGGER calls_au;
DROP TABLE calls_fts;

-- Gong's JSON moves out of `calls` into its own table: a `calls` row is then
-- a few hundred bytes, so scans and joins over calls (search filters,
-- accounts) read a handful of pages instead of every call's JSON.
CREATE TABLE call_json (
  id          TEXT PRIMARY KEY,      -- calls.id
  extensive   TEXT NOT NULL,         -- Gong's calls[] entry, as it came
  transcript  TEXT                   -- Gong's callTranscripts[] entry, as it came; NULL: none (yet)
);
INSERT INTO call_json (id, extensive, transcript) SELECT id, extensive, transcript FROM calls;
ALTER TABLE calls DROP COLUMN extensive;
ALTER TABLE calls DROP COLUMN transcript;

ALTER TABLE calls ADD COLUMN account_key TEXT;          -- the account name folded: how names are compared
ALTER TABLE calls ADD COLUMN indexed INTEGER NOT NULL DEFAULT 0;  -- the search index version the call is in
CREATE INDEX calls_account_key ON calls (account_key, started);
CREATE INDEX calls_indexed ON calls (indexed);
DROP INDEX calls_account;

-- Each call's participants: the participant filter, the accounts' people,
-- and (with sign-in) who may see a call.
CREATE TABLE parties (
  call_id     TEXT NOT NULL,
  name        TEXT,
  email       TEXT,
  name_key    TEXT,                  -- the name folded
  email_key   TEXT,                  -- the email lower-cased
  affiliation TEXT                   -- Internal, External or Unknown
);
CREATE INDEX parties_call ON parties (call_id);
CREATE INDEX parties_email ON parties (email_key);

-- One row a call (rowid = calls.rowid): what "all words must match" and
-- the ranking read. bm25 weighs title and account above the transcript.
CREATE VIRTUAL TABLE calls_fts USING fts5(
  title, account, people, summary, internal, external,
  content = '', contentless_delete = 1,
  tokenize = 'unicode61 remove_diacritics 0'
);
-- One row a turn (rowid = turns.rowid): the turns a hit quotes. A call's
-- turns are inserted by one statement, so they are one rowid range, and a
-- query reads the index only within it.
CREATE VIRTUAL TABLE turns_fts USING fts5(
  side, text,
  content = '', contentless_delete = 1,
  tokenize = 'unicode61 remove_diacritics 0'
);
CREATE TRIGGER calls_fts_ad AFTER DELETE ON calls BEGIN
  DELETE FROM calls_fts WHERE rowid = old.rowid;
  DELETE FROM parties WHERE call_id = old.id;
  DELETE FROM call_json WHERE id = old.id;
END;
CREATE TRIGGER turns_fts_ad AFTER DELETE ON turns BEGIN
  DELETE FROM turns_fts WHERE rowid = old.rowid;
END;
-- The export reads the changes after a position; each call's newest first.
CREATE INDEX changes_call_seq ON changes (call_id, seq);
