-- Erasure that lasts: DELETE /v1/calls/{id} remembers the call's id here,
-- and the library never stores or serves it again (the sync and on-demand
-- reads skip it; every caller gets 404 call_not_found) until an admin lifts
-- it (POST /v1/calls/{id}/restore). Its `changes` rows keep no email: they
-- are rewritten with keyed hashes of the emails (made by the Worker from the
-- Gong secret), which only tell the export whom to send the tombstone.
CREATE TABLE erased (
  id TEXT PRIMARY KEY,               -- Gong's call id
  at INTEGER NOT NULL                -- when it was erased, ms since the epoch
);
