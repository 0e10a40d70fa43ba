//! Transcript formatting: plain text as the reference prints it, Markdown,
//! WebVTT, SRT and JSON.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::model::{from_json, CallTranscript, Id, Monologue, Party, Sentence, TranscriptResponse};
use crate::{Error, Result};

/// The output format of a transcript.
///
/// # Examples
///
/// ```
/// use gongkit::Format;
///
/// assert_eq!("webvtt".parse::<Format>()?, Format::WebVtt);
/// assert_eq!(Format::Srt.to_string(), "srt");
/// assert!("docx".parse::<Format>().is_err());
/// # Ok::<(), gongkit::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// `Name (topic): text`, one line per turn.
    #[default]
    Plain,
    /// `**Name** (topic): text`, a blank line between turns.
    Markdown,
    /// WebVTT captions with `<v Name>` voice spans.
    #[serde(rename = "webvtt")]
    WebVtt,
    /// SubRip captions.
    Srt,
    /// A compact JSON array of turns.
    Json,
}

impl Format {
    /// The format's name as options spell it.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(gongkit::Format::WebVtt.as_str(), "webvtt");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Plain => "plain",
            Format::Markdown => "markdown",
            Format::WebVtt => "webvtt",
            Format::Srt => "srt",
            Format::Json => "json",
        }
    }

    /// The HTTP content type of this format's output.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(gongkit::Format::Srt.content_type(), "application/x-subrip; charset=utf-8");
    /// ```
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Plain => "text/plain; charset=utf-8",
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::WebVtt => "text/vtt; charset=utf-8",
            Format::Srt => "application/x-subrip; charset=utf-8",
            Format::Json => "application/json",
        }
    }
}

impl FromStr for Format {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "plain" | "text" => Format::Plain,
            "markdown" | "md" => Format::Markdown,
            "webvtt" | "vtt" => Format::WebVtt,
            "srt" => Format::Srt,
            "json" => Format::Json,
            _ => {
                return Err(Error::argument(
                    "format",
                    format!("{s:?}: expected plain, markdown, webvtt, srt or json"),
                ))
            }
        })
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How to format a transcript.
///
/// # Examples
///
/// ```
/// use gongkit::{Format, TranscriptOptions};
///
/// let options = TranscriptOptions { format: Format::Markdown, timestamps: true, ..Default::default() };
/// assert!(!options.merge);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct TranscriptOptions<'a> {
    /// The output format.
    pub format: Format,
    /// Start each line with the time of its first sentence (`[mm:ss]`, or
    /// `[h:mm:ss]` from one hour on). Plain and Markdown only.
    pub timestamps: bool,
    /// Join consecutive monologues of the same speaker on the same topic.
    pub merge: bool,
    /// The call's participants: speakers are named after the party with the
    /// same `speakerId` (its name, else its email).
    pub parties: &'a [Party<'a>],
    /// For a response with several calls, the call to format (else the
    /// first).
    pub call_id: Option<&'a str>,
}

