// The page (www/) in real headless Chromium (Debian's, driven by
// playwright-core): paste and drop fixtures, read the rendered transcript,
// the charts, the filter, copy and download every format, and time the
// two-hour call from drop to rendered page. Screenshots: see page.mjs.
// Nothing may leave the page. The issue-21 items are in page.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { formats } from "gongkit";
import { cases, read, expectedFile, formatNamed } from "./table.mjs";
import { open, shot, drop } from "./page.mjs";

test("the page: rendered transcript, charts, filter, exports, drop, all local", { timeout: 180_000 }, async (t) => {
  const { page, server, problems, requests } = await open(t);
  await shot(page, "empty");

  // Pasted: the same bytes as the fixture's named output, and the document.
  await page.fill("#extensive", read("calls/acme-discovery.extensive.json"));
  await page.fill("#transcript", read("calls/acme-discovery.transcript.json"));
  await page.click("#run");
  assert.equal(await page.textContent("#output"), read("expected/acme-discovery.named.txt"));
  assert.equal(await page.textContent("#document"), read("expected/acme-discovery.document.txt"));
  const call = JSON.parse(await page.textContent("#call"));
  assert.equal(call.account.name, "Acme Corporation Ltd");
  assert.equal(call.date, "2024-03-12");

  // The rendered transcript: one line per turn of the JSON format, speakers in distinct colours.
  // What the page shows, line by line: the package's JSON format of the call (named, unmerged).
  const expectedLines = JSON.parse(
    await page.evaluate(
      ({ e, t }) => import("./pkg/gongkit.js").then((g) => g.normalizeCall(e, t, { format: "json" }).transcript),
      { e: read("calls/acme-discovery.extensive.json"), t: read("calls/acme-discovery.transcript.json") },
    ),
  );
  assert.ok(expectedLines.length >= 8);
  const lines = await page.$$eval("#rendered .line", (ls) => ls.map((l) => ({ who: l.querySelector(".who").textContent, colour: l.querySelector(".who").style.color, text: l.querySelector(".text").textContent, time: l.querySelector(".time").textContent })));
  assert.deepEqual(lines.map((l) => [l.who, l.text]), expectedLines.map((l) => [l.speaker, l.text]));
  assert.equal(lines[0].time, "0:01");
  const colourBySpeaker = new Map();
  for (const l of lines) {
    if (colourBySpeaker.has(l.who)) assert.equal(colourBySpeaker.get(l.who), l.colour, l.who);
    colourBySpeaker.set(l.who, l.colour);
  }
  assert.equal(new Set(colourBySpeaker.values()).size, colourBySpeaker.size, "one colour per speaker");

  // Talk time: a bar per speaker, shares from the sentence times, adding up to 100 %.
  const talk = await page.$$eval("#talk .bar", (bs) => bs.map((b) => ({ who: b.dataset.speaker, share: Number(b.dataset.share) })));
  assert.deepEqual(new Set(talk.map((b) => b.who)), new Set(colourBySpeaker.keys()));
  const ms = new Map();
  for (const l of expectedLines) ms.set(l.speaker, (ms.get(l.speaker) ?? 0) + (l.end - l.start));
  const total = [...ms.values()].reduce((a, b) => a + b, 0);
  for (const b of talk) assert.ok(Math.abs(b.share - (100 * ms.get(b.who)) / total) < 0.1, `${b.who}: ${b.share}`);
  // Timeline: a rectangle per turn that has a time.
  assert.equal(await page.locator("#timeline rect").count(), expectedLines.filter((l) => l.start != null).length);

  // Filter: highlights the lines that contain the text, and counts them.
  await page.fill("#filter", "budget");
  await page.waitForFunction(() => document.getElementById("filter-count").textContent !== "");
  const hits = await page.$$eval("#rendered .line.hit", (ls) => ls.map((l) => l.querySelector(".text").textContent));
  assert.deepEqual(hits, expectedLines.filter((l) => /budget/i.test(l.text)).map((l) => l.text));
  assert.ok(hits.length > 0);
  assert.equal(await page.locator("#rendered mark").first().textContent().then((s) => s.toLowerCase()), "budget");
  assert.equal(await page.textContent("#filter-count"), `${hits.length} of ${expectedLines.length} lines`);
  await shot(page, "acme-filtered", { fullPage: true });
  await page.fill("#filter", "");

  // Copy and download: every format and the document, the same bytes as the fixture files.
  // The page's menu is the package's formats(), in order, the first selected.
  assert.deepEqual(await page.$$eval("#format option", (os) => os.map((o) => o.value)), formats().map((f) => f.name));
  assert.equal(await page.inputValue("#format"), formats()[0].name);
  // the fixture variant "named" (the default format, named and timestamped) is what the page makes by default
  const named = formatNamed(cases.variants.named.options.format);
  for (const { name, extension: ext } of formats()) {
    const download = page.waitForEvent("download");
    await page.click(`[data-download="${name}"]`);
    const d = await download;
    assert.equal(d.suggestedFilename(), `${call.id}.${ext}`);
    const body = await (await d.createReadStream()).toArray().then((c) => Buffer.concat(c).toString("utf8"));
    await page.click(`[data-copy="${name}"]`);
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(copied, body, ext);
    const expectedText = await page.evaluate(
      ({ e, t, f }) => import("./pkg/gongkit.js").then((g) => g.normalizeCall(e, t, { format: f, timestamps: true }).transcript),
      { e: read("calls/acme-discovery.extensive.json"), t: read("calls/acme-discovery.transcript.json"), f: name },
    );
    assert.equal(body, expectedText, ext);
    if (name === named.name) assert.equal(body, read(expectedFile("acme-discovery", "named")));
  }
  const download = page.waitForEvent("download");
  await page.click('[data-download="document"]');
  const doc = await download;
  assert.equal(doc.suggestedFilename(), `${call.id}.document.txt`);
  assert.equal(await (await doc.createReadStream()).toArray().then((c) => Buffer.concat(c).toString("utf8")), read("expected/acme-discovery.document.txt"));
  await page.waitForFunction(() => !document.querySelector("#exports .done"));
  await shot(page, "acme", { fullPage: true });

  // A transcript alone, dropped: each file goes to the box its content belongs in.
  await page.fill("#extensive", "");
  await page.fill("#transcript", "");
  await page.selectOption("#format", "webvtt");
  await drop(page, [{ name: "t.json", body: read("calls/acme-discovery.transcript.json") }]);
  assert.match(await page.textContent("#output"), /^WEBVTT\n\n00:00:01\.200 --> 00:00:07\.450\n<v Speaker 6432345678555530067>/);
  assert.equal(await page.inputValue("#extensive"), "");

  // The two-hour call, both files dropped at once: timed from drop to painted page.
  await page.selectOption("#format", "markdown");
  const twoHour = [
    { name: "two-hour.extensive.json", body: read("calls/two-hour.extensive.json") },
    { name: "two-hour.transcript.json", body: read("calls/two-hour.transcript.json") },
  ];
  const times = [];
  for (let i = 0; i < 5; i++) times.push(await drop(page, twoHour));
  const median = [...times].sort((a, b) => a - b)[2];
  console.log(`two-hour call (425 KB transcript): drop to rendered page ${median.toFixed(0)} ms median of 5 (${times.map((x) => x.toFixed(0)).join(", ")} ms)`);
  assert.ok(median < 500, `${median} ms`);
  const twoHourLines = await page.locator("#rendered .line").count();
  assert.ok(twoHourLines >= 1000, `${twoHourLines} lines`);
  assert.ok((await page.locator("#talk .bar").count()) >= 2);
  await page.fill("#filter", "pricing");
  await page.waitForFunction(() => document.getElementById("filter-count").textContent !== "");
  await page.locator("#filter").blur();
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await shot(page, "two-hour");
  await page.fill("#filter", "");

  // Bad input is shown on the page, with the JSON path, in JSON's words.
  await page.fill("#transcript", '{"callTranscripts": [{"transcript": [{"sentences": [{"start": "x"}]}]}]}');
  await page.fill("#extensive", "");
  await page.click("#run");
  assert.equal(await page.textContent("#error"), 'Transcript box: callTranscripts[0].transcript[0].sentences[0].start: invalid type: string "x", expected an integer');
  assert.equal(await page.isHidden("#result"), true);

  // Nothing left the page: every request went to the local server (downloads are blob: URLs made here).
  assert.ok(requests.length > 0);
  assert.deepEqual(requests.filter((u) => !u.startsWith(server.url) && !u.startsWith(`blob:${server.url.slice(0, -1)}`)), []);
  assert.deepEqual(problems, []);
});
