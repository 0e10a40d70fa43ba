// The npm package as a CommonJS user meets it: require() through "exports".
const { test } = require("node:test");
const assert = require("node:assert/strict");
const { readFileSync } = require("node:fs");
const path = require("node:path");

test("require() gives the Node build with every function", () => {
  const g = require("gongkit");
  assert.match(require.resolve("gongkit"), /pkg[\\/]node[\\/]gongkit\.cjs$/);
  const fixture = (name) => readFileSync(path.join(__dirname, "../fixtures", name), "utf8");
  const transcript = fixture("calls/imported-call.transcript.json");
  assert.equal(g.formatTranscript(transcript), fixture("expected/imported-call.plain.txt"));
  assert.equal(g.callDate("2024-12-18T23:30:00-05:00"), "2024-12-18");
  assert.equal(g.accountFromEmail("jane@big-corp.com"), "Big Corp");
});

test("require() and import share one package version", async () => {
  const esm = await import("gongkit");
  const pkg = require("gongkit/package.json");
  const cargo = readFileSync(path.join(__dirname, "../../Cargo.toml"), "utf8");
  assert.equal(pkg.version, cargo.match(/^version = "([^"]+)"/m)[1]);
  assert.equal(esm.documentVersion(), require("gongkit").documentVersion());
});
