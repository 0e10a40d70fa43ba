//! The Worker's HTTP surface as plain functions over strings: routes, query
//! parameters, caller auth, CORS, and the one error type with its JSON body.
//! Nothing here touches the network or the `worker` crate, so it is tested
//! and fuzzed natively.

use std::fmt;

use gongkit::Format;
use subtle::ConstantTimeEq;

/// The largest body `POST /v1/format` and `POST /mcp` take.
pub const MAX_BODY_BYTES: usize = 5 * 1024 * 1024;

/// Every error the Worker answers with: a status, a stable code and a
/// message for people, sent as `{"error": {"code": …, "message": …}}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// Stable, machine-readable code such as `call_not_found`.
    pub code: &'static str,
    /// What went wrong, for people; never holds a secret.
    pub message: String,
    /// Seconds to wait before trying again (`Retry-After`), when known.
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400 with this code.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(400, code, message)
    }

    /// The JSON body.
    pub fn body(&self) -> String {
        serde_json::json!({"error": {"code": self.code, "message": self.message}}).to_string()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

/// What a request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route<'a> {
    /// `GET /health`
    Health,
    /// `GET /v1/calls/{id}`
    Call(&'a str),
    /// `GET /v1/calls/{id}/transcript`
    Transcript(&'a str),
    /// `GET /v1/calls/{id}/document`
    Document(&'a str),
    /// `GET /v1/calls`
    List,
    /// `POST /v1/format`
    Format,
    /// `POST /mcp`
    Mcp,
    /// `OPTIONS` anything: a CORS preflight.
    Preflight,
    /// A path that exists, with another method; the allowed ones.
    MethodNotAllowed(&'static str),
    /// Anything else.
    NotFound,
}

impl Route<'_> {
    /// A short name for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Route::Health => "health",
            Route::Call(_) => "call",
            Route::Transcript(_) => "transcript",
            Route::Document(_) => "document",
            Route::List => "list",
            Route::Format => "format",
            Route::Mcp => "mcp",
            Route::Preflight => "preflight",
            Route::MethodNotAllowed(_) => "method_not_allowed",
            Route::NotFound => "not_found",
        }
    }

    /// Whether the route needs the caller's token.
    pub fn needs_token(&self) -> bool {
        matches!(
            self,
            Route::Call(_)
                | Route::Transcript(_)
                | Route::Document(_)
                | Route::List
                | Route::Format
                | Route::Mcp
        )
    }

    /// Whether the route asks Gong (and so needs the Gong secrets).
    pub fn needs_gong(&self) -> bool {
        matches!(
            self,
            Route::Call(_) | Route::Transcript(_) | Route::Document(_) | Route::List
        )
    }
}

/// The route of a method and path (the path as sent, percent-encoding
/// kept: an id is checked later, and `%2F` in it is refused there).
pub fn route<'a>(method: &str, path: &'a str) -> Route<'a> {
    if method == "OPTIONS" {
        return Route::Preflight;
    }
    let get = method == "GET" || method == "HEAD";
    let only = |allowed: &'static str, ok: bool, r: Route<'a>| {
        if ok {
            r
        } else {
            Route::MethodNotAllowed(allowed)
        }
    };
    match path {
        "/health" => only("GET, HEAD", get, Route::Health),
        "/v1/calls" | "/v1/calls/" => only("GET, HEAD", get, Route::List),
        "/v1/format" => only("POST", method == "POST", Route::Format),
        "/mcp" => only("POST", method == "POST", Route::Mcp),
        _ => {
            let Some(rest) = path.strip_prefix("/v1/calls/") else {
                return Route::NotFound;
            };
            let (id, tail) = match rest.split_once('/') {
                Some((id, tail)) => (id, Some(tail)),
                None => (rest, None),
            };
            let r = match tail {
                None | Some("") => Route::Call(id),
                Some("transcript") => Route::Transcript(id),
                Some("document") => Route::Document(id),
                Some(_) => return Route::NotFound,
            };
            only("GET, HEAD", get, r)
        }
    }
}

