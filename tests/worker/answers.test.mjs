// A call asked again with the same options is served from its rendered
// answer (worker/src/service/answers.rs), not parsed and formatted again;
// other options, a fresh ask or changed answers from Gong are rendered anew,
// and erasing the call erases its rendered answer.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSim, startWorker, migratedDatabase } from "./harness.mjs";

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

test("erasing a call erases its rendered answer", async (t) => {
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
  const erased = await worker.request(`/v1/calls/${ACME}`, { method: "DELETE" });
  assert.equal(erased.status, 200, erased.body);
  assert.deepEqual(await renderedEntries(), []);
});
