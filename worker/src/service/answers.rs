//! Gong's answers about one call, from the nearest place that has them:
//! the library (D1), else the cache, else Gong (through the gate); and what
//! is kept of them once the core has read them.

use futures::join;
use gongkit::RequestOptions;

use super::{Service, Source, Write};
use crate::args::CallId;
use crate::error::{Error, Result};
use crate::gong::Answer;
use crate::library::Record;

/// An unknown call id is remembered this long, so a looping client does
/// not spend Gong's quota asking again.
pub const NOT_FOUND_TTL_SECONDS: u64 = 300;

/// One of Gong's answers, and whether it still needs caching.
pub(super) struct Fetched {
    pub(super) text: String,
    /// The cache key, when it came from Gong (to cache once checked).
    pub(super) fresh_key: Option<String>,
}

impl Service {
    /// One of Gong's answers about call `id`: from the cache unless `fresh`
    /// (and even then when fetched within `FRESH_WINDOW_SECONDS`), else from
    /// Gong. `None`: Gong has nothing for it.
    pub(super) async fn fetch(
        &self,
        id: &CallId,
        part: &str,
        fresh: bool,
    ) -> Result<Option<Fetched>> {
        let (gong, signer) = self.client()?;
        let key = signer.cache_key(id.as_str(), part);
        // A fresh ask right after a fetch is served from the cache; the
        // fetch time is its own small entry, so checking it reads no body.
        let use_cache = !fresh || {
            let fetched = self
                .store
                .get(&signer.cache_key(id.as_str(), "fetched"))
                .await;
            let window_ms = self.config.fresh_window_seconds.saturating_mul(1000);
            fetched
                .and_then(|t| t.parse::<u64>().ok())
                .is_some_and(|t| self.now_ms.saturating_sub(t) < window_ms)
        };
        if use_cache {
            if let Some(text) = self.store.get(&key).await {
                self.note(Source::Cache);
                return Ok(Some(Fetched {
                    text,
                    fresh_key: None,
                }));
            }
        }
        let ids = Some(vec![id.as_str().to_owned()]);
        let (path, body) = if part == "extensive" {
            let r = RequestOptions {
                call_ids: ids,
                preset: Some(gongkit::Preset::CallView),
                ..RequestOptions::default()
            }
            .extensive()
            .map_err(Error::from_input)?;
            ("/v2/calls/extensive", serde_json::to_string(&r))
        } else {
            let r = RequestOptions {
                call_ids: ids,
                ..RequestOptions::default()
            }
            .transcript()
            .map_err(Error::from_input)?;
            ("/v2/calls/transcript", serde_json::to_string(&r))
        };
        let body = body.map_err(Error::internal)?;
        self.note(Source::Gong);
        Ok(match gong.post(path, &body).await? {
            Answer::Body(text) => Some(Fetched {
                text,
                fresh_key: Some(key),
            }),
            Answer::NoCalls => None,
        })
    }

    /// Caches an answer the core has read (moved, not copied: a
    /// transcript answer can be megabytes).
    pub(super) fn keep(&self, fetched: Fetched) {
        if let Some(key) = fetched.fresh_key {
            self.pending.borrow_mut().push(Write {
                key,
                value: fetched.text,
                ttl: self.config.cache_ttl_seconds,
            });
        }
    }

    /// Answers the core has read are kept: in the cache, and (when the
    /// transcript is there too) in the library. A transcript the answer
    /// did not use is not kept.
    pub(super) fn settle(&self, ext: Fetched, tr: Option<Fetched>) {
        if tr.is_some() {
            self.remember(&ext, tr.as_ref());
        }
        self.keep(ext);
        if let Some(tr) = tr {
            self.keep(tr);
        }
    }

    /// A call Gong answered in full goes into the library too (once the
    /// response is sent), so the library has the newest copy.
    pub(super) fn remember(&self, ext: &Fetched, tr: Option<&Fetched>) {
        let Some(_) = &self.library else { return };
        let from_gong = ext.fresh_key.is_some() || tr.is_some_and(|t| t.fresh_key.is_some());
        if !from_gong {
            return;
        }
        match Record::from_raw(
            &ext.text,
            tr.map(|t| t.text.as_str()),
            &self.config.internal_domains,
        ) {
            Ok(record) if !record.is_private || self.config.include_private_calls => {
                self.records.borrow_mut().push(record)
            }
            _ => {}
        }
    }

    /// Notes when call `id` was last fetched from Gong.
    pub(super) fn fetched_now(&self, id: &CallId) -> Result<()> {
        let (_, signer) = self.client()?;
        self.pending.borrow_mut().push(Write {
            key: signer.cache_key(id.as_str(), "fetched"),
            value: self.now_ms.to_string(),
            ttl: self.config.fresh_window_seconds.max(60),
        });
        Ok(())
    }

    /// The extensive answer of call `id`, and its transcript answer when
    /// asked for, fetched concurrently. A call Gong does not have is
    /// remembered for [`NOT_FOUND_TTL_SECONDS`].
    pub(super) async fn answers(
        &self,
        id: &CallId,
        fresh: bool,
        with_transcript: bool,
    ) -> Result<(Fetched, Option<Fetched>)> {
        let (_, signer) = self.client()?;
        if let (false, Some(library)) = (fresh, &self.library) {
            if let Some(stored) = library.get(id.as_str()).await? {
                self.note(Source::Library);
                let transcript =
                    stored
                        .transcript
                        .filter(|_| with_transcript)
                        .map(|text| Fetched {
                            text,
                            fresh_key: None,
                        });
                return Ok((
                    Fetched {
                        text: stored.extensive,
                        fresh_key: None,
                    },
                    transcript,
                ));
            }
        }
        // An erased call is not asked of the cache or Gong (the library
        // no longer holds it, and its writes skip it).
        self.refuse_erased(id).await?;
        let missing = signer.cache_key(id.as_str(), "missing");
        // Even `fresh=true` respects this memory: asking again for an id
        // Gong just said it does not have costs nothing.
        if self.store.get(&missing).await.is_some() {
            return Err(self.not_found(id));
        }
        let (ext, tr) = if with_transcript {
            join!(
                self.fetch(id, "extensive", fresh),
                self.fetch(id, "transcript", fresh)
            )
        } else {
            (self.fetch(id, "extensive", fresh).await, Ok(None))
        };
        let Some(ext) = ext? else {
            self.pending.borrow_mut().push(Write {
                key: missing,
                value: "1".to_owned(),
                ttl: NOT_FOUND_TTL_SECONDS,
            });
            return Err(self.not_found(id));
        };
        let tr = tr?;
        if ext.fresh_key.is_some() || tr.as_ref().is_some_and(|t| t.fresh_key.is_some()) {
            self.fetched_now(id)?;
        }
        Ok((ext, tr))
    }
}
