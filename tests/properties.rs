//! Property tests: no input makes a public function panic, and formatting
//! never drops a sentence's text.
#![cfg(not(target_arch = "wasm32"))] // native only: they read files and use proptest

use gongkit::{
    account_from_email, account_from_parties, call_date, format_monologues, format_transcript,
    parse_call_time, ExtensiveResponse, Format, Monologue, Party, TranscriptOptions,
};
use proptest::prelude::*;
use serde_json::json;

/// Sentence text with the whitespace and Unicode that Gong's ASR produces.
fn text() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        1 => Just(None),
        1 => Just(Some(String::new())),
        2 => "[ \t\n]{0,3}[a-zA-Z0-9éü日本<>&\"'.,?! ]{0,40}[ \n]{0,2}".prop_map(Some),
        1 => any::<String>().prop_map(Some),
    ]
}

fn time() -> impl Strategy<Value = Option<i64>> {
    prop_oneof![1 => Just(None), 4 => (0i64..10_000_000).prop_map(Some), 1 => any::<i64>().prop_map(Some)]
}

fn monologues() -> impl Strategy<Value = serde_json::Value> {
    let sentence =
        (time(), time(), text()).prop_map(|(s, e, t)| json!({"start": s, "end": e, "text": t}));
    let monologue = (
        prop_oneof![Just(None), "[0-9]{1,3}".prop_map(Some)],
        prop_oneof![Just(None), Just(Some(String::new())), "[A-Za-z ]{1,12}".prop_map(Some)],
        prop::collection::vec(sentence, 0..6),
    )
        .prop_map(|(id, topic, sentences)| json!({"speakerId": id, "topic": topic, "sentences": sentences}));
    prop::collection::vec(monologue, 0..12).prop_map(serde_json::Value::Array)
}

fn normalize(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn dates_never_panic(s in any::<String>(), offset in any::<i32>(), n in any::<u64>()) {
        let _ = parse_call_time(&s);
        let _ = call_date(&s, Some(offset));
        let _ = gongkit::CallTime::from_unix(n).map(|t| t.date(Some(offset)));
    }

    #[test]
    fn iso_like_dates_never_panic(s in "[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,12})?)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?)?", offset in -2000i32..2000) {
        let _ = call_date(&s, Some(offset));
        let _ = call_date(&s, None);
    }

    #[test]
    fn emails_never_panic(s in any::<String>(), domain in "[a-zA-Z0-9.\\-éü@]{0,30}") {
        let _ = account_from_email(&s, &[&domain]);
        let _ = account_from_email(&format!("x@{domain}"), &[] as &[&str]);
    }

    #[test]
    fn arbitrary_json_never_panics(s in any::<String>()) {
        let _ = format_transcript(&s, &TranscriptOptions::default());
        let _ = ExtensiveResponse::from_json(&s);
    }

    #[test]
    fn parties_never_panic(emails in prop::collection::vec(prop_oneof![any::<String>(), "[a-z]{1,5}@[a-z.\\-]{0,15}"], 0..6)) {
        let parties: Vec<Party> = emails.iter().enumerate().map(|(i, e)| Party {
            email_address: Some(e.as_str().into()),
            affiliation: Some(if i % 3 == 0 { "Internal" } else { "External" }.into()),
            ..Party::default()
        }).collect();
        let _ = account_from_parties(&parties, &["seller.io"]);
    }

    /// Every non-empty sentence's text, whitespace-normalized, appears in the
    /// plain output, in order; every format formats without panicking.
    #[test]
    fn formatting_never_drops_text(doc in monologues(), merge in any::<bool>(), timestamps in any::<bool>()) {
        let json = doc.to_string();
        let monologues: Vec<Monologue> = serde_json::from_str(&json).unwrap();
        let out = format_monologues(&monologues, &TranscriptOptions { merge, timestamps, ..Default::default() });
        let mut rest = out.as_str();
        for m in &monologues {
            for s in &m.sentences {
                let t = normalize(s.text.as_deref().unwrap_or_default());
                if t.is_empty() { continue; }
                let at = rest.find(&t);
                prop_assert!(at.is_some(), "{t:?} missing from {out:?}");
                rest = &rest[at.unwrap() + t.len()..];
            }
        }
        for format in Format::ALL {
            let out = format_monologues(&monologues, &TranscriptOptions { format, merge, timestamps, ..Default::default() });
            if format == Format::Json {
                let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
                prop_assert!(parsed.is_array());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Chunks concatenated give back the whole text, none is longer than
    /// asked, and a cut inside a line falls after a space unless a word is
    /// longer than the window.
    #[test]
    fn chunks_cover_the_transcript(doc in monologues(), max in 1usize..160, markdown in any::<bool>(), timestamps in any::<bool>()) {
        let json = doc.to_string();
        let monologues: Vec<Monologue> = serde_json::from_str(&json).unwrap();
        let options = TranscriptOptions {
            format: if markdown { Format::Markdown } else { Format::Plain },
            timestamps,
            ..Default::default()
        };
        let whole = format_monologues(&monologues, &options);
        let chunks = gongkit::chunk_monologues(&monologues, max, &options).unwrap();
        let joined: String = chunks.iter().map(|c| c.text.as_str()).collect();
        prop_assert_eq!(&joined, &whole);
        for (i, c) in chunks.iter().enumerate() {
            prop_assert_eq!(c.index, i);
            prop_assert_eq!(c.count, chunks.len());
            prop_assert!(c.text.chars().count() <= max, "chunk {} has {} chars", i, c.text.chars().count());
            prop_assert!(!c.text.is_empty());
            if let (Some(s), Some(e)) = (c.start, c.end) {
                // Times come from the sentences the chunk holds.
                prop_assert!(monologues.iter().flat_map(|m| &m.sentences).any(|x| x.start == Some(s)));
                prop_assert!(monologues.iter().flat_map(|m| &m.sentences).any(|x| x.end == Some(e)));
            }
        }
    }
}

#[test]
fn chunk_size_one_gives_single_characters() {
    let m: Vec<Monologue> = serde_json::from_str(
        r#"[{"speakerId": "1", "sentences": [{"start": 5, "end": 9, "text": "Hé ok"}]}]"#,
    )
    .unwrap();
    let chunks = gongkit::chunk_monologues(&m, 1, &TranscriptOptions::default()).unwrap();
    let texts: Vec<&str> = chunks.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts.concat(), "Speaker 1: Hé ok");
    assert!(texts.iter().all(|t| t.chars().count() == 1));
    // The label alone holds no sentence; the sentence's characters carry its times.
    assert_eq!((chunks[0].start, chunks[0].end), (None, None));
    assert_eq!((chunks[11].start, chunks[11].end), (Some(5), Some(9)));
}

/// Monologues written as Gong writes them: keys in its order (`speakerId`,
/// `topic`, `sentences`; `start`, `end`, `text`), no spaces. The streaming
/// reader has a fast path for exactly that form, which `Value`'s sorted
/// keys never take.
fn gong_order(m: &serde_json::Value) -> String {
    let field = |v: &serde_json::Value, k: &str| v.get(k).map_or("null".into(), |x| x.to_string());
    let monologues: Vec<String> = m
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            let sentences: Vec<String> = m["sentences"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| {
                    format!(
                        r#"{{"start":{},"end":{},"text":{}}}"#,
                        field(s, "start"),
                        field(s, "end"),
                        field(s, "text")
                    )
                })
                .collect();
            format!(
                r#"{{"speakerId":{},"topic":{},"sentences":[{}]}}"#,
                field(m, "speakerId"),
                field(m, "topic"),
                sentences.join(",")
            )
        })
        .collect();
    format!("[{}]", monologues.join(","))
}

