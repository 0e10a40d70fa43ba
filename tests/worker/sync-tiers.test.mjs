// What the sync spends: transcripts only for calls new to the library (or
// still without one), and tiered re-reads: each Cron run reads from its
// checkpoint less an hour; the whole SYNC_OVERLAP_HOURS is read again every
// SYNC_REREAD_MINUTES, which is what finds a call Gong lists late (Miniflare,
// D1 migrated, the sync's Durable Object, the simulator counting requests).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { startSim, startWorker, migratedDatabase, syncDone, fixture } from "./harness.mjs";

const cleanup = [];
after(() => Promise.allSettled(cleanup.map((f) => f())));

const HOUR = 3_600_000;

async function setUp(bindings) {
  const now = Date.now();
  const s = await startSim({
    generate: 120,
    args: ["--from", new Date(now - 48 * HOUR).toISOString(), "--to", new Date(now - HOUR).toISOString()],
  });
  cleanup.push(() => s.stop());
  const w = await startWorker(s, { library: await migratedDatabase(), bindings: { INITIAL_SYNC_DAYS: "0", ...bindings } });
  cleanup.push(() => w.dispose());
  const get = (p) => w.request(p);
  let last = null;
  const cron = async () => {
    await s.reset();
    await w.scheduled();
    const status = await syncDone(get, last);
    last = status.lastRun;
    return { status, run: status.lastRun, stats: await s.stats(), log: await s.log() };
  };
  return { s, w, cron };
}

function newCall(id, startedMs) {
  const extensive = JSON.parse(fixture("calls/acme-discovery.extensive.json")).calls[0];
  const started = new Date(startedMs).toISOString();
  extensive.metaData = { ...extensive.metaData, id, started, scheduled: started, title: `late call ${id}` };
  const transcript = JSON.parse(fixture("calls/acme-discovery.transcript.json")).callTranscripts[0];
  return { extensive, transcript: { ...transcript, callId: id } };
}

test("an unchanged call costs its listing only: no transcript request; an edited one is rewritten without one; a new one gets one", { timeout: 300_000 }, async () => {
  const { s, cron } = await setUp({ SYNC_REREAD_MINUTES: "0" });
  const first = await cron();
  assert.ok(first.status.callsInLibrary >= 100, JSON.stringify(first.status));
  assert.ok(first.stats.transcript >= 2, "the first run fetched the transcripts");

  // Nothing changed in Gong: the same range listed, no transcript asked.
  const second = await cron();
  assert.equal(second.run.written, 0, JSON.stringify(second.run));
  assert.ok(second.stats.extensive >= 2, JSON.stringify(second.stats));
  assert.equal(second.stats.transcript, 0, JSON.stringify(second.stats));

  // A title edited in Gong: the call is written again with the transcript it has.
  const one = (await s.calls()).calls.find((c) => c.time * 1000 > Date.now() - 48 * HOUR);
  await s.edit(one.id, { metaData: { title: "A new title" } });
  // And a new call.
  await s.addCalls(newCall("7800000000000000001", Date.now() - 2 * HOUR));
  const third = await cron();
  assert.equal(third.run.written, 2, JSON.stringify(third.run));
  assert.equal(third.stats.transcript, 1, JSON.stringify(third.stats));
  const asked = third.log.filter((e) => e.endpoint === "transcript").flatMap((e) => e.callIds);
  assert.deepEqual(asked, ["7800000000000000001"], "only the new call's transcript");
});

test("a call Gong lists late is found by the re-read of SYNC_OVERLAP_HOURS, not by the hourly run", { timeout: 300_000 }, async () => {
  const { s, w, cron } = await setUp({ SYNC_REREAD_MINUTES: "1", SYNC_OVERLAP_HOURS: "72" });
  const late = "7800000000000000002";
  // Started 30 hours ago, still being processed by Gong.
  await s.addCalls({ ...newCall(late, Date.now() - 30 * HOUR), pending: true });
  const t0 = Date.now();
  const first = await cron();
  const span = (r) => (Date.parse(r.to) - Date.parse(r.from)) / HOUR;
  assert.ok(Math.abs(span(first.run) - 72) < 0.1, `the first run reads the whole overlap (${span(first.run)} h)`);
  await s.process([late]);

  // The next Cron run reads from its checkpoint less an hour: one listing
  // page, and the late call (started 30 hours ago) is not in it.
  const hourly = await cron();
  assert.ok(span(hourly.run) < 1.1, `an hourly run (${span(hourly.run)} h)`);
  assert.equal(hourly.stats.extensive, 1, JSON.stringify(hourly.stats));
  assert.equal(hourly.run.written, 0, JSON.stringify(hourly.run));
  assert.equal(hourly.status.callsInLibrary, first.status.callsInLibrary);

  // SYNC_REREAD_MINUTES later, the Cron run reads the whole overlap again.
  await new Promise((r) => setTimeout(r, Math.max(0, t0 + 61_000 - Date.now())));
  const reread = await cron();
  assert.ok(Math.abs(span(reread.run) - 72) < 0.1, `the re-read (${span(reread.run)} h)`);
  assert.ok(reread.run.written >= 1, JSON.stringify(reread.run));
  const r = await w.request(`/v1/calls/${late}`);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers.get("X-Gongkit-Source"), "library");
});
