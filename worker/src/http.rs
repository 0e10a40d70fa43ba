//! The Workers runtime's side of a request: read the request, check who
//! calls, run the route, write the response and its log line, and cache
//! Gong's answers after the response is sent (`waitUntil`).

use futures::StreamExt;
use worker::{console_log, Context, Date, Env, Headers, Request, Response, ResponseBody};

use crate::auth::{self, Caller};
use crate::cache::Store;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::library::Libraries;
use crate::reply::{self, Payload, Reply};
use crate::routes::{self, Route, MAX_BODY_BYTES};
use crate::service::{Service, Source};

/// What the Cron Trigger does: asks the tenant's sync to start its
/// incremental run (or the weekly reconcile).
pub async fn start_scheduled_sync(env: &Env) -> Result<()> {
    let config = config(env);
    let (base, key, _) = config.gong_credentials()?;
    crate::sync::Client::new(env, &sign::tenant(base, key))?
        .scheduled()
        .await
        .map(drop)
}
use crate::{gate, sign};

/// The isolate's settings, read from `env` at its first request.
fn config(env: &Env) -> Config {
    Config::of_isolate(|| {
        Config::read(
            |name| env.var(name).ok().map(|v| v.to_string()),
            |name| env.secret(name).ok().map(|v| v.to_string()),
        )
    })
}

/// Serves one request.
pub async fn serve(mut req: Request, env: Env, worker_ctx: Context) -> worker::Result<Response> {
    let started = Date::now().as_millis();
    let url = req.url()?;
    let method = req.method().to_string();
    let path = url.path().to_owned();
    let query = url.query().unwrap_or_default().to_owned();
    let route = routes::route(&method, &path);
    // The request's headers object once (each `headers()` is a call into
    // the runtime that makes a new one), and only the headers this route
    // reads.
    let headers = req.headers();
    let header = |name: &str| headers.get(name).ok().flatten();
    let origin = header("Origin");
    let (authorization, accept) = match route.needs_token() {
        true => (
            header("Authorization"),
            header("Accept").unwrap_or_default(),
        ),
        false => (None, String::new()),
    };
    let (protocol_version, mcp_method, mcp_name) = match route {
        Route::Mcp => (
            header("MCP-Protocol-Version"),
            header("Mcp-Method"),
            header("Mcp-Name"),
        ),
        _ => (None, None, None),
    };
    let config = config(&env);
    // Who calls, before anything else runs. `GONGKIT_USER` is set only by
    // the JS entry (worker/js/entry.mjs), on the environment it hands this
    // Worker after the OAuth provider validated the caller's token; no
    // header or body can set it.
    let signed_in = env
        .var("GONGKIT_USER")
        .ok()
        .map(|v| v.to_string())
        .filter(|v| !v.is_empty());
    let caller = route.needs_token().then(|| {
        if matches!(route, Route::Mcp) {
            // Before anything else: a page in a browser must not drive the server.
            auth::check_origin(origin.as_deref(), &config)?;
        }
        auth::authenticate(signed_in.as_deref(), authorization.as_deref(), &config)
    });
    // The gate (a Durable Object stub) only for a route that may ask Gong.
    let gate = match config
        .gong_credentials()
        .ok()
        .filter(|_| route.needs_token())
    {
        Some((base, key, _)) => match gate::remote::Client::new(&env, &sign::tenant(base, key)) {
            Ok(gate) => Some(gate),
            Err(e) => {
                console_log!("{}", serde_json::json!({"warning": e.to_string()}));
                None
            }
        },
        None => None,
    };
    let mut svc = Service::new(config, Store::open(&env), started);
    if let Some(gate) = gate {
        svc = svc.with_gate(gate);
    }
    if let Some(library) = Libraries::open(&env) {
        svc = svc.with_library(library);
    }
    svc = svc.with_env(env.clone()).with_client_signal(&req);
    let (caller, refused) = match caller {
        Some(Ok(caller)) => (Some(caller), None),
        Some(Err(e)) => (None, Some(e)),
        None => (None, None),
    };
    if let Some(caller) = &caller {
        svc = svc.with_user(caller.user.clone());
    }
    let reply = match handle(
        &route,
        &mut req,
        Parts {
            query: &query,
            accept: &accept,
            mcp: crate::mcp::Headers {
                protocol_version: protocol_version.as_deref(),
                method: mcp_method.as_deref(),
                name: mcp_name.as_deref(),
            },
            refused,
        },
        &svc,
    )
    .await
    {
        Ok(reply) => reply,
        Err(e) => Reply::error(&e),
    };
    let source = svc.source().map(|s| match s {
        Source::Library => "library",
        Source::Cache => "cache",
        Source::Gong => "gong",
    });
    // The user: a token's name, or a person's email as a salted hash (keyed
    // from the Gong secret, so the hash cannot be computed without it).
    let user = caller.as_ref().map(|c| {
        c.user.audit_label(|email| match svc.signer() {
            Ok(signer) => signer.pseudonym("audit-user", email),
            Err(_) => "unsalted".to_owned(),
        })
    });
    let returned = svc.take_returned();
    // One structured line per request: no secret, no transcript text.
    console_log!(
        "{}",
        serde_json::json!({
            "route": route.name(),
            "tool": svc.tool(),
            "method": method,
            "status": reply.status,
            "durationMs": Date::now().as_millis().saturating_sub(started),
            "gongRequests": svc.gong_requests(),
            "source": source,
            "token": caller.as_ref().and_then(|c: &Caller| c.token_fingerprint.as_deref()),
            "user": user,
            "calls": returned,
        })
    );
    let mut reply = reply;
    if let Some(source) = source {
        reply.headers.push(("X-Gongkit-Source", source.to_owned()));
        // The cache header speaks of Gong's answers only: the library is
        // not a cache of them.
        let cache = match source {
            "gong" => Some("miss"),
            "cache" => Some("hit"),
            _ => None,
        };
        if let Some(cache) = cache {
            reply.headers.push(("X-Gongkit-Cache", cache.to_owned()));
        }
    }
    let response = respond(reply, method == "HEAD", origin.as_deref(), &svc.config);
    let pending = svc.take_pending();
    let records = svc.take_records();
    if !pending.is_empty() || !records.is_empty() {
        let (store, library) = svc.into_parts();
        // Each write is its own `waitUntil` (they go out together: each is
        // its own key), the library's beside them.
        let store = std::rc::Rc::new(store);
        for write in pending {
            let store = store.clone();
            worker_ctx.wait_until(async move {
                store
                    .put(&write.key, write.tag.as_deref(), &write.value, write.ttl)
                    .await;
            });
        }
        if let (Some(library), false) = (library, records.is_empty()) {
            worker_ctx.wait_until(async move {
                if let Err(e) = library.upsert(&records, started as i64).await {
                    console_log!("{}", serde_json::json!({"library": e.to_string()}));
                }
            });
        }
    }
    response
}