/// A transcript document in one of the three shapes, sometimes with noise
/// the streaming reader must treat exactly as the typed parser does.
fn document() -> impl Strategy<Value = String> {
    (monologues(), 0u8..7, prop_oneof![Just(None), "[0-9]{1,2}".prop_map(Some)]).prop_map(|(m, shape, id)| {
        match shape {
            0 => m.to_string(),
            1 => json!({"callId": id, "transcript": m}).to_string(),
            2 => json!({"requestId": "r", "callTranscripts": [{"callId": id, "transcript": m}, {"callId": "99", "transcript": []}]}).to_string(),
            // Key order reversed, an unknown field, and null arrays.
            3 => format!(r#"{{"callTranscripts": [{{"extra": {{"a": [1]}}, "transcript": {m}, "callId": "5"}}, {{"callId": "6", "transcript": null}}], "records": {{"cursor": "c"}}}}"#),
            // A duplicate key: both paths must refuse it.
            4 => format!(r#"[{{"speakerId": "1", "speakerId": "2", "sentences": []}}, {m}]"#),
            5 => gong_order(&m),
            _ => format!(r#"{{"callTranscripts": null, "transcript": {m}}}"#),
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Formatting from JSON text (streamed) and from parsed monologues gives
    /// the same output, or the same error.
    #[test]
    fn streaming_equals_typed(doc in document(), merge in any::<bool>(), timestamps in any::<bool>(), f in 0..Format::ALL.len(), call in prop_oneof![Just(None), Just(Some("5")), Just(Some("99"))]) {
        let options = TranscriptOptions { format: Format::ALL[f], merge, timestamps, call_id: call, ..Default::default() };
        let streamed = format_transcript(&doc, &options).map_err(|e| e.to_string());
        let typed = gongkit::from_json::<gongkit::AnyTranscript>(&doc)
            .and_then(|t| Ok(format_monologues(t.monologues(call)?, &options)))
            .map_err(|e| e.to_string());
        prop_assert_eq!(streamed, typed);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The same in Gong's own key order and spacing, which the streaming
    /// reader reads by a fast path of its own.
    #[test]
    fn gong_order_streaming_equals_typed(m in monologues(), merge in any::<bool>(), timestamps in any::<bool>(), f in 0..Format::ALL.len()) {
        let doc = gong_order(&m);
        let options = TranscriptOptions { format: Format::ALL[f], merge, timestamps, ..Default::default() };
        let streamed = format_transcript(&doc, &options).map_err(|e| e.to_string());
        let typed = gongkit::from_json::<gongkit::AnyTranscript>(&doc)
            .and_then(|t| Ok(format_monologues(t.monologues(None)?, &options)))
            .map_err(|e| e.to_string());
        prop_assert_eq!(streamed, typed);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The JSON format parses back to the same texts, one per monologue
    /// with text (merge off), each whitespace-normalized.
    #[test]
    fn json_format_parses_back(doc in monologues()) {
        let json = doc.to_string();
        let monologues: Vec<Monologue> = serde_json::from_str(&json).unwrap();
        let out = format_monologues(&monologues, &TranscriptOptions { format: Format::Json, ..Default::default() });
        let turns: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
        let texts: Vec<String> = monologues
            .iter()
            .map(|m| {
                m.sentences
                    .iter()
                    .map(|s| normalize(s.text.as_deref().unwrap_or_default()))
                    .filter(|t| !t.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .filter(|t| !t.is_empty())
            .collect();
        let got: Vec<&str> = turns.iter().map(|t| t["text"].as_str().unwrap()).collect();
        prop_assert_eq!(got, texts);
    }
}
