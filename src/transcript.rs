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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
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

/// Read through [`FromStr`], so an options object with a bad format says
/// the same as the Rust API does.
impl<'de> Deserialize<'de> for Format {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = crate::model::Text::deserialize(deserializer)?;
        name.parse().map_err(de::Error::custom)
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
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
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
    Ok(render(TranscriptInput::Json(json), options, false)?.0)
}

/// A transcript to format: already parsed, or JSON text. JSON text is
/// formatted straight from the input, without building the monologues,
/// which is about twice as fast for big transcripts.
///
/// # Examples
///
/// ```
/// use gongkit::{normalize_call, AnyExtensive, CallOptions, TranscriptInput};
///
/// let extensive = AnyExtensive::from_json(r#"{"metaData": {"id": "1"}}"#)?;
/// let transcript = TranscriptInput::Json(r#"[{"speakerId": "2", "sentences": [{"text": "Hi."}]}]"#);
/// let call = normalize_call(&extensive, Some(transcript), &CallOptions::default())?;
/// assert_eq!(call.transcript.as_deref(), Some("Speaker 2: Hi."));
/// # Ok::<(), gongkit::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub enum TranscriptInput<'t, 'a> {
    /// A parsed transcript.
    Parsed(&'t AnyTranscript<'a>),
    /// JSON text in any shape [`AnyTranscript`] takes.
    Json(&'t str),
}

impl<'t, 'a> From<&'t AnyTranscript<'a>> for TranscriptInput<'t, 'a> {
    fn from(t: &'t AnyTranscript<'a>) -> Self {
        TranscriptInput::Parsed(t)
    }
}

impl<'t> From<&'t str> for TranscriptInput<'t, 'static> {
    fn from(json: &'t str) -> Self {
        TranscriptInput::Json(json)
    }
}

/// Formats a transcript input, with the layout of its lines when asked.
pub(crate) fn render(
    input: TranscriptInput<'_, '_>,
    options: &TranscriptOptions<'_>,
    layout: bool,
) -> Result<(String, Layout)> {
    match input {
        TranscriptInput::Parsed(t) => Ok(write_monologues(
            t.monologues(options.call_id)?,
            options,
            layout,
        )),
        TranscriptInput::Json(json) => match crate::fast::render(json, options, layout) {
            Ok(result) => result,
            // The fast reader is only a fast path: whatever it is unsure of
            // is read again by the typed parser, which either reads it (and
            // formats it the same way) or says exactly what is wrong.
            Err(crate::fast::Unsure) => {
                let t: AnyTranscript = from_json(json)?;
                render(TranscriptInput::Parsed(&t), options, layout)
            }
        },
    }
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
    write_monologues(monologues, options, false).0
}

