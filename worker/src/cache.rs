//! Where Gong's answers are kept: Workers KV when `GONGKIT_CACHE` is bound
//! (every deployment), else the Cache API (custom domains only). Keys come
//! from [`crate::sign::Signer::cache_key`]. A cache failure is never an
//! error: the answer is fetched again.

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
                let mut response = cache.get(Store::url(key), false).await.ok()??;
                response.text().await.ok()
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
