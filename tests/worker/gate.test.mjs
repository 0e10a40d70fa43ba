// The Gong gate: one Durable Object per tenant that every Gong request
// asks first. Under Miniflare with the simulator enforcing Gong's own
// limit (3 requests a second, 429 beyond): the daily budget refuses request
// 51 of 50 with 503 gong_quota_exhausted and a Retry-After until the reset,
// cached calls are still served, and 50 concurrent fresh requests never
// put more than 3 Gong requests in one second.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSim, startWorker } from "./harness.mjs";

let sim;

before(async () => {
  sim = await startSim({ args: ["--rate-limit", "3"] });
});

after(async () => {
  await sim?.stop();
});

const ids = async (n) => (await sim.calls()).calls.filter((c) => c.visible && !c.isPrivate).slice(0, n).map((c) => c.id);

test("GONG_DAILY_BUDGET=50: request 51 is refused until the reset; cached calls are still served", async () => {
  const worker = await startWorker(sim, { bindings: { GONG_DAILY_BUDGET: "50" } });
  try {
    await sim.reset();
    const calls = await ids(26);
    for (const id of calls.slice(0, 25)) {
      const r = await worker.request(`/v1/calls/${id}?fresh=true`);
      assert.equal(r.status, 200, r.body);
    }
    assert.equal((await sim.stats()).requests, 50, "two Gong requests per call");
    let quota = (await worker.request("/v1/quota")).json();
    assert.deepEqual(quota.used, { demand: 50, sync: 0 });
    assert.deepEqual(quota.left, { demand: 0, sync: 0 });
    const refused = await worker.request(`/v1/calls/${calls[25]}`);
    assert.equal(refused.status, 503, refused.body);
    assert.equal(refused.json().error.code, "gong_quota_exhausted");
    const retryAfter = Number(refused.headers.get("retry-after"));
    assert.ok(retryAfter > 0 && retryAfter <= 86_400, `Retry-After ${retryAfter}`);
    assert.ok(Math.abs(retryAfter - quota.resetsInSeconds) <= 2);
    assert.equal((await sim.stats()).requests, 50, "request 51 never reached Gong");
    // Calls fetched before are still served, from the cache.
    await new Promise((r) => setTimeout(r, 200));
    const cached = await worker.request(`/v1/calls/${calls[0]}`);
    assert.equal(cached.status, 200, cached.body);
    assert.equal(cached.headers.get("x-gongkit-source"), "cache");
    quota = (await worker.request("/v1/quota")).json();
    assert.equal(quota.used.demand, 50);
  } finally {
    await worker.dispose();
  }
});

test("50 concurrent fresh requests: the simulator never sees more than 3 Gong requests in a second", { timeout: 120_000 }, async () => {
  // A simulator of its own: no connection of an earlier test's Worker is
  // left in its queue to make a request arrive later than it was sent.
  const sim = await startSim({ args: ["--rate-limit", "3"] });
  const worker = await startWorker(sim);
  try {
    const calls = (await sim.calls()).calls.filter((c) => c.visible && !c.isPrivate).slice(0, 50).map((c) => c.id);
    const answers = await Promise.all(calls.map((id) => worker.request(`/v1/calls/${id}?fresh=true&transcript=false`)));
    const stats = await sim.stats();
    const starts = (await sim.log()).map((e) => e.start).sort((a, b) => a - b);
    assert.ok(stats.maxPerSecond <= 3, `max ${stats.maxPerSecond} Gong requests in one second: ${JSON.stringify(starts.map((t) => Math.round(t - starts[0])))}`);
    assert.equal(stats.rateLimited, 0, "Gong never had to say 429");
    for (const a of answers) {
      assert.ok(a.status === 200 || (a.status === 503 && a.json().error.code === "gong_rate_limited" && a.headers.get("retry-after")), `${a.status} ${a.body}`);
    }
    const served = answers.filter((a) => a.status === 200).length;
    process.stderr.write(`gate: 50 concurrent fresh calls: ${served} answered within the 10 s wait budget, ${50 - served} told to retry; ${stats.requests} Gong requests, at most ${stats.maxPerSecond} in a second\n`);
    assert.ok(served >= 25, `only ${served} answered`);
  } finally {
    await worker.dispose();
    await sim.stop();
  }
});

test("a 429 from Gong pauses everyone for its Retry-After", async () => {
  const worker = await startWorker(sim);
  try {
    await sim.reset();
    const [a, b] = await ids(2);
    await sim.faults([{ kind: "429", retryAfter: 2, count: 1, path: "extensive" }]);
    const t0 = Date.now();
    const first = await worker.request(`/v1/calls/${a}?fresh=true&transcript=false`);
    assert.equal(first.status, 200, first.body);
    const second = await worker.request(`/v1/calls/${b}?fresh=true&transcript=false`);
    assert.equal(second.status, 200);
    assert.ok(Date.now() - t0 >= 1900, "waited for Retry-After");
    const usage = (await worker.request("/v1/quota")).json();
    assert.equal(usage.used.demand, 3, "the retry took a permit too");
  } finally {
    await worker.dispose();
  }
});
