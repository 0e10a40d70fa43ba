// The npm package as an ES module user meets it: `import` through the
// package's "exports", every function over the fixture table, compared with
// the same expected files as the Rust tests.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import * as g from "gongkit";
import { cases, read, run, expectedFile, formatNamed, jsonWords } from "./table.mjs";

const FUNCTIONS = [
  "accountFromEmail", "accountFromParties", "batchCallIds", "callDate", "callDocument",
  "chunkDocument", "chunkTranscript", "documentVersion", "extensiveRequest", "formatTranscript",
  "formats", "normalizeCall", "searchWords", "transcriptRequest",
];

test("import gives every function, the same ones as require, and nothing else", () => {
  const cjs = createRequire(import.meta.url)("gongkit");
  for (const name of FUNCTIONS) {
    assert.equal(typeof g[name], "function", name);
    assert.equal(cjs[name], g[name], name);
  }
  assert.deepEqual(Object.keys(g).sort(), [...FUNCTIONS].sort());
  assert.equal(g.documentVersion(), 1);
});

for (const asObjects of [false, true]) {
  test(`fixture outputs match the expected files (inputs as ${asObjects ? "objects" : "JSON strings"})`, () => {
    let checked = 0;
    for (const call of cases.calls) {
      const extensive = read(`calls/${call.name}.extensive.json`);
      const transcript = read(`calls/${call.name}.transcript.json`);
      for (const variantName of call.variants) {
        const { fn, options } = cases.variants[variantName];
        const out = ["formatTranscript", "chunkTranscript"].includes(fn)
          ? run(g, fn, { input: transcript, options, partiesFrom: extensive, asObjects })
          : run(g, fn, { input: extensive, transcript, options: { ...options, internalDomains: call.internalDomains }, asObjects });
        const expected = read(expectedFile(call.name, variantName));
        if (typeof out === "string") {
          assert.equal(out, expected, `${call.name}.${variantName}`);
        } else {
          assert.deepEqual(out, JSON.parse(expected), `${call.name}.${variantName}`);
        }
        checked++;
      }
    }
    assert.ok(checked >= 45, `${checked} outputs`);
  });
}

test("accounts and dates of the fixture calls", () => {
  for (const call of cases.calls) {
    const extensive = JSON.parse(read(`calls/${call.name}.extensive.json`));
    const data = extensive.calls[0];
    assert.equal(g.accountFromParties(data.parties ?? [], { internalDomains: call.internalDomains }), call.account ?? undefined, call.name);
    const when = data.metaData.scheduled ?? data.metaData.started;
    assert.equal(g.callDate(when), call.date, call.name);
  }
});

test("the date table", () => {
  for (const c of cases.dates) {
    const options = c.utcOffsetMinutes === undefined ? undefined : { utcOffsetMinutes: c.utcOffsetMinutes };
    if (c.error) {
      assert.throws(() => g.callDate(c.input, options), (e) => e instanceof Error && e.message === c.error, JSON.stringify(c));
    } else {
      assert.equal(g.callDate(c.input, options), c.expected, JSON.stringify(c));
    }
  }
});

test("the email table", () => {
  for (const c of cases.emails) {
    const options = c.internalDomains ? { internalDomains: c.internalDomains } : undefined;
    if (c.error) {
      assert.throws(() => g.accountFromEmail(c.email, options), (e) => e instanceof Error && e.message === c.error, c.email);
    } else {
      assert.equal(g.accountFromEmail(c.email, options), c.expected ?? undefined, c.email);
    }
  }
});

test("the bad-input table: each throws an Error with the core's message", () => {
  assert.ok(cases.errors.length >= 30);
  for (const c of cases.errors) {
    const call = () => run(g, c.fn, { input: c.input, transcript: c.transcript, options: c.options ?? {} });
    assert.throws(call, (e) => e instanceof Error && e.message === jsonWords(c.error), `${c.fn}: ${JSON.stringify(c.input)}`);
  }
});

