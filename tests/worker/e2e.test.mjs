// End to end, as a user runs it: the Gong simulator and `wrangler dev`
// (local mode, workerd) on free ports, a real round trip over HTTP, and the
// wrangler log checked for secrets.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSim, startWranglerDev, freePort, root, fixture, KEY, SECRET, TOKEN, SECRETS } from "./harness.mjs";

const ACME = "7782342274025937895";
const TWO_HOUR = "4400000000000000001";
let sim, stopWrangler, base, logFile, dir;
const answers = [];

async function get(path, { token = TOKEN } = {}) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const res = await fetch(`${base}${path}`, { headers });
  const body = await res.text();
  answers.push(body + JSON.stringify([...res.headers]));
  return { status: res.status, headers: res.headers, body, json: () => JSON.parse(body) };
}

before(async () => {
  sim = await startSim({ pageSize: 25 });
  dir = mkdtempSync(join(tmpdir(), "gongkit-e2e-"));
  const envFile = join(dir, "secrets.env");
  writeFileSync(envFile, `GONGKIT_TOKEN=${TOKEN}\nGONG_API_KEY=${KEY}\nGONG_API_SECRET=${SECRET}\n`);
  logFile = join(dir, "wrangler.log");
  // The local D1 database, migrated as scripts/run and a deployment do.
  execFileSync(`${root}node_modules/.bin/wrangler`, ["d1", "migrations", "apply", "GONGKIT_DB", "--local", "--persist-to", join(dir, "state")], {
    cwd: root,
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  ({ base, stop: stopWrangler } = await startWranglerDev({
    port: await freePort(),
    state: join(dir, "state"),
    envFile,
    log: logFile,
    args: ["--test-scheduled"],
    vars: { GONG_BASE_URL: sim.url, FRESH_WINDOW_SECONDS: "0" },
  }));
});

after(async () => {
  await stopWrangler?.();
  await sim?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("a call, its transcript and a listing, over HTTP from wrangler dev", { timeout: 60_000 }, async () => {
  const call = await get(`/v1/calls/${ACME}?timestamps=true`);
  assert.equal(call.status, 200, call.body);
  assert.deepEqual(call.json(), JSON.parse(fixture("expected/acme-discovery.call.json")));
  // Gong's answers are cached (and the call kept in the library) after the
  // response is sent (waitUntil): give that a moment on a busy machine.
  await new Promise((r) => setTimeout(r, 1000));
  const transcript = await get(`/v1/calls/${ACME}/transcript?format=webvtt`);
  assert.equal(transcript.headers.get("content-type"), "text/vtt; charset=utf-8");
  assert.equal(transcript.body, fixture("expected/acme-discovery.webvtt.vtt"));
  // From the library, which is not a cache of Gong's answers: no
  // X-Gongkit-Cache (that header speaks of Gong's cached answers only).
  assert.equal(transcript.headers.get("x-gongkit-source"), "library");
  assert.equal(transcript.headers.get("x-gongkit-cache"), null);
  const ids = [];
  let page = (await get("/v1/calls?from=2024-01-01T00:00:00Z&to=2024-02-01T00:00:00Z&limit=40")).json();
  ids.push(...page.calls.map((c) => c.id));
  while (page.cursor) {
    page = (await get(`/v1/calls?cursor=${encodeURIComponent(page.cursor)}&limit=40`)).json();
    ids.push(...page.calls.map((c) => c.id));
  }
  assert.equal(ids.length, 124); // every six hours through January
  assert.equal(new Set(ids).size, 124);
  assert.equal((await get(`/v1/calls/${ACME}`, { token: "wrong" })).status, 401);
});

test("the browser page and its WebAssembly are served as static assets", async () => {
  const page = await get("/", { token: null });
  assert.equal(page.status, 200);
  assert.match(page.body, /<title>gongkit/);
  const wasm = await fetch(`${base}/pkg/gongkit_bg.wasm`);
  assert.equal(wasm.status, 200);
  assert.equal(wasm.headers.get("content-type"), "application/wasm");
});

test("latency with Gong answering in 200 ms (printed for the record)", { timeout: 60_000 }, async () => {
  await sim.reset();
  await sim.faults([{ kind: "delay", ms: 200, count: 1000 }]);
  const times = [];
  for (let i = 0; i < 5; i++) {
    // The gate lets 3 Gong requests start in any second: space the calls
    // (2 requests each) so this measures latency, not the gate's queue.
    if (i > 0) await new Promise((r) => setTimeout(r, 1200));
    const t0 = performance.now();
    const r = await get(`/v1/calls/${TWO_HOUR}?fresh=true`);
    times.push(performance.now() - t0);
    assert.equal(r.status, 200);
    assert.equal(r.json().participants.length, 4);
  }
  const log = await sim.log();
  await sim.reset();
  assert.equal(log.length, 10, "two Gong requests per call, no cache");
  times.sort((a, b) => a - b);
  process.stderr.write(`e2e GET /v1/calls/{two-hour id}?fresh=true with 200 ms Gong latency: median ${times[2].toFixed(0)} ms (min ${times[0].toFixed(0)}, max ${times[4].toFixed(0)})\n`);
});

test("the call library under wrangler dev: a backfill, reads from D1, the Cron Trigger", { timeout: 120_000 }, async () => {
  const post = await fetch(`${base}/v1/sync`, {
    method: "POST",
    headers: { Authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ from: "2024-01-01T00:00:00Z", to: "2024-02-01T00:00:00Z" }),
  });
  assert.equal(post.status, 202, await post.text());
  let status;
  for (let i = 0; i < 120; i++) {
    status = (await get("/v1/sync")).json();
    if (status.status === "idle" && status.lastRun) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.equal(status.status, "idle", JSON.stringify(status));
  assert.ok(status.callsInLibrary > 50, JSON.stringify(status));
  const listing = (await get("/v1/calls?from=2024-01-01T00:00:00Z&to=2024-02-01T00:00:00Z&limit=5")).json();
  assert.equal(listing.source, "library");
  const one = await get(`/v1/calls/${listing.calls[0].id}`);
  assert.equal(one.status, 200);
  assert.equal(one.headers.get("x-gongkit-source"), "library");
  // wrangler dev --test-scheduled runs the Cron Trigger on request.
  const cron = await fetch(`${base}/__scheduled?cron=${encodeURIComponent("*/15 * * * *")}`);
  assert.equal(cron.status, 200);
  for (let i = 0; i < 60; i++) {
    status = (await get("/v1/sync")).json();
    if (status.status === "idle" && status.lastRun.kind === "incremental") break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.equal(status.lastRun.kind, "incremental", JSON.stringify(status));
});

test("no response and no line of the wrangler log holds a secret", async () => {
  // Make sure the log has the Worker's own lines in it.
  await get(`/v1/calls/${ACME}`);
  const mcp = await fetch(`${base}/mcp`, {
    method: "POST",
    headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "get_transcript", arguments: { callId: ACME } } }),
  });
  answers.push(await mcp.text());
  await new Promise((r) => setTimeout(r, 300));
  const log = readFileSync(logFile, "utf8");
  assert.match(log, /"route":"get_call"/);
  // An MCP request's line names the tool it ran.
  assert.match(log, /"route":"mcp"[^\n]*"tool":"get_transcript"/);
  for (const secret of SECRETS) {
    assert.ok(!log.includes(secret), "the wrangler log holds a secret");
    for (const a of answers) assert.ok(!a.includes(secret), "an answer holds a secret");
  }
});
