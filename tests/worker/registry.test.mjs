// The registry of capabilities as clients meet it: every tool comes with its
// title, annotations and (for JSON answers) an output schema; wrong
// arguments are tool results a model can correct itself from; answers stay
// within the answer budget and say how to ask for the rest; dates and ids
// are taken as people write them; a capability added in one file
// (get_participant_calls) works over REST and MCP. The Worker runs in
// Miniflare with D1, the sync and the gate, against the simulator.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startSim, startWorker, migratedDatabase, syncDone, fixture, TOKEN } from "./harness.mjs";

const FROM = "2024-01-01T00:00:00Z";
const TO = "2024-04-01T00:00:00Z";
const TWO_HOUR = "4400000000000000001";
const ACME = "7782342274025937895";
let sim, worker, client;

before(async () => {
  sim = await startSim({ generate: 0, args: ["--generate", "150", "--from", FROM, "--to", TO, "--variety"] });
  worker = await startWorker(sim, { http: true, library: await migratedDatabase() });
  const started = await worker.request("/v1/sync", { method: "POST", body: JSON.stringify({ from: "2024-01-01", to: "2024-03-31" }) });
  assert.equal(started.status, 202, started.body);
  await syncDone((p) => worker.request(p));
  client = new Client({ name: "gongkit-registry-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL("/mcp", worker.url), {
      requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } },
    }),
  );
});

after(async () => {
  await client?.close().catch(() => {});
  await worker?.dispose();
  await sim?.stop();
});

const text = (r) => r.content.map((c) => c.text).join("\n");

test("every tool has a title, read-only annotations, and an output schema when it answers JSON", async () => {
  const { tools } = await client.listTools();
  assert.ok(tools.some((t) => t.name === "get_participant_calls"));
  for (const t of tools) {
    assert.ok(t.title, t.name);
    assert.equal(t.annotations.readOnlyHint, true, t.name);
    assert.equal(t.annotations.idempotentHint, true, t.name);
    assert.equal(typeof t.annotations.openWorldHint, "boolean", t.name);
  }
  const search = tools.find((t) => t.name === "search_calls");
  assert.equal(search.annotations.openWorldHint, false);
  assert.equal(search.outputSchema.type, "object");
  assert.equal(tools.find((t) => t.name === "get_call").annotations.openWorldHint, true);
  // The instructions name every tool.
  const instructions = client.getInstructions();
  for (const t of tools) assert.ok(instructions.includes(t.name), t.name);
});

test("arguments that do not fit are tool results naming the argument and what to send", async () => {
  let r = await client.callTool({ name: "get_call", arguments: { callId: true } });
  assert.equal(r.isError, true);
  assert.match(text(r), /callId/);
  r = await client.callTool({ name: "list_calls", arguments: { from: FROM, to: TO, limit: 5000 } });
  assert.equal(r.isError, true);
  assert.match(text(r), /limit=5000: expected a whole number from 1 to 1000/);
  r = await client.callTool({ name: "get_transcript", arguments: { callId: ACME, format: "docx" } });
  assert.equal(r.isError, true);
  assert.match(text(r), /invalid format: expected one of plain, markdown, webvtt, srt, json/);
  r = await client.callTool({ name: "search_calls", arguments: { q: "pricing", extra: 1 } });
  assert.equal(r.isError, true);
  assert.match(text(r), /unknown argument "extra"/);
  // An unknown tool is still a protocol error.
  await assert.rejects(client.callTool({ name: "delete_everything", arguments: {} }), /unknown tool/);
});

test("a long document comes in chunks within the answer budget, each saying how to ask for the next", async () => {
  const whole = (await worker.request(`/v1/calls/${TWO_HOUR}/document`)).body;
  assert.ok(whole.length > 100_000, "the two-hour call is long");
  let r = await client.callTool({ name: "get_call_document", arguments: { callId: TWO_HOUR } });
  const parts = [];
  let count;
  for (let i = 0; ; i++) {
    assert.notEqual(r.isError, true, text(r));
    const [body, note] = r.content.map((c) => c.text);
    assert.ok(body.length <= 24_000, `chunk ${i}: ${body.length} characters`);
    parts.push(body);
    const m = note.match(/^\[chunk (\d+) of (\d+)/);
    assert.ok(m, note);
    assert.equal(Number(m[1]), i);
    count = Number(m[2]);
    if (/last chunk/.test(note)) break;
    // The note gives the exact arguments of the next call.
    const next = JSON.parse(note.match(/with (\{.*\})\]$/)[1]);
    assert.deepEqual(next, { callId: TWO_HOUR, maxChars: 24000, chunk: i + 1 });
    r = await client.callTool({ name: "get_call_document", arguments: next });
  }
  assert.equal(parts.length, count);
  assert.ok(count >= Math.ceil(whole.length / 24_000));
  const squash = (s) => s.replace(/\s+/g, " ").trim();
  assert.equal(squash(parts.join(" ")), squash(whole), "the chunks hold the whole document");
  // A short call is answered whole; an explicit maxChars still works.
  r = await client.callTool({ name: "get_call_document", arguments: { callId: ACME } });
  assert.equal(r.content.length, 1);
  assert.equal(r.content[0].text, fixture("expected/acme-discovery.document.txt"));
  r = await client.callTool({ name: "get_call_document", arguments: { callId: ACME, maxChars: 400 } });
  assert.ok(r.content[0].text.length <= 400);
  assert.match(r.content[1].text, /"maxChars":400/);
});