/// A transcript in any of the shapes people hand around: the whole
/// `/v2/calls/transcript` response, one of its `callTranscripts`, or a bare
/// array of monologues.
///
/// # Examples
///
/// ```
/// use gongkit::AnyTranscript;
///
/// let bare: AnyTranscript = gongkit::from_json(r#"[{"speakerId": "1", "sentences": [{"text": "Hi"}]}]"#)?;
/// assert_eq!(bare.monologues(None)?.len(), 1);
///
/// let response: AnyTranscript = gongkit::from_json(
///     r#"{"callTranscripts": [{"callId": "1", "transcript": []}, {"callId": "2", "transcript": [{}]}]}"#,
/// )?;
/// assert_eq!(response.monologues(Some("2"))?.len(), 1);
/// assert!(response.monologues(Some("3")).is_err());
/// # Ok::<(), gongkit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AnyTranscript<'a> {
    /// The whole response.
    Response(TranscriptResponse<'a>),
    /// One call's transcript.
    Call(CallTranscript<'a>),
    /// The monologues alone.
    Monologues(Vec<Monologue<'a>>),
}

impl<'a> AnyTranscript<'a> {
    /// The call's id, when the shape carries one (for a response: of the
    /// call `call_id` selects).
    ///
    /// # Examples
    ///
    /// ```
    /// let t: gongkit::AnyTranscript = gongkit::from_json(r#"{"callId": "9", "transcript": []}"#)?;
    /// assert_eq!(t.call_id(None)?, Some("9"));
    /// # Ok::<(), gongkit::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`AnyTranscript::monologues`].
    pub fn call_id(&self, call_id: Option<&str>) -> Result<Option<&str>> {
        Ok(match self {
            AnyTranscript::Response(r) => select_call_transcript(r, call_id)?.call_id.as_deref(),
            AnyTranscript::Call(c) => c.call_id.as_deref(),
            AnyTranscript::Monologues(_) => None,
        })
    }

    /// The monologues of the call asked for (or of the first call).
    ///
    /// # Examples
    ///
    /// ```
    /// let t: gongkit::AnyTranscript = gongkit::from_json(r#"{"callTranscripts": []}"#)?;
    /// assert_eq!(t.monologues(None).unwrap_err().to_string(), "transcript not found");
    /// # Ok::<(), gongkit::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::TranscriptNotFound`] for a response with no transcripts or
    /// without the call asked for; [`Error::TranscriptMismatch`] for a single
    /// call transcript of another call.
    pub fn monologues(&self, call_id: Option<&str>) -> Result<&[Monologue<'a>]> {
        match self {
            AnyTranscript::Response(r) => Ok(&select_call_transcript(r, call_id)?.transcript),
            AnyTranscript::Call(c) => {
                if let (Some(want), Some(have)) = (call_id, c.call_id.as_deref()) {
                    if want != have {
                        return Err(Error::TranscriptMismatch {
                            call: want.to_owned(),
                            transcript: have.to_owned(),
                        });
                    }
                }
                Ok(&c.transcript)
            }
            AnyTranscript::Monologues(m) => Ok(m),
        }
    }
}

/// The transcript of the call asked for, else the first.
///
/// # Examples
///
/// ```
/// let r = gongkit::TranscriptResponse::from_json(r#"{"callTranscripts": [{"callId": "1"}, {"callId": "2"}]}"#)?;
/// assert_eq!(gongkit::select_call_transcript(&r, None)?.call_id.as_deref(), Some("1"));
/// assert_eq!(gongkit::select_call_transcript(&r, Some("2"))?.call_id.as_deref(), Some("2"));
/// # Ok::<(), gongkit::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::TranscriptNotFound`] when there is none, or not the one asked for.
pub fn select_call_transcript<'r, 'a>(
    response: &'r TranscriptResponse<'a>,
    call_id: Option<&str>,
) -> Result<&'r CallTranscript<'a>> {
    let found = match call_id {
        Some(id) => response
            .call_transcripts
            .iter()
            .find(|t| t.call_id.as_deref() == Some(id)),
        None => response.call_transcripts.first(),
    };
    found.ok_or_else(|| Error::TranscriptNotFound(call_id.map(str::to_owned)))
}

impl<'de: 'a, 'a> Deserialize<'de> for AnyTranscript<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(AnyTranscriptVisitor)
    }
}

struct AnyTranscriptVisitor;

impl<'de> Visitor<'de> for AnyTranscriptVisitor {
    type Value = AnyTranscript<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a transcript response, a call transcript or an array of monologues")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut monologues = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(m) = seq.next_element()? {
            monologues.push(m);
        }
        Ok(AnyTranscript::Monologues(monologues))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        // One pass over the keys decides the shape, so error paths stay exact
        // (an untagged enum would buffer the input and lose them).
        let mut response = TranscriptResponse::default();
        let mut call = CallTranscript::default();
        let (mut is_response, mut is_call) = (false, false);
        while let Some(key) = map.next_key::<crate::model::Text<'de>>()? {
            match key.as_str() {
                "callTranscripts" => {
                    is_response = true;
                    response.call_transcripts =
                        map.next_value::<Option<Vec<_>>>()?.unwrap_or_default();
                }
                "requestId" => response.request_id = map.next_value()?,
                "records" => response.records = map.next_value()?,
                "callId" => {
                    is_call = true;
                    call.call_id = map.next_value::<Option<Id<'de>>>()?;
                }
                "transcript" => {
                    is_call = true;
                    call.transcript = map.next_value::<Option<Vec<_>>>()?.unwrap_or_default();
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        match (is_response, is_call) {
            (true, _) => Ok(AnyTranscript::Response(response)),
            (false, true) => Ok(AnyTranscript::Call(call)),
            (false, false) => Err(de::Error::custom(
                "expected a transcript response (with `callTranscripts`), a call transcript (with `transcript`) or an array of monologues",
            )),
        }
    }
}

