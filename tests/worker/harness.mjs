// Shared set-up of the Worker tests: the Gong simulator, the built Worker
// in Miniflare, and a record of every answer so the suites can check that
// no secret ever appears in one.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, openSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { existsSync, readFileSync } from "node:fs";
import { Miniflare } from "miniflare";

export const root = fileURLToPath(new URL("../../", import.meta.url));
export const KEY = "sim-key-7c1f9a";
export const SECRET = "sim-secret-52be0d8e";
export const TOKEN = "test-token-3f8a1c2e9b-0d4e7a61c5f2b8e93a17";
export const BASIC = Buffer.from(`${KEY}:${SECRET}`).toString("base64");
export const SECRETS = [KEY, SECRET, TOKEN, BASIC];

const targetDir = process.env.CARGO_TARGET_DIR ?? `${root}target`;
export const SIM_BIN = `${targetDir}/release/gongkit-sim`;
const compatibilityDate = readFileSync(`${root}wrangler.toml`, "utf8").match(/compatibility_date = "([^"]+)"/)[1];

/** Starts the simulator; resolves to { url, faults, log, reset, stop }. */
export async function startSim({ pageSize = 100, key = KEY, secret = SECRET, generate = 250, args = [] } = {}) {
  if (!existsSync(SIM_BIN)) throw new Error(`${SIM_BIN} not built (cargo build --release -p gongkit-sim)`);
  const child = spawn(SIM_BIN, ["--port", "0", "--key", key, "--secret", secret, "--page-size", String(pageSize), "--generate", String(generate), ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`gongkit-sim exited ${code}`)));
  });
  const { url, webhookPublicKey } = JSON.parse(first);
  const admin = async (method, path, body) => {
    const r = await fetch(`${url}${path}`, { method, body: body && JSON.stringify(body) });
    return r.json();
  };
  return {
    url,
    // With `--webhook-url`: the key the simulator signs its webhooks with.
    webhookPublicKey,
    webhooks: () => admin("GET", "/__sim/webhooks"),
    faults: (faults) => admin("POST", "/__sim/faults", { faults }),
    log: () => admin("GET", "/__sim/log"),
    reset: (body) => admin("POST", "/__sim/reset", body),
    stats: () => admin("GET", "/__sim/stats"),
    rateLimit: (perSecond) => admin("POST", "/__sim/rate-limit", { perSecond }),
    calls: (query = "") => admin("GET", `/__sim/calls${query}`),
    addCalls: (body) => admin("POST", "/__sim/calls", body),
    process: (ids) => admin("POST", "/__sim/calls/process", ids ? { ids } : {}),
    edit: (id, body) => admin("PATCH", `/__sim/calls/${id}`, body),
    remove: (id) => admin("DELETE", `/__sim/calls/${id}`),
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", resolve);
      child.kill();
    }),
  };
}

/** Every answer the suites saw: bodies and headers. */
export const seen = [];

/** The built Worker in Miniflare, with these bindings over the defaults. */
/**
 * Every D1 database a wrangler config declares (`[[d1_databases]]`), as
 * `{ binding, id }`: the library's main database and its periods'.
 */
export function d1Databases(text = readFileSync(`${root}wrangler.toml`, "utf8")) {
  const out = [];
  for (const block of text.split(/^\[\[d1_databases\]\]\s*$/m).slice(1)) {
    const body = block.split(/^\[/m)[0];
    const binding = body.match(/^binding\s*=\s*"([^"]+)"/m)?.[1];
    const id = body.match(/^database_id\s*=\s*"([^"]+)"/m)?.[1];
    if (!binding || !id) throw new Error(`a [[d1_databases]] without binding or database_id: ${body}`);
    out.push({ binding, id });
  }
  return out;
}

/** The databases this process made, removed when it exits (GONGKIT_KEEP_TMP=1 keeps them, to look into a failure). */
const scratch = [];
process.once("exit", () => {
  if (process.env.GONGKIT_KEEP_TMP === "1") return;
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/**
 * Fresh local D1 databases with the migrations applied the way scripts/run
 * and a deployment apply them (`wrangler d1 migrations apply --local`), one
 * per `[[d1_databases]]` of `config` (default wrangler.toml). Resolves to
 * the directory Miniflare persists them in.
 */
export async function migratedDatabase({ config = `${root}wrangler.toml` } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "gongkit-d1-"));
  scratch.push(dir);
  for (const { binding } of d1Databases(readFileSync(config, "utf8"))) {
    const out = execFileSync(`${root}node_modules/.bin/wrangler`, ["d1", "migrations", "apply", binding, "--local", "--persist-to", dir, "--config", config], {
      cwd: root,
      env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
      stdio: ["ignore", "pipe", "pipe"],
    }).toString();
    if (!/0001_library\.sql/.test(out)) throw new Error(`migrations not applied to ${binding}: ${out}`);
  }
  return join(dir, "v3", "d1");
}

export const DATABASE_ID = d1Databases()[0].id;