test("JSON answers are compact, with the same value as structuredContent; listings fit the budget", async () => {
  const r = await client.callTool({ name: "list_calls", arguments: { from: FROM, to: TO, limit: 1000 } });
  assert.notEqual(r.isError, true, text(r));
  const body = r.content[0].text;
  assert.ok(!body.includes("\n  "), "compact JSON");
  assert.deepEqual(JSON.parse(body), r.structuredContent);
  assert.ok(text(r).length <= 24_000, `listing of ${text(r).length} characters`);
  assert.ok(r.structuredContent.count < 150 && r.structuredContent.cursor, "a smaller page with a cursor");
  // Following the cursors reads every call once.
  const ids = new Set(r.structuredContent.calls.map((c) => c.id));
  let cursor = r.structuredContent.cursor;
  while (cursor) {
    const next = await client.callTool({ name: "list_calls", arguments: { cursor } });
    for (const c of next.structuredContent.calls) {
      assert.ok(!ids.has(c.id), c.id);
      ids.add(c.id);
    }
    cursor = next.structuredContent.cursor;
  }
  const rest = (await worker.request(`/v1/calls?from=${FROM}&to=${TO}&limit=1000`)).json();
  assert.equal(ids.size, rest.count);
});

test("plain dates mean whole days, and a Gong call URL is an id, over REST and MCP", async () => {
  const iso = (await worker.request(`/v1/calls?from=2024-02-01T00:00:00Z&to=2024-03-01T00:00:00Z&limit=1000`)).json();
  const plain = (await worker.request(`/v1/calls?from=2024-02-01&to=2024-02-29&limit=1000`)).json();
  assert.deepEqual(plain.calls.map((c) => c.id), iso.calls.map((c) => c.id));
  assert.ok(iso.count > 0);
  const url = encodeURIComponent(`https://us-4567.app.gong.io/call?id=${ACME}`);
  const byUrl = await worker.request(`/v1/calls/${url}/transcript`);
  assert.equal(byUrl.status, 200, byUrl.body);
  assert.equal(byUrl.body, (await worker.request(`/v1/calls/${ACME}/transcript`)).body);
  const r = await client.callTool({ name: "get_call", arguments: { callId: `https://app.gong.io/call?id=${ACME}` } });
  assert.notEqual(r.isError, true, text(r));
  assert.equal(r.structuredContent.id, ACME);
  const bad = await client.callTool({ name: "get_call", arguments: { callId: "https://app.gong.io/calls/x" } });
  assert.equal(bad.isError, true);
  assert.match(text(bad), /a Gong call URL looks like/);
});

test("get_participant_calls: one file and one registry line, over REST and MCP", async () => {
  const all = (await worker.request(`/v1/calls?from=${FROM}&to=${TO}&limit=1000`)).json().calls;
  const person = all.flatMap((c) => c.participants).find((p) => p.emailAddress || p.email);
  const email = person.emailAddress ?? person.email;
  const want = all
    .filter((c) => c.participants.some((p) => (p.emailAddress ?? p.email ?? "").toLowerCase() === email.toLowerCase()))
    .sort((a, b) => (a.scheduled ?? a.date) < (b.scheduled ?? b.date) ? 1 : -1)
    .map((c) => c.id);
  const got = [];
  let page = (await worker.request(`/v1/participants/${encodeURIComponent(email.toUpperCase())}/calls?limit=2`)).json();
  got.push(...page.calls.map((c) => c.id));
  while (page.cursor) {
    page = (await worker.request(`/v1/participants/${encodeURIComponent(email)}/calls?limit=2&cursor=${encodeURIComponent(page.cursor)}`)).json();
    got.push(...page.calls.map((c) => c.id));
  }
  assert.deepEqual(new Set(got), new Set(want));
  assert.equal(got.length, want.length);
  const r = await client.callTool({ name: "get_participant_calls", arguments: { participant: email } });
  assert.notEqual(r.isError, true, text(r));
  assert.deepEqual(r.structuredContent.calls.map((c) => c.id), got.slice(0, r.structuredContent.count));
  const none = await client.callTool({ name: "get_participant_calls", arguments: { participant: "nobody-at-all@example.invalid" } });
  assert.equal(none.structuredContent.count, 0);
  assert.match(text(none), /no calls with a participant/);
});

