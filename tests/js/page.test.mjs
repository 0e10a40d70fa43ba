// The page (www/) in headless Chromium, item by item of issue 21's "The
// browser page": the sample call and the favicon, options that apply at once,
// a filter that folds as search does and matches speakers and topics, several
// calls with one transcript and the `{"extensive", "transcript"}` body,
// errors naming the box or the file, round timeline ticks, the document's
// duration, sentences without a time, talk time labelled, and a phone's
// width. No console error, no failed response, nothing leaving the page.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as g from "gongkit";
import { read } from "./table.mjs";
import { open, shot, drop, settled } from "./page.mjs";

const acme = { e: read("calls/acme-discovery.extensive.json"), t: read("calls/acme-discovery.transcript.json") };
const globex = { e: read("calls/globex-renewal.extensive.json"), t: read("calls/globex-renewal.transcript.json") };
const twoHour = [
  { name: "two-hour.extensive.json", body: read("calls/two-hour.extensive.json") },
  { name: "two-hour.transcript.json", body: read("calls/two-hour.transcript.json") },
];
const ACME_ID = JSON.parse(acme.e).calls[0].metaData.id;
// Globex's id is a JSON number in its extensive answer (and survives JSON.parse exactly).
const GLOBEX_ID = String(JSON.parse(globex.e).calls[0].metaData.id);
if (GLOBEX_ID !== JSON.parse(globex.t).callTranscripts[0].callId) throw new Error(`the Globex fixture's id lost digits: ${GLOBEX_ID}`);
/** The page's defaults: what it passes to the package before anything is changed. */
const DEFAULTS = { format: "plain", timestamps: true, merge: false, names: true, internalDomains: [] };

/** The sample call's lines as the page shows them: the package's JSON format, unmerged. */
const acmeLines = JSON.parse(g.normalizeCall(acme.e, acme.t, { ...DEFAULTS, format: "json" }).transcript);

const rendered = (page) =>
  page.$$eval("#rendered .line", (ls) =>
    ls.map((l) => ({ who: l.querySelector(".who").textContent, text: l.querySelector(".text").textContent, time: l.querySelector(".time").textContent, hit: l.classList.contains("hit") })),
  );

/** Types into the filter and waits for its count. */
async function filterFor(page, text) {
  await page.fill("#filter", "");
  await page.waitForFunction(() => document.getElementById("filter-count").textContent === "");
  await page.fill("#filter", text);
  await page.waitForFunction(() => document.getElementById("filter-count").textContent !== "");
  return { count: await page.textContent("#filter-count"), lines: await rendered(page), marks: await page.$$eval("#rendered mark", (ms) => ms.map((m) => m.textContent)) };
}

/** The timeline's tick labels with their boxes, and the SVG's box. */
const timeline = (page) =>
  page.evaluate(() => {
    const svg = document.querySelector("#timeline svg").getBoundingClientRect();
    const ticks = [...document.querySelectorAll("#timeline text.tick")].map((t) => {
      const r = t.getBoundingClientRect();
      return { label: t.textContent, left: r.left, right: r.right, height: r.height };
    });
    return { svg: { left: svg.left, right: svg.right, width: svg.width }, ticks, card: document.getElementById("timeline").getBoundingClientRect().width };
  });

const seconds = (label) => label.split(":").reduce((s, part) => s * 60 + Number(part), 0);

/** Ticks are at round times, evenly spaced, readable, apart, and inside the drawing. */
function assertTicks({ svg, ticks }, endSeconds) {
  assert.ok(ticks.length >= 3, `${ticks.length} ticks`);
  const at = ticks.map((t) => seconds(t.label));
  const step = at[1] - at[0];
  assert.ok([1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200].includes(step), `step ${step} s`);
  assert.deepEqual(at, at.map((_, i) => i * step), ticks.map((t) => t.label).join(" "));
  assert.ok(at.at(-1) <= endSeconds && endSeconds - at.at(-1) < step, `last tick ${at.at(-1)} s for ${endSeconds} s`);
  for (const [i, t] of ticks.entries()) {
    assert.ok(t.left >= svg.left - 0.5 && t.right <= svg.right + 0.5, `${t.label} clipped: ${t.left}–${t.right} outside ${svg.left}–${svg.right}`);
    assert.ok(t.height >= 10, `${t.label} is ${t.height} px high`);
    if (i) assert.ok(ticks[i - 1].right < t.left, `${ticks[i - 1].label} overlaps ${t.label}`);
  }
}

