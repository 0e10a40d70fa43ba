// The Worker's MCP endpoint with clients no one here wrote, in every protocol
// revision each speaks: the official TypeScript SDK (v1 `@modelcontextprotocol/sdk`
// and v2 `@modelcontextprotocol/client`, 2026-07-28 by server/discover and
// pinned, 2025-11-25, 2025-06-18 and 2025-03-26 by initialize), the official
// Python SDK (pip `mcp`, modes auto, 2026-07-28 and legacy; from the venv
// scripts/lib.sh's ensure_python_venv makes), the MCP Inspector's CLI (eras
// modern, auto, legacy), and the raw 2026-07-28 wire.
// Each client lists the tools and calls every one once against a synced
// library of the Gong simulator's calls.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as TransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { startSim, startWorker, migratedDatabase, fixture, root, syncDone, TOKEN, SECRETS } from "./harness.mjs";

const ACME = "7782342274025937895";
const FROM = "2024-01-01T00:00:00Z";
const TO = "2024-07-01T00:00:00Z";
const TOOLS = ["find_calls_by_account", "get_account_calls", "get_call", "get_call_document", "get_participant_calls", "get_transcript", "list_accounts", "list_calls", "search_calls"];
const PYTHON = `${root}.venv-test/bin/python`;
let sim, worker;
const texts = [];

before(async () => {
  sim = await startSim({ pageSize: 100 });
  worker = await startWorker(sim, { library: await migratedDatabase(), http: true, bindings: { INTERNAL_DOMAINS: "seller.io" } });
  const started = await worker.request("/v1/sync", { method: "POST", body: JSON.stringify({ from: FROM, to: TO }) });
  assert.equal(started.status, 202, started.body);
  await syncDone((p) => worker.request(p));
});

after(async () => {
  await worker?.dispose();
  await sim?.stop();
});

const mcpUrl = () => new URL("/mcp", worker.url);
const auth = { Authorization: `Bearer ${TOKEN}` };

/** The first text block of a tool's successful answer. */
function textOf(r, tool) {
  texts.push(JSON.stringify(r));
  assert.notEqual(r.isError, true, `${tool}: ${JSON.stringify(r)}`);
  assert.equal(r.content[0].type, "text", tool);
  return r.content[0].text;
}

/** tools/list, then every tool once with valid arguments; what came back is checked. */
async function exercise(client) {
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), TOOLS);
  for (const t of tools) assert.equal(t.inputSchema.type, "object", t.name);
  const call = async (name, args) => textOf(await client.callTool({ name, arguments: args }), name);

  const found = JSON.parse(await call("search_calls", { q: "monitoring tools", limit: 5 }));
  assert.ok(found.hits.some((h) => h.callId === ACME), JSON.stringify(found));
  const { accounts } = JSON.parse(await call("list_accounts", { limit: 5 }));
  assert.ok(accounts.length > 0 && accounts.every((a) => a.name));
  const accountCalls = JSON.parse(await call("get_account_calls", { account: accounts[0].name, limit: 3 }));
  assert.ok(accountCalls.calls.length > 0 && accountCalls.calls.length <= 3);
  const byPerson = JSON.parse(await call("get_participant_calls", { participant: "Jose.Muller@acme.co.uk" }));
  assert.ok(byPerson.calls.some((c) => c.id === ACME), JSON.stringify(byPerson));
  const byAccount = JSON.parse(await call("find_calls_by_account", { account: "acme corp", from: "2024-03-01T00:00:00Z", to: "2024-04-01T00:00:00Z" }));
  assert.deepEqual(byAccount.calls.map((c) => c.id), [ACME]);
  const listing = JSON.parse(await call("list_calls", { from: FROM, to: "2024-01-03T00:00:00Z", limit: 5 }));
  assert.ok(listing.calls.length > 0);
  const details = JSON.parse(await call("get_call", { callId: ACME }));
  assert.equal(details.id, ACME);
  assert.equal(details.transcript, null);
  assert.equal(await call("get_call_document", { callId: ACME }), fixture("expected/acme-discovery.document.txt"));
  assert.equal(await call("get_transcript", { callId: ACME }), fixture("expected/acme-discovery.named.txt"));
  const failed = await client.callTool({ name: "get_call_document", arguments: { callId: "1234567" } });
  assert.equal(failed.isError, true);
  assert.match(failed.content[0].text, /Gong has no call 1234567/);
}

