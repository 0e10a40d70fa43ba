-- The library's accounts, kept by its writes: one row per account and
-- scope (0: the calls that are not private; 1: every call, for
-- INCLUDE_PRIVATE_CALLS), so /v1/accounts reads a page of this table in
-- the order of its index instead of grouping every call of the library.
-- Triggers on `calls` keep it: a call that enters an account adds itself;
-- one that leaves it (removed, re-keyed by a merge, made private, moved in
-- time) takes itself out, and the first and last call and the name are
-- looked up again through the account index only when it was the first
-- or the last. Built here for the calls already in the library.
--
-- The account merge: a call's own account (`own_account`, `own_key`: the
-- CRM's name, else the name of its customers' email domain) and the
-- domain that email name comes from (`account_domain`, the registrable
-- domain of its first customer with a company address; NULL when none);
-- `crm` is 1 when the own name is the CRM's. A call without CRM context
-- belongs to the account the CRM names on the newest call of the same
-- domain (so `Acme` from acme.com's email joins `Acme Corporation Ltd`);
-- `account`/`account_key` are that resolved account, which every
-- accounts query, filter and this table use. The triggers at the end keep
-- them from what SET_INDEXED (worker/src/library/sql.rs) writes.

ALTER TABLE calls ADD COLUMN own_account TEXT;
ALTER TABLE calls ADD COLUMN own_key TEXT;
ALTER TABLE calls ADD COLUMN account_domain TEXT;
ALTER TABLE calls ADD COLUMN crm INTEGER NOT NULL DEFAULT 0;
-- Calls written before: their own account is the one they have; their
-- domain and CRM flag come with the next index pass (the version below).
UPDATE calls SET own_account = account, own_key = account_key;

-- An account's calls newest first (and the first and last call a trigger
-- looks up); the domain's newest CRM call.
DROP INDEX calls_account_key;
CREATE INDEX calls_account_scope ON calls (account_key, is_private, started);
CREATE INDEX calls_account_key ON calls (account_key, started);
CREATE INDEX calls_domain ON calls (account_domain, crm, started);
-- Calls waiting for the index pass, oldest first (STALE reads this order).
DROP INDEX calls_indexed;
CREATE INDEX calls_indexed ON calls (indexed, rid);

CREATE TABLE accounts (
  key    TEXT NOT NULL,            -- calls.account_key
  scope  INTEGER NOT NULL,         -- 0: calls not private; 1: every call
  name   TEXT,                     -- as its newest call in the scope gives it
  calls  INTEGER NOT NULL,
  first  INTEGER NOT NULL,         -- the first call's start (ms)
  last   INTEGER NOT NULL,         -- the last call's start (ms)
  PRIMARY KEY (key, scope)
) WITHOUT ROWID;
CREATE INDEX accounts_recent ON accounts (scope, last DESC, key);

INSERT INTO accounts (key, scope, name, calls, first, last)
SELECT g.key, g.scope, (SELECT c.account FROM calls AS c WHERE c.account_key = g.key
    AND (g.scope = 1 OR c.is_private = 0) ORDER BY c.started DESC LIMIT 1), g.calls, g.first, g.last
FROM (SELECT c.account_key AS key, s.scope, count(*) AS calls, min(c.started) AS first, max(c.started) AS last
  FROM calls AS c, (SELECT 0 AS scope UNION ALL SELECT 1) AS s
  WHERE c.account_key IS NOT NULL AND (s.scope = 1 OR c.is_private = 0)
  GROUP BY c.account_key, s.scope) AS g;

CREATE TRIGGER accounts_insert AFTER INSERT ON calls WHEN new.account_key IS NOT NULL BEGIN
  INSERT INTO accounts (key, scope, name, calls, first, last)
  SELECT new.account_key, s.scope, new.account, 1, new.started, new.started
  FROM (SELECT 0 AS scope UNION ALL SELECT 1) AS s WHERE s.scope = 1 OR new.is_private = 0
  ON CONFLICT (key, scope) DO UPDATE SET calls = calls + 1, first = min(first, excluded.first),
    name = CASE WHEN excluded.last >= last THEN excluded.name ELSE name END,
    last = max(last, excluded.last);
END;

CREATE TRIGGER accounts_delete AFTER DELETE ON calls WHEN old.account_key IS NOT NULL BEGIN
  UPDATE accounts SET calls = calls - 1,
    first = CASE WHEN first < old.started THEN first ELSE coalesce((SELECT c.started FROM calls AS c
      WHERE c.account_key = old.account_key AND (accounts.scope = 1 OR c.is_private = 0) ORDER BY c.started LIMIT 1), first) END,
    name = CASE WHEN last > old.started THEN name ELSE (SELECT c.account FROM calls AS c
      WHERE c.account_key = old.account_key AND (accounts.scope = 1 OR c.is_private = 0) ORDER BY c.started DESC LIMIT 1) END,
    last = CASE WHEN last > old.started THEN last ELSE coalesce((SELECT c.started FROM calls AS c
      WHERE c.account_key = old.account_key AND (accounts.scope = 1 OR c.is_private = 0) ORDER BY c.started DESC LIMIT 1), last) END
  WHERE key = old.account_key AND (scope = 1 OR old.is_private = 0);
  DELETE FROM accounts WHERE key = old.account_key AND calls <= 0;
END;

