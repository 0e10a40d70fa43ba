//! The crate's one error type.

use std::fmt;

use crate::path::ErrorKind;

/// Everything that can go wrong in gongkit.
///
/// Messages are lower-case, quote the offending value and, for JSON, name the
/// path of the value that was wrong (`calls[0].metaData.scheduled: …`), so they
/// can be shown to a user as they are.
///
/// # Examples
///
/// ```
/// let err = gongkit::parse_call_time("2024-13-45").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     r#"invalid call time "2024-13-45": no such date"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// JSON that does not parse, or does not have the shape Gong sends.
    #[error("{}", JsonMessage { path, message })]
    Json {
        /// Where in the document the problem is, such as
        /// `callTranscripts[0].transcript[2].sentences[1].start`; empty for
        /// the document itself.
        path: String,
        /// What was wrong there.
        message: String,
    },
    /// A call time that is neither Unix seconds nor ISO 8601.
    #[error("invalid call time {}: {reason}", Shown(value))]
    InvalidCallTime {
        /// The value as it was given.
        value: String,
        /// Why it was refused.
        reason: String,
    },
    /// A UTC offset in minutes outside what a time zone can have.
    #[error("invalid UTC offset {0} minutes: expected a value from -1439 to 1439")]
    InvalidUtcOffset(i64),
    /// A string that is not a well-formed email address.
    #[error("invalid email {}: {reason}", Shown(value))]
    InvalidEmail {
        /// The value as it was given.
        value: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// A response that holds no call (or not the one asked for).
    #[error("call not found{}", IdSuffix(.0.as_deref()))]
    CallNotFound(Option<String>),
    /// A transcript response that holds no transcript (or not the one asked for).
    #[error("transcript not found{}", IdSuffix(.0.as_deref()))]
    TranscriptNotFound(Option<String>),
    /// A transcript that belongs to another call than the one it is combined with.
    #[error("transcript is for call {transcript:?}, not for call {call:?}")]
    TranscriptMismatch {
        /// The call's id.
        call: String,
        /// The transcript's `callId`.
        transcript: String,
    },
    /// An option or argument outside what is allowed.
    #[error("invalid {name}: {reason}")]
    InvalidArgument {
        /// The option's name, as the caller spells it.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

/// `std::result::Result` with gongkit's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn argument(name: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidArgument {
            name,
            reason: cap_quoted(reason.into()),
        }
    }

    /// A serde_json error in `json`, with the path of where it is.
    pub(crate) fn in_document(json: &str, err: &serde_json::Error) -> Self {
        let offset = crate::path::offset_of(json, err.line(), err.column());
        let message = err.to_string();
        let kind = if message.starts_with("trailing comma") {
            ErrorKind::TrailingComma
        } else if !err.is_data() {
            ErrorKind::Syntax
        } else if message.starts_with("invalid type: map") {
            ErrorKind::Refused(b'{')
        } else if message.starts_with("invalid type: sequence") {
            ErrorKind::Refused(b'[')
        } else {
            ErrorKind::Value
        };
        Error::json(crate::path::path_at(json, offset, kind), err)
    }

    /// A serde_json error at `path` (empty for the whole document). The line
    /// and column are dropped for values of the wrong type, since the path
    /// says where they are; syntax errors keep them.
    pub(crate) fn json(path: String, err: &serde_json::Error) -> Self {
        let mut message = err.to_string();
        if err.is_data() {
            let position = format!(" at line {} column {}", err.line(), err.column());
            if message.ends_with(&position) {
                message.truncate(message.len() - position.len());
            }
        } else if path.is_empty() {
            message.insert_str(0, "invalid JSON: ");
        }
        Error::Json {
            path,
            message: cap_quoted(message),
        }
    }
}