/// Checks a call id from a path: 1 to 20 ASCII digits, nothing else (no
/// `../`, `%2F`, `?`, Unicode digits).
pub fn call_id(id: &str) -> Result<&str, ApiError> {
    gongkit::validate_call_id(id)
        .map(|()| id)
        .map_err(|e| ApiError::bad_request("invalid_call_id", e.to_string()))
}

/// Checks `Authorization: Bearer <token>` against the configured token, in
/// constant time. No token configured fails closed with 503.
pub fn authorize(header: Option<&str>, token: Option<&str>) -> Result<(), ApiError> {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Err(ApiError::new(
            503,
            "not_configured",
            "this Worker has no GONGKIT_TOKEN secret: set it with `wrangler secret put GONGKIT_TOKEN`",
        ));
    };
    let unauthorized = || {
        ApiError::new(
            401,
            "unauthorized",
            "send the Worker's token as `Authorization: Bearer <token>`",
        )
    };
    let header = header.ok_or_else(unauthorized)?;
    let (scheme, given) = header.split_once(' ').ok_or_else(unauthorized)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(unauthorized());
    }
    // `subtle` compares in time that depends only on the lengths.
    if bool::from(given.trim().as_bytes().ct_eq(token.as_bytes())) {
        Ok(())
    } else {
        Err(unauthorized())
    }
}

/// The query pairs, percent-decoded; a parameter given twice is an error.
fn pairs(query: &str, allowed: &[&str]) -> Result<Vec<(String, String)>, ApiError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (k, v) in url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
        if !allowed.contains(&k.as_ref()) {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!(
                    "unknown query parameter {k:?}: expected one of {}",
                    allowed.join(", ")
                ),
            ));
        }
        if out.iter().any(|(seen, _)| *seen == k) {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("query parameter {k:?} given twice"),
            ));
        }
        out.push((k.into_owned(), v.into_owned()));
    }
    Ok(out)
}

fn boolean(name: &str, value: &str) -> Result<bool, ApiError> {
    match value {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(ApiError::bad_request(
            "invalid_query",
            format!("{name}={value:?}: expected true or false"),
        )),
    }
}

fn number<T>(name: &str, value: &str, min: T, max: T) -> Result<T, ApiError>
where
    T: std::str::FromStr + PartialOrd + fmt::Display + Copy,
{
    value
        .parse::<T>()
        .ok()
        .filter(|n| *n >= min && *n <= max)
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_query",
                format!("{name}={value:?}: expected a whole number from {min} to {max}"),
            )
        })
}

/// The query of the call routes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallQuery {
    /// The transcript's format.
    pub format: Format,
    /// Speaker names from the parties (default true).
    pub names: bool,
    /// `[mm:ss]` prefixes.
    pub timestamps: bool,
    /// Merge consecutive turns.
    pub merge: bool,
    /// Include the transcript (default true).
    pub transcript: bool,
    /// Skip the cache.
    pub fresh: bool,
    /// Cut the document into chunks of this size.
    pub max_chars: Option<usize>,
    /// Only this chunk.
    pub chunk: Option<usize>,
    /// Dates in this UTC offset.
    pub utc_offset_minutes: Option<i32>,
}

impl Default for CallQuery {
    fn default() -> Self {
        CallQuery {
            format: Format::Plain,
            names: true,
            timestamps: false,
            merge: false,
            transcript: true,
            fresh: false,
            max_chars: None,
            chunk: None,
            utc_offset_minutes: None,
        }
    }
}

