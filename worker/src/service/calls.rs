//! One call: its details, its transcript, its document (whole or in
//! chunks).
//!
//! Each answer is kept rendered (`answers::Rendering`), so asking again
//! with the same arguments reads it back: one read, no parse, no format.
//!
//! Gong's answers are kept whoever asked, even when this caller may not
//! see the call (access is checked on every read, never by the cache key),
//! so asking again costs no Gong request.

use gongkit::{AnyExtensive, Chunk, TranscriptInput};

use super::answers::{text_entry, text_head, Kept, Rendering};
use super::{Content, Service, Text};
use crate::args::{self, CallArgs, CallId, DocumentArgs, TranscriptArgs, MAX_CHUNKS_PER_ANSWER};
use crate::error::{Error, Result};
use crate::reply;

impl Service {
    /// `GET /v1/calls/{id}`, MCP `get_call`: the normalized call as JSON
    /// (kept from before when it was rendered from the same answers).
    pub async fn call(&self, args: &CallArgs) -> Result<Content> {
        let id = &args.call_id;
        let options = self.options(&args.options, id);
        let shape = format!("{options:?}\0{}", args.transcript);
        let known = match self
            .rendered(id, args.fresh, Rendering::Call, &shape)
            .await?
        {
            Kept::Answer((_, body)) => {
                self.returned(id.as_str());
                return Ok(Content::Kept(body));
            }
            Kept::Missing(known) => known,
        };
        let (ext, tr) = self.answers(id, args.fresh, args.transcript, known).await?;
        let parsed = AnyExtensive::from_json(&ext.text).map_err(Error::from_gong)?;
        if let Err(e) = self.select(&parsed, id) {
            drop(parsed);
            self.settle_unseen(&e, ext, tr);
            return Err(e);
        }
        let input = tr.as_ref().map(|t| TranscriptInput::Json(&t.text));
        let call = match gongkit::normalize_call(&parsed, input, &options) {
            // Gong's answer holds no transcript of this call (yet).
            Err(gongkit::Error::TranscriptNotFound(_)) => {
                gongkit::normalize_call(&parsed, None, &options)
            }
            other => other,
        }
        .map_err(Error::from_gong)?;
        let with_transcript = call.transcript.is_some();
        let json = reply::call_json(call)?;
        drop(parsed);
        if with_transcript || !args.transcript {
            self.keep_rendered(id, &ext, Rendering::Call, &shape, ("", json.clone()))?;
        }
        self.settle(ext, tr.filter(|_| with_transcript));
        self.returned(id.as_str());
        Ok(Content::Made(json))
    }

    /// A transcript or document rendered before with these arguments
    /// (`shape`) from the same answers, when the caller may see the call
    /// (see [`Service::rendered`]).
    async fn rendered_text(
        &self,
        id: &CallId,
        fresh: bool,
        kind: Rendering,
        shape: &str,
    ) -> Result<Kept<Text>> {
        Ok(match self.rendered(id, fresh, kind, shape).await? {
            Kept::Answer((head, body)) => match text_head(&head) {
                Some(head) => {
                    self.returned(id.as_str());
                    Kept::Answer(Text::Kept(head, body))
                }
                None => Kept::Missing(None),
            },
            Kept::Missing(known) => Kept::Missing(known),
        })
    }

    /// What shapes a transcript or document answer: the options as
    /// applied and the chunking.
    fn text_shape(&self, args: &TranscriptArgs) -> String {
        let options = self.options(&args.options, &args.call_id);
        format!("{options:?}\0{:?}\0{:?}", args.max_chars, args.chunk)
    }

    /// `GET /v1/calls/{id}/transcript`, MCP `get_transcript`.
    pub async fn transcript(&self, args: &TranscriptArgs) -> Result<Text> {
        args::check_chunking(args.max_chars, args.chunk)?;
        let id = &args.call_id;
        let shape = self.text_shape(args);
        let known = match self
            .rendered_text(id, args.fresh, Rendering::Transcript, &shape)
            .await?
        {
            Kept::Answer(text) => return Ok(text),
            Kept::Missing(known) => known,
        };
        // The extensive answer is needed even without names: it says
        // whether the call is private.
        let (ext, tr) = self.answers(id, args.fresh, true, known).await?;
        let parsed = AnyExtensive::from_json(&ext.text).map_err(Error::from_gong)?;
        let call = match self.select(&parsed, id) {
            Ok(call) => call,
            Err(e) => {
                drop(parsed);
                self.settle_unseen(&e, ext, tr);
                return Err(e);
            }
        };
        let tr = tr.ok_or_else(|| Error::TranscriptNotFound(id.to_string()))?;
        let o = &args.options;
        let options = gongkit::TranscriptOptions {
            parties: if o.names { &call.parties } else { &[] },
            call_id: Some(id.as_str()),
            ..gongkit::TranscriptOptions::from(o)
        };
        let not_found = |e: gongkit::Error| match e {
            gongkit::Error::TranscriptNotFound(_) => Error::TranscriptNotFound(id.to_string()),
            other => Error::from_gong(other),
        };
        let text = match args.max_chars {
            None => Text::Whole(gongkit::format_transcript(&tr.text, &options).map_err(not_found)?),
            Some(max) => pick(
                gongkit::chunk_transcript(&tr.text, max, &options).map_err(not_found)?,
                max,
                args.chunk,
            )?,
        };
        drop(parsed);
        if let Some((head, body)) = text_entry(&text) {
            self.keep_rendered(id, &ext, Rendering::Transcript, &shape, (&head, body))?;
        }
        self.settle(ext, Some(tr));
        self.returned(id.as_str());
        Ok(text)
    }

