// CPU per request of the Worker under wrangler dev (scripts/cpu starts
// everything): sequential requests on 127.0.0.1, the CPU time of the
// workerd processes read from /proc before and after each batch.
//   node bench/cpu.mjs --worker URL --pgid PID --sim URL --token T
//                      [--probe URL --probe-pgid PID] [-n 50] [--store cache|kv]
//   node bench/cpu.mjs --miniflare --sim URL --key K --secret S [-n 50] [--store cache|kv] [--no-probe]
//   either with [--upload "RAW KiB / GZ KiB"] [--cold 5] [--readme README.md]
//   and with --miniflare [--build DIR]: another build of the Worker (worker-build's output
//   directory, such as another checkout's worker/build), to compare two builds run by run
// --upload: wrangler's "Total Upload" figures (scripts/cpu runs the dry run);
// --cold N: N fresh Miniflare instances (Miniflare runs only) for the cold start;
// --readme FILE: rewrites the block between FILE's `<!-- worker-cpu: generated
// by scripts/cpu -->` and `<!-- /worker-cpu -->` with the table of goals.
// With --miniflare the Worker and the probe run in Miniflare started here
// (the same workerd, with no inspector attached): wrangler dev attaches its
// inspector proxy, which enables the Network domain, and every subrequest
// then costs CPU in both workerd processes (see the README).
// The figures are an upper bound of what Cloudflare would bill: workerd
// also runs Miniflare's own services (cache, KV, the entry worker) and its
// HTTP stack. The probe (bench/cpu-probe.js, a JS Worker in a second
// wrangler dev) prices the subrequests and the cache operations alone, so
// they can be taken out.
import { measuredOn, writeBlock } from "./readme.mjs";
import { readFileSync, readdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { randomBytes } from "node:crypto";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
let base = opt("--worker");
let pgid = Number(opt("--pgid"));
const simUrl = opt("--sim");
let token = opt("--token");
let probe = opt("--probe");
let probePgid = Number(opt("--probe-pgid", "0"));
const N = Number(opt("-n", "50"));
const store = opt("--store", "cache");
const miniflare = args.includes("--miniflare");
if (!simUrl || (!miniflare && (!base || !pgid || !token))) throw new Error("usage: see the head of bench/cpu.mjs");
const WARM = 5;
const TICK_MS = 1000 / Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim() || 100);
let problems = 0;
const problem = (m) => {
  problems++;
  if (problems <= 10) console.error(`PROBLEM: ${m}`);
};

// --- /proc ------------------------------------------------------------------

/** comm, ppid, pgrp, utime+stime (ms) of a process or thread from its stat line. */
function stat(path) {
  const s = readFileSync(path, "utf8");
  const close = s.lastIndexOf(")");
  const f = s.slice(close + 2).split(" "); // f[0] is field 3 (state)
  return { comm: s.slice(s.indexOf("(") + 1, close), ppid: +f[1], pgrp: +f[2], ms: (+f[11] + +f[12]) * TICK_MS };
}

/** The workerd processes of a process group (a number), or those a predicate picks. */
function workerds(group) {
  const out = [];
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const s = stat(`/proc/${pid}/stat`);
      if (s.comm === "workerd" && (typeof group === "function" ? group(+pid, s) : s.pgrp === group)) out.push(+pid);
    } catch {}
  }
  return out.sort((a, b) => a - b);
}

/** Starts a Miniflare instance on 127.0.0.1; resolves to its URL, its workerd pid and dispose. */
async function startMiniflare(options) {
  const { Miniflare } = await import("miniflare");
  const mine = (pid, s) => s.ppid === process.pid;
  const known = new Set(workerds(mine));
  const mf = new Miniflare({
    modules: true,
    compatibilityDate,
    host: "127.0.0.1",
    port: 0,
    // The Worker's log lines are read and dropped, as wrangler does with --log-level warn.
    handleRuntimeStdio: (stdout, stderr) => (stdout.resume(), stderr.resume()),
    ...options,
  });
  const url = String(await mf.ready).replace(/\/$/, "");
  const pids = workerds(mine).filter((p) => !known.has(p));
  if (pids.length !== 1) throw new Error(`expected one new workerd, found ${pids.join(", ")}`);
  return { url, pid: pids[0], select: (pid) => pid === pids[0], dispose: () => mf.dispose() };
}

