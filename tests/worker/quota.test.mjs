// Quota: one person or one agent cannot spend the company's Gong access.
// Under Miniflare with the simulator enforcing Gong's own limit (3 requests a
// second, 429 beyond): the gate books only what is sent, a user's daily
// budget, a participant's burst that cannot hold back an admin, repeat asks
// that cost nothing, a bounded live scan, one probe a minute through a long
// 429 pause, and a sync that stops on a looping Gong.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startSim, startWorker, migratedDatabase, syncDone, TOKEN } from "./harness.mjs";

// TOKEN (bare) is an admin; the others are people and agents.
const PAT = "pat-token-5d1e0c3b7a9f2e4d6c8b0a1f3e5d7c9b";
const BOT = "bot-token-0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d";
const OUT = "out-token-7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c";
const TOKENS = `${TOKEN},pat:pat@example.com:${PAT},bot:all:${BOT},out:nobody@nowhere.example:${OUT}`;
// One window of the gate: three starts, then a second and its margin.
const WINDOW_MS = 1250;

const sims = [];
const workers = [];
after(async () => {
  await Promise.allSettled(workers.map((w) => w.dispose()));
  await Promise.allSettled(sims.map((s) => s.stop()));
});

async function sim(args = []) {
  const s = await startSim({ args: ["--rate-limit", "3", ...args] });
  sims.push(s);
  return s;
}

async function worker(s, bindings = {}, options = {}) {
  const w = await startWorker(s, { bindings: { GONGKIT_TOKEN: TOKENS, ...bindings }, ...options });
  workers.push(w);
  return w;
}

const visibleIds = async (s, n) => (await s.calls()).calls.filter((c) => c.visible && !c.isPrivate).slice(0, n).map((c) => c.id);
// An id Gong has not got: 19 digits, no leading zero.
const unknownId = () => `1${Array.from({ length: 18 }, () => Math.floor(Math.random() * 10)).join("")}`;
const settle = () => new Promise((r) => setTimeout(r, 300));

test("the gate books only what it sends: 60 fresh asks for unknown ids by one participant; /v1/quota counts the requests Gong saw", { timeout: 120_000 }, async () => {
  const s = await sim();
  const w = await worker(s);
  const answers = await Promise.all(Array.from({ length: 60 }, () => w.request(`/v1/calls/${unknownId()}?fresh=true`, { token: PAT })));
  for (const a of answers) {
    assert.ok(a.status === 404 || (a.status === 503 && a.json().error.code === "gong_rate_limited" && Number(a.headers.get("retry-after")) >= 1), `${a.status} ${a.body}`);
  }
  await settle();
  const sent = (await s.stats()).requests;
  const quota = (await w.request("/v1/quota")).json();
  assert.equal(quota.used.demand, sent, `charged ${quota.used.demand}, sent ${sent}`);
  assert.equal(quota.users["token:pat"], sent);
  const mine = (await w.request("/v1/quota", { token: PAT })).json();
  assert.deepEqual(mine.you, { user: "token:pat", used: sent, budget: 500, left: 500 - sent });
  assert.equal(mine.users, undefined, "everyone's use is for admins");
  // The admin is not locked out after the burst.
  const [id] = await visibleIds(s, 1);
  const admin = await w.request(`/v1/calls/${id}?fresh=true&transcript=false`);
  assert.equal(admin.status, 200, admin.body);
  process.stderr.write(`quota: 60 fresh unknown ids from one participant: ${sent} Gong requests sent and charged, ${answers.filter((a) => a.status === 503).length} told to retry\n`);
});

