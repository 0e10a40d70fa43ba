// Finishes pkg/ after wasm-bindgen (scripts/build-pkg): one .wasm for every
// entry, the entries themselves, TypeScript declarations for each module
// kind, LICENSE, and package.json with Cargo.toml's version.
//
//   gongkit_bg.wasm       the one WebAssembly module (also exported, for tools that want its URL)
//   node/gongkit.cjs      Node, require(): wasm-bindgen's CommonJS glue, reading ../gongkit_bg.wasm
//   node/gongkit.mjs      Node, import: the same module re-exported (no second instance)
//   web/gongkit.js        browsers: wasm-bindgen's ES module glue; `await init()` fetches ../gongkit_bg.wasm
//   bundler/gongkit.js    bundlers: the web glue, initialized with top-level await from
//                         `new URL("../gongkit_bg.wasm", import.meta.url)`, which webpack 5
//                         and Vite turn into an asset with no configuration (tests/bundlers/)
import { readFileSync, writeFileSync, readdirSync, renameSync, rmSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";

const root = new URL("../", import.meta.url);
const at = (p) => new URL(p, root);
const read = (p) => readFileSync(at(p), "utf8");
const write = (p, text) => writeFileSync(at(p), text);

const cargo = read("Cargo.toml");
const version = cargo.match(/^version = "([^"]+)"/m)[1];
const description = cargo.match(/^description = "([^"]+)"/m)[1];

/** Replaces `from` in `text`, failing loudly when wasm-bindgen's output changed. */
function patch(text, from, to, what) {
  if (!text.includes(from)) throw new Error(`finish-pkg: ${what}: ${JSON.stringify(from)} not found`);
  return text.replaceAll(from, to);
}

// Doc comments come from the Rust items, examples included; keep the prose.
const withoutExamples = (dts) =>
  dts.replace(/\n\s*\*\s*\n\s*\* # Examples\s*\n(\s*\*.*\n)*?(?=\s*\*\/)/g, "\n");

// Strings into wasm: wasm-bindgen copies a string's ASCII prefix with a
// JavaScript loop, one character at a time, before it calls
// TextEncoder.encodeInto for the rest: 0.75 ms of the 1.6 ms of an all-ASCII
// two-hour transcript in Node 20. From 64 characters on, encodeInto takes
// the whole string (0.14 ms for that one); shorter ones keep the loop, which
// spares them a reallocation.
const ASCII_LOOP = "for (; offset < len; offset++) {";
const encodeWhole = (glue, what) => patch(glue, ASCII_LOOP, "for (; offset < len && len < 64; offset++) {", what);

// One .wasm: the web build's (wasm-opt ran on it); the node one is the same module.
renameSync(at("pkg/web/gongkit_bg.wasm"), at("pkg/gongkit_bg.wasm"));
for (const dir of ["node", "web"]) {
  for (const f of readdirSync(at(`pkg/${dir}/`))) {
    // wasm-bindgen's own .gitignore ("*") would make npm skip the files;
    // the .wasm and its declarations are replaced by the one at the root.
    if (f === ".gitignore" || f.startsWith("gongkit_bg.wasm")) rmSync(at(`pkg/${dir}/${f}`));
  }
}

// Node, CommonJS: .cjs in a "type": "module" package, reading the shared .wasm.
let cjs = read("pkg/node/gongkit.js");
cjs = patch(cjs, "`${__dirname}/gongkit_bg.wasm`", "`${__dirname}/../gongkit_bg.wasm`", "node glue wasm path");
cjs = encodeWhole(cjs, "node glue string passing");
write("pkg/node/gongkit.cjs", cjs);
rmSync(at("pkg/node/gongkit.js"));
const nodeDts = withoutExamples(read("pkg/node/gongkit.d.ts"));
write("pkg/node/gongkit.d.cts", nodeDts);
rmSync(at("pkg/node/gongkit.d.ts"));

const require = createRequire(import.meta.url);
const names = Object.keys(require(at("pkg/node/gongkit.cjs").pathname)).filter((n) => !n.startsWith("__"));
const exportList = names.join(", ");

// Node, import: the CommonJS module re-exported, so require and import share
// one instance. Its types are the bundler entry's (the same functions, ESM).
write(
  "pkg/node/gongkit.mjs",
  `// Node, import: the CommonJS build re-exported (one instance for require and import).
import { createRequire } from "node:module";
const gongkit = createRequire(import.meta.url)("./gongkit.cjs");
export const { ${exportList} } = gongkit;
`,
);

// Browsers: the web glue fetches the shared .wasm by default.
let web = read("pkg/web/gongkit.js");
web = patch(web, "new URL('gongkit_bg.wasm', import.meta.url)", "new URL('../gongkit_bg.wasm', import.meta.url)", "web glue wasm URL");
web = encodeWhole(web, "web glue string passing");
write("pkg/web/gongkit.js", web);
write("pkg/web/gongkit.d.ts", withoutExamples(read("pkg/web/gongkit.d.ts")));
// For resolvers that predate "exports" (TypeScript's node10): gongkit/web as a folder.
write("pkg/web/package.json", JSON.stringify({ type: "module", main: "./gongkit.js", types: "./gongkit.d.ts" }, null, 2) + "\n");

// Bundlers: the web glue, initialized once with top-level await.
mkdirSync(at("pkg/bundler"), { recursive: true });
write(
  "pkg/bundler/gongkit.js",
  `// Bundlers (webpack 5, Vite; Rollup with an import.meta assets plugin): the
// web build, initialized here with top-level await. The URL below is the
// pattern bundlers recognize to emit the .wasm as an asset.
import init from "../web/gongkit.js";
await init({ module_or_path: new URL("../gongkit_bg.wasm", import.meta.url) });
export { ${exportList} } from "../web/gongkit.js";
`,
);
// Same declarations as Node's, as an ES module.
write("pkg/bundler/gongkit.d.ts", nodeDts);

// LICENSE: both texts, as the crate offers either.
write(
  "pkg/LICENSE",
  `gongkit is licensed under either of the MIT license or the Apache License,
Version 2.0, at your option. Both texts follow.

${read("LICENSE-MIT").trim()}

-------------------------------------------------------------------------------

${read("LICENSE-APACHE").trim()}
`,
);

const pkg = {
  name: "gongkit",
  version,
  description,
  license: "MIT OR Apache-2.0",
  keywords: ["gong", "transcript", "llm", "wasm", "sales"],
  repository: { type: "git", url: "git+https://github.com/gongkit/gongkit.git" },
  engines: { node: ">=18" },
  type: "module",
  main: "./node/gongkit.cjs",
  types: "./node/gongkit.d.cts",
  sideEffects: ["./bundler/gongkit.js"],
  exports: {
    ".": {
      node: {
        import: { types: "./bundler/gongkit.d.ts", default: "./node/gongkit.mjs" },
        require: { types: "./node/gongkit.d.cts", default: "./node/gongkit.cjs" },
      },
      types: "./bundler/gongkit.d.ts",
      default: "./bundler/gongkit.js",
    },
    "./web": { types: "./web/gongkit.d.ts", default: "./web/gongkit.js" },
    "./gongkit_bg.wasm": "./gongkit_bg.wasm",
    "./web/gongkit_bg.wasm": "./gongkit_bg.wasm",
    "./package.json": "./package.json",
  },
  files: ["gongkit_bg.wasm", "node/", "bundler/", "web/", "README.md", "LICENSE"],
};
write("pkg/package.json", JSON.stringify(pkg, null, 2) + "\n");
console.log(`pkg/package.json: gongkit ${version}, ${names.length} functions`);
