// Gong's automation-rule webhooks at POST /v1/webhooks/gong (Miniflare, D1
// migrated, the sync's Durable Object, the simulator): the signed JWT
// header checked with jose in worker/js/webhook.mjs (signature, body hash,
// URL, expiry), refusals that store nothing and cost no Gong request, test
// webhooks, private calls, a webhook sent twice, and the simulator's own
// webhooks (`--webhook-url`) arriving in the library with their
// transcripts fetched in one batch.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { SignJWT, generateKeyPair, exportSPKI } from "jose";
import { startSim, startWorker, migratedDatabase, fixture, freePort } from "./harness.mjs";

const cleanup = [];
after(() => Promise.allSettled(cleanup.map((f) => f())));

const URL_SIGNED = "http://worker.test/v1/webhooks/gong";
const now = () => Math.floor(Date.now() / 1000);

/** An RSA key pair as Gong's rule holds it; `base64` is what its page shows. */
async function ruleKey() {
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  const pem = await exportSPKI(publicKey);
  const base64 = pem.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "");
  return { privateKey, pem, base64 };
}

/** A Gong-style Authorization value for `body` (no "Bearer "). */
async function sign(privateKey, body, { url = URL_SIGNED, exp = now() + 300, sha = null } = {}) {
  return new SignJWT({ webhook_url: url, body_sha256: sha ?? createHash("sha256").update(body).digest("hex") })
    .setProtectedHeader({ alg: "RS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(privateKey);
}

/** A call as /v2/calls/extensive's calls[] gives it, started an hour ago. */
function callData(id, { isPrivate = false } = {}) {
  const call = JSON.parse(fixture("calls/acme-discovery.extensive.json")).calls[0];
  const started = new Date(Date.now() - 3_600_000).toISOString();
  call.metaData = { ...call.metaData, id, isPrivate, started, scheduled: started, title: `webhook call ${id}` };
  return call;
}

function post(w, body, authorization) {
  const headers = { "Content-Type": "application/json" };
  if (authorization !== undefined) headers.Authorization = authorization;
  return w.request("/v1/webhooks/gong", { method: "POST", body, headers, token: null });
}

async function setUp(bindings = {}, simArgs = []) {
  const s = await startSim({ generate: 0, args: simArgs });
  cleanup.push(() => s.stop());
  const key = await ruleKey();
  const w = await startWorker(s, {
    library: await migratedDatabase(),
    bindings: { GONG_WEBHOOK_PUBLIC_KEY: key.base64, WEBHOOK_BATCH_SECONDS: "0", ...bindings },
  });
  cleanup.push(() => w.dispose());
  return { s, w, key };
}

const inLibrary = async (w) => (await w.request("/v1/sync")).json().callsInLibrary;

test("without GONG_WEBHOOK_PUBLIC_KEY the webhook is 503 not_configured, saying what to set; a bad key too", async () => {
  const s = await startSim({ generate: 0 });
  cleanup.push(() => s.stop());
  const w = await startWorker(s);
  cleanup.push(() => w.dispose());
  const r = await post(w, "{}", "x");
  assert.equal(r.status, 503, r.body);
  assert.equal(r.json().error.code, "not_configured");
  assert.match(r.json().error.message, /GONG_WEBHOOK_PUBLIC_KEY/);
  const bad = await startWorker(s, { bindings: { GONG_WEBHOOK_PUBLIC_KEY: "bm90IGEga2V5" } });
  cleanup.push(() => bad.dispose());
  const rb = await post(bad, "{}", "x");
  assert.equal(rb.status, 503, rb.body);
  assert.match(rb.json().error.message, /GONG_WEBHOOK_PUBLIC_KEY: expected an RSA public key/);
  assert.doesNotMatch(rb.body, /bm90IGEga2V5/);
  assert.equal((await w.request("/v1/webhooks/gong", { token: null })).status, 405);
});

test("a forged, altered, expired or misaddressed webhook is 401, stores nothing and asks Gong nothing", async () => {
  const { s, w, key } = await setUp();
  const body = JSON.stringify({ callData: callData("7700000000000000001"), isTest: false });
  const forger = await ruleKey();
  const cases = [
    ["no Authorization header", body, undefined, /no Authorization header/],
    ["not a JWT", body, "hello", /does not verify/],
    ["signed by another key", body, await sign(forger.privateKey, body), /does not verify/],
    ["the body altered after signing", body.replace("webhook call", "altered call"), await sign(key.privateKey, body), /body_sha256/],
    ["a hash of another body", body, await sign(key.privateKey, body, { sha: "00".repeat(32) }), /body_sha256/],
    ["expired two minutes ago", body, await sign(key.privateKey, body, { exp: now() - 120 }), /expired/],
    ["signed for another URL", body, await sign(key.privateKey, body, { url: "https://evil.example/v1/webhooks/gong" }), /webhook_url/],
    ["signed for another path", body, await sign(key.privateKey, body, { url: "http://worker.test/v1/webhooks/other" }), /webhook_url/],
  ];
  await s.reset();
  for (const [what, sent, authorization, why] of cases) {
    const r = await post(w, sent, authorization);
    assert.equal(r.status, 401, `${what}: ${r.body}`);
    assert.equal(r.json().error.code, "unauthorized", what);
    assert.match(r.json().error.message, why, what);
  }
  assert.equal(await inLibrary(w), 0);
  assert.equal((await s.stats()).requests, 0, "no Gong request for a refused webhook");
});

test("a test webhook is 200 and stores nothing; a minute of clock skew is allowed; PUBLIC_URL names the URL signed", async () => {
  const { s, w, key } = await setUp();
  const body = JSON.stringify({ callData: callData("7700000000000000002"), isTest: true });
  const r = await post(w, body, await sign(key.privateKey, body, { exp: now() - 30 }));
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json(), { test: true, stored: false });
  assert.equal(await inLibrary(w), 0);
  assert.equal((await s.stats()).requests, 0);

  // Behind another name: the URL Gong signs is PUBLIC_URL's; PEM works too.
  const pub = await startWorker(s, {
    library: await migratedDatabase(),
    bindings: { GONG_WEBHOOK_PUBLIC_KEY: key.pem, PUBLIC_URL: "https://gong.example.com" },
  });
  cleanup.push(() => pub.dispose());
  const test = JSON.stringify({ isTest: true, callData: {} });
  const ok = await post(pub, test, await sign(key.privateKey, test, { url: "https://gong.example.com/v1/webhooks/gong" }));
  assert.equal(ok.status, 200, ok.body);
  const wrong = await post(pub, test, await sign(key.privateKey, test));
  assert.equal(wrong.status, 401, wrong.body);
});

/** Adds calls to the simulator (so Gong has their transcripts) and returns their callData. */
async function gongHas(s, ids, { isPrivate = false } = {}) {
  const transcript = JSON.parse(fixture("calls/acme-discovery.transcript.json")).callTranscripts[0];
  const calls = ids.map((id) => ({ extensive: callData(id, { isPrivate }), transcript: { ...transcript, callId: id } }));
  await s.addCalls({ calls });
  return calls.map((c) => c.extensive);
}

async function until(what, f, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test("verified webhooks store their calls at once; their transcripts come in one batch; private and repeated ones cost nothing", { timeout: 120_000 }, async () => {
  const { s, w, key } = await setUp({ WEBHOOK_BATCH_SECONDS: "3" });
  const ids = ["7700000000000000011", "7700000000000000012", "7700000000000000013"];
  const calls = await gongHas(s, ids);
  const [privateCall] = await gongHas(s, ["7700000000000000014"], { isPrivate: true });
  await s.reset();
  const send = async (call) => {
    const body = JSON.stringify({ callData: call, isTest: false });
    return post(w, body, await sign(key.privateKey, body));
  };
  for (const call of calls) {
    const r = await send(call);
    assert.equal(r.status, 202, r.body);
    assert.equal(r.json().stored, true, r.body);
  }
  // Stored at once, from the call data given: no Gong request yet.
  assert.equal(await inLibrary(w), 3);
  const stored = await w.request(`/v1/calls/${ids[0]}`);
  assert.equal(stored.status, 200, stored.body);
  assert.equal(stored.headers.get("X-Gongkit-Source"), "library");
  assert.equal((await s.stats()).requests, 0);

  // A private call is not stored.
  const p = await send(privateCall);
  assert.equal(p.status, 202, p.body);
  assert.equal(p.json().stored, false);
  assert.equal(p.json().reason, "private");
  assert.equal(await inLibrary(w), 3);

  // The three transcripts: one request, after the batch's wait.
  await until("the batch", async () => (await s.stats()).transcript >= 1);
  await new Promise((r) => setTimeout(r, 1500));
  const stats = await s.stats();
  assert.equal(stats.transcript, 1, JSON.stringify(stats));
  assert.equal(stats.extensive, 0);
  const log = await s.log();
  assert.deepEqual([...log[0].callIds].sort(), [...ids].sort());
  await until("the transcripts in the library", async () => {
    const t = await w.request(`/v1/calls/${ids[2]}/transcript`);
    return t.status === 200 && t.headers.get("X-Gongkit-Source") === "library" && t.body.length > 100;
  });

  // The same webhook again: nothing more asked of Gong, nothing written.
  const again = await send(calls[0]);
  assert.equal(again.status, 202, again.body);
  assert.equal(again.json().stored, false, again.body);
  assert.equal(again.json().reason, "unchanged");
  await new Promise((r) => setTimeout(r, 4000));
  assert.equal((await s.stats()).requests, 1);
});

test("the simulator's own webhooks (--webhook-url) bring a processed call into the library", { timeout: 120_000 }, async () => {
  const port = await freePort();
  const hook = `http://127.0.0.1:${port}/v1/webhooks/gong`;
  const s = await startSim({ generate: 0, args: ["--webhook-url", hook] });
  cleanup.push(() => s.stop());
  assert.match(s.webhookPublicKey, /^MII[A-Za-z0-9+/=]+$/);
  const w = await startWorker(s, {
    http: port,
    library: await migratedDatabase(),
    bindings: { GONG_WEBHOOK_PUBLIC_KEY: s.webhookPublicKey, PUBLIC_URL: `http://127.0.0.1:${port}`, WEBHOOK_BATCH_SECONDS: "0" },
  });
  cleanup.push(() => w.dispose());
  const id = "7700000000000000021";
  const transcript = JSON.parse(fixture("calls/acme-discovery.transcript.json")).callTranscripts[0];
  await s.addCalls({ extensive: callData(id), transcript: { ...transcript, callId: id }, pending: true });
  assert.equal(await inLibrary(w), 0);
  await s.process([id]);
  const sent = await until("the webhook", async () => {
    const r = await s.webhooks();
    return r.log.find((e) => e.id === id);
  });
  assert.equal(sent.status, 202);
  await until("the call and its transcript", async () => {
    const t = await w.request(`/v1/calls/${id}/transcript`);
    return t.status === 200 && t.headers.get("X-Gongkit-Source") === "library" && t.body.length > 100;
  });
});

test("with INCLUDE_PRIVATE_CALLS a private call from a webhook is stored", { timeout: 60_000 }, async () => {
  const { s, w, key } = await setUp({ INCLUDE_PRIVATE_CALLS: "true" });
  const [call] = await gongHas(s, ["7700000000000000031"], { isPrivate: true });
  const body = JSON.stringify({ callData: call, isTest: false });
  const r = await post(w, body, await sign(key.privateKey, body));
  assert.equal(r.status, 202, r.body);
  assert.equal(r.json().stored, true, r.body);
  assert.equal(await inLibrary(w), 1);
});
