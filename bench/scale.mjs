// Gong requests a day to keep the call library current, at 100, 1,000 and
// 5,000 calls a day, with and without Gong webhooks, measured against the
// simulator (Miniflare, D1 migrated, the sync's Durable Object).
//
// A day is compressed by measuring each kind of run once on a library in
// its steady state (the last days of calls at that rate already synced),
// then multiplying by how often the day has it:
//
//   without webhooks = 96 × (a Cron run with the calls of 15 minutes new)
//                    + (24 / LATE_EVERY_HOURS) × (a re-read of SYNC_OVERLAP_HOURS, nothing new)
//   with webhooks    = (86,400 / WEBHOOK_BATCH_SECONDS) × (one transcript batch: ⌈calls a batch / 100⌉)
//                    + (24 / LATE_EVERY_HOURS) × (the same re-read)
//   both             + the day's reconcile slice: ⌈min(library / 7, SYNC_RECONCILE_PAGES × 100) / 100⌉
//                      listing requests, no transcript, for a library of INITIAL_SYNC_DAYS (90) days
//
// The slice is measured too (a fresh sync state over the same library
// starts one at once): its requests against the calls it listed show the
// formula's ⌈calls / 100⌉.
//
// Every figure in the table is a count of the simulator's requests (its
// /__sim/stats), not a guess. Figures, not a test: run by scripts/bench-scale
// (`--smoke`: 100 calls a day only). Prints Markdown: the README's "Sync cost"
// table is this output.
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { startSim, startWorker, migratedDatabase, syncDone, fixture, TOKEN } from "../tests/worker/harness.mjs";
import { summary } from "./summary.mjs";

const SMOKE = process.argv.includes("--smoke");
const RATES = SMOKE ? [100] : (process.env.RATES ?? "100,1000,5000").split(",").map(Number);
const DAYS = 4; // the library's steady state: more than SYNC_OVERLAP_HOURS of calls
const OVERLAP_HOURS = 72;
const CRON_RUNS = 96; // */15 * * * *
// The defaults of SYNC_REREAD_MINUTES and WEBHOOK_BATCH_SECONDS (worker/src/settings.rs).
const REREAD_MINUTES = 360;
const BATCH_SECONDS = 600;
// SYNC_RECONCILE_PAGES's default, and the library the reconcile sweeps
// (INITIAL_SYNC_DAYS's default: what a deployment holds after its first run).
const RECONCILE_PAGES = 60;
const LIBRARY_DAYS = 90;
const HOUR = 3_600_000;

const template = {
  extensive: JSON.parse(fixture("calls/acme-discovery.extensive.json")).calls[0],
  transcript: JSON.parse(fixture("calls/acme-discovery.transcript.json")).callTranscripts[0],
};

/** `n` new calls started in the last `minutes`, ids from `base`. */
function newCalls(n, base, minutes) {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => {
    const id = String(base + BigInt(i));
    const started = new Date(now - ((i + 1) * minutes * 60_000) / (n + 1)).toISOString();
    return {
      extensive: { ...template.extensive, metaData: { ...template.extensive.metaData, id, started, scheduled: started, title: `new call ${i}` } },
      transcript: { ...template.transcript, callId: id },
    };
  });
}

async function requests(sim) {
  const s = await sim.stats();
  return { extensive: s.extensive, transcript: s.transcript, total: s.requests };
}

async function measure(rate) {
  const now = Date.now();
  const sim = await startSim({
    generate: rate * DAYS,
    args: ["--from", new Date(now - DAYS * 86_400_000).toISOString(), "--to", new Date(now - 20 * 60_000).toISOString(), "--seed", "7"],
  });
  const library = await migratedDatabase();
  const bindings = {
    INITIAL_SYNC_DAYS: String(DAYS + 1),
    SYNC_OVERLAP_HOURS: String(OVERLAP_HOURS),
    SYNC_REREAD_MINUTES: String(REREAD_MINUTES),
    WEBHOOK_BATCH_SECONDS: String(BATCH_SECONDS),
    SYNC_RECONCILE_PAGES: String(RECONCILE_PAGES),
  };
  let w = await startWorker(sim, { library, bindings });
  const get = (p) => w.request(p);
  try {
    // The first Cron run backfills the library; the next re-reads the overlap.
    await w.scheduled();
    let status = await syncDone(get);
    const settle = async () => {
      await sim.reset();
      await w.scheduled();
      status = await syncDone(get, status.lastRun);
    };
    await settle();

    // A Cron run with the calls of 15 minutes new.
    const perRun = Math.ceil(rate / CRON_RUNS);
    await sim.addCalls({ calls: newCalls(perRun, 7100000000000000000n, 14) });
    await sim.reset();
    await w.scheduled();
    status = await syncDone(get, status.lastRun);
    const cron = await requests(sim);
    const cronRun = status.lastRun;

    // The late tier: SYNC_OVERLAP_HOURS read again, nothing new.
    await sim.reset();
    const r = await w.request("/v1/sync", {
      method: "POST",
      body: JSON.stringify({ from: new Date(Date.now() - OVERLAP_HOURS * HOUR).toISOString(), to: new Date().toISOString() }),
    });
    if (r.status !== 202) throw new Error(`POST /v1/sync: ${r.status} ${r.body}`);
    status = await syncDone(get, status.lastRun);
    const late = await requests(sim);
    const lateRun = status.lastRun;

    // The day's reconcile slice: a fresh sync state over the same library
    // starts one at once (a running one, a day after the last).
    await w.dispose();
    w = await startWorker(sim, { library, bindings });
    await sim.reset();
    await w.scheduled();
    const sliced = await syncDone(get);
    if (sliced.lastRun.kind !== "reconcile") throw new Error(`not a reconcile: ${JSON.stringify(sliced.lastRun)}`);
    const slice = { ...(await requests(sim)), calls: Math.min(Math.ceil(sliced.callsInLibrary / 7), RECONCILE_PAGES * 100), run: sliced.lastRun };
    return { rate, perRun, cron, cronRun, late, lateRun, slice, inLibrary: sliced.callsInLibrary };
  } finally {
    await w.dispose();
    await sim.stop();
    // The local D1 database: not kept.
    rmSync(dirname(dirname(library)), { recursive: true, force: true });
  }
}

