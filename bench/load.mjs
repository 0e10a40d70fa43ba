// Load and faults against a running Worker and Gong simulator (scripts/load
// starts both): bounded loops on 127.0.0.1 only. Prints what it measures;
// exits non-zero when an answer is wrong.
//   node bench/load.mjs <worker-url> <sim-url> <token> [<participant-token>] [--smoke]
// --smoke: the same runs with a few requests each (scripts/test's smoke run).
// With a participant's token (a `name:email:token` entry), a last run shows
// that person's burst of fresh asks cannot hold back the admin's request.
import { execFileSync } from "node:child_process";

const SMOKE = process.argv.includes("--smoke");
const [base, simUrl, token, participant] = process.argv.slice(2).filter((a) => a !== "--smoke");
if (!token) throw new Error("usage: node bench/load.mjs <worker-url> <sim-url> <token> [<participant-token>] [--smoke]");
// Requests and concurrency of the big runs, of the fault runs, and the transcript sizes.
const [TOTAL, CONCURRENCY] = SMOKE ? [24, 4] : [2000, 50];
const FAULTS_TOTAL = SMOKE ? 8 : 2000;
const FAULT_RUN = SMOKE ? 2 : 50;
const SIZES = SMOKE ? [1, 1000] : [1, 10, 100, 1000, 5000, 10000, 20000];
const REPEAT = SMOKE ? 3 : 5;
const auth = { Authorization: `Bearer ${token}` };
const sim = async (method, path, body) => (await fetch(`${simUrl}${path}`, { method, body: body && JSON.stringify(body) })).json();
let problems = 0;
const problem = (message) => {
  problems++;
  if (problems <= 10) console.error(`PROBLEM: ${message}`);
};

// The generated calls of the simulator, and the fixture calls.
const ids = [
  "7782342274025937895", "3318850021944410000", "5500000000000000001", "1200000000000000042", "4400000000000000001",
  ...Array.from({ length: 95 }, (_, i) => String(9000000000000000001n + BigInt(i))),
].slice(0, SMOKE ? 6 : 100);

async function run(total, concurrency, path) {
  const times = [];
  const answers = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const id = ids[i % ids.length];
        const t = performance.now();
        try {
          const res = await fetch(`${base}${path(id)}`, { headers: auth });
          const body = await res.text();
          answers.push({ id, status: res.status, body, retryAfter: res.headers.get("retry-after"), cache: res.headers.get("x-gongkit-cache") ?? (res.headers.get("x-gongkit-source") === "library" ? "hit" : null) });
        } catch (e) {
          answers.push({ id, status: 0, body: String(e) });
        }
        times.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(1);
  return { answers, line: `${total} requests, concurrency ${concurrency}: ${(total / seconds).toFixed(0)} req/s, p50 ${q(0.5)} ms, p95 ${q(0.95)} ms, p99 ${q(0.99)} ms` };
}

const counts = (answers) => answers.reduce((m, a) => ((m[a.status] = (m[a.status] ?? 0) + 1), m), {});

// 1. Healthy: the correct call for every request, zero errors.
await sim("POST", "/__sim/reset");
const truth = new Map();
for (const id of ids) {
  const res = await fetch(`${base}/v1/calls/${id}?fresh=true`, { headers: auth });
  if (res.status !== 200) problem(`warm-up ${id}: ${res.status}`);
  truth.set(id, await res.text());
}
let { answers, line } = await run(TOTAL, CONCURRENCY, (id) => `/v1/calls/${id}`);
console.log(`healthy:        ${line}`);
for (const a of answers) if (a.status !== 200 || a.body !== truth.get(a.id)) problem(`healthy ${a.id}: ${a.status}`);
console.log(`                statuses ${JSON.stringify(counts(answers))}`);

// 2. Gong answering 429 (Retry-After: 1) to 30 % and 500 to 10 % of requests, cache bypassed.
await sim("POST", "/__sim/reset");
await sim("POST", "/__sim/faults", { faults: [{ kind: "429", probability: 0.3, retryAfter: 1 }, { kind: "500", probability: 0.1 }] });
({ answers, line } = await run(FAULTS_TOTAL, CONCURRENCY, (id) => `/v1/calls/${id}?fresh=true`));
const gongRequests = (await sim("GET", "/__sim/log")).length;
console.log(`faults:         ${line}`);
let right = 0, documented = 0;
for (const a of answers) {
  if (a.status === 200) {
    if (a.body === truth.get(a.id)) right++;
    else problem(`faults ${a.id}: a 200 with a wrong or partial body`);
  } else {
    let code;
    try {
      code = JSON.parse(a.body).error.code;
    } catch {
      problem(`faults ${a.id}: ${a.status} without our error body`);
      continue;
    }
    const ok = (a.status === 503 && code === "gong_rate_limited" && a.retryAfter) || (a.status === 502 && code === "gong_unavailable");
    if (ok) documented++;
    else problem(`faults ${a.id}: ${a.status} ${code}`);
  }
}
console.log(`                ${right} correct calls, ${documented} documented 502/503 errors, ${answers.length - right - documented} other; statuses ${JSON.stringify(counts(answers))}; ${gongRequests} Gong requests`);

