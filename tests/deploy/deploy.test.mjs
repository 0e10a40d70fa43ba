// scripts/deploy against a fake wrangler (tests/deploy/fake-wrangler.mjs,
// which records every call) and a fake Worker on 127.0.0.1 standing in for
// the deployed one's /v1/sync. Nothing here reaches Cloudflare. The script
// runs in a scratch root whose entries link to the repository's, so the
// wrangler.deploy.toml and .gongkit-token it writes are the scratch root's;
// the real `wrangler deploy --dry-run` then checks the generated file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const fake = fileURLToPath(new URL("./fake-wrangler.mjs", import.meta.url));
const KEY = "deploy-test-key-8d1e";
const SECRET = "deploy-test-secret-4b7f9c";
const OIDC_SECRET = "deploy-test-oidc-secret-5e2a";
const CONFIG = "wrangler.deploy.toml";

/** A scratch root: every top-level entry of the repository, linked. */
function sandbox() {
  const dir = mkdtempSync(join(tmpdir(), "gongkit-deploy-"));
  const skip = new Set([".git", CONFIG, ".gongkit-token", ".wrangler", "target"]);
  for (const name of readdirSync(root)) {
    if (skip.has(name) || name.startsWith(".dev.vars")) continue;
    symlinkSync(join(root, name), join(dir, name));
  }
  return dir;
}

