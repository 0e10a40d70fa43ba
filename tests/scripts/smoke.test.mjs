// A smoke run of every script the README names (scripts/test is the runner
// itself): each with a handful of requests or iterations, on 127.0.0.1
// only, asserting it exits 0 and prints its figures. The full runs stay out
// of CI. scripts/deploy's own run is tests/deploy/deploy.test.mjs (a fake
// wrangler); here only its --help. Needs what scripts/test builds first:
// the Worker and the simulator.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Runs scripts/<name> with args and extra env; resolves to its output (stdout then stderr) once it exits 0. */
function script(name, args = [], env = {}, timeout = 180_000) {
  return new Promise((resolve, reject) => {
    const child = execFile(`${root}scripts/${name}`, args, {
      cwd: root,
      env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", ...env },
      timeout,
      maxBuffer: 64 << 20,
      killSignal: "SIGTERM",
    }, (error, stdout, stderr) => {
      const out = `${stdout}\n${stderr}`;
      if (error) reject(new Error(`scripts/${name} ${args.join(" ")} failed (${error.code ?? error.signal}):\n${out.slice(-4000)}`));
      else resolve(out);
    });
    child.stdin.end();
  });
}

test("scripts/run (SMOKE=1): the simulator, the first backfill, each printed curl finds something, then the README's shell blocks against it", async () => {
  const out = await script("run", ["--", "node", "tests/scripts/readme-blocks.mjs"], { SMOKE: "1", PORT: String(await freePort()) }, 400_000);
  assert.match(out, /library: [1-9]\d* calls, \d+ Gong requests by the sync today/);
  for (const path of ["/v1/search?q=", "/v1/accounts?", "/v1/accounts/Globex%20Corporation/calls", "/v1/calls?from=", "/v1/calls/7782342274025937895/document", "/v1/export", "/v1/sync", "/v1/quota"]) {
    assert.ok(out.includes(`ok  GET ${path}`), `${path} answered: ${out.slice(-2000)}`);
  }
  assert.match(out, /ok {2}GET \/__scheduled/);
  assert.match(out, /README blocks: [1-9]\d* commands run against http:\/\/127\.0\.0\.1:\d+/);
  assert.match(out, /the sample answer matches/);
  // One log line a request (the Worker's own), no notice about CIMD, no stack trace for cf.json.
  assert.doesNotMatch(out, /\[wrangler:info\] GET \//);
  assert.doesNotMatch(out, /CIMD/);
  assert.doesNotMatch(out, /workers\.cloudflare\.com\/cf\.json/);
  assert.match(out, /^\{"calls":\[.*"route":"search_calls"/m);
});

test("scripts/run: a taken port is one line naming it", async () => {
  const server = createServer().listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  const { port } = server.address();
  try {
    await assert.rejects(script("run", [], { SMOKE: "1", PORT: String(port) }), (e) => {
      assert.match(e.message, new RegExp(`port ${port} is taken .*PORT=`));
      assert.doesNotMatch(e.message, /at .*\.js:\d+/, "no stack trace");
      return true;
    });
  } finally {
    server.close();
  }
});

test("scripts/deploy --help (its run: tests/deploy/)", async () => {
  const out = await script("deploy", ["--help"]);
  assert.match(out, /wrangler\.deploy\.toml/);
  assert.match(out, /--yes/);
});

test("scripts/bench --smoke: the Python reference, the Rust side and the ratio table", async () => {
  const out = await script("bench", ["--smoke"]);
  assert.match(out, /"case": "format_transcript", "median_ms": [\d.]+/);
  assert.match(out, /test two-hour\/normalize_call \.\.\. bench: +[\d,]+ ns\/iter/);
  // The reference runs twice (before and after the Rust side): its times and the ratio are ranges.
  assert.match(out, /^format_transcript +[\d.]+-[\d.]+ +[\d.]+ +\d+ +\d+ +[\d.]+-[\d.]+x +8x +(yes|no|\?)$/m);
  assert.match(out, /^normalize_call +[\d.]+-[\d.]+ +[\d.]+ +\d+ +\d+ +[\d.]+-[\d.]+x +- +-$/m);
  assert.match(out, /^format_transcript\(str\) +[\d.]+ +[\d.]+ +\d+ +[\d.]+x$/m);
});

test("scripts/bench-search --smoke: search percentiles, the export's rate, the library's size", async () => {
  const out = await script("bench-search", ["--smoke"]);
  assert.match(out, /library: [1-9]\d* calls synced/);
  assert.match(out, /^two words +\d+ +[\d.]+ +[\d.]+ +[\d.]+ /m);
  assert.match(out, /\/v1\/export: [1-9]\d* calls, .* calls\/s/);
  assert.match(out, /library on disk .* KB a call/);
});

test("scripts/bench-scale --goals --smoke: requests a day and the formula, latency, backfill steps, bytes per hour, then the table of goals", async () => {
  const out = await script("bench-scale", ["--goals", "--smoke"], {}, 420_000);
  assert.match(out, /^\| 100 \| \d+ \(\d+ listing \+ \d+ transcript, \d+ new\) \| \d+ \(/m);
  assert.match(out, /^without webhooks = 96 × /m);
  assert.match(out, /^\| webhook, a new call \| [\d.]+ s after Gong processed it \| [\d.]+ s \(WEBHOOK_BATCH_SECONDS=3\) \|$/m);
  assert.match(out, /^\| 500 \| 50\d \| \d+ \(/m);
  assert.match(out, /^total in D1 +[\d.]+ +[\d.]+$/m);
  // The table of goals, every row with a figure measured now.
  assert.match(out, /^\| Gong requests a day, 100 calls a day: without \/ with webhooks \| 768 \| \d+ \/ \d+ \|/m);
  assert.match(out, /^\| a new call in the library after Gong processed it \| .* \| with webhooks: the call in [\d.]+ s, /m);
  assert.match(out, /^\| backfill: .* \| 500 calls: median \d+, max [\d,]+, the end \d+ \|/m);
  assert.match(out, /^\| bytes per hour of conversation in D1 \| .* \| [\d.]+ KB \(`--variety` mix\), [\d.]+ KB \(two-hour fixture\)/m);
  assert.match(out, /^\| years of calls .* \| [\d.]+ years in one database/m);
  assert.doesNotMatch(out, /^\{/m);
});

test("scripts/cpu -n 1 --no-probe: CPU per request, no problems", async () => {
  const out = await script("cpu", ["-n", "1", "--no-probe"]);
  for (const kind of ["health", "small fresh", "2h fresh", "2h cached", "2h format"]) {
    assert.match(out, new RegExp(`^${kind} +[\\d.]+ +[\\d.-]+ `, "m"), kind);
  }
  assert.doesNotMatch(out, /PROBLEM/);
  // The table: the upload as wrangler's dry run counts it, beside its goal.
  assert.match(out, /^\| Worker upload .* \| \d+ KiB \/ \d+ KiB \| ≤ 500 KiB gzipped \| (yes|no) \|$/m);
});

test("scripts/load --smoke: every run with a few requests, no problems", async () => {
  const out = await script("load", ["--smoke"]);
  assert.match(out, /^healthy: +24 requests, concurrency 4: \d+ req\/s, p50 [\d.]+ ms/m);
  assert.match(out, /statuses \{"200":24\}/);
  assert.match(out, /^faults: .*\n.* correct calls, \d+ documented 502\/503 errors, 0 other/m);
  assert.match(out, /cache hit rate 100\.0 %/);
  assert.match(out, /^truncated +2 requests: 2 × 502 gong_bad_response/m);
  assert.match(out, /^ +1000 +\d+ +\d+ +[\d.]+ +[\d.]+$/m);
  assert.match(out, /\nno problems\n/);
});

test("scripts/fuzz --smoke: the seed corpora and every fuzz target compiled (stable cargo check)", async () => {
  const out = await script("fuzz", ["--smoke"], {}, 600_000);
  assert.match(out, /^transcript: [1-9]\d* seed inputs$/m);
  assert.match(out, /6 fuzz targets compile: transcript call chunks date account worker_api/);
});
