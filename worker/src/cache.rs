//! Where Gong's answers are kept: Workers KV when `GONGKIT_CACHE` is bound
//! (every deployment), else the Cache API (custom domains only). Keys come
//! from [`crate::sign::Signer::cache_key`]. A cache failure is never an
//! error: the answer is fetched again.

/// A response's body as UTF-8 bytes, read by one call into the runtime
/// (`arrayBuffer()`, then one copy into WebAssembly's memory). The `worker`
/// crate's `Response::text` and `bytes` read a streamed body chunk by chunk
/// (a promise, a copy and a `Vec` append per chunk: a third of the Worker's
/// CPU for a 425 KB Gong answer), and `text()` would decode the bytes into
/// a JavaScript string only for the glue to encode them back.
pub async fn body_bytes(response: worker::Response) -> worker::Result<Vec<u8>> {
    let js: worker::web_sys::Response = response.into();
    let promise = js.array_buffer().map_err(worker::Error::from)?;
    let buffer = worker::wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(worker::Error::from)?;
    Ok(worker::js_sys::Uint8Array::new(&buffer).to_vec())
}

/// A response's body as text: [`body_bytes`], checked as UTF-8 in place
/// (no JavaScript string in between).
pub async fn body_text(response: worker::Response) -> worker::Result<String> {
    let bytes = body_bytes(response).await?;
    gongkit::json_from_utf8(bytes).map_err(|e| worker::Error::RustError(e.to_string()))
}

/// The store.
pub enum Store {
    /// Workers KV.
    Kv(worker::kv::KvStore),
    /// The Cache API.
    Edge(worker::Cache),
}

impl Store {
    /// KV when bound, else the Cache API.
    pub fn open(env: &worker::Env) -> Store {
        match env.kv("GONGKIT_CACHE") {
            Ok(kv) => Store::Kv(kv),
            Err(_) => Store::Edge(worker::Cache::default()),
        }
    }

    fn url(key: &str) -> String {
        format!("https://gongkit.cache.invalid/{key}")
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
            Store::Edge(cache) => {
                let response = cache.get(Store::url(key), false).await.ok()??;
                body_text(response).await.ok()
            }
        }
    }

    /// Keeps `value` under `key` for `ttl` seconds.
    pub async fn put(&self, key: &str, value: &str, ttl: u64) {
        match self {
            Store::Kv(kv) => {
                if let Ok(put) = kv.put(key, value) {
                    // KV keeps entries for at least 60 s.
                    let _ = put.expiration_ttl(ttl.max(60)).execute().await;
                }
            }
            Store::Edge(cache) => {
                let headers = worker::Headers::new();
                let _ = headers.set("Cache-Control", &format!("max-age={ttl}"));
                let _ = headers.set("Content-Type", "application/json");
                if let Ok(response) = worker::Response::ok(value.to_owned()) {
                    let _ = cache
                        .put(Store::url(key), response.with_headers(headers))
                        .await;
                }
            }
        }
    }

    /// Removes the entry under `key`.
    pub async fn delete(&self, key: &str) {
        match self {
            Store::Kv(kv) => {
                let _ = kv.delete(key).await;
            }
            Store::Edge(cache) => {
                let _ = cache.delete(Store::url(key), false).await;
            }
        }
    }
}
