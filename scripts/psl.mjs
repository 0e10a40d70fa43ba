// Writes src/public_suffixes.txt, the Public Suffix List as gongkit embeds
// it, from Mozilla's public_suffix_list.dat (https://publicsuffix.org/list/):
//
//   node scripts/psl.mjs public_suffix_list.dat [version]
//
// Rules are converted to ASCII (punycode) and grouped by their parent domain,
// one line each, `parent:label,label,…` (`*` is a wildcard, `!label` an
// exception; the top-level domains are the line with the empty parent).
// Grouped, the list is 97 KB, 36 KB gzipped in the .wasm (the psl2 crate's
// decoded trie was 165 KB, 87 KB gzipped).
import { readFileSync, writeFileSync } from "node:fs";
import { domainToASCII } from "node:url";

const [input, version = "unknown"] = process.argv.slice(2);
if (!input) throw new Error("usage: node scripts/psl.mjs public_suffix_list.dat [version]");
const groups = new Map();
for (const raw of readFileSync(input, "utf8").split("\n")) {
  const line = raw.trim().split(/\s/)[0];
  if (!line || line.startsWith("//")) continue;
  const mark = line.startsWith("!") ? "!" : line.startsWith("*.") ? "*." : line === "*" ? "*" : "";
  const rest = line.slice(mark.length);
  const ascii = rest ? domainToASCII(rest) : "";
  if (rest && !ascii) throw new Error(`cannot convert rule ${JSON.stringify(line)} to ASCII`);
  const rule = mark === "*." ? `*.${ascii}` : `${mark}${ascii}`;
  const at = rule.indexOf(".");
  const [label, parent] = at < 0 ? [rule, ""] : [rule.slice(0, at), rule.slice(at + 1)];
  if (/[:,]/.test(rule)) throw new Error(`rule ${rule} holds a separator`);
  if (!groups.has(parent)) groups.set(parent, new Set());
  groups.get(parent).add(label);
}
// Sorted by parent, then label, in byte order: src/account.rs binary-searches
// the (parent, label) pairs in this order.
const byBytes = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const lines = [...groups]
  .sort(([a], [b]) => byBytes(a, b))
  .map(([parent, labels]) => `${parent}:${[...labels].sort(byBytes).join(",")}`);
writeFileSync(
  new URL("../src/public_suffixes.txt", import.meta.url),
  `// The Public Suffix List (https://publicsuffix.org/list/, MPL-2.0), ICANN and private sections, ${version}.
// ASCII (punycode), grouped by parent domain: "parent:label,label,…" ("*" a wildcard, "!label" an exception).
// Written by scripts/psl.mjs from public_suffix_list.dat; read by src/account.rs.
${lines.join("\n")}
`,
);
console.log(`src/public_suffixes.txt: ${lines.length} parents, ${[...groups.values()].reduce((n, s) => n + s.size, 0)} rules`);
