// The npm package as an ES module user meets it: `import` through the
// package's "exports", every function over the fixture table, compared with
// the same expected files as the Rust tests.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as g from "gongkit";
import gDefault from "gongkit";
import { cases, read, run, expectedFile } from "./table.mjs";

const FUNCTIONS = [
  "accountFromEmail", "accountFromParties", "batchCallIds", "callDate", "callDocument",
  "chunkDocument", "chunkTranscript", "documentVersion", "extensiveRequest", "formatTranscript",
  "normalizeCall", "transcriptRequest",
];

test("import gives every function, named and as the default export", () => {
  for (const name of FUNCTIONS) {
    assert.equal(typeof g[name], "function", name);
    assert.equal(gDefault[name], g[name], name);
  }
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
    assert.throws(call, (e) => e instanceof Error && e.message === c.error, `${c.fn}: ${JSON.stringify(c.input)}`);
  }
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
    // A string argument is JSON text, so a JSON string document has no object form.
    if (typeof parsed === "string") continue;
    // Objects go through JSON.stringify: same document, compact.
    if (JSON.stringify(parsed) !== c.input && c.error.includes(" at line ")) continue;
    const call = () => run(g, c.fn, { input: c.input, transcript: c.transcript, options: c.options ?? {}, asObjects: true });
    assert.throws(call, (e) => e instanceof Error && e.message === c.error, `${c.fn}: ${c.input}`);
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
  assert.throws(() => g.callDate("1", "not an object"), /invalid options: expected an object/);
  assert.equal(g.formatTranscript("[]", undefined), "");
  assert.equal(g.formatTranscript("[]", null), "");
});

test("a thousand bad inputs in a row leave the module working", () => {
  for (let i = 0; i < 1000; i++) {
    assert.throws(() => g.formatTranscript(`{"callTranscripts": [{"transcript": [{"sentences": [{"start": "${i}"}]}]}]}`));
  }
  assert.equal(g.formatTranscript('[{"speakerId": "1", "sentences": [{"text": "still here"}]}]'), "Speaker 1: still here");
});
