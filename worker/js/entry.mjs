// The Worker's entry: OAuth 2.1 for MCP clients and people in front of the
// Rust Worker (worker/build/index.js, built by worker-build).
//
// Without OIDC settings (no OIDC_ISSUER) every request goes to the Rust
// Worker unchanged, and it checks the static tokens of GONGKIT_TOKEN as it
// always did. With them, @cloudflare/workers-oauth-provider is the
// authorization server (discovery, registration, PKCE, tokens, refresh,
// revocation; grants in the OAUTH_KV namespace), people sign in at the
// company's OpenID provider through oauth4webapi, and a request to /v1/* or
// /mcp with a provider token reaches Rust with the signed-in person in
// env.GONGKIT_USER. That property lives only on the environment object
// handed to Rust here: no header, query or body can set it, and a request
// that did not come through the provider gets it explicitly undefined (so
// even a [vars] entry of that name is never trusted).
//
// This file is bundled by scripts/build-worker (esbuild) with the Rust
// Worker into worker/build/entry.js, the Worker's `main`.
import RustWorker, { GongGate, GongSync } from "../build/index.js";
import { OAuthProvider, OAuthError, AuthorizationError, CimdFetchError, authorizationErrorRedirect, getOAuthApi } from "@cloudflare/workers-oauth-provider";
import * as oidc from "oauth4webapi";
import { readSettings } from "./settings.mjs";
import { isWebhook, gongWebhook } from "./webhook.mjs";

export { GongGate, GongSync };

const API_ROUTES = ["/mcp", "/v1/"];
const AUTHORIZE = "/authorize";
const CALLBACK = "/oauth/callback";
const SCOPE = "calls:read";
const REGISTER = "/oauth/register";
const TOKEN = "/oauth/token";
/**
 * A registration lasts this long (seconds) until its first token exchange,
 * which makes it permanent: a flood of registrations that never sign in
 * leaves nothing behind an hour later.
 */
const UNUSED_REGISTRATION_TTL = 3600;
/** `DELETE /v1/users/{email}/grants`: the Rust Worker allows it, this entry revokes. */
const GRANTS_ROUTE = /^\/v1\/users\/[^/]+\/grants$/;

/** The Rust Worker's fetch, with `env` as given (a WorkerEntrypoint class). */
function rust(request, env, ctx) {
  return new RustWorker(ctx, env).fetch(request);
}

/** `env` with GONGKIT_USER set to `user` (a JSON string) or undefined. */
function withUser(env, user) {
  return Object.create(env, { GONGKIT_USER: { value: user, enumerable: true } });
}

/**
 * The settings this entry reads (worker/js/settings.mjs, parsed as the Rust
 * Worker parses them), once per request: `{ values, errors }`.
 */
const readOnce = new WeakMap();
function settings(env) {
  if (!readOnce.has(env)) readOnce.set(env, readSettings(env));
  return readOnce.get(env);
}

/** Sign-in is on when OIDC_ISSUER is set (even to a value that is refused). */
function oauthEnabled(env) {
  return typeof env.OIDC_ISSUER === "string" && env.OIDC_ISSUER.trim() !== "";
}

function notConfigured(message) {
  return Response.json({ error: { code: "not_configured", message } }, { status: 503, headers: { "Cache-Control": "no-store" } });
}

function isApiPath(path) {
  return path === "/mcp" || path.startsWith("/v1/") || path === "/v1";
}

/** The bearer token sent, if any. */
function bearer(request) {
  const h = request.headers.get("Authorization");
  const m = h && /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : null;
}

/** A token of the provider's own shape (`userId:grantId:secret`). */
function isProviderToken(token) {
  return token.split(":").length === 3;
}

const escape = (value) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(status, title, body, headers = new Headers()) {
  headers.set("Content-Type", "text/html; charset=utf-8");
  headers.set("Cache-Control", "no-store");
  headers.set("X-Content-Type-Options", "nosniff");
  return new Response(`<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escape(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36em;margin:3em auto;padding:0 1em}button{font:inherit;padding:.4em 1.2em}</style>
<h1>${escape(title)}</h1>${body}`, { status, headers });
}

