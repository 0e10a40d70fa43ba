// Sign-in end to end: panva's oidc-provider (OpenID Certified) plays the
// company's identity provider on 127.0.0.1 with its users; the Worker runs
// under `wrangler dev` with OAuth on (grants in a local KV) and
// ACCESS_POLICY=participant; the official MCP SDK client signs in with its
// own OAuth support (discovery, registration, PKCE, token, refresh), the
// browser part driven here with plain HTTP. Then every refusal the OAuth
// specs name, the per-user rules through REST and MCP, static tokens, the
// audit line, and ACCESS_POLICY=all in Miniflare. Then the hardening of
// sign-in: no redirect before consent, verified emails only, a person
// removed at the company losing access at the next refresh, an admin's
// revocation, the Python SDK's own OAuth flow, short-lived unused
// registrations and the registration rate limit.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { existsSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import { createServer as createHttpServer } from "node:http";
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Provider from "oidc-provider";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { auth, UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { startSim, startWorker, startWranglerDev, freePort, root, fixture, KEY, SECRET, SECRETS } from "./harness.mjs";

// Calls whose parties are one person each (besides the customer).
const ANN_CALL = "8100000000000000001";
const BOB_CALL = "8100000000000000002";
const ANN_PRIVATE = "8100000000000000003";
const NO_SUCH_CALL = "8199999999999999999";
const DAY = "from=2025-05-01T00:00:00Z&to=2025-05-02T00:00:00Z";
const USERS = {
  "ann@seller.io": "Ann Lee",
  "bob@seller.io": "Bob Kim",
  "boss@seller.io": "Boss",
  "eve@other.org": "Eve",
  "carl@seller.io": "Carl",
  "temp@seller.io": "Temp",
  "unverified@seller.io": "Unverified",
};
/** How the identity provider's token requests authenticated, in order. */
const tokenRequests = [];
/** The authorization requests the suite's provider received (their query). */
const mainAuthorizations = [];
/** People whose identity-provider account has no email_verified claim. */
const UNVERIFIED = new Set(["unverified@seller.io"]);
const IDP_SECRET = `idp-secret-${randomBytes(12).toString("hex")}`;
const CI_TOKEN = `ci${randomBytes(20).toString("hex")}`;
const ANN_TOKEN = `ann${randomBytes(20).toString("hex")}`;
const REDIRECT = "http://127.0.0.1:9/callback"; // the MCP client's; never fetched
const secrets = [...SECRETS, IDP_SECRET, CI_TOKEN, ANN_TOKEN];

let sim, idp, idpServer, stopWrangler, base, dir, logFile, mfAll, vars, basicPorts, noOffline;
let nextUser = "ann@seller.io";

/** A call of the simulator's with these people as its seller's side. */
function call(id, emails, { isPrivate = false } = {}) {
  const extensive = JSON.parse(fixture("calls/acme-discovery.extensive.json")).calls[0];
  extensive.metaData = { ...extensive.metaData, id, isPrivate, started: "2025-05-01T10:00:00Z", title: `call ${id}` };
  extensive.parties = [
    ...emails.map((email, i) => ({ id: String(i + 1), emailAddress: email, name: USERS[email] ?? email, speakerId: String(100 + i), affiliation: "Internal" })),
    { id: "9", emailAddress: "jose.muller@acme.co.uk", name: "José Müller", speakerId: "199", affiliation: "External" },
  ];
  const transcript = JSON.parse(fixture("calls/acme-discovery.transcript.json")).callTranscripts[0];
  transcript.transcript = [{ speakerId: "100", topic: null, sentences: [{ start: 0, end: 1000, text: `Hello from ${id}.` }] }];
  return { extensive, transcript: { ...transcript, callId: id } };
}

/**
 * The company's identity provider: oidc-provider, logging in `nextUser`.
 * `offline: false`: a provider that does not offer offline_access (as Google).
 */
async function startIdp(port, callbacks, { offline = true, authorizations = [] } = {}) {
  const issuer = `http://127.0.0.1:${port}`;
  const grant_types = offline ? ["authorization_code", "refresh_token"] : ["authorization_code"];
  const provider = new Provider(issuer, {
    ...(offline ? {} : { scopes: ["openid"] }),
    clients: [
      { client_id: "gongkit", client_secret: IDP_SECRET, redirect_uris: callbacks, token_endpoint_auth_method: "client_secret_post", grant_types },
      // An app registration with HTTP Basic (OIDC_TOKEN_AUTH_METHOD=client_secret_basic).
      { client_id: "gongkit-basic", client_secret: IDP_SECRET, redirect_uris: callbacks, token_endpoint_auth_method: "client_secret_basic", grant_types },
    ],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    cookies: { keys: [randomBytes(16).toString("hex")] },
    features: { devInteractions: { enabled: false } },
    async findAccount(ctx, sub) {
      if (!USERS[sub]) return undefined;
      // A person removed from USERS is gone at the company: refreshes fail.
      return { accountId: sub, claims: () => ({ sub, email: sub, ...(UNVERIFIED.has(sub) ? {} : { email_verified: true }), name: USERS[sub] }) };
    },
    // The person approved the company's own app long ago: no consent screen.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope("openid email profile");
      await grant.save();
      return grant;
    },
  });
  const handler = provider.callback();
  const server = createHttpServer(async (req, res) => {
    if (req.url.startsWith("/auth?")) authorizations.push(new URL(req.url, issuer).searchParams);
    // How each token request authenticated (oidc-provider itself takes either form).
    if (req.method === "POST" && req.url.startsWith("/token")) tokenRequests.push(/^Basic /i.test(req.headers.authorization ?? "") ? "basic" : "post");
    if (req.url.startsWith("/interaction/")) {
      // The login page (and, for offline_access, the consent), answered at once for `nextUser`.
      try {
        const details = await provider.interactionDetails(req, res);
        const grant = new provider.Grant({ accountId: nextUser, clientId: details.params.client_id });
        grant.addOIDCScope(String(details.params.scope));
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, { login: { accountId: nextUser }, consent: { grantId } }, { mergeWithLastSubmission: false });
      } catch (e) {
        res.statusCode = 500;
        res.end(String(e));
      }
      return;
    }
    handler(req, res);
  });
  await new Promise((r) => server.listen(port, "127.0.0.1", r));
  return { issuer, server };
}