test("messages speak JSON: no Rust type names in any error of the table", () => {
  const rust = /\b(?:[iu](?:8|16|32|64|128|size)|f32|f64|sequence|unit value)\b|expected a map|invalid type: map/;
  let rewritten = 0;
  for (const c of cases.errors) {
    let message;
    try {
      run(g, c.fn, { input: c.input, transcript: c.transcript, options: c.options ?? {} });
    } catch (e) {
      message = e.message;
    }
    assert.ok(message, `${c.fn}: ${JSON.stringify(c.input)} did not throw`);
    assert.doesNotMatch(message, rust, message);
    if (message !== c.error) rewritten++;
  }
  assert.ok(rewritten > 0, "the table has Rust-worded messages that the package rewrites");
  assert.throws(() => g.chunkTranscript("[]", { maxChars: -1 }), { message: /maxChars: invalid value: number `-1`, expected a non-negative integer/ });
});

test("bad inputs given as objects give the same messages as JSON text", () => {
  let compared = 0;
  for (const c of cases.errors) {
    if (typeof c.input !== "string") continue;
    let parsed;
    try {
      parsed = JSON.parse(c.input);
    } catch {
      continue; // not JSON: only a string can carry it
    }
    // A string argument is JSON text, so a JSON string document has no object
    // form; null, numbers and booleans are not documents but TypeErrors (tested below).
    if (parsed === null || typeof parsed !== "object") continue;
    // An array where the call takes an object (and the reverse) is a TypeError too.
    const objectOnly = ["normalizeCall", "callDocument", "chunkDocument", "extensive"].includes(c.fn);
    const arrayOnly = ["accountFromParties", "batchCallIds"].includes(c.fn);
    if ((objectOnly && Array.isArray(parsed)) || (arrayOnly && !Array.isArray(parsed))) continue;
    // Objects go through JSON.stringify: same document, compact.
    if (JSON.stringify(parsed) !== c.input && c.error.includes(" at line ")) continue;
    const call = () => run(g, c.fn, { input: c.input, transcript: c.transcript, options: c.options ?? {}, asObjects: true });
    assert.throws(call, (e) => e instanceof Error && e.message === jsonWords(c.error), `${c.fn}: ${c.input}`);
    compared++;
  }
  assert.ok(compared >= 25, `${compared}`);
});

test("request bodies", () => {
  for (const c of cases.requests) {
    assert.deepEqual(run(g, c.fn, { input: c.input, options: c.options }), c.expected, JSON.stringify(c.options ?? c.input));
  }
});

test("ids are strings in every result, even when given as numbers", () => {
  const call = g.normalizeCall({ calls: [{ metaData: { id: 3318850021944410000 - 0 === 0 ? "0" : "42" }, parties: [{ speakerId: 7, name: "N" }] }] });
  assert.equal(typeof call.id, "string");
  assert.equal(call.participants[0].speakerId, "7");
  const requests = g.batchCallIds(["1", "2"]);
  assert.ok(requests.flat().every((id) => typeof id === "string"));
});

test("options are checked: unknown names and wrong types are errors", () => {
  assert.throws(() => g.formatTranscript("[]", { fromat: "srt" }), /invalid options: unknown field `fromat`/);
  assert.throws(() => g.formatTranscript("[]", { timestamps: "yes" }), /invalid options: timestamps: invalid type: string "yes", expected a boolean/);
  const one = '[{"speakerId": "1", "sentences": [{"text": "Hi."}]}]';
  assert.equal(g.formatTranscript(one, undefined), "Speaker 1: Hi.");
  assert.equal(g.formatTranscript(one, null), "Speaker 1: Hi.");
});

