// Issue 19's table of goals for the call library at company scale, from
// runs against the simulator: Gong requests a day (bench/scale.mjs), how
// soon a call is in the library (bench/latency.mjs), the steps of a
// backfill (bench/backfill.mjs), bytes per hour of conversation
// (bench/library-size.mjs) and search p95 over 100,000 calls in monthly
// period databases (worker/benches/periods.rs). Each runs as it would alone
// and prints its own tables; each hands its figures over through
// GONGKIT_SUMMARY (bench/summary.mjs); this prints the goals with the
// figures before the work (issue 19's measurements) and now.
//   scripts/bench-scale --goals             about 20 minutes on 2 cores
//   scripts/bench-scale --goals --readme    also writes the README's blocks
//   scripts/bench-scale --goals --smoke     small runs of each, no periods (scripts/test)
// FULL=1 adds the backfill of 100,000 calls (14 minutes more).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root } from "../tests/worker/harness.mjs";
import { README as README_FILE, replaceBlock } from "./readme.mjs";

const SMOKE = process.argv.includes("--smoke");
const README = process.argv.includes("--readme");
if (SMOKE && README) throw new Error("--readme writes full runs' figures only; leave out --smoke");
const dir = mkdtempSync(join(tmpdir(), "gongkit-goals-"));
const file = join(dir, "summary.json");