/** A v2 client connected with these options; resolves to the client. */
async function connectV2(options) {
  const client = new Client({ name: "gongkit-test", version: "1.0.0" }, options);
  await client.connect(new StreamableHTTPClientTransport(mcpUrl(), { requestInit: { headers: auth } }));
  return client;
}

for (const [label, options, version] of [
  ["server/discover (versionNegotiation auto)", { versionNegotiation: { mode: "auto" } }, "2026-07-28"],
  ["pinned to 2026-07-28", { versionNegotiation: { mode: { pin: "2026-07-28" } } }, "2026-07-28"],
  ["its default initialize (legacy)", {}, "2025-11-25"],
  ["initialize forced to 2025-06-18", { supportedProtocolVersions: ["2025-06-18"] }, "2025-06-18"],
  ["initialize forced to 2025-03-26", { supportedProtocolVersions: ["2025-03-26"] }, "2025-03-26"],
]) {
  test(`TypeScript SDK v2 (@modelcontextprotocol/client), ${label}: ${version}, every tool`, async () => {
    const client = await connectV2(options);
    try {
      assert.equal(client.getNegotiatedProtocolVersion(), version);
      assert.equal(client.getServerVersion()?.name, "gongkit");
      assert.match(client.getInstructions() ?? "", /get_call_document/);
      await exercise(client);
    } finally {
      await client.close();
    }
  });
}

test("TypeScript SDK v1 (@modelcontextprotocol/sdk), its default initialize: 2025-11-25, every tool", async () => {
  const client = new ClientV1({ name: "gongkit-test", version: "1.0.0" });
  const transport = new TransportV1(mcpUrl(), { requestInit: { headers: auth } });
  await client.connect(transport);
  try {
    assert.equal(transport.protocolVersion, "2025-11-25");
    assert.equal(client.getServerVersion().name, "gongkit");
    await exercise(client);
  } finally {
    await client.close();
  }
});

