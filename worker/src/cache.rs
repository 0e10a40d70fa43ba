//! Where Gong's answers are kept: Workers KV when `GONGKIT_CACHE` is bound
//! (every deployment), else the Cache API (custom domains only). Keys come
//! from [`crate::sign::Signer::cache_key`]. A cache failure is never an
//! error: the answer is fetched again.

/// A response's body as text, read by one call into the runtime. The
/// `worker` crate's `Response::text` reads a streamed body chunk by chunk
/// (a promise, a copy and a `Vec` append per chunk): for a 425 KB Gong
/// answer that was a third of the Worker's CPU.
pub async fn body_text(response: worker::Response) -> worker::Result<String> {
    let js: worker::web_sys::Response = response.into();
    let promise = js.text().map_err(worker::Error::from)?;
    let value = worker::wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(worker::Error::from)?;
    value
        .as_string()
        .ok_or_else(|| worker::Error::RustError("the body is not text".into()))
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
            Store::Kv(kv) => kv.get(key).text().await.ok().flatten(),
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
