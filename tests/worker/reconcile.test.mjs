// The reconcile, spread over the week: each day's slice lists a seventh of
// the library (at most SYNC_RECONCILE_PAGES pages), newest calls first, and
// catches there what the tiers no longer re-read: a call Gong stopped
// listing and a call changed since. Under Miniflare with a migrated local D1
// and the simulator.
//
// A fresh sync state over a library that is already there starts its first
// slice at once (a running deployment starts one a day after the last).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { startSim, startWorker, migratedDatabase, syncDone, storedCalls } from "./harness.mjs";

const FROM = "2024-01-01T00:00:00Z";
const TO = "2025-01-01T00:00:00Z";
let s, w;

after(async () => {
  await w?.dispose();
  await s?.stop();
});

test("a day's reconcile slice removes the call Gong stopped listing and rewrites the changed one, among the newest seventh only, with no transcript request", { timeout: 300_000 }, async () => {
  s = await startSim({ generate: 70 });
  const library = await migratedDatabase();
  w = await startWorker(s, { library });
  assert.equal((await w.request("/v1/sync", { method: "POST", body: JSON.stringify({ from: FROM, to: TO }) })).status, 202);
  const filled = await syncDone((p) => w.request(p), null, 120_000);
  assert.equal(filled.lastRun.result, "ok", JSON.stringify(filled));
  const calls = (await storedCalls(s, FROM, TO)).sort((a, b) => b.time - a.time || (a.id < b.id ? 1 : -1));
  assert.equal(filled.callsInLibrary, calls.length);
  // A seventh of the library, rounded up: the newest 10 of 70.
  const slice = Math.ceil(calls.length / 7);
  const [newest, second] = [calls[0].id, calls[1].id];
  const older = calls[slice + 2].id;
  await s.remove(newest);
  await s.remove(older);
  await s.edit(second, { metaData: { title: "Renamed in Gong" } });
  await w.dispose();

  // The next day, as a fresh sync state over the same library sees it.
  w = await startWorker(s, { library });
  await s.reset();
  await w.scheduled();
  const done = await syncDone((p) => w.request(p), null, 120_000);
  const run = done.lastRun;
  assert.equal(run.kind, "reconcile", JSON.stringify(done));
  assert.equal(run.result, "ok", JSON.stringify(done));
  assert.equal(Date.parse(run.to), Date.parse(TO), "the sweep starts at the end of the covered range");
  const first = Date.parse(run.from) / 1000;
  assert.equal(first, calls[slice - 1].time, "the slice starts at the newest seventh's oldest call");
  assert.equal(run.removed, 1, "the call Gong stopped listing");
  assert.equal(run.written, 1, "the changed call");
  const stats = await s.stats();
  assert.equal(stats.transcript, 0, "a changed call keeps the transcript the library has");
  assert.equal(stats.extensive, 1, "one listing page for the slice");

  assert.equal((await w.request(`/v1/calls/${newest}`)).status, 404);
  const renamed = await w.request(`/v1/calls/${second}`);
  assert.equal(renamed.headers.get("x-gongkit-source"), "library");
  assert.equal(renamed.json().title, "Renamed in Gong");
  // Outside the slice: left for a later day.
  const kept = await w.request(`/v1/calls/${older}`);
  assert.equal(kept.status, 200);
  assert.equal(kept.headers.get("x-gongkit-source"), "library");
  assert.equal(done.callsInLibrary, calls.length - 1);
  // GET /v1/sync shows the slice and where the sweep goes on: below it.
  assert.equal(Date.parse(done.tiers.reconcileBefore), Date.parse(run.from), JSON.stringify(done.tiers));
  assert.ok(Date.parse(done.tiers.lastReconcile) >= Date.parse(run.started) - 1000, JSON.stringify(done.tiers));
  assert.equal(done.tiers.lastWebhook, null);

  // The same day the next Cron run is an ordinary one.
  await w.scheduled();
  const next = await syncDone((p) => w.request(p), run, 120_000);
  assert.equal(next.lastRun.kind, "incremental", JSON.stringify(next.lastRun));
});
