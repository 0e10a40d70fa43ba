//! The normalized call: one extensive call and its transcript combined into
//! the shape people want, and the call as one text document for a model.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::account::{account_from_parties, crm_account_name};
use crate::chunk::{check, chunk_layout, Chunk};
use crate::error::{Error, Result};
use crate::model::{
    from_json, Affiliation, CallData, CallOutcome, Direction, ExtensiveResponse, HighlightsSection,
    Id, OutlineSection, Scope, Text,
};
use crate::options::{CallOptions, Format, TranscriptOptions};
use crate::transcript::{render, TranscriptInput};
use crate::writer::{normalized, push_normalized, Layout};

/// The version of [`call_document`]'s layout. It changes only when the
/// layout does, so tools that parse documents can check it.
pub const DOCUMENT_VERSION: u32 = 1;

/// An extensive answer in either shape people hand around: the whole
/// `/v2/calls/extensive` response, or one of its `calls`.
///
/// # Examples
///
/// ```
/// use gongkit::AnyExtensive;
///
/// let one = AnyExtensive::from_json(r#"{"metaData": {"id": "1"}}"#)?;
/// let all = AnyExtensive::from_json(r#"{"calls": [{"metaData": {"id": "1"}}, {"metaData": {"id": "2"}}]}"#)?;
/// assert_eq!(one.calls().len(), 1);
/// assert_eq!(all.select(Some("2"))?.meta_data.as_ref().unwrap().id.as_deref(), Some("2"));
/// # Ok::<(), gongkit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(untagged)]
pub enum AnyExtensive<'a> {
    /// The whole response.
    Response(ExtensiveResponse<'a>),
    /// One call (boxed: it is much larger than the response's header).
    Call(Box<CallData<'a>>),
}

impl<'a> AnyExtensive<'a> {
    /// Parses either shape from JSON.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = gongkit::AnyExtensive::from_json(r#"{"calls": []}"#)?;
    /// assert!(e.calls().is_empty());
    /// # Ok::<(), gongkit::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Json`] naming the path of the first value that does not fit.
    pub fn from_json(json: &'a str) -> Result<Self> {
        from_json(json)
    }

    /// The calls it holds.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = gongkit::AnyExtensive::from_json(r#"{"parties": []}"#)?;
    /// assert_eq!(e.calls().len(), 1);
    /// # Ok::<(), gongkit::Error>(())
    /// ```
    pub fn calls(&self) -> &[CallData<'a>] {
        match self {
            AnyExtensive::Response(r) => &r.calls,
            AnyExtensive::Call(c) => std::slice::from_ref(&**c),
        }
    }

    /// The call whose id is asked for, else the first; it must have its
    /// `metaData`.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = gongkit::AnyExtensive::from_json(r#"{"calls": []}"#)?;
    /// assert_eq!(e.select(None).unwrap_err().to_string(), "call not found");
    /// # Ok::<(), gongkit::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::CallNotFound`] when there is no call (or not the one asked
    /// for), and [`Error::Json`] for a call without `metaData`.
    pub fn select(&self, call_id: Option<&str>) -> Result<&CallData<'a>> {
        let calls = self.calls();
        let index = match call_id {
            Some(id) => calls
                .iter()
                .position(|c| c.meta_data.as_ref().and_then(|m| m.id.as_deref()) == Some(id)),
            None => (!calls.is_empty()).then_some(0),
        };
        let index = index.ok_or_else(|| Error::CallNotFound(call_id.map(str::to_owned)))?;
        let call = &calls[index];
        if call.meta_data.is_none() {
            let path = match self {
                AnyExtensive::Response(_) => format!("calls[{index}].metaData"),
                AnyExtensive::Call(_) => "metaData".to_owned(),
            };
            return Err(Error::Json {
                path,
                message: "missing: a call without its metaData cannot be normalized".to_owned(),
            });
        }
        Ok(call)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for AnyExtensive<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(AnyExtensiveVisitor)
    }
}

struct AnyExtensiveVisitor;

