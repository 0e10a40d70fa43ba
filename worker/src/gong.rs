//! The Gong client: `POST` with JSON bodies from the core's request
//! builders, Basic auth from the Worker's secrets, bounded retries, and
//! Gong's answers mapped to the Worker's errors. The decisions are plain
//! functions (tested natively); only [`Gong::post`] does I/O.

use std::cell::Cell;
use std::time::Duration;

use base64::Engine;

use crate::error::{Error, Result};

/// At most this many tries of one request.
pub const MAX_TRIES: u32 = 3;
/// At most this much waiting between tries of one request.
pub const MAX_WAIT: Duration = Duration::from_secs(10);
/// One try's time limit.
pub const TRY_TIMEOUT: Duration = Duration::from_secs(20);
/// The longest `Retry-After` passed on to callers: Gong's limits reset
/// within a day, and a bigger number is a broken header.
pub const MAX_RETRY_AFTER_SECONDS: u64 = 86_400;

/// What Gong answered, once retries are over.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    /// A 200 with its body.
    Body(String),
    /// Gong's 404 "No calls found corresponding to the provided filters":
    /// the only 404 that means "nothing here". Any other 404 is an error.
    NoCalls,
}

/// What to do after a try that did not succeed.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// Wait this long, then try again.
    Wait(Duration),
    /// Stop with this error.
    Stop(Error),
}

/// Seconds to wait from a `Retry-After` header: delay-seconds or an
/// HTTP-date (`now_ms` is the time of the answer); 1 s when absent or
/// unreadable, clamped to [`MAX_RETRY_AFTER_SECONDS`].
pub fn retry_after_seconds(header: Option<&str>, now_ms: u64) -> u64 {
    let Some(value) = header.map(str::trim).filter(|v| !v.is_empty()) else {
        return 1;
    };
    let seconds = if value.bytes().all(|b| b.is_ascii_digit()) {
        // Longer than u64 is still "a very long time".
        value.parse::<u64>().unwrap_or(u64::MAX)
    } else {
        match httpdate::parse_http_date(value) {
            Ok(at) => {
                let at_ms = at
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as u64);
                at_ms.saturating_sub(now_ms).div_ceil(1000)
            }
            Err(_) => 1,
        }
    };
    seconds.min(MAX_RETRY_AFTER_SECONDS)
}

/// After a 429: wait as long as Gong asks, if the budget allows; otherwise
/// answer at once with Gong's `Retry-After`.
pub fn after_rate_limit(seconds: u64, tries: u32, waited: Duration, max_wait: Duration) -> Next {
    let wait = Duration::from_secs(seconds);
    if tries < MAX_TRIES && waited.saturating_add(wait) <= max_wait {
        return Next::Wait(wait);
    }
    Next::Stop(Error::GongRateLimited(seconds.max(1)))
}

/// After a 5xx or a network failure: back off 250 ms, then 500 ms, within
/// the budget; then give up.
pub fn after_failure(what: &str, tries: u32, waited: Duration, max_wait: Duration) -> Next {
    let wait = Duration::from_millis(250 << tries.saturating_sub(1).min(6));
    if tries < MAX_TRIES && waited.saturating_add(wait) <= max_wait {
        return Next::Wait(wait);
    }
    Next::Stop(Error::GongUnavailable(format!(
        "Gong did not answer properly after {tries} tries ({what}); try again later"
    )))
}

/// The error for a final answer that is neither success nor retried. Only
/// here can a secret appear (Gong's error bodies may echo headers), so
/// only here is text redacted.
pub fn error_for(status: u16, body: &str, location: Option<&str>, secrets: &[&str]) -> Error {
    let gong_message = gongkit::GongError::parse(body)
        .map(|e| e.message())
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| format!("status {status}"));
    let gong_message = redact(&gong_message, secrets);
    match status {
        300..=399 => Error::GongRedirect {
            status,
            location: redact(location.unwrap_or("(no Location)"), secrets),
        },
        401 | 403 => Error::GongAuthFailed(status),
        404 => Error::GongBadResponse(format!(
            "Gong answered 404 ({gong_message}) where it answers 200 or \"no calls found\": check GONG_BASE_URL"
        )),
        400 if gong_message.to_ascii_lowercase().contains("cursor") => {
            Error::CursorExpired(gong_message)
        }
        400 => Error::GongBadRequest(gong_message),
        _ => Error::GongUnavailable(format!("Gong answered {status}: {gong_message}")),
    }
}

