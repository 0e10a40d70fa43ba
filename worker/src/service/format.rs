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
    // The shape, from the top-level keys only; the values stay raw JSON,
    // each read by the parser it goes to (see [`members`]).
    let top = members(body);
    fn raw_text(raw: &str) -> Cow<'_, str> {
        // A value may be JSON text inside a string; otherwise it is read
        // where it is (a transcript is hundreds of KB: no copy).
        match raw.starts_with('"') {
            true => serde_json::from_str::<String>(raw).map_or(Cow::Borrowed(raw), Cow::Owned),
            false => Cow::Borrowed(raw),
        }
    }
    let (extensive, transcript) = match &top {
        Some(top) if top.get("extensive").is_some() => {
            // The members that go to no parser are checked here, so the
            // body is valid JSON as a whole.
            for (key, value) in &top.0 {
                if !matches!(key.as_ref(), "extensive" | "transcript") {
                    serde_json::from_str::<serde::de::IgnoredAny>(value).map_err(|e| {
                        Error::InvalidBody(format!(
                            "{key}: {}",
                            gongkit::json_words(&e.to_string())
                        ))
                    })?;
                }
            }
            (
                top.get("extensive").map(raw_text),
                top.get("transcript").map(raw_text).filter(|t| t != "null"),
            )
        }
        Some(top)
            if ["calls", "metaData", "parties"]
                .iter()
                .any(|k| top.get(k).is_some()) =>
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

/// A JSON object's members: each key, and its value's text where it is.
struct Members<'a>(Vec<(Cow<'a, str>, &'a str)>);

impl<'a> Members<'a> {
    /// The value of `key` (the last one, as a map built from the object
    /// would keep it).
    fn get(&self, key: &str) -> Option<&'a str> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| *v)
    }
}

/// The members of the JSON object `body`, found by following its brackets
/// and strings (a string's end found by `memchr`), not by parsing its
/// values: each value is parsed once, by the parser it goes to, instead of
/// once here too (a full parse of the two-hour call's body was as long as
/// formatting it). `None` when `body` is not one object as far as the
/// brackets, strings, commas and colons show.
fn members(body: &str) -> Option<Members<'_>> {
    let b = body.as_bytes();
    let ws = |mut i: usize| {
        while b
            .get(i)
            .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
        {
            i += 1;
        }
        i
    };
    let mut i = ws(0);
    (b.get(i) == Some(&b'{')).then_some(())?;
    i = ws(i + 1);
    let mut out = Vec::new();
    if b.get(i) == Some(&b'}') {
        return (ws(i + 1) == b.len()).then_some(Members(out));
    }
    loop {
        (b.get(i) == Some(&b'"')).then_some(())?;
        let end = string_end(b, i)?;
        let raw = &body[i..end];
        let key = match raw.contains('\\') {
            true => Cow::Owned(serde_json::from_str::<String>(raw).ok()?),
            false if raw.bytes().any(|c| c < 0x20) => return None,
            false => Cow::Borrowed(&raw[1..raw.len() - 1]),
        };
        i = ws(end);
        (b.get(i) == Some(&b':')).then_some(())?;
        let start = ws(i + 1);
        let end = value_end(b, start)?;
        out.push((key, &body[start..end]));
        i = ws(end);
        match b.get(i) {
            Some(b',') => i = ws(i + 1),
            Some(b'}') => return (ws(i + 1) == b.len()).then_some(Members(out)),
            _ => return None,
        }
    }
}

/// Where the string opening at `b[start]` (a quote) ends, past its closing
/// quote.
fn string_end(b: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    loop {
        i += memchr::memchr2(b'"', b'\\', b.get(i..)?)?;
        if b[i] == b'"' {
            return Some(i + 1);
        }
        // A backslash and the byte it escapes.
        i += 2;
    }
}

