// POST /v1/webhooks/gong: the call Gong's automation rule sends when it has
// processed a call ("Signed JWT header" authentication).
//
// Gong signs a JWT (RS256, in the Authorization header, without "Bearer ")
// whose claims name the URL the rule posts to (`webhook_url`), the hex
// SHA-256 of the raw body (`body_sha256`) and an expiry (`exp`). The token
// is checked with jose against GONG_WEBHOOK_PUBLIC_KEY (base64 of the key as
// Gong's rule page shows it, or PEM), then the body's hash, then the URL
// against this Worker's own (PUBLIC_URL's origin, else the request's).
// Whatever fails is 401 and nothing is stored. A verified call is handed to
// the tenant's sync Durable Object (worker/src/sync.rs, `POST /webhook`),
// which stores the call data at once and fetches transcripts in batches;
// `isTest: true` is answered 200 with nothing stored.
//
// Without GONG_WEBHOOK_PUBLIC_KEY the route answers 503 `not_configured`
// (saying what to set), like every other feature a setting turns on.
import { importSPKI, jwtVerify } from "jose";
import { readSettings } from "./settings.mjs";

/** The route Gong's rule posts to. */
export const WEBHOOK_PATH = "/v1/webhooks/gong";

/** The largest body accepted: one call's extensive JSON is a few KB. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** The clock skew allowed on `exp` (and `nbf`/`iat` when Gong sends them). */
const SKEW_SECONDS = 60;

/** The sync's Durable Object binding (worker/src/sync.rs's BINDING). */
const SYNC_BINDING = "GONG_SYNC";

/** Gong's host when GONG_BASE_URL is unset (worker/src/settings.rs). */
const DEFAULT_GONG_BASE_URL = "https://api.gong.io";

function answer(status, body) {
  return Response.json(body, { status, headers: { "Cache-Control": "no-store" } });
}

function refuse(status, code, message) {
  return answer(status, { error: { code, message } });
}

/** Whether this request is for the webhook (any method: the route answers 405). */
export function isWebhook(request) {
  return new URL(request.url).pathname === WEBHOOK_PATH;
}

/** The key from the setting: PEM as given, or base64 of its DER wrapped as PEM. */
async function publicKey(raw) {
  const text = raw.trim();
  const pem = text.startsWith("-----BEGIN")
    ? text
    : `-----BEGIN PUBLIC KEY-----\n${text.replace(/\s+/g, "").replace(/(.{64})/g, "$1\n").trim()}\n-----END PUBLIC KEY-----`;
  return importSPKI(pem, "RS256");
}

/** One imported key per setting value, per isolate. */
const keys = new Map();
function cachedKey(raw) {
  if (!keys.has(raw)) {
    if (keys.size >= 4) keys.clear();
    const p = publicKey(raw);
    p.catch(() => keys.delete(raw));
    keys.set(raw, p);
  }
  return keys.get(raw);
}

function hex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The tenant's name for its Durable Objects, as worker/src/sign.rs's
 * `tenant` gives it: the first 16 bytes of SHA-256(base URL \0 key), hex.
 */
