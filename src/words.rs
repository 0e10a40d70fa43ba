//! Words as search sees them, the same for what is stored and what is asked:
//! letters and digits, compatibility-decomposed (`ﬁ` → `fi`, full-width →
//! ASCII), accents dropped (`José` → `jose`), lower-cased. Text written
//! without spaces between words (Chinese, Japanese) has no word boundaries
//! to find, so each of its characters is a word of its own and a query
//! asks for them in a row: `調達` is found inside `調達を担当`.
//!
//! The Worker's search index (FTS5, `unicode61` with no folding of its own)
//! is fed these words joined by spaces, so SQLite's tokenizer and this module
//! can never disagree about where a word starts; the browser page filters a
//! transcript with the same folding (`foldText` in the npm package), so a
//! filter finds what a search would.
//!
//! ```
//! use gongkit::words::fold;
//! assert_eq!(fold("José MÜLLER, 調達"), "jose muller 調 達");
//! assert!(fold("Hi José!").contains(&fold("jose")));
//! ```

use std::ops::Range;

#[cfg(not(all(feature = "wasm", target_arch = "wasm32")))]
use unicode_normalization::char::decompose_compatible;
use unicode_normalization::char::is_combining_mark;

use crate::error::{Error, Result};

/// One word of a text: its folded form and where it is in the text (so a
/// hit can be marked in the original, accents and all).
///
/// ```
/// let w = &gongkit::words::words("Hi José")[1];
/// assert_eq!((w.text.as_str(), w.span.clone()), ("jose", 3..8));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// The folded word.
    pub text: String,
    /// Its bytes in the original text.
    pub span: Range<usize>,
}

/// Whether `c` belongs to a script written without spaces between words
/// (Han, Hiragana, Katakana): each such character is a word.
///
/// ```
/// use gongkit::words::is_unspaced;
/// assert!(is_unspaced('調') && is_unspaced('カ'));
/// assert!(!is_unspaced('a') && !is_unspaced('가'));
/// ```
pub fn is_unspaced(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x31F0..=0x31FF    // Katakana phonetic extensions
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0xFF66..=0xFF9F    // half-width Katakana
        | 0x20000..=0x3134F) // CJK extensions B–G
}

/// The words of `text`, in order.
///
/// ```
/// use gongkit::words::words;
/// let w: Vec<String> = words("José's ﬁne 調達!").into_iter().map(|w| w.text).collect();
/// assert_eq!(w, ["jose", "s", "fine", "調", "達"]);
/// ```
pub fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut current: Option<Word> = None;
    for (at, c) in text.char_indices() {
        let end = at + c.len_utf8();
        // A combining mark belongs to the word it follows (decomposed
        // accents must not split `José` written as `Jose\u{301}`).
        if is_combining_mark(c) {
            if let Some(w) = &mut current {
                w.span.end = end;
            }
            continue;
        }
        let mut pieces = Vec::with_capacity(2);
        decompose(c, |d| {
            if !is_combining_mark(d) {
                pieces.extend(d.to_lowercase().filter(|l| !is_combining_mark(*l)));
            }
        });
        for l in pieces {
            if is_unspaced(l) {
                out.extend(current.take());
                out.push(Word {
                    text: l.to_string(),
                    span: at..end,
                });
            } else if l.is_alphanumeric() {
                let w = current.get_or_insert_with(|| Word {
                    text: String::new(),
                    span: at..end,
                });
                w.text.push(l);
                w.span.end = end;
            } else {
                out.extend(current.take());
            }
        }
    }
    out.extend(current);
    out
}

/// The compatibility decomposition (NFKD) of one character, given piece by
/// piece: the one place that knows where Unicode's tables come from, so a
/// build that has them already (the JS engine's `String.prototype.normalize`)
/// supplies them here instead of carrying its own. The npm package does
/// (feature `wasm`): the tables would add about 65 KB gzipped to its wasm.
fn decompose(c: char, mut each: impl FnMut(char)) {
    // ASCII and the unified CJK ideographs decompose to themselves (Unicode
    // gives them no decomposition): no table, no call out.
    if c.is_ascii()
        || matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0x20000..=0x2F7FF | 0x30000..=0x3134F)
    {
        return each(c);
    }
    #[cfg(all(feature = "wasm", target_arch = "wasm32"))]
    String::from(js_sys::JsString::from(c).normalize("NFKD"))
        .chars()
        .for_each(each);
    #[cfg(not(all(feature = "wasm", target_arch = "wasm32")))]
    decompose_compatible(c, each);
}

