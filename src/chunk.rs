//! Cutting a transcript or a call document into pieces for models with
//! small context windows.

use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::Monologue;
use crate::options::{Format, TranscriptOptions};
use crate::transcript::{render, write_monologues, TranscriptInput};
use crate::writer::Layout;

/// How many characters a chunk may hold when cut from JSON
/// ([`chunk_transcript`], [`crate::chunk_call_document`]): the npm and
/// Python packages and the Worker take `maxChars` in this range. Below 200 a
/// chunk would hold little more than a speaker's label; above a million
/// characters, one chunk is the whole of any call.
///
/// # Examples
///
/// ```
/// assert_eq!(gongkit::MAX_CHARS, 200..=1_000_000);
/// ```
pub const MAX_CHARS: RangeInclusive<usize> = 200..=1_000_000;

/// One piece of a transcript or document.
///
/// The texts of all chunks, concatenated, give back the whole text: each
/// chunk keeps the separator (line break or space) it was cut after.
///
/// # Examples
///
/// ```
/// let chunk = gongkit::Chunk { index: 0, count: 1, text: "Speaker 1: Hi.".into(), start: Some(0), end: Some(900) };
/// assert_eq!(serde_json::to_string(&chunk).unwrap(), r#"{"index":0,"count":1,"text":"Speaker 1: Hi.","start":0,"end":900}"#);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct Chunk {
    /// Position among the chunks, from 0.
    pub index: usize,
    /// How many chunks there are.
    pub count: usize,
    /// The text.
    pub text: String,
    /// Start (ms from the start of the call) of the first sentence it holds.
    pub start: Option<i64>,
    /// End (ms) of the last sentence it holds.
    pub end: Option<i64>,
}

/// Cuts a transcript, given as JSON in any shape [`crate::AnyTranscript`] takes,
/// into chunks of at most `max_chars` characters (Unicode scalar values).
///
/// Cuts fall between lines where they can; a longer line is cut between
/// sentences, a longer sentence at a space, and only a word longer than
/// `max_chars` is cut inside.
///
/// # Examples
///
/// ```
/// use gongkit::{chunk_transcript, TranscriptOptions};
///
/// let long = "word ".repeat(30);
/// let json = format!(r#"[
///     {{"speakerId": "1", "sentences": [{{"start": 0, "end": 1000, "text": "{long}"}}]}},
///     {{"speakerId": "2", "sentences": [{{"start": 1000, "end": 2000, "text": "Hi."}}, {{"start": 2000, "end": 3000, "text": "{long}"}}]}}
/// ]"#);
/// let chunks = chunk_transcript(&json, 200, &TranscriptOptions::default())?;
/// assert_eq!(chunks.len(), 2);
/// assert!(chunks[0].text.ends_with("word\n"));
/// assert!(chunks[1].text.starts_with("Speaker 2: Hi. word"));
/// assert_eq!((chunks[1].start, chunks[1].end), (Some(1000), Some(3000)));
/// assert_eq!(
///     chunk_transcript(&json, 10, &TranscriptOptions::default()).unwrap_err().to_string(),
///     "invalid maxChars: 10: expected 200 to 1000000 characters"
/// );
/// # Ok::<(), gongkit::Error>(())
/// ```
///
/// # Errors
///
/// As [`crate::format_transcript`] (the same JSON is accepted), and [`Error::InvalidArgument`] for
/// `max_chars` outside [`MAX_CHARS`] or a format other than plain or Markdown.
pub fn chunk_transcript(
    json: &str,
    max_chars: usize,
    options: &TranscriptOptions<'_>,
) -> Result<Vec<Chunk>> {
    check_range(max_chars)?;
    check(max_chars, options.format)?;
    let (text, layout) = render(TranscriptInput::Json(json), options, true)?;
    Ok(chunk_layout(&text, &layout, max_chars))
}

/// Cuts parsed monologues into chunks, as [`chunk_transcript`] does.
///
/// # Examples
///
/// ```
/// use gongkit::{chunk_monologues, Monologue, TranscriptOptions};
///
/// let m: Vec<Monologue> = serde_json::from_str(
///     r#"[{"speakerId": "1", "sentences": [{"start": 0, "end": 5000, "text": "one two three four five"}]}]"#,
/// ).unwrap();
/// let chunks = chunk_monologues(&m, 16, &TranscriptOptions::default())?;
/// let texts: Vec<&str> = chunks.iter().map(|c| c.text.as_str()).collect();
/// assert_eq!(texts, ["Speaker 1: one ", "two three four ", "five"]);
/// # Ok::<(), gongkit::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] for `max_chars` 0 or a format other than
/// plain or Markdown.
pub fn chunk_monologues(
    monologues: &[Monologue<'_>],
    max_chars: usize,
    options: &TranscriptOptions<'_>,
) -> Result<Vec<Chunk>> {
    check(max_chars, options.format)?;
    let (text, layout) = write_monologues(monologues, options, true);
    Ok(chunk_layout(&text, &layout, max_chars))
}

/// `max_chars` within [`MAX_CHARS`], for the entry points that take JSON.
pub(crate) fn check_range(max_chars: usize) -> Result<()> {
    if MAX_CHARS.contains(&max_chars) {
        return Ok(());
    }
    Err(Error::argument(
        "maxChars",
        format!(
            "{max_chars}: expected {} to {} characters",
            MAX_CHARS.start(),
            MAX_CHARS.end()
        ),
    ))
}

pub(crate) fn check(max_chars: usize, format: Format) -> Result<()> {
    if max_chars == 0 {
        return Err(Error::argument("maxChars", "must be at least 1"));
    }
    if !matches!(format, Format::Plain | Format::Markdown) {
        return Err(Error::argument(
            "format",
            format!("{format}: chunks are cut from plain or markdown text"),
        ));
    }
    Ok(())
}

/// Cuts `text` at the best boundary within each window of `max_chars`
/// characters: a line break, else a sentence, else a space, else anywhere.
pub(crate) fn chunk_layout(text: &str, layout: &Layout, max_chars: usize) -> Vec<Chunk> {
    let sentence_starts: Vec<usize> = layout
        .sentences
        .iter()
        .filter(|s| !s.first_in_line)
        .map(|s| s.from)
        .collect();
    let mut chunks = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        let limit = text[pos..]
            .char_indices()
            .nth(max_chars)
            .map_or(text.len(), |(i, _)| pos + i);
        let cut = if limit == text.len() {
            limit
        } else {
            last_within(&layout.lines, pos, limit)
                .or_else(|| last_within(&sentence_starts, pos, limit))
                .or_else(|| text[pos..limit].rfind(' ').map(|i| pos + i + 1))
                .unwrap_or(limit)
        };
        // Sentences are in output order and do not overlap: find those that
        // share bytes with this chunk.
        let first = layout.sentences.partition_point(|s| s.to <= pos);
        let held = layout.sentences[first..]
            .iter()
            .take_while(|s| s.from < cut);
        let start = held.clone().find_map(|s| s.start);
        let end = held.filter_map(|s| s.end).last();
        chunks.push(Chunk {
            index: chunks.len(),
            count: 0,
            text: text[pos..cut].to_owned(),
            start,
            end,
        });
        pos = cut;
    }
    let count = chunks.len();
    for c in &mut chunks {
        c.count = count;
    }
    chunks
}

/// The largest boundary `b` with `pos < b <= limit` in a sorted list.
fn last_within(boundaries: &[usize], pos: usize, limit: usize) -> Option<usize> {
    let i = boundaries.partition_point(|&b| b <= limit);
    boundaries[..i].last().copied().filter(|&b| b > pos)
}
