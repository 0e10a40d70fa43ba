// LIBRARY_PERIODS: the library over three monthly D1 databases. A Worker
// with the periods and a Worker with one database sync the same simulator
// (60 calls over three months); each call is stored in the database of its
// start, and every read (a call by id, /v1/calls pages across the months'
// boundaries, search pages, accounts, an account's calls, the export with a
// removal) answers what the one-database Worker answers. Then retention
// empties the oldest period. Under Miniflare with migrated local D1s.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSim, startWorker, migratedDatabase, syncDone, storedCalls, root, DATABASE_ID } from "./harness.mjs";

const FROM = "2026-01-01T00:00:00.000Z";
const TO = "2026-04-01T00:00:00.000Z";
const FEB = Date.parse("2026-02-01T00:00:00Z");
const MAR = Date.parse("2026-03-01T00:00:00Z");
const DAY = 86_400_000;
const PERIODS = [
  { binding: "GONGKIT_DB_2026_01", id: "11111111-1111-1111-1111-111111111111", from: "2026-01-01" },
  { binding: "GONGKIT_DB_2026_02", id: "22222222-2222-2222-2222-222222222222", from: "2026-02-01" },
  { binding: "GONGKIT_DB", id: DATABASE_ID, from: "2026-03-01" },
];
const LIBRARY_PERIODS = PERIODS.map((p) => `${p.from}=${p.binding}`).join(",");
const bindings = { INITIAL_SYNC_DAYS: "0" };
let s, one, many, libraryDir, databases, config;

/** A wrangler config declaring the three period databases. */
function periodsConfig() {
  const dir = mkdtempSync(join(tmpdir(), "gongkit-periods-config-"));
  const path = join(dir, "wrangler.toml");
  writeFileSync(path, [
    `name = "gongkit"`,
    `compatibility_date = "2026-01-01"`,
    ...PERIODS.flatMap(({ binding, id }) => [
      `[[d1_databases]]`, `binding = "${binding}"`, `database_name = "${binding.toLowerCase()}"`, `database_id = "${id}"`, `migrations_dir = "${root}migrations"`,
    ]),
  ].join("\n") + "\n");
  return path;
}

async function backfill(w) {
  const last = (await w.request("/v1/sync")).json().lastRun ?? null;
  const r = await w.request("/v1/sync", { method: "POST", body: JSON.stringify({ from: FROM, to: TO }) });
  assert.equal(r.status, 202, r.body);
  const done = await syncDone((p) => w.request(p), last, 300_000);
  assert.equal(done.lastRun.result, "ok", JSON.stringify(done));
  return done;
}

/**
 * Every page of a listing that pages with `cursor`, as parsed bodies; the
 * next page's URL is `path` with the cursor (`alone`: the cursor and the
 * limit only, as /v1/calls takes it).
 */
async function pages(w, path, { alone = false } = {}) {
  const out = [];
  let url = path;
  for (;;) {
    const r = await w.request(url);
    assert.equal(r.status, 200, `${url}: ${r.body}`);
    const body = r.json();
    out.push(body);
    if (!body.cursor) return out;
    const cursor = `cursor=${encodeURIComponent(body.cursor)}`;
    const [base, query] = path.split("?");
    const limit = new URLSearchParams(query).get("limit");
    url = alone ? `${base}?${cursor}&limit=${limit}` : `${path}${query ? "&" : "?"}${cursor}`;
  }
}

/** Drops what is signed per Worker instance (cursors) from pages. */
const bare = (list) => list.map(({ cursor, ...rest }) => ({ ...rest, more: Boolean(cursor) }));

/** The whole export after `since`, page by page; lines and the last cursor. */
async function exportAll(w, since = null, limit = 7) {
  const lines = [];
  let cursor = since;
  for (;;) {
    const q = `limit=${limit}${cursor ? `&since=${encodeURIComponent(cursor)}` : ""}`;
    const r = await w.request(`/v1/export?${q}`);
    assert.equal(r.status, 200, r.body);
    const parsed = r.body.trimEnd().split("\n").map((l) => JSON.parse(l));
    const last = parsed.pop();
    lines.push(...parsed);
    cursor = last.cursor;
    if (!last.more) return { lines, cursor };
  }
}