function errorPage(status, message) {
  return page(status, "Sign-in failed", `<p id="error">${escape(message)}</p><p>Start again from your app.</p>`);
}

/** The OpenID provider's metadata, discovered once per isolate. */
const discovered = new Map();
async function identityProvider(env) {
  const issuer = new URL(settings(env).values.OIDC_ISSUER);
  const key = issuer.href;
  if (!discovered.has(key)) {
    const options = { [oidc.allowInsecureRequests]: isLoopback(issuer) };
    const p = oidc.discoveryRequest(issuer, options).then((r) => oidc.processDiscoveryResponse(issuer, r));
    p.catch(() => discovered.delete(key));
    discovered.set(key, p);
  }
  return discovered.get(key);
}

function isLoopback(url) {
  return ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
}

function oidcClient(env) {
  return { client_id: settings(env).values.OIDC_CLIENT_ID };
}

/**
 * How this Worker authenticates at the company's token endpoint
 * (OIDC_TOKEN_AUTH_METHOD): the secret in the form body, or HTTP Basic.
 */
function oidcClientAuth(env) {
  const { OIDC_TOKEN_AUTH_METHOD: method, OIDC_CLIENT_SECRET: secret } = settings(env).values;
  return method === "client_secret_basic" ? oidc.ClientSecretBasic(secret) : oidc.ClientSecretPost(secret);
}

function insecureFor(as) {
  return { [oidc.allowInsecureRequests]: isLoopback(new URL(as.issuer)) };
}

/**
 * The claims of a token response: its ID token's, and, when that keeps the
 * email out (some providers do), userinfo's.
 */
async function identityClaims(as, client, result, insecure) {
  let claims = oidc.getValidatedIdTokenClaims(result);
  if (claims && typeof claims.email !== "string" && as.userinfo_endpoint) {
    const info = await oidc.userInfoRequest(as, client, result.access_token, insecure);
    claims = { ...claims, ...(await oidc.processUserInfoResponse(as, client, claims.sub, info)) };
  }
  return claims;
}

/** The first refusal of an identity's claims, if any (the one rule for sign-in and refresh). */
function refusal(claims, env) {
  const email = typeof claims?.email === "string" ? claims.email.trim().toLowerCase() : "";
  // Only a claim that says so: an account with no email_verified is refused too.
  if (!email || claims.email_verified !== true) return { email, reason: "the company account has no verified email" };
  const domain = email.slice(email.lastIndexOf("@") + 1);
  const domains = allowedDomains(env);
  if (domains.length === 0) return { email, reason: "this server allows no email domain yet (ALLOWED_EMAIL_DOMAINS is empty)" };
  if (!domains.includes(domain)) return { email, reason: `${domain} is not an allowed email domain for this server (ALLOWED_EMAIL_DOMAINS)` };
  return { email };
}

function allowedDomains(env) {
  return settings(env).values.ALLOWED_EMAIL_DOMAINS
    .map((d) => d.toLowerCase().replace(/^@/, ""))
    .filter(Boolean);
}