/// Formats a transcript given as JSON in any of the shapes of
/// [`AnyTranscript`].
///
/// # Examples
///
/// ```
/// use gongkit::{format_transcript, TranscriptOptions};
///
/// let json = r#"{"callTranscripts": [{"callId": "1", "transcript": [
///     {"speakerId": "7", "topic": "Introduction", "sentences": [
///         {"start": 0, "end": 1500, "text": "Hi, thanks for joining."},
///         {"start": 1500, "end": 3000, "text": " Let's talk about your use case. "}]},
///     {"speakerId": "8", "topic": "", "sentences": [{"start": 3100, "end": 4000, "text": "Sure."}]}
/// ]}]}"#;
/// assert_eq!(
///     format_transcript(json, &TranscriptOptions::default())?,
///     "Speaker 7 (Introduction): Hi, thanks for joining. Let's talk about your use case.\nSpeaker 8: Sure."
/// );
/// # Ok::<(), gongkit::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Json`] (with the JSON path) for malformed input, and the errors
/// of [`AnyTranscript::monologues`].
pub fn format_transcript(json: &str, options: &TranscriptOptions<'_>) -> Result<String> {
    let transcript: AnyTranscript = from_json(json)?;
    Ok(format_monologues(
        transcript.monologues(options.call_id)?,
        options,
    ))
}

/// Formats monologues that are already parsed.
///
/// Sentence texts are trimmed with inner whitespace runs (line breaks
/// included) made one space, empty ones skipped, the rest joined by a space;
/// a monologue with no text left is skipped. Labels are `Speaker {id}` (or
/// `Unknown speaker` without an id), or the matching party's name, followed
/// by ` ({topic})` when there is a topic. Plain output has no trailing
/// newline; WebVTT and SRT end with one.
///
/// # Examples
///
/// ```
/// use gongkit::{format_monologues, Format, Monologue, Party, TranscriptOptions};
///
/// let monologues: Vec<Monologue> = serde_json::from_str(r#"[
///     {"speakerId": "7", "topic": "Pricing", "sentences": [{"start": 65000, "end": 66000, "text": "It's $10."}]},
///     {"speakerId": "7", "topic": "Pricing", "sentences": [{"start": 67000, "end": 69500, "text": "Per seat."}]},
///     {"speakerId": null, "sentences": [{"start": 3700000, "end": 3701000, "text": "Bye <3"}]}
/// ]"#).unwrap();
/// let parties: Vec<Party> = serde_json::from_str(r#"[{"speakerId": "7", "name": "Jane Doe"}]"#).unwrap();
///
/// let plain = TranscriptOptions { timestamps: true, merge: true, parties: &parties, ..Default::default() };
/// assert_eq!(
///     format_monologues(&monologues, &plain),
///     "[01:05] Jane Doe (Pricing): It's $10. Per seat.\n[1:01:40] Unknown speaker: Bye <3"
/// );
///
/// let vtt = TranscriptOptions { format: Format::WebVtt, parties: &parties, ..Default::default() };
/// assert_eq!(
///     format_monologues(&monologues, &vtt),
///     "WEBVTT\n\n00:01:05.000 --> 00:01:06.000\n<v Jane Doe>It's $10.\n\n\
///      00:01:07.000 --> 00:01:09.500\n<v Jane Doe>Per seat.\n\n\
///      01:01:40.000 --> 01:01:41.000\n<v Unknown speaker>Bye &lt;3\n"
/// );
/// ```
pub fn format_monologues(monologues: &[Monologue<'_>], options: &TranscriptOptions<'_>) -> String {
    let mut out = String::with_capacity(estimate_len(monologues));
    match options.format {
        Format::Plain | Format::Markdown => write_lines(monologues, options, &mut out, None),
        Format::WebVtt | Format::Srt => write_cues(monologues, options, &mut out),
        Format::Json => write_json(monologues, options, &mut out),
    }
    out
}

/// Where the sentences and line breaks of plain or Markdown output are, for
/// cutting it into chunks.
#[derive(Debug, Default)]
pub(crate) struct Layout {
    /// Byte offsets just after each line separator.
    pub(crate) lines: Vec<usize>,
    /// Each sentence's text, in output order.
    pub(crate) sentences: Vec<SentenceSpan>,
}

/// One sentence in the output: its bytes and its times.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SentenceSpan {
    pub(crate) from: usize,
    pub(crate) to: usize,
    pub(crate) first_in_line: bool,
    pub(crate) start: Option<i64>,
    pub(crate) end: Option<i64>,
}

