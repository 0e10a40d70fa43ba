//! Where Gong's answers are kept: Workers KV when `GONGKIT_CACHE` is bound
//! (every deployment), else the Cache API (custom domains only). Keys come
//! from [`crate::sign::Signer::cache_key`]. A cache failure is never an
//! error: the answer is fetched again.

use worker::wasm_bindgen::JsCast;
use worker::wasm_bindgen_futures::JsFuture;

/// A response's body as UTF-8 bytes, read by one call into the runtime
/// (`arrayBuffer()`, then one copy into WebAssembly's memory). The `worker`
/// crate's `Response::text` and `bytes` read a streamed body chunk by chunk
/// (a promise, a copy and a `Vec` append per chunk: a third of the Worker's
/// CPU for a 425 KB Gong answer), and `text()` would decode the bytes into
/// a JavaScript string only for the glue to encode them back.
pub async fn body_bytes(response: worker::Response) -> worker::Result<Vec<u8>> {
    web_body_bytes(response.into()).await
}

/// [`body_bytes`] of the runtime's own `Response` object.
async fn web_body_bytes(js: worker::web_sys::Response) -> worker::Result<Vec<u8>> {
    let promise = js.array_buffer().map_err(worker::Error::from)?;
    let buffer = worker::wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(worker::Error::from)?;
    Ok(worker::js_sys::Uint8Array::new(&buffer).to_vec())
}

/// A response's body as text: [`body_bytes`], checked as UTF-8 in place
/// (no JavaScript string in between).
pub async fn body_text(response: worker::Response) -> worker::Result<String> {
    web_body_text(response.into()).await
}

/// [`body_text`] of the runtime's own `Response` object.
async fn web_body_text(js: worker::web_sys::Response) -> worker::Result<String> {
    let bytes = web_body_bytes(js).await?;
    gongkit::json_from_utf8(bytes).map_err(|e| worker::Error::RustError(e.to_string()))
}

/// The header (Cache API) or metadata field (KV) that carries a value's tag.
const TAG: &str = "X-Gongkit-Tag";

/// KV's metadata of a tagged value.
#[derive(serde::Serialize, serde::Deserialize)]
struct TagMeta {
    tag: String,
}

/// A kept value's body as the runtime gives it: a stream nobody has read.
/// Handed on as an answer's body ([`Body::into_stream`]) it never enters
/// WebAssembly's memory: the runtime moves the bytes from the cache to the
/// client (a 257 KB answer read in, checked, copied out into a new
/// `Response` cost the Worker more than everything else it did for it).
pub struct Body(Option<worker::web_sys::ReadableStream>);

impl Body {
    /// The body read into WebAssembly, as UTF-8 text (for an answer that
    /// is rewritten before it is sent).
    pub async fn text(mut self) -> worker::Result<String> {
        let Some(stream) = self.0.take() else {
            return Ok(String::new());
        };
        let response = worker::web_sys::Response::new_with_opt_readable_stream(Some(&stream))
            .map_err(worker::Error::from)?;
        web_body_text(response).await
    }

    /// The stream, for a response's body (`None`: the value is empty).
    pub fn into_stream(mut self) -> Option<worker::web_sys::ReadableStream> {
        self.0.take()
    }
}

impl Drop for Body {
    /// A body not used is cancelled, so the runtime can let its source go.
    fn drop(&mut self) {
        if let Some(stream) = self.0.take() {
            let _ = stream.cancel();
        }
    }
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Body(..)")
    }
}

/// A value kept with its tag ([`Store::put`]'s `tag`).
#[derive(Debug)]
pub struct Tagged {
    /// The tag: what the value was made from, read without its body.
    pub tag: String,
    /// The value.
    pub body: Body,
}

/// The runtime's default cache (`caches.default`), if it has one.
fn default_cache() -> Option<worker::web_sys::Cache> {
    use worker::wasm_bindgen::JsCast;
    use worker::worker_sys::ext::CacheStorageExt;
    let global: worker::web_sys::WorkerGlobalScope = worker::js_sys::global().unchecked_into();
    global.caches().ok().map(|caches| caches.default())
}