/** Export lines by id (each call's newest line), for comparing as sets. */
const byId = (lines) => Object.fromEntries(lines.map((l) => [l.id, l]));

before(async () => {
  s = await startSim({ generate: 60, args: ["--from", FROM, "--to", TO, "--variety", "--seed", "19"] });
  config = periodsConfig();
  libraryDir = await migratedDatabase({ config });
  databases = PERIODS.map(({ binding, id }) => ({ binding, id }));
  many = await startWorker(s, { library: libraryDir, databases, bindings: { ...bindings, LIBRARY_PERIODS } });
  one = await startWorker(s, { library: await migratedDatabase(), bindings });
  await Promise.all([backfill(one), backfill(many)]);
});

after(async () => {
  await one?.dispose();
  await many?.dispose();
  await s?.stop();
});

test("each call is stored in the database of its start, and only there", async () => {
  const held = await storedCalls(s, FROM, TO);
  assert.ok(held.length >= 50, `${held.length} calls`);
  const ends = [FEB, MAR, Infinity];
  const seen = [];
  for (const [i, { binding }] of PERIODS.entries()) {
    const db = await many.mf.getD1Database(binding);
    const rows = (await db.prepare("SELECT id, started FROM calls").all()).results;
    assert.ok(rows.length > 5, `${binding} holds ${rows.length} calls`);
    const start = i === 0 ? -Infinity : Date.parse(PERIODS[i].from);
    for (const r of rows) assert.ok(r.started >= start && r.started < ends[i], `${r.id} (${new Date(r.started).toISOString()}) in ${binding}`);
    seen.push(...rows.map((r) => r.id));
  }
  assert.deepEqual(seen.sort(), held.map((c) => c.id).sort(), "every call once");
  // The main database keeps the coverage; the status counts every period.
  const status = (await many.request("/v1/sync")).json();
  assert.equal(status.callsInLibrary, held.length);
  assert.deepEqual(status.coverage ?? null, (await one.request("/v1/sync")).json().coverage ?? null);
});

test("a call by id, its transcript and document come from its period, as from one database", async () => {
  const held = await storedCalls(s, FROM, TO);
  const pick = [held[0], held[Math.floor(held.length / 2)], held[held.length - 1]];
  for (const c of pick) {
    for (const path of [`/v1/calls/${c.id}`, `/v1/calls/${c.id}/transcript?format=markdown`, `/v1/calls/${c.id}/document`]) {
      const [a, b] = await Promise.all([one.request(path), many.request(path)]);
      assert.equal(b.status, 200, `${path}: ${b.body}`);
      assert.equal(b.headers.get("x-gongkit-source"), "library", path);
      assert.equal(b.body, a.body, path);
    }
  }
  const missing = await many.request("/v1/calls/9999999999999999999");
  assert.equal(missing.status, (await one.request("/v1/calls/9999999999999999999")).status);
});

test("/v1/calls pages across the months' boundaries as one database's", async () => {
  for (const range of [`from=${FROM}&to=${TO}`, "from=2026-01-20T00:00:00Z&to=2026-03-10T00:00:00Z"]) {
    const path = `/v1/calls?${range}&limit=7`;
    const [a, b] = await Promise.all([pages(one, path, { alone: true }), pages(many, path, { alone: true })]);
    assert.ok(b.length > 3, `${b.length} pages`);
    assert.equal(b[0].source, "library");
    assert.deepEqual(bare(b), bare(a), range);
  }
});