// Every export checks the JS type of each argument before anything reads it:
// a TypeError naming the parameter, never a wasm trap or a glue error.
const WRONG = [
  ["accountFromEmail", [42], "email: expected a string, got a number (42)"],
  ["accountFromEmail", [{}], "email: expected a string, got an object"],
  ["accountFromEmail", [true], "email: expected a string, got a boolean (true)"],
  ["accountFromEmail", [undefined], "email: expected a string, got undefined"],
  ["accountFromEmail", [null], "email: expected a string, got null"],
  ["accountFromEmail", ["x@acme.com", "acme.com"], "options: expected an object, got a string"],
  ["accountFromEmail", ["x@acme.com", ["acme.com"]], "options: expected an object, got an array"],
  ["accountFromParties", [{}], "parties: expected an array or its JSON text, got an object"],
  ["accountFromParties", [], "parties: expected an array or its JSON text, got undefined"],
  ["callDate", [], "value: expected a string or a number, got undefined"],
  ["callDate", [true], "value: expected a string or a number, got a boolean (true)"],
  ["callDate", [{}], "value: expected a string or a number, got an object"],
  ["callDate", [1, 5], "options: expected an object, got a number (5)"],
  ["callDate", ["1", "not an object"], "options: expected an object, got a string"],
  ["formatTranscript", [], "transcript: expected an object, an array or their JSON text, got undefined"],
  ["formatTranscript", [42], "transcript: expected an object, an array or their JSON text, got a number (42)"],
  ["formatTranscript", ["[]", "markdown"], "options: expected an object, got a string"],
  ["normalizeCall", [[]], "extensive: expected an object or its JSON text, got an array"],
  ["normalizeCall", [null], "extensive: expected an object or its JSON text, got null"],
  ["normalizeCall", ["{}", 7], "transcript: expected an object, an array or their JSON text, got a number (7)"],
  ["callDocument", [1], "extensive: expected an object or its JSON text, got a number (1)"],
  ["callDocument", ["{}", undefined, true], "options: expected an object, got a boolean (true)"],
  ["chunkTranscript", ["[]"], "options: expected an object, got undefined"],
  ["chunkTranscript", [false, { maxChars: 10 }], "transcript: expected an object, an array or their JSON text, got a boolean (false)"],
  ["chunkDocument", [{ calls: [] }, undefined], "options: expected an object, got undefined"],
  ["chunkDocument", [() => 1, undefined, { maxChars: 5 }], "extensive: expected an object or its JSON text, got a function"],
  ["extensiveRequest", ["callView"], "options: expected an object, got a string"],
  ["transcriptRequest", [3], "options: expected an object, got a number (3)"],
  ["batchCallIds", [], "ids: expected an array or its JSON text, got undefined"],
  ["batchCallIds", [{ 0: "1" }], "ids: expected an array or its JSON text, got an object"],
];

test("wrong argument types are TypeErrors naming the parameter", () => {
  for (const [fn, args, message] of WRONG) {
    assert.throws(() => g[fn](...args), (e) => e instanceof TypeError && e.message === message, `${fn}(${args.map((a) => typeof a).join(", ")}): expected "${message}"`);
  }
  // and the module still works afterwards
  assert.equal(g.accountFromEmail("bob@ACME.co.uk"), "Acme");
});

test("a transcript with no usable monologue is an error, in every format", () => {
  const message = "transcript: no usable monologue (none has a sentence with text)";
  for (const input of ["[]", "[{}]", [{}], [{ speakerId: "1", sentences: [] }], { callTranscripts: [{ transcript: [] }] }, { callTranscripts: [{ transcript: [{ sentences: [{ text: "" }] }] }] }]) {
    for (const { name: format } of g.formats()) {
      assert.throws(() => g.formatTranscript(input, { format }), { message }, `${JSON.stringify(input)} as ${format}`);
    }
    assert.throws(() => g.chunkTranscript(input, { maxChars: 100 }), { message }, JSON.stringify(input));
  }
});

