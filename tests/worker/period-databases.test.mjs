// The library's period databases (ARCHITECTURE.md, "The library over several
// databases") are migrated like the main one: the harness, as scripts/run,
// applies migrations/ to every [[d1_databases]] a wrangler config declares,
// and binds each in Miniflare. The Worker routes to them when LIBRARY_PERIODS names them
// (periods.test.mjs); without it, it reads its main database only.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSim, startWorker, migratedDatabase, d1Databases, root, DATABASE_ID } from "./harness.mjs";

const PERIODS = [
  { binding: "GONGKIT_DB", id: DATABASE_ID },
  { binding: "GONGKIT_DB_2026_01", id: "11111111-1111-1111-1111-111111111111" },
  { binding: "GONGKIT_DB_2026_02", id: "22222222-2222-2222-2222-222222222222" },
];
let s, w;

after(async () => {
  await w?.dispose();
  await s?.stop();
});

test("every declared D1 database gets every migration and is bound", { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "gongkit-periods-config-"));
  const config = join(dir, "wrangler.toml");
  writeFileSync(config, [
    `name = "gongkit"`,
    `compatibility_date = "2026-01-01"`,
    ...PERIODS.flatMap(({ binding, id }) => [
      `[[d1_databases]]`, `binding = "${binding}"`, `database_name = "${binding.toLowerCase()}"`, `database_id = "${id}"`, `migrations_dir = "${root}migrations"`,
    ]),
  ].join("\n") + "\n");
  assert.deepEqual(d1Databases(), [{ binding: "GONGKIT_DB", id: DATABASE_ID }], "wrangler.toml declares the main database");
  const databases = d1Databases((await import("node:fs")).readFileSync(config, "utf8"));
  assert.deepEqual(databases, PERIODS);
  const library = await migratedDatabase({ config });
  s = await startSim({ generate: 5 });
  w = await startWorker(s, { library, databases });
  const migrations = readdirSync(`${root}migrations`).filter((f) => f.endsWith(".sql")).sort();
  for (const { binding } of PERIODS) {
    const db = await w.mf.getD1Database(binding);
    const applied = (await db.prepare("SELECT name FROM d1_migrations ORDER BY id").all()).results.map((r) => r.name);
    assert.deepEqual(applied, migrations, `${binding}: every migration`);
    const { n } = await db.prepare("SELECT count(*) AS n FROM calls").first();
    assert.equal(n, 0, `${binding}: the library's tables are there`);
  }
  // The Worker still reads its main database.
  const r = await w.request("/v1/sync");
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json().callsInLibrary, 0);
});