/** A browser's cookies, by host. */
class Jar {
  constructor() { this.hosts = new Map(); }
  header(url) {
    const c = this.hosts.get(new URL(url).host);
    return c && c.size ? [...c].map(([k, v]) => `${k}=${v}`).join("; ") : undefined;
  }
  store(url, response) {
    const host = new URL(url).host;
    if (!this.hosts.has(host)) this.hosts.set(host, new Map());
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const i = pair.indexOf("=");
      const name = pair.slice(0, i).trim();
      const gone = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (gone) this.hosts.get(host).delete(name);
      else this.hosts.get(host).set(name, pair.slice(i + 1).trim());
    }
  }
}

async function browse(url, jar, { method = "GET", body } = {}) {
  const headers = {};
  const cookie = jar.header(url);
  if (cookie) headers.Cookie = cookie;
  if (body) headers["Content-Type"] = "application/x-www-form-urlencoded";
  const r = await fetch(url, { method, body, headers, redirect: "manual" });
  jar.store(url, r);
  return r;
}

/**
 * A person at the browser: opens the authorization URL, allows on the
 * consent page, signs in at the identity provider as `email`, and is sent
 * back to the client. Resolves to the URL the client gets (code or error),
 * or the Worker's error page ({ status, text }).
 */
async function signIn(authorizationUrl, email, { consent } = {}) {
  nextUser = email;
  const jar = new Jar();
  let url = new URL(authorizationUrl);
  let r = await browse(url, jar);
  if (r.status !== 200 || !(r.headers.get("content-type") ?? "").startsWith("text/html")) {
    if (r.status >= 300 && r.status < 400) return new URL(r.headers.get("location"), url);
    return { status: r.status, text: await r.text() };
  }
  const html = await r.text();
  consent?.(html);
  const handle = /name="handle" value="([^"]+)"/.exec(html)[1];
  r = await browse(new URL("/authorize", url), jar, { method: "POST", body: new URLSearchParams({ handle, decision: "approve" }).toString() });
  for (let hops = 0; hops < 10; hops++) {
    if (r.status < 300 || r.status >= 400) return { status: r.status, text: await r.text() };
    url = new URL(r.headers.get("location"), url);
    if (url.href.startsWith(REDIRECT)) return url;
    r = await browse(url, jar);
  }
  throw new Error("too many redirects");
}

/** The MCP SDK's OAuthClientProvider, with the browser part done by signIn. */
class TestOAuthClient {
  constructor(email) {
    this.email = email;
    this.info = undefined;
    this.saved = undefined;
    this.verifier = undefined;
    this.code = undefined;
  }
  get redirectUrl() { return REDIRECT; }
  get clientMetadata() {
    return { client_name: "gongkit test client", redirect_uris: [REDIRECT], grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], token_endpoint_auth_method: "none" };
  }
  clientInformation() { return this.info; }
  saveClientInformation(info) { this.info = info; }
  tokens() { return this.saved; }
  saveTokens(tokens) { this.saved = tokens; }
  saveCodeVerifier(v) { this.verifier = v; }
  codeVerifier() { return this.verifier; }
  async redirectToAuthorization(url) {
    this.authorizationUrl = url;
    const back = await signIn(url, this.email);
    assert.ok(back instanceof URL, JSON.stringify(back));
    assert.equal(back.searchParams.get("error"), null, back.href);
    this.code = back.searchParams.get("code");
  }
}

/** An MCP client signed in as `email` through the SDK's OAuth. */
async function mcpAs(email, serverBase = base) {
  const oauth = new TestOAuthClient(email);
  const url = new URL("/mcp", serverBase);
  let transport = new StreamableHTTPClientTransport(url, { authProvider: oauth });
  const client = new Client({ name: "gongkit-oauth-test", version: "1.0.0" });
  await assert.rejects(client.connect(transport), UnauthorizedError);
  assert.ok(oauth.code, "the SDK sent the person to sign in");
  await transport.finishAuth(oauth.code);
  transport = new StreamableHTTPClientTransport(url, { authProvider: oauth });
  const signedIn = new Client({ name: "gongkit-oauth-test", version: "1.0.0" });
  await signedIn.connect(transport);
  return { client: signedIn, oauth };
}

const text = (r) => r.content.map((c) => c.text).join("\n");

async function api(path, token, init = {}) {
  const r = await fetch(new URL(path, base), { ...init, headers: { ...(init.headers ?? {}), ...(token ? { Authorization: `Bearer ${token}` } : {}) } });
  const body = await r.text();
  return { status: r.status, headers: r.headers, body, json: () => JSON.parse(body) };
}

// A client registered by hand, for the refusals: every step as raw HTTP.
let raw;
const s256 = (v) => createHash("sha256").update(v).digest("base64url");

async function register() {
  const r = await fetch(new URL("/oauth/register", base), {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ client_name: "refusals", redirect_uris: [REDIRECT], token_endpoint_auth_method: "none", grant_types: ["authorization_code", "refresh_token"], response_types: ["code"] }),
  });
  assert.equal(r.status, 201, await r.clone().text());
  return (await r.json()).client_id;
}

function authorizationUrl({ verifier, redirectUri = REDIRECT, resource = base, clientId = raw.clientId }) {
  const u = new URL("/authorize", base);
  u.search = new URLSearchParams({ response_type: "code", client_id: clientId, redirect_uri: redirectUri, code_challenge: s256(verifier), code_challenge_method: "S256", state: "st-1", resource, scope: "calls:read" }).toString();
  return u;
}

