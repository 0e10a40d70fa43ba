// The time of each alarm step of a backfill, at 5,000 and 20,000 generated
// calls (FULL=1: 100,000 too; SIZES=… for others), measured against the
// simulator in Miniflare with a migrated local D1: no step should grow with
// the library, the end of the job (the anti-join that finds what Gong no
// longer lists) included.
//
// Each step logs one line (`{"syncStep": {kind, page, removing, ms,
// gongMs}}`, worker/src/sync.rs); a step's own work is `ms - gongMs` (its
// wall time less the time it waited on Gong, the gate's 3 requests a
// second included). workerd's clock moves on at I/O only, so this counts
// D1's work and the Worker's CPU up to its last I/O. Figures, not a test:
// run by scripts/bench-scale --backfill [--readme]. Prints Markdown; --readme
// writes it into the README's backfill block. VARIETY=1: the
// simulator's realistic calls (--variety: longer transcripts, 6–7 KB an
// export line) instead of its small uniform ones.
import { startSim, startWorker, migratedDatabase, syncDone } from "../tests/worker/harness.mjs";
import { summary } from "./summary.mjs";
import { measuredOn, writeBlock } from "./readme.mjs";
import { rmSync, readdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";

const SIZES = process.env.SIZES
  ? process.env.SIZES.split(",").map(Number)
  : process.env.FULL
    ? [5_000, 20_000, 100_000]
    : [5_000, 20_000];
/** --readme: the tables go into the README's backfill block too. */
const README = process.argv.includes("--readme");
const FROM = "2023-01-01T00:00:00Z";
const TO = "2025-01-01T00:00:00Z";

// The Worker's step lines arrive through Miniflare's console.log.
const steps = [];
const log = console.log;
console.log = (...args) => {
  const line = args.join(" ");
  if (line.startsWith('{"syncStep"')) {
    steps.push(JSON.parse(line).syncStep);
    return;
  }
  if (line.startsWith("{")) return; // the Worker's other log lines
  log(...args);
};

/** workerd processes started by this one (Miniflare's), by pid. */
function workerds() {
  const out = [];
  for (const pid of readdirSync("/proc").filter((d) => /^[0-9]+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === process.pid && stat.includes("(workerd)")) out.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
const rssMb = (pid) => Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)[1]) / 1024;

/**
 * An export page of `limit` calls read to its end, as bench/search.mjs reads
 * it: its bytes, seconds and workerd's resident memory before and at its peak
 * (polled every 50 ms).
 */
async function exportPage(w, limit) {
  const [pid] = workerds();
  const before = rssMb(pid);
  let peak = before;
  const poll = setInterval(() => {
    try {
      peak = Math.max(peak, rssMb(pid));
    } catch {
      // the process ended
    }
  }, 50);
  const t = performance.now();
  try {
    const r = await w.request(`/v1/export?limit=${limit}`);
    if (r.status !== 200) throw new Error(`GET /v1/export?limit=${limit}: ${r.status} ${r.body.slice(0, 300)}`);
    const lines = r.body.trimEnd().split("\n");
    const last = JSON.parse(lines[lines.length - 1]);
    return { limit, status: r.status, calls: last.calls, bytes: r.body.length, seconds: (performance.now() - t) / 1000, before, peak };
  } finally {
    clearInterval(poll);
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : 0;
};
const ms = (n) => `${Math.round(n).toLocaleString("en")}`;

async function measure(n) {
  steps.length = 0;
  const variety = process.env.VARIETY ? ["--variety"] : [];
  const sim = await startSim({ generate: n, args: ["--from", FROM, "--to", TO, "--seed", "5", ...variety] });
  const library = await migratedDatabase();
  const w = await startWorker(sim, { library });
  try {
    const t0 = performance.now();
    const r = await w.request("/v1/sync", { method: "POST", body: JSON.stringify({ from: FROM, to: TO }) });
    if (r.status !== 202) throw new Error(`POST /v1/sync: ${r.status} ${r.body}`);
    const done = await syncDone((p) => w.request(p), null, 6 * 3_600_000);
    if (done.lastRun.result !== "ok") throw new Error(JSON.stringify(done));
    const seconds = (performance.now() - t0) / 1000;
    const exports = [];
    // (`limit` goes up to 10,000; with the transcripts in R2 a page holds at most 500 calls.)
    for (const limit of [1000, 10000]) if (limit <= n) exports.push(await exportPage(w, limit));
    const work = steps.map((s) => s.ms - s.gongMs);
    const pages = steps.filter((s) => !s.removing).map((s) => s.ms - s.gongMs);
    const ending = steps.filter((s) => s.removing).map((s) => s.ms - s.gongMs);
    return {
      n,
      calls: done.callsInLibrary,
      requests: done.lastRun.requests,
      seconds,
      steps: steps.length,
      first: work[0],
      median: median(work),
      max: Math.max(...work),
      last: work[work.length - 1],
      pages,
      ending,
      gongMedian: median(steps.map((s) => s.gongMs)),
      exports,
    };
  } finally {
    await w.dispose();
    await sim.stop();
    // The local D1 database (38 KB a call on disk): not kept.
    rmSync(dirname(dirname(library)), { recursive: true, force: true });
  }
}

const rows = [];
for (const n of SIZES) {
  const r = await measure(n);
  rows.push(r);
  // Each size as it is done (a 100,000-call run takes half an hour).
  process.stderr.write(`${JSON.stringify({ ...r, pages: undefined, ending: r.ending })}\n`);
}

const md = [
  "| generated calls | in the library | steps (pages + end) | a step's own work, ms: first / median / max / last | listing steps: median / max | end of the job (anti-join): steps, max | Gong's time a step (median) | whole backfill |",
  "|---|---|---|---|---|---|---|---|",
];
for (const r of rows) {
  md.push(
    `| ${r.n.toLocaleString("en")} | ${r.calls.toLocaleString("en")} | ${r.steps} (${r.pages.length} + ${r.ending.length}) `
    + `| ${ms(r.first)} / ${ms(r.median)} / ${ms(r.max)} / ${ms(r.last)} `
    + `| ${ms(median(r.pages))} / ${ms(Math.max(...r.pages))} `
    + `| ${r.ending.length}, ${ms(Math.max(...r.ending))} `
    + `| ${ms(r.gongMedian)} | ${Math.round(r.seconds)} s, ${r.requests.toLocaleString("en")} Gong requests |`,
  );
}
md.push("", "| library | `/v1/export?limit=` | calls | NDJSON | time | workerd's resident memory: before → peak |", "|---|---|---|---|---|---|");
for (const r of rows) {
  for (const e of r.exports) {
    md.push(`| ${r.calls.toLocaleString("en")} | ${e.limit.toLocaleString("en")} | ${e.calls.toLocaleString("en")} | ${(e.bytes / 1e6).toFixed(1)} MB | ${e.seconds.toFixed(1)} s | ${Math.round(e.before)} → ${Math.round(e.peak)} MB |`);
  }
}
for (const line of md) log(line);
if (README) {
  const how = `(\`scripts/bench-scale --backfill --readme\`${process.env.FULL ? " with FULL=1" : ""}${process.env.VARIETY ? " and VARIETY=1" : ""}, ${measuredOn()})`;
  writeBlock("<!-- backfill: written by scripts/bench-scale --backfill --readme -->", "<!-- /backfill -->", `${md.join("\n")}\n\n${how}`);
  log("\nREADME.md: the backfill block written");
}
summary("backfill", rows.map((r) => ({ n: r.n, calls: r.calls, steps: r.steps, first: r.first, median: r.median, max: r.max, last: r.last, endMax: Math.max(...r.ending), requests: r.requests, seconds: r.seconds })));
