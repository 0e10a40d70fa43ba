// The export into a real warehouse engine: the NDJSON of /v1/export is
// loaded into DuckDB, checked against the library, then kept current with
// the export cursor after calls change in Gong (the simulator) and the
// sync runs again. Under Miniflare with D1, the sync and the gate.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { startSim, startWorker, migratedDatabase, TOKEN, syncDone, storedCalls, root } from "./harness.mjs";
import { mergedKeys } from "./accounts-reference.mjs";
import { fold } from "./search-reference.mjs";

const FROM = "2024-01-01T00:00:00Z";
const TO = "2024-04-01T00:00:00Z";
const dir = mkdtempSync(join(tmpdir(), "gongkit-export-"));
let sim, worker, duck, db;
/** A static token limited to one participant's calls, and that participant. */
const ANN_TOKEN = "ann-token-5b0e9c2d7f1a4e8b6c3d0f9a2e7b4c1d";
let annEmail;

/** The simulator's calls the library holds: listed by Gong, not private, in the synced range. */
const held = () => storedCalls(sim, FROM, TO);

const synced = (since = null) => syncDone((p) => worker.request(p), since);

/** One export: its lines, parsed, and the cursor (header and last line agree). */
async function exportLines(query = "") {
  const r = await worker.request(`/v1/export${query}`);
  assert.equal(r.status, 200, r.body);
  const lines = r.body.trimEnd().split("\n").map((l) => JSON.parse(l));
  const last = lines.pop();
  assert.equal(last.cursor, r.headers.get("x-gongkit-cursor"));
  return { calls: lines.filter((l) => !l.deleted), deleted: lines.filter((l) => l.deleted).map((l) => l.id), last, raw: r.body };
}

async function rows(sql) {
  return (await db.runAndReadAll(sql)).getRowObjects();
}

/** Loads call lines into DuckDB the way a warehouse load would: from an NDJSON file. */
async function load(calls, table) {
  const file = join(dir, `${table}.ndjson`);
  writeFileSync(file, calls.map((c) => JSON.stringify(c)).join("\n") + "\n");
  await db.run(`CREATE OR REPLACE TABLE ${table} AS SELECT * FROM read_json('${file}', format = 'newline_delimited')`);
}

before(async () => {
  sim = await startSim({ generate: 400, args: ["--variety", "--seed", "5", "--from", FROM, "--to", TO, "--private-percent", "5"] });
  // Someone who was on some calls, not most.
  const counts = new Map();
  for (const c of (await sim.calls("?raw=true")).calls) {
    for (const p of c.extensive.parties ?? []) if (p.emailAddress && p.affiliation === "External") counts.set(p.emailAddress, (counts.get(p.emailAddress) ?? 0) + 1);
  }
  annEmail = [...counts].sort((a, b) => a[1] - b[1]).find(([, n]) => n >= 3)[0];
  worker = await startWorker(sim, {
    library: await migratedDatabase(),
    bindings: { INTERNAL_DOMAINS: "seller.io", GONGKIT_TOKEN: `${TOKEN},ann:${annEmail.toUpperCase()}:${ANN_TOKEN}` },
  });
  await worker.request("/v1/sync", { method: "POST", body: JSON.stringify({ from: FROM, to: TO }) });
  await synced();
  duck = await DuckDBInstance.create(":memory:");
  db = await duck.connect();
});

after(async () => {
  db?.closeSync?.();
  await worker?.dispose();
  await sim?.stop();
});

let cursor;

test("the export loads into DuckDB: every call once, ids as strings, calls per account as the library counts them", async () => {
  const all = await exportLines("?limit=10000");
  const expected = (await held()).map((c) => c.id).sort();
  assert.deepEqual(all.calls.map((c) => c.id).sort(), expected);
  assert.equal(all.last.calls, expected.length);
  assert.equal(all.last.more, false);
  await load(all.calls, "calls");
  const [{ n, ids }] = await rows("SELECT count(*)::INTEGER AS n, count(DISTINCT id)::INTEGER AS ids FROM calls");
  assert.deepEqual([n, ids], [expected.length, expected.length]);
  const [{ t }] = await rows("SELECT typeof(id) AS t FROM calls LIMIT 1");
  assert.equal(t, "VARCHAR", "ids stay strings (19 digits do not fit a double)");
  const big = await rows("SELECT id FROM calls ORDER BY id DESC LIMIT 1");
  assert.ok(expected.includes(big[0].id), "an id survives the load digit for digit");
  // Calls per account, by DuckDB and by the library (which lists a call
  // named from email under the CRM's name for its domain: accounts-reference.mjs).
  const raws = new Map((await sim.calls("?raw=true")).calls.map((c) => [c.id, c]));
  const loaded = await rows("SELECT id, account.name AS name, account.source AS source FROM calls WHERE account.name IS NOT NULL");
  const merged = mergedKeys(loaded.map((r) => ({ id: r.id, account: { name: r.name, source: r.source }, extensive: raws.get(r.id).extensive })));
  const perAccount = new Map();
  for (const key of merged.values()) perAccount.set(key, (perAccount.get(key) ?? 0) + 1);
  const accounts = (await worker.request("/v1/accounts?limit=1000")).json().accounts;
  assert.equal(accounts.length, perAccount.size);
  for (const a of accounts) assert.equal(a.calls, perAccount.get(fold(a.name)), a.name);
  const [{ turns }] = await rows("SELECT count(*)::INTEGER AS turns FROM calls WHERE transcript IS NOT NULL AND length(transcript) > 0");
  assert.ok(turns > expected.length * 0.9, "transcripts come along");
  cursor = all.last.cursor;
});