test("Python SDK (pip mcp): modes auto and 2026-07-28 speak 2026-07-28, legacy 2025-11-25; every tool", async (t) => {
  if (!existsSync(PYTHON)) {
    if (process.env.GONGKIT_REQUIRE_PYTHON) assert.fail(`${PYTHON} is missing: scripts/test makes it (ensure_python_venv in scripts/lib.sh)`);
    t.skip(`no ${PYTHON}: run scripts/test, or source scripts/lib.sh and ensure_python_venv`);
    return;
  }
  const expected = join(mkdtempSync(join(tmpdir(), "gongkit-py-")), "expected.json");
  writeFileSync(expected, JSON.stringify({ acme: ACME, document: fixture("expected/acme-discovery.document.txt"), transcript: fixture("expected/acme-discovery.named.txt") }));
  const child = spawn(PYTHON, [`${root}tests/worker/mcp_python.py`, mcpUrl().href, TOKEN, expected], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const code = await new Promise((resolve) => child.once("exit", resolve));
  texts.push(out, err);
  assert.equal(code, 0, `mcp_python.py failed:\n${err.slice(-4000)}\n${out}`);
  const runs = out.trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(runs.map((r) => [r.mode, r.version]), [["auto", "2026-07-28"], ["2026-07-28", "2026-07-28"], ["legacy", "2025-11-25"]]);
  for (const r of runs) {
    assert.deepEqual(r.tools, TOOLS);
    assert.deepEqual(Object.keys(r.calls).sort(), TOOLS);
  }
});

/** The MCP Inspector's CLI (npm @modelcontextprotocol/inspector) once, in a protocol era; resolves to its JSON output. */
async function inspector(era, ...args) {
  const bin = `${root}node_modules/.bin/mcp-inspector`;
  const child = spawn(process.execPath, [bin, "--cli", mcpUrl().href, "--transport", "http", "--header", `Authorization: Bearer ${TOKEN}`, "--protocol-era", era, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    // Its catalog and stored sign-ins live under HOME: a fresh one.
    env: { ...process.env, HOME: mkdtempSync(join(tmpdir(), "gongkit-inspector-")) },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const code = await new Promise((resolve) => child.once("exit", resolve));
  texts.push(out, err);
  assert.equal(code, 0, `mcp-inspector ${args.join(" ")}: ${err.slice(-3000)}\n${out.slice(0, 2000)}`);
  return JSON.parse(out);
}

/** A tool call through the Inspector: arguments as key=value, a JSON string where a number would be read. */
async function inspectorCall(era, name, args) {
  const r = await inspector(era, "--method", "tools/call", "--tool-name", name, ...Object.entries(args).flatMap(([k, v]) => ["--tool-arg", `${k}=${v}`]));
  return { r, text: textOf(r, name) };
}

test("MCP Inspector CLI, modern era (2026-07-28): tools/list and every tool", async () => {
  const listed = await inspector("modern", "--method", "tools/list");
  assert.deepEqual(listed.tools.map((t) => t.name).sort(), TOOLS);
  const call = async (name, args) => (await inspectorCall("modern", name, args)).text;
  const acme = JSON.stringify(ACME);
  assert.ok(JSON.parse(await call("search_calls", { q: "monitoring" })).hits.some((h) => h.callId === ACME));
  const { accounts } = JSON.parse(await call("list_accounts", { q: "acme" }));
  assert.ok(accounts.length > 0);
  assert.ok(JSON.parse(await call("get_account_calls", { account: accounts[0].name })).calls.length > 0);
  assert.deepEqual(JSON.parse(await call("find_calls_by_account", { account: "acme corp", from: "2024-03-01T00:00:00Z", to: "2024-04-01T00:00:00Z" })).calls.map((c) => c.id), [ACME]);
  assert.ok(JSON.parse(await call("list_calls", { from: FROM, to: "2024-01-03T00:00:00Z" })).calls.length > 0);
  const { r, text } = await inspectorCall("modern", "get_call", { callId: acme });
  assert.equal(JSON.parse(text).id, ACME);
  assert.equal(r._meta["io.modelcontextprotocol/serverInfo"].name, "gongkit", "a 2026-07-28 result");
  assert.equal(await call("get_call_document", { callId: acme }), fixture("expected/acme-discovery.document.txt"));
  assert.equal(await call("get_transcript", { callId: acme }), fixture("expected/acme-discovery.named.txt"));
});

test("MCP Inspector CLI, legacy and auto eras: tools/list and a tool", async () => {
  for (const era of ["legacy", "auto"]) {
    const listed = await inspector(era, "--method", "tools/list");
    assert.deepEqual(listed.tools.map((t) => t.name).sort(), TOOLS, era);
    const { r, text } = await inspectorCall(era, "get_transcript", { callId: JSON.stringify(ACME) });
    assert.equal(text, fixture("expected/acme-discovery.named.txt"), era);
    assert.equal(r._meta === undefined, era === "legacy", `${era}: ${JSON.stringify(r._meta)}`);
  }
});

/** One raw POST /mcp. */
async function raw(message, headers = {}) {
  const res = await fetch(mcpUrl(), { method: "POST", headers: { ...auth, "Content-Type": "application/json", Accept: "application/json, text/event-stream", ...headers }, body: JSON.stringify(message) });
  const text = await res.text();
  texts.push(text);
  return { status: res.status, text, json: () => JSON.parse(text) };
}

const META = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" }, "io.modelcontextprotocol/clientCapabilities": {} };
const modern = (method) => ({ "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": method });

test("the 2026-07-28 wire: discover, resultType, serverInfo in _meta, cache hints; the errors the spec prescribes", async () => {
  let r = await raw({ jsonrpc: "2.0", id: "d", method: "server/discover", params: { _meta: META } }, modern("server/discover"));
  assert.equal(r.status, 200);
  const discovered = r.json().result;
  assert.deepEqual(discovered.supportedVersions, ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"]);
  assert.equal(discovered.resultType, "complete");
  assert.ok(discovered.capabilities.tools);
  assert.equal(discovered._meta["io.modelcontextprotocol/serverInfo"].name, "gongkit");
  for (const tool of TOOLS) assert.match(discovered.instructions, new RegExp(`- ${tool}: `));
  assert.equal(typeof discovered.ttlMs, "number");
  assert.equal(discovered.cacheScope, "private");

  r = await raw({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: META } }, modern("tools/list"));
  const listed = r.json().result;
  assert.equal(listed.resultType, "complete");
  assert.equal(listed.tools.length, TOOLS.length);
  assert.equal(listed._meta["io.modelcontextprotocol/serverInfo"].name, "gongkit");
  assert.equal(listed.cacheScope, "private");

  r = await raw({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { _meta: META, name: "get_call", arguments: { callId: ACME } } }, { ...modern("tools/call"), "Mcp-Name": "get_call" });
  assert.equal(r.json().result.resultType, "complete");
  assert.equal(JSON.parse(r.json().result.content[0].text).id, ACME);

  // A legacy request's results keep their old form.
  r = await raw({ jsonrpc: "2.0", id: 3, method: "tools/list" }, { "MCP-Protocol-Version": "2025-11-25" });
  assert.equal(r.json().result.resultType, undefined);
  assert.equal(r.json().result.ttlMs, undefined);

  // Unsupported version: 400, -32022 with the supported ones.
  r = await raw({ jsonrpc: "2.0", id: 4, method: "tools/list", params: { _meta: { ...META, "io.modelcontextprotocol/protocolVersion": "1900-01-01" } } }, { ...modern("tools/list"), "MCP-Protocol-Version": "1900-01-01" });
  assert.equal(r.status, 400);
  assert.equal(r.json().error.code, -32022);
  assert.deepEqual(r.json().error.data, { supported: discovered.supportedVersions, requested: "1900-01-01" });
  r = await raw({ jsonrpc: "2.0", id: 5, method: "ping" }, { "MCP-Protocol-Version": "1999-01-01" });
  assert.equal(r.status, 400);
  assert.equal(r.json().error.code, -32022);

  // Headers that do not match the body: 400, -32020.
  for (const headers of [{ "Mcp-Method": "tools/list" }, { ...modern("tools/list"), "MCP-Protocol-Version": "2025-11-25" }, modern("tools/call"), { "MCP-Protocol-Version": "2026-07-28" }]) {
    r = await raw({ jsonrpc: "2.0", id: 6, method: "tools/list", params: { _meta: META } }, headers);
    assert.equal(r.status, 400, JSON.stringify(headers));
    assert.equal(r.json().error.code, -32020, JSON.stringify(headers));
  }
  r = await raw({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { _meta: META, name: "get_call", arguments: { callId: ACME } } }, { ...modern("tools/call"), "Mcp-Name": "get_transcript" });
  assert.equal(r.json().error.code, -32020);
  // The modern version in the header without it in _meta.
  r = await raw({ jsonrpc: "2.0", id: 8, method: "tools/list" }, modern("tools/list"));
  assert.equal(r.json().error.code, -32020);

  // ping is gone in 2026-07-28; an unknown method is a 404 with -32601.
  for (const method of ["ping", "resources/list"]) {
    r = await raw({ jsonrpc: "2.0", id: 9, method, params: { _meta: META } }, modern(method));
    assert.equal(r.status, 404, method);
    assert.equal(r.json().error.code, -32601, method);
  }
});

test("no MCP answer holds a secret", () => {
  assert.ok(texts.length > 20);
  for (const t of texts) for (const s of SECRETS) assert.ok(!t.includes(s));
});