test("POST /v1/format answers the transcript file itself when asked", async () => {
  const body = JSON.stringify({
    extensive: JSON.parse(fixture("calls/acme-discovery.extensive.json")),
    transcript: JSON.parse(fixture("calls/acme-discovery.transcript.json")),
  });
  const json = (await worker.request("/v1/format?format=srt", { method: "POST", body })).json();
  let r = await worker.request("/v1/format?format=srt&output=transcript", { method: "POST", body });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-type"), "application/x-subrip; charset=utf-8");
  assert.equal(r.body, json.transcript);
  r = await worker.request("/v1/format?format=webvtt", { method: "POST", body, headers: { Accept: "text/vtt" } });
  assert.match(r.body, /^WEBVTT/);
  r = await worker.request("/v1/format?output=transcript", { method: "POST", body: fixture("calls/acme-discovery.extensive.json") });
  assert.equal(r.status, 400);
  assert.match(r.json().error.message, /output=transcript needs a transcript/);
  r = await worker.request("/v1/format?format=md", { method: "POST", body });
  assert.equal(r.status, 400, "REST takes exactly the formats MCP advertises");
});

test("a REST cursor keeps the page size it was made with", async () => {
  const first = (await worker.request(`/v1/calls?from=${FROM}&to=${TO}&limit=7`)).json();
  assert.equal(first.calls.length, 7);
  const next = (await worker.request(`/v1/calls?cursor=${encodeURIComponent(first.cursor)}`)).json();
  assert.equal(next.calls.length, 7, "the cursor alone keeps limit=7");
  const wider = (await worker.request(`/v1/calls?cursor=${encodeURIComponent(first.cursor)}&limit=9`)).json();
  assert.equal(wider.calls.length, 9, "an explicit limit wins");
  const accounts = (await worker.request(`/v1/accounts?limit=3`)).json();
  assert.equal(accounts.accounts.length, 3);
  const more = (await worker.request(`/v1/accounts?cursor=${encodeURIComponent(accounts.cursor)}`)).json();
  assert.equal(more.accounts.length, 3);
  const s = (await worker.request(`/v1/search?q=the&limit=2`)).json();
  assert.equal(s.hits.length, 2);
  const s2 = (await worker.request(`/v1/search?q=the&limit=2&cursor=${encodeURIComponent(s.cursor)}`)).json();
  assert.equal(s2.hits.length, 2);
  const s3 = (await worker.request(`/v1/search?q=the&cursor=${encodeURIComponent(s.cursor)}`)).json();
  assert.equal(s3.hits.length, 2, "search's cursor keeps its page size too");
});

test("one account matcher: a part of the name, any case, in get_account_calls, find_calls_by_account and search; a miss names the nearest accounts", async () => {
  const { accounts } = (await worker.request(`/v1/accounts?limit=1000`)).json();
  const named = accounts.find((a) => a.name.length >= 6 && a.calls >= 1);
  const part = named.name.slice(1, -1).toUpperCase();
  const matching = accounts.filter((a) => a.name.toLowerCase().includes(part.toLowerCase()));
  const want = matching.reduce((n, a) => n + a.calls, 0);
  const byRest = (await worker.request(`/v1/accounts/${encodeURIComponent(part)}/calls?limit=1000`)).json();
  assert.equal(byRest.count, want, `${part}: ${JSON.stringify(matching.map((a) => a.name))}`);
  const byTool = await client.callTool({ name: "get_account_calls", arguments: { account: part, limit: 1000 } });
  assert.equal(byTool.structuredContent.count, Math.min(want, byTool.structuredContent.count));
  // The library also keeps calls read on demand outside the synced range: compare within it.
  const inRange = (await worker.request(`/v1/accounts/${encodeURIComponent(part)}/calls?from=2024-01-01&to=2024-03-31&limit=1000`)).json();
  const found = await client.callTool({ name: "find_calls_by_account", arguments: { account: part, from: "2024-01-01", to: "2024-03-31", limit: 200 } });
  assert.equal(found.structuredContent.source, "library");
  assert.deepEqual(found.structuredContent.calls.map((c) => c.id), inRange.calls.slice(0, 200).map((c) => c.id));
  const searched = (await worker.request(`/v1/search?q=the&account=${encodeURIComponent(part.toLowerCase())}&limit=100`)).json();
  for (const hit of searched.hits) assert.ok(hit.account.toLowerCase().includes(part.toLowerCase()), hit.account);
  // A misspelt name: nothing, and the nearest names to try.
  const typo = named.name.slice(0, -1) + "qx";
  const miss = await client.callTool({ name: "get_account_calls", arguments: { account: typo } });
  assert.equal(miss.structuredContent.count, 0);
  assert.match(text(miss), /nearest account names: .+/);
  assert.ok(text(miss).includes(named.name), text(miss));
});
