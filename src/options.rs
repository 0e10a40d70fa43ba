//! The one vocabulary of options: the transcript's format and how a
//! transcript or a call is rendered. The Rust API, the npm package and the
//! Worker (its REST query and its MCP tool arguments) all read these types,
//! so an option means the same everywhere and its limits are stated once.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::Party;

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
    /// Every format, in the order documentation and menus list them
    /// (the default, [`Format::Plain`], first).
    ///
    /// This is the one list of formats: error messages, the npm package's
    /// `formats()`, the browser page's menu and the tests are derived from
    /// it.
    ///
    /// # Examples
    ///
    /// ```
    /// use gongkit::Format;
    ///
    /// let names: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
    /// assert_eq!(names, ["plain", "markdown", "webvtt", "srt", "json"]);
    /// assert_eq!(Format::ALL[0], Format::default());
    /// for format in Format::ALL {
    ///     assert_eq!(format.as_str().parse::<Format>()?, format);
    /// }
    /// # Ok::<(), gongkit::Error>(())
    /// ```
    pub const ALL: [Format; 5] = [
        Format::Plain,
        Format::Markdown,
        Format::WebVtt,
        Format::Srt,
        Format::Json,
    ];

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

    /// The usual file name extension of this format's output, without the
    /// dot.
    ///
    /// # Examples
    ///
    /// ```
    /// use gongkit::Format;
    ///
    /// assert_eq!(Format::Plain.extension(), "txt");
    /// assert_eq!(Format::WebVtt.extension(), "vtt");
    /// let file = format!("call.{}", Format::Markdown.extension());
    /// assert_eq!(file, "call.md");
    /// ```
    pub fn extension(self) -> &'static str {
        match self {
            Format::Plain => "txt",
            Format::Markdown => "md",
            Format::WebVtt => "vtt",
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

    /// Another name a format is also known by (`text`, `md`, `vtt`):
    /// accepted when parsing, never written.
    fn alias(self) -> Option<&'static str> {
        match self {
            Format::Plain => Some("text"),
            Format::Markdown => Some("md"),
            Format::WebVtt => Some("vtt"),
            Format::Srt | Format::Json => None,
        }
    }

    /// The names of [`Format::ALL`] as a message lists them: `plain,
    /// markdown, webvtt, srt or json`.
    fn names() -> String {
        let mut names = String::new();
        for (i, format) in Format::ALL.iter().enumerate() {
            if i > 0 {
                names.push_str(if i + 1 == Format::ALL.len() {
                    " or "
                } else {
                    ", "
                });
            }
            names.push_str(format.as_str());
        }
        names
    }
}

/// Reads a format's name ([`Format::as_str`]) or its alias (`text`, `md`,
/// `vtt`).
///
/// # Errors
///
/// An unknown name is an [`Error`] that quotes it and lists the names of
/// [`Format::ALL`].
///
/// # Examples
///
/// ```
/// use gongkit::Format;
///
/// assert_eq!("md".parse::<Format>()?, Format::Markdown);
/// let err = "docx".parse::<Format>().unwrap_err();
/// assert_eq!(err.to_string(), r#"invalid format: "docx": expected plain, markdown, webvtt, srt or json"#);
/// # Ok::<(), gongkit::Error>(())
/// ```
impl FromStr for Format {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s || f.alias() == Some(s))
            .ok_or_else(|| {
                Error::argument("format", format!("{s:?}: expected {}", Format::names()))
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

/// How to build a normalized call or a call document.
///
/// Deserializes from the camelCase options of the JS package and the
/// Worker; unknown options are refused, so a typo is an error rather than
/// silently ignored.
///
/// # Examples
///
/// ```
/// use gongkit::{CallOptions, Format};
///
/// let options: CallOptions = serde_json::from_str(r#"{"format": "markdown", "internalDomains": ["seller.io"]}"#).unwrap();
/// assert_eq!(options.format, Format::Markdown);
/// assert!(options.names); // speaker names from the parties by default
/// assert!(serde_json::from_str::<CallOptions>(r#"{"fromat": "srt"}"#).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct CallOptions {
    /// The transcript's format.
    pub format: Format,
    /// Timestamps at the start of transcript lines (plain and Markdown).
    pub timestamps: bool,
    /// Join consecutive monologues of the same speaker and topic.
    pub merge: bool,
    /// Name speakers after the call's parties (default `true`); `false`
    /// keeps Gong's `Speaker {id}` labels.
    pub names: bool,
    /// The seller's own domains, for the email-derived account.
    pub internal_domains: Vec<String>,
    /// Take the call's date in this UTC offset instead of the rule of
    /// [`crate::CallTime::date`].
    pub utc_offset_minutes: Option<i32>,
    /// For a response with several calls, the call to use (else the first).
    pub call_id: Option<String>,
}

impl Default for CallOptions {
    fn default() -> Self {
        CallOptions {
            format: Format::Plain,
            timestamps: false,
            merge: false,
            names: true,
            internal_domains: Vec::new(),
            utc_offset_minutes: None,
            call_id: None,
        }
    }
}

/// The transcript settings of call options: format, timestamps, merge and
/// the call id. The parties are left empty: [`CallOptions::names`] only says
/// whether to use the call's parties, which the caller has; set them with
/// struct update syntax.
///
/// This is the one conversion between the two; the npm package and the
/// Worker use it rather than copying fields.
///
/// # Examples
///
/// ```
/// use gongkit::{CallOptions, Format, Party, TranscriptOptions};
///
/// let call: CallOptions = serde_json::from_str(r#"{"format": "srt", "merge": true, "callId": "7"}"#)?;
/// let options = TranscriptOptions::from(&call);
/// assert_eq!(options.format, Format::Srt);
/// assert!(options.merge && !options.timestamps);
/// assert_eq!(options.call_id, Some("7"));
/// assert!(options.parties.is_empty());
///
/// let parties: Vec<Party> = Vec::new();
/// let named = TranscriptOptions { parties: if call.names { &parties } else { &[] }, ..(&call).into() };
/// assert_eq!(named.format, Format::Srt);
/// # Ok::<(), serde_json::Error>(())
/// ```
impl<'a> From<&'a CallOptions> for TranscriptOptions<'a> {
    fn from(options: &'a CallOptions) -> Self {
        TranscriptOptions {
            format: options.format,
            timestamps: options.timestamps,
            merge: options.merge,
            parties: &[],
            call_id: options.call_id.as_deref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Format::ALL` holds every variant once, in declaration order: the
    /// `match` stops compiling when a variant is added, until it is placed.
    #[test]
    fn all_lists_every_variant_once() {
        let position = |format: Format| match format {
            Format::Plain => 0,
            Format::Markdown => 1,
            Format::WebVtt => 2,
            Format::Srt => 3,
            Format::Json => 4,
        };
        for (i, format) in Format::ALL.into_iter().enumerate() {
            assert_eq!(position(format), i, "{format}");
            assert_eq!(format.as_str().parse::<Format>().ok(), Some(format));
        }
    }
}