/** GET and POST /authorize: the consent page, then the company's sign-in. */
async function authorize(request, env) {
  const oauth = env.OAUTH_PROVIDER;
  if (request.method === "GET") {
    const req = await oauth.parseAuthRequest(request);
    // PKCE for every client (RFC 9700 §2.1.1), confidential ones too.
    if (!req.codeChallenge) throw new AuthorizationError("invalid_request", { description: "PKCE is required: send code_challenge and code_challenge_method=S256" });
    const details = await oauth.describeConsent(req);
    const consent = await oauth.beginConsent(req);
    const origin = details.clientDomain
      ? `Published by <strong>${escape(details.clientDomain)}</strong>.`
      : "This app registered itself; its name is not verified.";
    const loopback = details.redirectIsLoopback
      ? "<p><strong>This sends access to an app on your computer.</strong> Continue only if you just started signing in from it.</p>"
      : "";
    // Refused values never get here (see the default export): the same
    // reading as Rust's, so the page says what Rust will do.
    const policy = settings(env).values.ACCESS_POLICY === "participant"
      ? "the Gong calls you took part in"
      : "every Gong call this server reads (private calls excepted)";
    return page(200, `Allow ${details.clientName} to read Gong calls?`, `
<p><strong id="client">${escape(details.clientName)}</strong> asks to read, as you, ${policy}:
call details, participants, Gong's summaries, transcripts and call documents, listings and searches.
It cannot change anything in Gong.</p>
<p>${origin} Access will be sent to <strong>${escape(details.redirectHost)}</strong>.</p>${loopback}
<p>You will sign in with your company account next.</p>
<form method="post" action="${AUTHORIZE}">
<input type="hidden" name="handle" value="${escape(consent.handle)}">
<button name="decision" value="approve">Allow</button> <button name="decision" value="deny">Deny</button>
</form>`, consent.headers);
  }
  if (request.method !== "POST") return new Response("use GET or POST", { status: 405, headers: { Allow: "GET, POST" } });
  const form = await request.formData();
  const handle = String(form.get("handle") ?? "");
  if (form.get("decision") !== "approve") {
    const denied = await oauth.denyConsent(request, handle);
    return new Response(null, { status: 302, headers: denied.headers });
  }
  const approved = await oauth.approveConsent(request, handle);
  let as;
  try {
    as = await identityProvider(env);
  } catch (e) {
    console.log(JSON.stringify({ oauth: "identity provider discovery failed", error: e?.code ?? e?.name ?? "error" }));
    return errorPage(502, "The company sign-in (OIDC_ISSUER) is not answering; try again later.");
  }
  const verifier = oidc.generateRandomCodeVerifier();
  const nonce = oidc.generateRandomNonce();
  const { state, headers } = await oauth.beginUpstream(approved.request, {
    data: { verifier, nonce },
    headers: approved.headers,
  });
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set("client_id", settings(env).values.OIDC_CLIENT_ID);
  url.searchParams.set("redirect_uri", new URL(CALLBACK, request.url).href);
  url.searchParams.set("response_type", "code");
  // A refresh token from the company's provider is what lets each refresh
  // of this grant ask it again whether the person is still there.
  // OpenID Connect's way is the offline_access scope (with prompt=consent,
  // as it requires); a provider that does not list it (Google) takes
  // access_type=offline instead, which others ignore as unknown (RFC 6749 §3.1).
  const offline = (as.scopes_supported ?? []).includes("offline_access");
  url.searchParams.set("scope", offline ? "openid email profile offline_access" : "openid email profile");
  if (!offline) url.searchParams.set("access_type", "offline");
  url.searchParams.set("prompt", "consent");
  url.searchParams.set("state", state);
  url.searchParams.set("nonce", nonce);
  url.searchParams.set("code_challenge", await oidc.calculatePKCECodeChallenge(verifier));
  url.searchParams.set("code_challenge_method", "S256");
  headers.set("Location", url.href);
  return new Response(null, { status: 302, headers });
}

/** GET /oauth/callback: the company's answer; the grant for the MCP client. */
async function callback(request, env) {
  const oauth = env.OAUTH_PROVIDER;
  const { request: original, data, headers } = await oauth.finishUpstream(request);
  const refuse = (description) => {
    headers.set("Location", authorizationErrorRedirect(original, "access_denied", description));
    return new Response(null, { status: 302, headers });
  };
  const url = new URL(request.url);
  if (url.searchParams.get("error")) return refuse("the company sign-in was not completed");
  let as;
  try {
    as = await identityProvider(env);
  } catch {
    return refuse("the company sign-in is not answering");
  }
  const client = oidcClient(env);
  const insecure = insecureFor(as);
  let claims;
  let upstream;
  try {
    const params = oidc.validateAuthResponse(as, client, url, url.searchParams.get("state") ?? undefined);
    const response = await oidc.authorizationCodeGrantRequest(
      as, client, oidcClientAuth(env), params, new URL(CALLBACK, request.url).href, data.verifier, insecure,
    );
    const result = await oidc.processAuthorizationCodeResponse(as, client, response, { expectedNonce: data.nonce, requireIdToken: true });
    claims = await identityClaims(as, client, result, insecure);
    upstream = typeof result.refresh_token === "string" ? result.refresh_token : undefined;
  } catch (e) {
    console.log(JSON.stringify({ oauth: "company sign-in failed", error: e?.code ?? e?.name ?? "error" }));
    return refuse("the company sign-in could not be verified");
  }
  const { email, reason } = refusal(claims, env);
  if (reason) return refuse(reason);
  const { redirectTo } = await oauth.completeAuthorization({
    request: original,
    userId: email,
    metadata: {},
    scope: [SCOPE],
    // The provider's refresh token stays with the grant (props are stored
    // encrypted): each refresh of the grant is checked with it.
    props: { email, upstream },
  });
  headers.set("Location", redirectTo);
  return new Response(null, { status: 302, headers });
}

