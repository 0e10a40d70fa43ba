// The npm package against a straightforward JavaScript implementation of the
// reference's logic (JSON.parse plus the same loops), on the two-hour
// fixture call: same run, same input, alternating. Prints both medians,
// MB/s and the ratio, each beside its goal (issue 22), and the .wasm size.
// "from bytes" is what a fetch gives: `await res.arrayBuffer()` handed to
// gongkit as it is, against `JSON.parse(new TextDecoder().decode(buf))`.
//
// usage: node bench/node.mjs [seconds per case] [--readme]   (after scripts/build-pkg)
//   --readme  also writes the table into the README (its npm-bench block)
import { measuredOn, writeBlock } from "./readme.mjs";
import { readFileSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const gongkit = require("../pkg");
const dir = new URL("../tests/fixtures/calls/", import.meta.url);
const transcript = readFileSync(new URL("two-hour.transcript.json", dir), "utf8");
const extensive = readFileSync(new URL("two-hour.extensive.json", dir), "utf8");
const README = process.argv.includes("--readme");
const seconds = Number(process.argv.slice(2).find((a) => !a.startsWith("--")) ?? 3);
// The body of a fetch: `await res.arrayBuffer()`.
const transcriptBytes = await new Response(readFileSync(new URL("two-hour.transcript.json", dir))).arrayBuffer();

// --- the reference's logic in plain JavaScript ---------------------------
function formatTranscriptJs(raw) {
  return formatParsedJs(JSON.parse(raw));
}

function formatParsedJs(parsed) {
  const callTranscript = parsed.callTranscripts[0];
  const lines = [];
  for (const entry of callTranscript.transcript) {
    const speakerId = entry.speakerId;
    const topic = entry.topic ?? "";
    const text = (entry.sentences ?? []).map((s) => s.text).join(" ");
    lines.push(topic ? `Speaker ${speakerId} (${topic}): ${text}` : `Speaker ${speakerId}: ${text}`);
  }
  return lines.join("\n");
}

function accountJs(parties, internal = "@seller.io") {
  for (const p of parties) {
    const email = p.emailAddress ?? "";
    if (email && !email.endsWith(internal)) {
      let domain = email.split("@")[1];
      for (const tld of [".io", ".com", ".net", ".org", ".co"]) {
        if (domain.endsWith(tld)) {
          domain = domain.slice(0, -tld.length);
          break;
        }
      }
      return domain.replace(/-/g, " ").replace(/\b\w/g, (c) => c.toUpperCase());
    }
  }
  return null;
}

function normalizeCallJs(rawExtensive, rawTranscript) {
  const call = JSON.parse(rawExtensive).calls[0];
  const meta = call.metaData;
  const parties = call.parties ?? [];
  const scheduled = String(meta.scheduled);
  const date = /^\d+$/.test(scheduled)
    ? new Date(Number(scheduled) * 1000).toISOString().slice(0, 10)
    : new Date(scheduled).toISOString().slice(0, 10);
  return {
    id: meta.id,
    title: meta.title,
    date,
    account: accountJs(parties),
    participants: parties.map((p) => ({ name: p.name, email: p.emailAddress })),
    transcript: formatTranscriptJs(rawTranscript),
  };
}

// --- timing ----------------------------------------------------------------
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

const results = [];

function race(name, cases, bytes, goal) {
  const times = cases.map(() => []);
  for (const c of cases) for (let i = 0; i < 20; i++) c.fn(); // warm up
  const end = performance.now() + seconds * 1000 * cases.length;
  while (performance.now() < end) {
    cases.forEach((c, i) => {
      const t0 = performance.now();
      c.fn();
      times[i].push(performance.now() - t0);
    });
  }
  const med = times.map(median);
  const rows = cases.map((c, i) => ({
    case: `${name}: ${c.name}`,
    "median ms": med[i].toFixed(3),
    "MB/s": (bytes / med[i] / 1000).toFixed(0),
    runs: times[i].length,
  }));
  console.table(rows);
  const ratio = med[1] / med[0];
  console.log(`${name}: wasm is ${ratio.toFixed(2)}x the speed of plain JS${goal ? ` (goal ${goal}x)` : ""}\n`);
  results.push({ case: name, "gongkit ms": med[0].toFixed(3), "plain JS ms": med[1].toFixed(3), ratio: `${ratio.toFixed(2)}x`, goal: goal ? `>= ${goal}x` : "-", met: goal ? (ratio >= goal ? "yes" : "no") : "-" });
  return ratio;
}

console.log(`node ${process.version}, input ${transcript.length} chars (${Buffer.byteLength(transcript)} bytes)`);
race(
  "formatTranscript",
  [
    { name: "gongkit (wasm, JSON string)", fn: () => gongkit.formatTranscript(transcript) },
    { name: "plain JS (JSON.parse + loops)", fn: () => formatTranscriptJs(transcript) },
  ],
  Buffer.byteLength(transcript),
  1.25,
);
// The same call with its accents taken off: English calls are all ASCII.
const asciiTranscript = transcript.normalize("NFD").replace(/[^\x00-\x7f]/g, "");
race(
  "formatTranscript (ASCII string)",
  [
    { name: "gongkit (wasm, JSON string)", fn: () => gongkit.formatTranscript(asciiTranscript) },
    { name: "plain JS (JSON.parse + loops)", fn: () => formatTranscriptJs(asciiTranscript) },
  ],
  asciiTranscript.length,
);
const decoder = new TextDecoder();
race(
  "formatTranscript from bytes",
  [
    { name: "gongkit (wasm, ArrayBuffer)", fn: () => gongkit.formatTranscript(transcriptBytes) },
    { name: "plain JS (TextDecoder + JSON.parse + loops)", fn: () => formatTranscriptJs(decoder.decode(transcriptBytes)) },
  ],
  transcriptBytes.byteLength,
  1.5,
);
race(
  "normalizeCall",
  [
    { name: "gongkit (wasm, JSON strings)", fn: () => gongkit.normalizeCall(extensive, transcript) },
    { name: "plain JS (JSON.parse + loops)", fn: () => normalizeCallJs(extensive, transcript) },
  ],
  Buffer.byteLength(transcript) + Buffer.byteLength(extensive),
);
const parsed = JSON.parse(transcript);
race(
  "formatTranscript (object)",
  [
    { name: "gongkit (wasm, parsed object)", fn: () => gongkit.formatTranscript(parsed) },
    { name: "plain JS (the loops only)", fn: () => formatParsedJs(parsed) },
  ],
  Buffer.byteLength(transcript),
);
console.log("Side by side with the goals:");
console.table(results);
const wasmFile = new URL("../pkg/gongkit_bg.wasm", import.meta.url);
const wasm = readFileSync(wasmFile);
console.log(`pkg/gongkit_bg.wasm: ${statSync(wasmFile).size} bytes raw, ${gzipSync(wasm, { level: 9 }).length} bytes gzipped`);

if (README) {
  const lines = [
    "| case | gongkit ms | plain JS ms | ratio | goal | met |",
    "|---|---|---|---|---|---|",
    ...results.map((r) => `| ${r.case} | ${r["gongkit ms"]} | ${r["plain JS ms"]} | ${r.ratio} | ${r.goal} | ${r.met} |`),
    "",
    `(\`node bench/node.mjs ${seconds} --readme\`, Node ${process.version}, medians of alternating runs, ${measuredOn()})`,
  ];
  writeBlock("<!-- npm-bench: generated by node bench/node.mjs --readme -->", "<!-- /npm-bench -->", lines.join("\n"));
  console.log("README.md: the npm-bench block written");
}