/// Plain or Markdown lines, appended to `out`; with `layout`, records where
/// each line and sentence is.
pub(crate) fn write_lines(
    monologues: &[Monologue<'_>],
    options: &TranscriptOptions<'_>,
    out: &mut String,
    mut layout: Option<&mut Layout>,
) {
    let markdown = options.format == Format::Markdown;
    for (n, turn) in turns(monologues, options.merge).enumerate() {
        if n > 0 {
            out.push_str(if markdown { "\n\n" } else { "\n" });
            if let Some(layout) = layout.as_deref_mut() {
                layout.lines.push(out.len());
            }
        }
        if options.timestamps {
            if let Some(start) = turn.start() {
                out.push('[');
                push_clock(out, start);
                out.push_str("] ");
            }
        }
        let label = Label::new(turn.speaker_id, options.parties);
        if markdown {
            out.push_str("**");
            label.push(out);
            out.push_str("**");
        } else {
            label.push(out);
        }
        if let Some(topic) = turn.topic {
            out.push_str(" (");
            push_normalized(out, topic);
            out.push(')');
        }
        out.push_str(": ");
        for (i, s) in turn.sentences().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            let from = out.len();
            push_normalized(out, s.text.as_deref().unwrap_or_default());
            if let Some(layout) = layout.as_deref_mut() {
                layout.sentences.push(SentenceSpan {
                    from,
                    to: out.len(),
                    first_in_line: i == 0,
                    start: s.start,
                    end: s.end,
                });
            }
        }
    }
}

