// Nothing of one person's calls reaches another, and erasure lasts: the
// built Worker in Miniflare with a synced library (D1, the sync, the gate)
// against the Gong simulator, an admin token and a token limited to one
// participant's calls.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSim, startWorker, migratedDatabase, TOKEN, syncDone, storedCalls } from "./harness.mjs";

const FROM = "2024-01-01T00:00:00Z";
const TO = "2024-03-01T00:00:00Z";
const ANN_TOKEN = "ann-token-9d1c4b7e2a5f8c3d6e0b1a4f7c2d5e8b";
const BOB_TOKEN = "bob-token-2f6a9c1e4b7d0a3f6c9e2b5d8a1c4f7e";
const NO_SUCH_CALL = "8199999999999999999";
let sim, worker, db, annEmail, annCalls, others;

const synced = (since = null) => syncDone((p) => worker.request(p), since);
const ann = (path, init = {}) => worker.request(path, { token: ANN_TOKEN, ...init });

before(async () => {
  sim = await startSim({ generate: 60, args: ["--variety", "--seed", "11", "--from", FROM, "--to", TO, "--private-percent", "0"] });
  const calls = (await sim.calls("?raw=true")).calls;
  const byEmail = new Map();
  for (const c of calls) {
    for (const p of c.extensive.parties ?? []) {
      if (p.emailAddress && p.affiliation === "External") byEmail.set(p.emailAddress.toLowerCase(), [...(byEmail.get(p.emailAddress.toLowerCase()) ?? []), c.extensive.metaData.id]);
    }
  }
  // Someone on a few calls, not most.
  [annEmail, annCalls] = [...byEmail].sort((a, b) => a[1].length - b[1].length).find(([, ids]) => ids.length >= 3);
  annCalls = [...new Set(annCalls)];
  const held = (await storedCalls(sim, FROM, TO)).map((c) => c.id);
  others = held.filter((id) => !annCalls.includes(id));
  worker = await startWorker(sim, {
    library: await migratedDatabase(),
    bindings: { GONGKIT_TOKEN: `${TOKEN},ann:${annEmail}:${ANN_TOKEN},bob:bob@nowhere.example:${BOB_TOKEN}` },
  });
  db = await worker.mf.getD1Database("GONGKIT_DB");
  await worker.request("/v1/sync", { method: "POST", body: JSON.stringify({ from: FROM, to: TO }) });
  await synced();
});

after(async () => {
  await worker?.dispose();
  await sim?.stop();
});

/** Every id, start time and readable word a cursor could carry. */
function readable(cursor) {
  const text = [cursor, Buffer.from(cursor.split(".")[0], "base64url").toString("latin1")].join("\n");
  return { text, ids: [...text.matchAll(/\d{10,}/g)].map((m) => m[0]) };
}

test("a participant's listing pages stand only on their calls, and its cursors carry no readable call data", async () => {
  const seen = [];
  let page = (await ann(`/v1/calls?from=${FROM}&to=${TO}&limit=1`)).json();
  assert.equal(page.source, "library");
  const cursors = [];
  for (let i = 0; i < 200; i++) {
    seen.push(...page.calls.map((c) => c.id));
    if (!page.cursor) break;
    cursors.push(page.cursor);
    page = (await ann(`/v1/calls?cursor=${encodeURIComponent(page.cursor)}`)).json();
  }
  assert.deepEqual(seen.sort(), [...annCalls].sort(), "every page holds one of their calls, none empty, no one else's");
  assert.equal(cursors.length, annCalls.length - 1, "no page without a call of theirs");
  for (const cursor of cursors) {
    const { text, ids } = readable(cursor);
    assert.deepEqual(ids, [], `a cursor holds no call id or start time: ${cursor}`);
    assert.doesNotMatch(text, /after|started|"from"|2024-/);
  }
  // Altered, a cursor is refused.
  const altered = cursors[0].slice(0, -2) + (cursors[0].endsWith("AA") ? "BA" : "AA");
  assert.equal((await ann(`/v1/calls?cursor=${encodeURIComponent(altered)}`)).json().error.code, "invalid_cursor");
  // MCP list_calls: the same pages.
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "list_calls", arguments: { from: FROM, to: TO, limit: 1 } } });
  const r = await ann("/mcp", { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18" }, body });
  const result = r.json().result.structuredContent;
  assert.equal(result.calls.length, 1);
  assert.ok(annCalls.includes(result.calls[0].id));
  assert.deepEqual(readable(result.cursor).ids, []);
});