test("the empty page offers a sample call and has a favicon", { timeout: 120_000 }, async (t) => {
  const { page, problems } = await open(t);
  assert.equal(await page.isVisible("#sample"), true);
  assert.equal(await page.isHidden("#result"), true);
  const icon = await page.evaluate(async () => {
    const res = await fetch(document.querySelector("link[rel=icon]").href);
    return { status: res.status, type: res.headers.get("content-type"), svg: (await res.text()).startsWith("<svg") };
  });
  assert.deepEqual(icon, { status: 200, type: "image/svg+xml", svg: true });

  await settled(page, () => page.click("#sample"));
  assert.equal(await page.textContent("#call-title"), "Acme <> Seller: discovery & pricing");
  assert.equal(await page.inputValue("#extensive"), acme.e);
  assert.equal(await page.inputValue("#transcript"), acme.t);
  assert.equal(await page.textContent("#output"), read("expected/acme-discovery.named.txt"));
  assert.equal(await page.isHidden("#sample"), true, "the button is for the empty page");
  await shot(page, "sample", { fullPage: true });
  assert.deepEqual(problems, []);
});

test("format, timestamps, merge and names apply at once", { timeout: 120_000 }, async (t) => {
  const { page, problems } = await open(t);
  await settled(page, () => page.click("#sample"));
  const expected = (o) => g.normalizeCall(acme.e, acme.t, { ...DEFAULTS, ...o }).transcript;

  await settled(page, () => page.selectOption("#format", "markdown"));
  assert.equal(await page.textContent("#output-format"), "markdown");
  assert.equal(await page.textContent("#output"), expected({ format: "markdown" }));

  await settled(page, () => page.uncheck("#timestamps"));
  assert.equal(await page.textContent("#output"), expected({ format: "markdown", timestamps: false }));
  assert.notEqual(expected({ format: "markdown", timestamps: false }), expected({ format: "markdown" }));

  const before = (await rendered(page)).length;
  await settled(page, () => page.check("#merge"));
  const merged = JSON.parse(expected({ format: "json", merge: true }));
  assert.ok(merged.length < before, `${merged.length} merged of ${before}`);
  assert.equal((await rendered(page)).length, merged.length);
  assert.equal(await page.textContent("#output"), expected({ format: "markdown", timestamps: false, merge: true }));

  await settled(page, () => page.selectOption("#format", "webvtt"));
  assert.equal(await page.textContent("#output-format"), "webvtt");
  assert.match(await page.textContent("#output"), /^WEBVTT\n/);

  await settled(page, () => page.uncheck("#names"));
  assert.equal(await page.textContent("#output"), expected({ format: "webvtt", timestamps: false, merge: true, names: false }));
  assert.deepEqual(problems, []);
});

test("the filter folds as search does and matches speakers and topics", { timeout: 120_000 }, async (t) => {
  const { page, problems } = await open(t);
  await settled(page, () => page.click("#sample"));
  const n = acmeLines.length;
  const hitsOf = (lines) => lines.flatMap((l, i) => (l.hit ? [i] : []));
  const where = (pred) => acmeLines.flatMap((l, i) => (pred(l) ? [i] : []));

  // Accents and case: "jose" finds José, in the text and as the speaker.
  const jose = where((l) => /josé/i.test(l.text) || /josé/i.test(l.speaker));
  assert.ok(jose.length >= 2);
  for (const q of ["jose", "JOSÉ", "Jose\u0301"]) {
    const f = await filterFor(page, q);
    assert.deepEqual(hitsOf(f.lines), jose, q);
    assert.equal(f.count, `${jose.length} of ${n} lines`, q);
    assert.deepEqual(f.marks, ["José"], q);
  }
  assert.equal(await page.locator("#rendered .who.match").count(), where((l) => l.speaker === "José Müller").length);

  // Topics: "Pricing" finds every line tagged Pricing (none says the word).
  const pricing = where((l) => l.topic === "Pricing");
  assert.ok(pricing.length >= 3 && where((l) => /pricing/i.test(l.text)).length === 0);
  const f = await filterFor(page, "Pricing");
  assert.deepEqual(hitsOf(f.lines), pricing);
  assert.equal(f.count, `${pricing.length} of ${n} lines`);
  assert.equal(await page.locator("#rendered .topic.match").count(), pricing.length);

  // Speakers, Japanese (a character a word), full width, several words: marked in the original.
  assert.deepEqual(hitsOf((await filterFor(page, "dana ito")).lines), where((l) => l.speaker === "Dana Ito"));
  const japanese = await filterFor(page, "調達");
  assert.deepEqual(hitsOf(japanese.lines), where((l) => l.text.includes("調達")));
  assert.deepEqual(japanese.marks, ["調達"]);
  const seat = await filterFor(page, "ＰＥＲ seat");
  assert.deepEqual(hitsOf(seat.lines), where((l) => /per seat/i.test(l.text)));
  assert.deepEqual(seat.marks, ["per seat"]);
  assert.equal((await filterFor(page, " ,,, ")).count, "no letters or digits to find");
  assert.deepEqual(problems, []);
});

