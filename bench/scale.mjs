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
//   the weekly reconcile (a listing of the library's range, no transcript) / 7
//
// Every figure in the table is a count of the simulator's requests (its
// /__sim/stats), not a guess. Figures, not a test: run by scripts/bench-scale
// (`--smoke`: 100 calls a day only). Prints Markdown: the README's "Sync cost"
// table is this output.
import { startSim, startWorker, migratedDatabase, syncDone, fixture, TOKEN } from "../tests/worker/harness.mjs";

const SMOKE = process.argv.includes("--smoke");
const RATES = SMOKE ? [100] : (process.env.RATES ?? "100,1000,5000").split(",").map(Number);
const DAYS = 4; // the library's steady state: more than SYNC_OVERLAP_HOURS of calls
const OVERLAP_HOURS = 72;
const CRON_RUNS = 96; // */15 * * * *
// The defaults of SYNC_REREAD_MINUTES and WEBHOOK_BATCH_SECONDS (worker/src/settings.rs).
const REREAD_MINUTES = 360;
const BATCH_SECONDS = 600;
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
  const w = await startWorker(sim, {
    library: await migratedDatabase(),
    bindings: {
      INITIAL_SYNC_DAYS: String(DAYS + 1),
      SYNC_OVERLAP_HOURS: String(OVERLAP_HOURS),
      SYNC_REREAD_MINUTES: String(REREAD_MINUTES),
      WEBHOOK_BATCH_SECONDS: String(BATCH_SECONDS),
    },
  });
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
    return { rate, perRun, cron, cronRun, late, inLibrary: status.callsInLibrary };
  } finally {
    await w.dispose();
    await sim.stop();
  }
}

const rows = [];
for (const rate of RATES) rows.push(await measure(rate));

const lateEvery = REREAD_MINUTES / 60;
const batchSeconds = BATCH_SECONDS;
console.log(`| calls a day | a Cron run (15 min of new calls) | re-read of ${OVERLAP_HOURS} h, nothing new | without webhooks, a day | with webhooks, a day |`);
console.log("|---|---|---|---|---|");
for (const r of rows) {
  const lateRuns = lateEvery ? 24 / lateEvery : 0;
  const without = CRON_RUNS * r.cron.total + lateRuns * r.late.total;
  const batches = batchSeconds ? Math.min(r.rate, 86_400 / batchSeconds) : r.rate;
  const perBatch = Math.ceil(r.rate / batches / 100);
  const withHooks = lateEvery ? batches * perBatch + lateRuns * r.late.total : null;
  console.log(
    `| ${r.rate.toLocaleString("en")} | ${r.cron.total} (${r.cron.extensive} listing + ${r.cron.transcript} transcript, ${r.perRun} new) `
    + `| ${r.late.total} (${r.late.extensive} listing + ${r.late.transcript} transcript) `
    + `| ${Math.round(without).toLocaleString("en")} | ${withHooks === null ? "—" : Math.round(withHooks).toLocaleString("en")} |`,
  );
}
console.log("");
if (lateEvery) {
  console.log(`without webhooks = ${CRON_RUNS} × (a Cron run) + ${24 / lateEvery} × (the re-read of SYNC_OVERLAP_HOURS, every ${lateEvery} h)`);
  console.log(`with webhooks = min(calls, ${86_400 / batchSeconds}) transcript batches (WEBHOOK_BATCH_SECONDS=${batchSeconds}) × ⌈calls a batch / 100⌉ + ${24 / lateEvery} × (the re-read); the Cron runs between re-reads start nothing while webhooks arrive`);
  console.log(`the weekly reconcile adds ⌈calls in the library / 100⌉ / 7 a day (a listing, no transcript): ${rows.map((r) => `${Math.ceil((r.rate * 90) / 100 / 7)} at ${r.rate.toLocaleString("en")} a day over 90 days`).join(", ")}`);
} else {
  console.log(`without webhooks = ${CRON_RUNS} × (a Cron run, which re-reads ${OVERLAP_HOURS} h with transcripts); no webhooks, no tiers`);
}