export async function tenant(baseUrl, key) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${baseUrl}\0${key}`));
  return hex(digest.slice(0, 16));
}

/** GONG_BASE_URL as the Rust Worker reads it (trimmed, no trailing `/`). */
function gongBaseUrl(env) {
  const v = typeof env.GONG_BASE_URL === "string" ? env.GONG_BASE_URL.trim() : "";
  return (v || DEFAULT_GONG_BASE_URL).replace(/\/+$/, "");
}

/** The URL Gong should have signed: this Worker's origin and the request's path. */
function ownUrl(request, publicUrl) {
  const url = new URL(request.url);
  const origin = publicUrl ? new URL(publicUrl).origin : url.origin;
  return `${origin}${url.pathname}${url.search}`;
}

function sameUrl(claimed, own) {
  try {
    return new URL(claimed).href === new URL(own).href;
  } catch {
    return false;
  }
}

/** Serves POST /v1/webhooks/gong. */
export async function gongWebhook(request, env) {
  if (request.method !== "POST") {
    return new Response(JSON.stringify({ error: { code: "method_not_allowed", message: `use POST for ${WEBHOOK_PATH}` } }), {
      status: 405,
      headers: { Allow: "POST", "Content-Type": "application/json" },
    });
  }
  const { values } = readSettings(env);
  const raw = values.GONG_WEBHOOK_PUBLIC_KEY;
  if (!raw) {
    return refuse(503, "not_configured", "Gong webhooks are off: set the secret GONG_WEBHOOK_PUBLIC_KEY to the public key of Gong's automation rule");
  }
  let key;
  try {
    key = await cachedKey(raw);
  } catch {
    return refuse(503, "not_configured", "GONG_WEBHOOK_PUBLIC_KEY: expected an RSA public key, base64 as Gong shows it or PEM");
  }
  const length = Number(request.headers.get("Content-Length") ?? 0);
  if (length > MAX_BODY_BYTES) return refuse(413, "body_too_large", `the body is larger than ${MAX_BODY_BYTES} bytes`);
  const body = new Uint8Array(await request.arrayBuffer());
  if (body.byteLength > MAX_BODY_BYTES) return refuse(413, "body_too_large", `the body is larger than ${MAX_BODY_BYTES} bytes`);

  const token = (request.headers.get("Authorization") ?? "").trim().replace(/^Bearer\s+/i, "");
  if (!token) return refuse(401, "unauthorized", "no Authorization header: Gong's rule must use \"Signed JWT header\" authentication");
  let claims;
  try {
    ({ payload: claims } = await jwtVerify(token, key, {
      algorithms: ["RS256"],
      clockTolerance: SKEW_SECONDS,
      requiredClaims: ["exp", "webhook_url", "body_sha256"],
    }));
  } catch (e) {
    const why = e?.code === "ERR_JWT_EXPIRED" ? "the JWT has expired" : "the JWT does not verify with GONG_WEBHOOK_PUBLIC_KEY";
    return refuse(401, "unauthorized", why);
  }
  const digest = hex(await crypto.subtle.digest("SHA-256", body));
  if (typeof claims.body_sha256 !== "string" || claims.body_sha256.toLowerCase() !== digest) {
    return refuse(401, "unauthorized", "the body does not match the JWT's body_sha256");
  }
  if (typeof claims.webhook_url !== "string" || !sameUrl(claims.webhook_url, ownUrl(request, values.PUBLIC_URL))) {
    return refuse(401, "unauthorized", "the JWT's webhook_url is not this Worker's webhook URL (PUBLIC_URL)");
  }

  let sent;
  try {
    sent = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return refuse(400, "invalid_body", "the body is not JSON");
  }
  if (sent?.isTest === true) return answer(200, { test: true, stored: false });
  const call = sent?.callData;
  const id = call?.metaData?.id;
  if (!call || typeof call !== "object" || (typeof id !== "string" && typeof id !== "number")) {
    return refuse(400, "invalid_body", "callData.metaData.id is missing: expected {\"callData\": <a call of /v2/calls/extensive>}");
  }
  const namespace = env[SYNC_BINDING];
  if (!namespace) return refuse(503, "not_configured", `the Durable Object binding ${SYNC_BINDING} is missing: see wrangler.toml`);
  if (typeof env.GONG_API_KEY !== "string" || !env.GONG_API_KEY.trim()) {
    return refuse(503, "not_configured", "GONG_API_KEY is not set");
  }
  const name = await tenant(gongBaseUrl(env), env.GONG_API_KEY.trim());
  const stub = namespace.get(namespace.idFromName(name));
  const queued = await stub.fetch("https://sync/webhook", { method: "POST", body: JSON.stringify(call) });
  const result = await queued.text();
  if (!queued.ok) {
    console.log(JSON.stringify({ webhook: "not queued", status: queued.status }));
    return refuse(503, "unavailable", "the call could not be queued; Gong will send it again");
  }
  return new Response(result, { status: 202, headers: { "Content-Type": "application/json", "Cache-Control": "no-store" } });
}
