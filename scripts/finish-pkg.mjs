// Finishes pkg/ after wasm-bindgen: package.json with Cargo.toml's version,
// an ES module entry for Node, and TypeScript declarations without the Rust
// doctests that the doc comments carry.
import { readFileSync, writeFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";

const root = new URL("../", import.meta.url);
const cargo = readFileSync(new URL("Cargo.toml", root), "utf8");
const version = cargo.match(/^version = "([^"]+)"/m)[1];
const description = cargo.match(/^description = "([^"]+)"/m)[1];

// Doc comments come from the Rust items, examples included; keep the prose.
for (const target of ["node", "bundler", "web"]) {
  const file = new URL(`pkg/${target}/gongkit.d.ts`, root);
  const dts = readFileSync(file, "utf8").replace(
    /\n\s*\*\s*\n\s*\* # Examples\s*\n(\s*\*.*\n)*?(?=\s*\*\/)/g,
    "\n",
  );
  writeFileSync(file, dts);
  // wasm-bindgen writes a .gitignore of its own ("*"): npm would skip the files.
  for (const f of readdirSync(new URL(`pkg/${target}/`, root))) {
    if (f === ".gitignore") writeFileSync(new URL(`pkg/${target}/${f}`, root), "");
  }
}

const require = createRequire(import.meta.url);
const names = Object.keys(require(new URL("pkg/node/gongkit.js", root).pathname)).filter(
  (n) => !n.startsWith("__") && n !== "start",
);
writeFileSync(
  new URL("pkg/node/gongkit.mjs", root),
  `// ES module entry for Node: the CommonJS build, re-exported.
import { createRequire } from "node:module";
const gongkit = createRequire(import.meta.url)("./gongkit.js");
export const { ${names.join(", ")} } = gongkit;
export default gongkit;
`,
);

const pkg = {
  name: "gongkit",
  version,
  description,
  license: "MIT OR Apache-2.0",
  keywords: ["gong", "transcript", "llm", "wasm", "sales"],
  repository: { type: "git", url: "https://github.com/gongkit/gongkit" },
  engines: { node: ">=18" },
  type: "commonjs",
  main: "./node/gongkit.js",
  module: "./bundler/gongkit.js",
  types: "./node/gongkit.d.ts",
  sideEffects: ["./bundler/gongkit.js", "./bundler/gongkit_bg.js"],
  exports: {
    ".": {
      types: "./node/gongkit.d.ts",
      node: { import: "./node/gongkit.mjs", require: "./node/gongkit.js" },
      browser: "./bundler/gongkit.js",
      import: "./bundler/gongkit.js",
      default: "./node/gongkit.js",
    },
    "./web": { types: "./web/gongkit.d.ts", default: "./web/gongkit.js" },
    "./package.json": "./package.json",
  },
  files: ["node/", "bundler/", "web/", "README.md"],
};
writeFileSync(new URL("pkg/package.json", root), JSON.stringify(pkg, null, 2) + "\n");
console.log(`pkg/package.json: gongkit ${version}, ${names.length} functions`);