/// The store.
pub enum Store {
    /// Workers KV.
    Kv(worker::kv::KvStore),
    /// The Cache API.
    /// The Cache API, as the runtime's own object (`caches.default`): a
    /// match is read straight from the response the runtime gives, not
    /// wrapped in the `worker` crate's `Response` and unwrapped into a new
    /// one (ten calls into the runtime and a `Response` made per read).
    /// `None` where the runtime has no Cache API: nothing is kept.
    Edge(Option<worker::web_sys::Cache>),
}

impl Store {
    /// KV when bound, else the Cache API.
    pub fn open(env: &worker::Env) -> Store {
        match env.kv("GONGKIT_CACHE") {
            Ok(kv) => Store::Kv(kv),
            Err(_) => Store::Edge(default_cache()),
        }
    }

    fn url(key: &str) -> String {
        format!("https://gongkit.cache.invalid/{key}")
    }

    /// The Cache API's response kept under `key`, if any.
    async fn matched(
        cache: &Option<worker::web_sys::Cache>,
        key: &str,
    ) -> Option<worker::web_sys::Response> {
        let promise = cache.as_ref()?.match_with_str(&Store::url(key));
        let found = JsFuture::from(promise).await.ok()?;
        // `undefined` when nothing is kept under the key.
        found.dyn_into::<worker::web_sys::Response>().ok()
    }

    /// The value under `key`, if any.
    pub async fn get(&self, key: &str) -> Option<String> {
        match self {
            // As bytes: an ArrayBuffer copied in, not a string re-encoded.
            Store::Kv(kv) => kv
                .get(key)
                .bytes()
                .await
                .ok()
                .flatten()
                .and_then(|bytes| String::from_utf8(bytes).ok()),
            Store::Edge(cache) => web_body_text(Store::matched(cache, key).await?).await.ok(),
        }
    }

    /// The value under `key` and its tag, when it was kept with one: the
    /// tag read, the body not (see [`Body`]).
    pub async fn get_tagged(&self, key: &str) -> Option<Tagged> {
        match self {
            Store::Kv(kv) => {
                let (stream, meta) = kv.get(key).stream_with_metadata::<TagMeta>().await.ok()?;
                let body = Body(stream);
                body.0.as_ref()?;
                Some(Tagged {
                    tag: meta?.tag,
                    body,
                })
            }
            Store::Edge(cache) => {
                let response = Store::matched(cache, key).await?;
                let body = Body(response.body());
                let tag = response.headers().get(TAG).ok().flatten()?;
                Some(Tagged { tag, body })
            }
        }
    }

    /// Keeps `value` under `key` for `ttl` seconds, with `tag` beside it
    /// when given ([`Store::get_tagged`]; a tag is one line of text).
    pub async fn put(&self, key: &str, tag: Option<&str>, value: &str, ttl: u64) {
        match self {
            Store::Kv(kv) => {
                if let Ok(mut put) = kv.put(key, value) {
                    if let Some(tag) = tag {
                        let meta = TagMeta {
                            tag: tag.to_owned(),
                        };
                        match put.metadata(meta) {
                            Ok(with) => put = with,
                            Err(_) => return,
                        }
                    }
                    // KV keeps entries for at least 60 s.
                    let _ = put.expiration_ttl(ttl.max(60)).execute().await;
                }
            }
            Store::Edge(Some(cache)) => {
                // The value's bytes copied once into a new `Response`.
                let response = (|| {
                    let headers = worker::web_sys::Headers::new()?;
                    headers.set("Cache-Control", &format!("max-age={ttl}"))?;
                    headers.set("Content-Type", "application/json")?;
                    if let Some(tag) = tag {
                        headers.set(TAG, tag)?;
                    }
                    let init = worker::web_sys::ResponseInit::new();
                    init.set_headers(&headers);
                    let body = worker::js_sys::Uint8Array::from(value.as_bytes());
                    worker::web_sys::Response::new_with_opt_buffer_source_and_init(
                        Some(&body),
                        &init,
                    )
                })();
                if let Ok(response) = response {
                    let _ = JsFuture::from(cache.put_with_str(&Store::url(key), &response)).await;
                }
            }
            Store::Edge(None) => {}
        }
    }

    /// Removes the entry under `key`.
    pub async fn delete(&self, key: &str) {
        match self {
            Store::Kv(kv) => {
                let _ = kv.delete(key).await;
            }
            Store::Edge(Some(cache)) => {
                let _ = JsFuture::from(cache.delete_with_str(&Store::url(key))).await;
            }
            Store::Edge(None) => {}
        }
    }
}