test("pages of an export join into the whole, and the last cursor has nothing new", async () => {
  const ids = [];
  let since = "";
  for (let pages = 0; pages < 100; pages++) {
    const page = await exportLines(`?limit=37${since}`);
    ids.push(...page.calls.map((c) => c.id), ...page.deleted);
    since = `&since=${encodeURIComponent(page.last.cursor)}`;
    if (!page.last.more) break;
  }
  const whole = await exportLines("?limit=10000");
  assert.deepEqual(ids.sort(), [...whole.calls.map((c) => c.id), ...whole.deleted].sort());
  assert.equal(new Set(ids).size, ids.length, "no call twice");
  const none = await exportLines(`?since=${encodeURIComponent(cursor)}`);
  assert.deepEqual([none.calls.length, none.deleted.length, none.last.cursor], [0, 0, cursor], "nothing changed: the same cursor back");
});

test("after changes in Gong and a sync, the export since the cursor carries exactly the changes", async () => {
  const before = (await worker.request("/v1/sync")).json();
  const visible = await held();
  const [a, b, c, gone1, gone2, template] = visible;
  for (const x of [a, b, c]) await sim.edit(x.id, { metaData: { title: `Renamed ${x.id}` } });
  await sim.remove(gone1.id);
  await sim.remove(gone2.id);
  const raw = (await sim.calls(`?ids=${template.id}`)).calls[0];
  const added = ["8800000000000000101", "8800000000000000102"];
  for (const id of added) {
    await sim.addCalls({ extensive: { ...raw.extensive, metaData: { ...raw.extensive.metaData, id, title: `New ${id}` } }, transcript: { ...raw.transcript, callId: id } });
  }
  await worker.request("/v1/sync", { method: "POST", body: JSON.stringify({ from: FROM, to: TO }) });
  await synced(before.lastRun);
  const changes = await exportLines(`?since=${encodeURIComponent(cursor)}`);
  assert.deepEqual(changes.calls.map((x) => x.id).sort(), [a.id, b.id, c.id, ...added].sort());
  assert.deepEqual(changes.deleted.sort(), [gone1.id, gone2.id].sort());
  assert.ok(changes.calls.filter((x) => !added.includes(x.id)).every((x) => x.title === `Renamed ${x.id}`));
  // Applied to the warehouse table: remove what changed or went, insert what changed.
  await load(changes.calls, "changes");
  const out = [...changes.deleted, ...changes.calls.map((x) => x.id)].map((id) => `'${id}'`).join(",");
  await db.run(`DELETE FROM calls WHERE id IN (${out})`);
  await db.run("INSERT INTO calls BY NAME SELECT * FROM changes");
  const [{ n }] = await rows("SELECT count(*)::INTEGER AS n FROM calls");
  const expected = (await held()).length;
  assert.equal(n, expected);
  const titles = await rows(`SELECT title FROM calls WHERE id = '${a.id}'`);
  assert.equal(titles[0].title, `Renamed ${a.id}`);
});

