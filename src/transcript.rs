//! Transcripts: the shapes they come in ([`AnyTranscript`]), and formatting
//! them as plain text (as the reference prints it), Markdown, WebVTT, SRT or
//! JSON, from parsed monologues or straight from JSON text.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::model::{from_json, CallTranscript, Id, Monologue, TranscriptResponse};
use crate::options::{Format, TranscriptOptions};
use crate::shape::{self, Key, Kind, Shape};
use crate::writer::{Layout, Writer};

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
    /// [`Error::TranscriptNotFound`](crate::Error::TranscriptNotFound) for a response with no transcripts or
    /// without the call asked for; [`Error::TranscriptMismatch`](crate::Error::TranscriptMismatch) for a single
    /// call transcript of another call.
    pub fn monologues(&self, call_id: Option<&str>) -> Result<&[Monologue<'a>]> {
        match self {
            AnyTranscript::Response(r) => Ok(&select_call_transcript(r, call_id)?.transcript),
            AnyTranscript::Call(c) => {
                shape::check_call(call_id, c.call_id.as_deref())?;
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
/// [`Error::TranscriptNotFound`](crate::Error::TranscriptNotFound) when there is none, or not the one asked for.
pub fn select_call_transcript<'r, 'a>(
    response: &'r TranscriptResponse<'a>,
    call_id: Option<&str>,
) -> Result<&'r CallTranscript<'a>> {
    response
        .call_transcripts
        .iter()
        .find(|t| shape::is_wanted(call_id, t.call_id.as_deref()))
        .ok_or_else(|| shape::not_found(call_id))
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
        let mut shape = Shape::default();
        while let Some(name) = map.next_key::<crate::model::Text<'de>>()? {
            let key = Key::of(name.as_str());
            shape.note(key);
            match key {
                Key::CallTranscripts => {
                    response.call_transcripts =
                        map.next_value::<Option<Vec<_>>>()?.unwrap_or_default();
                }
                Key::RequestId => response.request_id = map.next_value()?,
                Key::Records => response.records = map.next_value()?,
                Key::CallId => call.call_id = map.next_value::<Option<Id<'de>>>()?,
                Key::Transcript => {
                    call.transcript = map.next_value::<Option<Vec<_>>>()?.unwrap_or_default();
                }
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        match shape.kind() {
            Kind::Response => Ok(AnyTranscript::Response(response)),
            Kind::Call => Ok(AnyTranscript::Call(call)),
            Kind::Neither => Err(de::Error::custom(
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
/// [`Error::Json`](crate::Error::Json) (with the JSON path) for malformed input, and the errors
/// of [`AnyTranscript::monologues`].
pub fn format_transcript(json: &str, options: &TranscriptOptions<'_>) -> Result<String> {
    Ok(render(TranscriptInput::Json(json), options, false)?.0)
}

/// Checks that a formatted transcript says something: output that is only
/// its format's frame (nothing, `[]`, a bare `WEBVTT` header) had no
/// monologue with text, or, for SRT and WebVTT, no sentence with a start
/// and an end. The bindings make that an error rather than an empty result
/// that looks like success; `json` and `options` are what `text` was
/// formatted from.
///
/// # Examples
///
/// ```
/// use gongkit::{check_has_text, format_transcript, Format, TranscriptOptions};
///
/// let json = r#"[{"speakerId": "1", "sentences": [{"text": "Hi."}]}]"#;
/// let srt = TranscriptOptions { format: Format::Srt, ..Default::default() };
/// let text = format_transcript(json, &srt)?;
/// assert_eq!(text, "");
/// assert_eq!(
///     check_has_text(json, &text, &srt).unwrap_err().to_string(),
///     "invalid transcript: no sentence has a start and an end, which every SRT and WebVTT cue needs (plain, markdown and json show text without times)"
/// );
/// # Ok::<(), gongkit::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`](crate::Error::InvalidArgument) naming `transcript`.
pub fn check_has_text(json: &str, text: &str, options: &TranscriptOptions<'_>) -> Result<()> {
    let bare = TranscriptOptions {
        call_id: None,
        ..*options
    };
    if text != format_transcript("[]", &bare)? {
        return Ok(());
    }
    let captions = matches!(options.format, Format::Srt | Format::WebVtt);
    let plain = TranscriptOptions {
        format: Format::Plain,
        ..*options
    };
    let untimed = captions && format_transcript(json, &plain).is_ok_and(|t| !t.is_empty());
    Err(crate::Error::argument(
        "transcript",
        if untimed {
            "no sentence has a start and an end, which every SRT and WebVTT cue needs (plain, markdown and json show text without times)"
        } else {
            "no usable monologue (none has a sentence with text)"
        },
    ))
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
        TranscriptInput::Json(json) => match crate::stream::render(json, options, layout) {
            Ok(result) => result,
            // The streaming reader is only a fast path: whatever it is unsure of
            // is read again by the typed parser, which either reads it (and
            // formats it the same way) or says exactly what is wrong.
            Err(crate::stream::Unsure) => {
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
        w.monologue(
            m.speaker_id.as_deref(),
            m.topic.as_deref(),
            &m.sentences,
            None,
        );
    }
    w.finish()
}