impl<'de> Visitor<'de> for AnyExtensiveVisitor {
    type Value = AnyExtensive<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an extensive response or one of its calls")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut response = ExtensiveResponse::default();
        let mut call = CallData::default();
        let (mut is_response, mut is_call) = (false, false);
        while let Some(key) = map.next_key::<Text<'de>>()? {
            match key.as_str() {
                "calls" => {
                    is_response = true;
                    response.calls = map.next_value::<Option<Vec<_>>>()?.unwrap_or_default();
                }
                "requestId" => response.request_id = map.next_value()?,
                "records" => response.records = map.next_value()?,
                "metaData" => {
                    is_call = true;
                    call.meta_data = map.next_value()?;
                }
                "context" => {
                    is_call = true;
                    call.context = map.next_value::<Option<Vec<_>>>()?.unwrap_or_default();
                }
                "parties" => {
                    is_call = true;
                    call.parties = map.next_value::<Option<Vec<_>>>()?.unwrap_or_default();
                }
                "content" => {
                    is_call = true;
                    call.content = map.next_value()?;
                }
                "interaction" => {
                    is_call = true;
                    call.interaction = map.next_value()?;
                }
                "collaboration" => {
                    is_call = true;
                    call.collaboration = map.next_value()?;
                }
                "media" => {
                    is_call = true;
                    call.media = map.next_value()?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        match (is_response, is_call) {
            (true, _) => Ok(AnyExtensive::Response(response)),
            (false, true) => Ok(AnyExtensive::Call(Box::new(call))),
            (false, false) => Err(de::Error::custom(
                "expected an extensive response (with `calls`) or a call (with `metaData`)",
            )),
        }
    }
}

/// Where the account name came from.
///
/// # Examples
///
/// ```
/// assert_eq!(serde_json::to_string(&gongkit::AccountSource::Crm).unwrap(), r#""crm""#);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "lowercase")]
pub enum AccountSource {
    /// A CRM `Account` object linked to the call.
    Crm,
    /// A participant's email domain.
    Email,
}

/// The customer's account.
///
/// # Examples
///
/// ```
/// let a = gongkit::Account { name: "Acme".into(), source: gongkit::AccountSource::Email };
/// assert_eq!(serde_json::to_string(&a).unwrap(), r#"{"name":"Acme","source":"email"}"#);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct Account {
    /// The name.
    pub name: String,
    /// Where it came from.
    pub source: AccountSource,
}

/// A participant of a normalized call.
///
/// # Examples
///
/// ```
/// let p = gongkit::Participant { name: Some("Jane".into()), ..Default::default() };
/// assert_eq!(
///     serde_json::to_string(&p).unwrap(),
///     r#"{"name":"Jane","email":null,"title":null,"affiliation":null,"speakerId":null}"#
/// );
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct Participant<'a> {
    /// Name.
    pub name: Option<Text<'a>>,
    /// Email address.
    pub email: Option<Text<'a>>,
    /// Job title.
    pub title: Option<Text<'a>>,
    /// Internal, External or Unknown.
    pub affiliation: Option<Affiliation>,
    /// Links to the transcript's speakers.
    pub speaker_id: Option<Id<'a>>,
    /// Seconds of talk, when Gong sent `interaction.speakers`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub talk_time_seconds: Option<f64>,
}

/// Gong's own summaries of a call; fields it did not send are left out.
///
/// # Examples
///
/// ```
/// let s = gongkit::Summary { brief: Some("Pricing call.".into()), ..Default::default() };
/// assert_eq!(serde_json::to_string(&s).unwrap(), r#"{"brief":"Pricing call."}"#);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct Summary<'a> {
    /// The brief.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brief: Option<Text<'a>>,
    /// The key points' texts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub key_points: Vec<Text<'a>>,
    /// The outline.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub outline: Vec<OutlineSection<'a>>,
    /// The highlights.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub highlights: Vec<HighlightsSection<'a>>,
    /// The outcome.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_outcome: Option<CallOutcome<'a>>,
}

impl Summary<'_> {
    fn is_empty(&self) -> bool {
        self.brief.is_none()
            && self.key_points.is_empty()
            && self.outline.is_empty()
            && self.highlights.is_empty()
            && self.call_outcome.is_none()
    }
}

