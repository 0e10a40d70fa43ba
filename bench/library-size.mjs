// What one call costs in the call library's D1 database, and what each part
// of it costs: copies of the 30-minute and the two-hour fixture calls, and
// the simulator's `--variety` mix, each synced into a fresh local database
// (Miniflare's D1 is SQLite, as Cloudflare's is); the database file is
// measured after each, and the parts are read from the database itself.
// The transcripts in R2 (GONGKIT_BLOBS, gzip) are counted apart: R2 is not
// D1's 10 GB.
//   node bench/library-size.mjs [copies of the 30-minute call] [copies of the two-hour call] [variety calls]
//   BLOBS=0 node bench/library-size.mjs …   the same without the R2 binding (transcripts in D1)
//   README=1 node bench/library-size.mjs …  also writes the README's table (between its
//                                            <!-- library-size --> markers) from the figures
// Needs the Worker and the simulator built (scripts/build-worker,
// cargo build --release -p gongkit-sim). Prints bytes per call and per hour
// of conversation, by part, and what that means for one 10 GB D1 database.
import { execFileSync } from "node:child_process";
import { readdirSync, statSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startSim, startWorker, migratedDatabase, fixture, root } from "../tests/worker/harness.mjs";
import { summary } from "./summary.mjs";

const [short = 200, long = 40, variety = 300] = process.argv.slice(2).map(Number);
const BLOBS = process.env.BLOBS !== "0";
/** Each measure's figures, by label (for the README's table). */
const results = new Map();

function bytes(dir) {
  const d = join(dir, "miniflare-D1DatabaseObject");
  return readdirSync(d)
    .filter((f) => !f.startsWith("metadata"))
    .reduce((sum, f) => sum + statSync(join(d, f)).size, 0);
}

// The database's pages by table and index (SQLite's dbstat, through the
// sqlite3 command on the file Miniflare wrote: D1 allows neither dbstat nor
// PRAGMA page_count), grouped into the parts of a call.
const GROUPS = [
  ["Gong's JSON in D1 (call_json)", /^(call_json|sqlite_autoindex_call_json_1|call_json_inline)$/],
  ["the FTS index (calls_fts)", /^calls_fts/],
  ["calls rows and indexes", /^(calls|calls_.*|sqlite_autoindex_calls_1)$/],
  ["parties", /^parties/],
  ["changes", /^(changes|changes_call_seq|sqlite_sequence)$/],
  ["accounts (summary)", /^accounts/],
];

function pages(dir) {
  const d = join(dir, "miniflare-D1DatabaseObject");
  const file = readdirSync(d).find((f) => f.endsWith(".sqlite") && !f.startsWith("metadata"));
  try {
    const sql = (q) => execFileSync("sqlite3", ["-readonly", join(d, file), q]).toString().trim();
    const rows = sql("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").split("\n").map((l) => l.split("|"));
    const size = Number(sql("PRAGMA page_count")) * Number(sql("PRAGMA page_size"));
    const free = Number(sql("PRAGMA freelist_count")) * Number(sql("PRAGMA page_size"));
    return { rows: rows.map(([n, b]) => [n, Number(b)]), size, free };
  } catch {
    return null; // no sqlite3 command (or no dbstat in it)
  }
}

// Each part of a call as the database holds it: the bytes of its values
// (SQLite stores text as its UTF-8 bytes; a row, an index entry and a page
// add their own overhead, which is the rest of the file: "pages, indexes").
const PARTS = [
  ["Gong's JSON in D1 (call_json)", "SELECT coalesce(sum(length(CAST(extensive AS BLOB)) + coalesce(length(CAST(transcript AS BLOB)), 0) + coalesce(length(blob), 0)), 0) AS n FROM call_json"],
  ["the FTS index (calls_fts)", "SELECT (SELECT coalesce(sum(length(block)), 0) FROM calls_fts_data) + (SELECT coalesce(sum(length(term) + 8), 0) FROM calls_fts_idx) AS n"],
  ["calls rows", "SELECT coalesce(sum(length(id) + length(CAST(coalesce(title, '') AS BLOB)) + length(CAST(coalesce(participants, '') AS BLOB)) + length(CAST(coalesce(brief, '') AS BLOB)) + length(CAST(coalesce(key_points, '') AS BLOB)) + 2 * length(CAST(coalesce(account, '') AS BLOB)) + length(digest) + 40), 0) AS n FROM calls"],
  ["parties", "SELECT coalesce(sum(length(call_id) + 2 * length(CAST(coalesce(name, '') AS BLOB)) + 2 * length(coalesce(email, '')) + 8), 0) AS n FROM parties"],
  ["changes", "SELECT coalesce(sum(length(call_id) + length(coalesce(emails, '')) + 24), 0) AS n FROM changes"],
];

