// The demo page in real headless Chromium (Debian's, driven by
// playwright-core): paste a fixture, format, read the page, save a
// screenshot to artifacts/demo.png.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { serve } from "./serve.mjs";
import { read } from "./table.mjs";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const root = fileURLToPath(new URL("../../www/", import.meta.url));
const artifacts = fileURLToPath(new URL("../../artifacts/", import.meta.url));

test("the demo page formats a pasted call in the browser", { timeout: 120_000 }, async (t) => {
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (scripts/test installs Debian's chromium)`);
  const server = await serve(root);
  t.after(() => server.close());
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));

  await page.goto(server.url);
  await page.waitForSelector("body[data-ready=true]", { timeout: 30_000 });

  // Named, timestamped transcript: the same bytes as the fixture's "named" output.
  await page.fill("#extensive", read("calls/acme-discovery.extensive.json"));
  await page.fill("#transcript", read("calls/acme-discovery.transcript.json"));
  await page.click("#run");
  const output = await page.textContent("#output");
  assert.equal(output, read("expected/acme-discovery.named.txt"));
  const document = await page.textContent("#document");
  assert.equal(document, read("expected/acme-discovery.document.txt"));
  const call = JSON.parse(await page.textContent("#call"));
  assert.equal(call.account.name, "Acme Corporation Ltd");
  assert.equal(call.date, "2024-03-12");

  // WebVTT from a transcript alone.
  await page.fill("#extensive", "");
  await page.selectOption("#format", "webvtt");
  await page.click("#run");
  assert.match(await page.textContent("#output"), /^WEBVTT\n\n00:00:01\.200 --> 00:00:07\.450\n<v Speaker 6432345678555530067>/);

  mkdirSync(artifacts, { recursive: true });
  await page.selectOption("#format", "markdown");
  await page.fill("#extensive", read("calls/acme-discovery.extensive.json"));
  await page.click("#run");
  await page.screenshot({ path: `${artifacts}/demo.png`, fullPage: true });

  // Bad input is shown on the page, with the JSON path.
  await page.fill("#transcript", '{"callTranscripts": [{"transcript": [{"sentences": [{"start": "x"}]}]}]}');
  await page.fill("#extensive", "");
  await page.click("#run");
  assert.equal(
    await page.textContent("#error"),
    'callTranscripts[0].transcript[0].sentences[0].start: invalid type: string "x", expected i64',
  );

  // Nothing left the page: every request went to the local server.
  assert.ok(requests.length > 0);
  assert.deepEqual(requests.filter((u) => !u.startsWith(server.url)), []);
  assert.deepEqual(errors, []);
});