// bm25 weighs a word by how rare it is in its database: a period's scores
// are its own, so the merged order is checked against the scores given and
// everything else against one database's answer.
test("search merges the periods' pages by score, then id: the hits and the count of one database", async () => {
  for (const q of ["pricing", "security review", "budget OR timeline", "integration", "the"]) {
    for (const extra of ["", `&from=2026-02-10T00:00:00Z&to=2026-03-20T00:00:00Z`]) {
      const path = `/v1/search?q=${encodeURIComponent(q)}&limit=4${extra}`;
      const [a, b] = await Promise.all([pages(one, path), pages(many, path)]);
      const hits = (list) => list.flatMap((p) => p.hits);
      const [ha, hb] = [hits(a), hits(b)];
      assert.ok(hb.length > 0 || q === "integration", `${path}: no hits`);
      assert.deepEqual(b.map((p) => p.count), a.map(() => a[0].count), `${path}: the count`);
      for (let i = 1; i < hb.length; i++) {
        const [x, y] = [hb[i - 1], hb[i]];
        assert.ok(x.score > y.score || (x.score === y.score && x.callId < y.callId) || Math.abs(x.score - y.score) < 0.001, `${path}: ${x.callId} ${x.score} before ${y.callId} ${y.score}`);
      }
      const without = ({ score, ...rest }) => rest;
      const key = (h) => h.callId;
      assert.deepEqual(hb.map(without).sort((x, y) => key(x).localeCompare(key(y))), ha.map(without).sort((x, y) => key(x).localeCompare(key(y))), path);
    }
  }
  // At least one query found calls in more than one period.
  const hits = (await pages(many, "/v1/search?q=pricing&limit=100")).flatMap((p) => p.hits);
  const months = new Set(hits.map((h) => (h.started ?? h.startedAt ?? "").slice(0, 7)));
  assert.ok(hits.length > 3 && months.size > 1, JSON.stringify([...months]));
});

// An account's people are each period's most frequent, newest period
// first: the same number as one database lists, not always the same ones.
test("accounts and an account's calls merge the periods as one database lists them", async () => {
  const rows = (list) => list.map((p) => ({ ...p, cursor: Boolean(p.cursor), accounts: p.accounts.map(({ people, ...a }) => ({ ...a, people: people.length })) }));
  for (const range of ["", `?from=2026-01-15T00:00:00Z&to=2026-03-15T00:00:00Z`]) {
    for (const limit of [2, 100]) {
      const path = `/v1/accounts${range}${range ? "&" : "?"}limit=${limit}`;
      const [a, b] = await Promise.all([pages(one, path), pages(many, path)]);
      assert.ok(a.flatMap((p) => p.accounts).length > 3, path);
      assert.deepEqual(rows(b), rows(a), path);
    }
  }
  const accounts = (await one.request("/v1/accounts?limit=100")).json().accounts;
  assert.ok(accounts.length > 2);
  for (const account of accounts.slice(0, 4)) {
    const path = `/v1/accounts/${encodeURIComponent(account.name)}/calls?limit=3`;
    const [a, b] = await Promise.all([pages(one, path), pages(many, path)]);
    assert.deepEqual(bare(b), bare(a), path);
  }
  // A participant's calls, newest first across the periods.
  const people = accounts.flatMap((a) => a.people).filter((p) => p.email).slice(0, 4);
  assert.ok(people.length > 0);
  let paged = 0;
  for (const person of people) {
    const path = `/v1/participants/${encodeURIComponent(person.email)}/calls?limit=1`;
    const [a, b] = await Promise.all([pages(one, path), pages(many, path)]);
    assert.ok(b.flatMap((p) => p.calls).length > 0, path);
    assert.deepEqual(bare(b), bare(a), path);
    if (b.length > 1) paged += 1;
  }
  assert.ok(paged > 0, "a participant's calls over several pages");
});