test("several calls with one transcript, the {extensive, transcript} body, errors naming the box or file", { timeout: 120_000 }, async (t) => {
  const { page, problems } = await open(t);
  const two = JSON.stringify({ calls: [...JSON.parse(globex.e).calls, ...JSON.parse(acme.e).calls] }, null, 2);

  // The transcript's call is the one shown; the menu offers the other.
  await page.fill("#extensive", two);
  await page.fill("#transcript", acme.t);
  await settled(page, () => page.click("#run"));
  assert.equal(await page.isHidden("#error"), true, await page.textContent("#error"));
  assert.equal(await page.textContent("#call-title"), "Acme <> Seller: discovery & pricing");
  assert.equal(await page.textContent("#output"), read("expected/acme-discovery.named.txt"));
  assert.equal(await page.textContent("#document"), read("expected/acme-discovery.document.txt"));
  assert.equal(await page.isVisible("#call-pick"), true);
  assert.deepEqual(await page.$$eval("#call-id option", (os) => os.map((o) => o.value)), [GLOBEX_ID, ACME_ID]);
  assert.equal(await page.inputValue("#call-id"), ACME_ID);
  assert.match(await page.$eval("#call-id option", (o) => o.textContent), /— no transcript$/);

  // Choosing the call without a transcript says so, naming both boxes.
  await settled(page, () => page.selectOption("#call-id", GLOBEX_ID));
  assert.equal(await page.textContent("#error"), `Transcript box holds call ${ACME_ID}, not call ${GLOBEX_ID} of the extensive box`);
  assert.equal(await page.isHidden("#result"), true);
  // Without the transcript, the chosen call alone.
  await page.fill("#transcript", "");
  await settled(page, () => page.click("#run"));
  assert.equal(await page.textContent("#call-title"), JSON.parse(globex.e).calls[0].metaData.title);

  // POST /v1/format's body, pasted in a box: both parts, values as objects or as JSON text.
  for (const body of [
    JSON.stringify({ extensive: JSON.parse(acme.e), transcript: JSON.parse(acme.t) }),
    JSON.stringify({ transcript: acme.t, extensive: acme.e }),
  ]) {
    await page.fill("#extensive", "");
    await page.fill("#transcript", body);
    await settled(page, () => page.click("#run"));
    assert.equal(await page.isHidden("#error"), true, await page.textContent("#error"));
    assert.equal(await page.textContent("#output"), read("expected/acme-discovery.named.txt"));
    assert.deepEqual(JSON.parse(await page.inputValue("#extensive")), JSON.parse(acme.e));
    assert.equal(await page.isHidden("#call-pick"), true);
  }
  // …and dropped as a file.
  await page.fill("#extensive", "");
  await page.fill("#transcript", "");
  await drop(page, [{ name: "format-body.json", body: JSON.stringify({ extensive: JSON.parse(acme.e), transcript: JSON.parse(acme.t) }) }]);
  assert.equal(await page.textContent("#output"), read("expected/acme-discovery.named.txt"));

  // Errors name the box, or the file dropped into it.
  await page.fill("#extensive", '{"calls": [{"metaData": {"id": "1", "scheduled": "someday"}}]}');
  await page.fill("#transcript", acme.t);
  await settled(page, () => page.click("#run"));
  assert.match(await page.textContent("#error"), /^Extensive box: calls\[0\]\.metaData\.scheduled: /);
  await page.fill("#extensive", "");
  await drop(page, [{ name: "broken.json", body: '{"callTranscripts": [{"callId": "1", "transcript": [{"sentences": [{"start": "x"}]}]}]}' }]);
  assert.equal(await page.textContent("#error"), 'File "broken.json" (transcript box): callTranscripts[0].transcript[0].sentences[0].start: invalid type: string "x", expected an integer');
  await drop(page, [
    { name: "acme.json", body: acme.e },
    { name: "globex.transcript.json", body: globex.t },
  ]);
  assert.equal(await page.textContent("#error"), `File "globex.transcript.json" (transcript box) holds call ${GLOBEX_ID}, not call ${ACME_ID} of the file "acme.json" (extensive box)`);
  await page.fill("#extensive", "{not json");
  await settled(page, () => page.click("#run"));
  assert.match(await page.textContent("#error"), /^Extensive box: /);
  assert.deepEqual(problems, []);
});