struct Parts<'a> {
    query: &'a str,
    accept: &'a str,
    /// The MCP headers (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`).
    mcp: crate::mcp::Headers<'a>,
    /// Why the caller was refused, when they were.
    refused: Option<Error>,
}

async fn handle(
    route: &Route<'_>,
    req: &mut Request,
    parts: Parts<'_>,
    svc: &Service,
) -> Result<Reply> {
    match route {
        Route::Preflight => {
            let mut reply = Reply::empty(204);
            reply.headers = reply::preflight_headers();
            return Ok(reply);
        }
        Route::Health => return Ok(Reply::json(r#"{"ok":true}"#.to_owned())),
        Route::NotFound => return Err(Error::NotFound),
        Route::MethodNotAllowed(allow) => return Err(Error::MethodNotAllowed(allow.clone())),
        _ => {}
    }
    if let Some(e) = parts.refused {
        return Err(e);
    }
    let body = if route.has_body() {
        read_body(req).await?
    } else {
        String::new()
    };
    match route {
        // The request's version and era come from its headers and body together.
        Route::Mcp => Ok(crate::mcp::serve(&body, &parts.mcp, svc).await),
        Route::Capability(capability, params) => {
            routes::dispatch(capability, params, svc, parts.query, &body, parts.accept).await
        }
        _ => Err(Error::NotFound),
    }
}

/// The body, refused with 413 above the limit: by its declared length
/// first (a huge upload is not read at all), then while it streams in, so
/// a chunked body without a length is not read past the limit either.
async fn read_body(req: &mut Request) -> Result<String> {
    let declared = req
        .headers()
        .get("Content-Length")
        .ok()
        .flatten()
        .and_then(|l| l.trim().parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(Error::PayloadTooLarge(MAX_BODY_BYTES));
    }
    let unreadable = || Error::InvalidBody("the body could not be read".into());
    if declared.is_some() {
        // A declared length within the limit: the runtime holds the body to
        // it, so one call reads it (a stream costs a promise and a copy per
        // chunk).
        let bytes = req.bytes().await.map_err(|_| unreadable())?;
        if bytes.len() > MAX_BODY_BYTES {
            return Err(Error::PayloadTooLarge(MAX_BODY_BYTES));
        }
        return String::from_utf8(bytes)
            .map_err(|_| Error::InvalidBody("the body is not UTF-8".into()));
    }
    let mut bytes = Vec::new();
    let mut stream = match req.stream() {
        Ok(stream) => stream,
        // No body at all.
        Err(_) => return Ok(String::new()),
    };
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| unreadable())?;
        if bytes.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(Error::PayloadTooLarge(MAX_BODY_BYTES));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| Error::InvalidBody("the body is not UTF-8".into()))
}

fn respond(
    reply: Reply,
    head: bool,
    origin: Option<&str>,
    config: &Config,
) -> worker::Result<Response> {
    let headers = Headers::new();
    headers.set("Content-Type", reply.content_type)?;
    headers.set("Cache-Control", "no-store")?;
    headers.set("X-Content-Type-Options", "nosniff")?;
    for (name, value) in reply
        .headers
        .iter()
        .map(|(n, v)| (*n, v.clone()))
        .chain(reply::cors_headers(origin, config))
    {
        headers.append(name, &value)?;
    }
    let response = match reply.body {
        _ if head || reply.status == 204 => Response::empty()?,
        Payload::Lines(lines) => Response::from_stream(
            lines
                .0
                .map(|piece| Ok::<Vec<u8>, worker::Error>(piece.into_bytes())),
        )?,
        Payload::Text(text) if text.is_empty() => Response::empty()?,
        Payload::Text(text) => Response::ok(text)?,
        Payload::Kept(body) => match body.into_stream() {
            // The runtime's own stream, handed on: the bytes never enter
            // WebAssembly (see `cache::Body`).
            Some(stream) => Response::from_body(ResponseBody::Stream(stream))?,
            None => Response::empty()?,
        },
    };
    Ok(response.with_status(reply.status).with_headers(headers))
}