/** CPU of each process (ms, from utime+stime) and of each of its threads (ns, from schedstat). */
function snapshot(pids) {
  const snap = new Map();
  for (const pid of pids) {
    const threads = new Map();
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
        const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
        threads.set(tid, { comm, ns });
      } catch {}
    }
    snap.set(pid, { ms: stat(`/proc/${pid}/stat`).ms, threads });
  }
  return snap;
}

/** CPU (ms) a process has spent since it started, every live thread's schedstat summed (ns precision, not /proc's 10 ms ticks). */
function processMs(pid) {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {}
  }
  return ns / 1e6;
}

/** Per process: total ms, the main thread's ms, every other thread's ms by name. */
function delta(before, after) {
  const out = new Map();
  for (const [pid, a] of after) {
    const b = before.get(pid);
    if (!b) continue;
    const byName = {};
    let main = 0;
    for (const [tid, t] of a.threads) {
      const ms = (t.ns - (b.threads.get(tid)?.ns ?? 0)) / 1e6;
      if (tid === String(pid)) main += ms;
      else byName[t.comm] = (byName[t.comm] ?? 0) + ms;
    }
    out.set(pid, { ms: a.ms - b.ms, main, byName });
  }
  return out;
}

// --- requests -----------------------------------------------------------------

const quantile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

/** Bytes of the last answer to each path kind, for the probe's response row. */
const answerBytes = {};
async function timed(url, init, check) {
  const t = performance.now();
  // Miniflare's entry worker compresses an answer for a client that accepts
  // gzip or br, as Cloudflare's front line does (its isCompressedByCloudflareFL),
  // but in the same workerd process: gzip of a 257 KB answer was 7 of the 9 ms
  // a cached answer seemed to cost. On Cloudflare that work is the front
  // line's, outside the Worker's CPU time, so every request here asks for
  // the answer as it is.
  const res = await fetch(url, { ...init, headers: { ...init?.headers, "Accept-Encoding": "identity" } });
  const body = await res.text();
  const ms = performance.now() - t;
  check?.(res, body);
  answerBytes[new URL(url).pathname.replace(/\d{6,}/, "ID")] = Buffer.byteLength(body);
  return ms;
}

/** Runs `warm` unmeasured then `n` measured sequential requests; `request(i)` makes the i-th. */
async function measure(group, request, n = N, warm = WARM) {
  for (let i = 0; i < warm; i++) await request(-1 - i);
  await sleep(300); // the waitUntil work of the warm-up ends
  const pids = workerds(group);
  const before = snapshot(pids);
  const wall = [];
  for (let i = 0; i < n; i++) wall.push(await request(i));
  await sleep(300); // the cache writes of waitUntil are part of the request
  return { d: delta(before, snapshot(pids)), wall: quantile(wall, 0.5), n };
}

const perReq = (m) => {
  let total = 0, main = 0;
  const threads = {};
  for (const p of m.d.values()) {
    total += p.ms;
    main += p.main;
    for (const [k, v] of Object.entries(p.byName)) threads[k] = (threads[k] ?? 0) + v;
  }
  return { total: total / m.n, main: main / m.n, threads: Object.fromEntries(Object.entries(threads).map(([k, v]) => [k, v / m.n])), wall: m.wall, procs: [...m.d.values()].map((p) => p.ms / m.n) };
};

// --- the calls --------------------------------------------------------------

const fixture = (name) => JSON.parse(readFileSync(new URL(`../tests/fixtures/calls/${name}.json`, import.meta.url), "utf8"));
const SMALL = "acme-discovery", TWO_HOUR = "two-hour";
const ids = { [SMALL]: 7790000000000000000n, [TWO_HOUR]: 4410000000000000000n };
const cachedId = fixture(`${TWO_HOUR}.extensive`).calls[0].metaData.id;

/** Copies of a fixture call under new ids, so each fresh request asks Gong for a call nobody asked for. */
async function addCopies(name, count) {
  const ext = fixture(`${name}.extensive`).calls[0];
  const tr = fixture(`${name}.transcript`).callTranscripts[0];
  const out = [];
  for (let i = 0; i < count; i++) {
    const id = String(ids[name] + BigInt(i));
    const body = { extensive: { ...ext, metaData: { ...ext.metaData, id } }, transcript: { ...tr, callId: id } };
    const res = await fetch(`${simUrl}/__sim/calls`, { method: "POST", body: JSON.stringify(body) });
    if (res.status !== 200) throw new Error(`sim: ${res.status} ${await res.text()}`);
    out.push(id);
  }
  return out;
}

