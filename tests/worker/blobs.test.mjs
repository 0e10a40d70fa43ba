// Transcripts in R2 (GONGKIT_BLOBS, migration 0006): a synced call's
// transcript is a gzip object in R2 and not in D1, reads back byte for byte
// as D1 held it without R2, renders as POST /v1/format renders Gong's JSON,
// is quoted by search as before; an edit keeps its object, a removal and an
// erasure delete it; a call stored before (its transcript in D1) still
// reads, and the sync's steps move it to R2. Miniflare with D1 and R2.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { startSim, startWorker, migratedDatabase, syncDone } from "./harness.mjs";

const FROM = "2024-01-01T00:00:00Z";
const TO = "2024-02-01T00:00:00Z";
const open = [];
after(async () => {
  for (const x of open.reverse()) await x();
});

async function sim() {
  const s = await startSim({ generate: 24, args: ["--variety", "--seed", "11", "--from", FROM, "--to", TO, "--private-percent", "0"] });
  open.push(() => s.stop());
  return s;
}

async function worker(s, options) {
  const w = await startWorker(s, options);
  open.push(() => w.dispose());
  return w;
}

async function backfill(w, since = null) {
  const r = await w.request("/v1/sync", { method: "POST", body: JSON.stringify({ from: FROM, to: TO }) });
  assert.equal(r.status, 202, r.body);
  return syncDone((p) => w.request(p), since);
}

const rows = async (w) => (await (await w.mf.getD1Database("GONGKIT_DB")).prepare("SELECT id, transcript, blob, turns_blob FROM call_json ORDER BY id").all()).results;

async function objects(w, prefix = "calls/") {
  const bucket = await w.mf.getR2Bucket("GONGKIT_BLOBS");
  return (await bucket.list({ prefix })).objects.map((o) => o.key);
}

async function object(w, key) {
  const o = await (await w.mf.getR2Bucket("GONGKIT_BLOBS")).get(key);
  return o && gunzipSync(Buffer.from(await o.arrayBuffer())).toString("utf8");
}

/** The call as the library serves it equals POST /v1/format of Gong's JSON. */
async function servedAsFormatted(s, w, id) {
  const raw = (await s.calls(`?ids=${id}`)).calls[0];
  const served = await w.request(`/v1/calls/${id}`);
  assert.equal(served.status, 200, served.body);
  assert.equal(served.headers.get("x-gongkit-source"), "library", id);
  const formatted = await w.request("/v1/format", { method: "POST", body: JSON.stringify({ extensive: raw.extensive, transcript: raw.transcript }) });
  assert.equal(served.body, formatted.body, `call ${id} differs from /v1/format`);
  assert.ok(served.json().transcript.length > 0, "with its transcript");
}

const SEARCHES = ["pricing", "security questionnaire", "rollout&speaker=external", "contract&speaker=internal"];
async function searches(w) {
  const out = [];
  for (const q of SEARCHES) {
    const [words, ...rest] = q.split("&");
    const r = await w.request(`/v1/search?q=${encodeURIComponent(words)}&limit=50${rest.map((x) => `&${x}`).join("")}`);
    assert.equal(r.status, 200, r.body);
    out.push(r.json());
  }
  return out;
}

