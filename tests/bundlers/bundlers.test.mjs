// The package as users get it: `npm pack` of pkg/, installed from the tarball
// into a small app (tests/bundlers/app), built with each bundler with no
// configuration for gongkit, and run in headless Chromium, which must show
// the text that Node computes with the same package. Also: TypeScript under
// node16, nodenext and bundler resolution, @arethetypeswrong/cli and publint
// over the tarball. One install serves every bundler; the builds run at once.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, execFile } from "node:child_process";
import { mkdirSync, rmSync, cpSync, readdirSync, readFileSync, writeFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { launch } from "../js/chromium.mjs";
import { serve } from "../js/serve.mjs";

const run = promisify(execFile);
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const repo = here("../../");
const app = here("app/");
const out = here("out/");
const bin = (name) => `${repo}node_modules/.bin/${name}`;

let tarball;
let browser;
let expected;

before(async () => {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  // npm pack, then npm install of the tarball, as a user would.
  const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", out, `${repo}pkg`], { encoding: "utf8" }));
  tarball = `${out}${packed[0].filename}`;
  rmSync(`${app}node_modules`, { recursive: true, force: true });
  rmSync(`${app}package-lock.json`, { force: true });
  execFileSync("npm", ["install", "--no-save", "--no-package-lock", "--no-audit", "--no-fund", "--offline", tarball], { cwd: app, stdio: "pipe" });
  // What the page must show: the same calls in Node, through the same tarball.
  const g = createRequire(`${app}package.json`)("gongkit");
  const transcript = JSON.stringify([
    { speakerId: "7", topic: "Intro", sentences: [{ start: 61000, end: 62000, text: "Grüß Gott, 日本." }] },
    { speakerId: "8", sentences: [{ start: 63000, end: 64000, text: "Hello  there." }] },
  ]);
  expected = [g.formatTranscript(transcript, { timestamps: true }), g.callDate("2024-12-18T23:30:00-05:00"), g.accountFromEmail("bob@ACME.co.uk")].join("\n");
  assert.equal(expected, "[01:01] Speaker 7 (Intro): Grüß Gott, 日本.\n[01:03] Speaker 8: Hello there.\n2024-12-18\nAcme");
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

test("the tarball: one .wasm, LICENSE, README, and nothing else of size", () => {
  const files = execFileSync("tar", ["tzf", tarball], { encoding: "utf8" }).trim().split("\n").sort();
  assert.deepEqual(files.filter((f) => f.endsWith(".wasm")), ["package/gongkit_bg.wasm"]);
  for (const f of ["package/LICENSE", "package/README.md", "package/package.json"]) assert.ok(files.includes(f), f);
  const license = readFileSync(`${app}node_modules/gongkit/LICENSE`, "utf8");
  assert.match(license, /MIT License/);
  assert.match(license, /Apache License/);
  console.log(`tarball ${tarball.split("/").pop()}: ${statSync(tarball).size} bytes, ${files.length} files`);
  // The size budget: 200 KB gzipped (gzip -9, as scripts/build-pkg prints it) was the first
  // issue's; bytes in, searchWords and the SIMD reader took it to 217 KB with the bindings'
  // glue already built small (Cargo.toml's [profile.wasm]). 225 KB holds it from growing further.
  const wasm = readFileSync(`${app}node_modules/gongkit/gongkit_bg.wasm`);
  const gz = gzipSync(wasm, { level: 9 }).length;
  console.log(`gongkit_bg.wasm: ${wasm.length} bytes raw, ${gz} bytes gzipped`);
  assert.ok(gz < 225_000, `${gz} bytes gzipped: over the 225 KB budget`);
});

/** Loads `url` in Chromium and returns the app's text; fails on any page error. */
async function textOf(url) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // (the browser's own favicon.ico request is not the app's)
  page.on("console", (m) => m.type() === "error" && !m.location().url?.endsWith("/favicon.ico") && errors.push(`${m.text()} ${m.location().url ?? ""}`));
  try {
    await page.goto(url);
    await page.waitForSelector("body[data-done=true]", { timeout: 30_000 }).catch(() => {
      throw new Error(`the app did not finish at ${url}: ${errors.join("; ") || "no error on the page"}`);
    });
    assert.deepEqual(errors, []);
    return await page.textContent("#out");
  } finally {
    await page.close();
  }
}

/** Serves a built app and checks its text. */
async function checkBuilt(dir) {
  const server = await serve(dir);
  try {
    assert.equal(await textOf(server.url), expected);
  } finally {
    await server.close();
  }
}

/** An index.html that loads `script` (a classic script, or a module). */
function page(dir, script, type = "module") {
  writeFileSync(`${dir}/index.html`, `<!doctype html><meta charset="utf-8"><pre id="out"></pre><script type="${type}" src="${script}"></script>\n`);
}

// The builds, started together (they wait on I/O as much as on the CPU).
const builds = {
  async webpack() {
    const { default: webpack } = await import("webpack");
    const dir = `${out}webpack`;
    const stats = await promisify(webpack)({ mode: "production", context: app, entry: "./src/main.js", output: { path: dir, filename: "main.js" } });
    assert.ok(!stats.hasErrors(), stats.toString("errors-only"));
    page(dir, "main.js", "text/javascript");
    return dir;
  },
  vite7: () => viteBuild("vite7"),
  vite8: () => viteBuild("vite8"),
  async esbuild() {
    const esbuild = await import("esbuild");
    const dir = `${out}esbuild`;
    // esbuild does not emit `new URL(…, import.meta.url)` assets: gongkit/web
    // with the .wasm imported by name and the one line `loader: { ".wasm": "file" }`.
    await esbuild.build({ absWorkingDir: app, entryPoints: ["src/web.js"], bundle: true, format: "esm", outdir: dir, loader: { ".wasm": "file" }, logLevel: "silent" });
    page(dir, "web.js");
    return dir;
  },
  async rollup() {
    const { rollup } = await import("rollup");
    const { nodeResolve } = await import("@rollup/plugin-node-resolve");
    const { importMetaAssets } = await import("@web/rollup-plugin-import-meta-assets");
    const dir = `${out}rollup`;
    const bundle = await rollup({ input: `${app}src/main.js`, plugins: [nodeResolve({ browser: true }), importMetaAssets()], logLevel: "silent" });
    await bundle.write({ dir, format: "es" });
    page(dir, "main.js");
    return dir;
  },
};

async function viteBuild(name) {
  const vite = await import(name);
  const dir = `${out}${name}`;
  await vite.build({ root: app, configFile: false, logLevel: "silent", build: { outDir: dir, emptyOutDir: true } });
  return dir;
}

const started = {};
const startAll = () => {
  for (const [name, build] of Object.entries(builds)) {
    started[name] ??= (async () => {
      const t0 = performance.now();
      const dir = await build();
      return { dir, seconds: (performance.now() - t0) / 1000 };
    })();
  }
  for (const p of Object.values(started)) p.catch(() => {});
  return started;
};

for (const name of Object.keys(builds)) {
  test(`${name}: build and run in Chromium`, { timeout: 240_000 }, async () => {
    const { dir, seconds } = await startAll()[name];
    const wasm = readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith(".wasm"));
    assert.equal(wasm.length, 1, `${name} emitted ${wasm.join(", ") || "no .wasm"}`);
    await checkBuilt(dir);
    console.log(`${name}: built in ${seconds.toFixed(1)} s (builds run at once), ran in Chromium with the expected text`);
  });
}

// Vite 7's dev server pre-bundles dependencies into node_modules/.vite/,
// where the bundler entry's `new URL("../gongkit_bg.wasm", import.meta.url)`
// no longer points at the .wasm: it needs the one line the README shows.
// Vite 8 needs nothing.
const DEV_CONFIG = { vite7: { optimizeDeps: { exclude: ["gongkit"] } }, vite8: {} };

test("vite7: dev server without configuration fails as the README says", { timeout: 120_000 }, async () => {
  await assert.rejects(devText("vite7", {}), /expected magic word 00 61 73 6d/);
});

async function devText(name, config) {
  const vite = await import(name);
  const server = await vite.createServer({
    ...config,
    root: app, configFile: false, logLevel: "silent",
    cacheDir: `${out}${name}-cache-${Object.keys(config).length}`,
    server: { host: "127.0.0.1", port: 0, strictPort: false, hmr: false },
  });
  await server.listen();
  try {
    const { port } = server.httpServer.address();
    return await textOf(`http://127.0.0.1:${port}/`);
  } finally {
    await server.close();
  }
}

for (const name of ["vite7", "vite8"]) {
  test(`${name}: dev server${name === "vite7" ? " (optimizeDeps.exclude)" : ""}`, { timeout: 120_000 }, async () => {
    assert.equal(await devText(name, DEV_CONFIG[name]), expected);
  });
}

test("gongkit/web imports in Node and runs with initSync", async () => {
  const web = await import(`${app}node_modules/gongkit/web/gongkit.js`);
  const resolved = createRequire(`${app}package.json`).resolve("gongkit/gongkit_bg.wasm");
  web.initSync({ module: readFileSync(resolved) });
  assert.equal(web.accountFromEmail("jane@big-corp.com"), "Big Corp");
  // by name, through "exports", as a user's import does
  const byName = await run(process.execPath, ["--input-type=module", "-e", 'import init, { callDate } from "gongkit/web"; console.log(typeof init, typeof callDate);'], { cwd: app });
  assert.equal(byName.stdout.trim(), "function function");
});

test("TypeScript accepts every entry under node16, nodenext and bundler", async () => {
  await Promise.all(["node16", "nodenext", "bundler"].map(async (m) => {
    await run(bin("tsc"), ["-p", `${app}ts/tsconfig.${m}.json`]).catch((e) => {
      throw new Error(`tsc (${m}):\n${e.stdout}${e.stderr}`);
    });
  }));
});

test("@arethetypeswrong/cli finds no problem", async () => {
  const { stdout } = await run(bin("attw"), [tarball, "--format", "json", "--exclude-entrypoints", "./gongkit_bg.wasm", "./web/gongkit_bg.wasm"]).catch((e) => e);
  const result = JSON.parse(stdout);
  const problems = Object.values(result.problems ?? {}).flat();
  assert.ok(Array.isArray(result.analysis.problems), "attw's JSON has the shape this test reads");
  // gongkit/web is an ES module by design (pages without a bundler; Node
  // >= 20.19 can require() it): attw's note that CommonJS resolves it to ESM
  // is the one accepted finding, and only for that entry.
  const accepted = (p) => p.entrypoint === "./web" && p.kind === "CJSResolvesToESM" && p.resolutionKind === "node16-cjs";
  assert.deepEqual(problems.filter((p) => !accepted(p)), [], JSON.stringify(problems, null, 1));
  const entries = Object.keys(result.analysis.entrypoints);
  assert.deepEqual(entries.sort(), [".", "./package.json", "./web"]);
});

test("publint finds nothing, not even a suggestion", async () => {
  const { publint } = await import("publint");
  const { formatMessage } = await import("publint/utils");
  const pkgDir = `${app}node_modules/gongkit`;
  const { messages } = await publint({ pkgDir, level: "suggestion", strict: true, pack: false });
  const pkg = JSON.parse(readFileSync(`${pkgDir}/package.json`, "utf8"));
  assert.deepEqual(messages.map((m) => formatMessage(m, pkg)), []);
});