CREATE TRIGGER accounts_update AFTER UPDATE OF account_key, account, started, is_private ON calls
WHEN old.account_key IS NOT new.account_key OR old.account IS NOT new.account
  OR old.started <> new.started OR old.is_private <> new.is_private BEGIN
  -- The old values leave (as accounts_delete)…
  UPDATE accounts SET calls = calls - 1,
    first = CASE WHEN first < old.started THEN first ELSE coalesce((SELECT c.started FROM calls AS c
      WHERE c.account_key = old.account_key AND (accounts.scope = 1 OR c.is_private = 0) ORDER BY c.started LIMIT 1), first) END,
    name = CASE WHEN last > old.started THEN name ELSE (SELECT c.account FROM calls AS c
      WHERE c.account_key = old.account_key AND (accounts.scope = 1 OR c.is_private = 0) ORDER BY c.started DESC LIMIT 1) END,
    last = CASE WHEN last > old.started THEN last ELSE coalesce((SELECT c.started FROM calls AS c
      WHERE c.account_key = old.account_key AND (accounts.scope = 1 OR c.is_private = 0) ORDER BY c.started DESC LIMIT 1), last) END
  WHERE old.account_key IS NOT NULL AND key = old.account_key AND (scope = 1 OR old.is_private = 0);
  DELETE FROM accounts WHERE key = old.account_key AND calls <= 0;
  -- …and the new ones enter (as accounts_insert).
  INSERT INTO accounts (key, scope, name, calls, first, last)
  SELECT new.account_key, s.scope, new.account, 1, new.started, new.started
  FROM (SELECT 0 AS scope UNION ALL SELECT 1) AS s
  WHERE new.account_key IS NOT NULL AND (s.scope = 1 OR new.is_private = 0)
  ON CONFLICT (key, scope) DO UPDATE SET calls = calls + 1, first = min(first, excluded.first),
    name = CASE WHEN excluded.last >= last THEN excluded.name ELSE name END,
    last = max(last, excluded.last);
END;

-- The merge, kept by triggers so that every write and every removal
-- (whoever makes it) leaves each call in its resolved account: a call whose
-- own account, domain or CRM flag is written is resolved; a CRM call
-- written, moved or removed resolves its domain's calls without CRM context
-- again (only those whose account changes are written).
CREATE TRIGGER merge_update AFTER UPDATE OF own_key, own_account, account_domain, crm, started ON calls BEGIN
  -- The call itself…
  UPDATE calls SET
    account = CASE WHEN new.crm = 1 THEN new.own_account ELSE coalesce((SELECT d.own_account FROM calls AS d WHERE d.account_domain = new.account_domain AND d.crm = 1 ORDER BY d.started DESC LIMIT 1), new.own_account) END,
    account_key = CASE WHEN new.crm = 1 THEN new.own_key ELSE coalesce((SELECT d.own_key FROM calls AS d WHERE d.account_domain = new.account_domain AND d.crm = 1 ORDER BY d.started DESC LIMIT 1), new.own_key) END
  WHERE id = new.id;
  -- …and, for a CRM call, the calls of its domain (the old and the new).
  UPDATE calls SET
    account = coalesce((SELECT d.own_account FROM calls AS d WHERE d.account_domain = old.account_domain AND d.crm = 1 ORDER BY d.started DESC LIMIT 1), own_account),
    account_key = coalesce((SELECT d.own_key FROM calls AS d WHERE d.account_domain = old.account_domain AND d.crm = 1 ORDER BY d.started DESC LIMIT 1), own_key)
  WHERE old.crm = 1 AND account_domain = old.account_domain AND crm = 0
    AND (account_key IS NOT coalesce((SELECT d.own_key FROM calls AS d WHERE d.account_domain = old.account_domain AND d.crm = 1 ORDER BY d.started DESC LIMIT 1), own_key)
      OR account IS NOT coalesce((SELECT d.own_account FROM calls AS d WHERE d.account_domain = old.account_domain AND d.crm = 1 ORDER BY d.started DESC LIMIT 1), own_account));
  UPDATE calls SET
    account = coalesce((SELECT d.own_account FROM calls AS d WHERE d.account_domain = new.account_domain AND d.crm = 1 ORDER BY d.started DESC LIMIT 1), own_account),
    account_key = coalesce((SELECT d.own_key FROM calls AS d WHERE d.account_domain = new.account_domain AND d.crm = 1 ORDER BY d.started DESC LIMIT 1), own_key)
  WHERE new.crm = 1 AND account_domain = new.account_domain AND crm = 0
    AND (account_key IS NOT coalesce((SELECT d.own_key FROM calls AS d WHERE d.account_domain = new.account_domain AND d.crm = 1 ORDER BY d.started DESC LIMIT 1), own_key)
      OR account IS NOT coalesce((SELECT d.own_account FROM calls AS d WHERE d.account_domain = new.account_domain AND d.crm = 1 ORDER BY d.started DESC LIMIT 1), own_account));
END;
CREATE TRIGGER merge_delete AFTER DELETE ON calls WHEN old.crm = 1 AND old.account_domain IS NOT NULL BEGIN
  UPDATE calls SET
    account = coalesce((SELECT d.own_account FROM calls AS d WHERE d.account_domain = old.account_domain AND d.crm = 1 ORDER BY d.started DESC LIMIT 1), own_account),
    account_key = coalesce((SELECT d.own_key FROM calls AS d WHERE d.account_domain = old.account_domain AND d.crm = 1 ORDER BY d.started DESC LIMIT 1), own_key)
  WHERE account_domain = old.account_domain AND crm = 0
    AND (account_key IS NOT coalesce((SELECT d.own_key FROM calls AS d WHERE d.account_domain = old.account_domain AND d.crm = 1 ORDER BY d.started DESC LIMIT 1), own_key)
      OR account IS NOT coalesce((SELECT d.own_account FROM calls AS d WHERE d.account_domain = old.account_domain AND d.crm = 1 ORDER BY d.started DESC LIMIT 1), own_account));
END;

-- The merge reads Gong's JSON again: every call is indexed again by the
-- sync's next steps (INDEX_VERSION 2 in worker/src/library.rs).