async function synced(worker, from, to, count) {
  await worker.request("/v1/sync", { method: "POST", body: JSON.stringify({ from, to }) });
  for (;;) {
    const s = (await worker.request("/v1/sync")).json();
    if (s.status === "idle" && s.lastRun) {
      if (count !== undefined && s.callsInLibrary !== count) throw new Error(`${s.callsInLibrary} of ${count} calls synced`);
      return s.callsInLibrary;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Syncs the simulator's calls into a fresh database; the sizes, by part. */
async function measure(label, sim, from, to, count) {
  const dir = await migratedDatabase();
  const empty = bytes(dir);
  const worker = await startWorker(sim, { library: dir, blobs: BLOBS });
  let calls, parts, seconds, r2;
  try {
    calls = await synced(worker, from, to, count);
    const db = await worker.mf.getD1Database("GONGKIT_DB");
    parts = [];
    for (const [name, sql] of PARTS) parts.push([name, (await db.prepare(sql).first()).n]);
    r2 = { objects: 0, bytes: 0, raw: 0 };
    if (BLOBS) {
      const bucket = await worker.mf.getR2Bucket("GONGKIT_BLOBS");
      let cursor;
      do {
        const page = await bucket.list({ prefix: "calls/", cursor });
        for (const o of page.objects) {
          r2.objects++;
          r2.bytes += o.size;
        }
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor);
    }
    seconds = (await db.prepare("SELECT coalesce(sum(json_extract(extensive, '$.metaData.duration')), 0) AS s FROM call_json").first()).s;
  } finally {
    await worker.dispose();
    await sim.stop();
  }
  const files = bytes(dir) - empty;
  const hours = seconds / 3600;
  const paged = pages(dir);
  let total;
  if (paged) {
    // The database itself (what D1 counts), by its pages.
    total = paged.size;
    const grouped = [];
    // Each table or index in the first group that names it.
    const groupOf = (t) => GROUPS.findIndex(([, re]) => re.test(t));
    for (const [i, [name]] of GROUPS.entries()) {
      grouped.push([name, paged.rows.filter(([t]) => groupOf(t) === i).reduce((s, [, b]) => s + b, 0)]);
    }
    const counted = grouped.reduce((s, [, n]) => s + n, 0);
    grouped.push(["free pages", paged.free]);
    grouped.push(["schema and the rest", Math.max(0, total - counted - paged.free)]);
    parts = grouped;
    console.log(`\n(the files on disk: ${(files / 1e6).toFixed(1)} MB, the write-ahead log included; the database's pages: ${(total / 1e6).toFixed(1)} MB)`);
  } else {
    total = files;
    const named = parts.reduce((s, [, n]) => s + n, 0);
    parts.push(["pages, indexes, row overhead (the rest of the file)", Math.max(0, total - named)]);
  }
  const kb = (n) => (n / 1000).toFixed(1).padStart(9);
  console.log(`\n${label}: ${calls} calls, ${hours.toFixed(1)} hours of conversation, ${(total / 1e6).toFixed(1)} MB in D1`);
  console.log(`${"part".padEnd(64)}${"KB/call".padStart(9)}${"KB/hour".padStart(9)}${"share".padStart(7)}`);
  for (const [name, n] of parts) {
    console.log(`${name.padEnd(64)}${kb(n / calls)}${kb(n / hours)}${((100 * n) / total).toFixed(1).padStart(6)}%`);
  }
  console.log(`${"total in D1".padEnd(64)}${kb(total / calls)}${kb(total / hours)}`);
  if (BLOBS) console.log(`${`not in D1: transcripts and their turns in R2 (${r2.objects} gzip objects)`.padEnd(64)}${kb(r2.bytes / calls)}${kb(r2.bytes / hours)}`);
  else console.log("(without GONGKIT_BLOBS: the transcripts are in D1's call_json)");
  console.log(`one 10 GB database holds about ${Math.floor(10e9 / (total / calls)).toLocaleString("en")} such calls, ${Math.floor(10e9 / (total / hours)).toLocaleString("en")} hours of conversation`);
  results.set(label, { calls, hours, parts, total, r2 });
  return total / calls;
}

/** N copies of a fixture call, an hour apart. */
async function copies(name, count) {
  const sim = await startSim({ generate: 0 });
  const ext = JSON.parse(fixture(`calls/${name}.extensive.json`)).calls[0];
  const tr = JSON.parse(fixture(`calls/${name}.transcript.json`)).callTranscripts[0];
  const from = "2025-01-01T00:00:00Z";
  const start = Date.parse(from);
  const calls = [];
  for (let i = 0; i < count; i++) {
    const id = String(7100000000000000000n + BigInt(i));
    const when = new Date(start + i * 3_600_000).toISOString();
    calls.push({
      extensive: { ...ext, metaData: { ...ext.metaData, id, started: when, scheduled: when } },
      transcript: { ...tr, callId: id },
    });
  }
  for (let i = 0; i < calls.length; i += 50) await sim.addCalls({ calls: calls.slice(i, i + 50) });
  const per = await measure(`${name} (fixture) × ${count}`, sim, from, "2025-03-01T00:00:00Z", count);
  const raw = JSON.stringify(calls[0].extensive).length + JSON.stringify(calls[0].transcript).length;
  console.log(`(Gong's JSON of one call: ${raw.toLocaleString("en")} bytes; the library keeps ×${(per / raw).toFixed(2)} of it)`);
  return per;
}

const a = await copies("acme-discovery", short);
const b = await copies("two-hour", long);
const mix = 0.8 * a + 0.2 * b;
console.log(`\na mix of 80 % 30-minute and 20 % two-hour calls: ${Math.round(mix).toLocaleString("en")} bytes per call, about ${Math.floor(10e9 / mix).toLocaleString("en")} calls per 10 GB database`);
if (variety > 0) {
  const from = "2024-01-01T00:00:00Z";
  const to = "2024-04-01T00:00:00Z";
  const sim = await startSim({ generate: variety, args: ["--variety", "--seed", "5", "--from", from, "--to", to, "--private-percent", "0"] });
  await measure(`the simulator's --variety mix (${variety} calls)`, sim, from, to);
}

summary("size", {
  blobs: BLOBS,
  measures: [...results.entries()].map(([label, m]) => ({ label, calls: m.calls, hours: m.hours, d1PerHour: m.total / m.hours, d1PerCall: m.total / m.calls, r2PerHour: m.r2.bytes / m.hours })),
});

// The README's table, from the two-hour fixture and the variety mix.
if (process.env.README === "1") {
  const two = [...results.entries()].find(([k]) => k.startsWith("two-hour"))?.[1];
  const mix = [...results.entries()].find(([k]) => k.startsWith("the simulator's"))?.[1];
  if (!two || !mix) throw new Error("README=1 needs the two-hour copies and the variety calls");
  const perHour = (m, name) => (m.parts.find(([n]) => n === name)?.[1] ?? 0) / m.hours;
  const kb = (n) => `${(n / 1000).toFixed(1)} KB`;
  const row = (title, f) => `| ${title} | ${f(two)} | ${f(mix)} |`;
  const sum = (names) => (m) => kb(names.reduce((s, n) => s + perHour(m, n), 0));
  const lines = [
    `| per hour of conversation, in D1${BLOBS ? "" : " (without R2)"} | two-hour fixture | the simulator's \`--variety\` mix |`,
    "|---|---|---|",
    row("Gong's JSON (`call_json`)" + (BLOBS ? ": extensive entry (+ the R2 keys)" : ""), sum(["Gong's JSON in D1 (call_json)"])),
    row("the FTS index", sum(["the FTS index (calls_fts)"])),
    row("calls rows and indexes, parties, `changes`, accounts", sum(["calls rows and indexes", "parties", "changes", "accounts (summary)"])),
    row("free pages, schema", sum(["free pages", "schema and the rest"])),
    row("**total in D1**", (m) => `**${kb(m.total / m.hours)}** (${kb(m.total / m.calls)} a call)`),
    ...(BLOBS ? [row("not in D1: transcripts and their turns in R2, gzip", (m) => kb(m.r2.bytes / m.hours))] : []),
  ];
  const file = `${root}README.md`;
  const text = readFileSync(file, "utf8");
  const start = "<!-- library-size: written by README=1 node bench/library-size.mjs -->\n";
  const end = "<!-- /library-size -->";
  const a = text.indexOf(start);
  const b = text.indexOf(end, a);
  if (a < 0 || b < 0) throw new Error("README.md has no library-size markers");
  writeFileSync(file, text.slice(0, a + start.length) + lines.join("\n") + "\n" + text.slice(b));
  console.log("README.md: the library-size table written");
}
