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
import { OAuthProvider, AuthorizationError, CimdFetchError, authorizationErrorRedirect } from "@cloudflare/workers-oauth-provider";
import * as oidc from "oauth4webapi";
import { readSettings } from "./settings.mjs";
import { isWebhook, gongWebhook } from "./webhook.mjs";

export { GongGate, GongSync };

const API_ROUTES = ["/mcp", "/v1/"];
const AUTHORIZE = "/authorize";
const CALLBACK = "/oauth/callback";
const SCOPE = "calls:read";

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
  url.searchParams.set("scope", "openid email profile");
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
  const insecure = { [oidc.allowInsecureRequests]: isLoopback(new URL(as.issuer)) };
  let claims;
  try {
    const params = oidc.validateAuthResponse(as, client, url, url.searchParams.get("state") ?? undefined);
    const response = await oidc.authorizationCodeGrantRequest(
      as, client, oidc.ClientSecretPost(settings(env).values.OIDC_CLIENT_SECRET), params, new URL(CALLBACK, request.url).href, data.verifier, insecure,
    );
    const result = await oidc.processAuthorizationCodeResponse(as, client, response, { expectedNonce: data.nonce, requireIdToken: true });
    claims = oidc.getValidatedIdTokenClaims(result);
    if (typeof claims?.email !== "string" && as.userinfo_endpoint) {
      // Some providers keep the email out of the ID token: ask userinfo.
      const info = await oidc.userInfoRequest(as, client, result.access_token, insecure);
      claims = { ...claims, ...(await oidc.processUserInfoResponse(as, client, claims.sub, info)) };
    }
  } catch (e) {
    console.log(JSON.stringify({ oauth: "company sign-in failed", error: e?.code ?? e?.name ?? "error" }));
    return refuse("the company sign-in could not be verified");
  }
  const email = typeof claims?.email === "string" ? claims.email.trim().toLowerCase() : "";
  if (!email || claims.email_verified === false) return refuse("the company account has no verified email");
  const domain = email.slice(email.lastIndexOf("@") + 1);
  const domains = allowedDomains(env);
  if (domains.length === 0) return refuse("this server allows no email domain yet (ALLOWED_EMAIL_DOMAINS is empty)");
  if (!domains.includes(domain)) {
    return refuse(`${domain} is not an allowed email domain for this server (ALLOWED_EMAIL_DOMAINS)`);
  }
  const { redirectTo } = await oauth.completeAuthorization({
    request: original,
    userId: email,
    metadata: {},
    scope: [SCOPE],
    props: { email },
  });
  headers.set("Location", redirectTo);
  return new Response(null, { status: 302, headers });
}

/** Everything that is not the API: the sign-in pages, then the Rust Worker. */
const defaultHandler = {
  async fetch(request, env, ctx) {
    const path = new URL(request.url).pathname;
    if (path !== AUTHORIZE && path !== CALLBACK) return rust(request, withUser(env, undefined), ctx);
    try {
      return await (path === AUTHORIZE ? authorize(request, env) : callback(request, env));
    } catch (error) {
      if (error instanceof AuthorizationError && error.redirectTo) return Response.redirect(error.redirectTo, 302);
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

/** One provider per public origin (its resource and issuer are that origin). */
const providers = new Map();
function provider(env, request) {
  const base = publicOrigin(env, request);
  if (!providers.has(base)) {
    // A Worker answers under a few names at most; never keep more.
    if (providers.size >= 8) providers.clear();
    providers.set(base, new OAuthProvider({
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
      onError: ({ code, status }) => {
        console.log(JSON.stringify({ oauth: code, status }));
      },
    }));
  }
  return providers.get(base);
}

function resourceMetadataUrl(request, env) {
  return `${publicOrigin(env, request)}/.well-known/oauth-protected-resource`;
}

export default {
  async fetch(request, env, ctx) {
    if (isWebhook(request)) return gongWebhook(request, env);
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
    return provider(env, request).fetch(request, env, ctx);
  },
  scheduled(controller, env, ctx) {
    return new RustWorker(ctx, withUser(env, undefined)).scheduled(controller);
  },
};