test("no existence oracle: someone else's call and a call that does not exist answer alike", async () => {
  const [other] = others;
  for (const fresh of ["", "?fresh=true"]) {
    for (let round = 0; round < 2; round++) {
      const a = await ann(`/v1/calls/${other}${fresh}`);
      const b = await ann(`/v1/calls/${NO_SUCH_CALL}${fresh}`);
      assert.equal(a.status, 404);
      assert.equal(b.status, 404);
      assert.equal(a.body.replaceAll(other, "ID"), b.body.replaceAll(NO_SUCH_CALL, "ID"));
      const headers = (r) => [...r.headers.entries()].filter(([k]) => k !== "date").sort();
      assert.deepEqual(headers(a), headers(b), `round ${round}${fresh}`);
      assert.equal(a.headers.get("x-gongkit-source"), null);
      assert.equal(a.headers.get("x-gongkit-cache"), null);
    }
  }
  // Their own call still says where it came from.
  const own = await ann(`/v1/calls/${annCalls[0]}`);
  assert.equal(own.status, 200);
  assert.equal(own.headers.get("x-gongkit-source"), "library");
});

test("X-Gongkit-Cache speaks only of Gong's answers: none on library answers", async () => {
  const search = await worker.request("/v1/search?q=pricing");
  assert.equal(search.status, 200, search.body);
  assert.equal(search.headers.get("x-gongkit-source"), "library");
  assert.equal(search.headers.get("x-gongkit-cache"), null);
  const exported = await worker.request("/v1/export?limit=1");
  assert.equal(exported.headers.get("x-gongkit-cache"), null);
  const call = await worker.request(`/v1/calls/${others[0]}`);
  assert.equal(call.headers.get("x-gongkit-source"), "library");
  assert.equal(call.headers.get("x-gongkit-cache"), null);
  const fresh = await worker.request(`/v1/calls/${others[0]}?fresh=true`);
  assert.equal(fresh.headers.get("x-gongkit-cache"), "miss");
});

test("the sync's status is for admins: 403 for anyone else", async () => {
  const r = await ann("/v1/sync");
  assert.equal(r.status, 403);
  assert.equal(r.json().error.code, "forbidden");
  assert.doesNotMatch(r.body, /cursor|covered|lastError/);
  assert.equal((await worker.request("/v1/sync")).status, 200);
});