/// Where the value starting at `b[start]` ends: a string's closing quote,
/// the bracket closing an object or array, or a number's or literal's last
/// byte.
fn value_end(b: &[u8], start: usize) -> Option<usize> {
    match *b.get(start)? {
        b'"' => string_end(b, start),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = start;
            while let Some(&c) = b.get(i) {
                match c {
                    b'"' => {
                        i = string_end(b, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        }
        _ => {
            let len = b[start..]
                .iter()
                .position(|c| matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                .unwrap_or(b.len() - start);
            (len > 0).then_some(start + len)
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

    /// `members` as a map, for comparing with serde's reading.
    fn map(body: &str) -> Option<Vec<(String, String)>> {
        let mut m: Vec<(String, String)> = members(body)?
            .0
            .into_iter()
            .map(|(k, v)| (k.into_owned(), v.to_owned()))
            .collect();
        // Last one wins, as in a map.
        let mut seen = std::collections::BTreeMap::new();
        for (k, v) in m.drain(..) {
            seen.insert(k, v);
        }
        Some(seen.into_iter().collect())
    }

    fn serde_map(body: &str) -> Option<Vec<(String, String)>> {
        let m: std::collections::BTreeMap<String, &serde_json::value::RawValue> =
            serde_json::from_str(body).ok()?;
        Some(
            m.into_iter()
                .map(|(k, v)| (k, v.get().to_owned()))
                .collect(),
        )
    }

    #[test]
    fn members_are_found_as_serde_finds_them() {
        let fixture = |name: &str| {
            std::fs::read_to_string(format!(
                "{}/../tests/fixtures/calls/{name}",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap()
        };
        let ext = fixture("two-hour.extensive.json");
        let tr = fixture("two-hour.transcript.json");
        let bodies = [
            format!(r#"{{"extensive": {ext}, "transcript": {tr}}}"#),
            format!("{{\n\t\"transcript\" :{tr} ,\r\n \"extensive\":{ext} }}  "),
            format!(
                r#"{{"extensive": {}, "transcript": null}}"#,
                serde_json::to_string(&ext).unwrap()
            ),
            ext.clone(),
            tr.clone(),
            r#"{}"#.to_owned(),
            r#" { } "#.to_owned(),
            r#"{"a": "x\"}{[", "b": [1, {"c": "]}\\"}], "a\u0062": -1.5e3, "d": true, "e": null}"#
                .to_owned(),
            r#"{"k": 1, "k": 2}"#.to_owned(),
        ];
        for body in &bodies {
            let got = map(body);
            assert!(got.is_some(), "{body:.80}");
            assert_eq!(got, serde_map(body), "{body:.80}");
        }
        // Not an object as far as the brackets show: none.
        for bad in [
            "",
            "[]",
            "{",
            "{\"a\"}",
            "{\"a\": }",
            "{\"a\": 1,}",
            "{\"a\": 1} x",
            "{\"a\": \"open}",
            "{\"a\": [1, 2}",
            "{a: 1}",
            "{\"a\" 1}",
            "{\"a\tb\": 1}",
        ] {
            assert_eq!(map(bad), None, "{bad:?}");
            assert_eq!(serde_map(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn format_raw_refuses_bad_json_anywhere_in_the_body() {
        let o = CallOptions::default();
        let ext = r#"{"calls": [{"metaData": {"id": "1"}}]}"#;
        let tr = r#"{"callTranscripts": [{"callId": "1", "transcript": []}]}"#;
        for body in [
            format!(r#"{{"extensive": {ext}, "transcript": {tr}, "note": nope}}"#),
            format!(r#"{{"extensive": {ext}, "transcript": {{"callTranscripts": [}}]}}}}"#),
            format!(r#"{{"extensive": {{"calls": [}}], "transcript": {tr}}}"#),
            format!(r#"{{"extensive": {ext}, "transcript": {tr}, "x": "a	b"}}"#),
        ] {
            let e = format_raw(&body, &o, &[]).unwrap_err();
            assert_eq!((e.status(), e.code()), (400, "invalid_body"), "{body}");
            assert!(!e.to_string().contains("not found"), "{body}: {e}");
        }
        let e =
            format_raw(&format!(r#"{{"extensive": {ext}, "note": nope}}"#), &o, &[]).unwrap_err();
        assert!(e.to_string().starts_with("note: "), "{e}");
        let ok = format!(r#"{{"extensive": {ext}, "transcript": {tr}, "note": [1, "]"]}}"#);
        format_raw(&ok, &o, &[]).unwrap();
    }

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
