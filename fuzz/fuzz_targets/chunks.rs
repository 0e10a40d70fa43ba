//! Chunks of arbitrary transcripts: concatenated they give back the whole
//! text, and none is longer than asked.
#![no_main]
use gongkit::{chunk_transcript, format_transcript, Format, TranscriptOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&size, rest)) = data.split_first() else { return };
    let Ok(json) = std::str::from_utf8(rest) else { return };
    // The smallest sizes chunk_transcript takes (gongkit::MAX_CHARS).
    let max = *gongkit::MAX_CHARS.start() + usize::from(size % 64);
    let options = TranscriptOptions {
        format: if size & 0x80 != 0 { Format::Markdown } else { Format::Plain },
        timestamps: size & 0x40 != 0,
        ..TranscriptOptions::default()
    };
    let Ok(chunks) = chunk_transcript(json, max, &options) else { return };
    let whole = format_transcript(json, &options).expect("chunks imply a transcript");
    let joined: String = chunks.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(joined, whole);
    for (i, c) in chunks.iter().enumerate() {
        assert!(c.text.chars().count() <= max);
        assert_eq!((c.index, c.count), (i, chunks.len()));
    }
});