async function token(params, clientId = raw.clientId) {
  const r = await fetch(new URL("/oauth/token", base), { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ client_id: clientId, ...params }).toString() });
  const body = await r.json();
  return { status: r.status, body };
}

async function codeFor(email, verifier, options = {}) {
  const back = await signIn(authorizationUrl({ verifier, ...options }), email);
  assert.ok(back instanceof URL, JSON.stringify(back));
  assert.equal(back.searchParams.get("error"), null, back.href);
  return back.searchParams.get("code");
}

/**
 * Tokens for `email` through the hand-registered client. A new
 * authorization revokes the same person's earlier grant to the same client
 * (the provider's default), so a test that keeps tokens across others
 * registers a client of its own.
 */
async function tokensFor(email, clientId = raw.clientId) {
  const verifier = randomBytes(32).toString("base64url");
  const code = await codeFor(email, verifier, { clientId });
  const r = await token({ grant_type: "authorization_code", code, redirect_uri: REDIRECT, code_verifier: verifier, resource: base }, clientId);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

let startedAt;
let earlyToken;

before(async () => {
  startedAt = Date.now();
  sim = await startSim();
  for (const c of [call(ANN_CALL, ["ann@seller.io"]), call(BOB_CALL, ["Bob@Seller.io"]), call(ANN_PRIVATE, ["ann@seller.io"], { isPrivate: true })]) {
    await fetch(`${sim.url}/__sim/calls`, { method: "POST", body: JSON.stringify(c) });
  }
  const [workerPort, idpPort, allPort, basicPort, postPort, idp2Port, w2Port] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
  basicPorts = { basic: basicPort, post: postPort };
  noOffline = { authorizations: [], workerPort: w2Port };
  ({ server: noOffline.server, issuer: noOffline.issuer } = await startIdp(idp2Port, [`http://127.0.0.1:${w2Port}/oauth/callback`], { offline: false, authorizations: noOffline.authorizations }));
  base = `http://127.0.0.1:${workerPort}`;
  const allBase = `http://127.0.0.1:${allPort}`;
  ({ server: idpServer, issuer: idp } = await startIdp(idpPort, [`${base}/oauth/callback`, `http://localhost:${workerPort}/oauth/callback`, `${allBase}/oauth/callback`, `http://127.0.0.1:${basicPort}/oauth/callback`, `http://127.0.0.1:${postPort}/oauth/callback`], { authorizations: mainAuthorizations }));
  dir = mkdtempSync(join(tmpdir(), "gongkit-oauth-"));
  const envFile = join(dir, "secrets.env");
  writeFileSync(envFile, `GONGKIT_TOKEN=ci:all:${CI_TOKEN},ann-script:ann@seller.io:${ANN_TOKEN}\nGONG_API_KEY=${KEY}\nGONG_API_SECRET=${SECRET}\nOIDC_CLIENT_SECRET=${IDP_SECRET}\n`);
  logFile = join(dir, "wrangler.log");
  execFileSync(`${root}node_modules/.bin/wrangler`, ["d1", "migrations", "apply", "GONGKIT_DB", "--local", "--persist-to", join(dir, "state")], {
    cwd: root,
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  vars = {
    GONG_BASE_URL: sim.url,
    OIDC_ISSUER: idp,
    OIDC_CLIENT_ID: "gongkit",
    ALLOWED_EMAIL_DOMAINS: "seller.io",
    ACCESS_POLICY: "participant",
    ADMIN_EMAILS: "boss@seller.io",
    OAUTH_ACCESS_TOKEN_TTL_SECONDS: "60",
  };  ({ stop: stopWrangler } = await startWranglerDev({ port: workerPort, state: join(dir, "state"), envFile, log: logFile, vars }));
  raw = { clientId: await register() };
  // A token to see expire (its TTL is 60 s) at the end of the suite.
  const earlyClient = await register();
  earlyToken = { ...(await tokensFor("ann@seller.io", earlyClient)), at: Date.now(), clientId: earlyClient };
  // ACCESS_POLICY=all, in Miniflare: the same bundle and the same provider.
  mfAll = await startWorker(sim, {
    http: allPort,
    bindings: { ...vars, ACCESS_POLICY: "all", ADMIN_EMAILS: "", OIDC_CLIENT_SECRET: IDP_SECRET, GONGKIT_TOKEN: `ci:all:${CI_TOKEN}` },
  });
});

after(async () => {
  await stopWrangler?.();
  await mfAll?.dispose();
  await new Promise((r) => (idpServer ? idpServer.close(r) : r()));
  await new Promise((r) => (noOffline?.server ? noOffline.server.close(r) : r()));
  await sim?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("discovery: a 401 that points at the protected resource metadata, which names this server as its authorization server", async () => {
  const r = await fetch(`${base}/mcp`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
  assert.equal(r.status, 401);
  const challenge = r.headers.get("www-authenticate");
  const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
  assert.equal(metadataUrl, `${base}/.well-known/oauth-protected-resource`, challenge);
  const prm = await (await fetch(metadataUrl)).json();
  assert.equal(new URL(prm.resource).origin, base);
  assert.deepEqual(prm.authorization_servers.map((a) => new URL(a).origin), [base]);
  const as = await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json();
  assert.deepEqual(as.code_challenge_methods_supported, ["S256"]);
  assert.ok(as.registration_endpoint && as.revocation_endpoint && as.token_endpoint, JSON.stringify(as));
  assert.ok(as.grant_types_supported.includes("refresh_token"));
  // REST is the same resource.
  const rest = await api(`/v1/calls/${ANN_CALL}`);
  assert.equal(rest.status, 401);
  assert.match(rest.headers.get("www-authenticate"), /resource_metadata=/);
  // Health and the page stay open.
  assert.equal((await fetch(`${base}/health`)).status, 200);
});

test("the MCP SDK signs in as a person (discovery, registration, PKCE, consent, the company's sign-in), then reads only that person's calls", { timeout: 60_000 }, async () => {
  const { client, oauth } = await mcpAs("ann@seller.io");
  assert.ok(oauth.info.client_id, "registered dynamically");
  assert.equal(oauth.authorizationUrl.searchParams.get("code_challenge_method"), "S256");
  assert.equal(new URL(oauth.authorizationUrl.searchParams.get("resource")).origin, base);
  let r = await client.callTool({ name: "get_call", arguments: { callId: ANN_CALL } });
  assert.notEqual(r.isError, true, text(r));
  assert.equal(JSON.parse(text(r)).id, ANN_CALL);
  r = await client.callTool({ name: "get_transcript", arguments: { callId: ANN_CALL } });
  assert.match(text(r), /Hello from 8100000000000000001/);
  // Bob's call is, to Ann, a call that does not exist: the same words.
  const bob = await client.callTool({ name: "get_call", arguments: { callId: BOB_CALL } });
  const none = await client.callTool({ name: "get_call", arguments: { callId: NO_SUCH_CALL } });
  assert.equal(bob.isError, true);
  assert.equal(text(bob).replace(BOB_CALL, "ID"), text(none).replace(NO_SUCH_CALL, "ID"));
  for (const tool of ["get_transcript", "get_call_document"]) {
    r = await client.callTool({ name: tool, arguments: { callId: BOB_CALL } });
    assert.equal(r.isError, true, tool);
    assert.match(text(r), /has no call/);
  }
  r = await client.callTool({ name: "list_calls", arguments: { from: "2025-05-01T00:00:00Z", to: "2025-05-02T00:00:00Z" } });
  assert.deepEqual(JSON.parse(r.content[0].text).calls.map((c) => c.id), [ANN_CALL]);
  r = await client.callTool({ name: "find_calls_by_account", arguments: { account: "acme", from: "2025-04-01T00:00:00Z", to: "2025-05-02T00:00:00Z" } });
  assert.deepEqual(JSON.parse(r.content[0].text).calls.map((c) => c.id), [ANN_CALL]);
  // The SDK's refresh: new tokens (the refresh token rotated), and they work.
  const before = oauth.saved;
  assert.equal(await auth(oauth, { serverUrl: new URL("/mcp", base) }), "AUTHORIZED");
  assert.notEqual(oauth.saved.access_token, before.access_token);
  assert.notEqual(oauth.saved.refresh_token, before.refresh_token);
  r = await client.callTool({ name: "get_call", arguments: { callId: ANN_CALL } });
  assert.notEqual(r.isError, true, text(r));
  await client.close();
});

test("REST as a person: their calls, a 404 for anyone else's, listings without them; sync and erase need an admin", { timeout: 60_000 }, async () => {
  const ann = (await tokensFor("ann@seller.io")).access_token;
  assert.equal((await api(`/v1/calls/${ANN_CALL}`, ann)).status, 200);
  const bob = await api(`/v1/calls/${BOB_CALL}`, ann);
  const none = await api(`/v1/calls/${NO_SUCH_CALL}`, ann);
  assert.equal(bob.status, 404);
  assert.equal(bob.json().error.code, "call_not_found");
  assert.equal(bob.body.replace(BOB_CALL, "ID"), none.body.replace(NO_SUCH_CALL, "ID"));
  for (const part of ["transcript", "document"]) assert.equal((await api(`/v1/calls/${BOB_CALL}/${part}`, ann)).status, 404, part);
  const listing = (await api(`/v1/calls?${DAY}`, ann)).json();
  assert.deepEqual(listing.calls.map((c) => c.id), [ANN_CALL]);
  let r = await api("/v1/sync", ann, { method: "POST", body: JSON.stringify({ from: "2025-05-01T00:00:00Z", to: "2025-05-02T00:00:00Z" }) });
  assert.equal(r.status, 403);
  assert.equal(r.json().error.code, "forbidden");
  r = await api(`/v1/calls/${ANN_CALL}`, ann, { method: "DELETE" });
  assert.equal(r.status, 403);
  // Bob sees his call and not Ann's, whatever the case of his email in Gong.
  const bobToken = (await tokensFor("bob@seller.io")).access_token;
  assert.equal((await api(`/v1/calls/${BOB_CALL}`, bobToken)).status, 200);
  assert.equal((await api(`/v1/calls/${ANN_CALL}`, bobToken)).status, 404);
  // The admin sees both, in the listing too.
  const boss = (await tokensFor("boss@seller.io")).access_token;
  assert.equal((await api(`/v1/calls/${BOB_CALL}`, boss)).status, 200);
  assert.deepEqual((await api(`/v1/calls?${DAY}`, boss)).json().calls.map((c) => c.id).sort(), [ANN_CALL, BOB_CALL]);
});

test("search, accounts and export follow the same rule: each person finds only their calls, the admin all", { timeout: 120_000 }, async () => {
  const boss = (await tokensFor("boss@seller.io")).access_token;
  const status = (await api("/v1/sync", boss)).json();
  let r = await api("/v1/sync", boss, { method: "POST", body: JSON.stringify({ from: "2025-05-01T00:00:00Z", to: "2025-05-02T00:00:00Z" }) });
  assert.equal(r.status, 202, r.body);
  for (const deadline = Date.now() + 60_000; ; ) {
    const now = (await api("/v1/sync", boss)).json();
    if (now.status === "idle" && now.lastRun && JSON.stringify(now.lastRun) !== JSON.stringify(status.lastRun)) break;
    assert.ok(Date.now() < deadline, JSON.stringify(now));
    await new Promise((res) => setTimeout(res, 300));
  }
  const ids = (body) => body.trimEnd().split("\n").map((l) => JSON.parse(l)).filter((l) => l.id).map((l) => l.id).sort();
  const found = async (token) => (await api("/v1/search?q=hello", token)).json().hits.map((h) => h.callId).sort();
  const ann = (await tokensFor("ann@seller.io")).access_token;
  const bob = (await tokensFor("bob@seller.io")).access_token;
  assert.deepEqual(await found(ann), [ANN_CALL]);
  assert.deepEqual(await found(bob), [BOB_CALL]);
  assert.deepEqual(await found(boss), [ANN_CALL, BOB_CALL]);
  assert.deepEqual(ids((await api("/v1/export", ann)).body), [ANN_CALL]);
  assert.deepEqual(ids((await api("/v1/export", boss)).body), [ANN_CALL, BOB_CALL]);
  const accounts = (await api("/v1/accounts", ann)).json().accounts;
  assert.deepEqual(accounts.map((a) => a.calls), [1], "the account counts only Ann's call");
  const theirCalls = (await api(`/v1/accounts/${encodeURIComponent(accounts[0].name)}/calls`, ann)).json().calls;
  assert.deepEqual(theirCalls.map((c) => c.id), [ANN_CALL]);
  const { client } = await mcpAs("ann@seller.io");
  r = await client.callTool({ name: "search_calls", arguments: { q: "hello" } });
  assert.deepEqual(JSON.parse(r.content[0].text).hits.map((h) => h.callId), [ANN_CALL]);
  r = await client.callTool({ name: "search_calls", arguments: { q: BOB_CALL } });
  assert.deepEqual(JSON.parse(r.content[0].text).hits, [], "not even by its id (it is in the title)");
  assert.deepEqual((await found(boss)).length, 2);
  assert.deepEqual((await api(`/v1/search?q=${BOB_CALL}`, boss)).json().hits.map((h) => h.callId), [BOB_CALL]);
  await client.close();
});

test("an admin through the MCP SDK sees every call", { timeout: 60_000 }, async () => {
  const { client } = await mcpAs("boss@seller.io");
  for (const id of [ANN_CALL, BOB_CALL]) {
    const r = await client.callTool({ name: "get_call", arguments: { callId: id } });
    assert.notEqual(r.isError, true, text(r));
  }
  await client.close();
});

test("the consent page names the client and what it will read", async () => {
  let page;
  const back = await signIn(authorizationUrl({ verifier: "v".repeat(43) }), "ann@seller.io", { consent: (html) => (page = html) });
  assert.ok(back instanceof URL);
  assert.match(page, /<strong id="client">refusals<\/strong>/);
  assert.match(page, /the Gong calls you took part in/);
  assert.match(page, /transcripts/);
  assert.match(page, /127\.0\.0\.1/); // where the tokens go
});

test("refused: a redirect_uri that was not registered (shown, never redirected to), or not the one the code was issued for", async () => {
  const r = await fetch(authorizationUrl({ verifier: "v".repeat(43), redirectUri: "http://127.0.0.1:9/evil" }), { redirect: "manual" });
  assert.equal(r.status, 400);
  assert.equal(r.headers.get("location"), null);
  assert.match(await r.text(), /invalid_request/);
  const verifier = randomBytes(32).toString("base64url");
  const code = await codeFor("ann@seller.io", verifier);
  const t = await token({ grant_type: "authorization_code", code, redirect_uri: "http://127.0.0.1:9/other", code_verifier: verifier });
  assert.equal(t.status, 400);
  assert.equal(t.body.error, "invalid_grant");
});

test("refused: a PKCE verifier that does not match, and a code used twice", async () => {
  const verifier = randomBytes(32).toString("base64url");
  let code = await codeFor("ann@seller.io", verifier);
  let t = await token({ grant_type: "authorization_code", code, redirect_uri: REDIRECT, code_verifier: randomBytes(32).toString("base64url") });
  assert.equal(t.status, 400);
  assert.equal(t.body.error, "invalid_grant");
  code = await codeFor("ann@seller.io", verifier);
  t = await token({ grant_type: "authorization_code", code, redirect_uri: REDIRECT, code_verifier: verifier });
  assert.equal(t.status, 200, JSON.stringify(t.body));
  const replay = await token({ grant_type: "authorization_code", code, redirect_uri: REDIRECT, code_verifier: verifier });
  assert.equal(replay.status, 400);
  assert.equal(replay.body.error, "invalid_grant");
});

test("refused: a refresh token used again after its successor was used", async () => {
  const first = await tokensFor("ann@seller.io");
  const second = await token({ grant_type: "refresh_token", refresh_token: first.refresh_token });
  assert.equal(second.status, 200, JSON.stringify(second.body));
  assert.notEqual(second.body.refresh_token, first.refresh_token);
  const third = await token({ grant_type: "refresh_token", refresh_token: second.body.refresh_token });
  assert.equal(third.status, 200, JSON.stringify(third.body));
  const again = await token({ grant_type: "refresh_token", refresh_token: first.refresh_token });
  assert.equal(again.status, 400);
  assert.equal(again.body.error, "invalid_grant");
  assert.equal((await api(`/v1/calls/${ANN_CALL}`, third.body.access_token)).status, 200);
});

test("refused: a revoked token", async () => {
  const t = await tokensFor("ann@seller.io");
  assert.equal((await api(`/v1/calls/${ANN_CALL}`, t.access_token)).status, 200);
  const as = await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json();
  const r = await fetch(as.revocation_endpoint, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ client_id: raw.clientId, token: t.access_token }).toString() });
  assert.equal(r.status, 200);
  const after = await api(`/v1/calls/${ANN_CALL}`, t.access_token);
  assert.equal(after.status, 401);
  assert.match(after.headers.get("www-authenticate"), /invalid_token/);
});

test("refused: a token for another resource (RFC 8707), asked for or presented", async () => {
  // Asked for: the authorization request names another server; shown, not
  // redirected to the client (no sign-in or consent happened).
  const back = await signIn(authorizationUrl({ verifier: "v".repeat(43), resource: "https://other.example/mcp" }), "ann@seller.io");
  assert.equal(back.status, 400, JSON.stringify(back));
  assert.match(back.text, /invalid_target/);
  const t = await tokensFor("ann@seller.io");
  const other = await token({ grant_type: "refresh_token", refresh_token: t.refresh_token, resource: "https://other.example/mcp" });
  assert.equal(other.status, 400);
  assert.equal(other.body.error, "invalid_target");
  // Presented: the same Worker under another name is another resource
  // (http://localhost:port), and a token minted for 127.0.0.1 is refused there.
  const elsewhere = base.replace("127.0.0.1", "localhost");
  const r = await fetch(`${elsewhere}/v1/calls/${ANN_CALL}`, { headers: { Authorization: `Bearer ${t.access_token}` } });
  assert.equal(r.status, 401);
  assert.match(r.headers.get("www-authenticate"), /invalid_token/);
  assert.equal((await api(`/v1/calls/${ANN_CALL}`, t.access_token)).status, 200);
});

test("refused: an email outside ALLOWED_EMAIL_DOMAINS, with access_denied and the reason", async () => {
  const back = await signIn(authorizationUrl({ verifier: "v".repeat(43) }), "eve@other.org");
  assert.ok(back instanceof URL, JSON.stringify(back));
  assert.equal(back.searchParams.get("error"), "access_denied");
  assert.match(back.searchParams.get("error_description"), /other\.org is not an allowed email domain/);
  assert.equal(back.searchParams.get("code"), null);
});

test("static tokens keep working beside OAuth, each limited to its policy", async () => {
  // `all`: every call, even under ACCESS_POLICY=participant.
  for (const id of [ANN_CALL, BOB_CALL]) assert.equal((await api(`/v1/calls/${id}`, CI_TOKEN)).status, 200);
  // An email: that person's calls only.
  assert.equal((await api(`/v1/calls/${ANN_CALL}`, ANN_TOKEN)).status, 200);
  assert.equal((await api(`/v1/calls/${BOB_CALL}`, ANN_TOKEN)).status, 404);
  assert.deepEqual((await api(`/v1/calls?${DAY}`, ANN_TOKEN)).json().calls.map((c) => c.id), [ANN_CALL]);
  // Neither is an admin.
  assert.equal((await api(`/v1/calls/${ANN_CALL}`, CI_TOKEN, { method: "DELETE" })).status, 403);
  // A wrong one: 401, pointing at the OAuth metadata.
  const wrong = await api(`/v1/calls/${ANN_CALL}`, "x".repeat(40));
  assert.equal(wrong.status, 401);
  assert.match(wrong.headers.get("www-authenticate"), /resource_metadata=/);
});

test("ACCESS_POLICY=all: a person reads every call, private calls still hidden", { timeout: 60_000 }, async () => {
  const { client } = await mcpAs("ann@seller.io", mfAll.url);
  let r = await client.callTool({ name: "get_call", arguments: { callId: BOB_CALL } });
  assert.notEqual(r.isError, true, text(r));
  r = await client.callTool({ name: "get_call", arguments: { callId: ANN_PRIVATE } });
  assert.equal(r.isError, true);
  assert.match(text(r), /has no call/);
  r = await client.callTool({ name: "list_calls", arguments: { from: "2025-05-01T00:00:00Z", to: "2025-05-02T00:00:00Z" } });
  assert.deepEqual(JSON.parse(r.content[0].text).calls.map((c) => c.id).sort(), [ANN_CALL, BOB_CALL]);
  await client.close();
});

test("the user cannot be forged: a GONGKIT_USER var or header is never trusted; sign-in without its settings fails closed", async () => {
  // OAuth off, and a [vars] entry named like the entry's property.
  const forged = await startWorker(sim, { bindings: { GONGKIT_USER: JSON.stringify({ email: "boss@seller.io" }), GONGKIT_TOKEN: `ann-script:ann@seller.io:${ANN_TOKEN}` } });
  try {
    let r = await forged.request(`/v1/calls/${BOB_CALL}`, { token: null, headers: { GONGKIT_USER: '{"email":"boss@seller.io"}' } });
    assert.equal(r.status, 401);
    r = await forged.request(`/v1/calls/${BOB_CALL}`, { token: ANN_TOKEN });
    assert.equal(r.status, 404);
    assert.equal((await forged.request(`/v1/calls/${ANN_CALL}`, { token: ANN_TOKEN })).status, 200);
  } finally {
    await forged.dispose();
  }
  // OAuth on without its client secret: the sign-in answers 503 naming what is missing.
  const half = await startWorker(sim, { bindings: { OIDC_ISSUER: idp, OIDC_CLIENT_ID: "gongkit", GONGKIT_TOKEN: `ci:all:${CI_TOKEN}` } });
  try {
    const r = await half.request("/.well-known/oauth-authorization-server", { token: null });
    assert.equal(r.status, 503);
    assert.match(r.json().error.message, /OIDC_CLIENT_SECRET/);
    assert.equal((await half.request(`/v1/calls/${BOB_CALL}`, { token: CI_TOKEN })).status, 200, "static tokens still work");
  } finally {
    await half.dispose();
  }
});

test("refused: an expired access token (TTL 60 s)", { timeout: 90_000 }, async () => {
  const wait = earlyToken.at + 61_000 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const r = await api(`/v1/calls/${ANN_CALL}`, earlyToken.access_token);
  assert.equal(r.status, 401);
  assert.match(r.headers.get("www-authenticate"), /invalid_token/);
  // Its refresh token still gets a new one.
  const t = await token({ grant_type: "refresh_token", refresh_token: earlyToken.refresh_token }, earlyToken.clientId);
  assert.equal(t.status, 200, JSON.stringify(t.body));
});

test("the audit line names the user (token name, or a salted hash of the email) and the calls returned; no secret or email in the log", async () => {
  await new Promise((r) => setTimeout(r, 300));
  const log = readFileSync(logFile, "utf8");
  const lines = log.split("\n").filter((l) => l.includes('"route":')).map((l) => JSON.parse(l.slice(l.indexOf("{"))));
  const person = lines.find((l) => l.route === "get_call" && l.status === 200 && l.user?.startsWith("email:"));
  assert.ok(person, "a person's line");
  assert.match(person.user, /^email:[0-9a-f]{32}$/);
  assert.deepEqual(person.calls, [ANN_CALL]);
  assert.equal(person.token, null);
  const list = lines.find((l) => l.route === "list_calls" && l.user === "token:ann-script");
  assert.deepEqual(list.calls, [ANN_CALL]);
  const refused = lines.find((l) => l.route === "get_call" && l.status === 404 && l.user === "token:ann-script");
  assert.deepEqual(refused.calls, []);
  for (const s of secrets) assert.ok(!log.includes(s), "the log holds a secret");
  for (const email of Object.keys(USERS)) assert.ok(!log.toLowerCase().includes(email), `the log names ${email}`);
  process.stderr.write(`oauth suite: ${((Date.now() - startedAt) / 1000).toFixed(1)} s\n`);
});

test("no open redirect: a bad resource, no PKCE or response_type=token is shown as an error page, never sent to the client's redirect_uri", async () => {
  const cases = {
    "a bad resource": (u) => u.searchParams.set("resource", "https://other.example/mcp"),
    "no PKCE": (u) => { u.searchParams.delete("code_challenge"); u.searchParams.delete("code_challenge_method"); },
    "response_type=token": (u) => u.searchParams.set("response_type", "token"),
  };
  for (const [name, change] of Object.entries(cases)) {
    const u = authorizationUrl({ verifier: "v".repeat(43) });
    change(u);
    const r = await fetch(u, { redirect: "manual" });
    assert.equal(r.status, 400, name);
    assert.equal(r.headers.get("location"), null, `${name}: no redirect before sign-in and consent`);
    assert.match(r.headers.get("content-type"), /text\/html/);
    assert.match(await r.text(), /Sign-in failed/, name);
  }
});

test("verified email only: an account without email_verified is refused", async () => {
  const back = await signIn(authorizationUrl({ verifier: "v".repeat(43) }), "unverified@seller.io");
  assert.ok(back instanceof URL, JSON.stringify(back));
  assert.equal(back.searchParams.get("error"), "access_denied");
  assert.match(back.searchParams.get("error_description"), /no verified email/);
  assert.equal(back.searchParams.get("code"), null);
});

test("a person removed at the company loses access at the next refresh: the grant is revoked with its tokens", async () => {
  const clientId = await register();
  const t = await tokensFor("temp@seller.io", clientId);
  // While the person is there, a refresh asks the company's provider and passes.
  const refreshed = await token({ grant_type: "refresh_token", refresh_token: t.refresh_token }, clientId);
  assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
  assert.equal((await api("/v1/calls?" + DAY, refreshed.body.access_token)).status, 200);
  delete USERS["temp@seller.io"];
  try {
    const refused = await token({ grant_type: "refresh_token", refresh_token: refreshed.body.refresh_token }, clientId);
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.equal(refused.body.error, "invalid_grant");
    // The grant is gone: its live access token with it.
    const after = await api("/v1/calls?" + DAY, refreshed.body.access_token);
    assert.equal(after.status, 401);
  } finally {
    USERS["temp@seller.io"] = "Temp";
  }
});

test("an admin revokes a person's grants (DELETE /v1/users/{email}/grants); nobody else may", async () => {
  const carlClient = await register();
  const carl = await tokensFor("carl@seller.io", carlClient);
  const secondClient = await register();
  const carlAgain = await tokensFor("carl@seller.io", secondClient);
  const bossClient = await register();
  const boss = await tokensFor("boss@seller.io", bossClient);
  assert.equal((await api("/v1/calls?" + DAY, carl.access_token)).status, 200);
  // Not an admin: the person themself, or a static token with policy `all`.
  for (const who of [carl.access_token, CI_TOKEN]) {
    const r = await api("/v1/users/carl@seller.io/grants", who, { method: "DELETE" });
    assert.equal(r.status, 403, r.body);
    assert.equal(r.json().error.code, "forbidden");
  }
  const bad = await api("/v1/users/not-an-email/grants", boss.access_token, { method: "DELETE" });
  assert.equal(bad.status, 400, bad.body);
  const r = await api("/v1/users/Carl@Seller.io/grants", boss.access_token, { method: "DELETE" });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json(), { email: "carl@seller.io", revoked: 2 });
  for (const [t, clientId] of [[carl, carlClient], [carlAgain, secondClient]]) {
    assert.equal((await api("/v1/calls?" + DAY, t.access_token)).status, 401);
    const refresh = await token({ grant_type: "refresh_token", refresh_token: t.refresh_token }, clientId);
    assert.equal(refresh.body.error, "invalid_grant");
  }
  // The admin's own grant is untouched; nothing left to revoke for Carl.
  assert.equal((await api("/v1/calls?" + DAY, boss.access_token)).status, 200);
  assert.deepEqual((await api("/v1/users/carl@seller.io/grants", boss.access_token, { method: "DELETE" })).json(), { email: "carl@seller.io", revoked: 0 });
});

test("the official Python MCP SDK signs in with its own OAuth (registered without token_endpoint_auth_method: Basic and client_id in the body)", { timeout: 120_000 }, async (t) => {
  const python = `${root}.venv-test/bin/python`;
  if (!existsSync(python)) {
    if (process.env.GONGKIT_REQUIRE_PYTHON) assert.fail(`${python} is missing: scripts/test makes it (ensure_python_venv in scripts/lib.sh)`);
    t.skip(`no ${python}: run scripts/test, or source scripts/lib.sh and ensure_python_venv`);
    return;
  }
  const child = spawn(python, [`${root}tests/worker/mcp_python_oauth.py`, `${base}/mcp`, REDIRECT, ANN_CALL], { stdio: ["pipe", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", (d) => { err += d; });
  const lines = createInterface({ input: child.stdout });
  const out = [];
  for await (const line of lines) {
    const message = JSON.parse(line);
    if (message.authorize) {
      const back = await signIn(message.authorize, "ann@seller.io");
      assert.ok(back instanceof URL, JSON.stringify(back));
      child.stdin.write(`${back.href}\n`);
    } else {
      out.push(message);
    }
  }
  const code = child.exitCode ?? await new Promise((r) => child.once("exit", r));
  assert.equal(code, 0, `mcp_python_oauth.py failed:\n${err.slice(-4000)}`);
  assert.deepEqual(out, [{ authMethod: "client_secret_basic", hasSecret: true, refreshToken: true, tools: out[0]?.tools, call: ANN_CALL }]);
  assert.ok(out[0].tools > 5);
});

test("a client the provider refuses stays refused: a Basic user and another client_id in the body", async () => {
  const r = await fetch(new URL("/oauth/register", base), {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ client_name: "basic", redirect_uris: [REDIRECT], grant_types: ["authorization_code", "refresh_token"], response_types: ["code"] }),
  });
  const client = await r.json();
  assert.equal(client.token_endpoint_auth_method, "client_secret_basic");
  const basic = Buffer.from(`${client.client_id}:${client.client_secret}`).toString("base64");
  const t = await fetch(new URL("/oauth/token", base), {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: `Basic ${basic}` },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: "x:y:z", client_id: "someone-else" }).toString(),
  });
  assert.equal(t.status, 400);
  assert.match((await t.json()).error_description, /multiple authentication methods/);
});