test("one participant's 40 concurrent fresh asks for unknown ids do not hold an admin back beyond the gate's pacing", { timeout: 120_000 }, async () => {
  const s = await sim();
  const w = await worker(s);
  const [id] = await visibleIds(s, 1);
  const burst = Promise.all(Array.from({ length: 40 }, () => w.request(`/v1/calls/${unknownId()}?fresh=true`, { token: PAT })));
  // The admin asks once the participant's requests hold the gate.
  for (let i = 0; i < 200 && (await s.stats()).requests < 3; i++) await new Promise((r) => setTimeout(r, 10));
  const t0 = Date.now();
  const admin = await w.request(`/v1/calls/${id}?fresh=true&transcript=false`);
  const waited = Date.now() - t0;
  await burst;
  assert.equal(admin.status, 200, admin.body);
  // The participant holds at most one window ahead: the admin's start is
  // at most two windows away; the rest is generous room for a busy machine.
  assert.ok(waited <= 2 * WINDOW_MS + 2500, `the admin waited ${waited} ms`);
  const stats = await s.stats();
  assert.ok(stats.maxPerSecond <= 3, `${stats.maxPerSecond} Gong requests in a second`);
  assert.equal(stats.rateLimited, 0);
  process.stderr.write(`quota: an admin's request during a participant's burst of 40: ${waited} ms\n`);
});

test("USER_DAILY_GONG_BUDGET: a user's own budget is 429 user_quota_exhausted; the cache, other users and admins still answer", { timeout: 120_000 }, async () => {
  const s = await sim();
  const w = await worker(s, { USER_DAILY_GONG_BUDGET: "4" });
  const calls = await visibleIds(s, 3);
  for (const id of calls.slice(0, 2)) {
    const r = await w.request(`/v1/calls/${id}?fresh=true`, { token: BOT });
    assert.equal(r.status, 200, r.body);
  }
  const refused = await w.request(`/v1/calls/${calls[2]}?fresh=true`, { token: BOT });
  assert.equal(refused.status, 429, refused.body);
  assert.equal(refused.json().error.code, "user_quota_exhausted");
  const retryAfter = Number(refused.headers.get("retry-after"));
  assert.ok(retryAfter > 0 && retryAfter <= 86_400, `Retry-After ${retryAfter}`);
  assert.equal((await s.stats()).requests, 4, "the refused ask never reached Gong");
  await settle();
  const cached = await w.request(`/v1/calls/${calls[0]}`, { token: BOT });
  assert.equal(cached.status, 200, cached.body);
  assert.equal(cached.headers.get("x-gongkit-source"), "cache");
  const other = await w.request(`/v1/calls/${calls[2]}?fresh=true&transcript=false`, { token: PAT });
  assert.notEqual(other.status, 429, "another user has a budget of their own");
  for (let i = 0; i < 3; i++) {
    const admin = await w.request(`/v1/calls/${calls[2]}?fresh=true`);
    assert.equal(admin.status, 200, admin.body);
  }
  const mine = (await w.request("/v1/quota", { token: BOT })).json();
  assert.deepEqual(mine.you, { user: "token:bot", used: 4, budget: 4, left: 0 });
  const admins = (await w.request("/v1/quota")).json();
  assert.equal(admins.you.budget, null, "admins have no per-user budget");
  assert.equal(admins.users["token:bot"], 4);
  assert.equal(admins.you.used, 6);
});

test("repeat asks cost nothing: a call the caller may not see, fresh=true within the window, an unknown id asked fresh", { timeout: 120_000 }, async () => {
  const s = await sim();
  const w = await worker(s, { FRESH_WINDOW_SECONDS: "60" });
  const [id] = await visibleIds(s, 1);
  for (let i = 0; i < 5; i++) {
    const r = await w.request(`/v1/calls/${id}`, { token: OUT });
    assert.equal(r.status, 404, r.body);
    assert.equal(r.json().error.code, "call_not_found");
    await settle();
  }
  assert.equal((await s.stats()).requests, 2, "Gong was asked once (extensive and transcript)");
  for (let i = 0; i < 5; i++) {
    assert.equal((await w.request(`/v1/calls/${id}?fresh=true`, { token: OUT })).status, 404);
    await settle();
  }
  assert.equal((await s.stats()).requests, 2, "fresh=true within FRESH_WINDOW_SECONDS asks Gong no more");
  // Someone who may see it is served what was fetched, with no Gong request.
  const seen = await w.request(`/v1/calls/${id}`, { token: BOT });
  assert.equal(seen.status, 200, seen.body);
  assert.equal((await s.stats()).requests, 2);
  const unknown = unknownId();
  for (let i = 0; i < 5; i++) {
    assert.equal((await w.request(`/v1/calls/${unknown}?fresh=true`, { token: PAT })).status, 404);
    await settle();
  }
  assert.equal((await s.stats()).requests, 4, "an unknown id asked fresh five times: Gong asked once");
});

