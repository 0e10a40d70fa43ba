// A freshly deployed Worker fills its library by itself: the first Cron run
// over an empty library backfills the last INITIAL_SYNC_DAYS (Miniflare, D1
// migrated, the sync's Durable Object, the simulator with Gong's rate limit).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { startSim, startWorker, migratedDatabase, syncDone, storedCalls } from "./harness.mjs";

const cleanup = [];
after(() => Promise.allSettled(cleanup.map((f) => f())));

const DAY = 86_400_000;

async function setUp(bindings) {
  const now = Date.now();
  // Calls over the last 120 days: 90 of them are the first backfill's.
  const s = await startSim({
    generate: 0,
    args: ["--rate-limit", "3", "--variety", "--private-percent", "0", "--generate", "160",
      "--from", new Date(now - 120 * DAY).toISOString(), "--to", new Date(now - 3_600_000).toISOString()],
  });
  cleanup.push(() => s.stop());
  const w = await startWorker(s, { library: await migratedDatabase(), bindings });
  cleanup.push(() => w.dispose());
  return { s, w, now };
}

test("the first Cron run over an empty library backfills the last INITIAL_SYNC_DAYS, then runs are incremental", { timeout: 300_000 }, async () => {
  const { s, w, now } = await setUp({ INITIAL_SYNC_DAYS: "90" });
  const before = (await w.request("/v1/sync")).json();
  assert.equal(before.callsInLibrary, 0);
  assert.equal((await w.scheduled()).outcome, "ok");
  const first = await syncDone((p) => w.request(p));
  assert.equal(first.lastRun.kind, "backfill", JSON.stringify(first.lastRun));
  const days = (Date.parse(first.lastRun.to) - Date.parse(first.lastRun.from)) / DAY;
  assert.ok(Math.abs(days - 90) < 0.01, `a 90-day backfill, not ${days} days`);
  const expected = await storedCalls(s, first.lastRun.from, first.lastRun.to);
  assert.ok(expected.length > 50 && expected.length < 160, `some calls are older than 90 days (${expected.length})`);
  assert.equal(first.callsInLibrary, expected.length);
  // The library now covers those days: the next run is incremental.
  assert.equal((await w.scheduled()).outcome, "ok");
  const second = await syncDone((p) => w.request(p), first.lastRun);
  assert.equal(second.lastRun.kind, "incremental", JSON.stringify(second.lastRun));
  assert.ok(Date.parse(second.lastRun.from) > now - 10 * DAY);
});

test("INITIAL_SYNC_DAYS=0: the first run reads only the overlap; a bad value is refused naming the setting", { timeout: 300_000 }, async () => {
  const { s, w } = await setUp({ INITIAL_SYNC_DAYS: "0" });
  await w.scheduled();
  const status = await syncDone((p) => w.request(p));
  assert.equal(status.lastRun.kind, "incremental");
  const hours = (Date.parse(status.lastRun.to) - Date.parse(status.lastRun.from)) / 3_600_000;
  assert.ok(Math.abs(hours - 72) < 0.01, `only the overlap (72 hours), not ${hours} hours`);
  assert.equal(status.callsInLibrary, (await storedCalls(s, status.lastRun.from, status.lastRun.to)).length);
  const bad = await setUp({ INITIAL_SYNC_DAYS: "ninety" });
  const r = await bad.w.request("/v1/sync");
  assert.equal(r.status, 503, r.body);
  assert.match(r.body, /INITIAL_SYNC_DAYS/);
});