/** Everything that is not the API: the sign-in pages, then the Rust Worker. */
const defaultHandler = {
  async fetch(request, env, ctx) {
    const path = new URL(request.url).pathname;
    if (path !== AUTHORIZE && path !== CALLBACK) return rust(request, withUser(env, undefined), ctx);
    if (path === AUTHORIZE) {
      const limited = await rateLimited(env, "SIGNIN_AUTHORIZE_LIMIT", request);
      if (limited) return limited;
    }
    try {
      return await (path === AUTHORIZE ? authorize(request, env) : callback(request, env));
    } catch (error) {
      // Before the person has signed in and consented, a bad request is
      // shown here, never sent to the client's redirect_uri: anyone can
      // register one, and an instant redirect would make this server an
      // open redirector (RFC 9700 §4.11.2). After sign-in, the client hears.
      if (error instanceof AuthorizationError && error.redirectTo && path !== AUTHORIZE) return Response.redirect(error.redirectTo, 302);
      if (error instanceof AuthorizationError) return errorPage(400, `${error.code}: ${error.description}`);
      if (error instanceof CimdFetchError) return errorPage(400, "This app could not be verified.");
      throw error;
    }
  },
};

/** The API, for a token the provider validated: Rust, as the signed-in person. */
const apiHandler = {
  fetch(request, env, ctx) {
    const email = ctx.props?.email;
    if (typeof email !== "string" || !email) return new Response("no user", { status: 500 });
    return rust(request, withUser(env, JSON.stringify({ email })), ctx);
  },
};

/** The Worker's public origin: PUBLIC_URL's, else the request's. */
function publicOrigin(env, request) {
  const configured = settings(env).values.PUBLIC_URL;
  return configured ? new URL(configured).origin : new URL(request.url).origin;
}

/**
 * At each token exchange: the first one (the code) makes the client's
 * registration permanent; each refresh asks the company's provider, with
 * the refresh token it gave at sign-in, whether the person is still there.
 * When it refuses (the person left, was suspended, revoked the app), the
 * grant is revoked with all its tokens (the provider does so on
 * `invalid_grant`); when it cannot be reached, the refresh fails without
 * revoking and the client tries again later.
 */
async function onTokenExchange({ grantType, clientId, props, env }) {
  if (grantType !== "authorization_code" && grantType !== "refresh_token") return;
  // Each exchange (one KV read) keeps the registration: the provider may
  // have renewed it with an expiry after a slow first exchange.
  await keepRegistration(env, clientId);
  if (grantType !== "refresh_token") return;
  const upstream = props?.upstream;
  if (typeof upstream !== "string" || !upstream) {
    throw new OAuthError("invalid_grant", { description: "the company's sign-in gave no refresh token to check this grant with: sign in again" });
  }
  let as;
  try {
    as = await identityProvider(env);
  } catch {
    throw new OAuthError("temporarily_unavailable", { description: "the company sign-in is not answering; try again later", statusCode: 503, headers: { "Retry-After": "60" } });
  }
  const client = oidcClient(env);
  let result;
  let claims;
  try {
    const response = await oidc.refreshTokenGrantRequest(as, client, oidcClientAuth(env), upstream, insecureFor(as));
    result = await oidc.processRefreshTokenResponse(as, client, response);
    claims = await identityClaims(as, client, result, insecureFor(as));
  } catch (e) {
    if (e instanceof oidc.ResponseBodyError && ["invalid_grant", "unauthorized_client", "access_denied"].includes(e.error)) {
      console.log(JSON.stringify({ oauth: "the company sign-in refused a refresh; grant revoked", error: e.error }));
      throw new OAuthError("invalid_grant", { description: "the company sign-in no longer accepts this person: sign in again" });
    }
    console.log(JSON.stringify({ oauth: "the company sign-in refresh failed", error: e?.code ?? e?.name ?? "error" }));
    throw new OAuthError("temporarily_unavailable", { description: "the company sign-in could not be asked; try again later", statusCode: 503, headers: { "Retry-After": "60" } });
  }
  // A new ID token must still name the same verified, allowed email.
  if (claims) {
    const { email, reason } = refusal(claims, env);
    if (reason || email !== props.email) throw new OAuthError("invalid_grant", { description: reason ?? "the company account's email changed: sign in again" });
  }
  const next = typeof result.refresh_token === "string" ? result.refresh_token : upstream;
  return { newProps: { ...props, upstream: next } };
}

