//! Where the Worker's CPU goes for the two-hour call, piece by piece, in a
//! native build (workerd has no profiler here; `scripts/cpu` gives the
//! whole request's figure): reading the bodies as UTF-8, parsing the
//! extensive answer, normalizing the call (the transcript read and
//! formatted), writing the JSON answer with serde or around a transcript
//! escaped sixteen bytes at a time, and the other routes' work.
//!
//!   cargo run --release --example cpu_phases [-- ROUNDS]

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use gongkit::{AnyExtensive, CallOptions, Format, TranscriptInput, TranscriptOptions};

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/calls")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Median microseconds of `rounds` runs of `f`.
fn time<T>(rounds: usize, mut f: impl FnMut() -> T) -> f64 {
    let mut runs: Vec<f64> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    runs.sort_by(f64::total_cmp);
    runs[runs.len() / 2]
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let ext = fixture("two-hour.extensive.json");
    let tr = fixture("two-hour.transcript.json");
    let options = CallOptions::default();
    let parsed = AnyExtensive::from_json(&ext).expect("the fixture parses");
    let call = gongkit::normalize_call(&parsed, Some(TranscriptInput::Json(&tr)), &options)
        .expect("the fixture normalizes");
    let transcript = call.transcript.clone().unwrap_or_default();
    let answer = serde_json::to_string(&call).expect("writes");
    let header = gongkit::NormalizedCall {
        transcript: None,
        ..call.clone()
    };
    let parties = &parsed.calls()[0].parties;
    let markdown = TranscriptOptions {
        format: Format::Markdown,
        timestamps: true,
        parties,
        ..TranscriptOptions::default()
    };
    let bytes = tr.as_bytes().to_vec();
    let rows: Vec<(&str, f64)> = vec![
        (
            "Gong's transcript body checked as UTF-8 (425 KB)",
            time(rounds, || {
                gongkit::json_from_utf8(bytes.clone()).map(|s| s.len())
            }),
        ),
        (
            "parse the extensive answer (1.5 KB)",
            time(rounds, || {
                AnyExtensive::from_json(&ext).map(|e| e.calls().len())
            }),
        ),
        (
            "normalize_call with the transcript (read + format)",
            time(rounds, || {
                gongkit::normalize_call(&parsed, Some(TranscriptInput::Json(&tr)), &options)
                    .map(|c| c.transcript.map(|t| t.len()))
            }),
        ),
        (
            "normalize_call without the transcript",
            time(rounds, || {
                gongkit::normalize_call(&parsed, None, &options).map(|c| c.participants.len())
            }),
        ),
        (
            "the answer by serde_json::to_string (all of it)",
            time(rounds, || serde_json::to_string(&call).map(|s| s.len())),
        ),
        (
            "the answer: serde for the header + write_json_string",
            time(rounds, || {
                let mut json = serde_json::to_string(&header).unwrap_or_default();
                json.truncate(json.len() - "null}".len());
                gongkit::write_json_string(&mut json, &transcript);
                json.push('}');
                json.len()
            }),
        ),
        (
            "the transcript alone, escaped by serde",
            time(rounds, || {
                serde_json::to_string(&transcript).map(|s| s.len())
            }),
        ),
        (
            "the transcript alone, write_json_string",
            time(rounds, || gongkit::json_string(&transcript).len()),
        ),
        (
            "get_transcript: markdown with names (format_transcript)",
            time(rounds, || {
                gongkit::format_transcript(&tr, &markdown).map(|t| t.len())
            }),
        ),
        (
            "get_call_document (call_document)",
            time(rounds, || {
                gongkit::call_document(&parsed, Some(TranscriptInput::Json(&tr)), &options)
                    .map(|t| t.len())
            }),
        ),
        (
            "a cached answer copied once (memcpy of the answer)",
            time(rounds, || answer.clone().len()),
        ),
    ];
    println!(
        "two-hour call, native ({} runs each, median µs; the answer is {} bytes):",
        rounds,
        answer.len()
    );
    for (what, us) in rows {
        println!("  {what:<58}{us:>9.1}");
    }
}
