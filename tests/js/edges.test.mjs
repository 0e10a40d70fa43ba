// The npm package's rough edges as a new user meets them (issue 21) and
// bytes in (issue 22): JSON as UTF-8 bytes, `parties` as the extensive
// answer, `callDate` of a `Date`, the default content selector, checked
// range bounds and chunk sizes, errors that never repeat a big input, and
// captions that never make up a time.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as g from "gongkit";
import { read } from "./table.mjs";

const extensive = read("calls/acme-discovery.extensive.json");
const transcript = read("calls/acme-discovery.transcript.json");
const bytes = (s) => new TextEncoder().encode(s);

test("every function that takes JSON text takes the same as UTF-8 bytes: Uint8Array, Buffer, ArrayBuffer", () => {
  const forms = (json) => [bytes(json), Buffer.from(json), bytes(json).buffer];
  for (const t of forms(transcript)) {
    assert.equal(g.formatTranscript(t), g.formatTranscript(transcript));
    assert.deepEqual(g.chunkTranscript(t, { maxChars: 300 }), g.chunkTranscript(transcript, { maxChars: 300 }));
  }
  for (const [e, t] of forms(extensive).map((e, i) => [e, forms(transcript)[i]])) {
    assert.deepEqual(g.normalizeCall(e, t), g.normalizeCall(extensive, transcript));
    assert.equal(g.callDocument(e, t), g.callDocument(extensive, transcript));
    assert.deepEqual(g.chunkDocument(e, t, { maxChars: 400 }), g.chunkDocument(extensive, transcript, { maxChars: 400 }));
  }
  const parties = JSON.stringify(JSON.parse(extensive).calls[0].parties);
  assert.equal(g.accountFromParties(bytes(parties)), g.accountFromParties(parties));
  assert.deepEqual(g.batchCallIds(bytes('["12", "13", "12"]')), [["12", "13"]]);
  // A view into a bigger buffer reads only its own bytes.
  const big = bytes(`xxxx${transcript}yyyy`);
  assert.equal(g.formatTranscript(big.subarray(4, big.length - 4)), g.formatTranscript(transcript));
});

test("bytes that are not UTF-8 are an error naming the byte", () => {
  const bad = Uint8Array.from([...bytes('[{"speakerId": "1", "sentences": [{"text": "'), 0xff, ...bytes('"}]}]')]);
  assert.throws(() => g.formatTranscript(bad), { message: `invalid JSON: not UTF-8 (byte 44 of ${bad.length})` });
  assert.throws(() => g.normalizeCall(bad.buffer), { message: `invalid JSON: not UTF-8 (byte 44 of ${bad.length})` });
});

