// The fixture table (tests/fixtures/cases.json) for the JS tests: the same
// cases and expected files as the Rust tests, run through the npm package.
import { readFileSync } from "node:fs";
import { formats } from "gongkit";

const fixtures = new URL("../fixtures/", import.meta.url);
export const read = (path) => readFileSync(new URL(path, fixtures), "utf8");
export const cases = JSON.parse(read("cases.json"));

/** The package's format with this name; no name is the default, the first of `formats()`. */
export function formatNamed(name) {
  const all = formats();
  const format = name === undefined ? all[0] : all.find((f) => f.name === name);
  if (!format) throw new Error(`the fixture table names a format the package lacks: ${name}`);
  return format;
}

/** The expected file's name for a call and variant, as tests/fixtures.rs names it. */
export function expectedFile(call, variantName) {
  const variant = cases.variants[variantName];
  const ext =
    variant.fn === "formatTranscript"
      ? formatNamed(variant.options.format).extension
      : variant.fn === "callDocument"
        ? "txt"
        : "json";
  return `expected/${call}.${variantName}.${ext}`;
}

/** The forms a JSON input can take: text, parsed, or UTF-8 bytes of both kinds. */
export const FORMS = ["text", "objects", "bytes", "arraybuffer"];

const encoder = new TextEncoder();

/** JSON text in one of the `FORMS`. */
export function inForm(json, form) {
  if (typeof json !== "string") return json;
  switch (form) {
    case "objects":
      return JSON.parse(json);
    case "bytes":
      return encoder.encode(json);
    case "arraybuffer": {
      // An ArrayBuffer of exactly the text, as `await res.arrayBuffer()` gives.
      const bytes = encoder.encode(json);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    }
    default:
      return json;
  }
}

/**
 * Runs one function of the table through the package `g`, as
 * tests/fixtures.rs runs it through the Rust API. `form` passes JSON
 * inputs as text (the default), parsed objects, or UTF-8 bytes. With
 * `names`, `formatTranscript` gets the `parties` option as the extensive
 * answer in that form (as parsed parties for objects).
 */
export function run(g, fn, { input, transcript, options = {}, partiesFrom, asObjects = false, form = asObjects ? "objects" : "text" }) {
  const arg = (json) => (json === undefined ? json : inForm(json, form));
  const { names, maxChars, ...rest } = options;
  switch (fn) {
    case "formatTranscript":
    case "chunkTranscript": {
      const o = { ...rest };
      if (names && partiesFrom) o.parties = form === "objects" ? JSON.parse(partiesFrom).calls[0].parties : inForm(partiesFrom, form);
      if (fn === "chunkTranscript") return g.chunkTranscript(arg(input), { ...o, maxChars: maxChars ?? 0 });
      return g.formatTranscript(arg(input), o);
    }
    case "extensive":
      return g.normalizeCall(arg(input));
    case "normalizeCall":
      return g.normalizeCall(arg(input), arg(transcript), { names, ...rest });
    case "callDocument":
      return g.callDocument(arg(input), arg(transcript), { names, ...rest });
    case "chunkDocument":
      return g.chunkDocument(arg(input), arg(transcript), { names, ...rest, maxChars: maxChars ?? 0 });
    case "extensiveRequest":
      return g.extensiveRequest(options);
    case "transcriptRequest":
      return g.transcriptRequest(options);
    case "batchCallIds":
      return g.batchCallIds(arg(input));
    default:
      throw new Error(`unknown fn ${fn}`);
  }
}

/** Drops `undefined` options, which the Rust table never has. */
export function clean(o) {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/**
 * The core's error messages as the npm package words them: serde's Rust
 * type names in JSON's words (the package's `json_words` in src/wasm.rs).
 */
export function jsonWords(message) {
  return message
    .replace(/expected (?:i64|i32)\b/g, "expected an integer")
    .replace(/expected (?:u64|u32|u16|u8|usize)\b/g, "expected a non-negative integer")
    .replace(/expected f64\b/g, "expected a number")
    .replace(/expected a sequence/g, "expected an array")
    .replace(/expected a map/g, "expected an object")
    .replace(/invalid type: map/g, "invalid type: object")
    .replace(/invalid type: sequence/g, "invalid type: array")
    .replace(/invalid type: unit value/g, "invalid type: null")
    .replace(/invalid type: (?:floating point|integer)/g, "invalid type: number")
    .replace(/invalid value: integer/g, "invalid value: number");
}