const expect = (status, cache) => (res, body) => {
  if (res.status !== status) problem(`${res.url}: ${res.status} ${body.slice(0, 200)}`);
  // "hit": answered without Gong — from the cache, or from the library (which
  // carries no X-Gongkit-Cache: it is not a cache of Gong's answers).
  const got = res.headers.get("x-gongkit-cache") ?? (res.headers.get("x-gongkit-source") === "library" && cache === "hit" ? "hit" : null);
  if (cache && got !== cache) problem(`${res.url}: x-gongkit-cache ${res.headers.get("x-gongkit-cache")} (source ${res.headers.get("x-gongkit-source")}), wanted ${cache}`);
};

const idle = async (group) => {
  const pids = workerds(group);
  const before = snapshot(pids);
  await sleep(2000);
  return [...delta(before, snapshot(pids)).values()].reduce((s, p) => s + p.ms, 0) / 2;
};

const root = new URL("../", import.meta.url).pathname;
const compatibilityDate = readFileSync(`${root}wrangler.toml`, "utf8").match(/compatibility_date = "([^"]+)"/)[1];
const instances = [];
let workerOptions, probeOptions;
if (miniflare) {
  const key = opt("--key"), secret = opt("--secret");
  token = `cpu-${randomBytes(24).toString("hex")}`;
  workerOptions = {
    scriptPath: `${opt("--build", `${root}worker/build`)}/index.js`,
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    bindings: { GONG_BASE_URL: simUrl, INTERNAL_DOMAINS: "", ALLOWED_ORIGINS: "", CACHE_TTL_SECONDS: "86400", GONGKIT_TOKEN: token, GONG_API_KEY: key, GONG_API_SECRET: secret },
    kvNamespaces: store === "kv" ? ["GONGKIT_CACHE"] : [],
    cache: true,
  };
  probeOptions = {
    scriptPath: `${root}bench/cpu-probe.js`,
    bindings: { SIM_URL: simUrl, SIM_CALL: "4400000000000000001", KEY: key, SECRET: secret },
    kvNamespaces: ["KV"],
    cache: true,
  };
  const worker = await startMiniflare(workerOptions);
  instances.push(worker);
  [base, pgid] = [worker.url, worker.select];
  if (!args.includes("--no-probe")) {
    const p = await startMiniflare(probeOptions);
    instances.push(p);
    [probe, probePgid] = [p.url, p.select];
  }
}
const auth = { Authorization: `Bearer ${token}` };
const wpids = workerds(pgid);
if (!wpids.length) throw new Error(`no workerd process in process group ${pgid}`);
console.log(`workerd processes of ${miniflare ? "Miniflare (no inspector)" : "wrangler dev"}: ${wpids.join(", ")}; cache: ${store === "kv" ? "Workers KV (GONGKIT_CACHE bound)" : "Cache API (no KV binding)"}; ${N} requests each after ${WARM} warm-up ones; /proc tick ${TICK_MS} ms`);
const small = await addCopies(SMALL, N + WARM);
const big = await addCopies(TWO_HOUR, N + WARM);
const formatBody = JSON.stringify({ extensive: fixture(`${TWO_HOUR}.extensive`), transcript: fixture(`${TWO_HOUR}.transcript`) });
const at = (list, i) => list[i < 0 ? N + (-1 - i) : i];

// Every kind is warmed up first (V8 compiles the hot wasm functions again in
// background threads), then each is measured in turn.
const cachedCheck = (i) => expect(200, i < 0 ? undefined : "hit");
const kinds = [
  ["health", (i) => timed(`${base}/health`, {}, expect(200))],
  ["small fresh", (i) => timed(`${base}/v1/calls/${at(small, i)}?fresh=true`, { headers: auth }, expect(200, "miss"))],
  ["2h fresh", (i) => timed(`${base}/v1/calls/${at(big, i)}?fresh=true`, { headers: auth }, expect(200, "miss"))],
  ["2h cached", (i) => timed(`${base}/v1/calls/${cachedId}`, { headers: auth }, cachedCheck(i))],
  ["2h format", (i) => timed(`${base}/v1/format`, { method: "POST", headers: { ...auth, "Content-Type": "application/json" }, body: formatBody }, expect(200))],
  // The other routes' kept answers (not in the issue's table): a repeat is a
  // read of the extensive answer and of the rendered answer, no parse.
  ["2h tr cached", (i) => timed(`${base}/v1/calls/${cachedId}/transcript`, { headers: auth }, cachedCheck(i))],
  ["2h doc cached", (i) => timed(`${base}/v1/calls/${cachedId}/document`, { headers: auth }, cachedCheck(i))],
];
for (const [, request] of kinds) for (let i = 0; i < WARM; i++) await request(-1 - i);
await sleep(1000);
const idleMs = await idle(pgid);
const rows = [];
for (const [name, request] of kinds) rows.push({ name, ...perReq(await measure(pgid, request, N, 0)) });

