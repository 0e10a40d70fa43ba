// A call, its transcript or its document asked again with the same options
// is served from its rendered answer (worker/src/service/answers.rs), not
// parsed and formatted again; other options, a fresh ask or changed answers
// from Gong (or in the library) are rendered anew, and erasing the call
// erases its rendered answers.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSim, startWorker, migratedDatabase, fixture, syncDone, TOKEN } from "./harness.mjs";

const ACME = "7782342274025937895";
let sim, worker, kv;

before(async () => {
  sim = await startSim();
  worker = await startWorker(sim); // with Workers KV, which a test can read
  kv = await worker.mf.getKVNamespace("GONGKIT_CACHE");
});

after(async () => {
  await worker?.dispose();
  await sim?.stop();
});

/**
 * The KV entries of `ns` that hold a rendered answer: the answer is the
 * value, its tag (KV metadata) `{32 hex digits}` or `{32 hex digits} {head}`
 * (see `rendered_tag` and `text_entry` in worker/src/service/answers.rs).
 */
async function renderedEntries(ns = kv) {
  const out = [];
  for (const { name } of (await ns.list()).keys) {
    const { value, metadata } = await ns.getWithMetadata(name);
    const m = /^([0-9a-f]{32})(?: (.+))?$/.exec(metadata?.tag ?? "");
    if (m) out.push({ name, fingerprint: m[1], head: m[2] ?? "", answer: value });
  }
  return out;
}

/** Puts `answer` under an entry's name with its tag: what the Worker would have kept. */
function keep(ns, entry, answer, fingerprint = entry.fingerprint) {
  const tag = entry.head ? `${fingerprint} ${entry.head}` : fingerprint;
  return ns.put(entry.name, answer, { metadata: { tag } });
}