test("the export carries every call once, page by page, then a removal as a tombstone", async () => {
  const [a, b] = await Promise.all([exportAll(one), exportAll(many)]);
  const held = await storedCalls(s, FROM, TO);
  assert.equal(b.lines.length, held.length, "one line a call");
  assert.deepEqual(byId(b.lines), byId(a.lines));
  // Nothing new: an empty export after the cursor.
  assert.deepEqual((await exportAll(many, b.cursor)).lines, []);
  // Gong drops a February call; the next backfill removes it from its period.
  const gone = held.find((c) => c.time * 1000 >= FEB + DAY && c.time * 1000 < MAR - DAY);
  await s.remove(gone.id);
  await Promise.all([backfill(one), backfill(many)]);
  const [a2, b2] = await Promise.all([exportAll(one, a.cursor), exportAll(many, b.cursor)]);
  assert.deepEqual(b2.lines, [{ id: gone.id, deleted: true }]);
  assert.deepEqual(b2.lines, a2.lines);
  const feb = await many.mf.getD1Database("GONGKIT_DB_2026_02");
  assert.equal((await feb.prepare("SELECT count(*) AS n FROM calls WHERE id = ?").bind(gone.id).first()).n, 0);

  // A call whose start Gong moves to another month moves to that period's
  // database (and leaves the other), both ways; the export sends it as a
  // call, never as a removal.
  const jan = await many.mf.getD1Database("GONGKIT_DB_2026_01");
  const mar = await many.mf.getD1Database("GONGKIT_DB");
  const fromJan = held.find((c) => c.time * 1000 < FEB - DAY);
  const fromMar = held.find((c) => c.time * 1000 >= MAR + DAY);
  for (const [c, started] of [[fromJan, "2026-02-15T10:00:00Z"], [fromMar, "2026-01-20T10:00:00Z"]]) {
    const edited = await s.edit(c.id, { metaData: { started, scheduled: started } });
    assert.ok(edited.ok, JSON.stringify(edited));
  }
  await Promise.all([backfill(one), backfill(many)]);
  const count = async (db, id) => (await db.prepare("SELECT count(*) AS n FROM calls WHERE id = ?").bind(id).first()).n;
  assert.deepEqual([await count(jan, fromJan.id), await count(feb, fromJan.id)], [0, 1], "January → February");
  assert.deepEqual([await count(mar, fromMar.id), await count(jan, fromMar.id)], [0, 1], "March → January");
  for (const c of [fromJan, fromMar]) {
    const [x, y] = await Promise.all([one.request(`/v1/calls/${c.id}`), many.request(`/v1/calls/${c.id}`)]);
    assert.equal(y.body, x.body);
  }
  const [a3, b3] = await Promise.all([exportAll(one, a2.cursor), exportAll(many, b2.cursor)]);
  assert.ok(b3.lines.every((l) => !l.deleted), JSON.stringify(b3.lines.map((l) => [l.id, l.deleted])));
  assert.deepEqual(byId(b3.lines), byId(a3.lines));
  assert.deepEqual(Object.keys(byId(b3.lines)).sort(), [fromJan.id, fromMar.id].sort());
  // From the start, too: every call once, none removed but the one Gong dropped.
  const [a4, b4] = await Promise.all([exportAll(one), exportAll(many)]);
  assert.deepEqual(byId(b4.lines), byId(a4.lines));
  assert.deepEqual(b4.lines.filter((l) => l.deleted), [{ id: gone.id, deleted: true }]);
});

test("a CRM call removed: its domain's calls in the other periods take the next name, as in one database", async () => {
  const [jan, feb, mar] = await Promise.all(PERIODS.map((p) => many.mf.getD1Database(p.binding)));
  // A domain whose March CRM calls name calls without CRM context of an older period.
  const crm = (await mar.prepare("SELECT account_domain AS domain, own_key AS key FROM calls WHERE crm = 1 AND account_domain IS NOT NULL ORDER BY started DESC").all()).results;
  let chosen = null;
  for (const { domain, key } of crm) {
    for (const db of [jan, feb]) {
      const named = (await db.prepare("SELECT id FROM calls WHERE account_domain = ? AND crm = 0 AND account_key = ? AND own_key IS NOT ?").bind(domain, key, key).all()).results;
      if (named.length > 0) chosen ??= { domain, older: named.map((r) => r.id) };
    }
  }
  assert.ok(chosen, "a domain whose CRM name crosses periods");
  const removed = (await mar.prepare("SELECT id FROM calls WHERE account_domain = ? AND crm = 1").bind(chosen.domain).all()).results.map((r) => r.id);
  for (const id of removed) await s.remove(id);
  await Promise.all([backfill(one), backfill(many)]);
  // The older calls' account is now what one database's triggers give them.
  const single = await one.mf.getD1Database("GONGKIT_DB");
  const accountOf = async (db, id) => (await db.prepare("SELECT account, account_key FROM calls WHERE id = ?").bind(id).first());
  for (const id of chosen.older) {
    const period = (await jan.prepare("SELECT 1 AS x FROM calls WHERE id = ?").bind(id).first()) ? jan : feb;
    assert.deepEqual(await accountOf(period, id), await accountOf(single, id), id);
  }
  const rows = (list) => list.map((p) => ({ ...p, cursor: Boolean(p.cursor), accounts: p.accounts.map(({ people, ...a }) => ({ ...a, people: people.length })) }));
  const [a, b] = await Promise.all([pages(one, "/v1/accounts?limit=100"), pages(many, "/v1/accounts?limit=100")]);
  assert.deepEqual(rows(b), rows(a));
});