test("a synced call's transcript is in R2, not D1, and reads back as D1 held it without R2", { timeout: 300_000 }, async () => {
  const s = await sim();
  const withR2 = await worker(s, { library: await migratedDatabase() });
  const withoutR2 = await worker(s, { library: await migratedDatabase(), blobs: false });
  await backfill(withR2);
  await backfill(withoutR2);

  const inR2 = await rows(withR2);
  const inD1 = await rows(withoutR2);
  assert.equal(inR2.length, 24);
  assert.deepEqual(inR2.map((r) => r.id), inD1.map((r) => r.id));
  const keys = await objects(withR2);
  for (const [i, r] of inR2.entries()) {
    assert.equal(r.transcript, null, `call ${r.id}: no transcript in D1`);
    assert.match(r.blob, new RegExp(`^calls/${r.id}/[0-9a-f]{32}\\.json\\.gz$`));
    assert.ok(keys.includes(r.blob), `call ${r.id}: its object is in R2`);
    // Without the binding, D1 holds it as before; the object is the same bytes.
    assert.equal(inD1[i].blob, null);
    assert.ok(inD1[i].transcript.length > 100);
    assert.equal(await object(withR2, r.blob), inD1[i].transcript, `call ${r.id}: byte for byte`);
    // Its turns as the index folds them (a search's quotes), an object of their own.
    assert.match(r.turns_blob, new RegExp(`^calls/${r.id}/[0-9a-f]{32}\\.turns\\.json\\.gz$`));
    const turns = JSON.parse(await object(withR2, r.turns_blob));
    assert.ok(turns.length > 0 && turns.every((t) => typeof t.words === "string" && typeof t.text === "string"));
    assert.equal(inD1[i].turns_blob, null);
  }
  assert.equal(keys.length, 2 * inR2.length, "two objects a call: the transcript and its turns");

  // Served from the library as Gong's JSON is formatted, with and without R2.
  for (const { id } of inR2.slice(0, 6)) {
    await servedAsFormatted(s, withR2, id);
    await servedAsFormatted(s, withoutR2, id);
  }
  // Search quotes the same turns either way (they are found in the transcripts).
  const a = await searches(withR2);
  const b = await searches(withoutR2);
  assert.deepEqual(a, b);
  // (A hit may match on its title or summary only, and quote no turn.)
  assert.ok(a.every((r) => r.hits.some((h) => h.turns.length > 0)), `hits quote turns: ${JSON.stringify(a.map((r) => r.hits.map((h) => h.turns.length)))}`);
  assert.ok(a[2].hits.every((h) => h.turns.every((t) => t.affiliation !== "Internal")), "one side only");
  // The export is the same too.
  const exported = async (w) => (await w.request("/v1/export")).body.split("\n").filter((l) => l.startsWith('{"')).slice(0, -1);
  const ea = await exported(withR2);
  assert.equal(ea.length, 24);
  assert.deepEqual(ea, await exported(withoutR2));
});

test("an edit keeps the object, a removal and an erasure delete it", { timeout: 300_000 }, async () => {
  const s = await sim();
  const w = await worker(s, { library: await migratedDatabase() });
  const first = await backfill(w);
  const [edited, removed, erased] = (await rows(w)).slice(0, 3);

  // A new title, the same transcript: the same object, no other.
  await s.edit(edited.id, { metaData: { title: "Renamed after the call" } });
  await s.remove(removed.id);
  await backfill(w, first.lastRun);
  const after = (await rows(w)).find((r) => r.id === edited.id);
  assert.equal(after.blob, edited.blob);
  assert.equal(after.turns_blob, edited.turns_blob);
  assert.deepEqual(await objects(w, `calls/${edited.id}/`), [edited.blob, edited.turns_blob].sort());
  assert.equal((await w.request(`/v1/calls/${edited.id}`)).json().title, "Renamed after the call");
  // Gong no longer lists it: its row and its object are gone.
  assert.equal((await rows(w)).find((r) => r.id === removed.id), undefined);
  assert.deepEqual(await objects(w, `calls/${removed.id}/`), []);

  // Erasure: the row, the object, and any object of the call a failed write left.
  const bucket = await w.mf.getR2Bucket("GONGKIT_BLOBS");
  await bucket.put(`calls/${erased.id}/left-behind.json.gz`, "x");
  const r = await w.request(`/v1/calls/${erased.id}`, { method: "DELETE" });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(await objects(w, `calls/${erased.id}/`), []);
  assert.equal((await w.request(`/v1/calls/${erased.id}`)).status, 404);
  // Erasure lasts: the next sync does not bring it (or its object) back.
  const status = (await w.request("/v1/sync")).json();
  await backfill(w, status.lastRun);
  assert.deepEqual(await objects(w, `calls/${erased.id}/`), []);
  assert.equal((await w.request(`/v1/calls/${erased.id}`)).status, 404);
});

test("calls stored before R2 (transcripts in D1) still read, and the sync's steps move them to R2", { timeout: 300_000 }, async () => {
  const s = await sim();
  const library = await migratedDatabase();
  const before = await worker(s, { library, blobs: false });
  await backfill(before);
  const old = await rows(before);
  assert.ok(old.every((r) => r.transcript && r.blob === null));
  await before.dispose();
  open.pop();

  const w = await worker(s, { library });
  // Read before anything moved: from D1, as before.
  await servedAsFormatted(s, w, old[0].id);
  assert.deepEqual(await objects(w), []);
  // The next Cron run's steps move them, a bounded batch a step.
  const status = (await w.request("/v1/sync")).json();
  assert.equal((await w.scheduled()).outcome, "ok");
  await syncDone((p) => w.request(p), status.lastRun);
  const deadline = Date.now() + 60_000;
  let now = await rows(w);
  while (now.some((r) => r.transcript !== null) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 300));
    now = await rows(w);
  }
  for (const [i, r] of now.entries()) {
    assert.equal(r.transcript, null, `call ${r.id} moved`);
    assert.ok(r.turns_blob && (await object(w, r.turns_blob)), `call ${r.id}: its turns too`);
    assert.equal(await object(w, r.blob), old[i].transcript, `call ${r.id}: the same bytes in R2`);
  }
  for (const { id } of old.slice(0, 4)) await servedAsFormatted(s, w, id);
});

