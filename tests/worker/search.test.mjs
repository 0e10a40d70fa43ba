// Search, accounts and export over the call library, under Miniflare with
// D1, the sync and the gate, against thousands of generated calls whose
// names and text hold accents, Chinese and Japanese, and punctuation.
// What /v1/search finds is compared with a plain scan of the simulator's
// raw JSON (search-reference.mjs) for 50 generated queries of every form.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startSim, startWorker, migratedDatabase, TOKEN, syncDone, storedCalls } from "./harness.mjs";
import { document, fold, matches, parseQuery, termIn, words } from "./search-reference.mjs";
import { customerDomain, mergedKeys } from "./accounts-reference.mjs";

const FROM = "2024-01-01T00:00:00Z";
const TO = "2024-07-01T00:00:00Z";
const CALLS = 2000;
/** A search scores at most this many matches (worker/src/library.rs). */
const RANK_BOUND = 1001;
let sim, worker;
/** The library's calls as the reference sees them, by id. */
const docs = new Map();
/** The simulator's private calls. */
const privateIds = new Set();

const synced = (w, since = null) => syncDone((p) => w.request(p), since);

/** Every line of an export, parsed, following its cursor (with transcripts in
 * R2 a page holds at most 500 calls). */
async function exportAll(w, query = "") {
  const lines = [];
  let since = "";
  for (;;) {
    const r = await w.request(`/v1/export?limit=10000${query}${since}`);
    assert.equal(r.status, 200, r.body);
    assert.match(r.headers.get("content-type"), /application\/x-ndjson/);
    const page = r.body.trimEnd().split("\n").map((l) => JSON.parse(l));
    const last = page.pop();
    assert.equal(last.cursor, r.headers.get("x-gongkit-cursor"), "the last line carries the header's cursor");
    lines.push(...page);
    if (!last.more) return { lines, cursor: last.cursor, last };
    since = `&since=${encodeURIComponent(last.cursor)}`;
  }
}

/** All hits of a search, following cursors. */
async function searchAll(params) {
  const ids = [];
  const query = parseQuery(params.q);
  /** Each quoted turn holds a term of the query, said by the side asked for. */
  const checkTurns = (hits) => {
    for (const hit of hits) {
      for (const turn of hit.turns) {
        const said = words(turn.text.replaceAll("**", "").replaceAll("…", ""));
        assert.ok(query.all.flat().some((term) => termIn(term, said)), `${params.q}: ${turn.text}`);
        if (params.speaker) assert.equal(turn.affiliation === "Internal", params.speaker === "internal", JSON.stringify(turn));
      }
    }
  };
  const q = new URLSearchParams({ ...params, limit: "100" });
  let page = await worker.request(`/v1/search?${q}`);
  assert.equal(page.status, 200, `${q}: ${page.body}`);
  let body = page.json();
  const count = body.count;
  for (;;) {
    for (let i = 1; i < body.hits.length; i++) assert.ok(body.hits[i - 1].score >= body.hits[i].score, "best first");
    ids.push(...body.hits.map((h) => h.callId));
    checkTurns(body.hits);
    if (!body.cursor) break;
    const next = new URLSearchParams({ ...params, limit: "100", cursor: body.cursor });
    page = await worker.request(`/v1/search?${next}`);
    assert.equal(page.status, 200, page.body);
    body = page.json();
  }
  return { ids, count };
}