/// Replaces every secret (and so its Basic-auth encoding, given as one)
/// in text Gong wrote.
pub fn redact(message: &str, secrets: &[&str]) -> String {
    let mut out = message.to_owned();
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        if out.contains(*s) {
            out = out.replace(*s, "[redacted]");
        }
    }
    out
}

/// `Authorization: Basic …` for Gong.
pub fn basic_auth(key: &str, secret: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{key}:{secret}"));
    format!("Basic {encoded}")
}

/// The client: base URL, credentials, the gate it asks before each
/// request, and a count of the requests made.
pub struct Gong {
    #[cfg(target_arch = "wasm32")]
    gate: Option<(std::rc::Rc<crate::gate::remote::Client>, crate::gate::Ask)>,
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    max_wait: Duration,
    // Read by the Workers-runtime `post` only.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    base: String,
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    authorization: String,
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    secrets: [String; 3],
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
            #[cfg(target_arch = "wasm32")]
            gate: None,
            max_wait: MAX_WAIT,
            base: base.trim_end_matches('/').to_owned(),
            secrets: [key.to_owned(), secret.to_owned(), encoded],
            authorization,
            requests: Cell::new(0),
        }
    }

    /// Every request takes a permit from this gate first, for `purpose`;
    /// the sync may wait longer for its turn than a caller.
    #[cfg(target_arch = "wasm32")]
    pub fn with_gate(
        mut self,
        gate: std::rc::Rc<crate::gate::remote::Client>,
        purpose: crate::gate::Purpose,
    ) -> Self {
        let ask = if purpose == crate::gate::Purpose::Sync {
            self.max_wait = Duration::from_secs(60);
            crate::gate::Ask::sync(0)
        } else {
            crate::gate::Ask {
                purpose,
                user: String::new(),
                admin: false,
                max_wait_ms: 0,
            }
        };
        self.gate = Some((gate, ask));
        self
    }

    /// The requests are made for `user`: counted against their daily
    /// budget unless they are an admin.
    #[cfg(target_arch = "wasm32")]
    pub fn for_user(mut self, user: &crate::access::User) -> Self {
        if let Some((_, ask)) = &mut self.gate {
            ask.user = user.label.clone();
            ask.admin = user.admin;
        }
        self
    }

    /// How many requests were sent to Gong.
    pub fn requests(&self) -> u32 {
        self.requests.get()
    }

    /// `POST {base}{path}` with a JSON body, retried as the policy says.
    /// Redirects are not followed: the credentials go to Gong's host only.
    #[cfg(target_arch = "wasm32")]
    pub async fn post(&self, path: &str, body: &str) -> Result<Answer> {
        use futures::future::{select, Either};
        use worker::{
            AbortController, Delay, Fetch, Headers, Method, Request, RequestInit, RequestRedirect,
        };

        let url = format!("{}{}", self.base, path);
        let secrets = [
            self.secrets[0].as_str(),
            self.secrets[1].as_str(),
            self.secrets[2].as_str(),
        ];
        let mut tries = 0;
        let mut waited = Duration::ZERO;
        loop {
            tries += 1;
            // Whether this try is the probe through a long pause.
            let mut probe = false;
            if let Some((gate, ask)) = &self.gate {
                // The gate books a slot only within what is left of the wait.
                let left = self.max_wait.saturating_sub(waited);
                let ask = crate::gate::Ask {
                    max_wait_ms: u64::try_from(left.as_millis()).unwrap_or(u64::MAX),
                    ..ask.clone()
                };
                match gate.permit(&ask).await? {
                    crate::gate::Decision::Go { wait_ms, probe: p } => {
                        probe = p;
                        let wait = Duration::from_millis(wait_ms);
                        if waited.saturating_add(wait) > self.max_wait {
                            return Err(Error::GongRateLimited(wait_ms.div_ceil(1000).max(1)));
                        }
                        if wait_ms > 0 {
                            Delay::from(wait).await;
                            waited = waited.saturating_add(wait);
                        }
                    }
                    crate::gate::Decision::Busy { retry_after } => {
                        return Err(Error::GongRateLimited(retry_after))
                    }
                    crate::gate::Decision::Exhausted {
                        retry_after,
                        budget,
                    } if budget == "user" => return Err(Error::UserQuotaExhausted { retry_after }),
                    crate::gate::Decision::Exhausted {
                        retry_after,
                        budget,
                    } => {
                        return Err(Error::GongQuotaExhausted {
                            retry_after,
                            budget,
                        })
                    }
                }
            }
            self.requests.set(self.requests.get() + 1);
            let headers = Headers::new();
            let _ = headers.set("Authorization", &self.authorization);
            let _ = headers.set("Content-Type", "application/json");
            let _ = headers.set("Accept", "application/json");
            let mut init = RequestInit::new();
            init.with_method(Method::Post)
                .with_headers(headers)
                .with_redirect(RequestRedirect::Manual)
                .with_body(Some(body.into()));
            let request = Request::new_with_init(&url, &init).map_err(|_| {
                Error::NotConfigured("cannot build a request to Gong: check GONG_BASE_URL".into())
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
                Ok(response) => {
                    let status = response.status_code();
                    let header = |name: &str| response.headers().get(name).ok().flatten();
                    let retry_after = header("Retry-After");
                    let location = header("Location");
                    let text = crate::cache::body_text(response).await;
                    match (status, text) {
                        (200, Ok(text)) => {
                            self.answered(probe).await;
                            return Ok(Answer::Body(text));
                        }
                        (200, Err(_)) => {
                            after_failure("the answer was cut off", tries, waited, self.max_wait)
                        }
                        (404, Ok(text)) if gongkit::is_no_calls_found(404, &text) => {
                            self.answered(probe).await;
                            return Ok(Answer::NoCalls);
                        }
                        (429, _) => {
                            let seconds = retry_after_seconds(
                                retry_after.as_deref(),
                                worker::Date::now().as_millis(),
                            );
                            if let Some((gate, _)) = &self.gate {
                                // Everyone waits; this request's next permit does too.
                                gate.pause(seconds).await?;
                            }
                            match after_rate_limit(seconds, tries, waited, self.max_wait) {
                                Next::Wait(_) if self.gate.is_some() => continue,
                                next => next,
                            }
                        }
                        (500..=599, _) => {
                            after_failure(&format!("status {status}"), tries, waited, self.max_wait)
                        }
                        (_, text) => {
                            return Err(error_for(
                                status,
                                &text.unwrap_or_default(),
                                location.as_deref(),
                                &secrets,
                            ))
                        }
                    }
                }
                Err(what) => after_failure(what, tries, waited, self.max_wait),
            };
            match next {
                Next::Wait(wait) => {
                    Delay::from(wait).await;
                    waited = waited.saturating_add(wait);
                }
                Next::Stop(e) => return Err(e),
            }
        }
    }

    /// Gong answered the probe through a long pause: the pause is over for
    /// everyone.
    #[cfg(target_arch = "wasm32")]
    async fn answered(&self, probe: bool) {
        if let (true, Some((gate, _))) = (probe, &self.gate) {
            let _ = gate.resume().await;
        }
    }

    /// Not available outside the Workers runtime.
    #[cfg(not(target_arch = "wasm32"))]
    pub async fn post(&self, _path: &str, _body: &str) -> Result<Answer> {
        Err(Error::Internal(
            "the Gong client runs only in the Workers runtime".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_and_dates_and_is_clamped() {
        let now = 1_445_412_480_000; // Wed, 21 Oct 2015 07:28:00 GMT
        assert_eq!(retry_after_seconds(Some("3"), now), 3);
        assert_eq!(retry_after_seconds(None, now), 1);
        assert_eq!(retry_after_seconds(Some("soon"), now), 1);
        assert_eq!(
            retry_after_seconds(Some("Wed, 21 Oct 2015 07:28:30 GMT"), now),
            30
        );
        assert_eq!(
            retry_after_seconds(Some("Wed, 21 Oct 2015 07:27:00 GMT"), now),
            0
        );
        assert_eq!(
            retry_after_seconds(Some("18446744073709551615"), now),
            MAX_RETRY_AFTER_SECONDS
        );
        assert_eq!(
            retry_after_seconds(Some("99999999999999999999999"), now),
            MAX_RETRY_AFTER_SECONDS
        );
    }

    #[test]
    fn rate_limits_wait_within_the_budget_and_never_overflow() {
        assert_eq!(
            after_rate_limit(1, 1, Duration::ZERO, MAX_WAIT),
            Next::Wait(Duration::from_secs(1))
        );
        assert_eq!(
            after_rate_limit(2, 2, Duration::from_secs(1), MAX_WAIT),
            Next::Wait(Duration::from_secs(2))
        );
        for (after, tries, waited) in [(1, 3, 2), (11, 1, 0), (5, 2, 6)] {
            assert_eq!(
                after_rate_limit(after, tries, Duration::from_secs(waited), MAX_WAIT),
                Next::Stop(Error::GongRateLimited(after))
            );
        }
        // A first 429 then an absurd Retry-After: no overflow, a clear stop.
        let huge = retry_after_seconds(Some("18446744073709551615"), 0);
        assert_eq!(
            after_rate_limit(huge, 2, Duration::from_secs(1), MAX_WAIT),
            Next::Stop(Error::GongRateLimited(MAX_RETRY_AFTER_SECONDS))
        );
        assert_eq!(
            after_rate_limit(u64::MAX, 2, Duration::MAX, MAX_WAIT),
            Next::Stop(Error::GongRateLimited(u64::MAX))
        );
    }

    #[test]
    fn failures_back_off_then_stop() {
        assert_eq!(
            after_failure("x", 1, Duration::ZERO, MAX_WAIT),
            Next::Wait(Duration::from_millis(250))
        );
        assert_eq!(
            after_failure("x", 2, Duration::from_millis(250), MAX_WAIT),
            Next::Wait(Duration::from_millis(500))
        );
        assert!(matches!(
            after_failure("x", 3, Duration::ZERO, MAX_WAIT),
            Next::Stop(Error::GongUnavailable(_))
        ));
    }

    #[test]
    fn gong_errors_map_to_ours_without_secrets() {
        let secrets = ["k-123", "s-456"];
        let e = error_for(401, r#"{"errors": ["bad key k-123"]}"#, None, &secrets);
        assert_eq!((e.status(), e.code()), (502, "gong_auth_failed"));
        assert!(!e.to_string().contains("k-123") && e.to_string().contains("GONG_BASE_URL"));
        let e = error_for(
            400,
            r#"{"errors": ["The cursor has expired"]}"#,
            None,
            &secrets,
        );
        assert_eq!((e.status(), e.code()), (400, "cursor_expired"));
        let e = error_for(
            400,
            r#"{"errors": ["echo: Basic k-123:s-456"]}"#,
            None,
            &secrets,
        );
        assert_eq!(
            e,
            Error::GongBadRequest("echo: Basic [redacted]:[redacted]".into())
        );
        let e = error_for(404, r#"{"errors": ["Not Found"]}"#, None, &secrets);
        assert_eq!((e.status(), e.code()), (502, "gong_bad_response"));
        let e = error_for(302, "", Some("https://login.example/?k=k-123"), &secrets);
        assert_eq!((e.status(), e.code()), (502, "gong_redirect"));
        assert!(e
            .to_string()
            .contains("https://login.example/?k=[redacted]"));
    }
}
