//! An answer before it becomes a `worker::Response`, and the headers every
//! answer carries (CORS).

use crate::config::Config;
use crate::error::Error;

/// An answer: status, content type, body and other headers.
#[derive(Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// The body.
    pub body: String,
    /// Other headers.
    pub headers: Vec<(&'static str, String)>,
    /// A body written as it is produced (instead of `body`).
    pub stream: Option<Lines>,
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
        Reply {
            status: 200,
            content_type,
            body,
            headers: Vec::new(),
            stream: None,
        }
    }

    /// 200 with a body streamed from `lines`.
    pub fn stream(content_type: &'static str, lines: Lines) -> Reply {
        Reply {
            stream: Some(lines),
            ..Reply::text(content_type, String::new())
        }
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
            body: e.body(),
            headers: e.headers(),
            stream: None,
        }
    }

    /// The same reply with one more header.
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }
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
