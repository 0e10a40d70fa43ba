// The hardening a review asked for, each through the built Worker in
// Miniflare against the Gong simulator (or a tiny server that misbehaves
// the way a test needs): origins at /mcp, tokens, Gong's host and
// redirects, bodies without a length, chunk limits, leading zeros, private
// calls, ids as JSON numbers, and the quota care (unknown ids remembered,
// fresh=true right after a fetch served from the cache).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { startSim, startWorker, fixture, TOKEN } from "./harness.mjs";

const ACME = "7782342274025937895";
const TWO_HOUR = "4400000000000000001";
const PRIVATE = "5550000000000000777";
let sim, worker;

before(async () => {
  sim = await startSim();
  worker = await startWorker(sim);
  // A private call: Gong marks it in metaData.isPrivate.
  const extensive = JSON.parse(fixture("calls/acme-discovery.extensive.json")).calls[0];
  extensive.metaData = { ...extensive.metaData, id: PRIVATE, isPrivate: true };
  const transcript = JSON.parse(fixture("calls/acme-discovery.transcript.json")).callTranscripts[0];
  await fetch(`${sim.url}/__sim/calls`, { method: "POST", body: JSON.stringify({ extensive, transcript: { ...transcript, callId: PRIVATE } }) });
});

after(async () => {
  await worker?.dispose();
  await sim?.stop();
});

const rpc = (id, method, params) => JSON.stringify({ jsonrpc: "2.0", id, method, params });

test("/mcp refuses a browser origin that is not allowed, before anything else", async () => {
  const headers = { "Content-Type": "application/json", Accept: "application/json, text/event-stream" };
  let r = await worker.request("/mcp", { method: "POST", headers: { ...headers, Origin: "https://evil.example" }, body: rpc(1, "ping") });
  assert.equal(r.status, 403);
  assert.equal(r.json().error.code, "origin_not_allowed");
  // Even without a token: the origin is checked first.
  r = await worker.request("/mcp", { token: null, method: "POST", headers: { ...headers, Origin: "https://evil.example" }, body: rpc(1, "ping") });
  assert.equal(r.status, 403);
  r = await worker.request("/mcp", { method: "POST", headers: { ...headers, Origin: "https://app.example.com" }, body: rpc(1, "ping") });
  assert.equal(r.status, 200, r.body);
  r = await worker.request("/mcp", { method: "POST", headers, body: rpc(1, "ping") });
  assert.equal(r.status, 200, "no Origin: not a browser");
});

test("a wrong token says invalid_token in WWW-Authenticate; none says only the scheme", async () => {
  const body = rpc(1, "ping");
  let r = await worker.request("/mcp", { token: "x".repeat(40), method: "POST", body });
  assert.equal(r.status, 401);
  assert.match(r.headers.get("www-authenticate"), /^Bearer realm="gongkit", error="invalid_token"$/);
  r = await worker.request("/mcp", { token: null, method: "POST", body });
  assert.equal(r.status, 401);
  assert.equal(r.headers.get("www-authenticate"), 'Bearer realm="gongkit"');
});

test("GONGKIT_TOKEN holds several tokens, each of at least 32 characters", async () => {
  const second = "second-token-for-rotation-0123456789";
  const two = await startWorker(sim, { bindings: { GONGKIT_TOKEN: `${TOKEN}, ${second}` } });
  try {
    for (const token of [TOKEN, second]) assert.equal((await two.request("/v1/format", { token, method: "POST", body: "[]" })).status, 200);
    assert.equal((await two.request("/v1/format", { token: "nope", method: "POST", body: "[]" })).status, 401);
  } finally {
    await two.dispose();
  }
  const short = await startWorker(sim, { bindings: { GONGKIT_TOKEN: `${TOKEN},too-short-token` } });
  try {
    const r = await short.request("/v1/format", { method: "POST", body: "[]" });
    assert.equal(r.status, 503);
    assert.equal(r.json().error.code, "not_configured");
    assert.match(r.json().error.message, /at least 32 characters/);
    assert.ok(!r.body.includes("too-short-token"));
  } finally {
    await short.dispose();
  }
});

test("GONG_BASE_URL must be https (http only on this machine)", async () => {
  const plain = await startWorker(sim, { bindings: { GONG_BASE_URL: "http://api.gong.example" } });
  try {
    const r = await plain.request(`/v1/calls/${ACME}`);
    assert.equal(r.status, 503);
    assert.equal(r.json().error.code, "not_configured");
    assert.match(r.json().error.message, /GONG_BASE_URL.*expected an https URL/);
  } finally {
    await plain.dispose();
  }
});

test("a redirect from Gong is not followed with the credentials: 502 gong_redirect", async () => {
  const hits = [];
  const elsewhere = createServer((req, res) => {
    hits.push(req.headers.authorization ?? null);
    res.end("{}");
  });
  await new Promise((r) => elsewhere.listen(0, "127.0.0.1", r));
  const target = `http://127.0.0.1:${elsewhere.address().port}/steal`;
  const redirector = createServer((req, res) => {
    res.writeHead(302, { Location: target });
    res.end();
  });
  await new Promise((r) => redirector.listen(0, "127.0.0.1", r));
  const w = await startWorker(sim, { bindings: { GONG_BASE_URL: `http://127.0.0.1:${redirector.address().port}` } });
  try {
    const r = await w.request(`/v1/calls/${ACME}`);
    assert.equal(r.status, 502);
    assert.equal(r.json().error.code, "gong_redirect");
    assert.ok(r.json().error.message.includes(target), r.body);
    assert.deepEqual(hits, [], "nothing reached the redirect's target");
  } finally {
    await w.dispose();
    redirector.close();
    elsewhere.close();
  }
});

