//! The error-path scanner (src/path.rs) against `serde_path_to_error` on
//! broken documents: the same path for the same error.
#![cfg(not(target_arch = "wasm32"))] // native only: they read files and use proptest

use gongkit::{AnyExtensive, AnyTranscript};
use proptest::prelude::*;
use serde::Deserialize;
use serde_json::{json, Value};

/// What `serde_path_to_error` says, with the root written as "".
fn oracle<'a, T: Deserialize<'a>>(text: &'a str) -> Option<String> {
    let mut de = serde_json::Deserializer::from_str(text);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => {
            // A key not yet read is "?": the same place as its object.
            let path = e.path().to_string();
            let path = path.trim_end_matches('?').trim_end_matches('.');
            Some(if path == "." {
                String::new()
            } else {
                path.to_owned()
            })
        }
        Ok(_) => de.end().err().map(|_| String::new()),
    }
}

fn ours<'a, T: Deserialize<'a>>(text: &'a str) -> Option<String> {
    match gongkit::from_json::<T>(text) {
        Err(gongkit::Error::Json { path, .. }) => Some(path),
        Err(other) => panic!("not a JSON error: {other}"),
        Ok(_) => None,
    }
}

fn transcript() -> Value {
    json!({"requestId": "r", "records": {"totalRecords": 1, "cursor": "c"}, "callTranscripts": [
        {"callId": "1", "transcript": [
            {"speakerId": "7", "topic": "Intro", "sentences": [{"start": 0, "end": 10, "text": "Hi"}, {"start": 11, "end": 20, "text": "there"}]},
            {"speakerId": null, "topic": null, "sentences": [{"start": 30, "end": 40, "text": "Yes"}]}
        ]},
        {"callId": "2", "transcript": []}
    ]})
}

fn extensive() -> Value {
    json!({"records": {"cursor": "c"}, "calls": [{
        "metaData": {"id": "1", "title": "T", "scheduled": "2024-01-01T00:00:00Z", "duration": 10, "isPrivate": false},
        "context": [{"system": "Salesforce", "objects": [{"objectType": "Account", "fields": [{"name": "Name", "value": "A"}]}]}],
        "parties": [{"name": "N", "emailAddress": "a@b.com", "speakerId": "7", "methods": ["Invitee"]}],
        "content": {"brief": "b", "keyPoints": [{"text": "k"}], "outline": [{"section": "s", "startTime": 1.5, "items": [{"text": "i"}]}]},
        "interaction": {"speakers": [{"id": "1", "talkTime": 3.5}], "questions": {"companyCount": 1}}
    }]})
}

/// Every place a value sits, as a list of steps from the root.
fn places(v: &Value, at: Vec<Value>, out: &mut Vec<Vec<Value>>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => m.iter().for_each(|(k, c)| {
            let mut p = at.clone();
            p.push(json!(k));
            places(c, p, out);
        }),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, c)| {
            let mut p = at.clone();
            p.push(json!(i));
            places(c, p, out);
        }),
        _ => {}
    }
}

fn replace(v: &mut Value, at: &[Value], with: Value) {
    let mut cur = v;
    for step in at {
        cur = match step {
            Value::String(k) => cur.get_mut(k.as_str()).unwrap(),
            Value::Number(i) => cur.get_mut(i.as_u64().unwrap() as usize).unwrap(),
            _ => unreachable!(),
        };
    }
    *cur = with;
}

fn wrong_values() -> Vec<Value> {
    vec![
        json!(true),
        json!(1.5),
        json!(-3),
        json!("x"),
        json!({"a": 1}),
        json!([1, "y"]),
        json!(1e30),
    ]
}

fn check(
    doc: &Value,
    which: usize,
    wrong: usize,
    extensive_doc: bool,
) -> Result<(), TestCaseError> {
    let mut all = Vec::new();
    places(doc, Vec::new(), &mut all);
    let at = &all[which % all.len()];
    let mut broken = doc.clone();
    replace(&mut broken, at, wrong_values()[wrong % 7].clone());
    let text = broken.to_string();
    let (want, got) = if extensive_doc {
        (oracle::<AnyExtensive>(&text), ours::<AnyExtensive>(&text))
    } else {
        (oracle::<AnyTranscript>(&text), ours::<AnyTranscript>(&text))
    };
    prop_assert_eq!(got, want, "{}", text);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn wrong_types_in_transcripts(which in 0usize..200, wrong in 0usize..7) {
        check(&transcript(), which, wrong, false)?;
    }

    #[test]
    fn wrong_types_in_extensive(which in 0usize..200, wrong in 0usize..7) {
        check(&extensive(), which, wrong, true)?;
    }

    /// Cut-off documents (EOF and syntax errors), pretty-printed or compact.
    #[test]
    fn truncated_documents(cut in 0usize..2000, pretty in any::<bool>(), ext in any::<bool>()) {
        let doc = if ext { extensive() } else { transcript() };
        let text = if pretty { serde_json::to_string_pretty(&doc).unwrap() } else { doc.to_string() };
        let text = &text[..cut % text.len()];
        let (want, got) = if ext {
            (oracle::<AnyExtensive>(text), ours::<AnyExtensive>(text))
        } else {
            (oracle::<AnyTranscript>(text), ours::<AnyTranscript>(text))
        };
        prop_assert_eq!(got, want, "{}", text);
    }
}
