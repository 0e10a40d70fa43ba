// The settings: the JS entry (worker/js/settings.mjs) reads the settings it
// shares with the Rust Worker exactly as Rust does (the cases of
// tests/fixtures/settings.json, which worker/src/settings.rs checks too), and
// a value either refuses is refused by both, with the same message: through
// the Rust Worker with sign-in off, through the entry with sign-in on.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { SETTINGS, parseSetting, readSettings } from "../../worker/js/settings.mjs";
import { startSim, startWorker, fixture } from "./harness.mjs";

const ACME = "7782342274025937895";
const shared = JSON.parse(fixture("settings.json"));
const errorFor = (name, value) => shared.cases.find((c) => c.name === name && c.value === value).error;
let sim;
// The simulator only for the Worker's tests (the parsing tests need none).
const gong = async () => (sim ??= await startSim());

after(async () => {
  await sim?.stop();
});

test("the JS entry reads what the table says it reads, with the table's defaults", () => {
  assert.deepEqual(Object.keys(SETTINGS), shared.readByJs);
  assert.deepEqual(readSettings({}), { values: shared.defaults, errors: [] });
});

test("every shared case parses in JS as in Rust (tests/fixtures/settings.json)", () => {
  for (const c of shared.cases) {
    const got = parseSetting(c.name, c.value ?? undefined);
    if ("error" in c) assert.deepEqual(got, { error: c.error }, JSON.stringify(c));
    else assert.deepEqual(got, { value: c.ok }, JSON.stringify(c));
  }
});

test("a bad ACCESS_POLICY is refused by the Rust Worker and by the JS entry, alike", async () => {
  const expected = errorFor("ACCESS_POLICY", "everyone");
  const refused = (r) => {
    assert.equal(r.status, 503, r.body);
    assert.equal(r.json().error.code, "not_configured");
    assert.equal(r.json().error.message, expected);
  };
  // Sign-in off: every request reaches Rust, which refuses it.
  const off = await startWorker(await gong(), { bindings: { ACCESS_POLICY: "everyone" } });
  try {
    refused(await off.request(`/v1/calls/${ACME}`));
    refused(await off.request("/v1/format", { method: "POST", body: "[]" }));
    assert.equal((await off.request("/health", { token: null })).status, 200);
  } finally {
    await off.dispose();
  }
  // Sign-in on: the entry refuses before its consent page could describe a
  // rule Rust would not apply, and before the provider issues anything.
  const signIn = { OIDC_ISSUER: "http://127.0.0.1:9/", OIDC_CLIENT_ID: "gongkit", OIDC_CLIENT_SECRET: "client-secret" };
  const on = await startWorker(await gong(), { bindings: { ...signIn, ACCESS_POLICY: "everyone" } });
  try {
    refused(await on.request("/authorize?response_type=code&client_id=x&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb", { token: null }));
    refused(await on.request("/.well-known/oauth-authorization-server", { token: null }));
    refused(await on.request("/oauth/register", { token: null, method: "POST", body: "{}" }));
    refused(await on.request(`/v1/calls/${ACME}`));
  } finally {
    await on.dispose();
  }
  // The same spelling Rust accepts is accepted here too.
  // (PUBLIC_URL: the provider's resource must be https or on a loopback host.)
  const ok = await startWorker(await gong(), { bindings: { ...signIn, PUBLIC_URL: "http://127.0.0.1:8787", ACCESS_POLICY: " Participant " } });
  try {
    assert.equal((await ok.request("/.well-known/oauth-authorization-server", { token: null })).status, 200);
    const r = await ok.request(`/v1/calls/${ACME}`);
    assert.equal(r.status, 200, r.body);
  } finally {
    await ok.dispose();
  }
});

test("a setting only one side reads is refused by that side, naming it", async () => {
  const ttl = await startWorker(await gong(), {
    bindings: { OIDC_ISSUER: "http://127.0.0.1:9/", OIDC_CLIENT_ID: "gongkit", OIDC_CLIENT_SECRET: "client-secret", OAUTH_ACCESS_TOKEN_TTL_SECONDS: "1h" },
  });
  try {
    const r = await ttl.request("/.well-known/oauth-authorization-server", { token: null });
    assert.equal(r.status, 503);
    assert.equal(r.json().error.message, errorFor("OAUTH_ACCESS_TOKEN_TTL_SECONDS", "1h"));
  } finally {
    await ttl.dispose();
  }
  const rust = await startWorker(await gong(), { bindings: { INCLUDE_PRIVATE_CALLS: "yes please", MCP_ANSWER_CHARS: "10" } });
  try {
    const r = await rust.request(`/v1/calls/${ACME}`);
    assert.equal(r.status, 503);
    assert.equal(r.json().error.code, "not_configured");
    assert.equal(r.json().error.message, 'INCLUDE_PRIVATE_CALLS="yes please": expected `true` or `false`');
  } finally {
    await rust.dispose();
  }
});
