-- Fewer bytes per call: Gong's transcripts leave D1 for R2, and the turns go.
--
-- A call's transcript (Gong's `callTranscripts[]` entry, as it came, the
-- biggest part of a call by far) is kept gzip-compressed in the R2 bucket
-- GONGKIT_BLOBS under `calls/{id}/{hash of the transcript}.json.gz`
-- (worker/src/blobs.rs); `call_json.blob` names that object and
-- `call_json.transcript` is then NULL. A reader reads the row, then the
-- object it names; a rewrite writes its new object first and deletes the
-- old one only after the row names the new one, so a reader never pairs an
-- extensive answer with another version's transcript (a reader that finds
-- the object gone reads the row again). Gong's extensive entry (a few KB,
-- which every listing renders) stays in `call_json.extensive`.
--
-- R2 is outside D1: this migration cannot move the transcripts already
-- stored. Rows holding their transcript here are read as before; new
-- writes go to R2; the sync's index pass (`Library::reindex`, each alarm
-- step) moves a bounded number of old rows over per step, through the
-- partial index below, until none is left. A deployment without the R2
-- binding keeps writing transcripts here, as before 0006.
--
-- The turns (each monologue's text, folded words, speaker and times: half
-- of the database) leave D1 too: with R2, each call's turns as the index
-- folds them are an object of their own (`call_json.turns_blob`,
-- `calls/{id}/{hash of the turns}.turns.json.gz`), which a search page reads
-- for its hits' quoted turns; without it (no R2, or a row not moved yet)
-- they are found in the call's transcript with the same word folding
-- (`library::quoted_turns`). The search index (`calls_fts`) is unchanged.

ALTER TABLE call_json ADD COLUMN blob TEXT;  -- the R2 key of the transcript; NULL: in `transcript` (or none)
ALTER TABLE call_json ADD COLUMN turns_blob TEXT;  -- the R2 key of the turns (search's quotes); NULL: none there
CREATE INDEX call_json_inline ON call_json (id) WHERE transcript IS NOT NULL;

DROP TRIGGER calls_ad;
CREATE TRIGGER calls_ad AFTER DELETE ON calls BEGIN
  DELETE FROM calls_fts WHERE rowid = old.rid;
  DELETE FROM parties WHERE call_id = old.id;
  DELETE FROM call_json WHERE id = old.id;
END;
DROP TABLE turns;
