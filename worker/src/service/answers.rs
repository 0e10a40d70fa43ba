//! Gong's answers about one call, from the nearest place that has them:
//! the library (D1), else the cache, else Gong (through the gate); and what
//! is kept of them once the core has read them. A call rendered from cached
//! answers is kept rendered too (one entry a call and kind, [`Rendering`]),
//! so asking again with the same options reads it back instead of parsing
//! and formatting the transcript again: its tag ([`rendered_tag`]) is
//! checked, its body handed on unread ([`crate::cache::Body`]).

use futures::join;
use gongkit::{AnyExtensive, RequestOptions};
use sha2::{Digest, Sha256};

use super::{Head, Place, Service, Source, Text, Write};
use crate::args::CallId;
use crate::cache::Body;
use crate::error::{Error, Result};
use crate::gong::Answer;
use crate::library::{Record, Stored};

/// An unknown call id is remembered this long, so a looping client does
/// not spend Gong's quota asking again.
pub const NOT_FOUND_TTL_SECONDS: u64 = 300;

/// What a rendered answer is the answer of: each capability that keeps
/// its answers has its own cache entry a call (so one does not push out
/// another's), and erasing a call erases every one ([`RENDERED_PARTS`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rendering {
    /// `get_call`: the normalized call as JSON.
    Call,
    /// `get_transcript`: the transcript (whole, its chunks, or one).
    Transcript,
    /// `get_call_document`: the document (whole, its chunks, or one).
    Document,
}

impl Rendering {
    /// Every kind, once (the list [`RENDERED_PARTS`] follows).
    pub const ALL: [Rendering; 3] = [Rendering::Call, Rendering::Transcript, Rendering::Document];

    /// The cache part (as in [`crate::sign::Signer::cache_key`]) of a
    /// call's rendered answer of this kind.
    pub const fn part(self) -> &'static str {
        match self {
            Rendering::Call => "answer",
            Rendering::Transcript => "answer-transcript",
            Rendering::Document => "answer-document",
        }
    }
}

/// The cache parts of a call's rendered answers, which erasing a call
/// erases.
pub const RENDERED_PARTS: [&str; 3] = [
    Rendering::ALL[0].part(),
    Rendering::ALL[1].part(),
    Rendering::ALL[2].part(),
];

/// What a rendered answer was made from: its kind, the arguments that
/// shape it (`shape`: the options as applied, whether the transcript was
/// asked for, the chunking), Gong's extensive answer and this release
/// (whose output it is). The transcript answer is not hashed: it is
/// cached and fetched again only with the extensive one (the library
/// keeps a call's transcript once it has one), and a fresh fetch renders
/// anew.
pub fn rendered_fingerprint(kind: Rendering, shape: &str, extensive: &str) -> String {
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION"));
    h.update([0]);
    h.update(kind.part());
    h.update([0]);
    h.update(shape);
    h.update([0]);
    h.update(extensive);
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The tag a rendered answer is kept with: its fingerprint, then (for a
/// text answer) its head line (see [`text_entry`]).
pub fn rendered_tag(fingerprint: &str, head: &str) -> String {
    match head {
        "" => fingerprint.to_owned(),
        head => format!("{fingerprint} {head}"),
    }
}

/// The head of a rendered answer kept with `tag`, when it was made from
/// `fingerprint` (`""` for an answer without a head).
pub fn rendered_for<'t>(tag: &'t str, fingerprint: &str) -> Option<&'t str> {
    match tag.strip_prefix(fingerprint)? {
        "" => Some(""),
        rest => rest.strip_prefix(' '),
    }
}

/// Whether a fetch time kept as `fetched` (ms since the epoch) is within
/// `window_seconds` of `now_ms`.
fn within_window(fetched: Option<&str>, now_ms: u64, window_seconds: u64) -> bool {
    let window_ms = window_seconds.saturating_mul(1000);
    fetched
        .and_then(|t| t.parse::<u64>().ok())
        .is_some_and(|t| now_ms.saturating_sub(t) < window_ms)
}

