// A JavaScript Worker that does only what gongkit's Worker asks of the
// runtime around the core: the two Gong subrequests, and reading and writing
// the same two cache entries through the Cache API or Workers KV. Run by
// scripts/cpu in its own wrangler dev, it prices those operations in the
// same workerd, so they can be taken out of the Worker's figures (see
// bench/cpu.mjs). Not deployed anywhere.
//   GET /noop                 nothing (the baseline)
//   GET /fetch?id=ID          Gong's extensive and transcript answers for ID, read as text
//   GET /cache-put?key=K&bytes=N   both answers of SIM_CALL and a rendered answer of N bytes
//                                  (what a fresh answer keeps) into the Cache API under K
//   GET /cache-get?key=K&bytes=N   the extensive answer and the rendered one back, read as
//                                  text (what a repeat reads)
//   GET /cache-pass?key=K     the extensive answer read as text, the rendered one's body handed
//                             on unread as the answer (what a repeat does: see worker/src/cache.rs)
//   GET /kv-put?key=K, /kv-get?key=K, /kv-pass?key=K   the same with Workers KV
//   POST /upload              reads the request body as text (what POST /v1/format receives)
//   GET /respond?bytes=N      answers N bytes of JSON text (what the Worker sends back)

const cacheUrl = (key, part) => `https://gongkit.cache.invalid/probe:${key}:${part}`;

async function gong(env, path, id) {
  const body = path.endsWith("extensive")
    ? { filter: { callIds: [id] }, contentSelector: { exposedFields: { parties: true } } }
    : { filter: { callIds: [id] } };
  const res = await fetch(`${env.SIM_URL}${path}`, {
    method: "POST",
    headers: { Authorization: `Basic ${btoa(`${env.KEY}:${env.SECRET}`)}`, "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`sim ${path}: ${res.status}`);
  return text;
}

const both = (env, id) => Promise.all([gong(env, "/v2/calls/extensive", id), gong(env, "/v2/calls/transcript", id)]);

// The two answers of the call that is cached, fetched once per isolate.
let answers;
// Answer bodies by size, made once per isolate.
const bodies = new Map();
const body = (n) => {
  if (!bodies.has(n)) bodies.set(n, JSON.stringify({ text: "x".repeat(Math.max(0, n - 11)) }));
  return bodies.get(n);
};

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const key = url.searchParams.get("key") ?? "0";
    const ok = (n) => new Response(JSON.stringify({ ok: true, bytes: n }), { headers: { "Content-Type": "application/json" } });
    switch (url.pathname) {
      case "/noop":
        return ok(0);
      case "/upload":
        return ok((await request.text()).length);
      case "/respond": {
        return new Response(body(Number(url.searchParams.get("bytes") ?? 0)), { headers: { "Content-Type": "application/json" } });
      }
      case "/fetch": {
        const texts = await both(env, url.searchParams.get("id") ?? env.SIM_CALL);
        return ok(texts[0].length + texts[1].length);
      }
      case "/cache-put":
      case "/kv-put": {
        answers ??= await both(env, env.SIM_CALL);
        const rendered = body(Number(url.searchParams.get("bytes") ?? 0));
        await Promise.all(
          [...answers, rendered].map((text, i) =>
            url.pathname === "/kv-put"
              ? env.KV.put(`${key}:${i}`, text, { expirationTtl: 3600 })
              : caches.default.put(cacheUrl(key, i), new Response(text, { headers: { "Cache-Control": "max-age=3600", "Content-Type": "application/json" } })),
          ),
        );
        return ok(answers[0].length + answers[1].length);
      }
      case "/cache-get":
      case "/kv-get": {
        const texts = await Promise.all(
          [0, 2].map(async (i) => {
            if (url.pathname === "/kv-get") return env.KV.get(`${key}:${i}`);
            const hit = await caches.default.match(cacheUrl(key, i));
            return hit ? hit.text() : null;
          }),
        );
        if (texts.some((t) => t === null)) return new Response("miss", { status: 404 });
        return ok(texts[0].length + texts[1].length);
      }
      case "/cache-pass":
      case "/kv-pass": {
        const kv = url.pathname === "/kv-pass";
        const [ext, rendered] = await Promise.all([
          kv ? env.KV.get(`${key}:0`) : caches.default.match(cacheUrl(key, 0)).then((hit) => hit?.text() ?? null),
          kv ? env.KV.get(`${key}:2`, { type: "stream" }) : caches.default.match(cacheUrl(key, 2)).then((hit) => hit?.body ?? null),
        ]);
        if (ext === null || rendered === null) return new Response("miss", { status: 404 });
        return new Response(rendered, { headers: { "Content-Type": "application/json" } });
      }
      default:
        return new Response("no such route", { status: 404 });
    }
  },
};
