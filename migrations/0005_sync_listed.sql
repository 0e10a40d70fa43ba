-- The ids a sync job has seen Gong list, so that the end of the job finds
-- what Gong no longer lists with one anti-join in the database
-- (`sql::UNLISTED`: the library's calls in the range with no row here), a
-- batch per alarm step, instead of loading every id of the range into the
-- Worker's memory. One job runs at a time per library: the table is emptied
-- when a job starts and when it finishes.
CREATE TABLE sync_listed (
  id TEXT PRIMARY KEY
) WITHOUT ROWID;