/** Waits for the writes made after an answer was sent. */
async function settled(check) {
  for (let i = 0; i < 100; i++) {
    const got = await check();
    if (got) return got;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the cache writes never came");
}

test("a repeat with the same options is the rendered answer, read back", async () => {
  const path = `/v1/calls/${ACME}?format=markdown`;
  const first = await worker.request(`${path}&fresh=true`);
  assert.equal(first.status, 200);
  const entry = await settled(async () => (await renderedEntries()).find((e) => e.answer === first.body));
  // Served, not recomputed: a marked copy of the entry is what comes back.
  const marked = JSON.stringify({ ...JSON.parse(entry.answer), title: "served from the rendered answer" });
  await keep(kv, entry, marked);
  const again = await worker.request(path);
  assert.equal(again.status, 200);
  assert.equal(again.headers.get("x-gongkit-cache"), "hit");
  assert.equal(again.json().title, "served from the rendered answer");

  // Other options do not match the fingerprint: rendered anew, correctly.
  const plain = await worker.request(`/v1/calls/${ACME}?format=plain`);
  assert.equal(plain.status, 200);
  assert.equal(plain.json().title, first.json().title);
  assert.notEqual(plain.json().transcript, first.json().transcript);

  // A fresh ask renders again (and keeps what it rendered).
  await settled(async () => (await renderedEntries()).some((e) => e.answer === plain.body));
  const fresh = await worker.request(`${path}&fresh=true`);
  assert.equal(fresh.body, first.body);
});

test("an answer whose fingerprint does not match is never served", async () => {
  const path = `/v1/calls/${ACME}?format=srt`;
  const first = await worker.request(`${path}&fresh=true`);
  const entry = await settled(async () => (await renderedEntries()).find((e) => e.answer === first.body));
  await keep(kv, entry, `{"title":"stale"}`, "0".repeat(32));
  const again = await worker.request(path);
  assert.equal(again.status, 200);
  assert.equal(again.body, first.body);
});

test("erasing a call erases its rendered answers", async (t) => {
  // Erasure needs the library (it remembers the id): a Worker with D1 too.
  const worker = await startWorker(sim, { library: await migratedDatabase() });
  t.after(() => worker.dispose());
  const ns = await worker.mf.getKVNamespace("GONGKIT_CACHE");
  const first = await worker.request(`/v1/calls/${ACME}?fresh=true`);
  assert.equal(first.status, 200);
  await settled(async () => (await renderedEntries(ns)).length > 0);
  // The transcript's and the document's too (an entry each).
  for (const what of ["transcript", "document"]) {
    assert.equal((await worker.request(`/v1/calls/${ACME}/${what}?fresh=true`)).status, 200);
  }
  await settled(async () => (await renderedEntries(ns)).length === 3);
  const erased = await worker.request(`/v1/calls/${ACME}`, { method: "DELETE" });
  assert.equal(erased.status, 200, erased.body);
  assert.deepEqual(await renderedEntries(ns), []);
});

/** The query of a fixture-table variant's options (tests/fixtures/cases.json). */
const query = (options) =>
  Object.entries(options)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join("&");

/**
 * The REST answer an entry's kept text gives (see `text_entry` in
 * answers.rs): a whole text or one chunk is the value itself (the answer's
 * body as it is sent); every chunk is the value's records, `{index} {count}
 * {start} {end} {bytes}` and that many bytes of text each, as JSON.
 */
function keptText(entry) {
  const kind = entry.head.split(" ")[0];
  if (kind === "whole" || kind === "chunk") return entry.answer;
  if (kind !== "chunks") return null;
  const chunks = [];
  let body = Buffer.from(entry.answer);
  while (body.length) {
    const nl = body.indexOf(10);
    const [index, count, start, end, bytes] = body.subarray(0, nl).toString().split(" ");
    const rest = body.subarray(nl + 1);
    const time = (t) => (t === "-" ? null : Number(t));
    chunks.push({ index: Number(index), count: Number(count), text: rest.subarray(0, Number(bytes)).toString(), start: time(start), end: time(end) });
    body = rest.subarray(Number(bytes));
  }
  return JSON.stringify(chunks);
}

/** Asks `path` fresh, waits until its rendered answer is kept, and asks again without `fresh`. */
async function freshThenKept(path) {
  const sep = path.includes("?") ? "&" : "?";
  const fresh = await worker.request(`${path}${sep}fresh=true`);
  assert.equal(fresh.status, 200, `${path}: ${fresh.body}`);
  const entry = await settled(async () => (await renderedEntries()).find((e) => keptText(e) === fresh.body));
  const kept = await worker.request(path);
  return { fresh, kept, entry };
}

test("a kept transcript or document is the fresh one byte for byte, for every format and chunking of the fixture table", async () => {
  const { variants } = JSON.parse(fixture("cases.json"));
  const paths = [];
  for (const [name, { fn, options }] of Object.entries(variants)) {
    if (fn === "formatTranscript" || fn === "chunkTranscript") paths.push([name, `/v1/calls/${ACME}/transcript?${query(options)}`]);
    if (fn === "callDocument" || fn === "chunkDocument") paths.push([name, `/v1/calls/${ACME}/document?${query(options)}`]);
  }
  // One chunk of each (the answer with X-Gongkit-Chunk), too.
  paths.push(["chunk 1", `/v1/calls/${ACME}/transcript?maxChars=200&chunk=1&names=true`]);
  paths.push(["document chunk 2", `/v1/calls/${ACME}/document?maxChars=400&chunk=2`]);
  const formats = new Set(paths.map(([, p]) => new URL(p, "http://x").searchParams.get("format") ?? "plain"));
  assert.deepEqual([...formats].sort(), ["json", "markdown", "plain", "srt", "webvtt"], "every format of the table is asked");
  for (const [name, path] of paths) {
    const { fresh, kept } = await freshThenKept(path);
    assert.equal(kept.status, 200, `${name}: ${kept.body}`);
    assert.equal(kept.headers.get("x-gongkit-cache"), "hit", name);
    assert.equal(kept.body, fresh.body, `${name}: the kept answer differs from the fresh one`);
    for (const h of ["content-type", "x-gongkit-chunk"]) assert.equal(kept.headers.get(h), fresh.headers.get(h), `${name}: ${h}`);
  }
});

test("a repeat of a transcript or document is its rendered answer, read back", async () => {
  for (const [what, path] of [
    ["transcript", `/v1/calls/${ACME}/transcript?format=markdown&names=true`],
    ["document", `/v1/calls/${ACME}/document`],
  ]) {
    const { fresh, entry } = await freshThenKept(path);
    // Served, not recomputed: a marked copy of the entry is what comes back.
    await keep(kv, entry, `marked ${what}`);
    const again = await worker.request(path);
    assert.equal(again.status, 200);
    assert.equal(again.body, `marked ${what}`);
    // Other options: rendered anew, not the marked answer.
    const other = await worker.request(`${path}${path.includes("?") ? "&" : "?"}merge=true`);
    assert.equal(other.status, 200);
    assert.notEqual(other.body, `marked ${what}`);
    assert.notEqual(other.body, fresh.body);
  }
});

test("a change in the library (a new digest) is never answered with what was rendered before it", async (t) => {
  const worker = await startWorker(sim, { library: await migratedDatabase() });
  t.after(() => worker.dispose());
  const ns = await worker.mf.getKVNamespace("GONGKIT_CACHE");
  const entries = async () => (await renderedEntries(ns)).filter((e) => /^(whole|chunks?)\b/.test(e.head));
  const paths = [`/v1/calls/${ACME}/transcript?names=true`, `/v1/calls/${ACME}/document`];
  const first = {};
  for (const path of paths) {
    first[path] = await worker.request(`${path}${path.includes("?") ? "&" : "?"}fresh=true`);
    assert.equal(first[path].status, 200, first[path].body);
  }
  // Both kept, and the call in the library (written after the answers).
  await settled(async () => (await entries()).length === 2);
  // Marked: served as long as the library's call is the one they were made
  // from. (The library keeps the call's own JSON, not Gong's whole answer:
  // the first answer from the library is rendered once more, and kept.)
  await settled(async () => {
    for (const entry of await entries()) await keep(ns, entry, "marked");
    for (const path of paths) {
      const r = await worker.request(path);
      if (r.headers.get("x-gongkit-source") !== "library" || r.body !== "marked") return false;
    }
    return true;
  });
  // Gong's call changes; the sync brings the change into the library.
  const edited = await sim.edit(ACME, { metaData: { title: "Acme discovery, renamed" } });
  assert.ok(edited.ok, JSON.stringify(edited));
  const before = (await worker.request("/v1/sync")).json().lastRun ?? null;
  const started = await worker.request("/v1/sync", { method: "POST", body: JSON.stringify({ from: "2024-03-01", to: "2024-04-01" }) });
  assert.equal(started.status, 202, started.body);
  await syncDone((p) => worker.request(p), before, 120_000);
  for (const path of paths) {
    const r = await worker.request(path);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers.get("x-gongkit-source"), "library");
    assert.notEqual(r.body, "marked", `${path}: rendered before the change, served after it`);
  }
  const document = await worker.request(paths[1]);
  assert.match(document.body, /Acme discovery, renamed/);
  assert.doesNotMatch(first[paths[1]].body, /Acme discovery, renamed/);
  const transcript = await worker.request(paths[0]);
  assert.equal(transcript.body, first[paths[0]].body, "the transcript itself did not change");
});