/// The folded words of `text` joined by single spaces: what the search
/// index stores, and what names are compared by.
///
/// ```
/// use gongkit::words::fold;
/// assert_eq!(fold("  Acme, Inc. — São Paulo "), "acme inc sao paulo");
/// assert_eq!(fold("ÉLAN"), fold("elan"));
/// ```
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for w in words(text) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&w.text);
    }
    out
}

/// An email address as every comparison of them sees it: trimmed and
/// lower-cased (the library's participants, a signed-in user, a token's
/// policy).
///
/// ```
/// assert_eq!(gongkit::words::email_key(" Ann.Lee@Acme.COM "), "ann.lee@acme.com");
/// ```
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// `text` with the given word ranges marked `**like this**`. `hits` are
/// ranges of word positions (from [`words`]); overlapping ones are joined.
///
/// ```
/// use gongkit::words::{mark, words};
/// let text = "Pricing is per seat.";
/// let w = words(text);
/// assert_eq!(mark(text, &w, &[0..1, 2..4]), "**Pricing** is **per seat**.");
/// ```
pub fn mark(text: &str, words: &[Word], hits: &[Range<usize>]) -> String {
    let mut spans: Vec<Range<usize>> = hits
        .iter()
        .filter(|h| h.start < h.end && h.end <= words.len())
        .map(|h| words[h.start].span.start..words[h.end - 1].span.end)
        .collect();
    spans.sort_by_key(|s| s.start);
    let mut joined: Vec<Range<usize>> = Vec::with_capacity(spans.len());
    for s in spans {
        match joined.last_mut() {
            Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
            _ => joined.push(s),
        }
    }
    let mut out = String::with_capacity(text.len() + joined.len() * 4);
    let mut at = 0;
    for s in joined {
        out.push_str(&text[at..s.start]);
        out.push_str("**");
        out.push_str(&text[s.clone()]);
        out.push_str("**");
        at = s.end;
    }
    out.push_str(&text[at..]);
    out
}

/// A folded value that must hold something to match (`name` is the
/// argument's name, for the error): a filter of only punctuation would
/// otherwise match everything.
///
/// ```
/// use gongkit::words::{fold, nonempty};
/// assert_eq!(nonempty(fold("Acme!"), "account")?, "acme");
/// assert_eq!(
///     nonempty(fold(" , "), "account").unwrap_err().to_string(),
///     "invalid account: has no letters or digits to match"
/// );
/// # Ok::<(), gongkit::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] naming `name` when folding left nothing.
pub fn nonempty(folded: String, name: &'static str) -> Result<String> {
    if folded.is_empty() {
        return Err(Error::InvalidArgument {
            name,
            reason: "has no letters or digits to match".to_owned(),
        });
    }
    Ok(folded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        words(s).into_iter().map(|w| w.text).collect()
    }

    #[test]
    fn accents_case_and_width_fold_away() {
        assert_eq!(texts("José MÜLLER"), ["jose", "muller"]);
        assert_eq!(texts("Jose\u{301}"), ["jose"]);
        assert_eq!(texts("Ｇｏｎｇ ＡＰＩ"), ["gong", "api"]);
        assert_eq!(texts("Łukasz Wójcik"), ["łukasz", "wojcik"]);
        assert_eq!(texts("Straße"), ["straße"]);
        assert_eq!(texts("İstanbul"), ["istanbul"]);
        assert_eq!(fold("Nguyễn Văn An"), "nguyen van an");
    }

    #[test]
    fn punctuation_and_symbols_split_words() {
        assert_eq!(
            texts("SSO (SAML 2.0) & SCIM? e-mail: jane.doe@acme.com 👍"),
            ["sso", "saml", "2", "0", "scim", "e", "mail", "jane", "doe", "acme", "com"]
        );
        assert!(words("^ \"*\" — !").is_empty());
    }

    #[test]
    fn unspaced_scripts_are_one_word_a_character() {
        assert_eq!(texts("調達を担当"), ["調", "達", "を", "担", "当"]);
        assert_eq!(texts("ｶﾀｶﾅ"), texts("カタカナ"));
        // Hangul is written with spaces: its words stay whole.
        assert_eq!(texts("가격 정보").len(), 2);
        assert_eq!(texts("Demo für 調達ミーティング")[..2], ["demo", "fur"]);
    }

    #[test]
    fn spans_point_into_the_original() {
        let text = "Hi José, 調達.";
        let w = words(text);
        assert_eq!(&text[w[1].span.clone()], "José");
        assert_eq!(&text[w[2].span.clone()], "調");
        assert_eq!(mark(text, &w, &[1..2, 2..4]), "Hi **José**, **調達**.");
        assert_eq!(mark(text, &w, &[0..2, 1..2]), "**Hi José**, 調達.");
        let out_of_range = [Range { start: 3, end: 9 }];
        assert_eq!(mark(text, &w, &out_of_range), text);
    }
}