/// How a text answer (a transcript or a document) is kept: a head line
/// (in the tag) and a body, no JSON (reading it back needs no parser, and
/// the Worker carries no deserializer for it). `whole`: the body is the
/// text; `chunk {index} {count} {start} {end}` (`-` for a missing time):
/// the body is that chunk's text. Either is a REST answer's body as it is,
/// handed on unread. `chunks`: the body is every chunk, one after another,
/// each its line `{index} {count} {start} {end} {bytes}` and `bytes` of
/// text. `None` for a text kept already.
pub fn text_entry(text: &Text) -> Option<(String, String)> {
    let time = |t: Option<i64>| t.map_or_else(|| "-".to_owned(), |t| t.to_string());
    let head =
        |c: &gongkit::Chunk| format!("{} {} {} {}", c.index, c.count, time(c.start), time(c.end));
    Some(match text {
        Text::Whole(t) => ("whole".to_owned(), t.clone()),
        Text::Chunk(c) => (format!("chunk {}", head(c)), c.text.clone()),
        Text::Chunks(chunks) => {
            let mut out =
                String::with_capacity(chunks.iter().map(|c| c.text.len() + 40).sum::<usize>());
            for c in chunks {
                out.push_str(&head(c));
                out.push_str(&format!(" {}\n", c.text.len()));
                out.push_str(&c.text);
            }
            ("chunks".to_owned(), out)
        }
        Text::Kept(..) => return None,
    })
}

/// A chunk's place: `{index} {count} {start} {end}` (see [`text_entry`]),
/// and what follows it on the line.
fn read_place<'a>(words: &mut impl Iterator<Item = &'a str>) -> Option<Place> {
    let mut number = || words.next()?.parse::<usize>().ok();
    let (index, count) = (number()?, number()?);
    let mut time = || match words.next()? {
        "-" => Some(None),
        t => t.parse::<i64>().ok().map(Some),
    };
    let (start, end) = (time()?, time()?);
    Some(Place {
        index,
        count,
        start,
        end,
    })
}

/// The chunk at the start of `rest` (see [`text_entry`]), and what follows it.
fn read_chunk(rest: &str) -> Option<(gongkit::Chunk, &str)> {
    let line = rest.find('\n')?;
    let mut words = rest[..line].split(' ');
    let place = read_place(&mut words)?;
    let bytes = words.next()?.parse::<usize>().ok()?;
    if words.next().is_some() {
        return None;
    }
    let body = &rest[line + 1..];
    let text = body.get(..bytes)?;
    Some((place.chunk(text.to_owned()), &body[bytes..]))
}

/// The head of a kept text answer, from its line (`None`: not one
/// [`text_entry`] wrote).
pub fn text_head(line: &str) -> Option<Head> {
    let mut words = line.split(' ');
    let head = match words.next()? {
        "whole" => Head::Whole,
        "chunks" => Head::Chunks,
        "chunk" => Head::Chunk(read_place(&mut words)?),
        _ => return None,
    };
    words.next().is_none().then_some(head)
}

/// The text answer of a kept head and body (`None`: a `chunks` body
/// [`text_entry`] did not write).
pub fn text_from_entry(head: &Head, body: String) -> Option<Text> {
    match head {
        Head::Whole => Some(Text::Whole(body)),
        Head::Chunk(place) => Some(Text::Chunk(place.chunk(body))),
        Head::Chunks => {
            let mut chunks = Vec::new();
            let mut rest = body.as_str();
            while !rest.is_empty() {
                let (chunk, next) = read_chunk(rest)?;
                chunks.push(chunk);
                rest = next;
            }
            Some(Text::Chunks(chunks))
        }
    }
}

/// What [`Service::rendered`] found.
pub(super) enum Kept<T> {
    /// The answer rendered before, for a caller who may see the call.
    Answer(T),
    /// Nothing to serve; the library's copy of the call when it was read,
    /// so that rendering anew does not read it again ([`Service::answers`]).
    Missing(Option<Stored>),
}

/// One of Gong's answers, and whether it still needs caching.
pub(super) struct Fetched {
    pub(super) text: String,
    /// The cache key, when it came from Gong (to cache once checked).
    pub(super) fresh_key: Option<String>,
}

impl Service {
    /// Whether a `fresh` ask of call `id` may still be served from the
    /// cache: it was fetched from Gong within `FRESH_WINDOW_SECONDS`. The
    /// fetch time is its own small entry, so checking it reads no body.
    async fn fetched_lately(&self, id: &CallId) -> Result<bool> {
        let (_, signer) = self.client()?;
        let fetched = self
            .store
            .get(&signer.cache_key(id.as_str(), "fetched"))
            .await;
        Ok(within_window(
            fetched.as_deref(),
            self.now_ms,
            self.config.fresh_window_seconds,
        ))
    }

