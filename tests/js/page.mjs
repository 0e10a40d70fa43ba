// What the page tests (browser.test.mjs, page.test.mjs) share: the page
// served from www/ in headless Chromium, with every console error, failed
// response and request that leaves the page recorded; screenshots; drops.
//
// Screenshots are written to target/page-shots/ (git-ignored) on every run.
// The committed ones in artifacts/page/ change only when asked, after a
// deliberate change to the page:
//
//   UPDATE_PAGE_SHOTS=1 node --test tests/js/browser.test.mjs tests/js/page.test.mjs
//
// (after scripts/build-pkg), and then only where the pixels changed
// (Chromium's PNG bytes vary from run to run).
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { inflateSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { launch } from "./chromium.mjs";
import { serve } from "./serve.mjs";

export const root = fileURLToPath(new URL("../../www/", import.meta.url));
const shots = fileURLToPath(new URL("../../target/page-shots/", import.meta.url));
const committed = fileURLToPath(new URL("../../artifacts/page/", import.meta.url));

/** The decoded pixel rows of a PNG (its IDAT data, inflated). */
function pixels(png) {
  const idat = [];
  for (let p = 8; p < png.length; ) {
    const len = png.readUInt32BE(p);
    if (png.toString("ascii", p + 4, p + 8) === "IDAT") idat.push(png.subarray(p + 8, p + 8 + len));
    p += 12 + len;
  }
  return inflateSync(Buffer.concat(idat));
}

/**
 * Saves a screenshot to target/page-shots/; with UPDATE_PAGE_SHOTS=1 also to
 * artifacts/page/ (committed), where a file whose pixels did not change is
 * left alone.
 */
export async function shot(page, name, options = {}) {
  const png = await page.screenshot({ animations: "disabled", ...options });
  mkdirSync(shots, { recursive: true });
  writeFileSync(`${shots}${name}.png`, png);
  if (process.env.UPDATE_PAGE_SHOTS !== "1") return;
  const file = `${committed}${name}.png`;
  if (existsSync(file) && pixels(readFileSync(file)).equals(pixels(png))) return;
  writeFileSync(file, png);
}

/**
 * Opens the page in a fresh browser context of the given size. `problems`
 * collects what must never happen: an uncaught error, a console error, a
 * response of 400 or more, a request to anywhere but the local server.
 */
export async function open(t, { width = 1280, height = 1500 } = {}) {
  const server = await serve(root);
  t.after(() => server.close());
  const browser = await launch();
  t.after(() => browser.close());
  const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
  const page = await context.newPage();
  const problems = [];
  const requests = [];
  page.on("request", (r) => {
    requests.push(r.url());
    const u = r.url();
    if (!u.startsWith(server.url) && !u.startsWith(`blob:${server.url.slice(0, -1)}`) && !u.startsWith("data:")) problems.push(`request left the page: ${u}`);
  });
  page.on("pageerror", (e) => problems.push(`uncaught: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console error: ${m.text()}`));
  page.on("response", (r) => r.status() >= 400 && problems.push(`${r.status()} for ${r.url()}`));
  await page.goto(server.url);
  await page.waitForSelector("body[data-ready=true]", { timeout: 30_000 });
  return { page, server, problems, requests };
}

/** Waits until the page has finished a run started by `action` (a click, a change, a drop). */
export async function settled(page, action) {
  const before = await page.evaluate(() => document.body.dataset.renders ?? "0");
  await action();
  await page.waitForFunction((b) => (document.body.dataset.renders ?? "0") !== b, before);
}

/** Drops files on the page as a user's drag and drop does: a DataTransfer with Files. */
export async function drop(page, files, selector = "#drop-target") {
  return page.evaluate(
    async ({ files, selector }) => {
      const data = new DataTransfer();
      for (const f of files) data.items.add(new File([f.body], f.name, { type: "application/json" }));
      const target = document.querySelector(selector);
      const before = document.body.dataset.renders ?? "0";
      const t0 = performance.now();
      target.dispatchEvent(new DragEvent("dragover", { bubbles: true, cancelable: true, dataTransfer: data }));
      target.dispatchEvent(new DragEvent("drop", { bubbles: true, cancelable: true, dataTransfer: data }));
      // rendered = the page finished its run and the browser painted it
      // Within 30 s, or the drop failed: say so rather than wait for ever.
      await new Promise((resolve, reject) => {
        const wait = () => {
          if (document.body.dataset.renders !== before) return requestAnimationFrame(() => setTimeout(resolve, 0));
          if (performance.now() - t0 > 30_000) return reject(new Error(`dropping ${files.map((f) => f.name).join(", ")} rendered nothing in 30 s; #error says: ${document.getElementById("error")?.textContent}`));
          setTimeout(wait, 1);
        };
        wait();
      });
      return performance.now() - t0;
    },
    { files, selector },
  );
}