/// A message of the core in JSON's words: serde names Rust types
/// (`expected i64`, `invalid type: map`), which a user of JSON, JavaScript or
/// Python never wrote; this says `expected an integer`, `invalid type:
/// object`. The npm package and the Python package word their errors with
/// it.
///
/// # Examples
///
/// ```
/// let err = gongkit::format_transcript(r#"[{"sentences": {}}]"#, &Default::default()).unwrap_err();
/// assert_eq!(err.to_string(), "[0].sentences: invalid type: map, expected a sequence");
/// assert_eq!(
///     gongkit::json_words(&err.to_string()),
///     "[0].sentences: invalid type: object, expected an array"
/// );
/// ```
pub fn json_words(message: &str) -> String {
    const WORDS: [(&str, &str); 16] = [
        ("expected i64", "expected an integer"),
        ("expected u64", "expected a non-negative integer"),
        ("expected i32", "expected an integer"),
        ("expected u32", "expected a non-negative integer"),
        ("expected usize", "expected a non-negative integer"),
        ("expected u16", "expected a non-negative integer"),
        ("expected u8", "expected a non-negative integer"),
        ("expected f64", "expected a number"),
        ("expected a sequence", "expected an array"),
        ("expected a map", "expected an object"),
        ("invalid type: map", "invalid type: object"),
        ("invalid type: sequence", "invalid type: array"),
        ("invalid type: unit value", "invalid type: null"),
        ("invalid type: floating point", "invalid type: number"),
        ("invalid type: integer", "invalid type: number"),
        ("invalid value: integer", "invalid value: number"),
    ];
    let mut out = message.to_owned();
    for (rust, json) in WORDS {
        if out.contains(rust) {
            out = out.replace(rust, json);
        }
    }
    out
}

/// The most characters of an input value a message repeats: enough to
/// recognize it, never the whole of a big input.
pub(crate) const SHOWN_CHARS: usize = 60;

/// A value as a message quotes it: `"…"` with Rust's escapes, cut after
/// [`SHOWN_CHARS`] characters with `…` after the closing quote.
pub(crate) struct Shown<'a>(pub(crate) &'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.char_indices().nth(SHOWN_CHARS) {
            Some((cut, _)) => write!(f, "{:?}…", &self.0[..cut]),
            None => write!(f, "{:?}", self.0),
        }
    }
}

/// `message` with every quoted value in it (`"…"` with escapes, or serde's
/// `` `…` ``) cut to [`SHOWN_CHARS`] characters: serde quotes a wrong string
/// or an unknown key whole, and an input can be megabytes.
pub(crate) fn cap_quoted(message: String) -> String {
    if message.len() <= SHOWN_CHARS * 2 {
        return message;
    }
    let mut out = String::with_capacity(message.len().min(1024));
    let mut rest = message.as_str();
    while let Some(open) = rest.find(['"', '`']) {
        let quote = rest.as_bytes()[open];
        out.push_str(&rest[..=open]);
        let body = &rest[open + 1..];
        // The closing quote: the next one not escaped by a backslash.
        let mut close = None;
        let mut escaped = false;
        for (i, b) in body.bytes().enumerate() {
            if escaped {
                escaped = false;
            } else if b == b'\\' && quote == b'"' {
                escaped = true;
            } else if b == quote {
                close = Some(i);
                break;
            }
        }
        let Some(close) = close else {
            rest = body;
            break;
        };
        let inner = &body[..close];
        match inner.char_indices().nth(SHOWN_CHARS) {
            Some((mut cut, _)) => {
                // Never end inside an escape such as `\u{e9}` or `\"`.
                if let Some(slash) = inner[..cut].rfind('\\') {
                    if cut - slash < 10 {
                        cut = slash;
                    }
                }
                out.push_str(&inner[..cut]);
                out.push(char::from(quote));
                out.push('…');
            }
            None => {
                out.push_str(inner);
                out.push(char::from(quote));
            }
        }
        rest = &body[close + 1..];
    }
    out.push_str(rest);
    out
}

struct JsonMessage<'a> {
    path: &'a str,
    message: &'a str,
}

impl fmt::Display for JsonMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

struct IdSuffix<'a>(Option<&'a str>);

impl fmt::Display for IdSuffix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(id) => write!(f, ": no call with id {id:?} in the response"),
            None => Ok(()),
        }
    }
}
