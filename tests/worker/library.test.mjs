// The call library: D1 (migrated with `wrangler d1 migrations apply
// --local`), the sync's Durable Object and its alarms, the Cron Trigger, and
// the Gong gate, all under Miniflare against the simulator with Gong's own
// rate limit on (3 requests a second, 429 beyond).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSim, startWorker, migratedDatabase, syncDone, storedCalls } from "./harness.mjs";

const sims = [];
const workers = [];

after(async () => {
  await Promise.allSettled(workers.map((w) => w.dispose()));
  await Promise.allSettled(sims.map((s) => s.stop()));
});

async function sim(args) {
  const s = await startSim({ generate: 0, args: ["--rate-limit", "3", "--variety", ...args] });
  sims.push(s);
  return s;
}

async function worker(s, bindings = {}) {
  const w = await startWorker(s, { library: await migratedDatabase(), bindings });
  workers.push(w);
  return w;
}

/** Waits for the sync's next finished run (see harness `syncDone`). */
const synced = (w, { timeoutMs = 600_000, since = null } = {}) => syncDone((p) => w.request(p), since, timeoutMs);

/** The simulator's calls the library should hold: visible, not private, in the range. */
async function expectedIds(s, from = FROM, to = TO) {
  return (await storedCalls(s, from, to)).map((c) => c.id).sort();
}

async function libraryIds(w, from, to) {
  const ids = [];
  let r = (await w.request(`/v1/calls?from=${from}&to=${to}&limit=1000`)).json();
  assert.equal(r.source, "library", "a covered range is answered from the library");
  ids.push(...r.calls.map((c) => c.id));
  while (r.cursor) {
    r = (await w.request(`/v1/calls?cursor=${encodeURIComponent(r.cursor)}&limit=1000`)).json();
    assert.equal(r.source, "library");
    ids.push(...r.calls.map((c) => c.id));
  }
  return ids.sort();
}

/** Each call served from the library equals /v1/format of Gong's raw JSON. */
async function checkIdentical(s, w, ids) {
  const queue = [...ids];
  let checked = 0;
  const one = async () => {
    for (let id = queue.shift(); id; id = queue.shift()) {
      const raw = (await s.calls(`?ids=${id}`)).calls[0];
      const fromLibrary = await w.request(`/v1/calls/${id}`);
      assert.equal(fromLibrary.status, 200, fromLibrary.body);
      assert.equal(fromLibrary.headers.get("x-gongkit-source"), "library", id);
      const body = JSON.stringify({ extensive: raw.extensive, transcript: raw.transcript });
      const formatted = await w.request("/v1/format", { method: "POST", body });
      assert.equal(fromLibrary.body, formatted.body, `call ${id} differs from /v1/format`);
      checked++;
    }
  };
  await Promise.all(Array.from({ length: 8 }, one));
  return checked;
}

const FROM = "2024-01-01T00:00:00Z";
const TO = "2024-07-01T00:00:00Z";

test("backfill of 2,500 calls: all in the library, byte-identical, within the request and rate budget", { timeout: 1_200_000 }, async () => {
  const s = await sim(["--generate", "2500", "--from", FROM, "--to", TO]);
  const w = await worker(s);
  const t0 = Date.now();
  const started = await w.request("/v1/sync", { method: "POST", body: JSON.stringify({ from: FROM, to: TO }) });
  assert.equal(started.status, 202, started.body);
  assert.equal(started.json().status, "running");
  const status = await synced(w);
  const wall = (Date.now() - t0) / 1000;
  const stats = await s.stats();
  const expected = await expectedIds(s);
  assert.ok(expected.length > 2300, `${expected.length} public calls`);
  assert.equal(status.callsInLibrary, expected.length);
  assert.deepEqual(await libraryIds(w, FROM, TO), expected, "every public call, none twice");
  const [a, b] = [Date.parse(FROM) / 1000, Date.parse(TO) / 1000];
  const listed = (await s.calls()).calls.filter((c) => c.visible && c.time >= a && c.time < b).length;
  const pages = Math.ceil(listed / 100);
  assert.ok(stats.requests <= 2 * pages + stats.rateLimited + stats.faulted, `${stats.requests} Gong requests`);
  assert.ok(stats.maxPerSecond <= 3, `${stats.maxPerSecond} Gong requests in one second`);
  assert.equal(status.lastRun.written, expected.length);
  assert.equal(status.gongRequestsToday, status.lastRun.requests);
  const t1 = Date.now();
  const checked = await checkIdentical(s, w, expected);
  process.stderr.write(`library: backfill of 2500 calls (${expected.length} public) in ${wall.toFixed(1)} s with ${stats.requests} Gong requests (at most ${stats.maxPerSecond} a second, ${stats.rateLimited} answered 429); ${checked} calls checked byte for byte in ${((Date.now() - t1) / 1000).toFixed(1)} s\n`);
  // Reading from the library costs Gong nothing.
  assert.equal((await s.stats()).requests, stats.requests);
  // An erased call leaves the library (and the cache) and, though Gong
  // still has it, is not served again (tests/worker/access.test.mjs).
  const [gone] = expected;
  const erased = await w.request(`/v1/calls/${gone}`, { method: "DELETE" });
  assert.equal(erased.status, 200, erased.body);
  assert.deepEqual(erased.json(), { id: gone, deleted: true, inLibrary: true });
  const again = await w.request(`/v1/calls/${gone}`);
  assert.equal(again.status, 404);
});