/**
 * A registration is written to expire (UNUSED_REGISTRATION_TTL); the first
 * code exchanged for it rewrites it without an expiry, as a registration
 * that never expires (the provider's own record, only its expiry dropped).
 */
async function keepRegistration(env, clientId) {
  const key = `client:${clientId}`;
  const record = await env.OAUTH_KV.get(key, { type: "json" });
  if (!record || record.registrationExpiresAt === undefined) return;
  delete record.registrationExpiresAt;
  await env.OAUTH_KV.put(key, JSON.stringify(record));
}

/**
 * Too many requests from one client IP to this rate limit (a Workers Rate
 * Limiting binding in wrangler.toml): the 429 to answer, else null. Without
 * the binding (a test without it), nothing is limited.
 */
async function rateLimited(env, binding, request) {
  const limiter = env[binding];
  if (!limiter) return null;
  const ip = request.headers.get("CF-Connecting-IP") ?? "unknown";
  const { success } = await limiter.limit({ key: `${binding}:${ip}` });
  if (success) return null;
  return Response.json(
    { error: "too_many_requests", error_description: "too many sign-in requests from this address; wait a minute" },
    { status: 429, headers: { "Retry-After": "60", "Cache-Control": "no-store" } },
  );
}

/**
 * A token request that authenticates with HTTP Basic and also sends its
 * client_id in the body (as the official Python MCP SDK does) names one
 * client, not two methods: the body's client_id is dropped when it equals
 * the Basic user (RFC 6749 §2.3.1: form-encoded), so the provider sees one
 * method. A different client_id is left for the provider to refuse.
 */
async function oneClientAuthentication(request) {
  const m = /^Basic\s+(\S+)\s*$/i.exec(request.headers.get("Authorization") ?? "");
  if (!m || !(request.headers.get("Content-Type") ?? "").startsWith("application/x-www-form-urlencoded")) return request;
  let user;
  try {
    const credentials = atob(m[1]);
    const colon = credentials.indexOf(":");
    if (colon < 0) return request;
    user = decodeURIComponent(credentials.slice(0, colon).replace(/\+/g, " "));
  } catch {
    return request;
  }
  const body = new URLSearchParams(await request.clone().text());
  const sent = body.getAll("client_id");
  if (sent.length !== 1 || sent[0] !== user) return request;
  body.delete("client_id");
  const headers = new Headers(request.headers);
  headers.delete("Content-Length");
  return new Request(request.url, { method: "POST", headers, body: body.toString() });
}

/**
 * `DELETE /v1/users/{email}/grants`, allowed by the Rust Worker (an admin):
 * every grant of that person revoked, with its tokens. `{ email, revoked }`.
 */
async function revokeGrants(allowed, env, request) {
  const { email } = await allowed.json();
  const api = getOAuthApi(providerOptions(env, request), env);
  let revoked = 0;
  let cursor;
  do {
    const page = await api.listUserGrants(email, { cursor });
    for (const grant of page.items) {
      await api.revokeGrant(grant.id, email);
      revoked += 1;
    }
    cursor = page.cursor;
  } while (cursor);
  console.log(JSON.stringify({ oauth: "grants revoked by an admin", revoked }));
  return Response.json({ email, revoked }, { headers: { "Cache-Control": "no-store" } });
}