/// One call, normalized: what a tool or a model needs, and nothing it has
/// to decode.
///
/// # Examples
///
/// ```
/// use gongkit::{normalize_call, AnyExtensive, AnyTranscript, CallOptions};
///
/// let extensive = AnyExtensive::from_json(r#"{"calls": [{
///     "metaData": {"id": "1", "title": "Intro", "scheduled": 1734535800, "duration": 1834},
///     "parties": [{"name": "Jane Doe", "emailAddress": "jane@big-corp.com", "speakerId": "7", "affiliation": "External"}]
/// }]}"#)?;
/// let transcript: AnyTranscript = gongkit::from_json(
///     r#"{"callTranscripts": [{"callId": "1", "transcript": [{"speakerId": "7", "sentences": [{"text": "Hi."}]}]}]}"#,
/// )?;
/// let call = normalize_call(&extensive, Some((&transcript).into()), &CallOptions::default())?;
/// assert_eq!(call.date.as_deref(), Some("2024-12-18"));
/// assert_eq!(call.scheduled.as_deref(), Some("2024-12-18T15:30:00Z"));
/// assert_eq!(call.account.unwrap().name, "Big Corp");
/// assert_eq!(call.transcript.as_deref(), Some("Jane Doe: Hi."));
/// # Ok::<(), gongkit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct NormalizedCall<'a> {
    /// Gong's id for the call.
    pub id: Option<Id<'a>>,
    /// Title.
    pub title: Option<Text<'a>>,
    /// The call's page in Gong.
    pub url: Option<Text<'a>>,
    /// When it was scheduled (else started), ISO 8601 in UTC with `Z`.
    pub scheduled: Option<String>,
    /// When it started (Gong's `started`), ISO 8601 in UTC with `Z`: the
    /// instant; `date` is its day.
    pub started: Option<String>,
    /// Its calendar date, `YYYY-MM-DD`.
    pub date: Option<String>,
    /// Length in seconds.
    pub duration_seconds: Option<i64>,
    /// Direction.
    pub direction: Option<Direction>,
    /// Internal or external.
    pub scope: Option<Scope>,
    /// Spoken language.
    pub language: Option<Text<'a>>,
    /// The customer's account: the CRM's name, else one from emails.
    pub account: Option<Account>,
    /// The participants, in Gong's order.
    pub participants: Vec<Participant<'a>>,
    /// Gong's summaries, when it sent any.
    pub summary: Option<Summary<'a>>,
    /// The formatted transcript, when one was given.
    pub transcript: Option<String>,
}

/// Combines one extensive call and, optionally, its transcript.
///
/// # Examples
///
/// See [`NormalizedCall`].
///
/// # Errors
///
/// [`Error::CallNotFound`] when the response holds no call (or not the one
/// asked for), [`Error::Json`] for a call without `metaData`, the transcript
/// errors of [`crate::AnyTranscript::monologues`] (a transcript of another call),
/// and [`Error::InvalidArgument`] / [`Error::InvalidUtcOffset`] for bad
/// options.
pub fn normalize_call<'a>(
    extensive: &'a AnyExtensive<'a>,
    transcript: Option<TranscriptInput<'_, '_>>,
    options: &CallOptions,
) -> Result<NormalizedCall<'a>> {
    let call = extensive.select(options.call_id.as_deref())?;
    let mut normalized = header(call, options)?;
    if let Some(transcript) = transcript {
        let parties = if options.names {
            call.parties.as_slice()
        } else {
            &[]
        };
        let transcript_options = TranscriptOptions {
            parties,
            call_id: normalized.id.as_deref().or(options.call_id.as_deref()),
            ..TranscriptOptions::from(options)
        };
        normalized.transcript = Some(render(transcript, &transcript_options, false)?.0);
    }
    Ok(normalized)
}

/// Everything but the transcript.
fn header<'a>(call: &'a CallData<'a>, options: &CallOptions) -> Result<NormalizedCall<'a>> {
    if let Some(minutes) = options.utc_offset_minutes {
        crate::date::utc_offset(minutes)?;
    }
    let meta = call.meta_data.clone().unwrap_or_default();
    let when = meta.scheduled.or(meta.started);
    let date = when
        .map(|t| t.date(options.utc_offset_minutes))
        .transpose()?
        .map(crate::date::ymd);
    let account = match crm_account_name(&call.context) {
        Some(name) => Some(Account {
            name: name.to_owned(),
            source: AccountSource::Crm,
        }),
        None => {
            account_from_parties(&call.parties, &options.internal_domains)?.map(|name| Account {
                name,
                source: AccountSource::Email,
            })
        }
    };
    let speakers = call
        .interaction
        .as_ref()
        .map(|i| i.speakers.as_slice())
        .unwrap_or_default();
    let participants = call
        .parties
        .iter()
        .map(|p| Participant {
            name: p.name.clone(),
            email: p.email_address.clone(),
            title: p.title.clone(),
            affiliation: p.affiliation.clone(),
            speaker_id: p.speaker_id.clone(),
            talk_time_seconds: speakers
                .iter()
                .find(|s| {
                    let same = |a: &Option<Id>, b: &Option<Id>| a.is_some() && a == b;
                    same(&s.id, &p.id) || same(&s.user_id, &p.user_id)
                })
                .and_then(|s| s.talk_time),
        })
        .collect();
    let summary = call.content.as_ref().map(|c| Summary {
        brief: c.brief.clone().filter(|b| !b.trim().is_empty()),
        key_points: c.key_points.iter().filter_map(|k| k.text.clone()).collect(),
        outline: c.outline.clone(),
        highlights: c.highlights.clone(),
        call_outcome: c.call_outcome.clone(),
    });
    Ok(NormalizedCall {
        id: meta.id,
        title: meta.title,
        url: meta.url,
        scheduled: when.map(|t| t.to_utc_string()),
        started: meta.started.map(|t| t.to_utc_string()),
        date,
        duration_seconds: meta.duration,
        direction: meta.direction,
        scope: meta.scope,
        language: meta.language,
        account,
        participants,
        summary: summary.filter(|s| !s.is_empty()),
        transcript: None,
    })
}

