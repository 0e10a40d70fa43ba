// How soon a call Gong has processed is in the call library, measured
// against the simulator in Miniflare (D1 migrated, the sync's Durable
// Object, R2): with Gong webhooks (the simulator's `--webhook-url` plays the
// automation rule) for a new call and for one Gong processed 40 hours after
// it started, and without webhooks, from the Cron run that lists it.
//
// The webhook's call is in the library as soon as the webhook is answered;
// its transcript comes with the next batch, WEBHOOK_BATCH_SECONDS after the
// first call of the batch (here BATCH_SECONDS, default 30, so a run takes a
// minute: the wait is the setting's, what is measured is what comes on top
// of it). Without webhooks a call waits for the next Cron run (every 15
// minutes; for a call Gong lists late, the next re-read of
// SYNC_OVERLAP_HOURS, every SYNC_REREAD_MINUTES), and the run's own time
// comes on top: bench/scale.mjs measures that at each rate.
//   node bench/latency.mjs            BATCH_SECONDS=5 for a quicker run
// Figures, not a test: run by bench/goals.mjs (scripts/bench-scale --goals).
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { startSim, startWorker, migratedDatabase, syncDone, fixture, freePort } from "../tests/worker/harness.mjs";
import { summary } from "./summary.mjs";

const BATCH = Number(process.env.BATCH_SECONDS ?? 30);
const HOUR = 3_600_000;
const template = {
  extensive: JSON.parse(fixture("calls/acme-discovery.extensive.json")).calls[0],
  transcript: JSON.parse(fixture("calls/acme-discovery.transcript.json")).callTranscripts[0],
};

/** A call started `ago` ms ago, still being processed by Gong when `pending`. */
function call(id, ago, pending) {
  const started = new Date(Date.now() - ago).toISOString();
  return {
    extensive: { ...template.extensive, metaData: { ...template.extensive.metaData, id, started, scheduled: started, title: `latency ${id}` } },
    transcript: { ...template.transcript, callId: id },
    pending,
  };
}

async function until(what, f, ms = 10 * 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await f()) return Date.now();
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// The library itself is asked (its D1 database), not the Worker's routes:
// GET /v1/calls/{id}/transcript asks Gong at once for a transcript the
// library does not hold yet and keeps it, which would hide the batch.
const stored = (w, id) => async () => {
  const db = await w.mf.getD1Database("GONGKIT_DB");
  return (await db.prepare("SELECT 1 AS x FROM calls WHERE id = ?").bind(id).first()) !== null;
};
const transcribed = (w, id) => async () => {
  const db = await w.mf.getD1Database("GONGKIT_DB");
  const row = await db.prepare("SELECT (transcript IS NOT NULL OR blob IS NOT NULL) AS t FROM call_json WHERE id = ?").bind(id).first();
  return row?.t === 1;
};

/** A library of three days of calls, synced; `hooks`: the simulator posts webhooks to it. */
async function library(hooks) {
  const port = await freePort();
  const now = Date.now();
  const args = ["--from", new Date(now - 3 * 24 * HOUR).toISOString(), "--to", new Date(now - 2 * HOUR).toISOString(), "--seed", "7"];
  if (hooks) args.push("--webhook-url", `http://127.0.0.1:${port}/v1/webhooks/gong`);
  const sim = await startSim({ generate: 200, args });
  const dir = await migratedDatabase();
  const bindings = { INITIAL_SYNC_DAYS: "4" };
  if (hooks) Object.assign(bindings, { GONG_WEBHOOK_PUBLIC_KEY: sim.webhookPublicKey, PUBLIC_URL: `http://127.0.0.1:${port}`, WEBHOOK_BATCH_SECONDS: String(BATCH) });
  const w = await startWorker(sim, { http: port, library: dir, bindings });
  await w.scheduled();
  const status = await syncDone((p) => w.request(p));
  return {
    sim,
    w,
    status,
    stop: async () => {
      await w.dispose();
      await sim.stop();
      rmSync(dirname(dirname(dir)), { recursive: true, force: true });
    },
  };
}

// With webhooks: a new call and a late one, processed at the same moment.
const hooked = await library(true);
const webhook = {};
try {
  const { sim, w } = hooked;
  const ids = { new: "7300000000000000001", late: "7300000000000000002" };
  await sim.addCalls({ calls: [call(ids.new, 40 * 60_000, true), call(ids.late, 40 * HOUR, true)] });
  const t0 = Date.now();
  await sim.process(Object.values(ids));
  await Promise.all(Object.entries(ids).map(async ([kind, id]) => {
    const [call, transcript] = await Promise.all([
      until(`${kind} call in the library`, stored(w, id)),
      until(`${kind} call's transcript`, transcribed(w, id)),
    ]);
    webhook[kind] = { call: (call - t0) / 1000, transcript: (transcript - t0) / 1000 };
  }));
} finally {
  await hooked.stop();
}

// Without webhooks: a new call, listed by the next Cron run.
const plain = await library(false);
let cron;
try {
  const { sim, w } = plain;
  await w.scheduled();
  const settled = await syncDone((p) => w.request(p), plain.status.lastRun);
  const id = "7300000000000000003";
  await sim.addCalls(call(id, 30 * 60_000, false));
  const t0 = Date.now();
  await w.scheduled();
  await syncDone((p) => w.request(p), settled.lastRun);
  const done = await until("the Cron run's call", transcribed(w, id), 60_000);
  cron = { transcript: (done - t0) / 1000 };
} finally {
  await plain.stop();
}

const s = (n) => `${n.toFixed(1)} s`;
console.log(`| how the call comes | the call in the library | its transcript in the library |`);
console.log("|---|---|---|");
console.log(`| webhook, a new call | ${s(webhook.new.call)} after Gong processed it | ${s(webhook.new.transcript)} (WEBHOOK_BATCH_SECONDS=${BATCH}) |`);
console.log(`| webhook, a call processed 40 h after it started | ${s(webhook.late.call)} | ${s(webhook.late.transcript)} (the same batch) |`);
console.log(`| the next Cron run, a new call | ${s(cron.transcript)} after the run started | with the call |`);
summary("latency", { batchSeconds: BATCH, webhook, cron });
