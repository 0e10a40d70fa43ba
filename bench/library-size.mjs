// What one call costs in the call library's D1 database, with its search
// index: N copies of the 30-minute fixture call, then M copies of the
// two-hour one, each synced into a fresh local database (Miniflare's D1 is
// SQLite, as Cloudflare's is), and the database file measured after each.
//   node bench/library-size.mjs [copies of the 30-minute call] [copies of the two-hour call]
// Needs the Worker and the simulator built (scripts/build-worker,
// cargo build --release -p gongkit-sim). Prints bytes per call and what
// that means for one 10 GB D1 database.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { startSim, startWorker, migratedDatabase, fixture } from "../tests/worker/harness.mjs";

const [short = 200, long = 40] = process.argv.slice(2).map(Number);

function bytes(dir) {
  const d = join(dir, "miniflare-D1DatabaseObject");
  return readdirSync(d)
    .filter((f) => !f.startsWith("metadata"))
    .reduce((sum, f) => sum + statSync(join(d, f)).size, 0);
}

async function measure(name, count, from, to) {
  const sim = await startSim({ generate: 0 });
  const ext = JSON.parse(fixture(`calls/${name}.extensive.json`)).calls[0];
  const tr = JSON.parse(fixture(`calls/${name}.transcript.json`)).callTranscripts[0];
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
  const dir = await migratedDatabase();
  const empty = bytes(dir);
  const worker = await startWorker(sim, { library: dir });
  try {
    await worker.request("/v1/sync", { method: "POST", body: JSON.stringify({ from, to }) });
    for (;;) {
      const s = (await worker.request("/v1/sync")).json();
      if (s.status === "idle" && s.lastRun) {
        if (s.callsInLibrary !== count) throw new Error(`${s.callsInLibrary} of ${count} calls synced`);
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await worker.dispose();
    await sim.stop();
  }
  const per = (bytes(dir) - empty) / count;
  const raw = JSON.stringify(calls[0].extensive).length + JSON.stringify(calls[0].transcript).length;
  console.log(`${name}: ${count} calls, ${Math.round(per).toLocaleString("en")} bytes per call in D1 (Gong's JSON: ${raw.toLocaleString("en")} bytes; ×${(per / raw).toFixed(2)} with turns and the search index); one 10 GB database holds about ${Math.floor(10e9 / per).toLocaleString("en")} such calls`);
  return per;
}

const a = await measure("acme-discovery", short, "2025-01-01T00:00:00Z", "2025-03-01T00:00:00Z");
const b = await measure("two-hour", long, "2025-01-01T00:00:00Z", "2025-03-01T00:00:00Z");
const mix = 0.8 * a + 0.2 * b;
console.log(`a mix of 80 % 30-minute and 20 % two-hour calls: ${Math.round(mix).toLocaleString("en")} bytes per call, about ${Math.floor(10e9 / mix).toLocaleString("en")} calls per 10 GB database`);