test("an MCP tool reads a kept answer back (the official SDK's client)", async (t) => {
  const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
  const { StreamableHTTPClientTransport } = await import("@modelcontextprotocol/sdk/client/streamableHttp.js");
  const w = await startWorker(sim, { http: true });
  const client = new Client({ name: "gongkit-test", version: "1.0.0" });
  t.after(async () => {
    await client.close().catch(() => {});
    await w.dispose();
  });
  await client.connect(new StreamableHTTPClientTransport(new URL("/mcp", w.url), { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } }));
  const ns = await w.mf.getKVNamespace("GONGKIT_CACHE");
  const text = (r) => r.content.map((c) => c.text).join("\n");
  // The text of an entry's first chunk, or the entry itself.
  const firstText = (e) => (e.head === "chunks" ? JSON.parse(keptText(e))[0].text : e.answer);
  // Whether entry `e` holds what the tool answered (its JSON written anew, with sorted keys).
  const sameAnswer = (e, r) => {
    if (e.head !== "") return text(r).includes(firstText(e).slice(0, 200));
    try {
      assert.deepEqual(JSON.parse(e.answer), JSON.parse(r.content[0].text));
      return true;
    } catch {
      return false;
    }
  };
  for (const [name, args, head] of [
    // The tool cuts a long text to its answer budget: every chunk is kept.
    ["get_transcript", { callId: ACME, format: "markdown" }, /^chunks$/],
    ["get_call_document", { callId: ACME, maxChars: 400, chunk: 1 }, /^chunk 1 \d+ /],
    ["get_call", { callId: ACME }, /^$/],
  ]) {
    const first = await client.callTool({ name, arguments: args });
    assert.ok(!first.isError, `${name}: ${text(first)}`);
    const kept = await settled(async () => (await renderedEntries(ns)).find((e) => head.test(e.head) && sameAnswer(e, first))).catch(async (e) => {
      throw new Error(`${name}: ${e.message}; kept: ${JSON.stringify((await renderedEntries(ns)).map((e) => [e.head, e.answer.slice(0, 80)]))}; answered: ${text(first).slice(0, 200)}`);
    });
    const again = await client.callTool({ name, arguments: args });
    assert.equal(text(again), text(first), `${name}: the kept answer read back`);
    // Served from the entry: a marked one is what the tool answers.
    const mark = `marked ${name}`;
    const marked =
      name === "get_call" ? JSON.stringify({ ...JSON.parse(kept.answer), title: "marked" })
      : kept.head === "chunks" ? `0 1 - - ${Buffer.byteLength(mark)}\n${mark}`
      : mark;
    await keep(ns, kept, marked);
    const served = await client.callTool({ name, arguments: args });
    assert.ok(!served.isError, text(served));
    if (name === "get_call") assert.equal(served.structuredContent?.title ?? JSON.parse(served.content[0].text).title, "marked");
    else assert.match(text(served), new RegExp(`^marked ${name}`));
  }
});
