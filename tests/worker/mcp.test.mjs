// The Worker's MCP endpoint with a client no one here wrote: the official
// TypeScript SDK's Client over StreamableHTTPClientTransport, against the
// Worker in Miniflare and the Gong simulator. Then the protocol's edge cases
// by hand.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startSim, startWorker, fixture, TOKEN, SECRETS } from "./harness.mjs";

const ACME = "7782342274025937895";
let sim, worker, client;
const texts = [];

async function connect(token = TOKEN) {
  const c = new Client({ name: "gongkit-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL("/mcp", worker.url), {
    requestInit: { headers: token ? { Authorization: `Bearer ${token}` } : {} },
  });
  await c.connect(transport);
  return c;
}

async function call(name, args) {
  const r = await client.callTool({ name, arguments: args });
  texts.push(JSON.stringify(r));
  return r;
}

before(async () => {
  sim = await startSim({ pageSize: 20 });
  worker = await startWorker(sim, { http: true, bindings: { INTERNAL_DOMAINS: "seller.io" } });
  client = await connect();
});

after(async () => {
  await client?.close().catch(() => {});
  await worker?.dispose();
  await sim?.stop();
});

test("initialize (TypeScript SDK v1) negotiates 2025-11-25, and lists nine tools with schemas", async () => {
  assert.equal(client.getServerVersion().name, "gongkit");
  assert.equal(client.transport.protocolVersion, "2025-11-25");
  assert.ok(client.getServerCapabilities().tools);
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), ["find_calls_by_account", "get_account_calls", "get_call", "get_call_document", "get_participant_calls", "get_transcript", "list_accounts", "list_calls", "search_calls"]);
  for (const t of tools) {
    assert.equal(t.inputSchema.type, "object", t.name);
    assert.ok(t.description.length > 80, t.name);
  }
  await client.ping();
});

test("get_call_document: the core's document, whole and in chunks", async () => {
  let r = await call("get_call_document", { callId: ACME });
  assert.notEqual(r.isError, true);
  assert.equal(r.content[0].text, fixture("expected/acme-discovery.document.txt"));
  r = await call("get_call_document", { callId: ACME, maxChars: 400 });
  const first = r.content[0].text;
  assert.ok(first.length <= 400);
  assert.match(r.content[1].text, /^\[chunk 0 of (\d+) \(numbered from 0, at most 400 characters each\); for the next call get_call_document with \{"callId":"7782342274025937895","chunk":1,"maxChars":400\}\]$/);
  const count = Number(r.content[1].text.match(/of (\d+)/)[1]);
  let whole = first;
  for (let k = 1; k < count; k++) {
    r = await call("get_call_document", { callId: ACME, maxChars: 400, chunk: k });
    whole += r.content[0].text;
  }
  assert.match(r.content[1].text, /this is the last chunk/);
  assert.equal(whole, fixture("expected/acme-discovery.document.txt"));
});

test("get_transcript and get_call", async () => {
  let r = await call("get_transcript", { callId: ACME, format: "webvtt", timestamps: false });
  assert.equal(r.content[0].text, fixture("expected/acme-discovery.webvtt.vtt"));
  r = await call("get_transcript", { callId: ACME });
  assert.equal(r.content[0].text, fixture("expected/acme-discovery.named.txt"));
  r = await call("get_call", { callId: ACME });
  const details = JSON.parse(r.content[0].text);
  const expected = JSON.parse(fixture("expected/acme-discovery.call.json"));
  expected.transcript = null; // not asked for: null, never left out
  assert.deepEqual(details, expected);
});

