//! The Worker's request handling as plain functions over strings: routes,
//! queries and tool arguments (through the schemas), tokens, signed
//! listing cursors, MCP messages, Retry-After and /v1/format bodies.
#![no_main]
use gongkit_worker::args::{CallArgs, ListArgs, Schema, TranscriptArgs};
use gongkit_worker::config::Config;
use gongkit_worker::sign::Signer;
use gongkit_worker::{auth, gong, list::Position, mcp, routes, service};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for method in ["GET", "POST", "OPTIONS"] {
        if let routes::Route::Capability(_, params) = routes::route(method, text) {
            let Some((_, id)) = params.iter().find(|(name, _)| *name == "callId") else { continue };
            if let Ok(a) = Schema::call().read_query::<CallArgs>("", &[("callId", id)]) {
                // What reaches Gong is only ever 1 to 20 ASCII digits, no leading zero.
                let id = a.call_id.as_str();
                assert!((1..=20).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit()) && !id.starts_with('0'));
            }
        }
    }
    let _ = Schema::transcript().read_query::<TranscriptArgs>(text, &[("callId", "1")]);
    let _ = Schema::list().read_query::<ListArgs>(text, &[]);
    if let Ok(value) = serde_json::from_str(text) {
        let _ = Schema::transcript().read::<TranscriptArgs>(value);
    }
    let config = Config { tokens: vec!["token-1234-token-1234-token-1234-1".into()], ..Config::default() };
    let _ = auth::authorize(Some(text), &config);
    let signer = Signer::new("https://api.gong.io", "k", "s");
    if let Ok(p) = Position::decode(text, &signer) {
        let again = p.encode(&signer).expect("a position encodes");
        assert_eq!(Position::decode(&again, &signer).ok(), Some(p));
    }
    let _ = gong::retry_after_seconds(Some(text), 1_700_000_000_000);
    let headers = mcp::Headers { protocol_version: Some(text), method: Some(text), name: Some(text) };
    let _ = mcp::version_of(&serde_json::Value::Null, "tools/list", None, &headers);
    if let Ok(mcp::Incoming::Request { params, .. }) = mcp::parse(text) {
        let _ = mcp::initialize(params.as_ref());
    }
    if let Ok(body) = service::format_raw(text, &gongkit::CallOptions::default(), &[]) {
        serde_json::from_str::<serde_json::Value>(&body).expect("format answers JSON");
    }
    let redacted = gong::redact(text, &["s3cret"]);
    assert!(!redacted.contains("s3cret"));
});
