//! gongkit at the edge: a Cloudflare Worker that fetches calls from Gong
//! with the API key and secret it holds as secrets, and answers with
//! normalized, LLM-ready calls.
//!
//! The Worker is thin. [`api`] is its HTTP surface as plain functions,
//! [`gong`] the Gong client, [`list`] the listing cursor; this module is the
//! glue that reads the environment, caches Gong's answers and calls the
//! core. All parsing and formatting is the `gongkit` crate's.

pub mod api;
pub mod gong;
pub mod list;
pub mod mcp;

#[cfg(target_arch = "wasm32")]
mod glue;

/// The Worker's settings, read from its environment. Its `Debug` never
/// prints a secret, so no log line or panic message can carry one.
#[derive(Clone, Default)]
pub struct Config {
    /// `GONG_BASE_URL`: Gong's API host for this customer.
    pub gong_base_url: String,
    /// `INTERNAL_DOMAINS`: the seller's own domains.
    pub internal_domains: Vec<String>,
    /// `ALLOWED_ORIGINS`: origins allowed by CORS (`*` for any).
    pub allowed_origins: Vec<String>,
    /// `CACHE_TTL_SECONDS`: how long Gong's answers are kept (default a day).
    pub cache_ttl_seconds: u64,
    /// `GONGKIT_TOKEN` (secret): the callers' bearer token.
    pub token: Option<String>,
    /// `GONG_API_KEY` (secret).
    pub gong_key: Option<String>,
    /// `GONG_API_SECRET` (secret).
    pub gong_secret: Option<String>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |s: &Option<String>| if s.is_some() { "[set]" } else { "[unset]" };
        f.debug_struct("Config")
            .field("gong_base_url", &self.gong_base_url)
            .field("internal_domains", &self.internal_domains)
            .field("allowed_origins", &self.allowed_origins)
            .field("cache_ttl_seconds", &self.cache_ttl_seconds)
            .field("token", &set(&self.token))
            .field("gong_key", &set(&self.gong_key))
            .field("gong_secret", &set(&self.gong_secret))
            .finish()
    }
}

impl Config {
    /// A client for Gong, or 503 when the secrets are not set.
    pub fn gong(&self) -> Result<gong::Gong, api::ApiError> {
        match (self.gong_key.as_deref(), self.gong_secret.as_deref()) {
            (Some(key), Some(secret)) if !key.is_empty() && !secret.is_empty() => {
                Ok(gong::Gong::new(&self.gong_base_url, key, secret))
            }
            _ => Err(api::ApiError::new(
                503,
                "not_configured",
                "this Worker has no Gong credentials: set GONG_API_KEY and GONG_API_SECRET with `wrangler secret put`",
            )),
        }
    }

    /// Every secret value, for redaction.
    pub fn secrets(&self) -> Vec<String> {
        let mut all: Vec<String> = [&self.token, &self.gong_key, &self.gong_secret]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect();
        if let (Some(k), Some(s)) = (&self.gong_key, &self.gong_secret) {
            all.push(
                gong::basic_auth(k, s)
                    .trim_start_matches("Basic ")
                    .to_owned(),
            );
        }
        all
    }

    /// A short digest of the Gong host and key, so a cache shared by two
    /// configurations never serves one tenant's calls to the other.
    pub fn tenant(&self) -> String {
        let seed = format!(
            "{}|{}",
            self.gong_base_url,
            self.gong_key.as_deref().unwrap_or_default()
        );
        let hash = seed.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        format!("{hash:016x}")
    }
}

/// An answer before it becomes a `worker::Response`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// The body.
    pub body: String,
    /// Other headers.
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    /// 200 with a JSON body.
    pub fn json(body: String) -> Reply {
        Reply {
            status: 200,
            content_type: "application/json",
            body,
            headers: Vec::new(),
        }
    }

    /// 200 with a text body of this content type.
    pub fn text(content_type: &'static str, body: String) -> Reply {
        Reply {
            status: 200,
            content_type,
            body,
            headers: Vec::new(),
        }
    }

    /// The error's status and JSON body (with `Retry-After` when known).
    pub fn error(e: &api::ApiError) -> Reply {
        let mut headers = Vec::new();
        if let Some(s) = e.retry_after {
            headers.push(("Retry-After", s.to_string()));
        }
        Reply {
            status: e.status,
            content_type: "application/json",
            body: e.body(),
            headers,
        }
    }

    /// The same reply with one more header.
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }
}