/** Runs a command with GONGKIT_SUMMARY set, its output passed on (the Worker's JSON log lines left out); resolves to its stdout. */
function run(cmd, args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env, GONGKIT_SUMMARY: file }, stdio: ["ignore", "pipe", "pipe"] });
    // A benchmark's progress lines on stderr (bench/backfill.mjs writes each size's figures as
    // JSON when it is done) are passed on marked as progress, apart from the Worker's log lines.
    createInterface({ input: child.stderr }).on("line", (l) => process.stderr.write(l.startsWith("{") ? `progress: ${l}\n` : `${l}\n`));
    // Its answer on stdout, without the Worker's JSON log lines and wrangler's CIMD notice.
    let out = "";
    const stdout = createInterface({ input: child.stdout });
    stdout.on("line", (l) => {
      if (l.startsWith("{") || l.startsWith("CIMD")) return;
      out += `${l}\n`;
      process.stdout.write(`${l}\n`);
    });
    // Every line read (the stream's close) and the process gone, whichever is last.
    const closed = new Promise((r) => stdout.once("close", r));
    child.once("exit", (code) => closed.then(() => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(" ")} exited ${code}`)))));
  });
}
const step = (what) => console.log(`\n==> ${what}\n`);

step("Gong requests a day (bench/scale.mjs)");
const scaleOut = await run("node", ["bench/scale.mjs", ...(SMOKE ? ["--smoke"] : [])]);
step("how soon a processed call is in the library (bench/latency.mjs)");
await run("node", ["bench/latency.mjs"], { BATCH_SECONDS: SMOKE ? "3" : (process.env.BATCH_SECONDS ?? "30") });
step("the steps of a backfill (bench/backfill.mjs)");
const sizes = SMOKE ? "500" : (process.env.SIZES ?? (process.env.FULL ? "5000,20000,100000" : "5000,20000"));
await run("node", ["bench/backfill.mjs"], { SIZES: sizes });
step("bytes per hour of conversation (bench/library-size.mjs)");
await run("node", ["bench/library-size.mjs", ...(SMOKE ? ["4", "1", "20"] : ["200", "40", "300"])]);
let periods = null;
if (!SMOKE) {
  step("search over 100,000 calls in 12 monthly periods (worker/benches/periods.rs)");
  const out = await run("cargo", ["bench", "-q", "-p", "gongkit-worker", "--bench", "periods"], {
    CARGO_PROFILE_BENCH_LTO: "false",
    CARGO_PROFILE_BENCH_CODEGEN_UNITS: "16",
  });
  // Its Markdown rows: | question | p50 / p95 | p50 / p95 | p50 / p95 |.
  const rows = out.split("\n").filter((l) => /^\| search/.test(l)).map((l) => {
    const [question, ...cols] = l.split("|").slice(1, -1).map((c) => c.trim());
    return { question, p95: cols.map((c) => Number(c.split("/")[1])) };
  });
  const calls = Number(out.match(/^(\d+) calls over/m)?.[1]);
  if (!rows.length || !calls) throw new Error("worker/benches/periods.rs printed no search rows");
  periods = { calls, rows, text: out.trim() };
}

const fig = JSON.parse(readFileSync(file, "utf8"));
rmSync(dir, { recursive: true, force: true });
const n = (x) => Math.round(x).toLocaleString("en");
const yes = (ok) => (ok ? "yes" : "**no**");
const rate = (r) => fig.scale.rates.find((x) => x.rate === r);
const lines = [];
const row = (...cells) => lines.push(`| ${cells.join(" | ")} |`);
lines.push("| measure | before (issue 19) | now | goal | met |", "|---|---|---|---|---|");

const [r100, r1000, r5000] = [rate(100), rate(1000), rate(5000)];
const notRun = "not run (`--smoke`)";
row("Gong requests a day, 100 calls a day: without / with webhooks", "768", r100 ? `${n(r100.without)} / ${n(r100.with)}` : notRun, "—", "—");
row("the same, 1,000 calls a day, with webhooks", "≈ 5,950", r1000 ? n(r1000.with) : notRun, "≤ 350", r1000 ? yes(r1000.with <= 350) : "—");
row("the same without webhooks", "≈ 5,950", r1000 ? n(r1000.without) : notRun, "≤ 400", r1000 ? yes(r1000.without <= 400) : "—");
row("the same at 5,000 calls a day: without / with webhooks", "≈ 29,000 (impossible)", r5000 ? `${n(r5000.without)} / ${n(r5000.with)}` : notRun, "≤ 1,000", r5000 ? yes(Math.max(r5000.without, r5000.with) <= 1000) : "—");

// Latency: the webhook's figures measured with BATCH seconds of batching;
// at the default WEBHOOK_BATCH_SECONDS the transcript waits that long instead.
const L = fig.latency;
const S = fig.scale;
const defaultBatch = S.batchSeconds;
const over = (x) => x - L.batchSeconds; // what came on top of the batch's wait
const runAt = rate(1000) ?? S.rates[S.rates.length - 1];
const batchLine = (w) => `its transcript with the batch, ${over(w.transcript).toFixed(1)} s after its wait (≤ ${n(defaultBatch + over(w.transcript))} s at WEBHOOK_BATCH_SECONDS=${defaultBatch}; asked for before, it is read from Gong at once and kept)`;
const cronBound = S.cronMinutes * 60 + runAt.cronSeconds;
const extra = (r) => Math.min(r, 86_400 / 300) - Math.min(r, 86_400 / defaultBatch);
row(
  "a new call in the library after Gong processed it",
  "≤ 15 min (next Cron)",
  `with webhooks: the call in ${L.webhook.new.call.toFixed(1)} s, ${batchLine(L.webhook.new)}; without: the next Cron run, ≤ ${S.cronMinutes} min + its ${runAt.cronSeconds.toFixed(1)} s (${n(runAt.rate)} calls a day)`,
  "≤ 5 min with webhooks, ≤ 15 min without",
  `with webhooks the call yes; its transcript by the batch ${yes(defaultBatch + over(L.webhook.new.transcript) <= 300)} at the default (WEBHOOK_BATCH_SECONDS=300 meets it for ${n(extra(1000))} more requests a day at 1,000 calls a day, over the goal of 350); without ${yes(cronBound <= 15 * 60 + 60)} (within the run's seconds)`,
);
const rereadBound = S.rereadMinutes * 60 + runAt.rereadSeconds;
row(
  "a late-processed call (listed hours or days after it started)",
  "≤ 15 min, at the cost above",
  `with webhooks as a new one (a call processed 40 h after it started: in ${L.webhook.late.call.toFixed(1)} s, its transcript in the same batch); without: the next re-read of ${S.overlapHours} h, ≤ ${S.rereadMinutes / 60} h + its ${runAt.rereadSeconds.toFixed(1)} s`,
  "≤ 5 min with webhooks, ≤ 6 h without",
  `with webhooks as above; without ${yes(rereadBound <= 6 * 3600 + 60)} (within the run's seconds)`,
);
const B = fig.backfill;
const worst = Math.max(...B.map((b) => b.max));
row(
  "backfill: a step's own work (wall time less Gong's wait), ms",
  "last step 8.6 s at 50,000, quadratic",
  B.map((b) => `${n(b.n)} calls: median ${n(b.median)}, max ${n(b.max)}, the end ${n(b.endMax)}`).join("; "),
  "flat, each step ≤ 1 s",
  `${yes(worst <= 1000)} (the medians ${B.map((b) => n(b.median)).join(" → ")})`,
);
const Z = fig.size.measures;
const two = Z.find((m) => m.label.startsWith("two-hour"));
const mix = Z.find((m) => m.label.startsWith("the simulator's"));
const kb = (x) => `${(x / 1000).toFixed(1)} KB`;
row(
  "bytes per hour of conversation in D1",
  "191 KB (`--variety` mix) – 541 KB (two-hour fixture)",
  `${kb(mix.d1PerHour)} (\`--variety\` mix), ${kb(two.d1PerHour)} (two-hour fixture)${fig.size.blobs ? `; the transcripts in R2 besides: ${kb(mix.r2PerHour)}, ${kb(two.r2PerHour)} an hour, gzip` : ""}`,
  "≤ 1/4: ≤ 47.8 – 135.3 KB",
  yes(mix.d1PerHour <= 47_800 && two.d1PerHour <= 135_300),
);
const years = 10e9 / mix.d1PerCall / 1000 / 365;
const search = periods ? Math.max(...periods.rows.map((r) => r.p95[1])) : null;
row(
  "years of calls one deployment holds at 1,000 calls a day; search p95",
  "31–50 days in one D1 database",
  `${years.toFixed(1)} years in one database (\`--variety\` mix, ${kb(mix.d1PerCall)} a call), more with a database a period (\`LIBRARY_PERIODS\`); search p95 ${periods ? `over ${n(periods.calls)} calls in 12 periods, the worst of ${periods.rows.length} questions: ${search.toFixed(1)} ms` : notRun}`,
  "≥ 3 years; search p95 ≤ 100 ms (1,000,000 calls simulated at 100,000)",
  `${yes(years >= 3)}; ${periods ? yes(search <= 100) : "—"}`,
);

const table = lines.join("\n");
step("the goals (issue 19)");
console.log(table);

if (README) {
  const out = scaleOut.split("\n");
  const formulas = out.filter((l) => /^(without|with) webhooks =|^the day's reconcile/.test(l)).map((l) => `- ${l}`);
  const perDay = [...out.filter((l) => l.startsWith("|")), "", ...formulas].join("\n");
  let text = readFileSync(README_FILE, "utf8");
  const put = (name, body) => {
    text = replaceBlock(text, `<!-- ${name}: written by scripts/bench-scale --goals --readme -->`, `<!-- /${name} -->`, body);
  };
  put("scale-goals", table);
  put("scale-per-day", perDay);
  // The periods bench's own block, as `GONGKIT_BLESS=1 scripts/bench-search --periods` writes it.
  if (periods) text = replaceBlock(text, "<!-- bench-periods -->", "<!-- /bench-periods -->", periods.text);
  writeFileSync(README_FILE, text);
  console.log("\nREADME.md: the goals and the requests a day written");
}
