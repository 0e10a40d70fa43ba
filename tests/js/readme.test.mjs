// pkg/README.md's code blocks, run as a user would run them: each `js`
// block is written to a file in a scratch folder that has the package in
// node_modules and a real call's answers as extensive.json and
// transcript.json, and run by Node. Every `expr; // → value` (or `expr;`
// with `// → value` on the next line) becomes a check that `expr` deeply
// equals `value`, and the run must reach every check. A block that imports
// `gongkit/gongkit_bg.wasm` is for esbuild: it is bundled with the README's
// one line of configuration (running it needs a browser: tests/bundlers/).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = new URL("../../", import.meta.url);
const readme = readFileSync(new URL("pkg/README.md", root), "utf8");

/** The fenced blocks: language, body (indentation of a list item removed), line. */
function blocks(markdown) {
  const out = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i].match(/^(\s*)```(\w+)\s*$/);
    if (!open) continue;
    const [, indent, lang] = open;
    const body = [];
    let j = i + 1;
    for (; !lines[j].startsWith(`${indent}\`\`\``); j++) body.push(lines[j].slice(indent.length));
    out.push({ lang, body: body.join("\n"), line: i + 1 });
    i = j;
  }
  return out;
}

/** The block with each `// → value` turned into a check; and how many there are. */
function withChecks(code, cjs) {
  const lines = code.split("\n");
  const out = [];
  let checks = 0;
  for (let i = 0; i < lines.length; i++) {
    const same = lines[i].match(/^(\s*)(.+?);\s*\/\/ → (.+)$/);
    const next = lines[i + 1]?.match(/^\s*\/\/ → (.+)$/);
    if (same) {
      out.push(`${same[1]}__check(() => (${same[2]}), ${same[3]}, ${i + 1});`);
      checks++;
    } else if (next && /;\s*$/.test(lines[i])) {
      const m = lines[i].match(/^(\s*)(.+?);\s*$/);
      out.push(`${m[1]}__check(() => (${m[2]}), ${next[1]}, ${i + 1});`, "");
      checks++;
      i++;
    } else {
      out.push(lines[i]);
    }
  }
  const assertImport = cjs ? 'const { deepStrictEqual: __eq } = require("node:assert");' : 'import { deepStrictEqual as __eq } from "node:assert";';
  const prelude = `${assertImport}
let __checked = 0;
function __check(f, want, line) { __eq(f(), want, \`line \${line} of the block\`); __checked++; }
process.on("exit", () => console.log(\`README checks: \${__checked}\`));
`;
  return { code: prelude + out.join("\n") + "\n", checks };
}

/** A scratch folder as a user's project: the package, and a call's answers. */
function project() {
  const dir = mkdtempSync(join(tmpdir(), "gongkit-readme-"));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(fileURLToPath(new URL("pkg", root)), join(dir, "node_modules", "gongkit"), "dir");
  for (const name of ["extensive", "transcript"]) {
    copyFileSync(new URL(`tests/fixtures/calls/acme-discovery.${name}.json`, root), join(dir, `${name}.json`));
  }
  return dir;
}

const all = blocks(readme);

test("the README's blocks are install lines, runnable JavaScript, or esbuild's", () => {
  assert.ok(all.filter((b) => b.lang === "js").length >= 4, "js blocks");
  for (const b of all) {
    if (b.lang === "sh") assert.equal(b.body.trim(), "npm install gongkit", `line ${b.line}`);
    else assert.equal(b.lang, "js", `line ${b.line}: a ${b.lang} block is not run`);
  }
});

for (const b of all.filter((b) => b.lang === "js")) {
  if (b.body.includes("gongkit/gongkit_bg.wasm") && !b.body.includes("require.resolve")) {
    test(`README block at line ${b.line} bundles with esbuild and loader { ".wasm": "file" }`, async () => {
      const dir = project();
      writeFileSync(join(dir, "app.js"), b.body + "\nconsole.log(formatTranscript);\n");
      const result = await build({
        absWorkingDir: dir,
        entryPoints: ["app.js"],
        bundle: true,
        format: "esm",
        outdir: "out",
        loader: { ".wasm": "file" },
        logLevel: "silent",
        metafile: true,
      });
      assert.deepEqual(result.errors, []);
      const outputs = Object.keys(result.metafile.outputs);
      assert.ok(outputs.some((f) => /^out\/gongkit_bg-\w+\.wasm$/.test(f)), `the .wasm is emitted as an asset: ${outputs}`);
    });
    continue;
  }
  test(`README block at line ${b.line} runs and prints what the README says`, () => {
    const cjs = /\brequire\(/.test(b.body) && !/^import /m.test(b.body);
    const { code, checks } = withChecks(b.body, cjs);
    const dir = project();
    const file = join(dir, cjs ? "block.cjs" : "block.mjs");
    writeFileSync(file, code);
    const out = execFileSync(process.execPath, [file], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    assert.match(out, new RegExp(`README checks: ${checks}\\n`), `every check of the block ran (${checks})`);
  });
}
