//! JSON string literals written sixteen bytes at a time: a big text (a
//! two-hour transcript is 250 KB) is mostly runs of bytes that need no
//! escape, which [`crate::simd`] finds a vector at a time, where serde_json
//! looks at each byte. The output is byte for byte what serde_json writes,
//! so an answer composed around it (see [`write_json_string`]) equals the
//! one serde would have written.

/// `\u00XX` for the control bytes without a short escape, as serde_json
/// writes them (lower-case hex).
const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `text` to `out` as a JSON string literal, quotes included,
/// escaped exactly as `serde_json::to_string` escapes it (`\"`, `\\`, `\b`,
/// `\f`, `\n`, `\r`, `\t`, other control characters as `\u00XX`; `/` and
/// non-ASCII as they are). The Worker writes its big answers this way: the
/// small fields by serde, the transcript by this, joined as text.
///
/// # Examples
///
/// ```
/// let mut out = String::from("{\"transcript\":");
/// gongkit::write_json_string(&mut out, "Jane: \"Hi\"\n\tBye");
/// out.push('}');
/// assert_eq!(out, r#"{"transcript":"Jane: \"Hi\"\n\tBye"}"#);
/// assert_eq!(
///     serde_json::from_str::<serde_json::Value>(&out).unwrap()["transcript"],
///     "Jane: \"Hi\"\n\tBye"
/// );
/// ```
pub fn write_json_string(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    // Most texts escape a few line breaks and quotes: room for those once.
    out.reserve(bytes.len() + bytes.len() / 32 + 2);
    out.push('"');
    let mut start = 0; // the first byte not yet written
    let mut at = 0; // the first byte not yet looked at
    while at < bytes.len() {
        // The next byte to escape: sixteen at a time, then one by one for
        // the tail.
        let next = if bytes.len() - at >= 16 {
            match crate::simd::special16(&bytes[at..at + 16]) {
                0 => {
                    at += 16;
                    continue;
                }
                mask => at + mask.trailing_zeros() as usize,
            }
        } else {
            match bytes[at..]
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            {
                Some(k) => at + k,
                None => bytes.len(),
            }
        };
        if next == bytes.len() {
            break;
        }
        // Bytes below 0x80 are whole characters: the slices stay on
        // character boundaries.
        out.push_str(&text[start..next]);
        let b = bytes[next];
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0C => out.push_str("\\f"),
            _ => {
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0xF)]));
            }
        }
        start = next + 1;
        at = start;
    }
    out.push_str(&text[start..]);
    out.push('"');
}

/// `text` as a JSON string literal (see [`write_json_string`]).
///
/// # Examples
///
/// ```
/// assert_eq!(gongkit::json_string("a\u{1}b/é"), r#""a\u0001b/é""#);
/// ```
pub fn json_string(text: &str) -> String {
    let mut out = String::new();
    write_json_string(&mut out, text);
    out
}

#[cfg(test)]
mod tests {
    use super::json_string;

    fn serde(text: &str) -> String {
        serde_json::to_string(text).unwrap()
    }

    #[test]
    fn every_ascii_byte_at_every_place_is_escaped_as_serde_does() {
        for b in 0u8..0x80 {
            let c = char::from(b);
            for len in 0..40 {
                for at in [0, len / 2, len] {
                    let mut text: String = "aé".repeat(len).chars().take(len).collect();
                    text.insert(
                        text.char_indices().nth(at).map_or(text.len(), |(i, _)| i),
                        c,
                    );
                    assert_eq!(
                        json_string(&text),
                        serde(&text),
                        "byte {b:#x} at {at} of {len}"
                    );
                }
            }
        }
    }

    #[test]
    fn mixed_texts_are_escaped_as_serde_does() {
        let pieces = [
            "plain words ",
            "\"",
            "\\",
            "\n",
            "\u{7f}",
            "é",
            "日本",
            "😀",
            "\u{1f}",
            "\r\n\t",
            "/",
            "\u{2028}",
        ];
        // A small generator (no dependency): every text from 500 draws.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..500 {
            let mut text = String::new();
            for _ in 0..(x % 60) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                text.push_str(pieces[(x % pieces.len() as u64) as usize]);
            }
            assert_eq!(json_string(&text), serde(&text));
        }
        assert_eq!(json_string(""), "\"\"");
    }
}
