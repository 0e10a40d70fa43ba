//! The search's word folding decomposes characters (NFKD) with V8's
//! `String.prototype.normalize`, which the runtime has anyway, instead of
//! carrying `unicode-normalization`'s tables in the Worker's wasm (the core's
//! `nfkd-tables` feature is off here; `worker/tests/nfkd.rs` checks that both
//! decompose every Unicode scalar value alike). Only characters outside ASCII
//! cross into JavaScript.

use worker::js_sys::JsString;

/// One character's compatibility decomposition, by V8 (`c.normalize("NFKD")`).
pub fn decompose_with_v8(c: char, each: &mut dyn FnMut(char)) {
    let mut utf8 = [0u8; 4];
    let decomposed = JsString::from(&*c.encode_utf8(&mut utf8)).normalize("NFKD");
    // A string V8 made from one scalar value holds no lone surrogate.
    for piece in char::decode_utf16(decomposed.iter()) {
        each(piece.unwrap_or(char::REPLACEMENT_CHARACTER));
    }
}

/// Runs once when the Worker's module is instantiated (before any request,
/// alarm or Cron event): one pointer stored, nothing computed.
#[worker::event(start)]
pub fn start() {
    gongkit::words::set_decompose(decompose_with_v8);
}
