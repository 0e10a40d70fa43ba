//! The glue between the Workers runtime and the rest: environment, cache,
//! Gong requests, responses and the log line.

use futures::join;
use gongkit::{AnyExtensive, AnyTranscript, RequestOptions, TranscriptInput};
use worker::{console_log, event, Context, Date, Env, Headers, Request, Response, Result};

use crate::api::{self, ApiError, CallQuery, ListQuery, Route};
use crate::gong::{bad_response, Answer, Gong};
use crate::list::{self, Position};
use crate::{format_body, Config, Reply};

fn config(env: &Env) -> Config {
    let var = |name: &str| env.var(name).ok().map(|v| v.to_string());
    let secret = |name: &str| {
        env.secret(name)
            .ok()
            .map(|v| v.to_string())
            .filter(|s| !s.trim().is_empty())
    };
    Config {
        gong_base_url: var("GONG_BASE_URL")
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| "https://api.gong.io".to_owned()),
        internal_domains: api::list_setting(&var("INTERNAL_DOMAINS").unwrap_or_default()),
        allowed_origins: api::list_setting(&var("ALLOWED_ORIGINS").unwrap_or_default()),
        cache_ttl_seconds: var("CACHE_TTL_SECONDS")
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(86_400),
        token: secret("GONGKIT_TOKEN"),
        gong_key: secret("GONG_API_KEY"),
        gong_secret: secret("GONG_API_SECRET"),
    }
}

/// Where Gong's answers are kept: Workers KV when `GONGKIT_CACHE` is bound
/// (every deployment), else the Cache API (custom domains only).
pub(crate) enum Store {
    Kv(worker::kv::KvStore),
    Edge(worker::Cache),
}

impl Store {
    fn open(env: &Env) -> Store {
        match env.kv("GONGKIT_CACHE") {
            Ok(kv) => Store::Kv(kv),
            Err(_) => Store::Edge(worker::Cache::default()),
        }
    }

    fn url(key: &str) -> String {
        format!("https://gongkit.cache.invalid/{key}")
    }

    async fn get(&self, key: &str) -> Option<String> {
        match self {
            Store::Kv(kv) => kv.get(key).text().await.ok().flatten(),
            Store::Edge(cache) => {
                let mut response = cache.get(Store::url(key), false).await.ok()??;
                response.text().await.ok()
            }
        }
    }

    async fn put(&self, key: &str, value: &str, ttl: u64) {
        match self {
            Store::Kv(kv) => {
                if let Ok(put) = kv.put(key, value) {
                    // KV keeps entries for at least 60 s.
                    let _ = put.expiration_ttl(ttl.max(60)).execute().await;
                }
            }
            Store::Edge(cache) => {
                let headers = Headers::new();
                let _ = headers.set("Cache-Control", &format!("max-age={ttl}"));
                let _ = headers.set("Content-Type", "application/json");
                if let Ok(response) = Response::ok(value.to_owned()) {
                    let _ = cache
                        .put(Store::url(key), response.with_headers(headers))
                        .await;
                }
            }
        }
    }
}

/// What one request works with.
pub(crate) struct Ctx {
    pub(crate) config: Config,
    pub(crate) store: Store,
    /// Gong answers to cache once the response is sent (`waitUntil`), so
    /// writing the cache never delays an answer.
    pub(crate) to_cache: std::cell::RefCell<Vec<(String, String)>>,
    pub(crate) gong: Option<Gong>,
    /// Whether Gong's answers came from the cache: `Some(true)` only if all did.
    pub(crate) cache_hit: Option<bool>,
}

impl Ctx {
    pub(crate) fn gong(&mut self) -> std::result::Result<&Gong, ApiError> {
        if self.gong.is_none() {
            self.gong = Some(self.config.gong()?);
        }
        Ok(self.gong.as_ref().expect("set above"))
    }

    fn note_cache(&mut self, hit: bool) {
        self.cache_hit = Some(self.cache_hit.unwrap_or(true) && hit);
    }

