//! The fixture table (`tests/fixtures/cases.json`) run against the Rust API.
//! The npm package's and the Worker's tests read the same table and the same
//! expected outputs, so there is one source of truth.
//!
//! `GONGKIT_BLESS=1 cargo test --test fixtures` rewrites the expected
//! outputs; review the diff before committing it.
#![cfg(not(target_arch = "wasm32"))] // native only: they read files and use proptest

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use gongkit::{
    account_from_email, account_from_parties, batch_call_ids, call_date, call_document,
    chunk_call_document, chunk_transcript, crm_account_name, format_transcript, normalize_call,
    AnyExtensive, CallOptions, CallTime, ExtensiveResponse, Format, RequestOptions,
    TranscriptOptions,
};
use serde::Deserialize;
use serde_json::{json, Value};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read(path: impl AsRef<Path>) -> String {
    let path = dir().join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn cases() -> Value {
    serde_json::from_str(&read("cases.json")).expect("cases.json parses")
}

fn bless() -> bool {
    std::env::var_os("GONGKIT_BLESS").is_some()
}

/// Transcript options as the table (and JS) spell them; `names` takes the
/// parties from the call's extensive fixture.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TableOptions {
    format: Option<String>,
    #[serde(default)]
    timestamps: bool,
    #[serde(default)]
    merge: bool,
    #[serde(default)]
    names: bool,
    call_id: Option<String>,
    max_chars: Option<usize>,
}

/// Splits `maxChars` off call options.
fn call_options(options: &Value) -> (CallOptions, Option<usize>) {
    let mut options = options.clone();
    let max = options
        .as_object_mut()
        .and_then(|o| o.remove("maxChars"))
        .and_then(|m| m.as_u64())
        .map(|m| m as usize);
    (serde_json::from_value(options).expect("call options"), max)
}

fn pretty(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).expect("serializes")
}

/// Runs one function of the table the way the JS package names it, and
/// returns its output as text (JSON for structured results).
fn run(
    function: &str,
    input: &Value,
    transcript: Option<&str>,
    options: &Value,
    parties_from: Option<&str>,
) -> gongkit::Result<String> {
    let text = input.as_str().unwrap_or_default();
    match function {
        "formatTranscript" | "chunkTranscript" => {
            let o: TableOptions = serde_json::from_value(options.clone()).expect("table options");
            let format: Format = match &o.format {
                Some(f) => f.parse()?,
                None => Format::Plain,
            };
            let extensive = parties_from.map(|e| ExtensiveResponse::from_json(e).unwrap());
            let parties = match (&extensive, o.names) {
                (Some(e), true) => e.calls[0].parties.as_slice(),
                _ => &[],
            };
            let options = TranscriptOptions {
                format,
                timestamps: o.timestamps,
                merge: o.merge,
                parties,
                call_id: o.call_id.as_deref(),
            };
            if function == "chunkTranscript" {
                Ok(pretty(&chunk_transcript(
                    text,
                    o.max_chars.unwrap_or(0),
                    &options,
                )?))
            } else {
                format_transcript(text, &options)
            }
        }
        "extensive" => ExtensiveResponse::from_json(text).map(|_| String::new()),
        "normalizeCall" | "callDocument" | "chunkDocument" => {
            let extensive = AnyExtensive::from_json(text)?;
            // The transcript goes in as JSON text, the fast path users take;
            // tests/properties.rs checks it against the parsed path.
            let transcript = transcript.map(gongkit::TranscriptInput::Json);
            let (options, max) = call_options(options);
            match function {
                "normalizeCall" => Ok(pretty(&normalize_call(&extensive, transcript, &options)?)),
                "callDocument" => call_document(&extensive, transcript, &options),
                _ => Ok(pretty(&chunk_call_document(
                    &extensive,
                    transcript,
                    max.unwrap_or(0),
                    &options,
                )?)),
            }
        }
        "extensiveRequest" | "transcriptRequest" => {
            let o: RequestOptions =
                serde_json::from_value(options.clone()).expect("request options");
            if function == "extensiveRequest" {
                Ok(pretty(&o.extensive()?))
            } else {
                Ok(pretty(&o.transcript()?))
            }
        }
        "batchCallIds" => {
            let ids: Vec<String> = serde_json::from_value(input.clone()).expect("ids");
            Ok(pretty(&batch_call_ids(&ids)?))
        }
        other => panic!("unknown fn {other}"),
    }
}