test("retention empties the oldest period and leaves the newer ones", async () => {
  // Keep from 2 Feb (UTC) on: the cutoff falls on 2 Feb, so January goes.
  const days = Math.floor((Date.now() - (FEB + DAY)) / DAY);
  // One Worker over the databases at a time.
  await many.dispose();
  many = null;
  const kept = await startWorker(s, { library: libraryDir, databases, bindings: { ...bindings, LIBRARY_PERIODS, LIBRARY_RETENTION_DAYS: String(days) } });
  try {
    const mar = await kept.mf.getD1Database("GONGKIT_DB");
    const before = (await mar.prepare("SELECT count(*) AS n FROM calls").first()).n;
    // Retention runs after each sync step: a small sync of March starts one.
    const r = await kept.request("/v1/sync", { method: "POST", body: JSON.stringify({ from: "2026-03-30T00:00:00Z", to: TO }) });
    assert.equal(r.status, 202, r.body);
    const jan = await kept.mf.getD1Database("GONGKIT_DB_2026_01");
    const deadline = Date.now() + 120_000;
    while ((await jan.prepare("SELECT count(*) AS n FROM calls").first()).n > 0) {
      assert.ok(Date.now() < deadline, "January still holds calls");
      await new Promise((r) => setTimeout(r, 300));
    }
    await syncDone((p) => kept.request(p), null, 120_000);
    assert.equal((await mar.prepare("SELECT count(*) AS n FROM calls").first()).n, before, "March is untouched");
    const feb = await kept.mf.getD1Database("GONGKIT_DB_2026_02");
    const late = (await feb.prepare("SELECT count(*) AS n FROM calls WHERE started >= ?").bind(FEB + 2 * DAY).first()).n;
    assert.ok(late > 0, "February after the cutoff is kept");
    // January's removals are in the export, as tombstones.
    const janIds = (await storedCalls(s, FROM, new Date(FEB).toISOString())).map((c) => c.id).sort();
    const tomb = (await exportAll(kept)).lines.filter((l) => l.deleted).map((l) => l.id);
    for (const id of janIds) assert.ok(tomb.includes(id), `${id} exported as removed`);
  } finally {
    await kept.dispose();
  }
});

test("a LIBRARY_PERIODS that cannot be used is refused with 503, naming the setting and the pair", async () => {
  const cases = [
    ["2026-01-01=GONGKIT_DB_NOPE,2026-03-01=GONGKIT_DB", 'LIBRARY_PERIODS: "2026-01-01=GONGKIT_DB_NOPE": GONGKIT_DB_NOPE is not a bound D1 database: declare it as a [[d1_databases]] of wrangler.toml'],
    ["2026-13-01=GONGKIT_DB", 'LIBRARY_PERIODS: "2026-13-01=GONGKIT_DB": "2026-13-01" is not a day (YYYY-MM-DD)'],
    ["2026-03-01=GONGKIT_DB,2026-01-01=GONGKIT_DB_2026_01", "LIBRARY_PERIODS: the period of GONGKIT_DB_2026_01 is written after a later one (GONGKIT_DB): write the pairs oldest first"],
  ];
  for (const [value, message] of cases) {
    const bad = await startWorker(s, { library: libraryDir, databases, bindings: { ...bindings, LIBRARY_PERIODS: value } });
    try {
      for (const path of ["/v1/search?q=pricing", `/v1/calls?from=${FROM}&to=${TO}`]) {
        const r = await bad.request(path);
        assert.equal(r.status, 503, `${value} ${path}: ${r.body}`);
        assert.deepEqual(r.json().error, { code: "not_configured", message }, value);
      }
    } finally {
      await bad.dispose();
    }
  }
});
