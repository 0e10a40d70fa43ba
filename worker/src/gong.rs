//! The Gong client: `POST` with JSON bodies from the core's request
//! builders, Basic auth from the Worker's secrets, bounded retries, and
//! Gong's answers mapped to the Worker's errors. The decisions are plain
//! functions (tested natively); only [`Gong::post`] does I/O.

use std::cell::Cell;
use std::time::Duration;

use base64::Engine;

use crate::api::{redact, ApiError};

/// At most this many tries of one request.
pub const MAX_TRIES: u32 = 3;
/// At most this much waiting between tries of one request.
pub const MAX_WAIT: Duration = Duration::from_secs(10);
/// One try's time limit.
pub const TRY_TIMEOUT: Duration = Duration::from_secs(20);

/// What Gong answered, once retries are over.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    /// A 200 with its body.
    Body(String),
    /// Gong's 404 "No calls found corresponding to the provided filters".
    NoCalls,
    /// Any other 404.
    NotFound,
}

/// What to do after a try that did not succeed.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// Wait this long, then try again.
    Wait(Duration),
    /// Stop with this error.
    Stop(ApiError),
}

/// After a 429: wait as long as Gong asks, if the budget allows; otherwise
/// answer at once with Gong's `Retry-After`.
pub fn after_rate_limit(retry_after: Option<&str>, tries: u32, waited: Duration) -> Next {
    let seconds = retry_after
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(1);
    let wait = Duration::from_secs(seconds);
    if tries < MAX_TRIES && waited + wait <= MAX_WAIT {
        return Next::Wait(wait);
    }
    let mut e = ApiError::new(
        503,
        "gong_rate_limited",
        format!(
            "Gong's rate limit was hit (3 requests per second, 10,000 per day per company); try again in {seconds} s"
        ),
    );
    e.retry_after = Some(seconds);
    Next::Stop(e)
}

/// After a 5xx or a network failure: back off 250 ms, then 500 ms, within
/// the budget; then give up.
pub fn after_failure(what: &str, tries: u32, waited: Duration) -> Next {
    let wait = Duration::from_millis(250 << tries.saturating_sub(1).min(6));
    if tries < MAX_TRIES && waited + wait <= MAX_WAIT {
        return Next::Wait(wait);
    }
    Next::Stop(ApiError::new(
        502,
        "gong_unavailable",
        format!("Gong did not answer properly after {tries} tries ({what}); try again later"),
    ))
}

/// The error for a final answer that is neither success nor retried.
pub fn error_for(status: u16, body: &str, secrets: &[String]) -> ApiError {
    let gong_message = gongkit::GongError::parse(body)
        .map(|e| e.message())
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| format!("status {status}"));
    let gong_message = redact(&gong_message, secrets);
    match status {
        401 | 403 => ApiError::new(
            502,
            "gong_auth_failed",
            format!(
                "Gong refused the credentials ({status}): check the GONG_API_KEY and GONG_API_SECRET secrets, \
                 and GONG_BASE_URL, since Gong gives some customers their own host (such as \
                 https://us-12345.api.gong.io) and a wrong host also answers {status}"
            ),
        ),
        400 if gong_message.to_ascii_lowercase().contains("cursor") => ApiError::bad_request(
            "cursor_expired",
            format!("Gong no longer accepts this cursor ({gong_message}); start the listing again"),
        ),
        400 => ApiError::new(502, "gong_bad_request", format!("Gong refused the request: {gong_message}")),
        _ => ApiError::new(502, "gong_unavailable", format!("Gong answered {status}: {gong_message}")),
    }
}

/// A malformed Gong body, with the JSON path the core reports.
pub fn bad_response(err: gongkit::Error) -> ApiError {
    ApiError::new(
        502,
        "gong_bad_response",
        format!("Gong's answer is not what it documents: {err}"),
    )
}

/// `Authorization: Basic …` for Gong.
pub fn basic_auth(key: &str, secret: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{key}:{secret}"));
    format!("Basic {encoded}")
}

/// The client: base URL, credentials, and a count of the requests made.
pub struct Gong {
    // Read by the Workers-runtime `post` only.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    base: String,
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    authorization: String,
    secrets: Vec<String>,
    requests: Cell<u32>,
}

impl std::fmt::Debug for Gong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The credentials stay out of every printout.
        f.debug_struct("Gong")
            .field("base", &self.base)
            .field("requests", &self.requests.get())
            .finish_non_exhaustive()
    }
}

impl Gong {
    /// A client for `base` (such as `https://api.gong.io`).
    pub fn new(base: &str, key: &str, secret: &str) -> Self {
        let authorization = basic_auth(key, secret);
        let encoded = authorization.trim_start_matches("Basic ").to_owned();
        Gong {
            base: base.trim_end_matches('/').to_owned(),
            secrets: vec![key.to_owned(), secret.to_owned(), encoded],
            authorization,
            requests: Cell::new(0),
        }
    }

    /// The secrets no answer may carry.
    pub fn secrets(&self) -> &[String] {
        &self.secrets
    }

    /// How many requests were sent to Gong.
    pub fn requests(&self) -> u32 {
        self.requests.get()
    }