/// `POST /v1/format`: raw Gong JSON in, the normalized call out, without
/// asking Gong. The body is an extensive answer, a transcript answer, or
/// `{"extensive": …, "transcript": …}`.
pub fn format_body(
    body: &str,
    query: &api::CallQuery,
    internal: &[String],
) -> Result<Reply, api::ApiError> {
    use serde_json::value::RawValue;
    let invalid = |e: gongkit::Error| api::ApiError::bad_request("invalid_body", e.to_string());
    let options = query.call_options(internal);
    // The shape, from the top-level keys only; the values stay raw JSON.
    let top: Option<std::collections::BTreeMap<String, &RawValue>> =
        serde_json::from_str(body).ok();
    let raw_text = |raw: &RawValue| -> String {
        // A value may be JSON text inside a string.
        match serde_json::from_str::<String>(raw.get()) {
            Ok(text) => text,
            Err(_) => raw.get().to_owned(),
        }
    };
    let (extensive, transcript) = match &top {
        Some(map) if map.contains_key("extensive") => (
            map.get("extensive").map(|r| raw_text(r)),
            map.get("transcript")
                .map(|r| raw_text(r))
                .filter(|t| t != "null"),
        ),
        Some(map)
            if ["calls", "metaData", "parties"]
                .iter()
                .any(|k| map.contains_key(*k)) =>
        {
            (Some(body.to_owned()), None)
        }
        _ => (None, Some(body.to_owned())),
    };
    match extensive {
        Some(extensive) => {
            let parsed = gongkit::AnyExtensive::from_json(&extensive).map_err(invalid)?;
            let input = transcript.as_deref().map(gongkit::TranscriptInput::Json);
            let call = gongkit::normalize_call(&parsed, input, &options).map_err(invalid)?;
            Ok(Reply::json(
                serde_json::to_string(&call).unwrap_or_default(),
            ))
        }
        None => {
            let text = gongkit::format_transcript(
                transcript.as_deref().unwrap_or_default(),
                &gongkit::TranscriptOptions {
                    format: query.format,
                    timestamps: query.timestamps,
                    merge: query.merge,
                    parties: &[],
                    call_id: None,
                },
            )
            .map_err(invalid)?;
            Ok(Reply::json(
                serde_json::json!({ "transcript": text }).to_string(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_body_takes_every_shape() {
        let q = api::CallQuery::default();
        let ext = r#"{"calls": [{"metaData": {"id": "1", "title": "T"}, "parties": [{"speakerId": "7", "name": "Jane"}]}]}"#;
        let tr = r#"{"callTranscripts": [{"callId": "1", "transcript": [{"speakerId": "7", "sentences": [{"text": "Hi."}]}]}]}"#;
        let both = format!(r#"{{"extensive": {ext}, "transcript": {tr}}}"#);
        let r = format_body(&both, &q, &[]).unwrap();
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["transcript"], "Jane: Hi.");
        let r = format_body(ext, &q, &[]).unwrap();
        assert!(
            serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["transcript"].is_null()
        );
        let r = format_body(tr, &q, &[]).unwrap();
        assert_eq!(r.body, r#"{"transcript":"Speaker 7: Hi."}"#);
        let e = format_body(
            r#"{"callTranscripts": [{"transcript": [{"sentences": [{"start": "x"}]}]}]}"#,
            &q,
            &[],
        )
        .unwrap_err();
        assert_eq!((e.status, e.code), (400, "invalid_body"));
        assert!(e
            .message
            .starts_with("callTranscripts[0].transcript[0].sentences[0].start"));
    }

    #[test]
    fn debug_output_has_no_secrets() {
        let c = Config {
            token: Some("tok-123456".into()),
            gong_key: Some("key-123456".into()),
            gong_secret: Some("sec-123456".into()),
            ..Config::default()
        };
        let text = format!("{c:?}");
        for s in ["tok-123456", "key-123456", "sec-123456"] {
            assert!(!text.contains(s), "{text}");
        }
        assert!(text.contains("[set]"));
    }

    #[test]
    fn tenants_differ_by_key() {
        let a = Config {
            gong_key: Some("a".into()),
            ..Config::default()
        };
        let b = Config {
            gong_key: Some("b".into()),
            ..Config::default()
        };
        assert_ne!(a.tenant(), b.tenant());
        assert!(!a.tenant().contains('a') || a.tenant().len() == 16);
    }
}