test("list_calls pages over several Gong pages with its cursor", async () => {
  await sim.reset();
  const ids = [];
  let r = await call("list_calls", { from: "2024-01-01T00:00:00Z", to: "2024-01-20T00:00:00Z", limit: 30 });
  let page = JSON.parse(r.content[0].text);
  ids.push(...page.calls.map((c) => c.id));
  assert.match(r.content[1].text, /cursor/);
  while (page.cursor) {
    r = await call("list_calls", { cursor: page.cursor, limit: 30 });
    page = JSON.parse(r.content[0].text);
    ids.push(...page.calls.map((c) => c.id));
  }
  assert.equal(ids.length, 76); // every six hours for 19 days
  assert.equal(new Set(ids).size, 76);
  assert.ok((await sim.log()).length >= 4, "several Gong pages of 20");
  assert.deepEqual(Object.keys(page.calls[0]).sort(), ["account", "date", "durationSeconds", "id", "participants", "title"]);
});

test("find_calls_by_account matches CRM and email accounts, ignoring case", async () => {
  let r = await call("find_calls_by_account", { account: "GLOBEX", from: "2024-01-01T00:00:00Z", to: "2024-02-01T00:00:00Z" });
  let found = JSON.parse(r.content[0].text);
  assert.ok(found.count > 0);
  assert.ok(found.calls.every((c) => c.account === "Globex"));
  assert.equal(found.scanned, 124);
  r = await call("find_calls_by_account", { account: "acme corp", from: "2024-03-01T00:00:00Z", to: "2024-04-01T00:00:00Z" });
  found = JSON.parse(r.content[0].text);
  assert.deepEqual(found.calls.map((c) => c.id), [ACME]); // the CRM's "Acme Corporation Ltd"
});

test("failures come back as isError results a model can act on", async () => {
  let r = await call("get_call_document", { callId: "1234567" });
  assert.equal(r.isError, true);
  assert.match(r.content[0].text, /Gong has no call 1234567 — check the id, or use list_calls/);
  r = await call("get_call", { callId: "../1" });
  assert.equal(r.isError, true);
  assert.match(r.content[0].text, /1 to 20 digits/);
  await sim.faults([{ kind: "500", count: 3, path: "extensive" }]);
  r = await call("get_call", { callId: "5500000000000000001" });
  assert.equal(r.isError, true);
  assert.match(r.content[0].text, /Gong is not answering properly right now/);
  await sim.faults([{ kind: "429", retryAfter: 30, count: 1 }]);
  r = await call("list_calls", { from: "2025-01-01T00:00:00Z", to: "2025-02-01T00:00:00Z" });
  assert.equal(r.isError, true);
  assert.match(r.content[0].text, /rate limit.*Wait and call the tool again/s);
});

test("an unknown tool is a JSON-RPC error (-32602); wrong arguments are tool results naming the argument (SEP-1303)", async () => {
  await assert.rejects(client.callTool({ name: "delete_everything", arguments: {} }), /-32602|unknown tool/);
  let r = await client.callTool({ name: "get_call", arguments: { callId: true } });
  assert.equal(r.isError, true);
  assert.match(r.content[0].text, /invalid arguments for get_call: invalid callId/);
  r = await client.callTool({ name: "get_call", arguments: { callId: "1", extra: 1 } });
  assert.equal(r.isError, true);
  assert.match(r.content[0].text, /unknown argument "extra"/);
});

test("without a token the client is refused", async () => {
  await assert.rejects(connect(null), /401|nauthorized/);
  await assert.rejects(connect("wrong-token"), /401|nauthorized/);
});

/** One raw POST /mcp. */
async function raw(body, headers = {}) {
  const res = await fetch(new URL("/mcp", worker.url), {
    method: "POST",
    headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json", ...headers },
    body,
  });
  const text = await res.text();
  texts.push(text);
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

test("protocol edge cases: batches, malformed JSON-RPC, unknown methods, bad params", async () => {
  const ping = JSON.stringify({ jsonrpc: "2.0", id: 7, method: "ping" });
  let r = await raw(`[${ping}]`);
  assert.equal(r.status, 400);
  assert.equal(r.json().error.code, -32600);
  r = await raw("{not json");
  assert.equal(r.status, 400);
  assert.equal(r.json().error.code, -32700);
  r = await raw(JSON.stringify({ jsonrpc: "1.0", id: 1, method: "ping" }));
  assert.equal(r.json().error.code, -32600);
  r = await raw(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "resources/list" }));
  assert.equal(r.status, 200);
  assert.deepEqual(r.json().error.code, -32601);
  assert.equal(r.json().id, 1);
  r = await raw(JSON.stringify({ jsonrpc: "2.0", id: "a", method: "tools/call", params: {} }));
  assert.equal(r.json().error.code, -32602, "no tool name");
  r = await raw(JSON.stringify({ jsonrpc: "2.0", id: "a", method: "tools/call", params: { name: "get_call" } }));
  assert.equal(r.json().result.isError, true, "no arguments: the tool says callId is required");
  assert.match(r.json().result.content[0].text, /callId is required/);
  r = await raw(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "initialize", params: {} }));
  assert.equal(r.json().error.code, -32602);
  r = await raw(ping);
  assert.deepEqual(r.json(), { jsonrpc: "2.0", id: 7, result: {} });
  assert.equal(r.headers.get("content-type"), "application/json");
});