/** The deployed Worker's stand-in: GET and POST /v1/sync. */
async function fakeWorker() {
  const seen = [];
  let calls = 0;
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c)).on("end", () => {
      seen.push({ method: req.method, path: req.url, auth: req.headers.authorization, body });
      res.setHeader("Content-Type", "application/json");
      if (req.url !== "/v1/sync") return res.writeHead(404).end("{}");
      if (req.method === "POST") {
        calls = 254;
        return res.writeHead(202).end(JSON.stringify({ status: "running", queued: 1 }));
      }
      res.end(JSON.stringify({ status: "idle", lastRun: null, callsInLibrary: calls }));
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}`, seen, close: () => server.close() };
}

function deploy(dir, args, env) {
  return new Promise((resolve) => {
    const child = execFile(`${dir}/scripts/deploy`, args, {
      cwd: dir,
      env: {
        PATH: `${join(fake, "..")}:${process.env.PATH}`,
        HOME: process.env.HOME,
        WRANGLER: fake,
        FAKE_WRANGLER_LOG: join(dir, "calls.jsonl"),
        FAKE_WRANGLER_STATE: join(dir, "account.json"),
        ...env,
      },
    }, (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr }));
    child.stdin.end();
  });
}

const calls = (dir) => existsSync(join(dir, "calls.jsonl"))
  ? readFileSync(join(dir, "calls.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l))
  : [];
const fingerprint = (token) => createHash("sha256").update(token).digest("hex").slice(0, 8);
const day = (offset) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/**
 * The real `wrangler deploy --dry-run` on the generated file (no account
 * needed), from the repository's root: a copy under a git-ignored name, as
 * build-worker hashes the real sources (find does not enter the scratch
 * root's links).
 */
function dryRun(dir) {
  const out = mkdtempSync(join(tmpdir(), "gongkit-dry-"));
  const config = `wrangler.deploy-test-${process.pid}.toml`;
  copyFileSync(join(dir, CONFIG), join(root, config));
  try {
    return execFileSync(`${root}node_modules/.bin/wrangler`, ["deploy", "--dry-run", "--config", config, "--outdir", out], {
      cwd: root,
      env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
      stdio: ["ignore", "pipe", "pipe"],
    }).toString();
  } finally {
    rmSync(out, { recursive: true, force: true });
    rmSync(join(root, config), { force: true });
  }
}

test("the generated files are git-ignored", () => {
  for (const f of [CONFIG, `wrangler.deploy-test-${process.pid}.toml`, ".gongkit-token"]) execFileSync("git", ["check-ignore", "-q", f], { cwd: root });
});

test("without sign-in: a first deploy creates everything, a second creates nothing", async () => {
  const dir = sandbox();
  const worker = await fakeWorker();
  const env = { GONG_API_KEY: KEY, GONG_API_SECRET: SECRET, GONGKIT_DEPLOY_SIGN_IN: "0", GONGKIT_DEPLOY_URL: worker.url };
  try {
    const first = await deploy(dir, ["--yes"], env);
    assert.equal(first.code, 0, first.stderr + first.stdout);
    const c = "--config";
    assert.deepEqual(calls(dir).map((x) => x.argv.join(" ")), [
      "whoami",
      "d1 list --json",
      "d1 create gongkit",
      "kv namespace list",
      "kv namespace create GONGKIT_CACHE",
      "r2 bucket list",
      "r2 bucket create gongkit-blobs",
      `d1 migrations apply gongkit --remote ${c} ${CONFIG}`,
      `secret list ${c} ${CONFIG}`,
      `secret put GONG_API_KEY ${c} ${CONFIG}`,
      `secret put GONG_API_SECRET ${c} ${CONFIG}`,
      `secret put GONGKIT_TOKEN ${c} ${CONFIG}`,
      `deploy ${c} ${CONFIG}`,
    ]);
    const puts = Object.fromEntries(calls(dir).filter((x) => x.argv[0] === "secret" && x.argv[1] === "put").map((x) => [x.argv[2], x.stdin]));
    assert.equal(puts.GONG_API_KEY, KEY);
    assert.equal(puts.GONG_API_SECRET, SECRET);
    const token = readFileSync(join(dir, ".gongkit-token"), "utf8").trim();
    assert.match(token, /^[0-9a-f]{48}$/, "a generated 48-character token");
    assert.equal(puts.GONGKIT_TOKEN, token);
    assert.equal((execFileSync("stat", ["-c", "%a", join(dir, ".gongkit-token")]).toString().trim()), "600");

    // The generated config: the ids, GONGKIT_CACHE bound, no OAUTH_KV.
    const account = JSON.parse(readFileSync(join(dir, "account.json"), "utf8"));
    const config = readFileSync(join(dir, CONFIG), "utf8");
    assert.match(config, new RegExp(`database_id = "${account.d1[0].uuid}"`));
    assert.match(config, new RegExp(`binding = "GONGKIT_CACHE"\\nid = "${account.kv[0].id}"`));
    assert.doesNotMatch(config, /OAUTH_KV|0000000000000000/);
    assert.deepEqual(account.r2, ["gongkit-blobs"], "the transcripts' bucket");
    assert.match(config, /\[\[r2_buckets\]\]\nbinding = "GONGKIT_BLOBS"\nbucket_name = "gongkit-blobs"/);
    assert.match(config, /^OIDC_ISSUER = ""$/m);

    // The backfill: the last 90 days, plain dates, with the token.
    assert.deepEqual(worker.seen.map((r) => `${r.method} ${r.path}`), ["GET /v1/sync", "POST /v1/sync"]);
    const post = worker.seen[1];
    assert.equal(post.auth, `Bearer ${token}`);
    assert.deepEqual(JSON.parse(post.body), { from: day(-90), to: day(0) });

    // What it prints: the URL, the fingerprint, the connector steps; never a secret.
    const out = first.stdout + first.stderr;
    assert.match(out, new RegExp(`URL: +${worker.url}`));
    assert.match(out, new RegExp(`token fingerprint: ${fingerprint(token)}`));
    assert.match(out, /Claude Code +claude mcp add --transport http gong/);
    assert.match(out, /backfill of \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d started/);
    for (const s of [KEY, SECRET, token]) assert.ok(!out.includes(s), "a secret was printed");

    // Again, without --yes (no terminal: nothing is asked): nothing is created or set.
    const before = calls(dir).length;
    const second = await deploy(dir, [], env);
    assert.equal(second.code, 0, second.stderr + second.stdout);
    assert.deepEqual(calls(dir).slice(before).map((x) => x.argv.join(" ")), [
      "whoami",
      "d1 list --json",
      "kv namespace list",
      "r2 bucket list",
      `d1 migrations apply gongkit --remote ${c} ${CONFIG}`,
      `secret list ${c} ${CONFIG}`,
      `deploy ${c} ${CONFIG}`,
    ]);
    assert.deepEqual(worker.seen.slice(2).map((r) => `${r.method} ${r.path}`), ["GET /v1/sync"], "no second backfill");
    assert.match(second.stdout, /already has calls/);
    assert.equal(readFileSync(join(dir, CONFIG), "utf8"), config, "the same config");

    // The generated file is a valid wrangler config (no account needed).
    assert.match(dryRun(dir), /--dry-run: exiting now/);
  } finally {
    worker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a period database declared in wrangler.toml is created with its own id and migrated like the main one", async () => {
  const dir = sandbox();
  // The sandbox's wrangler.toml: the repository's, and a period's database.
  rmSync(join(dir, "wrangler.toml"));
  const period = '\n[[d1_databases]]\nbinding = "GONGKIT_DB_2025"\ndatabase_name = "gongkit-2025"\ndatabase_id = "00000000-0000-0000-0000-000000000000"\nmigrations_dir = "migrations"\n';
  writeFileSync(join(dir, "wrangler.toml"), readFileSync(join(root, "wrangler.toml"), "utf8") + period);
  const worker = await fakeWorker();
  const env = { GONG_API_KEY: KEY, GONG_API_SECRET: SECRET, GONGKIT_DEPLOY_SIGN_IN: "0", GONGKIT_DEPLOY_URL: worker.url };
  try {
    const first = await deploy(dir, ["--yes"], env);
    assert.equal(first.code, 0, first.stderr + first.stdout);
    const c = "--config";
    const argv = calls(dir).map((x) => x.argv.join(" "));
    assert.deepEqual(argv.filter((a) => a.startsWith("d1 ")), [
      "d1 list --json",
      "d1 create gongkit",
      "d1 create gongkit-2025",
      `d1 migrations apply gongkit --remote ${c} ${CONFIG}`,
      `d1 migrations apply gongkit-2025 --remote ${c} ${CONFIG}`,
    ]);
    const account = JSON.parse(readFileSync(join(dir, "account.json"), "utf8"));
    const id = (name) => account.d1.find((d) => d.name === name).uuid;
    assert.notEqual(id("gongkit"), id("gongkit-2025"));
    const config = readFileSync(join(dir, CONFIG), "utf8");
    assert.match(config, new RegExp(`database_name = "gongkit"\ndatabase_id = "${id("gongkit")}"`));
    assert.match(config, new RegExp(`database_name = "gongkit-2025"\ndatabase_id = "${id("gongkit-2025")}"`));
    assert.doesNotMatch(config, /0000000000000000/);
    assert.deepEqual(account.migrated, ["gongkit", "gongkit-2025"]);
    // Again: both found, nothing created.
    const before = calls(dir).length;
    const second = await deploy(dir, [], env);
    assert.equal(second.code, 0, second.stderr + second.stdout);
    assert.ok(!calls(dir).slice(before).some((x) => x.argv[1] === "create"), "nothing created");
    assert.match(second.stdout, /D1 database gongkit-2025 exists/);
    assert.match(dryRun(dir), /--dry-run: exiting now/);
  } finally {
    worker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("with sign-in: OAUTH_KV, the OIDC vars and OIDC_CLIENT_SECRET", async () => {
  const dir = sandbox();
  const worker = await fakeWorker();
  const token = "ci:admin:" + "c".repeat(40);
  try {
    const r = await deploy(dir, ["--yes", "--from", "2026-01-01", "--to", "2026-03-31"], {
      GONG_API_KEY: KEY, GONG_API_SECRET: SECRET, GONGKIT_TOKEN: token, OIDC_CLIENT_SECRET: OIDC_SECRET,
      GONGKIT_DEPLOY_SIGN_IN: "1", OIDC_ISSUER: "https://idp.example.com", OIDC_CLIENT_ID: "gongkit-client",
      ALLOWED_EMAIL_DOMAINS: "example.com", GONGKIT_DEPLOY_URL: worker.url,
    });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const argv = calls(dir).map((x) => x.argv.join(" "));
    assert.ok(argv.includes("kv namespace create OAUTH_KV"));
    assert.ok(argv.includes(`secret put OIDC_CLIENT_SECRET --config ${CONFIG}`));
    assert.ok(!existsSync(join(dir, ".gongkit-token")), "a given token is not written down");
    const config = readFileSync(join(dir, CONFIG), "utf8");
    const oauth = JSON.parse(readFileSync(join(dir, "account.json"), "utf8")).kv.find((n) => n.title === "OAUTH_KV");
    assert.match(config, new RegExp(`binding = "OAUTH_KV"\\nid = "${oauth.id}"`));
    assert.match(config, /^OIDC_ISSUER = "https:\/\/idp\.example\.com"$/m);
    assert.match(config, /^OIDC_CLIENT_ID = "gongkit-client"$/m);
    assert.match(config, /^ALLOWED_EMAIL_DOMAINS = "example\.com"$/m);
    const post = worker.seen.find((x) => x.method === "POST");
    assert.equal(post.auth, `Bearer ${"c".repeat(40)}`, "the admin entry's token");
    assert.deepEqual(JSON.parse(post.body), { from: "2026-01-01", to: "2026-03-31" });
    assert.match(r.stdout, new RegExp(`token fingerprint: ${fingerprint("c".repeat(40))}`));
    assert.match(r.stdout, new RegExp(`${worker.url}/oauth/callback`));
    assert.match(r.stdout, /claude\.ai +Settings → Connectors/);
    for (const s of [KEY, SECRET, OIDC_SECRET, "c".repeat(40)]) assert.ok(!(r.stdout + r.stderr).includes(s), "a secret was printed");
    assert.match(dryRun(dir), /env\.OAUTH_KV/);
  } finally {
    worker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("refusals: not logged in, a short token, a missing secret without a terminal", async () => {
  const dir = sandbox();
  try {
    let r = await deploy(dir, ["--yes"], { FAKE_WRANGLER_LOGGED_OUT: "1" });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /not logged in: run `npx wrangler login`/);
    assert.deepEqual(calls(dir).map((x) => x.argv.join(" ")), ["whoami"]);
    r = await deploy(dir, ["--yes"], { GONGKIT_DEPLOY_SIGN_IN: "0", GONG_API_KEY: KEY });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /GONG_API_SECRET is not set on the Worker: give it in the environment/);
    r = await deploy(dir, ["--yes"], { GONGKIT_DEPLOY_SIGN_IN: "0", GONG_API_KEY: KEY, GONG_API_SECRET: SECRET, GONGKIT_TOKEN: "short-token" });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /at least 32 characters/);
    r = await deploy(dir, ["--yes"], { GONGKIT_DEPLOY_SIGN_IN: "1", OIDC_ISSUER: "https://idp.example.com" });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /sign-in is on but OIDC_CLIENT_ID is not set/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
