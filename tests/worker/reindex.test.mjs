// An upgrade: a library written under migration 0001 (before the search
// index) is migrated to 0002 with `wrangler d1 migrations apply`, and the
// sync's steps index its calls again, so nothing written before is lost
// to search.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, copyFileSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSim, startWorker, root, DATABASE_ID } from "./harness.mjs";

const dir = mkdtempSync(join(tmpdir(), "gongkit-reindex-"));
const state = join(dir, "state");
const env = { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" };
let sim, worker;

after(async () => {
  await worker?.dispose();
  await sim?.stop();
});

function migrate(config) {
  return execFileSync(`${root}node_modules/.bin/wrangler`, ["d1", "migrations", "apply", "GONGKIT_DB", "--local", "--persist-to", state, "-c", config], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  }).toString();
}

test("calls stored before the search index are indexed by the sync after the migration", { timeout: 300_000 }, async () => {
  // The schema as it was: only 0001.
  mkdirSync(join(dir, "migrations"));
  copyFileSync(`${root}migrations/0001_library.sql`, join(dir, "migrations", "0001_library.sql"));
  const compatibility = readFileSync(`${root}wrangler.toml`, "utf8").match(/compatibility_date = "([^"]+)"/)[1];
  const old = join(dir, "wrangler.toml");
  writeFileSync(old, `name = "gongkit"\ncompatibility_date = "${compatibility}"\n[[d1_databases]]\nbinding = "GONGKIT_DB"\ndatabase_name = "gongkit"\ndatabase_id = "${DATABASE_ID}"\nmigrations_dir = "migrations"\n`);
  assert.match(migrate(old), /0001_library\.sql/);

  sim = await startSim({ generate: 60, args: ["--variety", "--seed", "9", "--from", "2024-01-01T00:00:00Z", "--to", "2024-02-01T00:00:00Z", "--private-percent", "0"] });
  const raw = (await sim.calls("?raw=true")).calls;
  // Rows as the 0001 Worker wrote them (its triggers fill the old index).
  const v1 = await startWorker(sim, { library: join(state, "v3", "d1") });
  const db = await v1.mf.getD1Database("GONGKIT_DB");
  for (const c of raw) {
    const m = c.extensive.metaData;
    await db
      .prepare("INSERT INTO calls (id, started, title, account, participants, brief, key_points, is_private, extensive, transcript, digest, synced_at) VALUES (?1, ?2, ?3, NULL, '', NULL, '', 0, ?4, ?5, 'v1', 0)")
      .bind(c.id, Date.parse(m.started) || 0, m.title, JSON.stringify(c.extensive), c.transcript ? JSON.stringify(c.transcript) : null)
      .run();
  }
  await v1.dispose();

  // The upgrade: the same database, every migration of the repository.
  const out = migrate(`${root}wrangler.toml`);
  assert.match(out, /0002_search\.sql/);
  assert.doesNotMatch(out, /0001_library\.sql.*✅/s, "0001 is not applied twice");
  worker = await startWorker(sim, { library: join(state, "v3", "d1") });
  let status = (await worker.request("/v1/sync")).json();
  assert.equal(status.callsInLibrary, raw.length);
  assert.equal(status.callsAwaitingIndex, raw.length);
  const before = await worker.request("/v1/search?q=pricing");
  assert.equal(before.json().count, 0, "not searchable yet");

  // Any sync step indexes a batch; a backfill of an empty range starts one.
  await worker.request("/v1/sync", { method: "POST", body: JSON.stringify({ from: "2030-01-01T00:00:00Z", to: "2030-01-02T00:00:00Z" }) });
  for (const deadline = Date.now() + 120_000; ; ) {
    status = (await worker.request("/v1/sync")).json();
    if (status.callsAwaitingIndex === 0 && status.status === "idle") break;
    assert.ok(Date.now() < deadline, JSON.stringify(status));
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.equal(status.callsInLibrary, raw.length, "nothing removed");
  const found = (await worker.request("/v1/search?q=pricing&limit=100")).json();
  assert.ok(found.count > 0);
  assert.ok(found.hits.some((h) => h.turns.length > 0), "turns are quoted again");
  const accounts = (await worker.request("/v1/accounts")).json();
  assert.ok(accounts.count > 0, "account names are derived again");
  // The export did not see the reindex as changes: only the rows' own history.
  const exported = await worker.request("/v1/export");
  const lines = exported.body.trimEnd().split("\n");
  assert.equal(JSON.parse(lines.at(-1)).calls, 0, "the rows were written without change log entries, and the reindex adds none");
});