const rows = [];
for (const rate of RATES) rows.push(await measure(rate));
/** A run's wall time in seconds, from its `started` and `ended`. */
const seconds = (run) => (Date.parse(run.ended) - Date.parse(run.started)) / 1000;
const perDay = [];

const lateEvery = REREAD_MINUTES / 60;
const batchSeconds = BATCH_SECONDS;
/** The day's reconcile slice of a library of LIBRARY_DAYS days at `rate`: listing requests. */
const slicePages = (rate) => Math.ceil(Math.min(Math.ceil((rate * LIBRARY_DAYS) / 7), RECONCILE_PAGES * 100) / 100);
console.log(`| calls a day | a Cron run (15 min of new calls) | re-read of ${OVERLAP_HOURS} h, nothing new | reconcile slice measured (library of ${DAYS} days) | the day's slice of a ${LIBRARY_DAYS}-day library | without webhooks, a day | with webhooks, a day |`);
console.log("|---|---|---|---|---|---|---|");
for (const r of rows) {
  const lateRuns = lateEvery ? 24 / lateEvery : 0;
  const reconcile = slicePages(r.rate);
  const without = CRON_RUNS * r.cron.total + lateRuns * r.late.total + reconcile;
  const batches = batchSeconds ? Math.min(r.rate, 86_400 / batchSeconds) : r.rate;
  const perBatch = Math.ceil(r.rate / batches / 100);
  const withHooks = lateEvery ? batches * perBatch + lateRuns * r.late.total + reconcile : null;
  perDay.push({ rate: r.rate, without: Math.round(without), with: withHooks === null ? null : Math.round(withHooks), cronSeconds: seconds(r.cronRun), rereadSeconds: seconds(r.lateRun) });
  console.log(
    `| ${r.rate.toLocaleString("en")} | ${r.cron.total} (${r.cron.extensive} listing + ${r.cron.transcript} transcript, ${r.perRun} new) `
    + `| ${r.late.total} (${r.late.extensive} listing + ${r.late.transcript} transcript) `
    + `| ${r.slice.total} (${r.slice.extensive} listing + ${r.slice.transcript} transcript, ${r.slice.calls.toLocaleString("en")} of ${r.inLibrary.toLocaleString("en")} calls) `
    + `| ${reconcile} (${Math.min(Math.ceil((r.rate * LIBRARY_DAYS) / 7), RECONCILE_PAGES * 100).toLocaleString("en")} of ${(r.rate * LIBRARY_DAYS).toLocaleString("en")} calls; a sweep in ${Math.ceil((r.rate * LIBRARY_DAYS) / Math.min(Math.ceil((r.rate * LIBRARY_DAYS) / 7), RECONCILE_PAGES * 100))} days) `
    + `| **${Math.round(without).toLocaleString("en")}** | ${withHooks === null ? "—" : `**${Math.round(withHooks).toLocaleString("en")}**`} |`,
  );
}
console.log("");
if (lateEvery) {
  console.log(`without webhooks = ${CRON_RUNS} × (a Cron run) + ${24 / lateEvery} × (the re-read of SYNC_OVERLAP_HOURS, every ${lateEvery} h) + the day's reconcile slice`);
  console.log(`with webhooks = min(calls, ${86_400 / batchSeconds}) transcript batches (WEBHOOK_BATCH_SECONDS=${batchSeconds}) × ⌈calls a batch / 100⌉ + ${24 / lateEvery} × (the re-read) + the day's reconcile slice; the Cron runs between re-reads start nothing while webhooks arrive`);
  console.log(`the day's reconcile slice = ⌈min(calls in the library / 7, SYNC_RECONCILE_PAGES (${RECONCILE_PAGES}) × 100) / 100⌉ listing requests (no transcript unless a call is new to the library), here for a library of ${LIBRARY_DAYS} days`);
} else {
  console.log(`without webhooks = ${CRON_RUNS} × (a Cron run, which re-reads ${OVERLAP_HOURS} h with transcripts); no webhooks, no tiers`);
}
summary("scale", { cronMinutes: 1440 / CRON_RUNS, rereadMinutes: REREAD_MINUTES, batchSeconds: BATCH_SECONDS, overlapHours: OVERLAP_HOURS, rates: perDay });