test("formatTranscript names speakers from `parties`: the extensive answer as an object, JSON text, bytes, or its parties", () => {
  const ids = g.formatTranscript(transcript);
  assert.match(ids, /^Speaker \d+ \(/);
  const named = g.formatTranscript(transcript, { parties: JSON.parse(extensive).calls[0].parties });
  assert.match(named, /^Dana Ito \(Call Setup\): Hi everyone/);
  for (const parties of [extensive, JSON.parse(extensive), bytes(extensive), bytes(extensive).buffer, JSON.parse(extensive).calls[0]]) {
    assert.equal(g.formatTranscript(transcript, { parties }), named);
    assert.equal(g.chunkTranscript(transcript, { maxChars: 100000, parties })[0].text, named);
  }
  // The call's own parties when the answer holds several calls: the one the transcript is for.
  const other = { metaData: { id: "1" }, parties: [{ speakerId: JSON.parse(transcript).callTranscripts[0].transcript[0].speakerId, name: "Someone Else" }] };
  const both = { calls: [other, JSON.parse(extensive).calls[0]] };
  assert.equal(g.formatTranscript(transcript, { parties: both }), named);
  assert.throws(() => g.formatTranscript(transcript, { parties: both, callId: "2" }), { message: /no call with id "2"/ });
  assert.throws(() => g.formatTranscript(transcript, { parties: '{"calls": [{"parties": [{"speakerId": []}]}]}' }), {
    message: /^parties\.calls\[0\]\.parties\[0\]\.speakerId: invalid type: array/,
  });
  assert.throws(() => g.formatTranscript(transcript, { parties: 7 }), (e) => e instanceof TypeError && /^parties: expected an object, an array or their JSON text/.test(e.message));
});

test("callDate takes a Date, in UTC or the offset asked for", () => {
  const d = new Date("2024-12-18T23:30:00Z");
  assert.equal(g.callDate(d), "2024-12-18");
  assert.equal(g.callDate(d, { utcOffsetMinutes: 60 }), "2024-12-19");
  assert.equal(g.callDate(new Date(0)), "1970-01-01");
  assert.equal(g.callDate(new Date()), new Date().toISOString().slice(0, 10));
  assert.throws(() => g.callDate(new Date("nope")), { message: "invalid value: an Invalid Date" });
});

test("extensiveRequest asks for what normalizeCall reads unless told otherwise", () => {
  const body = g.extensiveRequest({ callIds: ["7782342274025937895"] });
  assert.deepEqual(body, g.extensiveRequest({ callIds: ["7782342274025937895"], preset: "callView" }));
  assert.equal(body.contentSelector.exposedFields.parties, true);
  assert.deepEqual(g.extensiveRequest({ callIds: ["1"], preset: "metadata" }), { filter: { callIds: ["1"] } });
  assert.throws(() => g.extensiveRequest({ preset: "all" }), { message: /invalid options: .*unknown variant `all`, expected `callView` or `metadata`/ });
});

test("range bounds are date-times with an offset, as Gong takes them", () => {
  assert.throws(() => g.extensiveRequest({ fromDateTime: "2024-01-01" }), {
    message: 'invalid fromDateTime: "2024-01-01": expected a date and time with an offset, such as 2024-12-18T00:00:00Z',
  });
  assert.throws(() => g.transcriptRequest({ toDateTime: "2024-01-01T10:00" }), { message: /^invalid toDateTime: "2024-01-01T10:00": expected/ });
  assert.deepEqual(g.transcriptRequest({ fromDateTime: "2024-01-01T00:00:00+01:00" }), { filter: { fromDateTime: "2024-01-01T00:00:00+01:00" } });
});

test("maxChars has the Worker's bounds, 200 to 1,000,000", () => {
  const one = '{"calls": [{"metaData": {"id": "1", "title": "T"}}]}';
  for (const maxChars of [0, 10, 199, 1_000_001]) {
    const message = `invalid maxChars: ${maxChars}: expected 200 to 1000000 characters`;
    assert.throws(() => g.chunkDocument(one, null, { maxChars }), { message });
    assert.throws(() => g.chunkTranscript(transcript, { maxChars }), { message });
  }
  assert.equal(g.chunkDocument(one, null, { maxChars: 200 })[0].text, "Title: T");
  assert.equal(g.chunkTranscript(transcript, { maxChars: 1_000_000 }).length, 1);
});

test("an error never repeats a big input whole", () => {
  const huge = "x".repeat(1_000_000);
  const cases = [
    () => g.formatTranscript(`[{"sentences": [{"start": "${huge}"}]}]`),
    () => g.callDate(huge),
    () => g.accountFromEmail(`${huge}@`),
    () => g.extensiveRequest({ fromDateTime: huge }),
    () => g.extensiveRequest({ callIds: [huge] }),
    () => g.formatTranscript("[]", { [huge]: 1 }),
    () => g.formatTranscript(huge),
  ];
  for (const c of cases) {
    assert.throws(c, (e) => e.message.length < 300, String(c));
  }
});

test("SRT and WebVTT never make up a time: an untimed sentence joins the cue before it", () => {
  const t = JSON.stringify([
    { speakerId: "1", sentences: [{ text: "No time, first." }] },
    { speakerId: "2", sentences: [{ start: 24100, end: 25000, text: "Timed." }] },
    { speakerId: "1", sentences: [{ text: "No time, after." }] },
  ]);
  assert.equal(
    g.formatTranscript(t, { format: "srt" }),
    "1\n00:00:24,100 --> 00:00:25,000\nSpeaker 1: No time, first.\nSpeaker 2: Timed.\nSpeaker 1: No time, after.\n",
  );
  assert.equal(
    g.formatTranscript(t, { format: "webvtt" }),
    "WEBVTT\n\n00:00:24.100 --> 00:00:25.000\n<v Speaker 1>No time, first.\n<v Speaker 2>Timed.\n<v Speaker 1>No time, after.\n",
  );
  // Plain and Markdown show no time where there is none (not 00:00).
  assert.equal(g.formatTranscript(t, { timestamps: true }), "Speaker 1: No time, first.\n[00:24] Speaker 2: Timed.\nSpeaker 1: No time, after.");
  const none = '[{"speakerId": "1", "sentences": [{"text": "Hi."}]}]';
  for (const format of ["srt", "webvtt"]) {
    assert.throws(() => g.formatTranscript(none, { format }), { message: /^transcript: no sentence has a start and an end, which every SRT and WebVTT cue needs/ });
  }
});

test("texts cross to JavaScript intact whatever their characters and where they fall", () => {
  const pieces = ["a", "é", "ü", "ÿ", "\u0080", "日", "😀", " b", "ç", "x".repeat(15)];
  for (let seed = 1; seed < 200; seed++) {
    let text = "";
    for (let k = 0, r = seed; k < 40; k++, r = (r * 1103515245 + 12345) % 2147483648) text += pieces[r % pieces.length];
    text = text.trim().replace(/ +/g, " ");
    const t = JSON.stringify([{ speakerId: "1", sentences: [{ text }] }]);
    assert.equal(g.formatTranscript(t), `Speaker 1: ${text}`, JSON.stringify(text));
    assert.equal(g.formatTranscript(bytes(t)), `Speaker 1: ${text}`, JSON.stringify(text));
  }
});

test("a JSON string crosses as UTF-8 whatever it holds, short or long: ASCII, beyond, a lone surrogate (as U+FFFD)", () => {
  const ascii = transcript.normalize("NFD").replace(/[^\x00-\x7f]/g, "");
  assert.equal(g.formatTranscript(ascii), g.formatTranscript(bytes(ascii)));
  for (const pad of ["", "x".repeat(100)]) {
    assert.equal(g.formatTranscript(`[{"speakerId": "1", "sentences": [{"text": "${pad}a\ud800b 😀 é"}]}]`), `Speaker 1: ${pad}a\ufffdb 😀 é`);
  }
  assert.equal(g.accountFromEmail("x@acme.com"), "Acme");
});
