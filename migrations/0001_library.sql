-- The call library: every call the sync has read from Gong, kept as Gong
-- sent it (so every format and the document render from it exactly as from
-- Gong), with the fields that filters and search need beside it.

CREATE TABLE calls (
  id          TEXT PRIMARY KEY,      -- Gong's call id: 1 to 20 digits
  started     INTEGER NOT NULL,      -- ms since the epoch (Gong's started, which its date filters use; else scheduled; 0 unknown)
  title       TEXT,
  account     TEXT,                  -- the account name gongkit derives (CRM first, then email)
  participants TEXT,                 -- names and emails, one per line (search)
  brief       TEXT,                  -- Gong's brief (search)
  key_points  TEXT,                  -- Gong's key points, one per line (search)
  is_private  INTEGER NOT NULL DEFAULT 0,
  extensive   TEXT NOT NULL,         -- Gong's calls[] entry, as it came
  transcript  TEXT,                  -- Gong's callTranscripts[] entry, as it came; NULL: none (yet)
  digest      TEXT NOT NULL,         -- of extensive and transcript: a sync skips unchanged calls
  synced_at   INTEGER NOT NULL       -- ms since the epoch
);
CREATE INDEX calls_started ON calls (started, id);
CREATE INDEX calls_account ON calls (account COLLATE NOCASE);

-- The transcript as turns (one monologue each), for search and citations.
CREATE TABLE turns (
  call_id     TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
  idx         INTEGER NOT NULL,      -- position in the transcript, from 0
  speaker_id  TEXT,
  speaker     TEXT,                  -- the party's name (or email), else "Speaker {id}"
  affiliation TEXT,                  -- Internal, External or Unknown
  topic       TEXT,
  start_ms    INTEGER,
  end_ms      INTEGER,
  text        TEXT NOT NULL,
  UNIQUE (call_id, idx)
);

-- Every write, in order: what an export reads to stay current.
CREATE TABLE changes (
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  call_id TEXT NOT NULL,
  deleted INTEGER NOT NULL,          -- 1: removed from the library
  at      INTEGER NOT NULL
);
CREATE INDEX changes_call ON changes (call_id);

-- The range of call start times the sync has read completely.
CREATE TABLE coverage (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  from_ms INTEGER NOT NULL,
  to_ms   INTEGER NOT NULL
);

-- Full-text search over turns and over each call's title, account,
-- participants, brief and key points; accents folded, kept in step with the
-- tables by triggers (external content: the text is stored once).
CREATE VIRTUAL TABLE turns_fts USING fts5(
  text, speaker,
  content = 'turns', content_rowid = 'rowid',
  tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER turns_ai AFTER INSERT ON turns BEGIN
  INSERT INTO turns_fts (rowid, text, speaker) VALUES (new.rowid, new.text, new.speaker);
END;
CREATE TRIGGER turns_ad AFTER DELETE ON turns BEGIN
  INSERT INTO turns_fts (turns_fts, rowid, text, speaker) VALUES ('delete', old.rowid, old.text, old.speaker);
END;

CREATE VIRTUAL TABLE calls_fts USING fts5(
  title, account, participants, brief, key_points,
  content = 'calls', content_rowid = 'rowid',
  tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER calls_ai AFTER INSERT ON calls BEGIN
  INSERT INTO calls_fts (rowid, title, account, participants, brief, key_points)
  VALUES (new.rowid, new.title, new.account, new.participants, new.brief, new.key_points);
END;
CREATE TRIGGER calls_ad AFTER DELETE ON calls BEGIN
  INSERT INTO calls_fts (calls_fts, rowid, title, account, participants, brief, key_points)
  VALUES ('delete', old.rowid, old.title, old.account, old.participants, old.brief, old.key_points);
END;
CREATE TRIGGER calls_au AFTER UPDATE ON calls BEGIN
  INSERT INTO calls_fts (calls_fts, rowid, title, account, participants, brief, key_points)
  VALUES ('delete', old.rowid, old.title, old.account, old.participants, old.brief, old.key_points);
  INSERT INTO calls_fts (rowid, title, account, participants, brief, key_points)
  VALUES (new.rowid, new.title, new.account, new.participants, new.brief, new.key_points);
END;
