//! Parses and formats the two-hour fixture transcript and builds the
//! normalized call. `scripts/bench` runs this beside `benches/reference.py`
//! and prints the ratio.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use gongkit::{
    format_transcript, normalize_call, AnyExtensive, AnyTranscript, CallOptions, Format,
    TranscriptInput, TranscriptOptions,
};

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/calls")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn bench(c: &mut Criterion) {
    let transcript = fixture("two-hour.transcript.json");
    let extensive = fixture("two-hour.extensive.json");
    let mut group = c.benchmark_group("two-hour");
    group.throughput(Throughput::Bytes(transcript.len() as u64));
    group.bench_function("format_transcript", |b| {
        b.iter(|| format_transcript(black_box(&transcript), &TranscriptOptions::default()).unwrap())
    });
    group.bench_function("parse_transcript", |b| {
        b.iter(|| gongkit::from_json::<AnyTranscript>(black_box(&transcript)).unwrap())
    });
    let parsed = AnyExtensive::from_json(&extensive).unwrap();
    let parties = &parsed.calls()[0].parties;
    group.bench_function("format_markdown_named", |b| {
        let options = TranscriptOptions {
            format: Format::Markdown,
            timestamps: true,
            merge: true,
            parties,
            call_id: None,
        };
        b.iter(|| format_transcript(black_box(&transcript), &options).unwrap())
    });
    group.throughput(Throughput::Bytes(
        (transcript.len() + extensive.len()) as u64,
    ));
    group.bench_function("normalize_call", |b| {
        b.iter(|| {
            let e = AnyExtensive::from_json(black_box(&extensive)).unwrap();
            let t = TranscriptInput::Json(black_box(&transcript));
            let call = normalize_call(&e, Some(t), &CallOptions::default()).unwrap();
            call.transcript.map(|t| t.len())
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