// `blobs`: the R2 bucket GONGKIT_BLOBS (transcripts), bound with the library
// by default and kept beside its database (`false`: a Worker without R2).
export async function startWorker(sim, { bindings = {}, kv = true, http = false, library = null, databases = d1Databases(), blobs = library !== null } = {}) {
  // The Worker's main: the JS entry bundled with the Rust Worker.
  const scriptPath = `${root}worker/build/entry.js`;
  if (!existsSync(scriptPath)) throw new Error(`${scriptPath} not built (scripts/build-worker)`);
  const all = {
    GONG_BASE_URL: sim.url,
    INTERNAL_DOMAINS: "",
    ALLOWED_ORIGINS: "https://app.example.com",
    CACHE_TTL_SECONDS: "3600",
    // Tests that ask Gong again with fresh=true; one test checks the default.
    FRESH_WINDOW_SECONDS: "0",
    GONGKIT_TOKEN: TOKEN,
    GONG_API_KEY: KEY,
    GONG_API_SECRET: SECRET,
    ...bindings,
  };
  for (const [k, v] of Object.entries(all)) if (v === undefined) delete all[k];
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate,
    bindings: all,
    kvNamespaces: kv ? ["GONGKIT_CACHE"] : [],
    durableObjects: {
      GONG_GATE: { className: "GongGate", useSQLite: true },
      GONG_SYNC: { className: "GongSync", useSQLite: true },
    },
    // Every declared database (the library's periods too), as migratedDatabase made them.
    ...(library ? { d1Databases: Object.fromEntries(databases.map((d) => [d.binding, d.id])), d1Persist: library } : {}),
    ...(blobs ? { r2Buckets: ["GONGKIT_BLOBS"], ...(library ? { r2Persist: join(library, "..", "r2") } : {}) } : {}),
    cache: true,
    // An HTTP port on 127.0.0.1 for clients that bring their own fetch
    // (`http: true` for any free port, or the port to use).
    ...(http ? { host: "127.0.0.1", port: typeof http === "number" ? http : 0 } : {}),
    ...(bindings.OIDC_ISSUER ? { kvNamespaces: [...(kv ? ["GONGKIT_CACHE"] : []), "OAUTH_KV"] } : {}),
  });
  const url = await mf.ready;
  const request = async (path, { token = TOKEN, headers = {}, ...init } = {}) => {
    const h = { ...headers };
    if (token !== null) h.Authorization = `Bearer ${token}`;
    const res = await mf.dispatchFetch(`http://worker.test${path}`, { ...init, headers: h });
    const body = await res.text();
    seen.push({ path, status: res.status, body, headers: [...res.headers.entries()] });
    return { status: res.status, headers: res.headers, body, json: () => JSON.parse(body) };
  };
  const scheduled = async (cron = "*/15 * * * *") => (await mf.getWorker()).scheduled({ cron });
  return { request, url, scheduled, mf, dispose: () => mf.dispose() };
}

export const fixture = (path) => readFileSync(`${root}tests/fixtures/${path}`, "utf8");

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * `wrangler dev` (local mode, workerd) on 127.0.0.1:`port` with a local
 * state directory, an env file of secrets and `--var`s; resolves once
 * /health answers. `stop()` ends its whole process group.
 */
export async function startWranglerDev({ port, state, envFile, vars = {}, log, args = [] }) {
  const out = openSync(log, "w");
  const child = spawn(
    `${root}node_modules/.bin/wrangler`,
    ["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", "0", "--show-interactive-dev-session=false",
      "--persist-to", state, "--env-file", envFile, ...args, ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`])],
    { cwd: root, detached: true, stdio: ["ignore", out, out], env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" } },
  );
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null) return;
    for (const signal of ["SIGTERM", "SIGKILL"]) {
      try {
        process.kill(-child.pid, signal);
      } catch {}
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  const deadline = Date.now() + 240_000;
  for (;;) {
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {}
    if (child.exitCode !== null) throw new Error(`wrangler dev exited: ${readFileSync(log, "utf8").slice(-2000)}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev not ready: ${readFileSync(log, "utf8").slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { base, child, stop };
}

/**
 * Waits until the sync is idle with a last run other than `since` (whole
 * runs are compared: two runs can end within the same second). `get` reads
 * a path of the Worker and answers `{ json() }`.
 */
export async function syncDone(get, since = null, timeoutMs = 600_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = (await get("/v1/sync")).json();
    if (status.status === "idle" && status.lastRun && JSON.stringify(status.lastRun) !== JSON.stringify(since)) return status;
    if (Date.now() > deadline) throw new Error(`sync not done: ${JSON.stringify(status)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/**
 * The simulator's calls a library synced over `[from, to)` holds: listed
 * by Gong (processed), not private, started in the range. Index entries
 * (`{id, time, …}`).
 */
export async function storedCalls(sim, from, to) {
  const [a, b] = [Date.parse(from) / 1000, Date.parse(to) / 1000];
  return (await sim.calls()).calls.filter((c) => c.visible && !c.isPrivate && c.time >= a && c.time < b);
}
