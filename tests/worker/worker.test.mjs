// The built Worker in Miniflare (workerd, in-process) against the Gong
// simulator: every endpoint and every error of the API reference.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSim, startWorker, fixture, seen, SECRETS, TOKEN } from "./harness.mjs";

const ACME = "7782342274025937895";
const IMPORTED = "1200000000000000042";
let sim, worker, simPaged, workerPaged;

before(async () => {
  sim = await startSim();
  worker = await startWorker(sim);
  simPaged = await startSim({ pageSize: 20 });
  workerPaged = await startWorker(simPaged);
});

after(async () => {
  await Promise.allSettled([worker?.dispose(), workerPaged?.dispose()]);
  await Promise.allSettled([sim?.stop(), simPaged?.stop()]);
});

test("GET /health answers without a token", async () => {
  const r = await worker.request("/health", { token: null });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json(), { ok: true });
});

test("the normalized call equals the core's output for the same fixture", async () => {
  for (const [id, name] of [[ACME, "acme-discovery"], [IMPORTED, "imported-call"]]) {
    const r = await worker.request(`/v1/calls/${id}?timestamps=true`);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers.get("content-type"), "application/json");
    assert.deepEqual(r.json(), JSON.parse(fixture(`expected/${name}.call.json`)), name);
  }
});

test("transcripts in every format, with their content types", async () => {
  const cases = [
    ["timestamps=true", "text/plain; charset=utf-8", "named.txt"],
    ["format=markdown&timestamps=true&merge=true", "text/markdown; charset=utf-8", "markdown.md"],
    ["format=webvtt", "text/vtt; charset=utf-8", "webvtt.vtt"],
    ["format=srt", "application/x-subrip; charset=utf-8", "srt.srt"],
    ["format=json&merge=true", "application/json", "json.json"],
  ];
  for (const [query, type, file] of cases) {
    const r = await worker.request(`/v1/calls/${ACME}/transcript?${query}`);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers.get("content-type"), type);
    assert.equal(r.body, fixture(`expected/acme-discovery.${file}`), query);
  }
  const plain = await worker.request(`/v1/calls/${ACME}/transcript?names=false`);
  assert.equal(plain.body, fixture("expected/acme-discovery.plain.txt"));
});