const health = rows[0].total;
const f = (x) => x.toFixed(1).padStart(7);
console.log(`\nidle: ${idleMs.toFixed(1)} ms CPU per second with no requests (all workerd)`);
console.log(`\n${"request".padEnd(13)}${"CPU ms".padStart(7)}${"-health".padStart(8)}${"main th".padStart(8)}${"others".padStart(7)}${"wall p50".padStart(9)}   per workerd process (ms)`);
for (const r of rows) {
  const others = r.total - r.main;
  console.log(`${r.name.padEnd(13)}${f(r.total)}${f(r.total - health).padStart(8)}${f(r.main).padStart(8)}${f(others).padStart(7)}${f(r.wall).padStart(9)}   ${r.procs.map((p) => p.toFixed(1)).join(" / ")}`);
}
console.log(`\n(main th: workerd's main thread, where every isolate runs: the Worker and Miniflare's own entry, cache and KV workers alike;
 others: V8's background threads (GC, wasm tier-up) and workerd's I/O threads. Per thread, Miniflare cannot be told from the Worker.)`);
if (!miniflare) console.log(`(wrangler dev: its inspector proxy enables the Network domain in the Worker's isolate and re-sends every
 inspector event to wrangler, so each subrequest costs more here than on Cloudflare; --miniflare measures without it.)`);
console.log(`\nthreads other than the main one (ms per request):`);
for (const r of rows) {
  const t = Object.entries(r.threads).filter(([, v]) => v >= 0.05).sort((a, b) => b[1] - a[1]);
  console.log(`  ${r.name.padEnd(12)} ${t.map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", ") || "-"}`);
}

// --- the probe: the runtime's share -------------------------------------------
/** The Worker's own CPU per request (ms), by kind, once the probe's share is taken out. */
const own = {};
if (probe && probePgid) {
  const prow = {};
  const p = async (name, path, init) => (prow[name] = perReq(await measure(probePgid, (i) => timed(`${probe}${path(i)}`, init, expect(200)))).total);
  const answer = answerBytes["/v1/calls/ID"];
  await p("noop", () => "/noop");
  await p("fetch", (i) => `/fetch?id=${at(big, i)}`);
  const kind = store === "kv" ? "kv" : "cache";
  // The writes of a fresh answer (Gong's two answers, the rendered answer)
  // and the reads of a repeat (the extensive answer, the rendered answer).
  await p("put", (i) => `/${kind}-put?key=${i < 0 ? `w${-i}` : i}&bytes=${answer}`);
  await p("get", () => `/${kind}-get?key=0&bytes=${answer}`);
  await p("pass", () => `/${kind}-pass?key=0`);
  await p("upload", () => "/upload", { method: "POST", body: formatBody });
  await p("respond", () => `/respond?bytes=${answer}`);
  const net = Object.fromEntries(Object.entries(prow).map(([k, v]) => [k, v - prow.noop]));
  const store_ = kind === "kv" ? "Workers KV" : "Cache API";
  const line = (label, v) => console.log(`  ${label.padEnd(58)}${v.toFixed(1).padStart(6)}`);
  console.log(`\nprobe (bench/cpu-probe.js, a JS Worker in its own workerd), CPU ms per request minus its no-op (${prow.noop.toFixed(1)} ms):`);
  line("both Gong subrequests of the two-hour call, read as text", net.fetch);
  line(`${store_}: put both answers and the rendered one (1.5 + 425 + ${(answer / 1000).toFixed(0)} KB)`, net.put);
  line(`${store_}: get the extensive answer and the rendered one, as text`, net.get);
  line(`${store_}: get the extensive answer, hand the rendered one on unread`, net.pass);
  line(`receive a ${(formatBody.length / 1000).toFixed(0)} KB POST body as text`, net.upload);
  line(`send a ${(answer / 1000).toFixed(0)} KB answer`, net.respond);
  const by = Object.fromEntries(rows.map((r) => [r.name, r.total - health]));
  console.log(`\nthe two-hour call, CPU ms per request, /health taken out:`);
  console.log(`  ${"".padEnd(10)}${"measured".padStart(9)}${"- storage".padStart(10)}${"- subreq/body/answer".padStart(22)}`);
  const est = (name, storage, io) => (own[name] = by[name] - storage - io, console.log(`  ${name.padEnd(10)}${by[name].toFixed(1).padStart(9)}${(by[name] - storage).toFixed(1).padStart(10)}${(by[name] - storage - io).toFixed(1).padStart(22)}`));
  est("2h fresh", net.put, net.fetch + net.respond);
  // A repeat reads the extensive answer and hands the rendered one on as
  // its body (worker/src/cache.rs): the probe's pass is both.
  est("2h cached", net.pass, 0);
  est("2h format", 0, net.upload + net.respond);
  console.log(`  (- storage: without the ${store_} work, which is Miniflare's service here and not the Worker's CPU on Cloudflare;
   - subreq/body/answer: also without what a JS Worker spends to receive the same bodies and send the same answer,
   which leaves the Worker's own code: wasm, its glue, its copies)`);
}
for (const i of instances) await i.dispose();