test("the transcript inside each record takes the format asked for; a bad format is refused", async () => {
  const plain = await exportLines("?limit=3");
  const markdown = await exportLines("?limit=3&format=markdown&timestamps=true");
  assert.deepEqual(plain.calls.map((c) => c.id), markdown.calls.map((c) => c.id));
  const withText = markdown.calls.find((c) => c.transcript);
  assert.match(withText.transcript, /\*\*/);
  assert.notEqual(withText.transcript, plain.calls.find((c) => c.id === withText.id).transcript);
  const bad = await worker.request("/v1/export?format=docx");
  assert.equal(bad.status, 400);
  assert.match(bad.json().error.message, /docx/);
  const head = await worker.request("/v1/export?limit=1", { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.body, "");
  assert.ok(head.headers.get("x-gongkit-cursor"));
});

test("a token limited to one person's calls sees only those in search, accounts and export", async () => {
  const raw = (await sim.calls("?raw=true")).calls;
  const theirs = new Set(raw.filter((c) => (c.extensive.parties ?? []).some((p) => p.emailAddress?.toLowerCase() === annEmail.toLowerCase())).map((c) => c.id));
  const asAnn = (path) => worker.request(path, { token: ANN_TOKEN });
  const exported = (await asAnn("/v1/export?limit=10000")).body.trimEnd().split("\n").map((l) => JSON.parse(l));
  const ids = exported.filter((l) => l.id).map((l) => l.id);
  assert.ok(ids.length > 0);
  assert.ok(ids.every((id) => theirs.has(id)), "only their calls");
  assert.ok(exported.every((l) => !l.deleted), "no removals of others' calls");
  const all = (await worker.request("/v1/search?q=pricing&limit=100")).json();
  const mine = (await asAnn("/v1/search?q=pricing&limit=100")).json();
  assert.ok(mine.hits.every((h) => theirs.has(h.callId)));
  assert.ok(mine.count < all.count, `${mine.count} of ${all.count}`);
  const accounts = (await asAnn("/v1/accounts")).json().accounts;
  assert.equal(accounts.reduce((n, a) => n + a.calls, 0), [...theirs].filter((id) => ids.includes(id)).length);
  for (const a of accounts) {
    const calls = (await asAnn(`/v1/accounts/${encodeURIComponent(a.name)}/calls`)).json().calls;
    assert.ok(calls.every((c) => theirs.has(c.id)));
  }
  const heldIds = new Set((await held()).map((c) => c.id));
  const other = raw.find((c) => !theirs.has(c.id) && heldIds.has(c.id));
  assert.equal((await asAnn(`/v1/calls/${other.id}`)).status, 404, "another's call is call_not_found");

  // One of their calls is deleted in Gong, and one of someone else's: after
  // the sync, their export since their cursor says exactly that one is gone.
  const cursor = exported.at(-1).cursor;
  const gone = ids[0];
  await sim.remove(gone);
  await sim.remove(other.id);
  const before = (await worker.request("/v1/sync")).json();
  await worker.request("/v1/sync", { method: "POST", body: JSON.stringify({ from: FROM, to: TO }) });
  await synced(before.lastRun);
  const since = (await asAnn(`/v1/export?since=${encodeURIComponent(cursor)}`)).body.trimEnd().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(since.filter((l) => l.deleted).map((l) => l.id), [gone], "their removal, and no one else's");
  const admin = (await worker.request(`/v1/export?since=${encodeURIComponent(cursor)}`)).body;
  assert.ok(admin.includes(`{"id":"${other.id}","deleted":true}`), `the admin hears of both: ${admin.slice(0, 300)}`);
  assert.ok(admin.includes(`{"id":"${gone}","deleted":true}`));
});

test("a private call's id never appears in an export of someone who could not see it", async () => {
  const raw = (await sim.calls("?raw=true")).calls;
  const privateIds = raw.filter((c) => c.isPrivate).map((c) => c.id);
  assert.ok(privateIds.length > 0);
  const body = (await worker.request("/v1/export?limit=10000")).body;
  for (const id of privateIds) assert.ok(!body.includes(id), `private call ${id} in the export`);
});

// Last, so the export carries removals (`{"id", "deleted": true}`) from the tests above.
test("the README's DuckDB recipe (Python, duckdb from PyPI) loads an export as it comes: no last line, no removals", async (t) => {
  const python = `${root}.venv-test/bin/python`;
  if (!existsSync(python)) {
    if (process.env.GONGKIT_REQUIRE_PYTHON) assert.fail(`${python} is missing: scripts/test makes it (ensure_python_venv in scripts/lib.sh)`);
    return t.skip(`no ${python}: run scripts/test, or source scripts/lib.sh and ensure_python_venv`);
  }
  const readme = readFileSync(`${root}README.md`, "utf8");
  const recipe = [...readme.matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.includes('read_json("calls.ndjson"'));
  assert.ok(recipe, "the README's python block that reads calls.ndjson");
  const r = await worker.request("/v1/export?limit=10000");
  const lines = r.body.trimEnd().split("\n").map((l) => JSON.parse(l));
  assert.ok(!("id" in lines.at(-1)), "the last line has no id");
  assert.ok(lines.some((l) => l.deleted), "the export has removals");
  const expected = lines.filter((l) => l.id && !l.deleted).map((l) => l.id).sort();
  const work = mkdtempSync(join(tmpdir(), "gongkit-recipe-"));
  writeFileSync(join(work, "calls.ndjson"), r.body);
  const shown = execFileSync(python, ["-c", recipe], { cwd: work }).toString();
  const check = `import duckdb, json
db = duckdb.connect("gong.db")
print(json.dumps({"ids": [r[0] for r in db.sql("SELECT id FROM calls").fetchall()],
                  "types": sorted(r[0] for r in db.sql("SELECT DISTINCT typeof(id) FROM calls").fetchall()),
                  "columns": db.sql("SELECT * FROM calls LIMIT 0").columns,
                  "top": db.sql("SELECT account.name, count(*) FROM calls GROUP BY 1 ORDER BY 2 DESC LIMIT 1").fetchall()[0][1]}))`;
  const got = JSON.parse(execFileSync(python, ["-c", check], { cwd: work }).toString());
  assert.deepEqual(got.ids.sort(), expected, "every call once, nothing else");
  assert.deepEqual(got.types, ["VARCHAR"], "ids stay strings");
  for (const c of ["cursor", "calls", "more", "deleted"]) assert.ok(!got.columns.includes(c), `no column ${c}`);
  assert.ok(got.columns.includes("transcript") && got.columns.includes("account"));
  assert.match(shown, new RegExp(`│ +${got.top} │`), `the recipe prints calls per account, the most first:\n${shown}`);
});
