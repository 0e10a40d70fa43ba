// Where the Worker's time goes, by function (not how much: with the
// inspector attached V8 runs wasm in its baseline tier, see
// /work/shared/toolchain.md): the Worker in Miniflare with an inspector
// port, the simulator's two-hour call, N requests of one kind under V8's
// sampling profiler, then the functions with the most self time.
//   node bench/cpu-profile.mjs --sim URL --key K --secret S [--kind cached|fresh|format|transcript] [-n 30] [--build DIR]
// (--build: a build directory of worker/ other than build, such as one made
// with names kept: CARGO_PROFILE_WORKER_STRIP=false worker-build --profile worker --no-opt -d build-named worker)
// (scripts/cpu starts the simulator; run this with the same arguments.)
import { readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import WebSocket from "ws";
import { Miniflare } from "miniflare";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const simUrl = opt("--sim"), key = opt("--key"), secret = opt("--secret");
const kind = opt("--kind", "cached");
const N = Number(opt("-n", "30"));
if (!simUrl || !key || !secret) throw new Error("usage: see the head of bench/cpu-profile.mjs");
const root = new URL("../", import.meta.url).pathname;
const compatibilityDate = readFileSync(`${root}wrangler.toml`, "utf8").match(/compatibility_date = "([^"]+)"/)[1];
const token = `cpu-${randomBytes(24).toString("hex")}`;
const inspectorPort = 9000 + Math.floor(Math.random() * 20000);
const mf = new Miniflare({
  modules: true,
  compatibilityDate,
  scriptPath: `${root}worker/${opt("--build", "build")}/index.js`,
  modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
  bindings: { GONG_BASE_URL: simUrl, INTERNAL_DOMAINS: "", ALLOWED_ORIGINS: "", CACHE_TTL_SECONDS: "86400", GONGKIT_TOKEN: token, GONG_API_KEY: key, GONG_API_SECRET: secret },
  cache: true,
  inspectorPort,
  handleRuntimeStdio: (o, e) => (o.resume(), e.resume()),
});
const url = String(await mf.ready).replace(/\/$/, "");
const fixture = (n) => JSON.parse(readFileSync(`${root}tests/fixtures/calls/${n}.json`, "utf8"));
const ext = fixture("two-hour.extensive").calls[0], tr = fixture("two-hour.transcript").callTranscripts[0];
let next = 4420000000000000000n;
const addCopy = async () => {
  const id = String(next++);
  await fetch(`${simUrl}/__sim/calls`, { method: "POST", body: JSON.stringify({ extensive: { ...ext, metaData: { ...ext.metaData, id } }, transcript: { ...tr, callId: id } }) });
  return id;
};
// As bench/cpu.mjs asks: the answer as it is, not compressed by Miniflare's
// stand-in for Cloudflare's front line in the same process.
const auth = { Authorization: `Bearer ${token}`, "Accept-Encoding": "identity" };
const cachedId = ext.metaData.id;
const formatBody = JSON.stringify({ extensive: fixture("two-hour.extensive"), transcript: fixture("two-hour.transcript") });
const ids = [];
for (let i = 0; i < N + 3; i++) if (kind === "fresh") ids.push(await addCopy());
const request = async (i) => {
  const r =
    kind === "fresh" ? await fetch(`${url}/v1/calls/${ids[i]}?fresh=true`, { headers: auth })
    : kind === "format" ? await fetch(`${url}/v1/format`, { method: "POST", headers: auth, body: formatBody })
    : kind === "transcript" ? await fetch(`${url}/v1/calls/${cachedId}/transcript`, { headers: auth })
    : await fetch(`${url}/v1/calls/${cachedId}`, { headers: auth });
  await r.text();
  if (r.status !== 200) throw new Error(`${r.status}`);
};
for (let i = 0; i < 3; i++) await request(N + i);

// The Worker's isolate: the inspector's target list.
const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
const target = targets.find((t) => !/miniflare|entry|loopback/i.test(t.title ?? "")) ?? targets[0];
const ws = new WebSocket(target.webSocketDebuggerUrl);
await new Promise((r) => ws.once("open", r));
let seq = 0;
const pending = new Map();
ws.on("message", (m) => {
  const msg = JSON.parse(m);
  if (msg.id && pending.has(msg.id)) (pending.get(msg.id)(msg), pending.delete(msg.id));
});
const send = (method, params = {}) => new Promise((r) => { const id = ++seq; pending.set(id, r); ws.send(JSON.stringify({ id, method, params })); });
await send("Profiler.enable");
await send("Profiler.setSamplingInterval", { interval: 100 });
await send("Profiler.start");
for (let i = 0; i < N; i++) await request(i);
await new Promise((r) => setTimeout(r, 300));
const { result } = await send("Profiler.stop");
ws.close();
await mf.dispose();

const { nodes, samples, timeDeltas } = result.profile;
const byId = new Map(nodes.map((n) => [n.id, n]));
const self = new Map();
let total = 0;
samples.forEach((id, i) => {
  const n = byId.get(id);
  const name = `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.split("/").pop()}`;
  const dt = timeDeltas[i] ?? 0;
  total += dt;
  self.set(name, (self.get(name) ?? 0) + dt);
});
writeFileSync(`${root}target/cpu-profile-${kind}.cpuprofile`, JSON.stringify(result.profile));
console.log(`${kind}: ${N} requests, ${(total / 1000 / N).toFixed(2)} ms sampled per request (baseline-tier wasm: where, not how much)`);
for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
  console.log(`  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${name}`);
}
