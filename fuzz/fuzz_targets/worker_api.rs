//! The Worker's request handling as plain functions over strings: routes,
//! queries, tokens, listing cursors, MCP messages and /v1/format bodies.
#![no_main]
use gongkit_worker::api::{self, CallQuery, ListQuery};
use gongkit_worker::{format_body, list::Position, mcp};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for method in ["GET", "POST", "OPTIONS"] {
        if let api::Route::Call(id) | api::Route::Transcript(id) | api::Route::Document(id) = api::route(method, text) {
            if let Ok(id) = api::call_id(id) {
                // What reaches Gong is only ever 1 to 20 ASCII digits.
                assert!((1..=20).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit()));
            }
        }
    }
    if let Ok(q) = CallQuery::parse(text) {
        let _ = q.call_options(&[]);
    }
    let _ = ListQuery::parse(text);
    let _ = api::authorize(Some(text), Some("token-1234"));
    if let Ok(p) = Position::decode(text) {
        assert_eq!(Position::decode(&p.encode()).ok(), Some(p));
    }
    let _ = mcp::check_version_header(Some(text));
    if let Ok(mcp::Incoming::Request { id, params, .. }) = mcp::parse(text) {
        let _ = mcp::tool_call(&id, params.as_ref());
        let _ = mcp::initialize(params.as_ref());
    }
    if let Ok(reply) = format_body(text, &CallQuery::default(), &[]) {
        serde_json::from_str::<serde_json::Value>(&reply.body).expect("format answers JSON");
    }
    let redacted = api::redact(text, &["s3cret".to_owned()]);
    assert!(!redacted.contains("s3cret"));
});
