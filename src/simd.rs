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

/// Three classes of sixteen bytes at once, for a sentence's text as the
/// transcript reader scans it: where it may end (as [`special16`]),
/// spaces, and the bytes that make the writer's whitespace check take its
/// careful path (tab to carriage return, and 0xC2, 0xE1 to 0xE3: the lead
/// bytes of the only multi-byte sequences that can be Unicode whitespace).
/// One load serves the string scan and that check.
#[derive(Clone, Copy)]
pub(crate) struct TextMasks {
    pub(crate) special: u32,
    pub(crate) space: u32,
    pub(crate) odd: u32,
}

#[cfg(target_arch = "x86_64")]
pub(crate) fn text16(chunk: &[u8]) -> TextMasks {
    use std::arch::x86_64::*;
    assert!(chunk.len() >= 16);
    // SAFETY: SSE2 is part of every x86-64 CPU; the load reads 16 bytes
    // of `chunk`, which has at least that many (checked above).
    unsafe {
        let x = _mm_loadu_si128(chunk.as_ptr().cast());
        let quote = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8));
        let slash = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8));
        let control = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1F)), x);
        let space = _mm_cmpeq_epi8(x, _mm_set1_epi8(b' ' as i8));
        let c2 = _mm_cmpeq_epi8(x, _mm_set1_epi8(0xC2u8 as i8));
        // 0xE1..=0xE3: x - 0xE1 <= 2, unsigned.
        let d = _mm_sub_epi8(x, _mm_set1_epi8(0xE1u8 as i8));
        let e = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(2)), d);
        TextMasks {
            special: _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, slash), control)) as u32,
            space: _mm_movemask_epi8(space) as u32,
            odd: _mm_movemask_epi8(_mm_or_si128(c2, e)) as u32,
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) fn text16(chunk: &[u8]) -> TextMasks {
    use core::arch::wasm32::*;
    assert!(chunk.len() >= 16);
    // SAFETY: the load reads 16 bytes of `chunk`, which has at least
    // that many (checked above); v128_load takes unaligned addresses.
    let x = unsafe { v128_load(chunk.as_ptr().cast()) };
    let quote = u8x16_eq(x, u8x16_splat(b'"'));
    let slash = u8x16_eq(x, u8x16_splat(b'\\'));
    let control = u8x16_lt(x, u8x16_splat(0x20));
    let space = u8x16_eq(x, u8x16_splat(b' '));
    let c2 = u8x16_eq(x, u8x16_splat(0xC2));
    let e = u8x16_le(u8x16_sub(x, u8x16_splat(0xE1)), u8x16_splat(2));
    TextMasks {
        special: u32::from(u8x16_bitmask(v128_or(v128_or(quote, slash), control))),
        space: u32::from(u8x16_bitmask(space)),
        odd: u32::from(u8x16_bitmask(v128_or(c2, e))),
    }
}

#[cfg(not(any(
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
)))]
pub(crate) fn text16(chunk: &[u8]) -> TextMasks {
    let mut m = TextMasks {
        special: special16(chunk),
        space: 0,
        odd: 0,
    };
    for (k, &b) in chunk[..16].iter().enumerate() {
        m.space |= u32::from(b == b' ') << k;
        m.odd |= u32::from(b == 0xC2 || b.wrapping_sub(0xE1) < 3) << k;
    }
    m
}