    /// `POST {base}{path}` with a JSON body, retried as the policy says.
    #[cfg(target_arch = "wasm32")]
    pub async fn post(&self, path: &str, body: &str) -> Result<Answer, ApiError> {
        use futures::future::{select, Either};
        use worker::{AbortController, Delay, Fetch, Headers, Method, Request, RequestInit};

        let url = format!("{}{}", self.base, path);
        let mut tries = 0;
        let mut waited = Duration::ZERO;
        loop {
            tries += 1;
            self.requests.set(self.requests.get() + 1);
            let headers = Headers::new();
            let _ = headers.set("Authorization", &self.authorization);
            let _ = headers.set("Content-Type", "application/json");
            let _ = headers.set("Accept", "application/json");
            let mut init = RequestInit::new();
            init.with_method(Method::Post)
                .with_headers(headers)
                .with_body(Some(body.into()));
            let request = Request::new_with_init(&url, &init).map_err(|_| {
                ApiError::new(
                    500,
                    "internal",
                    "cannot build the request to Gong: check GONG_BASE_URL",
                )
            })?;
            let controller = AbortController::default();
            let signal = controller.signal();
            let fetch = Fetch::Request(request);
            let sent = Box::pin(fetch.send_with_signal(&signal));
            let timeout = Box::pin(Delay::from(TRY_TIMEOUT));
            let outcome = match select(sent, timeout).await {
                Either::Left((result, _)) => result.map_err(|_| "network error"),
                Either::Right(((), _)) => {
                    controller.abort();
                    Err("timed out")
                }
            };
            let next = match outcome {
                Ok(mut response) => {
                    let status = response.status_code();
                    let retry_after = response.headers().get("Retry-After").ok().flatten();
                    let text = response.text().await;
                    match (status, text) {
                        (200, Ok(text)) => return Ok(Answer::Body(text)),
                        (200, Err(_)) => after_failure("the answer was cut off", tries, waited),
                        (404, Ok(text)) if gongkit::is_no_calls_found(404, &text) => {
                            return Ok(Answer::NoCalls)
                        }
                        (404, _) => return Ok(Answer::NotFound),
                        (429, _) => after_rate_limit(retry_after.as_deref(), tries, waited),
                        (500..=599, _) => after_failure(&format!("status {status}"), tries, waited),
                        (_, text) => {
                            return Err(error_for(status, &text.unwrap_or_default(), &self.secrets))
                        }
                    }
                }
                Err(what) => after_failure(what, tries, waited),
            };
            match next {
                Next::Wait(wait) => {
                    Delay::from(wait).await;
                    waited += wait;
                }
                Next::Stop(e) => return Err(e),
            }
        }
    }

    /// Not available outside the Workers runtime.
    #[cfg(not(target_arch = "wasm32"))]
    pub async fn post(&self, _path: &str, _body: &str) -> Result<Answer, ApiError> {
        Err(ApiError::new(
            500,
            "internal",
            "the Gong client runs only in the Workers runtime",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_wait_within_the_budget() {
        assert_eq!(
            after_rate_limit(Some("1"), 1, Duration::ZERO),
            Next::Wait(Duration::from_secs(1))
        );
        assert_eq!(
            after_rate_limit(Some("2"), 2, Duration::from_secs(1)),
            Next::Wait(Duration::from_secs(2))
        );
        // The third try is the last; a wait beyond the budget answers at once.
        for (after, tries, waited) in [("1", 3, 2), ("11", 1, 0), ("5", 2, 6)] {
            match after_rate_limit(Some(after), tries, Duration::from_secs(waited)) {
                Next::Stop(e) => {
                    assert_eq!((e.status, e.code), (503, "gong_rate_limited"));
                    assert_eq!(e.retry_after, Some(after.parse().unwrap()));
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn failures_back_off_then_stop() {
        assert_eq!(
            after_failure("x", 1, Duration::ZERO),
            Next::Wait(Duration::from_millis(250))
        );
        assert_eq!(
            after_failure("x", 2, Duration::from_millis(250)),
            Next::Wait(Duration::from_millis(500))
        );
        assert!(
            matches!(after_failure("x", 3, Duration::ZERO), Next::Stop(e) if e.code == "gong_unavailable")
        );
    }

    #[test]
    fn gong_errors_map_to_ours_without_secrets() {
        let secrets = vec!["k-123".to_owned(), "s-456".to_owned()];
        let e = error_for(401, r#"{"errors": ["bad key k-123"]}"#, &secrets);
        assert_eq!((e.status, e.code), (502, "gong_auth_failed"));
        assert!(!e.message.contains("k-123") && e.message.contains("GONG_BASE_URL"));
        let e = error_for(400, r#"{"errors": ["The cursor has expired"]}"#, &secrets);
        assert_eq!((e.status, e.code), (400, "cursor_expired"));
        let e = error_for(400, r#"{"errors": ["echo: Basic k-123:s-456"]}"#, &secrets);
        assert_eq!((e.status, e.code), (502, "gong_bad_request"));
        assert_eq!(
            e.message,
            "Gong refused the request: echo: Basic [redacted]:[redacted]"
        );
    }
}
