// LIBRARY_RETENTION_DAYS: the sync removes calls older than the window
// (the export carries their removal), trims the covered range so a read of
// the old range goes to Gong again, and leaves the calls inside the window
// alone. Under Miniflare with a migrated local D1 and the simulator.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { startSim, startWorker, migratedDatabase, syncDone, storedCalls } from "./harness.mjs";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = Date.now();
const iso = (ms) => new Date(ms).toISOString();
const FROM = iso(NOW - 100 * DAY);
const TO = iso(NOW);
// The Worker's cutoff is its own clock at the step less 30 days: the calls
// within an hour of it are left out of the assertions.
const CUTOFF = NOW - 30 * DAY;
let s, w;

after(async () => {
  await w?.dispose();
  await s?.stop();
});

async function listing(from, to) {
  const ids = [];
  let r = (await w.request(`/v1/calls?from=${from}&to=${to}&limit=1000`)).json();
  const source = r.source;
  ids.push(...r.calls.map((c) => c.id));
  while (r.cursor) {
    r = (await w.request(`/v1/calls?cursor=${encodeURIComponent(r.cursor)}&limit=1000`)).json();
    ids.push(...r.calls.map((c) => c.id));
  }
  return { source, ids: ids.sort() };
}

async function exported() {
  const r = await w.request("/v1/export");
  assert.equal(r.status, 200, r.body);
  const lines = r.body.trimEnd().split("\n").map((l) => JSON.parse(l));
  lines.pop();
  return {
    calls: lines.filter((l) => !l.deleted).map((l) => l.id).sort(),
    deleted: lines.filter((l) => l.deleted).map((l) => l.id).sort(),
  };
}

test("LIBRARY_RETENTION_DAYS=30: older calls leave the library with tombstones in the export, their range is read from Gong, the window is untouched", { timeout: 600_000 }, async () => {
  s = await startSim({ generate: 240, args: ["--from", FROM, "--to", TO] });
  w = await startWorker(s, { library: await migratedDatabase(), bindings: { LIBRARY_RETENTION_DAYS: "30", INITIAL_SYNC_DAYS: "0" } });
  const held = await storedCalls(s, FROM, TO);
  const old = held.filter((c) => c.time * 1000 < CUTOFF - HOUR).map((c) => c.id).sort();
  const kept = held.filter((c) => c.time * 1000 >= CUTOFF + HOUR).map((c) => c.id).sort();
  assert.ok(old.length > 100 && kept.length > 40, `${old.length} old, ${kept.length} kept`);

  // A backfill of the whole 100 days: its steps write every call and the
  // retention step after each removes what is older than 30 days.
  const r = await w.request("/v1/sync", { method: "POST", body: JSON.stringify({ from: FROM, to: TO }) });
  assert.equal(r.status, 202, r.body);
  const done = await syncDone((p) => w.request(p), null, 300_000);
  assert.equal(done.lastRun.result, "ok", JSON.stringify(done));
  // The last alarm's retention runs after its status is saved: wait for it.
  const deadline = Date.now() + 60_000;
  let count;
  while ((count = (await w.request("/v1/sync")).json().callsInLibrary) > held.length - old.length) {
    assert.ok(Date.now() < deadline, `${count} calls still in the library`);
    await new Promise((r) => setTimeout(r, 300));
  }

  // The window: every call Gong lists there, from the library.
  const window = await listing(iso(CUTOFF + HOUR), TO);
  assert.equal(window.source, "library");
  assert.deepEqual(window.ids, kept);
  const one = await w.request(`/v1/calls/${kept[0]}`);
  assert.equal(one.status, 200, one.body);
  assert.equal(one.headers.get("x-gongkit-source"), "library");

  // The export: the kept calls as calls, every old one as a removal.
  const e = await exported();
  for (const id of kept) assert.ok(e.calls.includes(id), `kept call ${id} in the export`);
  for (const id of old) {
    assert.ok(e.deleted.includes(id), `old call ${id} exported as removed`);
    assert.ok(!e.calls.includes(id), `old call ${id} not exported as a call`);
  }

  // The old range is no longer covered: it is read from Gong (the
  // simulator counts the listing), and Gong still has every call of it.
  const before = await s.stats();
  const gone = await listing(FROM, iso(CUTOFF - HOUR));
  const afterStats = await s.stats();
  assert.equal(gone.source, "gong");
  assert.ok(afterStats.extensive > before.extensive, "the old range was asked of Gong");
  assert.deepEqual(gone.ids, old);
  // A call of the old range comes from Gong too (not the library).
  const oldOne = await w.request(`/v1/calls/${old[0]}?fresh=true`);
  assert.equal(oldOne.status, 200, oldOne.body);
  assert.notEqual(oldOne.headers.get("x-gongkit-source"), "library");
});

test("a LIBRARY_RETENTION_DAYS that is not a number of days is refused, naming it", { timeout: 120_000 }, async () => {
  s ??= await startSim({ generate: 10 });
  const bad = await startWorker(s, { library: await migratedDatabase(), bindings: { LIBRARY_RETENTION_DAYS: "a year" } });
  try {
    const r = await bad.request("/v1/calls?from=2024-01-01&to=2024-02-01");
    assert.equal(r.status, 503, r.body);
    assert.deepEqual(r.json().error, { code: "not_configured", message: 'LIBRARY_RETENTION_DAYS="a year": expected a whole number from 0 to 36500' });
  } finally {
    await bad.dispose();
  }
});
