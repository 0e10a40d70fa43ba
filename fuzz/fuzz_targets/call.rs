//! The normalized call and the call document from arbitrary extensive and
//! transcript JSON: errors, never panics.
#![no_main]
use gongkit::{call_document, normalize_call, AnyExtensive, CallOptions, TranscriptInput};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Extensive JSON, then an optional transcript after a NUL.
    let (extensive, transcript) = match text.split_once('\0') {
        Some((e, t)) => (e, Some(t)),
        None => (text, None),
    };
    let Ok(parsed) = AnyExtensive::from_json(extensive) else { return };
    for options in [
        CallOptions::default(),
        CallOptions { timestamps: true, merge: true, utc_offset_minutes: Some(-600), ..CallOptions::default() },
        CallOptions { internal_domains: vec!["seller.io".into()], names: false, ..CallOptions::default() },
    ] {
        let input = transcript.map(TranscriptInput::Json);
        if let Ok(call) = normalize_call(&parsed, input, &options) {
            serde_json::to_string(&call).expect("a normalized call serializes");
        }
        let _ = call_document(&parsed, input, &options);
    }
});
