//! An answer before it becomes a `worker::Response`, and the headers every
//! answer carries (CORS).

use crate::config::Config;
use crate::error::{Error, Result};
use crate::service::Content;

/// An answer: status, content type, body and other headers.
#[derive(Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// The body.
    pub body: Payload,
    /// Other headers.
    pub headers: Vec<(&'static str, String)>,
}

/// An answer's body.
#[derive(Debug)]
pub enum Payload {
    /// Text made for this answer.
    Text(String),
    /// A body written as it is produced.
    Lines(Lines),
    /// An answer kept in the cache, handed on unread.
    Kept(crate::cache::Body),
}

/// A body of text pieces produced one after another, sent as they come
/// (an export of thousands of calls never sits in memory whole).
pub struct Lines(pub futures::stream::LocalBoxStream<'static, String>);

impl std::fmt::Debug for Lines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Lines(..)")
    }
}

impl Reply {
    /// 200 with a JSON body.
    pub fn json(body: String) -> Reply {
        Reply::text("application/json", body)
    }

    /// 200 with a text body of this content type.
    pub fn text(content_type: &'static str, body: String) -> Reply {
        Reply::with_body(content_type, Payload::Text(body))
    }

    /// 200 with a JSON body made now or kept ([`Content`]).
    pub fn content(content: Content) -> Reply {
        match content {
            Content::Made(json) => Reply::json(json),
            Content::Kept(body) => Reply::with_body("application/json", Payload::Kept(body)),
        }
    }

    /// 200 with this body and content type.
    pub fn with_body(content_type: &'static str, body: Payload) -> Reply {
        Reply {
            status: 200,
            content_type,
            body,
            headers: Vec::new(),
        }
    }

    /// 200 with a body streamed from `lines`.
    pub fn stream(content_type: &'static str, lines: Lines) -> Reply {
        Reply::with_body(content_type, Payload::Lines(lines))
    }

    /// An answer with this status and no body.
    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            ..Reply::text("text/plain", String::new())
        }
    }

    /// The error's status, headers and JSON body.
    pub fn error(e: &Error) -> Reply {
        Reply {
            status: e.status(),
            content_type: "application/json",
            body: Payload::Text(e.body()),
            headers: e.headers(),
        }
    }

    /// The same reply with one more header.
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }
}

/// A normalized call as its JSON answer, byte for byte what
/// `serde_json::to_string` writes: serde writes the small fields (the
/// transcript left `null`, the last field), and the transcript, most of the
/// answer, is escaped sixteen bytes at a time into its place
/// ([`gongkit::write_json_string`]; about five times faster natively).
///
/// # Errors
///
/// 500 `internal_error` if the call cannot be written.
pub fn call_json(mut call: gongkit::NormalizedCall<'_>) -> Result<String> {
    let transcript = call.transcript.take();
    let mut json = serde_json::to_string(&call).map_err(Error::internal)?;
    if let Some(text) = transcript {
        json = with_last_field(json, "null}", |out| gongkit::write_json_string(out, &text))?;
    }
    Ok(json)
}

/// `{"transcript": text}` (the answer of `POST /v1/format` for a
/// transcript alone), written as [`call_json`] writes its transcript.
pub fn transcript_json(text: &str) -> String {
    let mut json = String::with_capacity(text.len() + text.len() / 32 + 16);
    json.push_str("{\"transcript\":");
    gongkit::write_json_string(&mut json, text);
    json.push('}');
    json
}

/// `json`, whose last field's value `placeholder` (with the closing brace)
/// is replaced by what `write` appends, then the brace.
fn with_last_field(
    mut json: String,
    placeholder: &str,
    write: impl FnOnce(&mut String),
) -> Result<String> {
    if !json.ends_with(placeholder) {
        return Err(Error::Internal(format!(
            "the answer does not end with {placeholder}"
        )));
    }
    json.truncate(json.len() - placeholder.len());
    write(&mut json);
    json.push('}');
    Ok(json)
}

/// The CORS headers for a request from `origin`: none unless the origin is
/// allowed.
pub fn cors_headers(origin: Option<&str>, config: &Config) -> Vec<(&'static str, String)> {
    match origin {
        Some(origin) if config.allows_origin(origin) => vec![
            ("Access-Control-Allow-Origin", origin.to_owned()),
            ("Vary", "Origin".to_owned()),
            (
                "Access-Control-Expose-Headers",
                "X-Gongkit-Cache, X-Gongkit-Source, X-Gongkit-Chunk, X-Gongkit-Cursor, Retry-After, WWW-Authenticate"
                    .to_owned(),
            ),
        ],
        _ => Vec::new(),
    }
}

/// The extra headers of a preflight answer.
pub fn preflight_headers() -> Vec<(&'static str, String)> {
    vec![
        (
            "Access-Control-Allow-Methods",
            "GET, POST, OPTIONS".to_owned(),
        ),
        (
            "Access-Control-Allow-Headers",
            "Authorization, Content-Type, Accept, MCP-Protocol-Version, Mcp-Session-Id".to_owned(),
        ),
        ("Access-Control-Max-Age", "600".to_owned()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use gongkit::{AnyExtensive, CallOptions, TranscriptInput};

    fn fixture(name: &str) -> String {
        let path = format!(
            "{}/../tests/fixtures/calls/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// Every fixture call, with and without its transcript, in every
    /// format: the composed answer is what serde writes.
    #[test]
    fn a_composed_answer_is_serdes_byte_for_byte() {
        let dir = format!("{}/../tests/fixtures/calls", env!("CARGO_MANIFEST_DIR"));
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            let Some(call) = name.strip_suffix(".extensive.json") else {
                continue;
            };
            let ext = fixture(&name);
            let tr = std::fs::read_to_string(format!("{dir}/{call}.transcript.json")).ok();
            let parsed = AnyExtensive::from_json(&ext).unwrap();
            for format in gongkit::Format::ALL {
                let options = CallOptions {
                    format,
                    ..CallOptions::default()
                };
                for input in [None, tr.as_deref().map(TranscriptInput::Json)] {
                    let Ok(call) = gongkit::normalize_call(&parsed, input, &options) else {
                        continue;
                    };
                    let want = serde_json::to_string(&call).unwrap();
                    assert_eq!(call_json(call).unwrap(), want, "{name} {format:?}");
                    seen += 1;
                }
            }
        }
        assert!(seen > 10, "only {seen} answers compared");
        let text = "Jane: \"Hi\"\n\u{1}";
        assert_eq!(
            transcript_json(text),
            serde_json::to_string(&serde_json::json!({ "transcript": text })).unwrap()
        );
    }
}
