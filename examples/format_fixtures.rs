//! Formats the fixture calls in `tests/fixtures/calls/` the way a user would
//! paste them into a language model: account, date and the named,
//! timestamped transcript of each call.
//!
//! `cargo run --example format_fixtures [call-name]`

use std::path::Path;

use gongkit::{
    account_from_parties, crm_account_name, format_transcript, ExtensiveResponse, TranscriptOptions,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/calls");
    let only = std::env::args().nth(1);
    let mut names: Vec<String> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|f| f.strip_suffix(".extensive.json").map(str::to_owned))
        .filter(|n| only.as_deref().is_none_or(|o| o == n))
        .collect();
    names.sort();
    if names.is_empty() {
        return Err(format!("no fixture call named {:?}", only.unwrap_or_default()).into());
    }
    for name in names {
        let extensive_json = std::fs::read_to_string(dir.join(format!("{name}.extensive.json")))?;
        let transcript_json = std::fs::read_to_string(dir.join(format!("{name}.transcript.json")))?;
        let extensive = ExtensiveResponse::from_json(&extensive_json)?;
        let call = extensive.calls.first().ok_or("no call in the fixture")?;
        let meta = call.meta_data.clone().unwrap_or_default();
        let account = match crm_account_name(&call.context) {
            Some(crm) => Some(crm.to_owned()),
            None => account_from_parties(&call.parties, &["seller.io"])?,
        };
        let date = match meta.scheduled.or(meta.started) {
            Some(t) => t.date(None)?.to_string(),
            None => "unknown date".to_owned(),
        };
        let text = format_transcript(
            &transcript_json,
            &TranscriptOptions {
                timestamps: true,
                parties: &call.parties,
                ..Default::default()
            },
        )?;
        println!("# {}", meta.title.as_deref().unwrap_or("(untitled)"));
        println!("{date} · {}", account.as_deref().unwrap_or("no account"));
        let lines: Vec<&str> = text.lines().collect();
        for line in lines.iter().take(6) {
            println!("{line}");
        }
        if lines.len() > 6 {
            println!("… {} more lines", lines.len() - 6);
        }
        println!();
    }
    Ok(())
}
