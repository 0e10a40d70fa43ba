//! Transcript JSON in every format: no panic, and the fast reader agrees with
//! the typed parser on every input (same output, or the same error).
#![no_main]
use gongkit::{format_monologues, format_transcript, AnyTranscript, Format, TranscriptOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else { return };
    let Ok(json) = std::str::from_utf8(rest) else { return };
    let call_id = (flags & 0x40 != 0).then_some("1");
    let options = TranscriptOptions {
        format: Format::ALL[usize::from(flags) % Format::ALL.len()],
        timestamps: flags & 0x08 != 0,
        merge: flags & 0x10 != 0,
        parties: &[],
        call_id,
    };
    let fast = format_transcript(json, &options).map_err(|e| e.to_string());
    let typed = gongkit::from_json::<AnyTranscript>(json)
        .and_then(|t| Ok(format_monologues(t.monologues(call_id)?, &options)))
        .map_err(|e| e.to_string());
    assert_eq!(fast, typed, "fast and typed paths disagree on {json:?}");
    if let (Ok(out), Format::Json) = (&fast, options.format) {
        serde_json::from_str::<serde_json::Value>(out).expect("JSON output parses");
    }
});
