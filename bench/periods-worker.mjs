// The Worker's reads over three monthly period databases (LIBRARY_PERIODS)
// against one database, the same simulator data in both: p50 / p95 wall
// time of each kind of request in Miniflare (local D1; workerd's clock
// moves at I/O, so this is D1's work, the Worker's CPU and the fan-out's
// round trips, not Cloudflare's network). Figures, not a test. CALLS=…
// (default 600) over the first quarter of 2026, ROUNDS=… (default 20).
// Prints Markdown.
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { startSim, startWorker, migratedDatabase, syncDone, root, DATABASE_ID } from "../tests/worker/harness.mjs";

const CALLS = Number(process.env.CALLS ?? 600);
const ROUNDS = Number(process.env.ROUNDS ?? 20);
const FROM = "2026-01-01T00:00:00.000Z";
const TO = "2026-04-01T00:00:00.000Z";
const PERIODS = [
  { binding: "GONGKIT_DB_2026_01", id: "11111111-1111-1111-1111-111111111111", from: "2026-01-01" },
  { binding: "GONGKIT_DB_2026_02", id: "22222222-2222-2222-2222-222222222222", from: "2026-02-01" },
  { binding: "GONGKIT_DB", id: DATABASE_ID, from: "2026-03-01" },
];

function config() {
  const dir = mkdtempSync(join(tmpdir(), "gongkit-periods-config-"));
  const path = join(dir, "wrangler.toml");
  writeFileSync(path, [`name = "gongkit"`, `compatibility_date = "2026-01-01"`,
    ...PERIODS.flatMap(({ binding, id }) => [`[[d1_databases]]`, `binding = "${binding}"`, `database_name = "${binding.toLowerCase()}"`, `database_id = "${id}"`, `migrations_dir = "${root}migrations"`]),
  ].join("\n") + "\n");
  return path;
}

async function backfill(w) {
  const r = await w.request("/v1/sync", { method: "POST", body: JSON.stringify({ from: FROM, to: TO }) });
  if (r.status !== 202) throw new Error(r.body);
  await syncDone((p) => w.request(p), null, 1_200_000);
}

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

const s = await startSim({ generate: CALLS, args: ["--from", FROM, "--to", TO, "--variety", "--seed", "19"] });
const dirs = [await migratedDatabase({ config: config() }), await migratedDatabase()];
const many = await startWorker(s, { library: dirs[0], databases: PERIODS.map(({ binding, id }) => ({ binding, id })), bindings: { INITIAL_SYNC_DAYS: "0", LIBRARY_PERIODS: PERIODS.map((p) => `${p.from}=${p.binding}`).join(",") } });
const one = await startWorker(s, { library: dirs[1], bindings: { INITIAL_SYNC_DAYS: "0" } });
try {
  await backfill(one);
  await backfill(many);
  const ids = (await s.calls()).calls.filter((c) => c.visible && !c.isPrivate).map((c) => c.id).sort();
  const oldest = ids[0];
  const account = (await one.request("/v1/accounts?limit=1")).json().accounts[0].name;
  const questions = [
    ["a call by id, from the oldest period", `/v1/calls/${oldest}`],
    ["/v1/calls, 100 across the quarter", `/v1/calls?from=${FROM}&to=${TO}&limit=100`],
    ["search, a common word", "/v1/search?q=pricing&limit=20"],
    ["search, a common word within February", "/v1/search?q=pricing&limit=20&from=2026-02-01T00:00:00Z&to=2026-03-01T00:00:00Z"],
    ["/v1/accounts, first page", "/v1/accounts?limit=100"],
    ["an account's calls, first page", `/v1/accounts/${encodeURIComponent(account)}/calls?limit=20`],
    ["/v1/export, 100 calls", "/v1/export?limit=100"],
  ];
  console.log(`${ids.length} calls over the first quarter of 2026; p50 / p95 of ${ROUNDS} rounds, ms (Miniflare, local D1)\n`);
  console.log("| request | one database | 3 monthly periods |\n|---|---|---|");
  for (const [name, path] of questions) {
    const times = [[], []];
    for (let i = 0; i < ROUNDS; i++) {
      for (const [k, w] of [one, many].entries()) {
        const t = performance.now();
        const r = await w.request(path);
        times[k].push(performance.now() - t);
        if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.body}`);
      }
    }
    const f = (xs) => `${pct(xs, 0.5).toFixed(1)} / ${pct(xs, 0.95).toFixed(1)}`;
    console.log(`| ${name} | ${f(times[0])} | ${f(times[1])} |`);
  }
} finally {
  await one.dispose();
  await many.dispose();
  await s.stop();
  for (const d of dirs) rmSync(dirname(dirname(d)), { recursive: true, force: true });
}