test("an unused registration lives an hour; its first token exchange makes it last", { timeout: 60_000 }, async () => {
  const kv = await mfAll.mf.getKVNamespace("OAUTH_KV");
  const expiry = async (clientId) => (await kv.list({ prefix: `client:${clientId}` })).keys[0];
  const r = await fetch(new URL("/oauth/register", mfAll.url), {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ client_name: "unused", redirect_uris: [REDIRECT], grant_types: ["authorization_code"], response_types: ["code"] }),
  });
  const unused = await r.json();
  assert.equal(unused.client_secret_expires_at - unused.client_id_issued_at, 3600);
  const key = await expiry(unused.client_id);
  assert.ok(key.expiration && key.expiration <= Date.now() / 1000 + 3601, JSON.stringify(key));
  const { client, oauth } = await mcpAs("ann@seller.io", mfAll.url);
  await client.close();
  const used = await expiry(oauth.info.client_id);
  assert.ok(used, "the client is kept");
  assert.equal(used.expiration, undefined, JSON.stringify(used));
});

test("registrations are rate-limited per client IP (429 with Retry-After)", async () => {
  const answers = [];
  for (let i = 0; i < 15; i++) {
    const r = await fetch(new URL("/oauth/register", base), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ client_name: `flood ${i}`, redirect_uris: [REDIRECT], token_endpoint_auth_method: "none", grant_types: ["authorization_code"], response_types: ["code"] }),
    });
    answers.push({ status: r.status, retryAfter: r.headers.get("retry-after") });
  }
  const created = answers.filter((a) => a.status === 201).length;
  const limited = answers.filter((a) => a.status === 429);
  assert.ok(created <= 10, JSON.stringify(answers));
  assert.ok(limited.length >= 5, JSON.stringify(answers));
  assert.ok(limited.every((a) => a.retryAfter === "60"));
});