// 3. The same without `fresh`: the cache answers.
await sim("POST", "/__sim/reset");
({ answers, line } = await run(TOTAL, CONCURRENCY, (id) => `/v1/calls/${id}`));
const saved = (await sim("GET", "/__sim/log")).length;
const hits = answers.filter((a) => a.cache === "hit").length;
console.log(`cached:         ${line}`);
console.log(`                cache hit rate ${((100 * hits) / answers.length).toFixed(1)} %; ${saved} Gong requests for ${answers.length} calls (${2 * answers.length - saved} saved)`);
for (const a of answers) if (a.status === 200 && a.body !== truth.get(a.id)) problem(`cached ${a.id}: wrong body`);
await sim("POST", "/__sim/reset");

// 4. Cut connections and truncated JSON: 502s, and the Worker stays up.
// (A cut connection costs the Worker about a minute of waiting, so the smoke run tries truncated JSON only.)
for (const [kind, code] of [["cut", "gong_unavailable"], ["truncated", "gong_bad_response"]].slice(SMOKE ? 1 : 0)) {
  await sim("POST", "/__sim/faults", { faults: [{ kind, count: 200, path: "extensive" }] });
  ({ answers } = await run(FAULT_RUN, Math.min(10, FAULT_RUN), (id) => `/v1/calls/${id}?fresh=true&transcript=false`));
  await sim("POST", "/__sim/reset");
  const codes = answers.map((a) => (a.status === 502 ? JSON.parse(a.body).error.code : a.status));
  const good = codes.filter((c) => c === code).length;
  console.log(`${kind.padEnd(15)} ${FAULT_RUN} requests: ${good} × 502 ${code}; others: ${JSON.stringify(codes.filter((c) => c !== code))}`);
  if (good !== FAULT_RUN) problem(`${kind}: expected ${FAULT_RUN} × ${code}`);
  const after = await fetch(`${base}/v1/calls/${ids[0]}?fresh=true`, { headers: auth });
  if (after.status !== 200) problem(`${kind}: the Worker is not answering after the faults`);
}

// 5. Transcript sizes from 1 to 20,000 segments: size and time grow linearly.
console.log("\nsegments   JSON bytes   output bytes   median ms (GET …/transcript, fresh)   ms per 1000 segments");
for (const n of SIZES) {
  const doc = JSON.parse(execFileSync("python3", ["tests/fixtures/gen_two_hour.py", String(n)], { maxBuffer: 1 << 30 }).toString());
  const id = String(4500000000000000000n + BigInt(n));
  const transcript = { ...doc.callTranscripts[0], callId: id };
  await sim("POST", "/__sim/calls", { extensive: { metaData: { id, title: `Sweep ${n}` }, parties: [] }, transcript });
  const times = [];
  let size = 0;
  for (let i = 0; i < REPEAT; i++) {
    const t = performance.now();
    const res = await fetch(`${base}/v1/calls/${id}/transcript?fresh=true&names=false`, { headers: auth });
    const body = await res.text();
    times.push(performance.now() - t);
    size = Buffer.byteLength(body);
    if (res.status !== 200) problem(`size ${n}: ${res.status} ${body.slice(0, 200)}`);
  }
  times.sort((a, b) => a - b);
  const bytes = Buffer.byteLength(JSON.stringify(doc));
  const median = times[Math.floor(REPEAT / 2)];
  console.log(`${String(n).padStart(8)} ${String(bytes).padStart(12)} ${String(size).padStart(14)} ${median.toFixed(1).padStart(40)} ${((median / n) * 1000).toFixed(1).padStart(22)}`);
}

// 6. Fairness: one participant fires a burst of concurrent `fresh=true` asks
// for ids Gong does not have; the admin's request, sent once the burst holds
// the gate, waits no more than the gate's pacing (two windows of 1.25 s, and
// room for a busy machine). The day is charged only the requests Gong saw.
if (participant) {
  const BURST = SMOKE ? 10 : 40;
  await sim("POST", "/__sim/reset");
  const before = (await (await fetch(`${base}/v1/quota`, { headers: auth })).json()).used.demand;
  const unknown = () => `1${Array.from({ length: 18 }, () => Math.floor(Math.random() * 10)).join("")}`;
  const burst = Promise.all(
    Array.from({ length: BURST }, () => fetch(`${base}/v1/calls/${unknown()}?fresh=true`, { headers: { Authorization: `Bearer ${participant}` } }).then((r) => r.status)),
  );
  for (let i = 0; i < 200 && (await sim("GET", "/__sim/stats")).requests < 3; i++) await new Promise((r) => setTimeout(r, 10));
  const t = performance.now();
  const res = await fetch(`${base}/v1/calls/${ids[1]}?fresh=true&transcript=false`, { headers: auth });
  await res.text();
  const waited = performance.now() - t;
  const statuses = await burst;
  await new Promise((r) => setTimeout(r, 300));
  const sent = (await sim("GET", "/__sim/stats")).requests;
  const charged = (await (await fetch(`${base}/v1/quota`, { headers: auth })).json()).used.demand - before;
  console.log(`\nfairness:       a participant's ${BURST} concurrent fresh asks for unknown ids: ${JSON.stringify(statuses.reduce((m, st) => ((m[st] = (m[st] ?? 0) + 1), m), {}))}`);
  console.log(`                the admin's request meanwhile: ${res.status} in ${waited.toFixed(0)} ms; ${sent} Gong requests sent, ${charged} charged to the day`);
  if (res.status !== 200) problem(`fairness: the admin's request was ${res.status}`);
  if (waited > 2 * 1250 + 2500) problem(`fairness: the admin waited ${waited.toFixed(0)} ms`);
  if (charged !== sent) problem(`fairness: ${charged} charged for ${sent} sent`);
}

console.log(problems ? `\n${problems} problems` : "\nno problems");
process.exit(problems ? 1 : 0);