/// Parsed monologues through the writer, with their layout when asked.
pub(crate) fn write_monologues(
    monologues: &[Monologue<'_>],
    options: &TranscriptOptions<'_>,
    layout: bool,
) -> (String, Layout) {
    let size: usize = monologues
        .iter()
        .flat_map(|m| &m.sentences)
        .map(|s| s.text.as_ref().map_or(0, |t| t.len() + 1))
        .sum();
    let mut w = Writer::new(options, layout, size);
    for m in monologues {
        w.monologue(m.speaker_id.as_deref(), m.topic.as_deref(), &m.sentences);
    }
    w.finish()
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

/// The formatter: takes monologues one at a time (from parsed structs or
/// straight from the JSON reader) and writes each turn when it closes.
///
/// A turn is a monologue with text, or with `merge` a run of them by the
/// same speaker on the same topic; monologues without text are skipped
/// before merging.
pub(crate) struct Writer<'o, 'p> {
    options: &'o TranscriptOptions<'p>,
    out: String,
    layout: Option<Layout>,
    turns: usize,
    cue: Cue,
    /// The open turn: its speaker and topic (copied, since the monologue
    /// they came from may be gone), text and sentence spans within it.
    open: bool,
    speaker: Option<String>,
    topic: Option<String>,
    text: String,
    spans: Vec<SentenceSpan>,
    start: Option<i64>,
    end: Option<i64>,
    scratch: String,
}

impl<'o, 'p> Writer<'o, 'p> {
    pub(crate) fn new(options: &'o TranscriptOptions<'p>, layout: bool, size_hint: usize) -> Self {
        let mut out = String::with_capacity(size_hint + size_hint / 8);
        match options.format {
            Format::WebVtt => out.push_str("WEBVTT\n"),
            Format::Json => out.push('['),
            _ => {}
        }
        Writer {
            options,
            out,
            layout: layout.then(Layout::default),
            turns: 0,
            cue: Cue::default(),
            open: false,
            speaker: None,
            topic: None,
            text: String::new(),
            spans: Vec::new(),
            start: None,
            end: None,
            scratch: String::new(),
        }
    }

    pub(crate) fn monologue(
        &mut self,
        speaker_id: Option<&str>,
        topic: Option<&str>,
        sentences: &[Sentence<'_>],
    ) {
        let mut kept = sentences.iter().filter(|s| has_text(s)).peekable();
        if kept.peek().is_none() {
            return;
        }
        self.scratch.clear();
        if let Some(t) = topic {
            push_normalized(&mut self.scratch, t);
        }
        let has_topic = !self.scratch.is_empty();
        let same_turn = self.open
            && self.options.merge
            && self.speaker.as_deref() == speaker_id
            && self.topic.as_deref() == has_topic.then_some(self.scratch.as_str());
        if !same_turn {
            // Closing a WebVTT turn uses the scratch buffer: keep the topic.
            let topic = std::mem::take(&mut self.scratch);
            self.close();
            self.open = true;
            set(&mut self.speaker, speaker_id);
            set(&mut self.topic, has_topic.then_some(topic.as_str()));
            self.scratch = topic;
        }
        for s in kept {
            if !self.text.is_empty() {
                self.text.push(' ');
            }
            let from = self.text.len();
            push_normalized(&mut self.text, s.text.as_deref().unwrap_or_default());
            self.start = self.start.or(s.start);
            self.end = s.end.or(self.end);
            if self.layout.is_some() {
                self.spans.push(SentenceSpan {
                    from,
                    to: self.text.len(),
                    first_in_line: from == 0,
                    start: s.start,
                    end: s.end,
                });
            }
        }
    }

    /// Writes the open turn, if any.
    fn close(&mut self) {
        if !self.open {
            return;
        }
        self.open = false;
        let options = self.options;
        let label = Label::new(self.speaker.as_deref(), options.parties);
        let out = &mut self.out;
        match options.format {
            Format::Plain | Format::Markdown => {
                let markdown = options.format == Format::Markdown;
                if self.turns > 0 {
                    out.push_str(if markdown { "\n\n" } else { "\n" });
                    if let Some(layout) = &mut self.layout {
                        layout.lines.push(out.len());
                    }
                }
                if let (true, Some(start)) = (options.timestamps, self.start) {
                    out.push('[');
                    push_clock(out, start);
                    out.push_str("] ");
                }
                if markdown {
                    out.push_str("**");
                    label.push(out);
                    out.push_str("**");
                } else {
                    label.push(out);
                }
                if let Some(topic) = &self.topic {
                    out.push_str(" (");
                    out.push_str(topic);
                    out.push(')');
                }
                out.push_str(": ");
                if let Some(layout) = &mut self.layout {
                    let offset = out.len();
                    layout.sentences.extend(self.spans.drain(..).map(|mut s| {
                        s.from += offset;
                        s.to += offset;
                        s
                    }));
                }
                out.push_str(&self.text);
            }
            Format::WebVtt => {
                self.cue.advance(self.start, self.end);
                out.push('\n');
                self.cue.push_times(out, '.');
                out.push_str("<v ");
                self.scratch.clear();
                label.push(&mut self.scratch);
                push_escaped(out, &self.scratch);
                out.push('>');
                push_escaped(out, &self.text);
                out.push('\n');
            }
            Format::Srt => {
                self.cue.advance(self.start, self.end);
                if self.turns > 0 {
                    out.push('\n');
                }
                out.push_str(itoa(self.turns as u64 + 1).as_str());
                out.push('\n');
                self.cue.push_times(out, ',');
                label.push(out);
                out.push_str(": ");
                out.push_str(&self.text);
                out.push('\n');
            }
            Format::Json => {
                if self.turns > 0 {
                    out.push(',');
                }
                let turn = JsonTurn {
                    speaker: &label.text(),
                    speaker_id: self.speaker.as_deref(),
                    topic: self.topic.as_deref(),
                    start: self.start,
                    end: self.end,
                    text: &self.text,
                };
                // Serializing strings and numbers cannot fail.
                if let Ok(json) = serde_json::to_string(&turn) {
                    out.push_str(&json);
                }
            }
        }
        self.turns += 1;
        self.text.clear();
        self.spans.clear();
        self.start = None;
        self.end = None;
    }

    pub(crate) fn finish(mut self) -> (String, Layout) {
        self.close();
        if self.options.format == Format::Json {
            self.out.push(']');
        }
        (self.out, self.layout.unwrap_or_default())
    }
}

fn set(slot: &mut Option<String>, value: Option<&str>) {
    match (slot.as_mut(), value) {
        (Some(s), Some(v)) => {
            s.clear();
            s.push_str(v);
        }
        (None, Some(v)) => *slot = Some(v.to_owned()),
        (_, None) => *slot = None,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonTurn<'a> {
    speaker: &'a str,
    speaker_id: Option<&'a str>,
    topic: Option<&'a str>,
    start: Option<i64>,
    end: Option<i64>,
    text: &'a str,
}

fn has_text(s: &Sentence<'_>) -> bool {
    s.text.as_deref().is_some_and(|t| !t.trim().is_empty())
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

/// Times of caption cues: never negative, and each ends at least 1 ms after
/// it starts (WebVTT requires the end to be greater than the start), whatever
/// times Gong sent; a turn without times starts where the previous cue ended.
#[derive(Default)]
struct Cue {
    start: i64,
    end: i64,
}

impl Cue {
    fn advance(&mut self, start: Option<i64>, end: Option<i64>) {
        // Clamped so that start + 1 cannot overflow.
        let start = start.unwrap_or(self.end).clamp(0, i64::MAX - 1);
        let end = end.unwrap_or(start).max(start + 1);
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
/// other whitespace. Most sentences pass and are copied whole. The loop has
/// no branch per byte, so the compiler turns it into vector code (this check
/// was a third of the formatting time as a byte-by-byte `match`).
fn is_normalized(bytes: &[u8]) -> bool {
    // Tab to carriage return, and the lead bytes of the only multi-byte
    // sequences that can be Unicode whitespace (U+0085, U+00A0, U+1680,
    // U+2000..U+205F, U+3000): text with them takes the careful path.
    #[inline(always)]
    fn special(b: u8) -> u8 {
        u8::from(b.wrapping_sub(9) < 5) | u8::from(b == 0xC2) | u8::from(b.wrapping_sub(0xE1) < 3)
    }
    let n = bytes.len();
    if n == 0 {
        return true;
    }
    if bytes[0] == b' ' || bytes[n - 1] == b' ' || special(bytes[n - 1]) != 0 {
        return false;
    }
    let (this, next) = (&bytes[..n - 1], &bytes[1..]);
    for (x, y) in this.chunks(64).zip(next.chunks(64)) {
        let mut bad = 0u8;
        for (&a, &b) in x.iter().zip(y) {
            bad |= special(a) | (u8::from(a == b' ') & u8::from(b == b' '));
        }
        if bad != 0 {
            return false;
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