test("OIDC_TOKEN_AUTH_METHOD: the Worker authenticates at the company's token endpoint with HTTP Basic when set, else in the form body", { timeout: 60_000 }, async () => {
  const worker = (port, clientId, method) => startWorker(sim, {
    http: port,
    bindings: { ...vars, OIDC_CLIENT_ID: clientId, OIDC_CLIENT_SECRET: IDP_SECRET, GONGKIT_TOKEN: `ci:all:${CI_TOKEN}`, ...(method ? { OIDC_TOKEN_AUTH_METHOD: method } : {}) },
  });
  for (const [port, clientId, method, expected] of [[basicPorts.basic, "gongkit-basic", "client_secret_basic", "basic"], [basicPorts.post, "gongkit", undefined, "post"]]) {
    const w = await worker(port, clientId, method);
    try {
      tokenRequests.length = 0;
      const { client } = await mcpAs("ann@seller.io", w.url);
      const r = await client.callTool({ name: "get_call", arguments: { callId: ANN_CALL } });
      assert.notEqual(r.isError, true, text(r));
      await client.close();
      assert.ok(tokenRequests.length > 0, "the Worker asked the company's token endpoint");
      assert.deepEqual([...new Set(tokenRequests)], [expected], `${method ?? "the default"}: ${tokenRequests}`);
    } finally {
      await w.dispose();
    }
  }
});

test("a refresh token is asked for: offline_access with prompt=consent, or access_type=offline from a provider without it (as Google)", { timeout: 60_000 }, async () => {
  // The suite's provider lists offline_access.
  mainAuthorizations.length = 0;
  const code = await codeFor("ann@seller.io", randomBytes(32).toString("base64url"));
  assert.ok(code);
  const [main] = mainAuthorizations;
  assert.match(main.get("scope"), /\boffline_access\b/);
  assert.equal(main.get("prompt"), "consent");
  assert.equal(main.get("access_type"), null);
  const w = await startWorker(sim, { http: noOffline.workerPort, bindings: { ...vars, OIDC_ISSUER: noOffline.issuer, OIDC_CLIENT_SECRET: IDP_SECRET, GONGKIT_TOKEN: `ci:all:${CI_TOKEN}` } });
  try {
    const { client } = await mcpAs("ann@seller.io", w.url);
    await client.close();
    const [asked] = noOffline.authorizations;
    assert.equal(asked.get("access_type"), "offline");
    assert.equal(asked.get("prompt"), "consent");
    assert.doesNotMatch(asked.get("scope"), /offline_access/);
  } finally {
    await w.dispose();
  }
});
