//! The Worker's one error type. Each variant is one error code; this file is
//! the only place where an error becomes an HTTP status, the REST JSON body
//! (`{"error": {"code", "message"}}`) and the text an MCP tool returns.

use serde_json::json;

/// Every error the Worker answers with. Messages are for people, name
/// what was wrong and where, and never hold a secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A call id that is not 1 to 20 digits.
    #[error("{0}")]
    InvalidCallId(String),
    /// A query parameter or tool argument that is unknown or wrong.
    #[error("{0}")]
    InvalidQuery(String),
    /// A cursor this Worker did not make (or that was altered).
    #[error("this cursor was not made by this API (or was altered); start the listing again")]
    InvalidCursor,
    /// A body that is not Gong's JSON (the message names the JSON path).
    #[error("{0}")]
    InvalidBody(String),
    /// A cut into more chunks than one answer carries.
    #[error("maxChars={max_chars} cuts this text into {count} chunks, more than the {limit} one answer carries: raise maxChars, or ask for one chunk at a time")]
    TooManyChunks {
        /// The chunk size asked for.
        max_chars: usize,
        /// How many chunks that makes.
        count: usize,
        /// The most one answer carries.
        limit: usize,
    },
    /// Gong no longer accepts a page cursor.
    #[error("Gong no longer accepts this cursor ({0}); start the listing again")]
    CursorExpired(String),
    /// No token, or not one of the Worker's.
    #[error("{}", if *.0 { "the bearer token is not valid for this Worker" } else { "send the Worker's token as `Authorization: Bearer <token>`" })]
    Unauthorized(
        /// Whether a token was sent (and was wrong).
        bool,
    ),
    /// A browser origin not in `ALLOWED_ORIGINS`.
    #[error(
        "origin {0:?} is not allowed: add it to ALLOWED_ORIGINS to call this server from that page"
    )]
    OriginNotAllowed(String),
    /// The user may not do this (the sync, erasing a call: admins only).
    #[error("{0}")]
    Forbidden(String),
    /// No such route.
    #[error("no such route: see the README's API reference")]
    NotFound,
    /// A route that exists, with another method.
    #[error("use {0}")]
    MethodNotAllowed(String),
    /// Gong has no such call (or it is private, or not this user's).
    #[error("Gong has no call {0}")]
    CallNotFound(String),
    /// Gong has no transcript for the call (yet).
    #[error("Gong has no transcript for call {0} (yet)")]
    TranscriptNotFound(String),
    /// A chunk number past the last chunk.
    #[error("there is no chunk {index}: the text has {count} chunks of at most {max_chars} characters, numbered from 0")]
    ChunkNotFound {
        /// The chunk asked for.
        index: usize,
        /// How many there are.
        count: usize,
        /// The chunk size.
        max_chars: usize,
    },
    /// A body over the limit.
    #[error("the body is larger than {} MB", .0 / (1024 * 1024))]
    PayloadTooLarge(usize),
    /// Gong refused the key and secret.
    #[error("Gong refused the credentials ({0}): check the GONG_API_KEY and GONG_API_SECRET secrets, and GONG_BASE_URL, since Gong gives some customers their own host (such as https://us-12345.api.gong.io) and a wrong host also answers {0}")]
    GongAuthFailed(u16),
    /// Gong refused a request.
    #[error("Gong refused the request: {0}")]
    GongBadRequest(String),
    /// Gong sent something that is not its documented JSON.
    #[error("Gong's answer is not what it documents: {0}")]
    GongBadResponse(String),
    /// Gong answered with a redirect, which is not followed with credentials.
    #[error("Gong answered {status} with a redirect to {location:?}, which is not followed with the Gong credentials: set GONG_BASE_URL to the host Gong names for your company")]
    GongRedirect {
        /// The 3xx status.
        status: u16,
        /// Where it pointed.
        location: String,
    },
    /// Gong kept failing after retries.
    #[error("{0}")]
    GongUnavailable(String),
    /// Gong's rate limit, after the retries allowed.
    #[error("Gong's rate limit was hit (3 requests per second, 10,000 per day per company); try again in {0} s")]
    GongRateLimited(u64),
    /// This Worker's daily budget of Gong requests is spent.
    #[error("this Worker's daily budget of Gong requests{} is spent; it resets in {retry_after} s (GONG_DAILY_BUDGET, SYNC_DAILY_BUDGET, GONG_DAY_RESET_UTC)", if budget == "sync" { " for the sync" } else { "" })]
    GongQuotaExhausted {
        /// Seconds until the day resets.
        retry_after: u64,
        /// Which budget: `day` or `sync`.
        budget: String,
    },
    /// The caller's own daily budget of Gong requests on demand is spent
    /// (`USER_DAILY_GONG_BUDGET`); the library and the cache still answer.
    #[error("your daily budget of Gong requests is spent (USER_DAILY_GONG_BUDGET); it resets in {retry_after} s. Calls in the library and answers already fetched are still served")]
    UserQuotaExhausted {
        /// Seconds until the day resets.
        retry_after: u64,
    },
    /// A setting or secret is missing or wrong (fail closed).
    #[error("{0}")]
    NotConfigured(String),
    /// A bug: something that cannot fail did.
    #[error("internal error: {0}")]
    Internal(String),
}

