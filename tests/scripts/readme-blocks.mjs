// Runs the README's shell blocks that talk to the Worker (those using $URL)
// against a running Worker, and holds each to what the README says it gives.
//
//   SMOKE=1 scripts/run -- node tests/scripts/readme-blocks.mjs
//
// scripts/run puts URL and TOKEN (an admin token) in the environment. Each
// block runs in bash in a scratch folder, `curl` failing on an HTTP error
// (--fail-with-body), with .venv-test's python3 and pip first on the PATH.
// Lines that need a Cloudflare account (`--remote`, `d1 create`, `deploy`)
// are left out and listed. A ```python block right after a shell block that
// runs `python3 NAME.py` is that file; a ```json block right after a shell
// block is what its last command prints: every value the sample shows must
// be in the answer, `"…"` standing for any value, an ISO timestamp for any
// timestamp and a number for any number (counts and scores move with the
// data; names, titles and quoted words must not). Exits 1 naming the README line of the first block that
// fails.
import { readFileSync, mkdtempSync, copyFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const { URL: url, TOKEN: token } = process.env;
if (!url || !token) {
  console.error("readme-blocks: run me through scripts/run (SMOKE=1 scripts/run -- node tests/scripts/readme-blocks.mjs): URL and TOKEN are not set");
  process.exit(2);
}

/** The README's fenced blocks, in order: language, text, first line (1-based), and whether only blank lines separate it from the previous block. */
function blocks(markdown) {
  const out = [];
  const lines = markdown.split("\n");
  let open = null;
  let sinceLast = "";
  lines.forEach((line, i) => {
    const fence = /^```(\w*)\s*$/.exec(line);
    if (open && fence && fence[1] === "") {
      out.push({ ...open, adjacent: open.gap.trim() === "" && out.length > 0 });
      open = null;
      sinceLast = "";
    } else if (open) {
      open.text += `${line}\n`;
    } else if (fence && fence[1] !== "") {
      open = { lang: fence[1], text: "", line: i + 1, gap: sinceLast };
    } else {
      sinceLast += `${line}\n`;
    }
  });
  return out;
}

const CLOUDFLARE_ONLY = /--remote|d1 create|wrangler (deploy|login)/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/** Where `sample` differs from `actual`, as a JSON path, or null. */
function mismatch(sample, actual, path = "$") {
  if (sample === "…") return null;
  if (typeof sample === "string" && ISO.test(sample)) {
    return typeof actual === "string" && ISO.test(actual) ? null : `${path}: a timestamp, got ${JSON.stringify(actual)}`;
  }
  if (typeof sample === "number") {
    return typeof actual === "number" ? null : `${path}: a number, got ${JSON.stringify(actual)}`;
  }
  if (Array.isArray(sample)) {
    if (!Array.isArray(actual)) return `${path}: an array, got ${JSON.stringify(actual)?.slice(0, 200)}`;
    for (let i = 0; i < sample.length; i++) {
      const m = mismatch(sample[i], actual[i], `${path}[${i}]`);
      if (m) return m;
    }
    return null;
  }
  if (sample && typeof sample === "object") {
    if (!actual || typeof actual !== "object") return `${path}: an object, got ${JSON.stringify(actual)?.slice(0, 200)}`;
    for (const [k, v] of Object.entries(sample)) {
      if (!(k in actual)) return `${path}.${k}: missing from the answer`;
      const m = mismatch(v, actual[k], `${path}.${k}`);
      if (m) return m;
    }
    return null;
  }
  return sample === actual ? null : `${path}: the README says ${JSON.stringify(sample)}, the Worker gave ${JSON.stringify(actual)}`;
}

function run() {
  const all = blocks(readFileSync(`${root}README.md`, "utf8"));
  const venv = `${root}.venv-test/bin`;
  let ran = 0;
  const left = [];
  for (const [i, block] of all.entries()) {
    if (block.lang !== "sh" || !block.text.includes("$URL")) continue;
    const dir = mkdtempSync(join(tmpdir(), "gongkit-readme-"));
    copyFileSync(`${root}tests/fixtures/calls/acme-discovery.transcript.json`, join(dir, "transcript.json"));
    const next = all[i + 1];
    const file = /python3 (\w+\.py)/.exec(block.text);
    if (file && next?.lang === "python" && next.adjacent) writeFileSync(join(dir, file[1]), next.text);
    // Commands, continuation lines joined; comments and account-only lines out.
    const commands = block.text.replace(/\\\n\s*/g, " ").split("\n").filter((l) => l.trim() && !l.trim().startsWith("#"));
    const kept = commands.filter((c) => !CLOUDFLARE_ONLY.test(c));
    left.push(...commands.filter((c) => CLOUDFLARE_ONLY.test(c)).map((c) => `README.md:${block.line}: ${c.trim()}`));
    let last = "";
    for (const command of kept) {
      const script = `set -euo pipefail\ncurl() { command curl --fail-with-body -sS "$@"; }\n${command}\n`;
      try {
        last = execFileSync("bash", ["-c", script], {
          cwd: dir,
          env: { ...process.env, PATH: `${venv}:${process.env.PATH}` },
          encoding: "utf8",
          maxBuffer: 64 << 20,
          timeout: 120_000,
        });
      } catch (e) {
        throw new Error(`README.md:${block.line}: \`${command.trim()}\` failed (${e.status ?? e.signal}):\n${e.stdout ?? ""}${e.stderr ?? ""}`);
      }
      ran++;
      console.log(`ok  README.md:${block.line}  ${command.trim().slice(0, 110)}  (${Buffer.byteLength(last)} bytes)`);
    }
    if (next?.lang === "json" && next.adjacent) {
      let sample;
      try {
        sample = JSON.parse(next.text);
      } catch (e) {
        throw new Error(`README.md:${next.line}: the sample is not JSON: ${e.message}`);
      }
      let actual;
      try {
        actual = JSON.parse(last);
      } catch {
        throw new Error(`README.md:${block.line}: the README shows JSON below, the command printed: ${last.slice(0, 300)}`);
      }
      const m = mismatch(sample, actual);
      if (m) throw new Error(`README.md:${next.line}: the sample does not match what the Worker gives: ${m}\n(it gave ${last.slice(0, 1500)})`);
      console.log(`ok  README.md:${next.line}  the sample answer matches`);
    }
  }
  for (const l of left) console.log(`--  ${l}  (needs a Cloudflare account: not run)`);
  if (ran === 0) throw new Error("no README block uses $URL: nothing was checked");
  console.log(`README blocks: ${ran} commands run against ${url}`);
}

try {
  run();
} catch (e) {
  console.error(`readme-blocks: ${e.message}`);
  process.exit(1);
}