/// The expected file's extension: the format's own for `formatTranscript`
/// ([`Format::extension`]), `txt` for documents, `json` for the rest.
fn extension(variant: &Value) -> &'static str {
    match variant["fn"].as_str().unwrap() {
        "formatTranscript" => variant["options"]["format"]
            .as_str()
            .map_or(Format::default(), |f| f.parse().expect("a known format"))
            .extension(),
        "callDocument" => "txt",
        _ => "json",
    }
}

/// Compares with the checked-in file, or writes it when blessing; returns a
/// description of the first difference.
fn check_output(name: &str, actual: &str) -> Option<String> {
    let path = dir().join("expected").join(name);
    if bless() {
        std::fs::write(&path, actual).expect("write expected output");
        return None;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected == actual {
        return None;
    }
    let line = expected
        .lines()
        .zip(actual.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
    Some(format!(
        "{name}: differs at line {}\n  expected: {:?}\n  actual:   {:?}",
        line + 1,
        expected.lines().nth(line),
        actual.lines().nth(line)
    ))
}

#[test]
fn outputs_match_expected_files() {
    let cases = cases();
    let mut failures = String::new();
    let mut checked = 0;
    for call in cases["calls"].as_array().unwrap() {
        let name = call["name"].as_str().unwrap();
        let extensive = read(format!("calls/{name}.extensive.json"));
        let transcript = read(format!("calls/{name}.transcript.json"));
        for variant_name in call["variants"].as_array().unwrap() {
            let variant_name = variant_name.as_str().unwrap();
            let variant = &cases["variants"][variant_name];
            let function = variant["fn"].as_str().unwrap();
            let mut options = variant["options"].clone();
            let out = if function == "formatTranscript" || function == "chunkTranscript" {
                run(
                    function,
                    &json!(transcript),
                    None,
                    &options,
                    Some(&extensive),
                )
            } else {
                options["internalDomains"] = call["internalDomains"].clone();
                run(
                    function,
                    &json!(extensive),
                    Some(&transcript),
                    &options,
                    None,
                )
            }
            .unwrap_or_else(|e| panic!("{name}.{variant_name}: {e}"));
            let file = format!("{name}.{variant_name}.{}", extension(variant));
            if let Some(diff) = check_output(&file, &out) {
                writeln!(failures, "{diff}").unwrap();
            }
            checked += 1;
        }
    }
    assert!(checked >= 45, "only {checked} outputs checked");
    assert!(failures.is_empty(), "{failures}");
}

/// Every format of [`Format::ALL`] has a `formatTranscript` variant in the
/// table (so an expected file per call), and the table names no other.
#[test]
fn the_table_exercises_every_format() {
    let cases = cases();
    let variants = cases["variants"].as_object().expect("variants");
    let exercised: Vec<Format> = variants
        .values()
        .filter(|v| v["fn"] == "formatTranscript")
        .map(|v| {
            v["options"]["format"]
                .as_str()
                .map_or(Format::default(), |f| f.parse().expect("a known format"))
        })
        .collect();
    for format in Format::ALL {
        assert!(
            exercised.contains(&format),
            "no formatTranscript variant for {format}"
        );
    }
}

#[test]
fn request_bodies() {
    for case in cases()["requests"].as_array().unwrap() {
        let out = run(
            case["fn"].as_str().unwrap(),
            &case["input"],
            None,
            &case["options"],
            None,
        )
        .unwrap();
        let got: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(got, case["expected"], "{case}");
    }
}

#[test]
fn accounts_and_dates_of_calls() {
    for call in cases()["calls"].as_array().unwrap() {
        let name = call["name"].as_str().unwrap();
        let json = read(format!("calls/{name}.extensive.json"));
        let response = ExtensiveResponse::from_json(&json).unwrap();
        let data = &response.calls[0];
        let internal: Vec<&str> = call["internalDomains"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap())
            .collect();
        let account = account_from_parties(&data.parties, &internal).unwrap();
        assert_eq!(
            account.as_deref(),
            call["account"].as_str(),
            "{name}: account"
        );
        assert_eq!(
            crm_account_name(&data.context),
            call["crmAccount"].as_str(),
            "{name}: CRM account"
        );
        let meta = data.meta_data.as_ref().unwrap();
        let when = meta.scheduled.or(meta.started).unwrap();
        assert_eq!(
            when.to_utc_string(),
            call["scheduledUtc"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            when.date(None).unwrap().to_string(),
            call["date"].as_str().unwrap(),
            "{name}"
        );
    }
}

/// `callDate` over a string or a number, the way the JS binding takes it:
/// numbers go through the same deserializer as `metaData.scheduled`.
fn date_of(input: &Value, offset: Option<i32>) -> gongkit::Result<String> {
    match input {
        Value::String(s) => call_date(s, offset),
        other => {
            let time = CallTime::deserialize(other).map_err(|e| gongkit::Error::Json {
                path: String::new(),
                message: e.to_string(),
            })?;
            Ok(time.date(offset)?.to_string())
        }
    }
}

#[test]
fn date_table() {
    let mut failures = String::new();
    for case in cases()["dates"].as_array().unwrap() {
        let offset = case["utcOffsetMinutes"].as_i64().map(|m| m as i32);
        let got = date_of(&case["input"], offset).map_err(|e| e.to_string());
        let want = match case["error"].as_str() {
            Some(e) => Err(e.to_owned()),
            None => Ok(case["expected"].as_str().unwrap().to_owned()),
        };
        if got != want {
            writeln!(failures, "{case}: got {got:?}").unwrap();
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

#[test]
fn email_table() {
    let mut failures = String::new();
    for case in cases()["emails"].as_array().unwrap() {
        let internal: Vec<&str> = case["internalDomains"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let got = account_from_email(case["email"].as_str().unwrap(), &internal)
            .map_err(|e| e.to_string());
        let want = match case["error"].as_str() {
            Some(e) => Err(e.to_owned()),
            None => Ok(case["expected"].as_str().map(str::to_owned)),
        };
        if got != want {
            writeln!(failures, "{case}: got {got:?}").unwrap();
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

#[test]
fn bad_inputs_give_clear_errors() {
    let mut failures = String::new();
    let cases = cases();
    let errors = cases["errors"].as_array().unwrap();
    assert!(errors.len() >= 30);
    for case in errors {
        let options = case.get("options").cloned().unwrap_or(json!({}));
        let got = run(
            case["fn"].as_str().unwrap(),
            &case["input"],
            case["transcript"].as_str(),
            &options,
            None,
        )
        .map(drop)
        .map_err(|e| e.to_string());
        let want = Err(case["error"].as_str().unwrap().to_owned());
        if got != want {
            writeln!(failures, "{case}\n  want {want:?}\n  got  {got:?}").unwrap();
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

/// The Public Suffix List's own test vectors (tests/fixtures/test_psl.txt).
#[test]
fn public_suffix_list_vectors() {
    let text = read("test_psl.txt");
    let mut checked = 0;
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("checkPublicSuffix("))
    {
        let args = &line["checkPublicSuffix(".len()..line.len() - 2];
        let (input, expected) = args.split_once(", ").unwrap();
        let unquote = |s: &str| (s != "null").then(|| s.trim_matches('\'').to_owned());
        let Some(input) = unquote(input) else {
            continue;
        };
        let got = gongkit::email_domain(&format!("x@{input}")).ok().flatten();
        // Expected values are written in Unicode; ours are punycode.
        let want =
            unquote(expected).map(|e| gongkit::email_domain(&format!("x@{e}")).unwrap().unwrap());
        assert_eq!(got, want, "checkPublicSuffix({input})");
        checked += 1;
    }
    assert!(checked > 60, "{checked}");
}