/// `Result` with the Worker's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Error::InvalidCallId(_)
            | Error::InvalidQuery(_)
            | Error::InvalidCursor
            | Error::InvalidBody(_)
            | Error::TooManyChunks { .. }
            | Error::CursorExpired(_) => 400,
            Error::Unauthorized(_) => 401,
            Error::OriginNotAllowed(_) | Error::Forbidden(_) => 403,
            Error::NotFound
            | Error::CallNotFound(_)
            | Error::TranscriptNotFound(_)
            | Error::ChunkNotFound { .. } => 404,
            Error::MethodNotAllowed(_) => 405,
            Error::PayloadTooLarge(_) => 413,
            Error::UserQuotaExhausted { .. } => 429,
            Error::Internal(_) => 500,
            Error::GongAuthFailed(_)
            | Error::GongBadRequest(_)
            | Error::GongBadResponse(_)
            | Error::GongRedirect { .. }
            | Error::GongUnavailable(_) => 502,
            Error::GongRateLimited(_)
            | Error::GongQuotaExhausted { .. }
            | Error::NotConfigured(_) => 503,
        }
    }

    /// The stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidCallId(_) => "invalid_call_id",
            Error::InvalidQuery(_) => "invalid_query",
            Error::InvalidCursor => "invalid_cursor",
            Error::InvalidBody(_) => "invalid_body",
            Error::TooManyChunks { .. } => "too_many_chunks",
            Error::CursorExpired(_) => "cursor_expired",
            Error::Unauthorized(_) => "unauthorized",
            Error::OriginNotAllowed(_) => "origin_not_allowed",
            Error::Forbidden(_) => "forbidden",
            Error::NotFound => "not_found",
            Error::MethodNotAllowed(_) => "method_not_allowed",
            Error::CallNotFound(_) => "call_not_found",
            Error::TranscriptNotFound(_) => "transcript_not_found",
            Error::ChunkNotFound { .. } => "chunk_not_found",
            Error::PayloadTooLarge(_) => "payload_too_large",
            Error::GongAuthFailed(_) => "gong_auth_failed",
            Error::GongBadRequest(_) => "gong_bad_request",
            Error::GongBadResponse(_) => "gong_bad_response",
            Error::GongRedirect { .. } => "gong_redirect",
            Error::GongUnavailable(_) => "gong_unavailable",
            Error::GongRateLimited(_) => "gong_rate_limited",
            Error::GongQuotaExhausted { .. } => "gong_quota_exhausted",
            Error::UserQuotaExhausted { .. } => "user_quota_exhausted",
            Error::NotConfigured(_) => "not_configured",
            Error::Internal(_) => "internal_error",
        }
    }

    /// Seconds to wait before trying again (`Retry-After`), when known.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Error::GongRateLimited(seconds) => Some(*seconds),
            Error::GongQuotaExhausted { retry_after, .. }
            | Error::UserQuotaExhausted { retry_after } => Some(*retry_after),
            _ => None,
        }
    }

    /// Extra headers the answer carries.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = Vec::new();
        if let Some(seconds) = self.retry_after() {
            headers.push(("Retry-After", seconds.to_string()));
        }
        match self {
            Error::MethodNotAllowed(allow) => headers.push(("Allow", allow.clone())),
            // MCP clients and OAuth-aware callers read the scheme from here.
            Error::Unauthorized(sent) => headers.push((
                "WWW-Authenticate",
                if *sent {
                    r#"Bearer realm="gongkit", error="invalid_token""#.to_owned()
                } else {
                    r#"Bearer realm="gongkit""#.to_owned()
                },
            )),
            _ => {}
        }
        headers
    }

    /// The REST body: `{"error": {"code": …, "message": …}}`.
    pub fn body(&self) -> String {
        json!({"error": {"code": self.code(), "message": self.to_string()}}).to_string()
    }

    /// What an MCP tool returns for it: what happened and what to do next.
    pub fn tool_text(&self) -> String {
        let m = self.to_string();
        match self {
            Error::InvalidCallId(_) => format!("{m} — a Gong call id is 1 to 20 digits, such as 7782342274025937895; use list_calls or find_calls_by_account to find one."),
            Error::CallNotFound(_) | Error::TranscriptNotFound(_) => format!("{m} — check the id, or use list_calls to find the call."),
            Error::ChunkNotFound { .. } => format!("{m} — ask for a chunk from 0 to the count minus one."),
            Error::GongRateLimited(_) => format!("{m} Wait and call the tool again."),
            Error::GongQuotaExhausted { .. } | Error::UserQuotaExhausted { .. } => format!("{m} Calls already in the library can still be read; tell the user the rest waits for the reset."),
            Error::GongUnavailable(_) | Error::GongBadResponse(_) => format!("Gong is not answering properly right now ({m}). Try again in a minute."),
            Error::GongAuthFailed(_) | Error::GongRedirect { .. } => format!("The gongkit server cannot reach Gong: {m} Tell the user; retrying will not help."),
            Error::NotConfigured(_) => format!("The gongkit server is not set up for this: {m} Tell the user; retrying will not help."),
            Error::CursorExpired(_) | Error::InvalidCursor => format!("{m} Call the tool again with the same arguments and no cursor."),
            _ => m,
        }
    }

    /// A value the core refused in a caller's input.
    pub fn from_input(e: gongkit::Error) -> Error {
        match e {
            gongkit::Error::CallNotFound(ref id) => {
                Error::CallNotFound(id.clone().unwrap_or_default())
            }
            gongkit::Error::InvalidArgument {
                name: "call id", ..
            } => Error::InvalidCallId(e.to_string()),
            gongkit::Error::InvalidArgument { .. } | gongkit::Error::InvalidUtcOffset(_) => {
                Error::InvalidQuery(e.to_string())
            }
            other => Error::InvalidBody(other.to_string()),
        }
    }

    /// The same complaint about a JSON body rather than a query string:
    /// `invalid_body`, whose message names the field.
    pub fn in_body(self) -> Error {
        match self {
            Error::InvalidQuery(m) => Error::InvalidBody(m),
            other => other,
        }
    }

    /// Something in Gong's answer the core could not read.
    pub fn from_gong(e: gongkit::Error) -> Error {
        match e {
            gongkit::Error::InvalidArgument { .. } | gongkit::Error::InvalidUtcOffset(_) => {
                Error::InvalidQuery(e.to_string())
            }
            other => Error::GongBadResponse(other.to_string()),
        }
    }

    /// A serialization that cannot fail did: 500, never an empty 200.
    pub fn internal(e: impl std::fmt::Display) -> Error {
        Error::Internal(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_has_one_status_code_and_body() {
        let e = Error::GongRateLimited(7);
        assert_eq!(
            (e.status(), e.code(), e.retry_after()),
            (503, "gong_rate_limited", Some(7))
        );
        assert_eq!(e.headers(), vec![("Retry-After", "7".to_owned())]);
        let body: serde_json::Value =
            serde_json::from_str(&Error::Internal("x".into()).body()).unwrap();
        assert_eq!(body["error"]["code"], "internal_error");
        assert_eq!(
            Error::OriginNotAllowed("https://evil.example".into()).status(),
            403
        );
        assert!(Error::Unauthorized(true).headers()[0]
            .1
            .contains(r#"error="invalid_token""#));
        assert!(!Error::Unauthorized(false).headers()[0].1.contains("error="));
        assert_eq!(
            (
                Error::Forbidden("x".into()).status(),
                Error::Forbidden("x".into()).code()
            ),
            (403, "forbidden")
        );
        assert!(Error::CallNotFound("1".into())
            .tool_text()
            .contains("list_calls"));
        let e = Error::UserQuotaExhausted { retry_after: 60 };
        assert_eq!(
            (e.status(), e.code(), e.headers()),
            (
                429,
                "user_quota_exhausted",
                vec![("Retry-After", "60".to_owned())]
            )
        );
    }
}