impl CallQuery {
    /// Parses the query string of the call routes.
    pub fn parse(query: &str) -> Result<CallQuery, ApiError> {
        let allowed = [
            "format",
            "names",
            "timestamps",
            "merge",
            "transcript",
            "fresh",
            "maxChars",
            "chunk",
            "utcOffsetMinutes",
        ];
        let mut q = CallQuery::default();
        for (k, v) in pairs(query, &allowed)? {
            match k.as_str() {
                "format" => {
                    q.format = v.parse().map_err(|e: gongkit::Error| {
                        ApiError::bad_request("invalid_query", e.to_string())
                    })?
                }
                "names" => q.names = boolean(&k, &v)?,
                "timestamps" => q.timestamps = boolean(&k, &v)?,
                "merge" => q.merge = boolean(&k, &v)?,
                "transcript" => q.transcript = boolean(&k, &v)?,
                "fresh" => q.fresh = boolean(&k, &v)?,
                "maxChars" => q.max_chars = Some(number(&k, &v, 1, 10_000_000)?),
                "chunk" => q.chunk = Some(number(&k, &v, 0, 10_000_000)?),
                _ => q.utc_offset_minutes = Some(number(&k, &v, -1439, 1439)?),
            }
        }
        if q.chunk.is_some() && q.max_chars.is_none() {
            return Err(ApiError::bad_request(
                "invalid_query",
                "chunk needs maxChars",
            ));
        }
        Ok(q)
    }

    /// The core's options for this query.
    pub fn call_options(&self, internal_domains: &[String]) -> gongkit::CallOptions {
        gongkit::CallOptions {
            format: self.format,
            timestamps: self.timestamps,
            merge: self.merge,
            names: self.names,
            internal_domains: internal_domains.to_vec(),
            utc_offset_minutes: self.utc_offset_minutes,
            call_id: None,
        }
    }
}

/// The query of `GET /v1/calls`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// Start of the range (ISO 8601), with `to`.
    pub from: Option<String>,
    /// End of the range (exclusive).
    pub to: Option<String>,
    /// Only this workspace.
    pub workspace_id: Option<String>,
    /// At most this many calls (1 to 1000, default 100).
    pub limit: usize,
    /// Our cursor from a previous answer.
    pub cursor: Option<String>,
    /// Dates in this UTC offset.
    pub utc_offset_minutes: Option<i32>,
}

impl ListQuery {
    /// Parses the query string of `GET /v1/calls`.
    pub fn parse(query: &str) -> Result<ListQuery, ApiError> {
        let allowed = [
            "from",
            "to",
            "workspaceId",
            "limit",
            "cursor",
            "utcOffsetMinutes",
        ];
        let mut q = ListQuery {
            limit: 100,
            ..ListQuery::default()
        };
        for (k, v) in pairs(query, &allowed)? {
            match k.as_str() {
                "from" => q.from = Some(v),
                "to" => q.to = Some(v),
                "workspaceId" => q.workspace_id = Some(v),
                "limit" => q.limit = number(&k, &v, 1, 1000)?,
                "cursor" => q.cursor = Some(v),
                _ => q.utc_offset_minutes = Some(number(&k, &v, -1439, 1439)?),
            }
        }
        match (&q.cursor, &q.from, &q.to) {
            (Some(_), None, None) => {}
            (Some(_), _, _) => {
                return Err(ApiError::bad_request(
                    "invalid_query",
                    "a cursor carries its own range: send it without from and to",
                ))
            }
            (None, Some(_), Some(_)) => {}
            (None, _, _) => {
                return Err(ApiError::bad_request(
                    "invalid_query",
                    "give from and to (ISO 8601, such as 2024-01-01T00:00:00Z), or a cursor",
                ))
            }
        }
        Ok(q)
    }
}