fn write_cues(monologues: &[Monologue<'_>], options: &TranscriptOptions<'_>, out: &mut String) {
    let vtt = options.format == Format::WebVtt;
    if vtt {
        out.push_str("WEBVTT\n");
    }
    let mut cue = Cue::default();
    let mut text = String::new();
    for (n, turn) in turns(monologues, options.merge).enumerate() {
        text.clear();
        turn.push_text(&mut text);
        let label = Label::new(turn.speaker_id, options.parties);
        cue.advance(&turn);
        if vtt {
            out.push('\n');
            cue.push_times(out, '.');
            out.push_str("<v ");
            push_escaped(out, &label.text());
            out.push('>');
            push_escaped(out, &text);
        } else {
            if n > 0 {
                out.push('\n');
            }
            out.push_str(itoa(n as u64 + 1).as_str());
            out.push('\n');
            cue.push_times(out, ',');
            label.push(out);
            out.push_str(": ");
            out.push_str(&text);
        }
        out.push('\n');
    }
}

fn write_json(monologues: &[Monologue<'_>], options: &TranscriptOptions<'_>, out: &mut String) {
    let json: Vec<JsonTurn> = turns(monologues, options.merge)
        .map(|turn| {
            let mut text = String::new();
            turn.push_text(&mut text);
            JsonTurn {
                speaker: Label::new(turn.speaker_id, options.parties).text(),
                speaker_id: turn.speaker_id,
                topic: turn.topic.map(normalized),
                start: turn.start(),
                end: turn.end(),
                text,
            }
        })
        .collect();
    // Serializing strings and numbers into a String cannot fail.
    if let Ok(s) = serde_json::to_string(&json) {
        out.push_str(&s);
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonTurn<'a> {
    speaker: String,
    speaker_id: Option<&'a str>,
    topic: Option<String>,
    start: Option<i64>,
    end: Option<i64>,
    text: String,
}

fn estimate_len(monologues: &[Monologue<'_>]) -> usize {
    monologues
        .iter()
        .map(|m| {
            24 + m
                .sentences
                .iter()
                .map(|s| s.text.as_ref().map_or(0, |t| t.len() + 1))
                .sum::<usize>()
        })
        .sum()
}

/// One line of output: a monologue, or several merged ones, that have text.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Turn<'m, 'a> {
    pub(crate) speaker_id: Option<&'m str>,
    pub(crate) topic: Option<&'m str>,
    monologues: &'m [Monologue<'a>],
    first: usize,
    last: usize,
}

impl<'m, 'a> Turn<'m, 'a> {
    /// The sentences that have text, in order.
    pub(crate) fn sentences(&self) -> impl DoubleEndedIterator<Item = &'m Sentence<'a>> + '_ {
        self.monologues[self.first..=self.last]
            .iter()
            .flat_map(|m| &m.sentences)
            .filter(|s| has_text(s))
    }

    pub(crate) fn start(&self) -> Option<i64> {
        self.sentences().find_map(|s| s.start)
    }

    pub(crate) fn end(&self) -> Option<i64> {
        self.sentences().rev().find_map(|s| s.end)
    }

    fn push_text(&self, out: &mut String) {
        for s in self.sentences() {
            if !out.is_empty() {
                out.push(' ');
            }
            push_normalized(out, s.text.as_deref().unwrap_or_default());
        }
    }
}

fn has_text(s: &Sentence<'_>) -> bool {
    s.text.as_deref().is_some_and(|t| !t.trim().is_empty())
}

fn topic_of<'m>(m: &'m Monologue<'_>) -> Option<&'m str> {
    m.topic.as_deref().filter(|t| !t.trim().is_empty())
}

/// The turns of a transcript: monologues without text dropped, then (with
/// `merge`) runs of the same speaker on the same topic joined.
pub(crate) fn turns<'m, 'a>(
    monologues: &'m [Monologue<'a>],
    merge: bool,
) -> impl Iterator<Item = Turn<'m, 'a>> + 'm {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < monologues.len() && !monologues[i].sentences.iter().any(has_text) {
            i += 1;
        }
        let first = i;
        let m = monologues.get(first)?;
        let speaker_id = m.speaker_id.as_deref();
        let topic = topic_of(m);
        let mut last = first;
        i += 1;
        if merge {
            while let Some(next) = monologues.get(i) {
                if !next.sentences.iter().any(has_text) {
                    i += 1;
                    continue;
                }
                if next.speaker_id.as_deref() != speaker_id
                    || topic_of(next).map(str::trim) != topic.map(str::trim)
                {
                    break;
                }
                last = i;
                i += 1;
            }
        }
        Some(Turn {
            speaker_id,
            topic,
            monologues,
            first,
            last,
        })
    })
}

