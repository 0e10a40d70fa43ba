//! Where Gong's answers are kept: Workers KV when `GONGKIT_CACHE` is bound
//! (every deployment), else the Cache API (custom domains only). Each entry
//! carries the time it was fetched, so a `fresh=true` right after a fetch
//! is served from here instead of spending Gong's quota again. Keys come
//! from [`crate::sign::Signer::cache_key`]. A cache failure is never an
//! error: the answer is fetched again.

use serde::{Deserialize, Serialize};

/// A cached answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Gong's answer, as it came.
    pub body: String,
    /// When it was fetched (ms since the Unix epoch).
    pub fetched_at: u64,
}

#[derive(Serialize, Deserialize)]
struct Meta {
    at: u64,
}

/// The store.
pub enum Store {
    /// Workers KV.
    Kv(worker::kv::KvStore),
    /// The Cache API.
    Edge(worker::Cache),
}

const FETCHED_AT: &str = "X-Gongkit-Fetched-At";

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

    /// The entry under `key`, if any.
    pub async fn get(&self, key: &str) -> Option<Entry> {
        match self {
            Store::Kv(kv) => {
                let (body, meta) = kv.get(key).text_with_metadata::<Meta>().await.ok()?;
                Some(Entry {
                    body: body?,
                    fetched_at: meta.map_or(0, |m| m.at),
                })
            }
            Store::Edge(cache) => {
                let mut response = cache.get(Store::url(key), false).await.ok()??;
                let fetched_at = response
                    .headers()
                    .get(FETCHED_AT)
                    .ok()
                    .flatten()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                Some(Entry {
                    body: response.text().await.ok()?,
                    fetched_at,
                })
            }
        }
    }

    /// Keeps `body` under `key` for `ttl` seconds.
    pub async fn put(&self, key: &str, body: &str, fetched_at: u64, ttl: u64) {
        match self {
            Store::Kv(kv) => {
                if let Ok(put) = kv.put(key, body) {
                    if let Ok(put) = put.metadata(Meta { at: fetched_at }) {
                        // KV keeps entries for at least 60 s.
                        let _ = put.expiration_ttl(ttl.max(60)).execute().await;
                    }
                }
            }
            Store::Edge(cache) => {
                let headers = worker::Headers::new();
                let _ = headers.set("Cache-Control", &format!("max-age={ttl}"));
                let _ = headers.set("Content-Type", "application/json");
                let _ = headers.set(FETCHED_AT, &fetched_at.to_string());
                if let Ok(response) = worker::Response::ok(body.to_owned()) {
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