before(async () => {
  sim = await startSim({ generate: CALLS, args: ["--variety", "--seed", "11", "--from", FROM, "--to", TO, "--private-percent", "3"] });
  worker = await startWorker(sim, { library: await migratedDatabase(), http: true, bindings: { INTERNAL_DOMAINS: "seller.io" } });
  const started = await worker.request("/v1/sync", { method: "POST", body: JSON.stringify({ from: FROM, to: TO }) });
  assert.equal(started.status, 202, started.body);
  await synced(worker);
  // The reference reads the simulator's raw JSON of every call the library
  // should hold (listed by Gong, not private, in the range); only the
  // account name (the core's derivation, tested apart) comes from the export.
  const { lines } = await exportAll(worker);
  const accounts = new Map(lines.filter((l) => !l.deleted).map((l) => [l.id, l.account?.name]));
  const stored = new Set((await storedCalls(sim, FROM, TO)).map((c) => c.id));
  for (const c of (await sim.calls("?raw=true")).calls) {
    if (c.isPrivate) privateIds.add(c.id);
    if (stored.has(c.id)) docs.set(c.id, document(c, accounts.get(c.id)));
  }
  assert.deepEqual([...accounts.keys()].sort(), [...docs.keys()].sort(), "the export holds every call the library should");
  // The library's account merge (accounts-reference.mjs); the per-call
  // name stays the core's, as the export gives it.
  const raws = new Map((await sim.calls("?raw=true")).calls.map((c) => [c.id, c]));
  const exported = lines.filter((l) => !l.deleted);
  const merged = mergedKeys(exported.map((l) => ({ id: l.id, account: l.account, extensive: raws.get(l.id).extensive })));
  for (const d of docs.values()) {
    d.domain = customerDomain(raws.get(d.id).extensive);
    d.ownKey = d.accountKey;
    d.accountKey = merged.get(d.id);
  }
});

after(async () => {
  await worker?.dispose();
  await sim?.stop();
});

/** A seeded generator, so a failure can be run again. */
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function queries() {
  const random = rng(20261126);
  const pick = (xs) => xs[Math.floor(random() * xs.length)];
  const all = [...docs.values()];
  const tokens = new Map();
  for (const d of all) for (const t of new Set(Object.values(d.fields).flat())) tokens.set(t, (tokens.get(t) ?? 0) + 1);
  // Words in some calls but not most, so sets are neither empty nor everything.
  const mid = [...tokens].filter(([t, n]) => n >= 3 && n < all.length * 0.6 && /\p{Script=Latin}/u.test(t)).map(([t]) => t);
  const rare = [...tokens].filter(([t, n]) => n >= 1 && n < 3 && t.length > 3).map(([t]) => t);
  const cjk = [];
  for (const d of all.slice(0, 300)) {
    const ts = [...d.fields.external, ...d.fields.internal, ...d.fields.title];
    for (let i = 0; i + 1 < ts.length; i++) if (/\p{Script=Han}|\p{Script=Hiragana}|\p{Script=Katakana}/u.test(ts[i] + ts[i + 1]) && ts[i].length === 1 && ts[i + 1].length === 1) cjk.push(ts[i] + ts[i + 1]);
  }
  const phrase = () => {
    const d = pick(all);
    const ts = pick([d.fields.external, d.fields.internal, d.fields.title].filter((f) => f.length > 3));
    const i = Math.floor(random() * (ts.length - 2));
    return `"${ts.slice(i, i + 2 + Math.floor(random() * 2)).join(" ")}"`;
  };
  const shout = (w) => (random() < 0.3 ? w.toUpperCase() : w);
  const accounts = [...new Set(all.map((d) => d.fields.account.join(" ")).filter(Boolean))];
  const people = all.flatMap((d) => d.parties);
  const forms = [
    () => ({ q: shout(pick(mid)) }),
    () => ({ q: `${pick(mid)} ${pick(mid)}` }),
    () => ({ q: phrase() }),
    () => ({ q: `${pick(mid.filter((w) => w.length >= 5)).slice(0, 4)}*` }),
    () => ({ q: `${pick(rare)} OR ${pick(rare)}` }),
    () => ({ q: `${pick(mid)} -${pick(mid)}` }),
    () => ({ q: pick(cjk) }),
    () => ({ q: pick(["jose", "JOSÉ", "muller", "Müller", "zoe", "francois", "lefevre", "Łukasz", "nguyen", "sao"]) }),
    () => ({ q: pick(mid), from: "2024-02-01T00:00:00Z", to: "2024-04-15T00:00:00Z" }),
    () => ({ q: pick(mid), account: pick(accounts) }),
    () => {
      const p = pick(people.filter((x) => x.email));
      return { q: pick(mid), participant: random() < 0.5 ? p.email.toUpperCase() : p.nameKey.split(" ")[0] };
    },
    () => ({ q: pick(mid), speaker: pick(["internal", "external"]) }),
    () => ({ q: `${phrase()} OR ${pick(rare)} -${pick(rare)}`, speaker: "external" }),
  ];
  const generated = Array.from({ length: 49 }, (_, i) => forms[i % forms.length]());
  // And one that matches more than the count's cap.
  return [...generated, { q: "okay OR right OR thanks OR pricing OR hi OR email" }];
}