test("a chunked body over 5 MB without Content-Length is 413 without reading on", async () => {
  let sent = 0;
  const piece = new Uint8Array(256 * 1024).fill(0x20);
  const body = new ReadableStream({
    pull(controller) {
      if (sent > 64 * 1024 * 1024) return controller.close();
      sent += piece.length;
      controller.enqueue(piece);
    },
  });
  const r = await worker.request("/v1/format", { method: "POST", body, duplex: "half" });
  assert.equal(r.status, 413);
  assert.equal(r.json().error.code, "payload_too_large");
  assert.ok(sent < 16 * 1024 * 1024, `read ${sent} bytes`);
});

test("maxChars has one range everywhere, and one answer carries at most 1000 chunks", async () => {
  for (const path of [`/v1/calls/${ACME}/document?maxChars=1`, `/v1/calls/${ACME}/transcript?maxChars=199`, `/v1/calls/${ACME}/document?maxChars=1000001`]) {
    const r = await worker.request(path);
    assert.equal(r.status, 400, path);
    assert.match(r.json().error.message, /from 200 to 1000000/);
  }
  const many = await worker.request(`/v1/calls/${TWO_HOUR}/document?maxChars=200`);
  assert.equal(many.status, 400, many.body);
  assert.equal(many.json().error.code, "too_many_chunks");
  assert.match(many.json().error.message, /more than the 1000/);
  const one = await worker.request(`/v1/calls/${TWO_HOUR}/document?maxChars=200&chunk=1200`);
  assert.equal(one.status, 200, one.body);
  assert.match(one.headers.get("x-gongkit-chunk"), /^1200\/\d+$/);
});

test("call ids with leading zeros are refused, so 007 and 7 are never two cache entries", async () => {
  await sim.reset();
  const r = await worker.request(`/v1/calls/0${ACME}`);
  assert.equal(r.status, 400);
  assert.equal(r.json().error.code, "invalid_call_id");
  assert.match(r.json().error.message, /leading zeros/);
  assert.deepEqual(await sim.log(), []);
});

test("private calls are call_not_found unless INCLUDE_PRIVATE_CALLS", async () => {
  for (const tail of ["", "/transcript", "/document"]) {
    const r = await worker.request(`/v1/calls/${PRIVATE}${tail}`);
    assert.equal(r.status, 404, tail);
    assert.equal(r.json().error.code, "call_not_found");
    assert.equal(r.json().error.message, `Gong has no call ${PRIVATE}`);
  }
  const open = await startWorker(sim, { bindings: { INCLUDE_PRIVATE_CALLS: "true" } });
  try {
    const r = await open.request(`/v1/calls/${PRIVATE}`);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json().id, PRIVATE);
  } finally {
    await open.dispose();
  }
});

test("MCP tools take a call id as a JSON number up to 2^53 - 1, and say why a bigger one is refused", async () => {
  const headers = { "Content-Type": "application/json", Accept: "application/json, text/event-stream" };
  const call = async (callId) => (await worker.request("/mcp", { method: "POST", headers, body: rpc(1, "tools/call", { name: "get_call", arguments: { callId } }) })).json();
  // A real id below 2^53: the fixture for "imported-call" is above it, so
  // add a small one to the simulator.
  const extensive = JSON.parse(fixture("calls/acme-discovery.extensive.json")).calls[0];
  extensive.metaData = { ...extensive.metaData, id: "900001", isPrivate: false };
  await fetch(`${sim.url}/__sim/calls`, { method: "POST", body: JSON.stringify({ extensive, transcript: null }) });
  let r = await call(900001);
  assert.equal(r.result.isError, false, JSON.stringify(r));
  assert.equal(JSON.parse(r.result.content[0].text).id, "900001");
  r = await call(9007199254740993);
  assert.equal(r.result.isError, true);
  assert.match(r.result.content[0].text, /pass the id as a string/);
  r = await call(Number(ACME));
  assert.equal(r.result.isError, true);
  assert.match(r.result.content[0].text, /2\^53/);
});

test("an unknown call id is remembered for 5 minutes: the second ask costs Gong nothing", async () => {
  await sim.reset();
  for (let i = 0; i < 3; i++) {
    const r = await worker.request("/v1/calls/1234567");
    assert.equal(r.status, 404);
  }
  const log = await sim.log();
  assert.equal(log.filter((e) => e.path.endsWith("extensive")).length, 1, JSON.stringify(log));
});

test("fresh=true within 60 s of a fetch is served from the cache (the default window)", async () => {
  const w = await startWorker(sim, { bindings: { FRESH_WINDOW_SECONDS: undefined } });
  try {
    await sim.reset();
    let r = await w.request(`/v1/calls/${ACME}?fresh=true`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("x-gongkit-source"), "gong");
    assert.equal((await sim.log()).length, 2);
    // The cache is written after the answer (waitUntil): give it a moment.
    await new Promise((res) => setTimeout(res, 200));
    r = await w.request(`/v1/calls/${ACME}?fresh=true`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("x-gongkit-source"), "cache");
    assert.equal((await sim.log()).length, 2, "no second Gong request");
  } finally {
    await w.dispose();
  }
});
