//! The fixture table (`tests/fixtures/cases.json`) run against the Rust API.
//! The npm package's and the Worker's tests read the same table and the same
//! expected outputs, so there is one source of truth.
//!
//! `GONGKIT_BLESS=1 cargo test --test fixtures` rewrites the expected
//! outputs; review the diff before committing it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use gongkit::{
    account_from_email, account_from_parties, call_date, crm_account_name, format_transcript,
    CallTime, ExtensiveResponse, Format, TranscriptOptions,
};
use serde::Deserialize;
use serde_json::Value;

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

fn extension(format: Format) -> &'static str {
    match format {
        Format::Plain => "txt",
        Format::Markdown => "md",
        Format::WebVtt => "vtt",
        Format::Srt => "srt",
        Format::Json => "json",
    }
}

/// Transcript options as the table (and JS) spell them.
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
}

fn format_with(
    json: &str,
    options: &TableOptions,
    extensive: Option<&ExtensiveResponse>,
) -> gongkit::Result<String> {
    let format = match &options.format {
        Some(f) => f.parse()?,
        None => Format::Plain,
    };
    let parties = match (options.names, extensive) {
        (true, Some(e)) => e
            .calls
            .first()
            .map(|c| c.parties.as_slice())
            .unwrap_or_default(),
        _ => &[],
    };
    format_transcript(
        json,
        &TranscriptOptions {
            format,
            timestamps: options.timestamps,
            merge: options.merge,
            parties,
            call_id: options.call_id.as_deref(),
        },
    )
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
fn transcripts_match_expected_outputs() {
    let cases = cases();
    let mut failures = String::new();
    let mut checked = 0;
    for call in cases["calls"].as_array().unwrap() {
        let name = call["name"].as_str().unwrap();
        let extensive_json = read(format!("calls/{name}.extensive.json"));
        let extensive = ExtensiveResponse::from_json(&extensive_json).unwrap();
        let transcript = read(format!("calls/{name}.transcript.json"));
        for variant in call["variants"].as_array().unwrap() {
            let variant = variant.as_str().unwrap();
            let options: TableOptions =
                serde_json::from_value(cases["transcriptVariants"][variant].clone()).unwrap();
            let format: Format = options
                .format
                .as_deref()
                .unwrap_or("plain")
                .parse()
                .unwrap();
            let out = format_with(&transcript, &options, Some(&extensive)).unwrap();
            let file = format!("{name}.{variant}.{}", extension(format));
            if let Some(diff) = check_output(&file, &out) {
                writeln!(failures, "{diff}").unwrap();
            }
            checked += 1;
        }
    }
    assert!(checked >= 25, "only {checked} outputs checked");
    assert!(failures.is_empty(), "{failures}");
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
        let input = case["input"].as_str().unwrap();
        let options: TableOptions =
            serde_json::from_value(case.get("options").cloned().unwrap_or(Value::Null))
                .unwrap_or_default();
        let got = match case["fn"].as_str().unwrap() {
            "formatTranscript" => format_with(input, &options, None).map(drop),
            "extensive" => ExtensiveResponse::from_json(input).map(drop),
            other => panic!("unknown fn {other}"),
        };
        let got = got.map_err(|e| e.to_string());
        let want = Err(case["error"].as_str().unwrap().to_owned());
        if got != want {
            writeln!(
                failures,
                "{}: {input}\n  want {want:?}\n  got  {got:?}",
                case["fn"]
            )
            .unwrap();
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