/// The CORS headers for a request from `origin`: none unless the origin is
/// listed (or the list is `*`).
pub fn cors_headers(origin: Option<&str>, allowed: &[String]) -> Vec<(&'static str, String)> {
    let Some(origin) = origin else {
        return Vec::new();
    };
    if !allowed
        .iter()
        .any(|a| a == "*" || a.eq_ignore_ascii_case(origin))
    {
        return Vec::new();
    }
    vec![
        ("Access-Control-Allow-Origin", origin.to_owned()),
        ("Vary", "Origin".to_owned()),
        (
            "Access-Control-Expose-Headers",
            "X-Gongkit-Cache, X-Gongkit-Chunk, Retry-After".to_owned(),
        ),
    ]
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

/// A comma-separated setting as a list; empty entries dropped.
pub fn list_setting(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Replaces every secret (and its Basic-auth encoding) in a message Gong
/// or the runtime wrote, since Gong's error bodies may echo headers.
pub fn redact(message: &str, secrets: &[String]) -> String {
    let mut out = message.to_owned();
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(s.as_str(), "[redacted]");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(route("GET", "/health"), Route::Health);
        assert_eq!(route("GET", "/v1/calls/123"), Route::Call("123"));
        assert_eq!(
            route("GET", "/v1/calls/123/transcript"),
            Route::Transcript("123")
        );
        assert_eq!(
            route("GET", "/v1/calls/123/document"),
            Route::Document("123")
        );
        assert_eq!(route("GET", "/v1/calls/123/other"), Route::NotFound);
        assert_eq!(
            route("POST", "/v1/calls/123"),
            Route::MethodNotAllowed("GET, HEAD")
        );
        assert_eq!(route("OPTIONS", "/v1/calls"), Route::Preflight);
        assert_eq!(route("POST", "/mcp"), Route::Mcp);
        assert_eq!(route("GET", "/mcp"), Route::MethodNotAllowed("POST"));
        assert_eq!(route("GET", "/v1/calls/12%2F34"), Route::Call("12%2F34"));
        assert!(call_id("12%2F34").is_err());
    }

    #[test]
    fn tokens_must_match_exactly() {
        let t = Some("s3cret-token");
        assert!(authorize(Some("Bearer s3cret-token"), t).is_ok());
        assert!(authorize(Some("bearer s3cret-token"), t).is_ok());
        for bad in [
            "Bearer S3CRET-TOKEN",
            "Bearer s3cret-toke",
            "Bearer s3cret-token2",
            "Basic s3cret-token",
            "s3cret-token",
            "",
        ] {
            assert_eq!(authorize(Some(bad), t).unwrap_err().status, 401, "{bad:?}");
        }
        assert_eq!(authorize(None, t).unwrap_err().status, 401);
        assert_eq!(authorize(Some("Bearer x"), None).unwrap_err().status, 503);
        assert_eq!(
            authorize(Some("Bearer "), Some("")).unwrap_err().status,
            503
        );
    }

    #[test]
    fn queries() {
        let q = CallQuery::parse("format=srt&timestamps=1&names=false").unwrap();
        assert_eq!(
            (q.format, q.timestamps, q.names),
            (Format::Srt, true, false)
        );
        assert_eq!(
            CallQuery::parse("fromat=srt").unwrap_err().code,
            "invalid_query"
        );
        assert_eq!(
            CallQuery::parse("format=docx").unwrap_err().message,
            r#"invalid format: "docx": expected plain, markdown, webvtt, srt or json"#
        );
        assert!(CallQuery::parse("chunk=1").is_err());
        assert!(CallQuery::parse("maxChars=0").is_err());
        assert!(CallQuery::parse("merge=true&merge=false").is_err());
        assert!(ListQuery::parse("from=2024-01-01T00:00:00Z").is_err());
        assert_eq!(ListQuery::parse("cursor=abc&limit=5").unwrap().limit, 5);
        assert!(ListQuery::parse("cursor=abc&limit=1001").is_err());
    }

    #[test]
    fn secrets_are_redacted() {
        let secrets = vec!["key123".to_owned(), "a2V5MTIzOnNlY3JldA==".to_owned()];
        assert_eq!(
            redact(
                "Authorization: Basic a2V5MTIzOnNlY3JldA== for key123",
                &secrets
            ),
            "Authorization: Basic [redacted] for [redacted]"
        );
    }
}
