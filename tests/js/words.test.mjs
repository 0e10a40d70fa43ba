// searchWords: the core's word folding (gongkit::words) through the npm
// package, as the browser page's filter uses it. Checked against the Worker
// tests' own plain reference of search's words (tests/worker/search-reference.mjs,
// which shares no code with the Rust), and its offsets against the text.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as g from "gongkit";
import { words as reference } from "../worker/search-reference.mjs";
import { rng } from "./rng.mjs";

const PIECES = ["José", "Jose\u0301", "MÜLLER", "Ｇｏｎｇ", "ﬁne", "調達を担当", "ｶﾀｶﾅ", "가격", "São Paulo", "😀", "e-mail", "2.0", "Straße", "Łódź", " ", ", ", "\n", "—", "Nguyễn", "①"];


test("searchWords folds as search does, with offsets into the text", () => {
  assert.deepEqual(g.searchWords("😀 José, 調達!"), [
    { text: "jose", start: 3, end: 7 },
    { text: "調", start: 9, end: 10 },
    { text: "達", start: 10, end: 11 },
  ]);
  assert.deepEqual(g.searchWords("^ — !"), []);
  const r = rng(21);
  for (let i = 0; i < 500; i++) {
    const text = Array.from({ length: 1 + Math.floor(r() * 8) }, () => PIECES[Math.floor(r() * PIECES.length)]).join(r() < 0.5 ? " " : "");
    const words = g.searchWords(text);
    assert.deepEqual(words.map((w) => w.text), reference(text), JSON.stringify(text));
    for (const w of words) {
      assert.ok(0 <= w.start && w.start < w.end && w.end <= text.length, JSON.stringify({ text, w }));
      // the original of a word folds to (at least) that word
      assert.ok(reference(text.slice(w.start, w.end)).includes(w.text), JSON.stringify({ text, w }));
    }
  }
});

test("searchWords refuses what is not a string, naming the parameter", () => {
  assert.throws(() => g.searchWords(42), { name: "TypeError", message: "text: expected a string, got a number (42)" });
  assert.throws(() => g.searchWords(undefined), { name: "TypeError", message: "text: expected a string, got undefined" });
});