// --- cold start ------------------------------------------------------------------
// A fresh workerd (a new Miniflare) per run: the CPU of its whole process from
// its start to the end of the first answer (compiling and instantiating the
// wasm, the JS entry, the first request), less the same for the probe, a
// plain JS Worker in the same Miniflare set-up (workerd's and Miniflare's own
// start-up). The first request is GET /health.
const COLD = Number(opt("--cold", "5"));
let cold;
if (miniflare && COLD > 0 && probeOptions) {
  const startToFirst = async (options, path) => {
    const runs = [];
    for (let i = 0; i < COLD; i++) {
      const inst = await startMiniflare(options);
      const ready = processMs(inst.pid);
      await timed(`${inst.url}${path}`, {}, expect(200));
      runs.push({ total: processMs(inst.pid), ready });
      await inst.dispose();
    }
    return { total: quantile(runs.map((r) => r.total), 0.5), first: quantile(runs.map((r) => r.total - r.ready), 0.5) };
  };
  const w = await startToFirst(workerOptions, "/health");
  const p = await startToFirst(probeOptions, "/noop");
  cold = { worker: w.total - p.total, first: w.first - p.first };
  console.log(`\ncold start (median of ${COLD} fresh workerd processes, CPU ms of the whole process from its start to the first answer):`);
  console.log(`  the Worker ${w.total.toFixed(1)} (of which its first request ${w.first.toFixed(1)}), the probe ${p.total.toFixed(1)} (${p.first.toFixed(1)})`);
  console.log(`  the Worker's own: ${cold.worker.toFixed(1)} ms (its first request alone, probe's taken out: ${cold.first.toFixed(1)} ms)`);
}

// --- the issue's table ---------------------------------------------------------
const upload = opt("--upload"); // "2078.67 KiB / 794.93 KiB"
const [rawKiB, gzKiB] = upload ? upload.split("/").map((x) => parseFloat(x)) : [];
const ms = (x) => (x === undefined || Number.isNaN(x) ? "not measured" : `${x.toFixed(1)} ms`);
const goals = [
  ["Worker's own CPU, two-hour call, `fresh=true`", ms(own["2h fresh"]), "≤ 8 ms", own["2h fresh"] <= 8],
  ["the same, answered from the Cache API", ms(own["2h cached"]), "≤ 4 ms", own["2h cached"] <= 4],
  ["`POST /v1/format` of the two-hour call", ms(own["2h format"]), "≤ 5 ms", own["2h format"] <= 5],
  ["cold start: CPU of a fresh isolate's start and first request", ms(cold?.worker), "≤ 50 ms", cold?.worker <= 50],
  ["Worker upload (`wrangler deploy --dry-run`), raw / gzipped", upload ? `${rawKiB.toFixed(0)} KiB / ${gzKiB.toFixed(0)} KiB` : "not measured", "≤ 500 KiB gzipped", gzKiB <= 500],
];
const table = [
  "| what | now | goal | met |",
  "|---|---|---|---|",
  ...goals.map(([what, now, goal, met]) => `| ${what} | ${now} | ${goal} | ${met ? "yes" : "no"} |`),
].join("\n");
console.log(`\n${table}`);
const readme = opt("--readme");
if (readme && !problems) {
  const open = "<!-- worker-cpu: generated by scripts/cpu -->", close = "<!-- /worker-cpu -->";
  const how = `(\`scripts/cpu --miniflare -n ${N} --readme\`, ${measuredOn()})`;
  writeBlock(open, close, `${table}\n\n${how}`, readme);
  console.log(`\n${readme}: the block between ${open} and ${close} rewritten`);
}
console.log(problems ? `\n${problems} problems` : "");
process.exit(problems ? 1 : 0);