test("timeline ticks at round times, the document's duration, untimed sentences, talk time labelled", { timeout: 120_000 }, async (t) => {
  const { page, problems } = await open(t);
  await settled(page, () => page.click("#sample"));

  // A sentence without a time says so, and is not drawn at 0:00.
  const lines = await rendered(page);
  const untimed = acmeLines.flatMap((l, i) => (l.start == null ? [i] : []));
  assert.ok(untimed.length >= 1);
  for (const [i, l] of lines.entries()) {
    if (untimed.includes(i)) assert.equal(l.time, "no time", l.text);
    else assert.match(l.time, /^\d+:\d\d$/, l.text);
  }
  assert.equal(await page.locator("#timeline rect").count(), acmeLines.length - untimed.length);

  // Talk time: the chart sums sentences and says so; Gong's own figure beside it, named as Gong's.
  const call = g.normalizeCall(acme.e, acme.t, DEFAULTS);
  assert.match(await page.textContent("#talk-gong-note"), /Gong's own figure, talkTimeSeconds in the normalized call/);
  assert.match(await page.textContent(".charts h3"), /summed from the transcript's sentences/);
  assert.match(await page.textContent("#result details:last-of-type summary"), /talkTimeSeconds is Gong's own talk time/);
  const bars = await page.$$eval("#talk .bar", (bs) => bs.map((b) => ({ who: b.dataset.speaker, seconds: Number(b.dataset.seconds), gong: b.dataset.gongSeconds, text: b.querySelector(".value").textContent })));
  const fromSentences = new Map();
  for (const l of acmeLines) if (l.start != null) fromSentences.set(l.speaker, (fromSentences.get(l.speaker) ?? 0) + (l.end - l.start) / 1000);
  let withGong = 0;
  for (const b of bars) {
    assert.ok(Math.abs(b.seconds - (fromSentences.get(b.who) ?? 0)) < 0.1, b.who);
    const p = call.participants.find((p) => p.name === b.who);
    if (p?.talkTimeSeconds != null) {
      withGong++;
      assert.equal(Number(b.gong), p.talkTimeSeconds, b.who);
      assert.match(b.text, /Gong: \d/);
    } else assert.equal(b.gong, undefined, b.who);
  }
  assert.ok(withGong >= 2);

  // The two-hour call: 2h 1m 0s as in the document, ticks on the half hour or finer, round.
  await drop(page, twoHour);
  assert.match(await page.textContent("#call-meta"), /· 2h 1m 0s ·/);
  assert.match(g.callDocument(twoHour[0].body, twoHour[1].body), /^Duration: 2h 1m 0s$/m);
  const end = JSON.parse(g.normalizeCall(twoHour[0].body, twoHour[1].body, { format: "json" }).transcript).reduce((m, l) => Math.max(m, l.end ?? 0), 0) / 1000;
  const drawn = await timeline(page);
  assertTicks(drawn, end);
  const labels = drawn.ticks.map((x) => x.label);
  assert.ok(labels.includes("1:00:00") && labels.includes("0:30:00"), labels.join(" "));
  assert.ok(labels.every((l) => /^\d:\d\d:00$/.test(l)), labels.join(" "));
  assert.deepEqual(problems, []);
});

test("at a phone's width: nothing overflows, the timeline stays readable", { timeout: 120_000 }, async (t) => {
  const { page, problems } = await open(t, { width: 375, height: 812 });
  const overflow = () => page.evaluate(() => ({ page: document.documentElement.scrollWidth, viewport: window.innerWidth }));
  let o = await overflow();
  assert.ok(o.page <= o.viewport, `empty page ${o.page} px wide in ${o.viewport}`);
  await settled(page, () => page.click("#sample"));
  o = await overflow();
  assert.ok(o.page <= o.viewport, `sample call ${o.page} px wide in ${o.viewport}`);
  await drop(page, twoHour);
  o = await overflow();
  assert.ok(o.page <= o.viewport, `two-hour call ${o.page} px wide in ${o.viewport}`);
  const end = JSON.parse(g.normalizeCall(twoHour[0].body, twoHour[1].body, { format: "json" }).transcript).reduce((m, l) => Math.max(m, l.end ?? 0), 0) / 1000;
  const drawn = await timeline(page);
  assert.ok(drawn.svg.width <= drawn.card + 0.5, `timeline ${drawn.svg.width} px in a ${drawn.card} px card`);
  assertTicks(drawn, end);
  // Speaker names are readable too (11 px, not scaled down).
  const names = await page.$$eval("#timeline text:not(.tick)", (ts) => ts.map((x) => x.getBoundingClientRect().height));
  assert.ok(names.length >= 2 && names.every((h) => h >= 10), names.join(", "));
  await page.evaluate(() => document.getElementById("timeline").scrollIntoView());
  await shot(page, "phone-two-hour");
  assert.deepEqual(problems, []);
});
