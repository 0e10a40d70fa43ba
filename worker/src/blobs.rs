//! Gong's transcripts in R2 (`GONGKIT_BLOBS`), gzip-compressed: a call's
//! transcript is most of its bytes, and D1 (10 GB a database) is the
//! library's scarce part, so it lives here and D1 keeps the key
//! (`call_json.blob`, migration 0006). Compression is the runtime's own
//! (`CompressionStream`, through `worker/js/blobs.mjs`): no compression code
//! in the Worker's wasm.
//!
//! A key is the call's id and the hash of the transcript it holds
//! ([`key`]): a rewrite with another transcript writes a new object before
//! the row names it, and the old one is deleted only after, so a reader
//! that read a row finds the transcript that row was written with (or, if
//! it was deleted meanwhile, nothing, and reads the row again). The same
//! transcript written again is the same key: nothing to write.

use sha2::{Digest, Sha256};
use wasm_bindgen::prelude::wasm_bindgen;
use worker::js_sys::{Promise, Uint8Array};
use worker::wasm_bindgen::JsValue;
use worker::wasm_bindgen_futures::JsFuture;

use crate::error::{Error, Result};

/// The R2 binding in wrangler.toml.
pub const BINDING: &str = "GONGKIT_BLOBS";

/// R2 deletes at most this many keys in one request.
const DELETE_BATCH: usize = 1000;

#[wasm_bindgen(module = "/js/blobs.mjs")]
extern "C" {
    fn gzip(bytes: &Uint8Array, inflate: bool) -> Promise;
}

/// The objects of call `id` start with this (an erasure deletes them all).
pub fn prefix(id: &str) -> String {
    format!("calls/{id}/")
}

/// The key of call `id`'s transcript: its id and the hash of the
/// transcript (so a key names one content for good).
pub fn key(id: &str, transcript: &str) -> String {
    format!("{}{}.json.gz", prefix(id), hash(transcript))
}

/// The key of call `id`'s turns as the search index folds them (the
/// library's `Record::turns`): its id and their hash.
pub fn turns_key(id: &str, turns: &str) -> String {
    format!("{}{}.turns.json.gz", prefix(id), hash(turns))
}

fn hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The bucket (a handle).
pub struct Blobs {
    bucket: worker::Bucket,
}

fn r2(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!(
        "the call library's R2 bucket ({BINDING}) failed: {e}"
    ))
}

fn js(e: JsValue) -> Error {
    r2(e.as_string().unwrap_or_else(|| format!("{e:?}")))
}

/// gzip (or, `inflate`, gunzip) by the runtime.
async fn transform(bytes: &[u8], inflate: bool) -> Result<Vec<u8>> {
    let out = JsFuture::from(gzip(&Uint8Array::from(bytes), inflate))
        .await
        .map_err(js)?;
    Ok(Uint8Array::from(out).to_vec())
}

impl Blobs {
    /// The bucket, when `GONGKIT_BLOBS` is bound (without it the library
    /// keeps transcripts in D1, as before migration 0006).
    pub fn open(env: &worker::Env) -> Option<Blobs> {
        env.bucket(BINDING).ok().map(|bucket| Blobs { bucket })
    }

    /// Stores `text` gzip-compressed under `key`.
    pub async fn put(&self, key: &str, text: &str) -> Result<()> {
        let packed = transform(text.as_bytes(), false).await?;
        self.bucket.put(key, packed).execute().await.map_err(r2)?;
        Ok(())
    }

    /// The text under `key`, if there is such an object.
    ///
    /// # Errors
    ///
    /// 500 when R2 fails, or the object is not gzip of UTF-8 text.
    pub async fn get(&self, key: &str) -> Result<Option<String>> {
        let Some(object) = self.bucket.get(key).execute().await.map_err(r2)? else {
            return Ok(None);
        };
        let Some(body) = object.body() else {
            return Ok(None);
        };
        let packed = body.bytes().await.map_err(r2)?;
        let bytes = transform(&packed, true)
            .await
            .map_err(|e| r2(format!("the object {key} is not gzip: {e}")))?;
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| r2(format!("the object {key} is not UTF-8 text")))
    }

    /// Deletes these keys (absent ones are no error).
    pub async fn delete(&self, keys: &[String]) -> Result<()> {
        for batch in keys.chunks(DELETE_BATCH) {
            let batch: Vec<&str> = batch.iter().map(String::as_str).collect();
            self.bucket.delete_multiple(batch).await.map_err(r2)?;
        }
        Ok(())
    }

    /// Deletes every object of call `id`, whatever row names it (an
    /// erasure: an object a failed write left behind goes too).
    pub async fn delete_call(&self, id: &str) -> Result<()> {
        loop {
            let listed = self
                .bucket
                .list()
                .prefix(prefix(id))
                .limit(DELETE_BATCH as u32)
                .execute()
                .await
                .map_err(r2)?;
            let keys: Vec<String> = listed.objects().iter().map(|o| o.key()).collect();
            if keys.is_empty() {
                return Ok(());
            }
            self.delete(&keys).await?;
            if !listed.truncated() {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_names_the_call_and_its_transcript() {
        let a = key("7782342274025937895", "{\"callId\":\"1\"}");
        assert!(a.starts_with("calls/7782342274025937895/"), "{a}");
        assert!(a.ends_with(".json.gz"));
        assert_eq!(a, key("7782342274025937895", "{\"callId\":\"1\"}"));
        assert_ne!(a, key("7782342274025937895", "{\"callId\":\"2\"}"));
        let t = turns_key("7782342274025937895", "{\"callId\":\"1\"}");
        assert_ne!(a, t, "a call's turns are an object of their own");
        assert!(t.starts_with(&prefix("7782342274025937895")) && t.ends_with(".turns.json.gz"));
        // One call's prefix is not another's ("1/" is not a prefix of "12/").
        assert!(!key("12", "x").starts_with(&prefix("1")));
    }
}