test("find_calls_by_account's live scan sends at most 10 Gong requests and says what it covered and what to sync", { timeout: 120_000 }, async () => {
  const s = await sim();
  const w = await worker(s, {}, { http: true });
  const client = new Client({ name: "quota-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL("/mcp", w.url), { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } }));
  try {
    // Eight years: 98 windows of 30 days, most of them empty.
    const r = await client.callTool({ name: "find_calls_by_account", arguments: { account: "acme", from: "2018-01-01T00:00:00Z", to: "2026-01-01T00:00:00Z" } });
    assert.ok(!r.isError, JSON.stringify(r));
    const found = r.structuredContent;
    const sent = (await s.stats()).requests;
    assert.ok(sent <= 10, `${sent} Gong requests for one question`);
    assert.equal(found.truncated, true);
    assert.equal(found.source, "gong");
    assert.equal(found.covered.to, "2026-01-01T00:00:00Z");
    assert.ok(found.covered.from > "2018-01-01" && found.covered.from < "2026-01-01", found.covered.from);
    assert.deepEqual(found.syncRange, { from: "2018-01-01T00:00:00Z", to: "2026-01-01T00:00:00Z" });
    const text = r.content.map((c) => c.text).join("\n");
    assert.match(text, /POST \/v1\/sync/);
    assert.match(text, /at most 10 Gong requests/);
  } finally {
    await client.close().catch(() => {});
  }
});

test("one 429 with Retry-After: 86400 does not stop Gong traffic for a day: a probe a minute, and its success lifts the pause", { timeout: 180_000 }, async () => {
  const s = await sim();
  const w = await worker(s);
  const ids = await visibleIds(s, 4);
  await s.faults([{ kind: "429", retryAfter: 86400, count: 1, path: "extensive" }]);
  const first = await w.request(`/v1/calls/${ids[0]}?fresh=true&transcript=false`);
  assert.equal(first.status, 503, first.body);
  assert.equal(first.json().error.code, "gong_rate_limited");
  const paused = await w.request(`/v1/calls/${ids[1]}?fresh=true&transcript=false`);
  assert.equal(paused.status, 503);
  const retryAfter = Number(paused.headers.get("retry-after"));
  assert.ok(retryAfter >= 1 && retryAfter <= 60, `told to come back at the next probe, not in a day: Retry-After ${retryAfter}`);
  assert.equal((await s.stats()).requests, 1, "nothing more reached Gong during the pause");
  assert.ok((await w.request("/v1/quota")).json().pausedUntil);
  await new Promise((r) => setTimeout(r, (retryAfter + 1) * 1000));
  const probe = await w.request(`/v1/calls/${ids[2]}?fresh=true&transcript=false`);
  assert.equal(probe.status, 200, probe.body);
  const after = await w.request(`/v1/calls/${ids[3]}?fresh=true&transcript=false`);
  assert.equal(after.status, 200, "the probe's success lifted the pause for everyone");
  assert.equal((await w.request("/v1/quota")).json().pausedUntil, null);
});

test("the sync stops on a Gong that answers the same cursor for ever, with a clear lastError", { timeout: 180_000 }, async () => {
  const s = await sim(["--loop-cursor"]);
  const w = await worker(s, {}, { library: await migratedDatabase() });
  const started = await w.request("/v1/sync", { method: "POST", body: JSON.stringify({ from: "2024-01-01", to: "2024-03-31" }) });
  assert.equal(started.status, 202, started.body);
  const status = await syncDone((p) => w.request(p), null, 90_000);
  assert.equal(status.lastRun.result, "failed");
  assert.equal(status.lastError.code, "gong_bad_response");
  assert.match(status.lastError.message, /repeats an earlier page's cursor/);
  assert.equal(status.lastError.retryAt, null);
  assert.equal(status.covered, null, "a stopped job covers nothing");
  const sent = (await s.stats()).requests;
  assert.ok(sent <= 4, `${sent} Gong requests before the loop was seen`);
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal((await s.stats()).requests, sent, "and none after");
});
