// Search, export and the library's size over 10,000 simulated calls under
// `wrangler dev` (workerd, local D1): the sync backfills the library, then
// this prints p50/p95 of /v1/search for two-word and other queries, the
// export's rate in calls per second, and the D1 database's size on disk.
// Figures, not a test: run by scripts/bench-search. CALLS=… to change the size,
// ROUNDS=… the times each query is sent (default 10).
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSim, startWranglerDev, freePort, root, KEY, SECRET, TOKEN } from "../tests/worker/harness.mjs";

const CALLS = Number(process.env.CALLS ?? 10_000);
const ROUNDS = Number(process.env.ROUNDS ?? 10);
const FROM = "2024-01-01T00:00:00Z";
const TO = "2025-01-01T00:00:00Z";
const env = { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" };

function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function du(path) {
  let total = 0;
  for (const e of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, e.name);
    total += e.isDirectory() ? du(p) : statSync(p).size;
  }
  return total;
}

const sim = await startSim({ generate: CALLS, args: ["--variety", "--seed", "3", "--from", FROM, "--to", TO] });
const dir = mkdtempSync(join(tmpdir(), "gongkit-bench-search-"));
const state = join(dir, "state");
let stopWrangler;
try {
  execFileSync(`${root}node_modules/.bin/wrangler`, ["d1", "migrations", "apply", "GONGKIT_DB", "--local", "--persist-to", state], { cwd: root, env, stdio: "ignore" });
  const envFile = join(dir, "secrets.env");
  writeFileSync(envFile, `GONGKIT_TOKEN=${TOKEN}\nGONG_API_KEY=${KEY}\nGONG_API_SECRET=${SECRET}\n`);
  const dev = await startWranglerDev({
    port: await freePort(),
    state,
    envFile,
    log: join(dir, "wrangler.log"),
    vars: { GONG_BASE_URL: sim.url, INTERNAL_DOMAINS: "seller.io" },
  });
  stopWrangler = dev.stop;
  const base = dev.base;
  const get = async (path) => {
    const t = performance.now();
    const r = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    const body = await r.text();
    if (!r.ok) throw new Error(`${path}: ${r.status} ${body.slice(0, 300)}`);
    return { ms: performance.now() - t, body, headers: r.headers };
  };
  const t0 = performance.now();
  await fetch(`${base}/v1/sync`, { method: "POST", headers: { Authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ from: FROM, to: TO }) });
  let status;
  for (;;) {
    status = JSON.parse((await get("/v1/sync")).body);
    if (status.status === "idle" && status.lastRun) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const syncSeconds = (performance.now() - t0) / 1000;
  console.log(`library: ${status.callsInLibrary} calls synced in ${syncSeconds.toFixed(0)} s with ${status.lastRun.requests} Gong requests`);

  const queries = {
    "two words": ["pricing security", "security questionnaire", "onboarding roadmap", "procurement team", "recap email", "contract renewal", "per seat", "jose pricing"],
    "one word": ["pricing", "sso", "datenschutz", "tarif"],
    phrase: ['"per seat"', '"security questionnaire"'],
    prefix: ["secur*", "onboard*"],
    "OR, exclusion": ["sso OR saml -renewal", "pricing -security"],
    japanese: ["調達", "セキュリティ"],
    "with filters": ["pricing&speaker=external", "pricing&from=2024-03-01T00:00:00Z&to=2024-06-01T00:00:00Z"],
  };
  // Warm up: workerd compiles the Worker, SQLite warms its pages.
  for (let i = 0; i < 10; i++) await get(`/v1/search?q=warmup${i}`);
  console.log(`\n/v1/search over ${status.callsInLibrary} calls (limit 20, 3 turns a hit), ms`);
  console.log(`${"queries".padEnd(16)}${"n".padStart(5)}${"p50".padStart(8)}${"p95".padStart(8)}${"max".padStart(8)}  hits`);
  for (const [kind, qs] of Object.entries(queries)) {
    const times = [];
    let counts = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const q of qs) {
        const [words, ...filters] = q.split("&");
        const r = await get(`/v1/search?q=${encodeURIComponent(words)}${filters.length ? "&" + filters.join("&") : ""}`);
        times.push(r.ms);
        if (round === 0) counts.push(JSON.parse(r.body).count);
      }
    }
    console.log(`${kind.padEnd(16)}${String(times.length).padStart(5)}${percentile(times, 50).toFixed(1).padStart(8)}${percentile(times, 95).toFixed(1).padStart(8)}${Math.max(...times).toFixed(1).padStart(8)}  ${counts.join(", ")}`);
  }
  const accounts = await get("/v1/accounts");
  const listed = JSON.parse(accounts.body);
  console.log(`\n/v1/accounts: ${accounts.ms.toFixed(1)} ms (${listed.count} accounts)`);
  // Every page, 5 accounts a page (the cursor is the last account).
  let pages = 0;
  let cursor = "";
  const p0 = performance.now();
  do {
    const page = JSON.parse((await get(`/v1/accounts?limit=5${cursor}`)).body);
    pages++;
    cursor = page.cursor ? `&cursor=${encodeURIComponent(page.cursor)}` : "";
  } while (cursor);
  console.log(`/v1/accounts, every page of 5: ${pages} pages in ${(performance.now() - p0).toFixed(0)} ms`);
  const biggest = listed.accounts.reduce((a, b) => (b.calls > a.calls ? b : a), listed.accounts[0]);
  if (biggest) {
    const times = [];
    for (let i = 0; i < ROUNDS; i++) times.push((await get(`/v1/accounts/${encodeURIComponent(biggest.name)}/calls?limit=100`)).ms);
    console.log(`/v1/accounts/{name}/calls (${biggest.name}, ${biggest.calls} calls), first page of 100: p50 ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms`);
  }

  const e0 = performance.now();
  let exported = 0;
  let bytes = 0;
  let since = "";
  for (;;) {
    const r = await get(`/v1/export?limit=10000${since}`);
    const lines = r.body.trimEnd().split("\n");
    const last = JSON.parse(lines.pop());
    exported += lines.length;
    bytes += r.body.length;
    if (!last.more) break;
    since = `&since=${encodeURIComponent(last.cursor)}`;
  }
  const es = (performance.now() - e0) / 1000;
  console.log(`/v1/export: ${exported} calls, ${(bytes / 1e6).toFixed(1)} MB of NDJSON in ${es.toFixed(1)} s = ${(exported / es).toFixed(0)} calls/s`);
  const size = du(join(state, "v3", "d1"));
  console.log(`library on disk (D1 SQLite, WAL included): ${(size / 1e6).toFixed(1)} MB = ${(size / status.callsInLibrary / 1e3).toFixed(1)} KB a call`);
} finally {
  await stopWrangler?.();
  await sim.stop();
  // KEEP=1 keeps the database for a look with sqlite3.
  if (process.env.KEEP) console.log(`kept: ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