test("erasure lasts: 404 for everyone, no Gong request, not brought back by the sync, emails scrubbed, a tombstone in the export; until restored", { timeout: 300_000 }, async () => {
  const start = (await worker.request("/v1/export?limit=10000")).headers.get("x-gongkit-cursor");
  const [gone] = annCalls;
  const emailsBefore = (await db.prepare("SELECT emails FROM changes WHERE call_id = ?1").bind(gone).all()).results;
  assert.ok(emailsBefore.some((r) => r.emails.includes(annEmail)), "a change names who could see it");
  // Only an admin erases.
  assert.equal((await ann(`/v1/calls/${gone}`, { method: "DELETE" })).status, 403);
  const erased = await worker.request(`/v1/calls/${gone}`, { method: "DELETE" });
  assert.equal(erased.status, 200, erased.body);
  assert.deepEqual(erased.json(), { id: gone, deleted: true, inLibrary: true });
  await sim.reset();
  for (const [who, path] of [["admin", ""], ["admin", "?fresh=true"], ["ann", ""], ["ann", "?fresh=true"], ["admin", "/transcript"], ["admin", "/document?fresh=true"]]) {
    const r = who === "ann" ? await ann(`/v1/calls/${gone}${path}`) : await worker.request(`/v1/calls/${gone}${path}`);
    assert.equal(r.status, 404, `${who} ${path}: ${r.body}`);
    assert.equal(r.json().error.code, "call_not_found");
    assert.equal(r.headers.get("x-gongkit-source"), null);
  }
  assert.deepEqual(await sim.log(), [], "an erased call costs Gong nothing");
  // The changes keep no email.
  const scrubbed = (await db.prepare("SELECT emails FROM changes WHERE call_id = ?1").bind(gone).all()).results;
  assert.ok(scrubbed.length > emailsBefore.length, "the removal is logged");
  for (const r of scrubbed) assert.doesNotMatch(r.emails ?? "", /@/);
  // The export: a tombstone for the admin and for Ann, who saw it.
  const since = `&since=${encodeURIComponent(start)}`;
  const tomb = `{"id":"${gone}","deleted":true,"erased":true}`;
  assert.ok((await worker.request(`/v1/export?limit=100${since}`)).body.split("\n").includes(tomb));
  assert.ok((await ann(`/v1/export?limit=100${since}`)).body.split("\n").includes(tomb));
  // Someone who never saw it hears nothing of it.
  assert.ok(!(await worker.request(`/v1/export?limit=100${since}`, { token: BOB_TOKEN })).body.includes(gone));
  // A sync over its range does not bring it back, and listings leave it out.
  const before = (await worker.request("/v1/sync")).json().lastRun;
  await worker.request("/v1/sync", { method: "POST", body: JSON.stringify({ from: FROM, to: TO }) });
  await synced(before);
  assert.equal((await worker.request(`/v1/calls/${gone}`)).status, 404);
  const [{ n }] = (await db.prepare("SELECT count(*) AS n FROM calls WHERE id = ?1").bind(gone).all()).results;
  assert.equal(n, 0, "the sync did not store it");
  const listed = (await worker.request(`/v1/calls?from=${FROM}&to=${TO}&limit=1000`)).json();
  assert.ok(!listed.calls.some((c) => c.id === gone));
  const search = (await worker.request(`/v1/participants/${encodeURIComponent(annEmail)}/calls`)).json();
  assert.ok(!search.calls.some((c) => c.id === gone));
  // Only an admin restores; then it comes back from Gong.
  assert.equal((await ann(`/v1/calls/${gone}/restore`, { method: "POST" })).status, 403);
  const restored = await worker.request(`/v1/calls/${gone}/restore`, { method: "POST" });
  assert.deepEqual(restored.json(), { id: gone, restored: true });
  const back = await worker.request(`/v1/calls/${gone}`);
  assert.equal(back.status, 200, back.body);
  assert.equal(back.headers.get("x-gongkit-source"), "gong");
  assert.deepEqual((await worker.request(`/v1/calls/${gone}/restore`, { method: "POST" })).json(), { id: gone, restored: false });
});

test("erasing an id the library never held says inLibrary: false and still blocks it", async () => {
  const id = "8300000000000000001";
  // Gong gets the call only after the erasure: it is never served.
  const r = await worker.request(`/v1/calls/${id}`, { method: "DELETE" });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json(), { id, deleted: true, inLibrary: false });
  const template = (await sim.calls(`?ids=${others[1]}`)).calls[0];
  await sim.addCalls({ extensive: { ...template.extensive, metaData: { ...template.extensive.metaData, id } }, transcript: { ...template.transcript, callId: id } });
  await sim.reset();
  const after = await worker.request(`/v1/calls/${id}?fresh=true`);
  assert.equal(after.status, 404);
  assert.deepEqual(await sim.log(), []);
});