test("50 generated queries find exactly what a plain scan of the same calls finds", async () => {
  let nonEmpty = 0;
  let sawCap = false;
  for (const params of queries()) {
    const expected = [...docs.values()].filter((d) => matches(d, parseQuery(params.q), params)).map((d) => d.id).sort();
    const { ids, count } = await searchAll(params);
    if (expected.length > RANK_BOUND) {
      // Ranking is bounded: the best of the 1,001 matches written last.
      assert.equal(ids.length, RANK_BOUND, `search ${JSON.stringify(params)}`);
      const all = new Set(expected);
      assert.ok(ids.every((id) => all.has(id)), `search ${JSON.stringify(params)}: only matches`);
    } else assert.deepEqual([...ids].sort(), expected, `search ${JSON.stringify(params)}`);
    assert.equal(new Set(ids).size, ids.length, "a call appears once");
    assert.equal(count, expected.length > 1000 ? "1000+" : expected.length, `count of ${JSON.stringify(params)}`);
    assert.ok(!ids.some((id) => privateIds.has(id)), "private calls never appear");
    if (expected.length) nonEmpty++;
    if (expected.length > 1000) sawCap = true;
  }
  assert.ok(nonEmpty >= 40, `${nonEmpty} of 50 queries found calls`);
  assert.ok(sawCap, "one query matched more than 1000 calls");
});