test("the call document, whole, as chunks, and one chunk", async () => {
  const doc = await worker.request(`/v1/calls/${ACME}/document`);
  assert.equal(doc.status, 200);
  assert.equal(doc.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(doc.body, fixture("expected/acme-discovery.document.txt"));
  const chunks = await worker.request(`/v1/calls/${ACME}/document?maxChars=400&merge=true`);
  const expected = JSON.parse(fixture("expected/acme-discovery.document-chunks.json"));
  assert.deepEqual(chunks.json(), expected);
  const one = await worker.request(`/v1/calls/${ACME}/document?maxChars=400&merge=true&chunk=1`);
  assert.equal(one.body, expected[1].text);
  assert.equal(one.headers.get("x-gongkit-chunk"), `1/${expected.length}`);
  const missing = await worker.request(`/v1/calls/${ACME}/document?maxChars=400&chunk=99`);
  assert.equal(missing.status, 404);
  assert.equal(missing.json().error.code, "chunk_not_found");
});

test("a listing follows Gong's pages and resumes exactly after the last call", async () => {
  await simPaged.reset();
  const range = "from=2024-01-01T00:00:00Z&to=2024-03-01T00:00:00Z";
  const ids = [];
  let r = await workerPaged.request(`/v1/calls?${range}&limit=50`);
  assert.equal(r.status, 200, r.body);
  let page = r.json();
  assert.equal(page.count, 50);
  ids.push(...page.calls.map((c) => c.id));
  // 50 calls from pages of 20: three Gong pages, the third cut after 10.
  const log = await simPaged.log();
  assert.equal(log.length, 3);
  assert.equal(log[0].cursor, null);
  assert.ok(log[1].cursor && log[2].cursor && log[1].cursor !== log[2].cursor);
  while (page.cursor) {
    r = await workerPaged.request(`/v1/calls?cursor=${encodeURIComponent(page.cursor)}&limit=37`);
    assert.equal(r.status, 200, r.body);
    page = r.json();
    ids.push(...page.calls.map((c) => c.id));
  }
  assert.equal(ids.length, 240); // every six hours over 60 days
  assert.equal(new Set(ids).size, ids.length, "no call repeated");
  const expected = Array.from({ length: 240 }, (_, i) => String(9000000000000000001n + BigInt(i)));
  assert.deepEqual(ids, expected, "no call skipped, in order");
  const first = (await workerPaged.request(`/v1/calls?${range}&limit=1`)).json().calls[0];
  assert.equal(first.title, "Generated call 1");
  assert.equal(first.account.name, "Acme");
  assert.equal(first.transcript, null);
});

test("an empty range is an empty list; bad ranges and cursors are 400", async () => {
  const empty = await worker.request("/v1/calls?from=2030-01-01T00:00:00Z&to=2030-02-01T00:00:00Z");
  assert.equal(empty.status, 200);
  assert.deepEqual(empty.json(), { count: 0, calls: [], cursor: null, source: "gong" });
  for (const q of ["from=yesterday&to=2024-01-01T00:00:00Z", "from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z", "limit=5", "cursor=nope", "from=2024-01-01T00:00:00Z&to=2024-02-01T00:00:00Z&limit=1001", "from=2024-01-01T00:00:00Z&to=2024-02-01T00:00:00Z&workspaceId=x"]) {
    const r = await worker.request(`/v1/calls?${q}`);
    assert.equal(r.status, 400, q);
    assert.ok(["invalid_query", "invalid_cursor"].includes(r.json().error.code), q);
  }
});

test("an expired Gong cursor is a 400 cursor_expired", async () => {
  const range = "from=2024-01-01T00:00:00Z&to=2024-03-01T00:00:00Z";
  const page = (await workerPaged.request(`/v1/calls?${range}&limit=30`)).json();
  await simPaged.faults([{ kind: "expired-cursor", count: 1 }]);
  const r = await workerPaged.request(`/v1/calls?cursor=${encodeURIComponent(page.cursor)}`);
  assert.equal(r.status, 400);
  assert.equal(r.json().error.code, "cursor_expired");
});

test("429 then success: the Worker waits for Retry-After and tries again", async () => {
  await sim.reset();
  await sim.faults([{ kind: "429", retryAfter: 1, count: 1, path: "extensive" }]);
  const t0 = Date.now();
  const r = await worker.request(`/v1/calls/${ACME}?fresh=true`);
  assert.equal(r.status, 200, r.body);
  assert.ok(Date.now() - t0 >= 900, "waited about a second");
  const log = await sim.log();
  assert.deepEqual(log.filter((e) => e.path.endsWith("extensive")).map((e) => e.status), [429, 200]);
});

test("429 beyond the budget: 503 gong_rate_limited with Gong's Retry-After", async () => {
  await sim.reset();
  await sim.faults([{ kind: "429", retryAfter: 1, count: 3, path: "extensive" }]);
  let r = await worker.request(`/v1/calls/${ACME}?fresh=true&transcript=false`);
  assert.equal(r.status, 503);
  assert.equal(r.json().error.code, "gong_rate_limited");
  assert.equal(r.headers.get("retry-after"), "1");
  assert.equal((await sim.log()).length, 3, "three tries, no more");
  // A Retry-After beyond the 10 s budget answers at once. The gate then
  // holds every Gong request of this Worker for 30 s, so this part uses a
  // Worker (and gate) of its own.
  const paused = await startWorker(sim);
  try {
    await sim.reset();
    await sim.faults([{ kind: "429", retryAfter: 30, count: 1, path: "extensive" }]);
    const t0 = Date.now();
    r = await paused.request(`/v1/calls/${ACME}?fresh=true&transcript=false`);
    assert.equal(r.status, 503);
    assert.equal(r.headers.get("retry-after"), "30");
    assert.ok(Date.now() - t0 < 5000);
    // Everyone waits: the next request does not reach Gong either.
    r = await paused.request(`/v1/calls/${ACME}?fresh=true&transcript=false`);
    assert.equal(r.status, 503);
    assert.equal(r.json().error.code, "gong_rate_limited");
    assert.equal((await sim.log()).length, 1);
  } finally {
    await paused.dispose();
  }
});

test("500 then success; 500 every time is a 502 gong_unavailable", async () => {
  await sim.reset();
  await sim.faults([{ kind: "500", count: 1, path: "transcript" }]);
  let r = await worker.request(`/v1/calls/${ACME}?fresh=true`);
  assert.equal(r.status, 200, r.body);
  await sim.faults([{ kind: "500", count: 3, path: "extensive" }]);
  r = await worker.request(`/v1/calls/${ACME}?fresh=true&transcript=false`);
  assert.equal(r.status, 502);
  assert.equal(r.json().error.code, "gong_unavailable");
});

test("cut connections and bad bodies from Gong are 502s, and the Worker stays up", async () => {
  await sim.reset();
  await sim.faults([{ kind: "cut", count: 3, path: "extensive" }]);
  let r = await worker.request(`/v1/calls/${ACME}?fresh=true&transcript=false`);
  assert.equal(r.status, 502);
  assert.equal(r.json().error.code, "gong_unavailable");
  await sim.faults([{ kind: "truncated", count: 1, path: "extensive" }]);
  r = await worker.request(`/v1/calls/${ACME}?fresh=true&transcript=false`);
  assert.equal(r.status, 502);
  assert.equal(r.json().error.code, "gong_bad_response");
  assert.match(r.json().error.message, /EOF while parsing/);
  await sim.faults([{ kind: "malformed", count: 1, path: "extensive" }]);
  r = await worker.request(`/v1/calls/${ACME}?fresh=true&transcript=false`);
  assert.equal(r.json().error.code, "gong_bad_response");
  r = await worker.request(`/v1/calls/${ACME}?fresh=true`);
  assert.equal(r.status, 200);
});

test("Gong's 401 is a 502 gong_auth_failed that names what to check, not the secrets", async () => {
  const wrong = await startWorker(sim, { bindings: { GONG_API_SECRET: "not-the-secret" } });
  try {
    const r = await wrong.request(`/v1/calls/${ACME}`);
    assert.equal(r.status, 502);
    const e = r.json().error;
    assert.equal(e.code, "gong_auth_failed");
    assert.match(e.message, /GONG_API_KEY.*GONG_API_SECRET.*GONG_BASE_URL/s);
    assert.ok(!r.body.includes("not-the-secret"));
  } finally {
    await wrong.dispose();
  }
});

test("Gong error bodies that echo the Authorization header are redacted", async () => {
  await sim.reset();
  await sim.faults([{ kind: "echo-auth", count: 1, path: "extensive" }]);
  const r = await worker.request(`/v1/calls/${ACME}?fresh=true&transcript=false`);
  assert.equal(r.status, 502);
  assert.equal(r.json().error.code, "gong_bad_request");
  assert.match(r.json().error.message, /Authorization: Basic \[redacted\]/);
});

test("unknown calls are 404 call_not_found; bad ids are 400 before any Gong request", async () => {
  let r = await worker.request("/v1/calls/1234567");
  assert.equal(r.status, 404);
  assert.equal(r.json().error.code, "call_not_found");
  await sim.reset();
  const bad = ["..%2F..%2Fv2%2Fusers", "12%2F34", "12%3Fx%3D1", "%D9%A1%D9%A2%D9%A3", "1".repeat(21), "1".repeat(10000), "-1", "1.5", "%20"];
  for (const id of bad) {
    for (const tail of ["", "/transcript", "/document"]) {
      r = await worker.request(`/v1/calls/${id}${tail}`);
      assert.equal(r.status, 400, `${id}${tail}`);
      assert.equal(r.json().error.code, "invalid_call_id");
    }
  }
  assert.deepEqual(await sim.log(), [], "no Gong request for a bad id");
});

test("ids, queries and cursors cannot change Gong's URL or the shape of its request body", async () => {
  await sim.reset();
  await worker.request(`/v1/calls/${ACME}?fresh=true&format=srt&names=false`);
  const { Buffer } = await import("node:buffer");
  // Cursors are signed: one made up, one of ours with its Gong page token
  // altered, and one of ours with its signature cut are all refused before
  // anything reaches Gong.
  const evil = Buffer.from(JSON.stringify({ from: "2024-01-01T00:00:00Z", to: "2024-02-01T00:00:00Z", page: '","filter":{"callIds":["1"]},"x":"', offset: 0 })).toString("base64url");
  const ours = (await workerPaged.request("/v1/calls?from=2024-01-01T00:00:00Z&to=2024-03-01T00:00:00Z&limit=3")).json().cursor;
  const [payload, tag] = ours.split(".");
  const altered = JSON.parse(Buffer.from(payload, "base64url").toString());
  altered.page = '","filter":{"callIds":["1"]},"x":"';
  for (const cursor of [evil, `${evil}.${tag}`, `${Buffer.from(JSON.stringify(altered)).toString("base64url")}.${tag}`, payload, `${payload}.`]) {
    const r = await worker.request(`/v1/calls?cursor=${encodeURIComponent(cursor)}`);
    assert.equal(r.status, 400, cursor);
    assert.equal(r.json().error.code, "invalid_cursor");
  }
  // Another Worker's (another Gong key's) cursor is refused too.
  const other = await startWorker(simPaged, { bindings: { GONG_API_KEY: "another-key" } });
  try {
    assert.equal((await other.request(`/v1/calls?cursor=${encodeURIComponent(ours)}`)).json().error.code, "invalid_cursor");
  } finally {
    await other.dispose();
  }
  const log = await sim.log();
  // The two requests of one call run concurrently: in either order.
  const call = log.slice(0, 2).sort((a, b) => a.path.localeCompare(b.path));
  assert.equal(log.length, 2, "no Gong request for a refused cursor");
  assert.deepEqual(call.map((e) => e.path), ["/v2/calls/extensive", "/v2/calls/transcript"]);
  assert.deepEqual(Object.keys(call[0].body).sort(), ["contentSelector", "filter"]);
  assert.deepEqual(call[0].body.filter, { callIds: [ACME] });
  assert.deepEqual(call[1].body, { filter: { callIds: [ACME] } });
});

test("tokens: missing, wrong, wrong case, wrong length are 401; none configured is 503", async () => {
  for (const token of [null, "", "wrong", TOKEN.toUpperCase(), TOKEN.slice(1), `${TOKEN}x`, ` ${TOKEN}x`]) {
    for (const path of [`/v1/calls/${ACME}`, "/v1/calls?from=2024-01-01T00:00:00Z&to=2024-02-01T00:00:00Z", "/v1/format"]) {
      const r = await worker.request(path, { token, method: path === "/v1/format" ? "POST" : "GET", body: path === "/v1/format" ? "[]" : undefined });
      assert.equal(r.status, 401, `${token} ${path}`);
      assert.equal(r.json().error.code, "unauthorized");
    }
  }
  const basic = await worker.request(`/v1/calls/${ACME}`, { token: null, headers: { Authorization: `Basic ${TOKEN}` } });
  assert.equal(basic.status, 401);
  const open = await startWorker(sim, { bindings: { GONGKIT_TOKEN: undefined } });
  try {
    const r = await open.request(`/v1/calls/${ACME}`);
    assert.equal(r.status, 503);
    assert.equal(r.json().error.code, "not_configured");
    assert.equal((await open.request("/health")).status, 200);
  } finally {
    await open.dispose();
  }
});

test("without Gong secrets, Gong routes are 503 and /v1/format still works", async () => {
  const noGong = await startWorker(sim, { bindings: { GONG_API_KEY: undefined, GONG_API_SECRET: undefined } });
  try {
    let r = await noGong.request(`/v1/calls/${ACME}`);
    assert.equal(r.status, 503);
    assert.equal(r.json().error.code, "not_configured");
    r = await noGong.request("/v1/format", {
      method: "POST",
      body: fixture("calls/acme-discovery.transcript.json"),
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), { transcript: fixture("expected/acme-discovery.plain.txt") });
  } finally {
    await noGong.dispose();
  }
});

test("POST /v1/format: every body shape, bad JSON, and the 5 MB limit", async () => {
  const extensive = fixture("calls/acme-discovery.extensive.json");
  const transcript = fixture("calls/acme-discovery.transcript.json");
  let r = await worker.request("/v1/format?timestamps=true", {
    method: "POST",
    body: `{"extensive": ${extensive}, "transcript": ${transcript}}`,
  });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json(), JSON.parse(fixture("expected/acme-discovery.call.json")));
  r = await worker.request("/v1/format", { method: "POST", body: extensive });
  assert.equal(r.json().transcript, null);
  assert.equal(r.json().account.name, "Acme Corporation Ltd");
  r = await worker.request("/v1/format?format=srt", { method: "POST", body: transcript });
  const viaGong = await worker.request(`/v1/calls/${ACME}/transcript?format=srt&names=false`);
  assert.equal(r.json().transcript, viaGong.body);
  assert.match(viaGong.body, /^1\n00:00:01,200 --> 00:00:07,450\nSpeaker 6432345678555530067: Hi everyone/);
  r = await worker.request("/v1/format", { method: "POST", body: '{"callTranscripts": [{"transcript": [{"sentences": [{"start": "x"}]}]}]}' });
  assert.equal(r.status, 400);
  assert.deepEqual(r.json().error, { code: "invalid_body", message: 'callTranscripts[0].transcript[0].sentences[0].start: invalid type: string "x", expected i64' });
  r = await worker.request("/v1/format", { method: "POST", body: "{" });
  assert.equal(r.status, 400);
  r = await worker.request("/v1/format", { method: "POST", body: "x".repeat(5 * 1024 * 1024 + 1) });
  assert.equal(r.status, 413);
  assert.equal(r.json().error.code, "payload_too_large");
  r = await worker.request("/v1/format", { method: "GET" });
  assert.equal(r.status, 405);
  assert.equal(r.headers.get("allow"), "POST");
});