test("formats() is the formats the fixture table exercises, and formatTranscript takes exactly those", () => {
  const list = g.formats();
  const names = list.map((f) => f.name);
  // every format once, each with its extension and content type
  assert.equal(new Set(names).size, names.length);
  for (const f of list) {
    assert.deepEqual(Object.keys(f).sort(), ["contentType", "extension", "name"], f.name);
    assert.match(f.extension, /^[a-z0-9]+$/, f.name);
    assert.match(f.contentType, /^[a-z]+\/[a-z0-9.+-]+(; charset=utf-8)?$/, f.name);
  }
  // a fresh array each call: a caller may change its copy
  assert.notEqual(g.formats(), list);
  assert.deepEqual(g.formats(), list);
  // the table's formatTranscript variants cover every format and only these (no format: the first)
  const exercised = new Set(
    Object.values(cases.variants).filter((v) => v.fn === "formatTranscript").map((v) => formatNamed(v.options.format).name),
  );
  assert.deepEqual([...exercised].sort(), [...names].sort());
  // formatTranscript accepts each, and its expected file has the format's extension
  const transcript = read("calls/acme-discovery.transcript.json");
  for (const f of list) {
    const variant = Object.entries(cases.variants).find(([, v]) => v.fn === "formatTranscript" && formatNamed(v.options.format).name === f.name);
    assert.ok(variant, f.name);
    assert.ok(expectedFile("acme-discovery", variant[0]).endsWith(`.${f.extension}`), f.name);
    assert.equal(typeof g.formatTranscript(transcript, { format: f.name }), "string", f.name);
  }
  // and refuses any other, with an error that lists them all, in order
  const listed = names.length > 1 ? `${names.slice(0, -1).join(", ")} or ${names.at(-1)}` : names[0];
  for (const bad of ["docx", "", "PLAIN", "vtt2"]) {
    assert.throws(() => g.formatTranscript(transcript, { format: bad }), { message: `invalid format: ${JSON.stringify(bad)}: expected ${listed}` }, bad);
  }
});

test("optional arguments are optional at runtime as in the types", () => {
  assert.deepEqual(g.extensiveRequest(), g.extensiveRequest({}));
  assert.deepEqual(g.transcriptRequest(), g.transcriptRequest({}));
  assert.equal(g.callDate(0), "1970-01-01");
});

test("a thousand bad inputs in a row leave the module working", () => {
  for (let i = 0; i < 1000; i++) {
    assert.throws(() => g.formatTranscript(`{"callTranscripts": [{"transcript": [{"sentences": [{"start": "${i}"}]}]}]}`));
  }
  assert.equal(g.formatTranscript('[{"speakerId": "1", "sentences": [{"text": "still here"}]}]'), "Speaker 1: still here");
});

test("chunkDocument reads maxChars and the call options apart, and refuses unknown options", () => {
  const e = read("calls/acme-discovery.extensive.json");
  const t = read("calls/acme-discovery.transcript.json");
  assert.throws(() => g.chunkDocument(e, t, {}), { message: "invalid options: missing field `maxChars`" });
  assert.throws(() => g.chunkDocument(e, t, { maxChars: "10" }), { message: 'invalid options: maxChars: invalid type: string "10", expected a non-negative integer' });
  assert.throws(() => g.chunkDocument(e, t, { maxChars: 1.5 }), { message: "invalid options: maxChars: invalid type: number `1.5`, expected a non-negative integer" });
  assert.throws(() => g.chunkDocument(e, t, { maxChars: 100, fromat: "srt" }), /^Error: invalid options: unknown field `fromat`, expected one of `format`/);
  const options = { maxChars: 500, merge: true };
  const chunks = g.chunkDocument(e, t, options);
  assert.ok(chunks.length > 1 && chunks.every((c) => [...c.text].length <= 500));
  assert.deepEqual(options, { maxChars: 500, merge: true }, "the caller's object is left as it was");
});

test("an object JSON cannot hold is an error naming the parameter", () => {
  const cycle = [];
  cycle.push(cycle);
  assert.throws(() => g.formatTranscript(cycle), { message: "invalid transcript: cannot be turned into JSON (a cycle, or a BigInt?)" });
  assert.throws(() => g.normalizeCall({ calls: [{ metaData: { id: 1n } }] }), { message: "invalid extensive: cannot be turned into JSON (a cycle, or a BigInt?)" });
  assert.throws(() => g.formatTranscript("[]", { parties: [{ speakerId: 2n }] }), { message: "invalid options: cannot be turned into JSON (a cycle, or a BigInt?)" });
});