/// Who speaks: a party's name (or email), `Speaker {id}`, or nobody known.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Label<'x> {
    Name(&'x str),
    Speaker(&'x str),
    Unknown,
}

impl<'x> Label<'x> {
    pub(crate) fn new(speaker_id: Option<&'x str>, parties: &'x [Party<'_>]) -> Self {
        let Some(id) = speaker_id else {
            return Label::Unknown;
        };
        let named = parties
            .iter()
            .find(|p| p.speaker_id.as_deref() == Some(id))
            .and_then(|p| {
                [p.name.as_deref(), p.email_address.as_deref()]
                    .into_iter()
                    .flatten()
                    .find(|s| !s.trim().is_empty())
            });
        named.map_or(Label::Speaker(id), Label::Name)
    }

    pub(crate) fn push(&self, out: &mut String) {
        match self {
            Label::Name(name) => push_normalized(out, name),
            Label::Speaker(id) => {
                out.push_str("Speaker ");
                out.push_str(id);
            }
            Label::Unknown => out.push_str("Unknown speaker"),
        }
    }

    pub(crate) fn text(self) -> String {
        let mut s = String::new();
        self.push(&mut s);
        s
    }
}

/// Times of caption cues: never negative, never ending before they start;
/// a turn without times starts where the previous cue ended.
#[derive(Default)]
struct Cue {
    start: i64,
    end: i64,
}

impl Cue {
    fn advance(&mut self, turn: &Turn<'_, '_>) {
        let start = turn.start().unwrap_or(self.end).max(0);
        let end = turn.end().unwrap_or(start).max(start);
        *self = Cue { start, end };
    }

    fn push_times(&self, out: &mut String, decimal: char) {
        push_caption_time(out, self.start, decimal);
        out.push_str(" --> ");
        push_caption_time(out, self.end, decimal);
        out.push('\n');
    }
}

/// Appends `text` trimmed, with every inner run of whitespace made one space.
pub(crate) fn push_normalized(out: &mut String, text: &str) {
    if is_normalized(text.as_bytes()) {
        out.push_str(text);
        return;
    }
    let mut first = true;
    for word in text.split_whitespace() {
        if !first {
            out.push(' ');
        }
        out.push_str(word);
        first = false;
    }
}

/// Whether text needs no change: no leading, trailing or doubled spaces, no
/// other whitespace. One pass over the bytes; most sentences pass, so they
/// are copied whole.
fn is_normalized(bytes: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return true;
    };
    if first == b' ' || last == b' ' {
        return false;
    }
    let mut previous_space = false;
    for &b in bytes {
        match b {
            b' ' if previous_space => return false,
            b' ' => previous_space = true,
            b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r' => return false,
            // Lead bytes of the only multi-byte sequences that can be
            // Unicode whitespace (U+0085, U+00A0, U+1680, U+2000..U+205F,
            // U+3000): text with them takes the careful path.
            0xC2 | 0xE1 | 0xE2 | 0xE3 => return false,
            _ => previous_space = false,
        }
    }
    true
}

pub(crate) fn normalized(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    push_normalized(&mut s, text);
    s
}

fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

/// `mm:ss` below one hour, `h:mm:ss` from one hour on.
pub(crate) fn push_clock(out: &mut String, ms: i64) {
    let secs = ms.max(0) / 1000;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        out.push_str(itoa(h as u64).as_str());
        out.push(':');
    }
    push2(out, m as u64);
    out.push(':');
    push2(out, s as u64);
}

fn push_caption_time(out: &mut String, ms: i64, decimal: char) {
    let ms = ms.max(0) as u64;
    let secs = ms / 1000;
    push2(out, secs / 3600);
    out.push(':');
    push2(out, secs / 60 % 60);
    out.push(':');
    push2(out, secs % 60);
    out.push(decimal);
    let frac = ms % 1000;
    out.push(char::from(b'0' + (frac / 100) as u8));
    out.push(char::from(b'0' + (frac / 10 % 10) as u8));
    out.push(char::from(b'0' + (frac % 10) as u8));
}

fn push2(out: &mut String, n: u64) {
    if n < 10 {
        out.push('0');
    }
    out.push_str(itoa(n).as_str());
}

/// A small stack buffer for decimal numbers, to keep `format!` out of the
/// hot loop.
struct Digits {
    buf: [u8; 20],
    start: usize,
}

impl Digits {
    fn as_str(&self) -> &str {
        // Only ASCII digits are written.
        std::str::from_utf8(&self.buf[self.start..]).unwrap_or_default()
    }
}

fn itoa(mut n: u64) -> Digits {
    let mut d = Digits {
        buf: [0; 20],
        start: 20,
    };
    loop {
        d.start -= 1;
        d.buf[d.start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break d;
        }
    }
}