test("search quotes the same turns from R2's turns, from transcripts, and from rows not moved yet", { timeout: 300_000 }, async () => {
  const s = await sim();
  const library = await migratedDatabase();
  const plain = await worker(s, { library, blobs: false });
  await backfill(plain);
  const expected = await searches(plain);
  await plain.dispose();
  open.pop();
  // The same rows under a Worker with R2, nothing moved yet: from D1's transcripts.
  const w = await worker(s, { library });
  assert.deepEqual(await searches(w), expected);
  // Half of them moved (turns objects for those), then all.
  const db = await w.mf.getD1Database("GONGKIT_DB");
  const status = (await w.request("/v1/sync")).json();
  await w.scheduled();
  await syncDone((p) => w.request(p), status.lastRun);
  for (let i = 0; i < 200 && (await db.prepare("SELECT count(*) AS n FROM call_json WHERE transcript IS NOT NULL").first()).n > 0; i++) {
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.equal((await db.prepare("SELECT count(*) AS n FROM call_json WHERE turns_blob IS NULL").first()).n, 0);
  assert.deepEqual(await searches(w), expected);
  // A turns object gone (a rewrite raced the search): the transcript quotes instead.
  const { turns_blob } = await db.prepare("SELECT turns_blob FROM call_json LIMIT 1").first();
  await (await w.mf.getR2Bucket("GONGKIT_BLOBS")).delete(turns_blob);
  assert.deepEqual(await searches(w), expected);
});

test("a library whose transcripts are in R2, served without the binding: 503 naming it, and nothing erased by half", { timeout: 300_000 }, async () => {
  const s = await sim();
  const library = await migratedDatabase();
  const withR2 = await worker(s, { library });
  await backfill(withR2);
  const [one] = await rows(withR2);
  await withR2.dispose();
  open.pop();
  const w = await worker(s, { library, blobs: false });
  const read = await w.request(`/v1/calls/${one.id}`);
  assert.equal(read.status, 503, read.body);
  assert.equal(read.json().error.code, "not_configured");
  assert.match(read.json().error.message, /GONGKIT_BLOBS/);
  const erase = await w.request(`/v1/calls/${one.id}`, { method: "DELETE" });
  assert.equal(erase.status, 503, erase.body);
  assert.match(erase.json().error.message, /GONGKIT_BLOBS/);
  // Nothing changed: the row is still there, the call not marked erased.
  assert.ok((await rows(w)).some((r) => r.id === one.id));
  const db = await w.mf.getD1Database("GONGKIT_DB");
  assert.equal((await db.prepare("SELECT count(*) AS n FROM erased").first()).n, 0);
});

test("with R2 an export page reads at most 500 transcripts (Workers Free: 1,000 requests to Cloudflare's services an invocation); the cursor goes on", { timeout: 600_000 }, async () => {
  const s = await startSim({ generate: 530, args: ["--seed", "5", "--from", FROM, "--to", TO, "--private-percent", "0"] });
  open.push(() => s.stop());
  const page = async (w, query) => {
    const r = await w.request(`/v1/export${query}`);
    assert.equal(r.status, 200, r.body);
    const lines = r.body.trimEnd().split("\n").map((l) => JSON.parse(l));
    const last = lines.pop();
    assert.equal(last.cursor, r.headers.get("x-gongkit-cursor"));
    return { ids: lines.map((l) => l.id), last };
  };
  const w = await worker(s, { library: await migratedDatabase() });
  await backfill(w);
  const first = await page(w, "?limit=10000");
  assert.equal(first.ids.length, 500, "the page stops at 500 calls");
  assert.equal(first.last.more, true);
  const rest = await page(w, `?limit=10000&since=${encodeURIComponent(first.last.cursor)}`);
  assert.equal(rest.ids.length, 30);
  assert.equal(rest.last.more, false);
  const both = [...first.ids, ...rest.ids];
  assert.equal(new Set(both).size, 530, "every call once");

  // Without R2 (transcripts in D1) the same ask is one page.
  const plain = await worker(s, { library: await migratedDatabase(), blobs: false });
  await backfill(plain);
  const one = await page(plain, "?limit=10000");
  assert.deepEqual([...one.ids].sort(), [...both].sort());
});
