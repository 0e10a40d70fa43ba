// A call, its transcript or its document asked again with the same options
// is served from its rendered answer (worker/src/service/answers.rs), not
// parsed and formatted again; other options, a fresh ask or changed answers
// from Gong (or in the library) are rendered anew, and erasing the call
// erases its rendered answers.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSim, startWorker, migratedDatabase, fixture, syncDone } from "./harness.mjs";

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

/** The KV entries that hold a rendered answer: `{32 hex digits}\n{answer}`. */
async function renderedEntries() {
  const out = [];
  for (const { name } of (await kv.list()).keys) {
    const value = await kv.get(name);
    if (/^[0-9a-f]{32}\n/.test(value)) out.push({ name, fingerprint: value.slice(0, 32), answer: value.slice(33) });
  }
  return out;
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
  await kv.put(entry.name, `${entry.fingerprint}\n${marked}`);
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
  await kv.put(entry.name, `${"0".repeat(32)}\n{"title":"stale"}`);
  const again = await worker.request(path);
  assert.equal(again.status, 200);
  assert.equal(again.body, first.body);
});

test("erasing a call erases its rendered answers", async (t) => {
  // Erasure needs the library (it remembers the id): a Worker with D1 too.
  const worker = await startWorker(sim, { library: await migratedDatabase() });
  t.after(() => worker.dispose());
  const kv = await worker.mf.getKVNamespace("GONGKIT_CACHE");
  const renderedEntries = async () => {
    const out = [];
    for (const { name } of (await kv.list()).keys) {
      if (/^[0-9a-f]{32}\n/.test(await kv.get(name))) out.push(name);
    }
    return out;
  };
  const first = await worker.request(`/v1/calls/${ACME}?fresh=true`);
  assert.equal(first.status, 200);
  await settled(async () => (await renderedEntries()).length > 0);
  // The transcript's and the document's too (an entry each).
  for (const what of ["transcript", "document"]) {
    assert.equal((await worker.request(`/v1/calls/${ACME}/${what}?fresh=true`)).status, 200);
  }
  await settled(async () => (await renderedEntries()).length === 3);
  const erased = await worker.request(`/v1/calls/${ACME}`, { method: "DELETE" });
  assert.equal(erased.status, 200, erased.body);
  assert.deepEqual(await renderedEntries(), []);
});

/** The query of a fixture-table variant's options (tests/fixtures/cases.json). */
const query = (options) =>
  Object.entries(options)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join("&");

/** The kept text answer (after its shape line) of an entry, when it is one. */
/** The kept text answer of an entry (see `text_entry` in answers.rs): whole, one chunk, or every chunk as the REST answer gives them. */
function keptText(entry) {
  const [shape, ...rest] = entry.answer.split("\n");
  let body = rest.join("\n");
  if (shape === "whole") return body;
  const chunks = [];
  if (shape !== "chunk" && shape !== "chunks") return null;
  while (body) {
    const line = body.slice(0, body.indexOf("\n"));
    const [index, count, start, end, bytes] = line.split(" ");
    const buf = Buffer.from(body.slice(line.length + 1));
    const text = buf.subarray(0, Number(bytes)).toString();
    body = buf.subarray(Number(bytes)).toString();
    const time = (t) => (t === "-" ? null : Number(t));
    chunks.push({ index: Number(index), count: Number(count), text, start: time(start), end: time(end) });
  }
  return shape === "chunk" ? chunks[0]?.text : JSON.stringify(chunks);
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
    const shapeLine = entry.answer.slice(0, entry.answer.indexOf("\n"));
    await kv.put(entry.name, `${entry.fingerprint}\n${shapeLine}\nmarked ${what}`);
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
  const kv = await worker.mf.getKVNamespace("GONGKIT_CACHE");
  const entries = async () => {
    const out = [];
    for (const { name } of (await kv.list()).keys) {
      const value = await kv.get(name);
      if (/^[0-9a-f]{32}\n(whole|chunks?)\n/.test(value)) out.push({ name, value });
    }
    return out;
  };
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
    for (const { name, value } of await entries()) {
      const [fingerprint, shape] = value.split("\n", 2);
      await kv.put(name, `${fingerprint}\n${shape}\nmarked`);
    }
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