test("accents, case and Japanese without spaces are matched; hits quote turns, marked and timed", async () => {
  const jose = (await worker.request("/v1/search?q=jose&limit=5")).json();
  assert.ok(jose.hits.length > 0);
  const text = JSON.stringify(jose.hits);
  assert.match(text, /\*\*José\*\*/, "the accented form is what is marked");
  const japanese = (await worker.request(`/v1/search?q=${encodeURIComponent("調達")}&limit=100`)).json();
  const quoted = japanese.hits.flatMap((h) => h.turns).map((t) => t.text);
  assert.ok(quoted.some((t) => t.includes("**調達**を担当")), "found inside 調達を担当");
  for (const hit of japanese.hits) {
    assert.deepEqual(Object.keys(hit).sort(), ["account", "callId", "score", "started", "title", "turns"]);
    assert.match(hit.callId, /^\d+$/);
    assert.match(hit.started, /^2024-0[1-6]-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(hit.turns.length <= 3);
    for (const turn of hit.turns) {
      assert.match(turn.at, /^(\d+:)?\d\d:\d\d$/);
      assert.equal(typeof turn.startMs, "number");
      assert.ok(["Internal", "External", "Unknown", null].includes(turn.affiliation));
      assert.ok(turn.text.includes("**"), turn.text);
    }
  }
});

test("a phrase does not match across two turns, participants or key points", async () => {
  // The last word of one external turn and the first of the next, in some call.
  const d = [...docs.values()].find((x) => x.fields.external.includes("\uE000"));
  const i = d.fields.external.indexOf("\uE000");
  const q = `"${d.fields.external[i - 1]} ${d.fields.external[i + 1]}"`;
  const expected = [...docs.values()].filter((x) => matches(x, parseQuery(q), {})).map((x) => x.id).sort();
  const { ids } = await searchAll({ q });
  assert.deepEqual(ids.sort(), expected);
  // The two words do stand next to each other once the boundary is ignored.
  const naive = d.fields.external.filter((t) => t !== "\uE000");
  assert.ok(naive.some((t, k) => t === d.fields.external[i - 1] && naive[k + 1] === d.fields.external[i + 1]));
  assert.equal(ids.includes(d.id), matches(d, parseQuery(q), {}), "the call is found only if the phrase is within one turn");
});

test("title and account matches rank above transcript matches", async () => {
  const r = (await worker.request("/v1/search?q=renewal&limit=20")).json();
  const titled = (h) => words(h.title).includes("renewal");
  assert.ok(r.hits.length > 0);
  assert.ok(titled(r.hits[0]), `first hit: ${r.hits[0].title}`);
  // A call matched in its transcript alone ranks above a title match only
  // when it says the word again and again (bm25: the long fixture calls).
  const lastTitled = r.hits.findLastIndex(titled);
  for (const h of r.hits.slice(0, lastTitled).filter((h) => !titled(h))) {
    const said = h.turns.map((t) => t.text.match(/\*\*[^*]+\*\*/g)?.length ?? 0).reduce((a, b) => a + b, 0);
    assert.ok(said >= 3, `${h.title} ranks above a title match, having the word ${said} times in its turns`);
  }
});

test("hostile queries: a result or a 400, never a 500, and the library unchanged", async () => {
  const before = (await worker.request("/v1/sync")).json().callsInLibrary;
  const hostile = [
    'NEAR(pricing security, 5)', "title:pricing", "^pricing", '"pricing', 'pricing"', '"', "*", "**", "pricing AND NOT security",
    "pricing NOT", "AND", "OR", "NOT", "( )", "(pricing", "{title}: pricing", "pricing:*", "x".repeat(10_000), "pricing ".repeat(40),
    "\u0000\u0001\u0007", "pricing\u0000security", "👍", "🔥 pricing 🔥", "'; DROP TABLE calls; --", "1' OR '1'='1", "\" OR 1=1 --",
    "calls_fts MATCH 'x'", "%", "_", "\\", "\\\"", "-", "-pricing", "--pricing", "- -", "pri\u0301cing", "ＰＲＩＣＩＮＧ", "\u202epricing",
  ];
  for (const q of hostile) {
    const r = await worker.request(`/v1/search?q=${encodeURIComponent(q)}`);
    assert.ok(r.status === 200 || r.status === 400, `${JSON.stringify(q.slice(0, 40))}: ${r.status} ${r.body.slice(0, 200)}`);
    if (r.status === 400) {
      assert.match(r.json().error.code, /^invalid_query$/);
      assert.ok(r.json().error.message.length > 10);
    }
  }
  const emptyish = await worker.request(`/v1/search?q=${encodeURIComponent('^ * "')}`);
  assert.equal(emptyish.status, 400);
  assert.match(emptyish.json().error.message, /no word to search for/);
  const excludedOnly = await worker.request("/v1/search?q=-pricing");
  assert.match(excludedOnly.json().error.message, /only excludes/);
  const width = (await worker.request(`/v1/search?q=${encodeURIComponent("ＰＲＩＣＩＮＧ")}`)).json();
  assert.equal(width.count, (await worker.request("/v1/search?q=pricing")).json().count, "full-width letters are letters");
  assert.equal((await worker.request("/v1/sync")).json().callsInLibrary, before);
  assert.ok((await worker.request("/v1/search?q=pricing")).json().hits.length > 0, "search still works");
});

test("bad parameters and cursors are refused, saying what was wrong", async () => {
  const cases = [
    ["/v1/search", /q is required/],
    ["/v1/search?q=a&limit=101", /limit=101: expected a whole number from 1 to 100/],
    ["/v1/search?q=a&speaker=both", /invalid speaker: expected one of internal, external, got "both"/],
    ["/v1/search?q=a&from=yesterday", /invalid date "yesterday"/],
    ["/v1/search?q=a&from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z", /from must be before to/],
    ["/v1/search?q=a&account=%20%2C", /invalid account: has no letters or digits/],
    ["/v1/search?q=a&sort=date", /unknown query parameter "sort"/],
    ["/v1/search?q=a&cursor=forged", /cursor/],
    ["/v1/accounts?limit=0", /limit=0/],
    ["/v1/export?since=forged", /cursor/],
    ["/v1/export?limit=10001", /limit=10001/],
  ];
  for (const [path, message] of cases) {
    const r = await worker.request(path);
    assert.equal(r.status, 400, `${path}: ${r.body}`);
    assert.match(r.json().error.message, message, path);
  }
  const first = (await worker.request("/v1/search?q=pricing&limit=2")).json();
  const other = await worker.request(`/v1/search?q=security&limit=2&cursor=${encodeURIComponent(first.cursor)}`);
  assert.equal(other.status, 400);
  assert.match(other.json().error.message, /belongs to another search/);
  const unauthorized = await worker.request("/v1/search?q=pricing", { token: null });
  assert.equal(unauthorized.status, 401);
});

test("accounts: calls, first and last call, people met; an account's calls newest first", async () => {
  const listing = (await worker.request("/v1/accounts?limit=1000")).json();
  const expected = new Map();
  for (const d of docs.values()) {
    if (!d.accountKey) continue;
    const a = expected.get(d.accountKey) ?? { calls: 0, first: Infinity, last: -Infinity };
    a.calls++;
    a.first = Math.min(a.first, d.started);
    a.last = Math.max(a.last, d.started);
    expected.set(d.accountKey, a);
  }
  assert.equal(listing.count, expected.size);
  for (let i = 1; i < listing.accounts.length; i++) assert.ok(listing.accounts[i - 1].lastCall >= listing.accounts[i].lastCall, "most recent first");
  for (const a of listing.accounts) {
    const e = expected.get(fold(a.name));
    assert.ok(e, a.name);
    assert.equal(a.calls, e.calls, a.name);
    assert.equal(Date.parse(a.firstCall), Math.floor(e.first / 1000) * 1000, a.name);
    assert.ok(a.people.length > 0 && a.people.every((p) => p.name || p.email));
  }
  const some = listing.accounts.find((a) => a.calls > 3);
  const q = (await worker.request(`/v1/accounts?q=${encodeURIComponent(some.name.toUpperCase().slice(0, 5))}`)).json();
  assert.ok(q.accounts.some((a) => a.name === some.name), "q matches part of the name, ignoring case");
  const path = `/v1/accounts/${encodeURIComponent(some.name.toUpperCase())}/calls?limit=2`;
  let page = (await worker.request(path)).json();
  const ids = [...page.calls.map((c) => c.id)];
  while (page.cursor) {
    page = (await worker.request(`${path}&cursor=${encodeURIComponent(page.cursor)}`)).json();
    ids.push(...page.calls.map((c) => c.id));
  }
  const theirs = [...docs.values()].filter((d) => d.accountKey === fold(some.name)).sort((a, b) => b.started - a.started || (b.id < a.id ? -1 : 1));
  assert.deepEqual(ids, theirs.map((d) => d.id));
  const none = (await worker.request("/v1/accounts/No%20Such%20Customer/calls")).json();
  assert.deepEqual([none.count, none.calls], [0, []]);
  // Page after page (the cursor is the last account's last call and
  // name): the same accounts, once each, in the same order.
  const paged = [];
  let p = (await worker.request("/v1/accounts?limit=3")).json();
  paged.push(...p.accounts);
  while (p.cursor) {
    p = (await worker.request(`/v1/accounts?limit=3&cursor=${encodeURIComponent(p.cursor)}`)).json();
    paged.push(...p.accounts);
  }
  assert.deepEqual(paged, listing.accounts);
  // A range: the accounts met in it, counted in it.
  const [from, to] = ["2024-03-01T00:00:00Z", "2024-05-01T00:00:00Z"];
  const inRange = (await worker.request(`/v1/accounts?limit=1000&from=${from}&to=${to}`)).json();
  const ranged = new Map();
  for (const d of docs.values()) {
    if (d.accountKey && d.started >= Date.parse(from) && d.started < Date.parse(to)) ranged.set(d.accountKey, (ranged.get(d.accountKey) ?? 0) + 1);
  }
  assert.deepEqual(new Map(inRange.accounts.map((a) => [fold(a.name), a.calls])), ranged);
});

test("accounts: a customer met with and without CRM context is one account", async () => {
  const listing = (await worker.request("/v1/accounts?limit=1000")).json();
  const names = listing.accounts.map((a) => a.name);
  // The simulator names acme.com's customer "Acme Corporation Ltd" in the
  // CRM (on about a third of its calls) and "Acme" from email otherwise.
  const acme = [...docs.values()].filter((d) => d.domain === "acme.com");
  const byEmail = acme.filter((d) => d.ownKey === "acme");
  assert.ok(byEmail.length > 0 && byEmail.length < acme.length, `${byEmail.length} of ${acme.length} acme.com calls named from email`);
  // Its account (as the reference merges): every acme.com call among them.
  const theirs = [...docs.values()].filter((d) => d.accountKey === "acme corporation ltd");
  const ids = new Set(theirs.map((d) => d.id));
  assert.ok(acme.every((d) => ids.has(d.id)), "every acme.com call, with and without CRM context");
  const merged = listing.accounts.find((a) => a.name === "Acme Corporation Ltd");
  assert.equal(merged.calls, theirs.length);
  assert.ok(!names.includes("Acme"), `no account apart for Acme by email: ${names.join(", ")}`);
  // acme.co.uk is another customer (its CRM name: Acme UK Ltd), though its
  // email name is "Acme" too.
  assert.ok(names.includes("Acme UK Ltd"));
  // Without any CRM context for a domain, the email name stays.
  assert.ok(names.includes("Initech") && names.includes("Hooli"));
  // The account's calls and the search filter see the merge too.
  const page = (await worker.request("/v1/accounts/Acme%20Corporation%20Ltd/calls?limit=1000")).json();
  assert.deepEqual(page.calls.map((c) => c.id).sort(), [...ids].sort());
  const some = byEmail[0];
  assert.equal(page.calls.find((c) => c.id === some.id).account.name, "Acme", "the call itself keeps the name the core derives");
  const found = await searchAll({ q: "acme", account: "Acme Corporation Ltd" });
  assert.ok(found.ids.every((id) => ids.has(id)), "only the account's calls");
  assert.ok(byEmail.every((d) => found.ids.includes(d.id)), "the account filter finds the calls named from email too");
});

test("MCP: search_calls, list_accounts and get_account_calls through the official SDK client", async () => {
  const client = new Client({ name: "gongkit-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL("/mcp", worker.url), { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } }));
  try {
    const { tools } = await client.listTools();
    for (const name of ["search_calls", "list_accounts", "get_account_calls"]) assert.ok(tools.some((t) => t.name === name), name);
    let r = await client.callTool({ name: "search_calls", arguments: { q: "調達", speaker: "external", limit: 3 } });
    assert.ok(!r.isError, JSON.stringify(r));
    const found = JSON.parse(r.content[0].text);
    assert.equal(found.hits.length, 3);
    assert.ok(found.hits[0].turns[0].text.includes("**調"));
    const rest = (await worker.request(`/v1/search?q=${encodeURIComponent("調達")}&speaker=external&limit=3`)).json();
    assert.deepEqual(found.hits.map((h) => h.callId), rest.hits.map((h) => h.callId), "the tool and the route are one service");
    r = await client.callTool({ name: "search_calls", arguments: { q: "^" } });
    assert.equal(r.isError, true);
    assert.match(r.content[0].text, /no word to search for/);
    r = await client.callTool({ name: "list_accounts", arguments: { limit: 5 } });
    const accounts = JSON.parse(r.content[0].text);
    assert.equal(accounts.accounts.length, 5);
    r = await client.callTool({ name: "get_account_calls", arguments: { account: accounts.accounts[0].name, limit: 3 } });
    const calls = JSON.parse(r.content[0].text);
    assert.ok(calls.calls.length > 0);
    for (const c of calls.calls) assert.equal(fold(c.account), fold(accounts.accounts[0].name), "names are compared folded");
    r = await client.callTool({ name: "find_calls_by_account", arguments: { account: accounts.accounts[0].name, from: FROM, to: TO } });
    const byAccount = JSON.parse(r.content[0].text);
    assert.equal(byAccount.source, "library", "find_calls_by_account answers from the library when it covers the range");
    assert.ok(byAccount.calls.length > 0);
    r = await client.callTool({ name: "find_calls_by_account", arguments: { account: accounts.accounts[0].name, from: "2023-01-01T00:00:00Z", to: TO } });
    assert.equal(JSON.parse(r.content[0].text).source, "gong");
    assert.match(r.content[1].text, /searched Gong live because the call library covers 2024-01-01/);
  } finally {
    await client.close();
  }
});
