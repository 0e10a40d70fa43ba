// Properties of the npm package's output, checked with tools no one here
// wrote: WebVTT and SRT load in real parsers with every cue ending after it
// starts, whatever times Gong sent; callDate agrees with JavaScript's Date.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import SrtParser from "srt-parser-2";
import * as g from "gongkit";
import { rng } from "./rng.mjs";

const { WebVTTParser } = createRequire(import.meta.url)("webvtt-parser");


const WORDS = ["hello", "pricing", "<b>", "a & b", "-->", "naïve", "日本", "😀", "x>y", "  ", "\n", "ok."];

function transcript(r) {
  const n = Math.floor(r() * 12);
  const time = () => {
    const k = r();
    if (k < 0.15) return null;
    if (k < 0.2) return -Math.floor(r() * 5000);
    if (k < 0.25) return Math.floor(r() * 2 ** 40);
    return Math.floor(r() * 7_200_000);
  };
  return Array.from({ length: n }, () => ({
    speakerId: r() < 0.1 ? null : String(Math.floor(r() * 4)),
    topic: r() < 0.5 ? null : "Topic",
    sentences: Array.from({ length: Math.floor(r() * 4) }, () => ({
      start: time(),
      end: time(),
      text: r() < 0.1 ? "" : Array.from({ length: 1 + Math.floor(r() * 6) }, () => WORDS[Math.floor(r() * WORDS.length)]).join(" "),
    })),
  }));
}

const turns = (monologues) => monologues.filter((m) => m.sentences.some((s) => s.text.trim() !== "")).length;

/** Formats `m`; when no monologue has text, checks that this is the package's error and returns null. */
function format(m, options) {
  if (turns(m) === 0) {
    assert.throws(() => g.formatTranscript(m, options), { message: "transcript: no usable monologue (none has a sentence with text)" });
    return null;
  }
  return g.formatTranscript(m, options);
}

test("WebVTT output loads in a real parser, every cue ending after it starts", () => {
  const parser = new WebVTTParser();
  for (let seed = 1; seed <= 500; seed++) {
    const m = transcript(rng(seed));
    const vtt = format(m, { format: "webvtt" });
    if (vtt === null) continue;
    const tree = parser.parse(vtt, "metadata");
    assert.deepEqual(tree.errors, [], `seed ${seed}:\n${vtt}`);
    assert.equal(tree.cues.length, turns(m), `seed ${seed}`);
    for (const cue of tree.cues) assert.ok(cue.endTime > cue.startTime, `seed ${seed}: ${cue.startTime} --> ${cue.endTime}`);
  }
});

test("SRT output loads in a real parser, every cue ending at or after it starts", () => {
  const parser = new SrtParser();
  for (let seed = 1; seed <= 500; seed++) {
    const m = transcript(rng(seed));
    const srt = format(m, { format: "srt", merge: seed % 2 === 0 });
    if (srt === null) continue;
    const cues = parser.fromSrt(srt);
    if (seed % 2 === 1) assert.equal(cues.length, turns(m), `seed ${seed}`);
    cues.forEach((cue, i) => {
      assert.equal(cue.id, String(i + 1));
      assert.ok(cue.endSeconds >= cue.startSeconds, `seed ${seed}: ${cue.startTime} --> ${cue.endTime}`);
      assert.match(cue.text, /^(Speaker \d|Unknown speaker): /);
    });
  }
});

test("the json format parses back to the same texts", () => {
  for (let seed = 1; seed <= 300; seed++) {
    const m = transcript(rng(seed));
    const json = format(m, { format: "json" });
    if (json === null) continue;
    const turnsOut = JSON.parse(json);
    const texts = m
      .map((mono) => mono.sentences.map((s) => s.text.split(/\s+/).filter(Boolean).join(" ")).filter(Boolean).join(" "))
      .filter(Boolean);
    assert.deepEqual(turnsOut.map((t) => t.text), texts, `seed ${seed}`);
  }
});

test("callDate agrees with JavaScript's Date on random timestamps and offsets", () => {
  const r = rng(42);
  const iso = (ms) => new Date(ms).toISOString();
  const pad = (n) => String(n).padStart(2, "0");
  for (let i = 0; i < 5000; i++) {
    const seconds = Math.floor(r() * 99_999_999_999); // below 10^11: seconds
    const offset = Math.floor(r() * 2879) - 1439;
    const ms = seconds * 1000;
    assert.equal(g.callDate(seconds), iso(ms).slice(0, 10), `${seconds}`);
    assert.equal(g.callDate(String(seconds), { utcOffsetMinutes: offset }), iso(ms + offset * 60_000).slice(0, 10), `${seconds} ${offset}`);
    // Milliseconds from 10^11 up (and only within Date's range).
    const millis = 100_000_000_000 + Math.floor(r() * 8_000_000_000_000);
    assert.equal(g.callDate(millis), iso(millis).slice(0, 10), `${millis} ms`);
    // ISO with its own offset: the date there, unless another offset is asked.
    if (ms < 253402300799000) {
      const local = iso(ms + offset * 60_000).slice(0, 19);
      const sign = offset < 0 ? "-" : "+";
      const text = `${local}${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
      assert.equal(g.callDate(text), local.slice(0, 10), text);
      const other = Math.floor(r() * 2879) - 1439;
      assert.equal(g.callDate(text, { utcOffsetMinutes: other }), iso(ms + other * 60_000).slice(0, 10), `${text} in ${other}`);
    }
  }
});
