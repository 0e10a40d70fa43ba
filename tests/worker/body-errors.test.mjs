// A JSON body's mistakes are `invalid_body`, a query string's `invalid_query`,
// and both name gongkit's own fields (`from`, `to`), never Gong's
// (`fromDateTime`, `toDateTime`). Miniflare with D1 and the sync, against
// the simulator.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSim, startWorker, migratedDatabase } from "./harness.mjs";

let sim, worker;
before(async () => {
  sim = await startSim({ generate: 10 });
  worker = await startWorker(sim, { library: await migratedDatabase() });
});
after(async () => {
  await worker?.dispose();
  await sim?.stop();
});

const sync = (body) => worker.request("/v1/sync", { method: "POST", body });

test("POST /v1/sync: each kind of bad body is 400 invalid_body naming the field in gongkit's words", async () => {
  const cases = [
    ["not json", /body must be JSON/],
    [JSON.stringify([1, 2]), /JSON object/],
    [JSON.stringify({ from: "2024-01-01" }), /\bto\b.*required/],
    [JSON.stringify({ from: "yesterday", to: "2024-02-01" }), /from "yesterday"/],
    [JSON.stringify({ from: "2024-03-01", to: "2024-02-01" }), /to "2024-02-0[12][^"]*" is not after from "2024-03-01[^"]*"/],
    [JSON.stringify({ from: "2024-01-01", to: "2024-02-01", days: 3 }), /unknown argument "days"/],
  ];
  for (const [body, message] of cases) {
    const r = await sync(body);
    assert.equal(r.status, 400, `${body}: ${r.body}`);
    const e = r.json().error;
    assert.equal(e.code, "invalid_body", `${body}: ${r.body}`);
    assert.match(e.message, message, body);
    assert.doesNotMatch(e.message, /DateTime/, `${body}: Gong's names leaked: ${e.message}`);
  }
  const ok = await sync(JSON.stringify({ from: "2024-01-01", to: "2024-02-01" }));
  assert.equal(ok.status, 202, ok.body);
});

test("GET /v1/calls: a bad range in the query is 400 invalid_query in gongkit's words", async () => {
  const r = await worker.request("/v1/calls?from=2024-03-01&to=2024-02-01");
  assert.equal(r.status, 400, r.body);
  assert.equal(r.json().error.code, "invalid_query");
  assert.match(r.json().error.message, /to "2024-02-0[12][^"]*" is not after from "2024-03-01[^"]*"/);
  assert.doesNotMatch(r.body, /DateTime/);
});