    fn key(&self, id: &str, part: &str) -> String {
        format!("gongkit:v1:{}:{id}:{part}", self.config.tenant())
    }
}

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, worker_ctx: Context) -> Result<Response> {
    let started = Date::now().as_millis();
    let config = config(&env);
    let url = req.url()?;
    let method = req.method().to_string();
    let path = url.path().to_owned();
    let query = url.query().unwrap_or_default().to_owned();
    let origin = req.headers().get("Origin").ok().flatten();
    let authorization = req.headers().get("Authorization").ok().flatten();
    let route = api::route(&method, &path);
    let mut ctx = Ctx {
        store: Store::open(&env),
        config,
        to_cache: Default::default(),
        gong: None,
        cache_hit: None,
    };
    let mut reply = match handle(route, &mut req, authorization.as_deref(), &query, &mut ctx).await
    {
        Ok(reply) => reply,
        Err(e) => Reply::error(&e),
    };
    let secrets = ctx.config.secrets();
    // Last line of defence: no secret leaves in a body or header.
    reply.body = api::redact(&reply.body, &secrets);
    for (_, v) in reply.headers.iter_mut() {
        *v = api::redact(v, &secrets);
    }
    let cache = match ctx.cache_hit {
        Some(true) => "hit",
        Some(false) => "miss",
        None => "none",
    };
    if ctx.cache_hit.is_some() {
        reply.headers.push(("X-Gongkit-Cache", cache.to_owned()));
    }
    // One structured line per request: no secret, no transcript text.
    console_log!(
        "{}",
        serde_json::json!({
            "route": route.name(),
            "method": method,
            "status": reply.status,
            "durationMs": Date::now().as_millis().saturating_sub(started),
            "gongRequests": ctx.gong.as_ref().map_or(0, Gong::requests),
            "cache": cache,
        })
    );
    let response = respond(reply, method == "HEAD", origin.as_deref(), &ctx.config);
    let pending = ctx.to_cache.take();
    if !pending.is_empty() {
        let (store, ttl) = (ctx.store, ctx.config.cache_ttl_seconds);
        worker_ctx.wait_until(async move {
            for (key, value) in pending {
                store.put(&key, &value, ttl).await;
            }
        });
    }
    response
}

fn respond(reply: Reply, head: bool, origin: Option<&str>, config: &Config) -> Result<Response> {
    let headers = Headers::new();
    headers.set("Content-Type", reply.content_type)?;
    headers.set("Cache-Control", "no-store")?;
    headers.set("X-Content-Type-Options", "nosniff")?;
    for (name, value) in reply
        .headers
        .iter()
        .map(|(n, v)| (*n, v.clone()))
        .chain(api::cors_headers(origin, &config.allowed_origins))
    {
        headers.append(name, &value)?;
    }
    let body = if head || reply.status == 204 {
        String::new()
    } else {
        reply.body
    };
    let response = if body.is_empty() {
        Response::empty()?
    } else {
        Response::ok(body)?
    };
    Ok(response.with_status(reply.status).with_headers(headers))
}