    /// `GET /v1/calls/{id}/document`, MCP `get_call_document`.
    pub async fn document(&self, args: &DocumentArgs) -> Result<Text> {
        args::check_chunking(args.max_chars, args.chunk)?;
        let id = &args.call_id;
        let shape = self.text_shape(args);
        let known = match self
            .rendered_text(id, args.fresh, Rendering::Document, &shape)
            .await?
        {
            Kept::Answer(text) => return Ok(text),
            Kept::Missing(known) => known,
        };
        let (ext, tr) = self.answers(id, args.fresh, true, known).await?;
        let parsed = AnyExtensive::from_json(&ext.text).map_err(Error::from_gong)?;
        if let Err(e) = self.select(&parsed, id) {
            drop(parsed);
            self.settle_unseen(&e, ext, tr);
            return Err(e);
        }
        let options = self.options(&args.options, id);
        let input = tr.as_ref().map(|t| TranscriptInput::Json(&t.text));
        // The core's errors stay apart from ours until a missing transcript
        // (a document without one) is told from a broken answer.
        let attempt = |input| -> std::result::Result<Result<Text>, gongkit::Error> {
            Ok(match args.max_chars {
                None => Ok(Text::Whole(gongkit::call_document(
                    &parsed, input, &options,
                )?)),
                Some(max) => pick(
                    gongkit::chunk_call_document(&parsed, input, max, &options)?,
                    max,
                    args.chunk,
                ),
            })
        };
        let (text, with_transcript) = match attempt(input) {
            Err(gongkit::Error::TranscriptNotFound(_)) => (attempt(None), false),
            other => (other, input.is_some()),
        };
        let text = text.map_err(Error::from_gong)??;
        drop(parsed);
        // A document without its transcript is not kept: the transcript
        // may come later with the same extensive answer.
        if with_transcript {
            if let Some((head, body)) = text_entry(&text) {
                self.keep_rendered(id, &ext, Rendering::Document, &shape, (&head, body))?;
            }
        }
        self.settle(ext, tr.filter(|_| with_transcript));
        self.returned(id.as_str());
        Ok(text)
    }

    /// Gong's answers about a call this caller may not see (not theirs, or
    /// private) are kept all the same, for whoever asks next: the access
    /// rule is applied on every read, never by what is cached.
    fn settle_unseen(
        &self,
        e: &Error,
        ext: super::answers::Fetched,
        tr: Option<super::answers::Fetched>,
    ) {
        if matches!(e, Error::CallNotFound(_)) {
            self.settle(ext, tr);
        }
    }
}

/// `chunk` of `chunks`, or all of them when they are few enough.
fn pick(chunks: Vec<Chunk>, max_chars: usize, chunk: Option<usize>) -> Result<Text> {
    let count = chunks.len();
    match chunk {
        None if count > MAX_CHUNKS_PER_ANSWER => Err(Error::TooManyChunks {
            max_chars,
            count,
            limit: MAX_CHUNKS_PER_ANSWER,
        }),
        None => Ok(Text::Chunks(chunks)),
        Some(k) => chunks
            .into_iter()
            .nth(k)
            .map(Text::Chunk)
            .ok_or(Error::ChunkNotFound {
                index: k,
                count,
                max_chars,
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn chunks_are_capped_and_picked() {
        let chunk = |i| Chunk {
            index: i,
            count: 3,
            text: format!("{i}"),
            start: None,
            end: None,
        };
        assert!(
            matches!(pick(vec![chunk(0), chunk(1), chunk(2)], 200, Some(1)), Ok(Text::Chunk(c)) if c.index == 1)
        );
        assert_eq!(
            pick(vec![chunk(0)], 200, Some(5)).unwrap_err(),
            Error::ChunkNotFound {
                index: 5,
                count: 1,
                max_chars: 200
            }
        );
        let many: Vec<Chunk> = (0..MAX_CHUNKS_PER_ANSWER + 1).map(chunk).collect();
        assert_eq!(pick(many, 200, None).unwrap_err().code(), "too_many_chunks");
    }
}