test("notifications get 202; GET is 405; Accept may be missing; versions are honoured", async () => {
  let r = await raw(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
  assert.equal(r.status, 202);
  assert.equal(r.text, "");
  const get = await fetch(new URL("/mcp", worker.url), { headers: { Authorization: `Bearer ${TOKEN}`, Accept: "text/event-stream" } });
  assert.equal(get.status, 405);
  assert.equal(get.headers.get("allow"), "POST");
  await get.text();
  // No Accept at all, and a partial one: still answered in JSON.
  for (const accept of [undefined, "application/json"]) {
    const headers = accept ? { Accept: accept } : {};
    r = await raw(JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/list" }), headers);
    assert.equal(r.status, 200);
    assert.equal(r.json().result.tools.length, 9);
  }
  // 2026-07-28 has no handshake: initialize answers the newest version that has one.
  for (const [asked, answered] of [["2025-11-25", "2025-11-25"], ["2025-06-18", "2025-06-18"], ["2025-03-26", "2025-03-26"], ["2026-07-28", "2025-11-25"], ["2024-11-05", "2025-11-25"]]) {
    r = await raw(JSON.stringify({ jsonrpc: "2.0", id: 4, method: "initialize", params: { protocolVersion: asked, capabilities: {}, clientInfo: { name: "t", version: "1" } } }));
    assert.equal(r.json().result.protocolVersion, answered, asked);
  }
  r = await raw(JSON.stringify({ jsonrpc: "2.0", id: 5, method: "ping" }), { "MCP-Protocol-Version": "2025-06-18" });
  assert.equal(r.status, 200);
  r = await raw(JSON.stringify({ jsonrpc: "2.0", id: 5, method: "ping" }), { "MCP-Protocol-Version": "1999-01-01" });
  assert.equal(r.status, 400);
  assert.equal(r.json().error.code, -32022);
  assert.deepEqual(r.json().error.data.supported, ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"]);
  for (const v of ["2025-11-25", "2025-03-26"]) {
    r = await raw(JSON.stringify({ jsonrpc: "2.0", id: 6, method: "tools/list" }), { "MCP-Protocol-Version": v });
    assert.equal(r.status, 200, v);
    assert.equal(r.json().result.resultType, undefined, v);
  }
});

test("401 comes before any JSON-RPC processing; bodies over 5 MB are 413", async () => {
  const res = await fetch(new URL("/mcp", worker.url), { method: "POST", body: "{not even json" });
  assert.equal(res.status, 401);
  assert.match(res.headers.get("www-authenticate"), /^Bearer/);
  assert.equal((await res.json()).error.code, "unauthorized");
  // Through Miniflare's dispatch: over a socket, a client still sending 5 MB
  // may see the early 413 as a reset connection.
  const r = await worker.request("/mcp", { method: "POST", body: " ".repeat(5 * 1024 * 1024 + 10) });
  assert.equal(r.status, 413);
  assert.equal(r.json().error.code, "payload_too_large");
});

test("no MCP answer holds a secret", () => {
  assert.ok(texts.length > 20);
  for (const t of texts) for (const s of SECRETS) assert.ok(!t.includes(s));
});