async fn handle(
    route: Route<'_>,
    req: &mut Request,
    authorization: Option<&str>,
    query: &str,
    ctx: &mut Ctx,
) -> std::result::Result<Reply, ApiError> {
    match route {
        Route::Preflight => {
            let mut reply = Reply::text("text/plain", String::new());
            reply.status = 204;
            reply.headers = api::preflight_headers();
            return Ok(reply);
        }
        Route::Health => return Ok(Reply::json(r#"{"ok":true}"#.to_owned())),
        Route::NotFound => {
            return Err(ApiError::new(
                404,
                "not_found",
                "no such route: see the README's API reference",
            ))
        }
        Route::MethodNotAllowed(allow) => {
            return Ok(Reply::error(&ApiError::new(
                405,
                "method_not_allowed",
                format!("use {allow}"),
            ))
            .with("Allow", allow))
        }
        _ => {}
    }
    if let Err(e) = api::authorize(authorization, ctx.config.token.as_deref()) {
        if route == Route::Mcp && e.status == 401 {
            // MCP clients look for the scheme to use.
            return Ok(Reply::error(&e).with("WWW-Authenticate", r#"Bearer realm="gongkit""#));
        }
        return Err(e);
    }
    if route.needs_gong() {
        ctx.gong()?;
    }
    match route {
        Route::Call(id) => call(api::call_id(id)?, &CallQuery::parse(query)?, ctx).await,
        Route::Transcript(id) => {
            transcript(api::call_id(id)?, &CallQuery::parse(query)?, ctx).await
        }
        Route::Document(id) => document(api::call_id(id)?, &CallQuery::parse(query)?, ctx).await,
        Route::List => calls(&ListQuery::parse(query)?, ctx).await,
        Route::Format => {
            let body = read_body(req).await?;
            format_body(
                &body,
                &CallQuery::parse(query)?,
                &ctx.config.internal_domains,
            )
        }
        Route::Mcp => {
            let version = req.headers().get("MCP-Protocol-Version").ok().flatten();
            crate::mcp::check_version_header(version.as_deref())?;
            let body = read_body(req).await?;
            Ok(mcp(&body, ctx).await)
        }
        _ => Err(ApiError::new(404, "not_found", "no such route")),
    }
}

/// The body, refused with 413 above the limit (by its declared length
/// first, so a huge upload is not read at all).
pub(crate) async fn read_body(req: &mut Request) -> std::result::Result<String, ApiError> {
    let too_large = || {
        ApiError::new(
            413,
            "payload_too_large",
            format!(
                "the body is larger than {} MB",
                api::MAX_BODY_BYTES / (1024 * 1024)
            ),
        )
    };
    if let Some(length) = req.headers().get("Content-Length").ok().flatten() {
        if length
            .trim()
            .parse::<usize>()
            .is_ok_and(|n| n > api::MAX_BODY_BYTES)
        {
            return Err(too_large());
        }
    }
    let bytes = req
        .bytes()
        .await
        .map_err(|_| ApiError::bad_request("invalid_body", "the body could not be read"))?;
    if bytes.len() > api::MAX_BODY_BYTES {
        return Err(too_large());
    }
    String::from_utf8(bytes)
        .map_err(|_| ApiError::bad_request("invalid_body", "the body is not UTF-8"))
}

/// One Gong answer about one call: from the cache unless `fresh`, else
/// from Gong (`None`: Gong has nothing for it). The flag says a cache hit.
async fn answer(
    ctx: &Ctx,
    key: &str,
    fresh: bool,
    path: &str,
    body: Result<String, gongkit::Error>,
) -> std::result::Result<Option<(String, bool)>, ApiError> {
    if !fresh {
        if let Some(text) = ctx.store.get(key).await {
            return Ok(Some((text, true)));
        }
    }
    let body = body.map_err(|e| ApiError::bad_request("invalid_call_id", e.to_string()))?;
    Ok(match ctx.gong_ref()?.post(path, &body).await? {
        Answer::Body(text) => Some((text, false)),
        Answer::NoCalls | Answer::NotFound => None,
    })
}

/// Gong's extensive answer for one call (from the cache or Gong), checked;
/// a fresh one is cached once the response is sent.
pub(crate) async fn extensive(
    id: &str,
    fresh: bool,
    ctx: &Ctx,
) -> std::result::Result<(String, bool), ApiError> {
    let key = ctx.key(id, "extensive");
    let body = RequestOptions {
        call_ids: Some(vec![id.to_owned()]),
        preset: Some(gongkit::Preset::CallView),
        ..RequestOptions::default()
    }
    .extensive()
    .map(|r| serde_json::to_string(&r).unwrap_or_default());
    let not_found = || ApiError::new(404, "call_not_found", format!("Gong has no call {id}"));
    let (text, hit) = answer(ctx, &key, fresh, "/v2/calls/extensive", body)
        .await?
        .ok_or_else(not_found)?;
    if !hit {
        let parsed = AnyExtensive::from_json(&text).map_err(bad_response)?;
        match parsed.select(Some(id)) {
            Ok(_) => {}
            Err(gongkit::Error::CallNotFound(_)) => return Err(not_found()),
            Err(e) => return Err(bad_response(e)),
        }
        ctx.to_cache.borrow_mut().push((key, text.clone()));
    }
    Ok((text, hit))
}

/// Gong's transcript answer for one call, checked; `None` when Gong has no
/// transcript for it (yet).
pub(crate) async fn transcript_text(
    id: &str,
    fresh: bool,
    ctx: &Ctx,
) -> std::result::Result<(Option<String>, bool), ApiError> {
    let key = ctx.key(id, "transcript");
    let body = RequestOptions {
        call_ids: Some(vec![id.to_owned()]),
        ..RequestOptions::default()
    }
    .transcript()
    .map(|r| serde_json::to_string(&r).unwrap_or_default());
    let Some((text, hit)) = answer(ctx, &key, fresh, "/v2/calls/transcript", body).await? else {
        return Ok((None, false));
    };
    if !hit {
        let parsed: AnyTranscript = gongkit::from_json(&text).map_err(bad_response)?;
        match parsed.monologues(Some(id)) {
            Ok(_) => {}
            Err(gongkit::Error::TranscriptNotFound(_)) => return Ok((None, false)),
            Err(e) => return Err(bad_response(e)),
        }
        ctx.to_cache.borrow_mut().push((key, text.clone()));
    }
    Ok((Some(text), hit))
}

impl Ctx {
    pub(crate) fn gong_ref(&self) -> std::result::Result<&Gong, ApiError> {
        self.gong
            .as_ref()
            .ok_or_else(|| ApiError::new(503, "not_configured", "no Gong credentials"))
    }
}

/// Both answers of one call, asked for concurrently.
pub(crate) async fn both(
    id: &str,
    fresh: bool,
    ctx: &mut Ctx,
) -> std::result::Result<(String, Option<String>), ApiError> {
    let (ext, tr) = join!(extensive(id, fresh, ctx), transcript_text(id, fresh, ctx));
    let (ext, ext_hit) = ext?;
    let (tr, tr_hit) = tr?;
    ctx.note_cache(ext_hit && tr_hit);
    Ok((ext, tr))
}

fn core_error(e: gongkit::Error) -> ApiError {
    match e {
        gongkit::Error::CallNotFound(_) => ApiError::new(404, "call_not_found", e.to_string()),
        gongkit::Error::InvalidArgument { .. } | gongkit::Error::InvalidUtcOffset(_) => {
            ApiError::bad_request("invalid_query", e.to_string())
        }
        other => bad_response(other),
    }
}

async fn call(id: &str, q: &CallQuery, ctx: &mut Ctx) -> std::result::Result<Reply, ApiError> {
    let (ext, tr) = if q.transcript {
        both(id, q.fresh, ctx).await?
    } else {
        let (ext, hit) = extensive(id, q.fresh, ctx).await?;
        ctx.note_cache(hit);
        (ext, None)
    };
    let parsed = AnyExtensive::from_json(&ext).map_err(bad_response)?;
    let mut options = q.call_options(&ctx.config.internal_domains);
    options.call_id = Some(id.to_owned());
    let call = gongkit::normalize_call(&parsed, tr.as_deref().map(TranscriptInput::Json), &options)
        .map_err(core_error)?;
    Ok(Reply::json(
        serde_json::to_string(&call).unwrap_or_default(),
    ))
}

/// A call's transcript answer, with its extensive answer when speakers are
/// to be named after the parties (both fetched concurrently).
async fn transcript_parts(
    id: &str,
    names: bool,
    fresh: bool,
    ctx: &mut Ctx,
) -> std::result::Result<(String, Option<String>), ApiError> {
    let (ext, tr) = if names {
        let (ext, tr) = both(id, fresh, ctx).await?;
        (Some(ext), tr)
    } else {
        let (tr, hit) = transcript_text(id, fresh, ctx).await?;
        ctx.note_cache(hit);
        (None, tr)
    };
    let tr = tr.ok_or_else(|| {
        ApiError::new(
            404,
            "transcript_not_found",
            format!("Gong has no transcript for call {id} (yet)"),
        )
    })?;
    Ok((tr, ext))
}

/// The parties of call `id` in an extensive answer (none without one).
fn parties_of<'e>(id: &str, extensive: Option<&'e AnyExtensive<'e>>) -> &'e [gongkit::Party<'e>] {
    extensive
        .and_then(|e| e.select(Some(id)).ok())
        .map(|c| c.parties.as_slice())
        .unwrap_or_default()
}

async fn transcript(
    id: &str,
    q: &CallQuery,
    ctx: &mut Ctx,
) -> std::result::Result<Reply, ApiError> {
    let (tr, ext) = transcript_parts(id, q.names, q.fresh, ctx).await?;
    let parsed = ext
        .as_deref()
        .map(AnyExtensive::from_json)
        .transpose()
        .map_err(bad_response)?;
    let text = gongkit::format_transcript(
        &tr,
        &gongkit::TranscriptOptions {
            format: q.format,
            timestamps: q.timestamps,
            merge: q.merge,
            parties: parties_of(id, parsed.as_ref()),
            call_id: Some(id),
        },
    )
    .map_err(core_error)?;
    Ok(Reply::text(q.format.content_type(), text))
}

async fn document(id: &str, q: &CallQuery, ctx: &mut Ctx) -> std::result::Result<Reply, ApiError> {
    let (ext, tr) = both(id, q.fresh, ctx).await?;
    let parsed = AnyExtensive::from_json(&ext).map_err(bad_response)?;
    let mut options = q.call_options(&ctx.config.internal_domains);
    options.call_id = Some(id.to_owned());
    let input = tr.as_deref().map(TranscriptInput::Json);
    let Some(max) = q.max_chars else {
        let text = gongkit::call_document(&parsed, input, &options).map_err(core_error)?;
        return Ok(Reply::text("text/plain; charset=utf-8", text));
    };
    let chunks = gongkit::chunk_call_document(&parsed, input, max, &options).map_err(core_error)?;
    match q.chunk {
        None => Ok(Reply::json(
            serde_json::to_string(&chunks).unwrap_or_default(),
        )),
        Some(k) => {
            let count = chunks.len();
            let chunk = chunks.into_iter().nth(k).ok_or_else(|| {
                ApiError::new(404, "chunk_not_found", format!("chunk {k} does not exist: the document has {count} chunks of at most {max} characters"))
            })?;
            Ok(Reply::text("text/plain; charset=utf-8", chunk.text)
                .with("X-Gongkit-Chunk", format!("{k}/{count}")))
        }
    }
}

/// Calls in a date range, following Gong's pages up to the limit.
pub(crate) async fn list_calls(
    q: &ListQuery,
    ctx: &Ctx,
) -> std::result::Result<(Vec<serde_json::Value>, Option<String>), ApiError> {
    let mut position = match &q.cursor {
        Some(c) => Position::decode(c)?,
        None => Position {
            from: q.from.clone().unwrap_or_default(),
            to: q.to.clone().unwrap_or_default(),
            workspace: q.workspace_id.clone(),
            page: None,
            offset: 0,
        },
    };
    let mut out = Vec::new();
    let options = gongkit::CallOptions {
        internal_domains: ctx.config.internal_domains.clone(),
        utc_offset_minutes: q.utc_offset_minutes,
        ..gongkit::CallOptions::default()
    };
    loop {
        let request = RequestOptions {
            from_date_time: Some(position.from.clone()),
            to_date_time: Some(position.to.clone()),
            workspace_id: position.workspace.clone(),
            cursor: position.page.clone(),
            preset: Some(gongkit::Preset::CallView),
            ..RequestOptions::default()
        };
        let body = request
            .extensive()
            .map_err(|e| ApiError::bad_request("invalid_query", e.to_string()))?;
        let body = serde_json::to_string(&body).unwrap_or_default();
        let text = match ctx.gong_ref()?.post("/v2/calls/extensive", &body).await? {
            Answer::Body(text) => text,
            // An empty range is an empty list, not an error.
            Answer::NoCalls | Answer::NotFound => return Ok((out, None)),
        };
        let page = gongkit::ExtensiveResponse::from_json(&text).map_err(bad_response)?;
        let cursor = page
            .records
            .as_ref()
            .and_then(|r| r.cursor.as_deref())
            .map(str::to_owned);
        let len = page.calls.len();
        let step = list::step(position.offset, len, q.limit - out.len(), cursor.as_deref());
        for call in page
            .calls
            .into_iter()
            .skip(step.start)
            .take(step.end - step.start)
        {
            let one = AnyExtensive::Call(Box::new(call));
            let normalized = gongkit::normalize_call(&one, None, &options).map_err(core_error)?;
            out.push(serde_json::to_value(&normalized).unwrap_or_default());
        }
        match step.next {
            list::Next::Resume(offset) => {
                position.offset = offset;
                return Ok((out, Some(position.encode())));
            }
            list::Next::Stop(next) => {
                position.page = Some(next);
                position.offset = 0;
                return Ok((out, Some(position.encode())));
            }
            list::Next::Page(next) => {
                position.page = Some(next);
                position.offset = 0;
            }
            list::Next::Done => return Ok((out, None)),
        }
    }
}

async fn calls(q: &ListQuery, ctx: &mut Ctx) -> std::result::Result<Reply, ApiError> {
    check_range(q)?;
    let (calls, cursor) = list_calls(q, ctx).await?;
    Ok(Reply::json(
        serde_json::json!({"count": calls.len(), "calls": calls, "cursor": cursor}).to_string(),
    ))
}

/// One MCP message: parsed, dispatched, answered.
async fn mcp(body: &str, ctx: &mut Ctx) -> Reply {
    use crate::mcp::{self, Incoming, RpcError};
    let rpc_error = |e: RpcError| Reply {
        status: e.status(),
        content_type: "application/json",
        body: e.body(),
        headers: Vec::new(),
    };
    let (id, method, params) = match mcp::parse(body) {
        Err(e) => return rpc_error(e),
        Ok(Incoming::Accepted) => {
            let mut reply = Reply::text("application/json", String::new());
            reply.status = 202;
            return reply;
        }
        Ok(Incoming::Request { id, method, params }) => (id, method, params),
    };
    let result = match method.as_str() {
        "initialize" => mcp::initialize(params.as_ref()).map_err(|m| RpcError {
            id: id.clone(),
            code: -32602,
            message: m,
        }),
        "ping" => Ok(serde_json::json!({})),
        "tools/list" => Ok(mcp::tools_list()),
        "tools/call" => match mcp::tool_call(&id, params.as_ref()) {
            Ok(call) => Ok(match run_tool(call, ctx).await {
                Ok(texts) => mcp::tool_result(texts, false),
                Err(e) => mcp::tool_result(vec![mcp::error_text(&e)], true),
            }),
            Err(e) => Err(e),
        },
        other => Err(RpcError {
            id: id.clone(),
            code: -32601,
            message: format!("method not found: {other:?}; this server has initialize, ping, tools/list and tools/call"),
        }),
    };
    match result {
        Ok(result) => Reply::json(mcp::success(&id, result)),
        Err(e) => rpc_error(e),
    }
}

/// Runs a tool through the Worker's one Gong client, cache and retries.
async fn run_tool(
    call: crate::mcp::ToolCall,
    ctx: &mut Ctx,
) -> std::result::Result<Vec<String>, ApiError> {
    use crate::mcp::ToolCall;
    ctx.gong()?;
    match call {
        ToolCall::Document {
            call_id,
            max_chars,
            chunk,
        } => {
            let id = api::call_id(&call_id)?;
            let (ext, tr) = both(id, false, ctx).await?;
            let parsed = AnyExtensive::from_json(&ext).map_err(bad_response)?;
            let options = gongkit::CallOptions {
                internal_domains: ctx.config.internal_domains.clone(),
                call_id: Some(id.to_owned()),
                ..gongkit::CallOptions::default()
            };
            let input = tr.as_deref().map(TranscriptInput::Json);
            match max_chars {
                None => Ok(vec![
                    gongkit::call_document(&parsed, input, &options).map_err(core_error)?
                ]),
                Some(max) => {
                    let chunks = gongkit::chunk_call_document(&parsed, input, max, &options)
                        .map_err(core_error)?;
                    pick_chunk(chunks, chunk.unwrap_or(0), "get_call_document")
                }
            }
        }
        ToolCall::Transcript {
            call_id,
            format,
            timestamps,
            merge,
            max_chars,
            chunk,
        } => {
            let id = api::call_id(&call_id)?;
            let (tr, ext) = transcript_parts(id, true, false, ctx).await?;
            let parsed = ext
                .as_deref()
                .map(AnyExtensive::from_json)
                .transpose()
                .map_err(bad_response)?;
            let parties = parties_of(id, parsed.as_ref());
            let options = gongkit::TranscriptOptions {
                format,
                timestamps,
                merge,
                parties,
                call_id: Some(id),
            };
            match max_chars {
                None => Ok(vec![
                    gongkit::format_transcript(&tr, &options).map_err(core_error)?
                ]),
                Some(max) => {
                    let chunks =
                        gongkit::chunk_transcript(&tr, max, &options).map_err(core_error)?;
                    pick_chunk(chunks, chunk.unwrap_or(0), "get_transcript")
                }
            }
        }
        ToolCall::Call { call_id } => {
            let id = api::call_id(&call_id)?;
            let (ext, hit) = extensive(id, false, ctx).await?;
            ctx.note_cache(hit);
            let parsed = AnyExtensive::from_json(&ext).map_err(bad_response)?;
            let options = gongkit::CallOptions {
                internal_domains: ctx.config.internal_domains.clone(),
                call_id: Some(id.to_owned()),
                ..gongkit::CallOptions::default()
            };
            let call = gongkit::normalize_call(&parsed, None, &options).map_err(core_error)?;
            let mut value = serde_json::to_value(&call).unwrap_or_default();
            if let Some(o) = value.as_object_mut() {
                o.remove("transcript");
            }
            Ok(vec![
                serde_json::to_string_pretty(&value).unwrap_or_default()
            ])
        }
        ToolCall::List {
            from,
            to,
            limit,
            cursor,
        } => {
            let q = ListQuery {
                from,
                to,
                workspace_id: None,
                limit,
                cursor,
                utc_offset_minutes: None,
            };
            check_range(&q)?;
            let (calls, cursor) = list_calls(&q, ctx).await?;
            let mut texts = vec![serde_json::to_string_pretty(&serde_json::json!({
                "count": calls.len(),
                "calls": calls.iter().map(summary).collect::<Vec<_>>(),
                "cursor": cursor,
            }))
            .unwrap_or_default()];
            if cursor.is_some() {
                texts.push(
                    "[more calls in this range: call list_calls with only this cursor to continue]"
                        .to_owned(),
                );
            }
            Ok(texts)
        }
        ToolCall::Find {
            account,
            from,
            to,
            limit,
        } => {
            let q = ListQuery {
                from: Some(from),
                to: Some(to),
                workspace_id: None,
                limit: 1000,
                cursor: None,
                utc_offset_minutes: None,
            };
            check_range(&q)?;
            let (calls, cursor) = list_calls(&q, ctx).await?;
            let wanted = account.to_lowercase();
            let matching: Vec<serde_json::Value> = calls
                .iter()
                .filter(|c| {
                    c["account"]["name"]
                        .as_str()
                        .is_some_and(|name| name.to_lowercase().contains(&wanted))
                })
                .take(limit)
                .map(summary)
                .collect();
            let mut texts = vec![serde_json::to_string_pretty(&serde_json::json!({
                "account": account,
                "count": matching.len(),
                "calls": matching,
                "scanned": calls.len(),
            }))
            .unwrap_or_default()];
            if cursor.is_some() {
                texts.push("[the range has more than 1000 calls and only the first 1000 were looked at: narrow from and to]".to_owned());
            }
            Ok(texts)
        }
    }
}

/// Checks a new listing's range (and workspace) before asking Gong; a
/// cursor's range is checked when its pages are asked for.
fn check_range(q: &ListQuery) -> std::result::Result<(), ApiError> {
    if q.cursor.is_some() {
        return Ok(());
    }
    RequestOptions {
        from_date_time: q.from.clone(),
        to_date_time: q.to.clone(),
        workspace_id: q.workspace_id.clone(),
        ..RequestOptions::default()
    }
    .filter()
    .map(drop)
    .map_err(|e| ApiError::bad_request("invalid_query", e.to_string()))
}

/// A call in a list, the way a model reads it.
fn summary(call: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "id": call["id"],
        "title": call["title"],
        "date": call["date"],
        "durationSeconds": call["durationSeconds"],
        "account": call["account"]["name"],
        "participants": call["participants"].as_array().map(|ps| ps.iter().map(|p| serde_json::json!({
            "name": p["name"], "title": p["title"], "affiliation": p["affiliation"],
        })).collect::<Vec<_>>()),
    })
}

fn pick_chunk(
    chunks: Vec<gongkit::Chunk>,
    k: usize,
    tool: &str,
) -> std::result::Result<Vec<String>, ApiError> {
    let count = chunks.len();
    let chunk = chunks.into_iter().nth(k).ok_or_else(|| {
        ApiError::new(
            404,
            "chunk_not_found",
            format!("there is no chunk {k}: the text has {count} chunks, numbered from 0"),
        )
    })?;
    Ok(vec![chunk.text, crate::mcp::chunk_note(tool, k, count)])
}
