//! Gong's answers about one call, from the nearest place that has them:
//! the library (D1), else the cache, else Gong (through the gate); and what
//! is kept of them once the core has read them. A call rendered from cached
//! answers is kept rendered too (one entry a call, [`RENDERED_PART`]), so
//! asking again with the same options reads it back instead of parsing and
//! formatting the transcript again.

use futures::join;
use gongkit::{CallOptions, RequestOptions};
use sha2::{Digest, Sha256};

use super::{Service, Source, Write};
use crate::args::CallId;
use crate::error::{Error, Result};
use crate::gong::Answer;
use crate::library::Record;

/// An unknown call id is remembered this long, so a looping client does
/// not spend Gong's quota asking again.
pub const NOT_FOUND_TTL_SECONDS: u64 = 300;

/// The cache part (as in [`crate::sign::Signer::cache_key`]) of a call's
/// rendered answer: one entry a call, so erasing the call erases it.
pub const RENDERED_PART: &str = "answer";

/// What a rendered answer was made from: the options as applied, whether
/// the transcript was asked for, Gong's extensive answer and this release
/// (whose output it is). The transcript answer is not hashed: it is cached
/// and fetched again only with the extensive one, and a fresh fetch renders
/// anew.
pub fn rendered_fingerprint(options: &CallOptions, transcript: bool, extensive: &str) -> String {
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION"));
    h.update([0, u8::from(transcript)]);
    h.update(format!("{options:?}"));
    h.update([0]);
    h.update(extensive);
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The rendered answer in a cache entry `{fingerprint}\n{answer}`, when it
/// was made from `fingerprint`.
pub fn rendered_for(mut entry: String, fingerprint: &str) -> Option<String> {
    let body = entry
        .strip_prefix(fingerprint)
        .and_then(|rest| rest.strip_prefix('\n'))?;
    let start = entry.len() - body.len();
    // Moved down in place: the answer can be megabytes.
    entry.drain(..start);
    Some(entry)
}

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

    /// The call's answer rendered before from the same answers with the
    /// same options (`fingerprint` of `options`, `transcript` and the
    /// extensive answer): a read of the extensive answer where
    /// [`Service::answers`] would find it (the library, else the cache; the
    /// access rule needs it) and one of the rendered answer. `None` for a
    /// `fresh` ask, or when nothing rendered from these answers is cached.
    pub(super) async fn rendered(
        &self,
        id: &CallId,
        fresh: bool,
        options: &CallOptions,
        transcript: bool,
    ) -> Result<Option<(Fetched, String)>> {
        if fresh {
            return Ok(None);
        }
        let (_, signer) = self.client()?;
        let rendered_key = signer.cache_key(id.as_str(), RENDERED_PART);
        let stored = match &self.library {
            Some(library) => library.get(id.as_str()).await?,
            None => None,
        };
        let (source, ext, entry) = match stored {
            Some(stored) => (
                Source::Library,
                Some(stored.extensive),
                self.store.get(&rendered_key).await,
            ),
            None => {
                let ext_key = signer.cache_key(id.as_str(), "extensive");
                let (ext, entry) = join!(self.store.get(&ext_key), self.store.get(&rendered_key));
                (Source::Cache, ext, entry)
            }
        };
        let (Some(ext), Some(entry)) = (ext, entry) else {
            return Ok(None);
        };
        let fingerprint = rendered_fingerprint(options, transcript, &ext);
        Ok(rendered_for(entry, &fingerprint).map(|answer| {
            self.note(source);
            (
                Fetched {
                    text: ext,
                    fresh_key: None,
                },
                answer,
            )
        }))
    }

    /// Keeps `answer`, rendered from `ext` with `options` (see
    /// [`Service::rendered`]).
    pub(super) fn keep_rendered(
        &self,
        id: &CallId,
        ext: &Fetched,
        options: &CallOptions,
        transcript: bool,
        answer: &str,
    ) -> Result<()> {
        let (_, signer) = self.client()?;
        let fingerprint = rendered_fingerprint(options, transcript, &ext.text);
        let mut value = String::with_capacity(fingerprint.len() + 1 + answer.len());
        value.push_str(&fingerprint);
        value.push('\n');
        value.push_str(answer);
        self.pending.borrow_mut().push(Write {
            key: signer.cache_key(id.as_str(), RENDERED_PART),
            value,
            ttl: self.config.cache_ttl_seconds,
        });
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rendered_answer_is_served_only_for_what_it_was_made_from() {
        let o = CallOptions::default();
        let fp = rendered_fingerprint(&o, true, r#"{"calls":[]}"#);
        assert_eq!(fp.len(), 32);
        let entry = format!("{fp}\n{{\"id\":\"1\"}}");
        assert_eq!(
            rendered_for(entry.clone(), &fp).as_deref(),
            Some(r#"{"id":"1"}"#)
        );
        // Other options, the transcript left out, or another extensive answer: not served.
        let other = CallOptions {
            timestamps: !o.timestamps,
            ..o.clone()
        };
        for different in [
            rendered_fingerprint(&other, true, r#"{"calls":[]}"#),
            rendered_fingerprint(&o, false, r#"{"calls":[]}"#),
            rendered_fingerprint(&o, true, r#"{"calls":[{}]}"#),
        ] {
            assert_ne!(different, fp);
            assert_eq!(rendered_for(entry.clone(), &different), None);
        }
        assert_eq!(
            rendered_for(fp.clone(), &fp),
            None,
            "no separator, no answer"
        );
    }
}
