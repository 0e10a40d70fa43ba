//! Gong's JSON given by the caller, formatted without asking Gong
//! (`POST /v1/format`).

use std::borrow::Cow;

use gongkit::{AnyExtensive, CallOptions, NormalizedCall, TranscriptInput};

use crate::error::{Error, Result};
use crate::reply;

/// What a body formats to: the normalized call, or a transcript alone.
enum Formatted<'a> {
    Call(Box<NormalizedCall<'a>>),
    Transcript(String),
}

/// Formats the body (the shapes [`format_raw`] takes) and hands the result
/// to `answer`, which writes the answer from it: the call's JSON, or the
/// transcript file.
fn formatted<T>(
    body: &str,
    options: &CallOptions,
    internal_domains: &[String],
    answer: impl FnOnce(Formatted<'_>) -> Result<T>,
) -> Result<T> {
    use serde_json::value::RawValue;
    let options = CallOptions {
        internal_domains: internal_domains.to_vec(),
        ..options.clone()
    };
    let invalid = |e: gongkit::Error| match e {
        gongkit::Error::InvalidArgument { .. } | gongkit::Error::InvalidUtcOffset(_) => {
            Error::InvalidQuery(e.to_string())
        }
        other => Error::InvalidBody(other.to_string()),
    };
    // The shape, from the top-level keys only; the values stay raw JSON.
    let top: Option<std::collections::BTreeMap<String, &RawValue>> =
        serde_json::from_str(body).ok();
    fn raw_text<'b>(raw: &&'b RawValue) -> Cow<'b, str> {
        // A value may be JSON text inside a string; otherwise it is read
        // where it is (a transcript is hundreds of KB: no copy).
        match serde_json::from_str::<String>(raw.get()) {
            Ok(text) => Cow::Owned(text),
            Err(_) => Cow::Borrowed(raw.get()),
        }
    }
    let (extensive, transcript) = match &top {
        Some(map) if map.contains_key("extensive") => (
            map.get("extensive").map(raw_text),
            map.get("transcript").map(raw_text).filter(|t| t != "null"),
        ),
        Some(map)
            if ["calls", "metaData", "parties"]
                .iter()
                .any(|k| map.contains_key(*k)) =>
        {
            (Some(Cow::Borrowed(body)), None)
        }
        _ => (None, Some(Cow::Borrowed(body))),
    };
    match extensive {
        Some(extensive) => {
            let parsed = AnyExtensive::from_json(&extensive).map_err(invalid)?;
            let input = transcript.as_deref().map(TranscriptInput::Json);
            let call = gongkit::normalize_call(&parsed, input, &options).map_err(invalid)?;
            answer(Formatted::Call(Box::new(call)))
        }
        None => {
            let text = gongkit::format_transcript(
                transcript.as_deref().unwrap_or_default(),
                &gongkit::TranscriptOptions {
                    call_id: None,
                    ..gongkit::TranscriptOptions::from(&options)
                },
            )
            .map_err(invalid)?;
            answer(Formatted::Transcript(text))
        }
    }
}

/// `POST /v1/format`: raw Gong JSON in (an extensive answer, a transcript
/// answer, or `{"extensive": …, "transcript": …}`), the normalized call out
/// as JSON, without asking Gong.
///
/// # Errors
///
/// 400 `invalid_body` naming the JSON path of what does not fit.
pub fn format_raw(
    body: &str,
    options: &CallOptions,
    internal_domains: &[String],
) -> Result<String> {
    formatted(body, options, internal_domains, |f| match f {
        Formatted::Call(call) => reply::call_json(*call),
        Formatted::Transcript(text) => Ok(reply::transcript_json(&text)),
    })
}

/// `POST /v1/format?output=transcript`: the transcript file itself, from
/// the same bodies [`format_raw`] takes (with the extensive answer, its
/// speakers are named).
///
/// # Errors
///
/// 400 `invalid_body` naming the JSON path of what does not fit, or when
/// the body holds no transcript.
pub fn format_raw_transcript(
    body: &str,
    options: &CallOptions,
    internal_domains: &[String],
) -> Result<String> {
    formatted(body, options, internal_domains, |f| {
        match f {
        Formatted::Call(call) => call.transcript.ok_or_else(|| {
            Error::InvalidBody(
                "output=transcript needs a transcript in the body: Gong's transcript answer, or {\"extensive\": …, \"transcript\": …}".into(),
            )
        }),
        Formatted::Transcript(text) => Ok(text),
    }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn format_raw_takes_every_shape() {
        let o = CallOptions::default();
        let ext = r#"{"calls": [{"metaData": {"id": "1", "title": "T"}, "parties": [{"speakerId": "7", "name": "Jane"}]}]}"#;
        let tr = r#"{"callTranscripts": [{"callId": "1", "transcript": [{"speakerId": "7", "sentences": [{"text": "Hi."}]}]}]}"#;
        let both = format!(r#"{{"extensive": {ext}, "transcript": {tr}}}"#);
        let v: Value = serde_json::from_str(&format_raw(&both, &o, &[]).unwrap()).unwrap();
        assert_eq!(v["transcript"], "Jane: Hi.");
        let v: Value = serde_json::from_str(&format_raw(ext, &o, &[]).unwrap()).unwrap();
        assert!(v["transcript"].is_null());
        assert_eq!(
            format_raw(tr, &o, &[]).unwrap(),
            r#"{"transcript":"Speaker 7: Hi."}"#
        );
        let e = format_raw(
            r#"{"callTranscripts": [{"transcript": [{"sentences": [{"start": "x"}]}]}]}"#,
            &o,
            &[],
        )
        .unwrap_err();
        assert_eq!((e.status(), e.code()), (400, "invalid_body"));
        assert!(e
            .to_string()
            .starts_with("callTranscripts[0].transcript[0].sentences[0].start"));
    }
}
