// The end of a sync job: what Gong no longer lists is found by one anti-join
// in D1 (the listed ids in `sync_listed`, migration 0005), a batch of 500 a
// step, never every id in the Worker's memory. Under Miniflare with a
// migrated local D1 and the simulator enforcing 3 requests a second.
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

async function libraryIds() {
  const ids = [];
  let r = (await w.request(`/v1/calls?from=${FROM}&to=${TO}&limit=1000`)).json();
  assert.equal(r.source, "library");
  ids.push(...r.calls.map((c) => c.id));
  while (r.cursor) {
    r = (await w.request(`/v1/calls?cursor=${encodeURIComponent(r.cursor)}&limit=1000`)).json();
    ids.push(...r.calls.map((c) => c.id));
  }
  return ids.sort();
}

test("a backfill over 1,100 calls, then 550 of them gone from Gong: the next job removes exactly those, over two steps", { timeout: 600_000 }, async () => {
  s = await startSim({ generate: 1100, args: ["--rate-limit", "3"] });
  w = await startWorker(s, { library: await migratedDatabase() });
  const backfill = () => w.request("/v1/sync", { method: "POST", body: JSON.stringify({ from: FROM, to: TO }) });
  assert.equal((await backfill()).status, 202);
  const first = await syncDone((p) => w.request(p), null, 300_000);
  assert.equal(first.lastRun.result, "ok", JSON.stringify(first));
  const all = (await storedCalls(s, FROM, TO)).map((c) => c.id).sort();
  assert.ok(all.length >= 1100, `${all.length} calls in the range`);
  assert.deepEqual(await libraryIds(), all);
  // Every other call leaves Gong.
  const gone = all.filter((_, i) => i % 2 === 0).slice(0, 550);
  for (const id of gone) await s.remove(id);
  assert.equal((await backfill()).status, 202);
  const second = await syncDone((p) => w.request(p), first.lastRun, 300_000);
  assert.equal(second.lastRun.result, "ok", JSON.stringify(second));
  assert.equal(second.lastRun.removed, gone.length, "exactly the calls Gong stopped listing");
  const left = all.filter((id) => !gone.includes(id));
  assert.deepEqual(await libraryIds(), left);
  assert.equal(second.callsInLibrary, left.length);
  // A third job, with nothing gone, removes nothing.
  assert.equal((await backfill()).status, 202);
  const third = await syncDone((p) => w.request(p), second.lastRun, 300_000);
  assert.equal(third.lastRun.removed, 0);
  assert.deepEqual(await libraryIds(), left);
});
