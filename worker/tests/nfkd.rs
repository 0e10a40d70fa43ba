//! V8's NFKD (the Worker's folding) against the core's own tables, on every
//! Unicode scalar value. Runs under Node:
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//!  cargo test -p gongkit-worker --target wasm32-unknown-unknown --test nfkd`.
#![cfg(target_arch = "wasm32")]

use gongkit::words::{decompose_with_tables, fold};
use gongkit_worker::nfkd::decompose_with_v8;
use wasm_bindgen_test::wasm_bindgen_test;

fn pieces(c: char, decompose: fn(char, &mut dyn FnMut(char))) -> String {
    let mut out = String::new();
    decompose(c, &mut |p| out.push(p));
    out
}

/// Whether the engine running this test knows `c` (its Unicode may be
/// older than the tables': Node 20 has Unicode 15.1).
fn assigned_in_engine(c: char) -> bool {
    let unassigned = js_sys::RegExp::new(r"^\p{Cn}$", "u");
    !unassigned.test(c.encode_utf8(&mut [0u8; 4]))
}

#[wasm_bindgen_test]
fn v8_and_the_tables_decompose_every_scalar_value_alike() {
    let mut differ = Vec::new();
    let (mut decomposed, mut newer) = (0, 0);
    for c in (0..=0x10FFFF).filter_map(char::from_u32) {
        let (v8, tables) = (
            pieces(c, decompose_with_v8),
            pieces(c, decompose_with_tables),
        );
        decomposed += usize::from(tables != c.to_string());
        if v8 == tables {
            continue;
        }
        if assigned_in_engine(c) {
            differ.push(format!("U+{:04X}: V8 {v8:?}, tables {tables:?}", c as u32));
        } else {
            // A character of a Unicode version newer than the engine's:
            // the engine keeps it as it is (so does its search index).
            assert_eq!(v8, c.to_string());
            newer += 1;
        }
    }
    // The tables decompose thousands of characters: the comparison saw them.
    assert!(decomposed > 5000, "{decomposed}");
    assert!(
        newer < 200,
        "{newer} characters newer than the engine's Unicode"
    );
    assert!(
        differ.is_empty(),
        "{} differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
}

#[wasm_bindgen_test]
fn the_worker_folds_with_v8() {
    // What the Worker's module runs when it is instantiated.
    gongkit_worker::nfkd::start();
    assert!(!gongkit::words::set_decompose(decompose_with_tables));
    assert_eq!(fold("ﬁne Ｃａｆé, 調達"), "fine cafe 調 達");
}