/// The call as one plain-text document for a language model (layout
/// version [`DOCUMENT_VERSION`] = 1).
///
/// The layout, line by line; a line whose value the call lacks is left out:
///
/// ```text
/// Title: {title}
/// Date: {YYYY-MM-DD}
/// Duration: {h}h {m}m {s}s            (hours or minutes left out when zero)
/// Account: {name}
/// Participants:
/// - {name}, {job title} (internal)    (name, else email, else "Unknown participant";
///                                      "(internal)" or "(external)" from the affiliation)
/// Brief: {Gong's brief}
/// Key points:
/// - {key point}
///
/// [mm:ss] {Speaker name} ({topic}): {text}
/// ```
///
/// Values are whitespace-normalized so each stays on its line. The
/// transcript is the plain format with names and timestamps (merged when
/// `options.merge`), after one blank line; there is no trailing newline.
/// `options.format`, `names` and `timestamps` do not apply.
///
/// # Examples
///
/// ```
/// use gongkit::{call_document, AnyExtensive, AnyTranscript, CallOptions};
///
/// let extensive = AnyExtensive::from_json(r#"{"metaData": {"id": "1", "title": "Intro", "scheduled": "2024-12-18T10:00:00Z", "duration": 3725},
///     "parties": [{"name": "Dana", "title": "AE", "speakerId": "1", "affiliation": "Internal", "emailAddress": "dana@seller.io"},
///                 {"name": "Jane", "speakerId": "2", "affiliation": "External", "emailAddress": "jane@acme.com"}],
///     "content": {"keyPoints": [{"text": "Budget in Q2."}]}}"#)?;
/// let transcript: AnyTranscript = gongkit::from_json(r#"[{"speakerId": "2", "sentences": [{"start": 61000, "text": "Hello."}]}]"#)?;
/// assert_eq!(
///     call_document(&extensive, Some((&transcript).into()), &CallOptions::default())?,
///     "Title: Intro\nDate: 2024-12-18\nDuration: 1h 2m 5s\nAccount: Acme\nParticipants:\n- Dana, AE (internal)\n- Jane (external)\nKey points:\n- Budget in Q2.\n\n[01:01] Jane: Hello."
/// );
/// # Ok::<(), gongkit::Error>(())
/// ```
///
/// # Errors
///
/// As [`normalize_call`].
pub fn call_document(
    extensive: &AnyExtensive<'_>,
    transcript: Option<TranscriptInput<'_, '_>>,
    options: &CallOptions,
) -> Result<String> {
    Ok(document_layout(extensive, transcript, options)?.0)
}