test("the two Gong requests of one call overlap in time", async () => {
  // The gate lets 3 requests start in any 1.25 s: let the earlier tests'
  // requests leave its window, so both of this call's may start at once.
  await new Promise((r) => setTimeout(r, 1500));
  await sim.reset();
  await sim.faults([{ kind: "delay", ms: 300, count: 2 }]);
  const r = await worker.request(`/v1/calls/${ACME}?fresh=true`);
  assert.equal(r.status, 200);
  // The simulator's own clock: each request held 300 ms, and they overlap.
  const [a, b] = await sim.log();
  assert.ok(a && b, "two requests");
  assert.notEqual(a.path, b.path);
  assert.ok(a.start < b.end && b.start < a.end, `overlap: ${JSON.stringify([a, b])}`);
});

/** Requests `path` until it is answered from the cache (caching happens after the answer is sent). */
async function warm(w, path) {
  for (let i = 0; i < 100; i++) {
    const r = await w.request(path);
    if (r.headers.get("x-gongkit-cache") === "hit") return r;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${path} never came from the cache`);
}

for (const kv of [true, false]) {
  test(`a second identical request is a cache hit without a Gong request (${kv ? "Workers KV" : "Cache API"})`, async () => {
    const w = kv ? worker : await startWorker(sim, { kv: false });
    try {
      await sim.reset();
      const path = `/v1/calls/${IMPORTED}?format=markdown`;
      const first = await w.request(`${path}&fresh=true`);
      assert.equal(first.status, 200);
      assert.equal(first.headers.get("x-gongkit-cache"), "miss");
      assert.equal((await sim.log()).length, 2);
      await warm(w, path);
      await sim.reset();
      const second = await w.request(path);
      assert.equal(second.status, 200);
      assert.equal(second.headers.get("x-gongkit-cache"), "hit");
      assert.equal(second.body, first.body);
      // Other formatting options cost nothing either.
      const third = await w.request(`/v1/calls/${IMPORTED}/transcript?format=webvtt`);
      assert.equal(third.headers.get("x-gongkit-cache"), "hit");
      assert.deepEqual(await sim.log(), [], "no Gong request");
      // The cache never answers a caller without a valid token.
      assert.equal((await w.request(path, { token: "nope" })).status, 401);
      // A kept text answer (its head in the entry's tag), handed on as it
      // was kept: one chunk with its header, and every chunk as JSON.
      for (const query of ["maxChars=200&chunk=1", "maxChars=200"]) {
        const p = `/v1/calls/${ACME}/transcript?${query}`;
        const made = await w.request(`${p}&fresh=true`);
        assert.equal(made.status, 200, made.body);
        await warm(w, p);
        const kept = await w.request(p);
        assert.equal(kept.headers.get("x-gongkit-cache"), "hit", query);
        assert.equal(kept.body, made.body, query);
        for (const h of ["content-type", "x-gongkit-chunk"]) assert.equal(kept.headers.get(h), made.headers.get(h), `${query}: ${h}`);
        const head = await w.request(p, { method: "HEAD" });
        assert.equal(head.status, 200);
        assert.equal(head.body, "", "HEAD: no body");
      }
    } finally {
      if (!kv) await w.dispose();
    }
  });
}

test("errors are never cached", async () => {
  await sim.reset();
  await sim.faults([{ kind: "500", count: 3, path: "extensive" }]);
  const id = "5500000000000000001";
  assert.equal((await worker.request(`/v1/calls/${id}?transcript=false`)).status, 502);
  const r = await worker.request(`/v1/calls/${id}?transcript=false`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("x-gongkit-cache"), "miss");
});

test("CORS: listed origins get a preflight and headers; others do not", async () => {
  const ok = await worker.request("/v1/calls", { method: "OPTIONS", token: null, headers: { Origin: "https://app.example.com", "Access-Control-Request-Method": "GET" } });
  assert.equal(ok.status, 204);
  assert.equal(ok.headers.get("access-control-allow-origin"), "https://app.example.com");
  assert.match(ok.headers.get("access-control-allow-headers"), /Authorization/);
  const other = await worker.request("/v1/calls", { method: "OPTIONS", token: null, headers: { Origin: "https://evil.example" } });
  assert.equal(other.headers.get("access-control-allow-origin"), null);
  const r = await worker.request(`/v1/calls/${ACME}`, { headers: { Origin: "https://app.example.com" } });
  assert.equal(r.headers.get("access-control-allow-origin"), "https://app.example.com");
});

test("query mistakes are 400 with the parameter named", async () => {
  for (const [q, pattern] of [["fromat=srt", /unknown query parameter "fromat"/], ["format=docx", /invalid format/], ["timestamps=maybe", /timestamps="maybe"/], ["chunk=1", /chunk needs maxChars/], ["maxChars=0", /maxChars/]]) {
    const r = await worker.request(`/v1/calls/${ACME}/transcript?${q}`);
    assert.equal(r.status, 400, q);
    assert.match(r.json().error.message, pattern, q);
  }
  const r = await worker.request("/v2/calls/extensive", { method: "POST" });
  assert.equal(r.status, 404);
});

test("no answer of this suite holds a secret", () => {
  assert.ok(seen.length > 100, `${seen.length} answers`);
  for (const answer of seen) {
    const text = answer.body + JSON.stringify(answer.headers);
    for (const secret of SECRETS) assert.ok(!text.includes(secret), `${answer.path} leaks a secret`);
  }
});
