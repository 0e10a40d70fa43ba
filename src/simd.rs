//! Sixteen bytes at a time: byte classes as bit masks (bit `k` for byte
//! `k`) for the transcript reader, and the ASCII test of the npm package's
//! text output; SSE2 on x86-64 (part of every such CPU), SIMD128 in
//! WebAssembly (`.cargo/config.toml` turns it on; Node 16.4+, current
//! browsers and workerd have it), eight-byte words elsewhere.

/// A bit per byte that is '"', '\\' or below 0x20.
#[cfg(target_arch = "x86_64")]
pub(crate) fn special16(chunk: &[u8]) -> u32 {
    use std::arch::x86_64::*;
    assert!(chunk.len() >= 16);
    // SAFETY: SSE2 is part of every x86-64 CPU; the load reads 16 bytes
    // of `chunk`, which has at least that many (checked above).
    unsafe {
        let x = _mm_loadu_si128(chunk.as_ptr().cast());
        let quote = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8));
        let slash = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8));
        // x <= 0x1F, unsigned: min(x, 0x1F) == x.
        let control = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1F)), x);
        _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, slash), control)) as u32
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) fn special16(chunk: &[u8]) -> u32 {
    use core::arch::wasm32::*;
    assert!(chunk.len() >= 16);
    // SAFETY: the load reads 16 bytes of `chunk`, which has at least
    // that many (checked above); v128_load takes unaligned addresses.
    let x = unsafe { v128_load(chunk.as_ptr().cast()) };
    let quote = u8x16_eq(x, u8x16_splat(b'"'));
    let slash = u8x16_eq(x, u8x16_splat(b'\\'));
    let control = u8x16_lt(x, u8x16_splat(0x20));
    u32::from(u8x16_bitmask(v128_or(v128_or(quote, slash), control)))
}

#[cfg(not(any(
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
)))]
pub(crate) fn special16(chunk: &[u8]) -> u32 {
    let mut word = [0u8; 8];
    let mut mask = 0;
    for (k, half) in chunk[..16].chunks_exact(8).enumerate() {
        word.copy_from_slice(half);
        let hit = swar_special(u64::from_le_bytes(word));
        // One bit per byte: the high bit of each flagged byte.
        let mut bits = 0u32;
        for j in 0..8 {
            bits |= (((hit >> (j * 8 + 7)) & 1) as u32) << j;
        }
        mask |= bits << (k * 8);
    }
    mask
}

/// Whether all sixteen bytes are ASCII (none has its high bit set): for
/// the npm package's Latin-1 texts.
#[cfg(feature = "wasm")]
#[cfg(target_arch = "x86_64")]
pub(crate) fn ascii16(chunk: &[u8]) -> bool {
    use std::arch::x86_64::*;
    assert!(chunk.len() >= 16);
    // SAFETY: SSE2 is part of every x86-64 CPU; the load reads 16 bytes of
    // `chunk`, which has at least that many (checked above).
    unsafe { _mm_movemask_epi8(_mm_loadu_si128(chunk.as_ptr().cast())) == 0 }
}

/// Whether all sixteen bytes are ASCII (none has its high bit set): for
/// the npm package's Latin-1 texts.
#[cfg(feature = "wasm")]
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) fn ascii16(chunk: &[u8]) -> bool {
    use core::arch::wasm32::*;
    assert!(chunk.len() >= 16);
    // SAFETY: the load reads 16 bytes of `chunk`, which has at least that
    // many (checked above); v128_load takes unaligned addresses.
    u8x16_bitmask(unsafe { v128_load(chunk.as_ptr().cast()) }) == 0
}

/// Whether all sixteen bytes are ASCII (none has its high bit set): for
/// the npm package's Latin-1 texts.
#[cfg(feature = "wasm")]
#[cfg(not(any(
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
)))]
pub(crate) fn ascii16(chunk: &[u8]) -> bool {
    chunk[..16].iter().fold(0u8, |any, &b| any | b) < 0x80
}

/// Bytes of `x` equal to '"' or '\\', or below 0x20, flagged by their high
/// bit (never a false alarm for bytes of 0x80 and up, whose high bit `!x`
/// clears).
pub(crate) fn swar_special(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    has_zero(x ^ (ONES * u64::from(b'"')))
        | has_zero(x ^ (ONES * u64::from(b'\\')))
        | (x.wrapping_sub(ONES * 0x20) & !x & HIGH)
}