/// The call document of [`call_document`] cut into chunks of at most
/// `max_chars` characters: between lines where possible, so the header
/// stays whole when it fits.
///
/// # Examples
///
/// ```
/// use gongkit::{chunk_call_document, AnyExtensive, AnyTranscript, CallOptions};
///
/// let extensive = AnyExtensive::from_json(r#"{"metaData": {"title": "Intro"}}"#)?;
/// let hello = "Hello there. ".repeat(20);
/// let json = format!(
///     r#"[{{"speakerId": "2", "sentences": [{{"start": 1000, "end": 2000, "text": "{hello}"}}]}}]"#,
/// );
/// let transcript: AnyTranscript = gongkit::from_json(&json)?;
/// let chunks = chunk_call_document(&extensive, Some((&transcript).into()), 200, &CallOptions::default())?;
/// assert_eq!(chunks[0].text, "Title: Intro\n\n");
/// assert!(chunks[1].text.starts_with("[00:01] Speaker 2: Hello there."));
/// assert_eq!(chunks[1].start, Some(1000));
/// # Ok::<(), gongkit::Error>(())
/// ```
///
/// # Errors
///
/// As [`normalize_call`], and [`Error::InvalidArgument`] for `max_chars`
/// outside [`crate::MAX_CHARS`].
pub fn chunk_call_document(
    extensive: &AnyExtensive<'_>,
    transcript: Option<TranscriptInput<'_, '_>>,
    max_chars: usize,
    options: &CallOptions,
) -> Result<Vec<Chunk>> {
    crate::chunk::check_range(max_chars)?;
    check(max_chars, Format::Plain)?;
    let (text, layout) = document_layout(extensive, transcript, options)?;
    Ok(chunk_layout(&text, &layout, max_chars))
}

fn document_layout(
    extensive: &AnyExtensive<'_>,
    transcript: Option<TranscriptInput<'_, '_>>,
    options: &CallOptions,
) -> Result<(String, Layout)> {
    let call = extensive.select(options.call_id.as_deref())?;
    let head = header(call, options)?;
    let mut lines: Vec<String> = Vec::new();
    let mut field = |name: &str, value: &str| {
        let value = normalized(value);
        if !value.is_empty() {
            lines.push(format!("{name}: {value}"));
        }
    };
    field("Title", head.title.as_deref().unwrap_or_default());
    field("Date", head.date.as_deref().unwrap_or_default());
    field(
        "Duration",
        &head.duration_seconds.map(duration).unwrap_or_default(),
    );
    field(
        "Account",
        head.account
            .as_ref()
            .map(|a| a.name.as_str())
            .unwrap_or_default(),
    );
    if !head.participants.is_empty() {
        lines.push("Participants:".to_owned());
        for p in &head.participants {
            let mut line = String::from("- ");
            let name = [p.name.as_deref(), p.email.as_deref()]
                .into_iter()
                .flatten()
                .find(|s| !s.trim().is_empty())
                .unwrap_or("Unknown participant");
            push_normalized(&mut line, name);
            if let Some(title) = p.title.as_deref().filter(|t| !t.trim().is_empty()) {
                line.push_str(", ");
                push_normalized(&mut line, title);
            }
            match p.affiliation {
                Some(Affiliation::Internal) => line.push_str(" (internal)"),
                Some(Affiliation::External) => line.push_str(" (external)"),
                _ => {}
            }
            lines.push(line);
        }
    }
    if let Some(summary) = &head.summary {
        if let Some(brief) = &summary.brief {
            lines.push(format!("Brief: {}", normalized(brief)));
        }
        let points: Vec<String> = summary
            .key_points
            .iter()
            .map(|k| normalized(k))
            .filter(|k| !k.is_empty())
            .collect();
        if !points.is_empty() {
            lines.push("Key points:".to_owned());
            lines.extend(points.into_iter().map(|k| format!("- {k}")));
        }
    }
    let mut text = String::new();
    let mut layout = Layout::default();
    for line in &lines {
        if !text.is_empty() {
            text.push('\n');
            layout.lines.push(text.len());
        }
        text.push_str(line);
    }
    if let Some(transcript) = transcript {
        let transcript_options = TranscriptOptions {
            format: Format::Plain,
            timestamps: true,
            merge: options.merge,
            parties: &call.parties,
            call_id: head.id.as_deref().or(options.call_id.as_deref()),
        };
        let (body, body_layout) = render(transcript, &transcript_options, true)?;
        if !body.is_empty() {
            let offset = if text.is_empty() {
                0
            } else {
                text.push_str("\n\n");
                layout.lines.push(text.len());
                text.len()
            };
            text.push_str(&body);
            layout
                .lines
                .extend(body_layout.lines.iter().map(|b| b + offset));
            layout
                .sentences
                .extend(body_layout.sentences.into_iter().map(|mut s| {
                    s.from += offset;
                    s.to += offset;
                    s
                }));
        }
    }
    Ok((text, layout))
}

/// `1h 2m 5s`, `30m 34s`, `45s`.
fn duration(seconds: i64) -> String {
    let s = seconds.max(0);
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m {s}s"),
        _ => format!("{h}h {m}m {s}s"),
    }
}