/** The provider's options for a public origin (its resource and issuer). */
function providerOptions(env, request) {
  const base = publicOrigin(env, request);
  return {
      apiRoute: API_ROUTES,
      apiHandler,
      defaultHandler,
      authorizeEndpoint: AUTHORIZE,
      tokenEndpoint: "/oauth/token",
      clientRegistrationEndpoint: "/oauth/register",
      scopesSupported: [SCOPE],
      resourceMetadata: {
        resource: base,
        authorization_servers: [base],
        bearer_methods_supported: ["header"],
        resource_name: "gongkit: Gong calls",
      },
      accessTokenTTL: settings(env).values.OAUTH_ACCESS_TOKEN_TTL_SECONDS,
      clientRegistrationTTL: UNUSED_REGISTRATION_TTL,
      tokenExchangeCallback: onTokenExchange,
      onError: ({ code, status }) => {
        console.log(JSON.stringify({ oauth: code, status }));
      },
  };
}

/** One provider per public origin (its resource and issuer are that origin). */
const providers = new Map();
function provider(env, request) {
  const base = publicOrigin(env, request);
  if (!providers.has(base)) {
    // A Worker answers under a few names at most; never keep more.
    if (providers.size >= 8) providers.clear();
    providers.set(base, new OAuthProvider(providerOptions(env, request)));
  }
  return providers.get(base);
}

function resourceMetadataUrl(request, env) {
  return `${publicOrigin(env, request)}/.well-known/oauth-protected-resource`;
}

export default {
  async fetch(request, env, ctx) {
    if (isWebhook(request)) return gongWebhook(request, env);
    const path = new URL(request.url).pathname;
    if (GRANTS_ROUTE.test(path) && request.method === "DELETE") {
      if (!oauthEnabled(env)) return notConfigured("there are no sign-in grants to revoke: sign-in is off (OIDC_ISSUER is empty)");
      const response = await signedIn(request, env, ctx);
      return response.status === 200 ? revokeGrants(response, env, request) : response;
    }
    return signedIn(request, env, ctx);
  },
  scheduled(controller, env, ctx) {
    return new RustWorker(ctx, withUser(env, undefined)).scheduled(controller);
  },
};

/** Every request, with sign-in in front when it is on. */
async function signedIn(request, env, ctx) {
  if (!oauthEnabled(env)) return rust(request, withUser(env, undefined), ctx);
  // Sign-in is on: every setting it reads must parse, or nothing is served
  // (503 naming the setting, as the Rust Worker answers for its own).
  const { values, errors } = settings(env);
  if (errors.length) return notConfigured(errors[0]);
  const url = new URL(request.url);
  const token = bearer(request);
  if (isApiPath(url.pathname) && (request.method === "OPTIONS" || (token && !isProviderToken(token)))) {
    // A CORS preflight, or a static token: the Rust Worker checks it
    // against GONGKIT_TOKEN, with no signed-in user.
    const response = await rust(request, withUser(env, undefined), ctx);
    if (response.status !== 401) return response;
    const headers = new Headers(response.headers);
    headers.set("WWW-Authenticate", `Bearer error="invalid_token", resource_metadata="${resourceMetadataUrl(request, env)}"`);
    return new Response(response.body, { status: 401, headers });
  }
  const missing = [
    !env.OAUTH_KV && "the KV namespace OAUTH_KV (wrangler.toml)",
    !values.OIDC_CLIENT_ID && "the var OIDC_CLIENT_ID",
    !values.OIDC_CLIENT_SECRET && "the secret OIDC_CLIENT_SECRET",
  ].filter(Boolean);
  if (missing.length) {
    // Fail closed, saying what to set (never a value).
    return notConfigured(`OIDC_ISSUER is set, so sign-in is on, but this Worker has no ${missing.join(", no ")}`);
  }
  if (url.pathname === REGISTER && request.method === "POST") {
    const limited = await rateLimited(env, "SIGNIN_REGISTER_LIMIT", request);
    if (limited) return limited;
  }
  if (url.pathname === TOKEN && request.method === "POST") request = await oneClientAuthentication(request);
  return provider(env, request).fetch(request, env, ctx);
}