test("faults during a backfill (30 % 429, 10 % 500, cut connections): it resumes, nothing lost, nothing twice", { timeout: 900_000 }, async () => {
  const s = await sim(["--generate", "600", "--from", FROM, "--to", TO]);
  const w = await worker(s);
  await s.faults([
    { kind: "429", probability: 0.3, retryAfter: 1, count: 100000 },
    { kind: "500", probability: 0.1, count: 100000 },
    { kind: "cut", probability: 0.05, count: 100000 },
  ]);
  await w.request("/v1/sync", { method: "POST", body: JSON.stringify({ from: FROM, to: TO }) });
  const status = await synced(w);
  await s.faults([]);
  await s.reset();
  const expected = await expectedIds(s);
  assert.equal(status.callsInLibrary, expected.length);
  assert.deepEqual(await libraryIds(w, FROM, TO), expected);
  process.stderr.write(`library: backfill of 600 calls under faults: ${status.lastRun.requests} Gong requests, last error ${JSON.stringify(status.lastError)}\n`);
});

test("an incremental run picks up a late call, an edit, a deletion and a call made private", { timeout: 600_000 }, async () => {
  const now = Date.now();
  const from = new Date(now - 5 * 86_400_000).toISOString();
  const s = await sim(["--generate", "120", "--from", from, "--to", new Date(now - 3_600_000).toISOString(), "--private-percent", "0"]);
  const w = await worker(s);
  await w.request("/v1/sync", { method: "POST", body: JSON.stringify({ from, to: new Date(now).toISOString() }) });
  const first = await synced(w);
  const calls = (await s.calls()).calls;
  const recent = calls.filter((c) => c.time * 1000 > now - 48 * 3_600_000);
  assert.ok(recent.length >= 4, "calls within the overlap");
  const [edited, deleted, madePrivate] = recent;
  await s.edit(edited.id, { metaData: { title: "Renamed after the call" } });
  await s.remove(deleted.id);
  await s.edit(madePrivate.id, { metaData: { isPrivate: true } });
  // A call Gong finished processing late: it started a day ago.
  const template = (await s.calls(`?ids=${recent[3].id}`)).calls[0];
  const lateId = "8800000000000000001";
  const extensive = { ...template.extensive, metaData: { ...template.extensive.metaData, id: lateId, title: "Processed late", started: new Date(now - 86_400_000).toISOString() } };
  await s.addCalls({ extensive, transcript: { ...template.transcript, callId: lateId }, pending: true });
  await s.process([lateId]);
  // The next scheduled run.
  const outcome = await w.scheduled();
  assert.equal(outcome.outcome, "ok");
  const second = await synced(w, { since: first.lastRun });
  assert.equal(second.lastRun.kind, "incremental");
  const title = (id) => w.request(`/v1/calls/${id}`).then((r) => r);
  const e = await title(edited.id);
  assert.equal(e.headers.get("x-gongkit-source"), "library");
  assert.equal(e.json().title, "Renamed after the call");
  const late = await title(lateId);
  assert.equal(late.headers.get("x-gongkit-source"), "library");
  assert.equal(late.json().title, "Processed late");
  for (const id of [deleted.id, madePrivate.id]) {
    const r = await title(id);
    assert.equal(r.status, 404, `${id} should be gone: ${r.body}`);
  }
  const window = await expectedIds(s, from, new Date(now).toISOString());
  const held = await libraryIds(w, from, new Date(now).toISOString());
  assert.deepEqual(held.filter((id) => id !== lateId), window.filter((id) => id !== lateId), "the library equals Gong's calls of the window");
  assert.equal(second.lastRun.removed, 2, JSON.stringify(second.lastRun));
});

test("with the day's budget spent, calls in the library are still served", { timeout: 300_000 }, async () => {
  const s = await sim(["--generate", "250", "--from", FROM, "--to", TO]);
  const w = await worker(s, { GONG_DAILY_BUDGET: "12", SYNC_DAILY_BUDGET: "6" });
  await w.request("/v1/sync", { method: "POST", body: JSON.stringify({ from: FROM, to: TO }) });
  const status = await synced(w);
  assert.equal(status.lastRun.requests, 6, "three pages, two requests each");
  const ids = await expectedIds(s);
  // Spend the rest of the day on demand.
  for (const id of ids.slice(0, 3)) assert.equal((await w.request(`/v1/calls/${id}?fresh=true`)).status, 200);
  const refused = await w.request(`/v1/calls/${ids[3]}?fresh=true`);
  assert.equal(refused.status, 503);
  assert.equal(refused.json().error.code, "gong_quota_exhausted");
  assert.ok(Number(refused.headers.get("retry-after")) > 0);
  const served = await w.request(`/v1/calls/${ids[4]}`);
  assert.equal(served.status, 200);
  assert.equal(served.headers.get("x-gongkit-source"), "library");
  const quota = (await w.request("/v1/quota")).json();
  assert.deepEqual(quota.used, { demand: 6, sync: 6 });
});