    /// One of Gong's answers about call `id`: from the cache when
    /// `use_cache` (not `fresh`, or fetched lately: see
    /// [`Service::fetched_lately`], read once for both answers), else from
    /// Gong. `None`: Gong has nothing for it.
    pub(super) async fn fetch(
        &self,
        id: &CallId,
        part: &str,
        use_cache: bool,
    ) -> Result<Option<Fetched>> {
        let (gong, signer) = self.client()?;
        let key = signer.cache_key(id.as_str(), part);
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
                tag: None,
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

    /// The call's answer of `kind` rendered before from the same answers
    /// with the same arguments (`fingerprint` of `kind`, `shape` and the
    /// extensive answer), as its head ([`rendered_for`]) and its body, not
    /// read: a read of the extensive answer where [`Service::answers`]
    /// would find it (the library, else the cache; the access rule needs
    /// it) and one of the rendered answer's tag. [`Kept::Missing`] for a
    /// `fresh` ask, or when nothing rendered from these answers is cached
    /// (with the library's copy of the call if read).
    ///
    /// # Errors
    ///
    /// `call_not_found` when the caller may not see the call.
    pub(super) async fn rendered(
        &self,
        id: &CallId,
        fresh: bool,
        kind: Rendering,
        shape: &str,
    ) -> Result<Kept<(String, Body)>> {
        if fresh {
            return Ok(Kept::Missing(None));
        }
        let (_, signer) = self.client()?;
        let rendered_key = signer.cache_key(id.as_str(), kind.part());
        let stored = match &self.library {
            Some(library) => library.get(id.as_str()).await?,
            None => None,
        };
        let (source, ext, entry) = match &stored {
            Some(stored) => (
                Source::Library,
                Some(std::borrow::Cow::Borrowed(stored.extensive.as_str())),
                self.store.get_tagged(&rendered_key).await,
            ),
            None => {
                let ext_key = signer.cache_key(id.as_str(), "extensive");
                let (ext, entry) = join!(
                    self.store.get(&ext_key),
                    self.store.get_tagged(&rendered_key)
                );
                (Source::Cache, ext.map(std::borrow::Cow::Owned), entry)
            }
        };
        let (Some(ext), Some(entry)) = (ext, entry) else {
            return Ok(Kept::Missing(stored));
        };
        let fingerprint = rendered_fingerprint(kind, shape, &ext);
        let Some(head) = rendered_for(&entry.tag, &fingerprint) else {
            return Ok(Kept::Missing(stored));
        };
        let head = head.to_owned();
        self.note(source);
        // The access rule, on the extensive answer, as for an answer
        // rendered now.
        let parsed = AnyExtensive::from_json(&ext).map_err(Error::from_gong)?;
        self.select(&parsed, id)?;
        Ok(Kept::Answer((head, entry.body)))
    }

    /// Keeps `answer` (with its `head`, see [`text_entry`]; `""` for the
    /// call's JSON), rendered from `ext` as `kind` with `shape` (see
    /// [`Service::rendered`]).
    pub(super) fn keep_rendered(
        &self,
        id: &CallId,
        ext: &Fetched,
        kind: Rendering,
        shape: &str,
        (head, answer): (&str, String),
    ) -> Result<()> {
        let (_, signer) = self.client()?;
        let fingerprint = rendered_fingerprint(kind, shape, &ext.text);
        self.pending.borrow_mut().push(Write {
            key: signer.cache_key(id.as_str(), kind.part()),
            tag: Some(rendered_tag(&fingerprint, head)),
            value: answer,
            ttl: self.config.cache_ttl_seconds,
        });
        Ok(())
    }

    /// Notes when call `id` was last fetched from Gong.
    pub(super) fn fetched_now(&self, id: &CallId) -> Result<()> {
        let (_, signer) = self.client()?;
        self.pending.borrow_mut().push(Write {
            key: signer.cache_key(id.as_str(), "fetched"),
            tag: None,
            value: self.now_ms.to_string(),
            ttl: self.config.fresh_window_seconds.max(60),
        });
        Ok(())
    }

    /// The extensive answer of call `id`, and its transcript answer when
    /// asked for, fetched concurrently. A call Gong does not have is
    /// remembered for [`NOT_FOUND_TTL_SECONDS`]. `known`: the library's
    /// copy when it was just read ([`Kept::Missing`]), not read again.
    pub(super) async fn answers(
        &self,
        id: &CallId,
        fresh: bool,
        with_transcript: bool,
        known: Option<Stored>,
    ) -> Result<(Fetched, Option<Fetched>)> {
        let (_, signer) = self.client()?;
        if let (false, Some(library)) = (fresh, &self.library) {
            let stored = match known {
                Some(stored) => Some(stored),
                None => library.get(id.as_str()).await?,
            };
            if let Some(stored) = stored {
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
        // Gong just said it does not have costs nothing. A fresh ask's
        // fetch time is read beside it, once for both answers.
        let (gone, lately) = join!(self.store.get(&missing), async {
            match fresh {
                true => self.fetched_lately(id).await,
                false => Ok(true),
            }
        });
        if gone.is_some() {
            return Err(self.not_found(id));
        }
        let use_cache = lately?;
        let (ext, tr) = if with_transcript {
            join!(
                self.fetch(id, "extensive", use_cache),
                self.fetch(id, "transcript", use_cache)
            )
        } else {
            (self.fetch(id, "extensive", use_cache).await, Ok(None))
        };
        let Some(ext) = ext? else {
            self.pending.borrow_mut().push(Write {
                key: missing,
                tag: None,
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
    fn a_fresh_ask_uses_the_cache_only_within_the_window() {
        assert!(within_window(Some("100000"), 159_999, 60));
        assert!(!within_window(Some("100000"), 160_000, 60));
        assert!(!within_window(Some("100000"), 100_001, 0));
        assert!(!within_window(None, 1, 60));
        assert!(!within_window(Some("soon"), 1, 60));
    }

    #[test]
    fn a_rendered_answer_is_served_only_for_what_it_was_made_from() {
        let shape = "format=plain";
        let fp = rendered_fingerprint(Rendering::Call, shape, r#"{"calls":[]}"#);
        assert_eq!(fp.len(), 32);
        let call = rendered_tag(&fp, "");
        let text = rendered_tag(&fp, "chunk 1 2 - 5");
        assert_eq!(rendered_for(&call, &fp), Some(""));
        assert_eq!(rendered_for(&text, &fp), Some("chunk 1 2 - 5"));
        // Another kind, other arguments, or another extensive answer: not served.
        for different in [
            rendered_fingerprint(Rendering::Transcript, shape, r#"{"calls":[]}"#),
            rendered_fingerprint(Rendering::Document, shape, r#"{"calls":[]}"#),
            rendered_fingerprint(Rendering::Call, "format=srt", r#"{"calls":[]}"#),
            rendered_fingerprint(Rendering::Call, shape, r#"{"calls":[{}]}"#),
        ] {
            assert_ne!(different, fp);
            assert_eq!(rendered_for(&call, &different), None);
            assert_eq!(rendered_for(&text, &different), None);
        }
        // A tag that only starts with the fingerprint is another's.
        assert_eq!(rendered_for(&format!("{fp}0"), &fp), None);
        assert_eq!(rendered_for("", &fp), None);
    }

    #[test]
    fn every_kind_has_its_own_part_and_erasure_knows_it() {
        let parts: std::collections::BTreeSet<_> =
            Rendering::ALL.iter().map(|k| k.part()).collect();
        assert_eq!(parts.len(), Rendering::ALL.len());
        assert_eq!(parts, RENDERED_PARTS.into_iter().collect());
    }

    #[test]
    fn text_answers_come_back_as_they_were_kept() {
        let chunk = |index, text: &str| gongkit::Chunk {
            index,
            count: 2,
            text: text.to_owned(),
            start: Some(1000 * index as i64),
            end: None,
        };
        for text in [
            Text::Whole("Jane: Hi.\nJohn: \"Bye\"\n".to_owned()),
            Text::Whole(String::new()),
            Text::Chunks(vec![chunk(0, "a\nb é"), chunk(1, "c\n5 5 - - 9\n")]),
            Text::Chunks(Vec::new()),
            Text::Chunk(chunk(1, "line one\nline two")),
        ] {
            let (line, body) = text_entry(&text).expect("made text is kept");
            let head = text_head(&line).expect("its head reads back");
            // A whole text or one chunk is kept as its answer's body is.
            match &text {
                Text::Whole(t) => assert_eq!(&body, t),
                Text::Chunk(c) => assert_eq!(body, c.text),
                _ => {}
            }
            assert_eq!(
                format!("{:?}", text_from_entry(&head, body)),
                format!("{:?}", Some(text))
            );
        }
        for bad in [
            "no shape line",
            "whole 1",
            "chunk 1 2 x -",
            "chunk 1 2 -",
            "chunk 1 2 - - 4",
            "chunks 3",
            "",
        ] {
            assert!(text_head(bad).is_none(), "{bad:?}");
        }
        for bad in [
            "not a chunk",
            "1 2 - - 40\ntoo short",
            "1 2 - - 1\ntwo",
            "1 2 - - 1\né",
            "1 2 - - 1 9\nx",
        ] {
            assert!(
                text_from_entry(&Head::Chunks, bad.to_owned()).is_none(),
                "{bad}"
            );
        }
    }
}
