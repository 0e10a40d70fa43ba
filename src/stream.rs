//! The streaming reader: transcript JSON formatted as it is read, straight
//! into the [`Writer`], without building the monologues.
//!
//! Big transcripts are the hot path of every gongkit user. Parsing them into
//! structs with serde_json and then formatting costs about twice what one
//! pass can do, and in WebAssembly (where serde_json's word-at-a-time string
//! scan works on 32-bit words) more. This reader knows the few shapes a
//! transcript comes in, finds string ends eight bytes at a time, and hands each
//! monologue to the [`Writer`] as soon as it is read.
//!
//! It is only a fast path. On anything it does not expect (a float where a
//! time should be, a duplicate key, invalid JSON, nesting deeper than 64) it
//! gives up, and the caller parses the input with the typed models, which
//! either accept it (and format it through the same writer) or report the
//! error with its JSON path. So both paths accept exactly the same inputs
//! and give the same output; `tests/properties.rs` checks that on random
//! documents.

use std::borrow::Cow;

use crate::error::Result;
use crate::model::{Sentence, Text};
use crate::options::TranscriptOptions;
use crate::shape::{self, Key, Kind, Shape};
use crate::writer::{Layout, Writer};

/// Gave up: the typed parser decides.
pub(crate) struct Unsure;

type Read<T> = std::result::Result<T, Unsure>;

/// A formatted transcript and where its lines are.
type Rendered = (String, Layout);

/// Formats `json`, or says it is unsure. `Ok(Err(..))` is a readable
/// transcript without the call asked for.
pub(crate) fn render(
    json: &str,
    options: &TranscriptOptions<'_>,
    layout: bool,
) -> Read<Result<Rendered>> {
    let mut r = Reader {
        s: json,
        b: json.as_bytes(),
        i: 0,
        depth: 0,
        spare: Vec::new(),
    };
    let hint = json.len() * 3 / 4;
    r.ws();
    let result = match r.peek() {
        Some(b'[') => {
            let mut w = Writer::new(options, layout, hint);
            r.monologues(Some(&mut w))?;
            Ok(w.finish())
        }
        Some(b'{') => r.root(options, layout, hint)?,
        _ => return Err(Unsure),
    };
    r.ws();
    if r.i != r.b.len() {
        return Err(Unsure);
    }
    Ok(result)
}

/// The first quote, backslash or control character at or after `from`:
/// sixteen bytes a step with SIMD (SSE2 on x86-64, SIMD128 in WebAssembly),
/// eight a step elsewhere.
///
/// `memchr::memchr2` for the quote and backslash, then a vectorized check
/// for control characters, was tried: 25 % slower on the two-hour call,
/// whose strings are short (keys of 3 to 10 bytes, sentences of 75 on
/// average), where the call and the second pass cost more than they save.
fn special(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i + 16 <= b.len() {
        let mask = crate::simd::special16(&b[i..i + 16]);
        if mask != 0 {
            return Some(i + mask.trailing_zeros() as usize);
        }
        i += 16;
    }
    if let Some(chunk) = b.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let hit = crate::simd::swar_special(u64::from_le_bytes(word));
        if hit != 0 {
            // The lowest flagged byte is a real hit: borrows only run upward.
            return Some(i + (hit.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b.get(i..)?
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .map(|p| i + p)
}

/// `name` when `rest` starts with it between quotes (`"name"`). Inlined
/// where `name` is a literal, so the comparison has a known length and is
/// a few integer compares, not a call to `memcmp`.
#[inline(always)]
fn quoted(rest: &[u8], name: &'static str) -> Option<&'static str> {
    let n = name.len();
    (rest.get(1..=n) == Some(name.as_bytes()) && rest.get(n + 1) == Some(&b'"')).then_some(name)
}

struct Reader<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    depth: u32,
    /// The buffers of sentence texts with escapes, handed back once their
    /// monologue is written: about one sentence in six of a Gong transcript
    /// quotes someone (`\"`), and an allocation (with its regrowths) and a
    /// free for each were 7 % of the time.
    spare: Vec<String>,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Read<()> {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(Unsure)
        }
    }

    /// After `{` or `[`: whether the container is already closed.
    fn closed(&mut self, close: u8) -> bool {
        self.ws();
        if self.peek() == Some(close) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// After a member: `,` (more follow) or the closing bracket.
    fn more(&mut self, close: u8) -> Read<bool> {
        self.ws();
        match self.peek() {
            Some(b',') => {
                self.i += 1;
                Ok(true)
            }
            Some(c) if c == close => {
                self.i += 1;
                Ok(false)
            }
            _ => Err(Unsure),
        }
    }

    fn null(&mut self) -> bool {
        self.ws();
        if self.b[self.i..].starts_with(b"null") {
            self.i += 4;
            true
        } else {
            false
        }
    }

    fn enter(&mut self) -> Read<()> {
        self.depth += 1;
        if self.depth > 64 {
            Err(Unsure)
        } else {
            Ok(())
        }
    }

    /// A string, borrowed when it has no escapes.
    fn string(&mut self) -> Read<Text<'a>> {
        self.eat(b'"')?;
        let start = self.i;
        let end = special(self.b, start).ok_or(Unsure)?;
        match self.b[end] {
            b'"' => {
                self.i = end + 1;
                // Both ends are ASCII quotes, so these are char boundaries.
                Ok(Text::from(&self.s[start..end]))
            }
            b'\\' => self.escaped(start).map(Text::from),
            // A raw control character: not JSON.
            _ => Err(Unsure),
        }
    }

    /// A sentence's text, and whether it is clean: borrowed from the input
    /// and already as the writer makes text (no leading, trailing or
    /// doubled space, no byte that may start other whitespace), so the
    /// writer copies it without checking it again. Found in the same pass
    /// (the same sixteen-byte loads) that finds the string's end; the
    /// writer's own check was a fifth of the formatting time.
    fn text(&mut self) -> Read<(Text<'a>, bool)> {
        self.eat(b'"')?;
        let b = self.b;
        let start = self.i;
        let mut i = start;
        // Doubled spaces and odd bytes seen; whether the byte before `i`
        // is a space.
        let mut odd = false;
        let mut space_before = false;
        let end = loop {
            if i + 16 <= b.len() {
                let m = crate::simd::text16(&b[i..i + 16]);
                let (within, stop) = match m.special {
                    0 => (0xFFFF, None),
                    special => {
                        let at = special.trailing_zeros();
                        ((1u32 << at) - 1, Some(i + at as usize))
                    }
                };
                let space = m.space & within;
                odd |= (m.odd & within) != 0
                    || (space & ((space << 1) | u32::from(space_before))) != 0;
                if let Some(end) = stop {
                    break end;
                }
                space_before = m.space & 0x8000 != 0;
                i += 16;
                continue;
            }
            let c = *b.get(i).ok_or(Unsure)?;
            if c == b'"' || c == b'\\' || c < 0x20 {
                break i;
            }
            let space = c == b' ';
            odd |= (space && space_before) || c == 0xC2 || c.wrapping_sub(0xE1) < 3;
            space_before = space;
            i += 1;
        };
        match b[end] {
            b'"' => {
                self.i = end + 1;
                let clean = !odd && (start == end || (b[start] != b' ' && b[end - 1] != b' '));
                // Both ends are ASCII quotes, so these are char boundaries.
                Ok((Text::from(&self.s[start..end]), clean))
            }
            b'\\' => self.escaped(start).map(|t| (Text::from(t), false)),
            // A raw control character: not JSON.
            _ => Err(Unsure),
        }
    }

    /// The rest of a string with escapes, from its first byte at `start`.
    fn escaped(&mut self, start: usize) -> Read<String> {
        let mut out = self.spare.pop().unwrap_or_default();
        let mut i = start;
        loop {
            let next = special(self.b, i).ok_or(Unsure)?;
            if self.b[next] < 0x20 {
                return Err(Unsure);
            }
            out.push_str(&self.s[i..next]);
            if self.b[next] == b'"' {
                self.i = next + 1;
                return Ok(out);
            }
            let esc = *self.b.get(next + 1).ok_or(Unsure)?;
            i = next + 2;
            let c = match esc {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => {
                    let hi = self.hex4(i)?;
                    i += 4;
                    if (0xD800..0xDC00).contains(&hi) {
                        // A surrogate pair: `\uD83D\uDE00`.
                        if self.b.get(i..i + 2) != Some(b"\\u") {
                            return Err(Unsure);
                        }
                        let lo = self.hex4(i + 2)?;
                        if !(0xDC00..0xE000).contains(&lo) {
                            return Err(Unsure);
                        }
                        i += 6;
                        char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                            .ok_or(Unsure)?
                    } else {
                        char::from_u32(hi).ok_or(Unsure)?
                    }
                }
                _ => return Err(Unsure),
            };
            out.push(c);
        }
    }

    fn hex4(&self, at: usize) -> Read<u32> {
        let digits = self.b.get(at..at + 4).ok_or(Unsure)?;
        digits.iter().try_fold(0u32, |n, &d| {
            let v = (d as char).to_digit(16).ok_or(Unsure)?;
            Ok(n * 16 + v)
        })
    }

    /// An integer that fits i64; anything else (fractions, exponents) is
    /// left to the typed parser, which says what is wrong with it.
    fn integer(&mut self) -> Read<i64> {
        self.ws();
        let start = self.i;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.i += 1;
        }
        let digits = self.i;
        // Up to 18 digits cannot overflow, so no checked (in wasm, 128-bit)
        // multiplication per digit; longer numbers go to the typed parser.
        let mut n: u64 = 0;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            n = n.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
            self.i += 1;
        }
        let len = self.i - digits;
        // No digits, too many, a leading zero ("01"), or a fraction or
        // exponent next.
        if len == 0
            || len > 18
            || (len > 1 && self.b[digits] == b'0')
            || matches!(self.peek(), Some(b'.' | b'e' | b'E'))
        {
            self.i = start;
            return Err(Unsure);
        }
        // 18 digits fit in i64.
        let n = n as i64;
        Ok(if negative { -n } else { n })
    }

    fn optional_integer(&mut self) -> Read<Option<i64>> {
        if self.null() {
            Ok(None)
        } else {
            self.integer().map(Some)
        }
    }

    fn optional_string(&mut self) -> Read<Option<Text<'a>>> {
        if self.null() {
            Ok(None)
        } else {
            self.string().map(Some)
        }
    }

    /// An id: a string, or a whole number kept as its decimal string.
    fn optional_id(&mut self) -> Read<Option<Cow<'a, str>>> {
        self.ws();
        match self.peek() {
            Some(b'"') => Ok(Some(self.string()?.into_cow())),
            Some(b'0'..=b'9') => {
                let n = self.integer()?;
                Ok(Some(Cow::Owned(n.to_string())))
            }
            _ if self.null() => Ok(None),
            _ => Err(Unsure),
        }
    }

    /// Skips any JSON value.
    fn skip(&mut self) -> Read<()> {
        self.ws();
        match self.peek().ok_or(Unsure)? {
            b'"' => self.string().map(drop),
            b'{' => {
                self.i += 1;
                self.enter()?;
                if !self.closed(b'}') {
                    loop {
                        self.string()?;
                        self.eat(b':')?;
                        self.skip()?;
                        if !self.more(b'}')? {
                            break;
                        }
                    }
                }
                self.depth -= 1;
                Ok(())
            }
            b'[' => {
                self.i += 1;
                self.enter()?;
                if !self.closed(b']') {
                    loop {
                        self.skip()?;
                        if !self.more(b']')? {
                            break;
                        }
                    }
                }
                self.depth -= 1;
                Ok(())
            }
            b't' | b'f' | b'n' => {
                for word in [&b"true"[..], b"false", b"null"] {
                    if self.b[self.i..].starts_with(word) {
                        self.i += word.len();
                        return Ok(());
                    }
                }
                Err(Unsure)
            }
            _ => {
                // Numbers, validated as JSON numbers.
                let start = self.i;
                if self.peek() == Some(b'-') {
                    self.i += 1;
                }
                let int = self.i;
                while let Some(b'0'..=b'9') = self.peek() {
                    self.i += 1;
                }
                if self.i == int || (self.i - int > 1 && self.b[int] == b'0') {
                    return Err(Unsure);
                }
                if self.peek() == Some(b'.') {
                    self.i += 1;
                    let frac = self.i;
                    while let Some(b'0'..=b'9') = self.peek() {
                        self.i += 1;
                    }
                    if self.i == frac {
                        return Err(Unsure);
                    }
                }
                if let Some(b'e' | b'E') = self.peek() {
                    self.i += 1;
                    if let Some(b'+' | b'-') = self.peek() {
                        self.i += 1;
                    }
                    let exp = self.i;
                    while let Some(b'0'..=b'9') = self.peek() {
                        self.i += 1;
                    }
                    if self.i == exp {
                        return Err(Unsure);
                    }
                }
                debug_assert!(self.i > start);
                Ok(())
            }
        }
    }

    /// The next key. The keys of sentences and monologues, as Gong writes
    /// them (no escapes), are known by their bytes, with no search for the
    /// closing quote (a third of the strings of a transcript are these
    /// keys); any other key is read as a string.
    fn key(&mut self) -> Read<Text<'a>> {
        self.ws();
        let rest = &self.b[self.i..];
        // Each name tested on its own (not in a loop over a list), so its
        // length is known: `memcmp` calls were 8 % of the time.
        let known = match rest.get(1) {
            _ if rest.first() != Some(&b'"') => None,
            Some(b's') => quoted(rest, "start")
                .or_else(|| quoted(rest, "sentences"))
                .or_else(|| quoted(rest, "speakerId")),
            Some(b'e') => quoted(rest, "end"),
            Some(b't') => quoted(rest, "text").or_else(|| quoted(rest, "topic")),
            _ => None,
        };
        match known {
            Some(name) => {
                self.i += name.len() + 2;
                Ok(Text::from(name))
            }
            None => self.string(),
        }
    }

    /// `{` … `}` with a callback per key, which reads the value.
    fn object(&mut self, mut member: impl FnMut(&mut Self, &str) -> Read<()>) -> Read<()> {
        self.eat(b'{')?;
        self.enter()?;
        if !self.closed(b'}') {
            loop {
                let key = self.key()?;
                self.eat(b':')?;
                member(self, &key)?;
                if !self.more(b'}')? {
                    break;
                }
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// A whole transcript response, or one call transcript. Only the call
    /// asked for is formatted; the others are checked and skipped.
    fn root(
        &mut self,
        options: &TranscriptOptions<'_>,
        layout: bool,
        hint: usize,
    ) -> Read<Result<Rendered>> {
        let call_id = options.call_id;
        let mut selected: Option<Rendered> = None;
        let mut own: Option<Rendered> = None;
        let mut own_id: Option<Cow<'a, str>> = None;
        let mut shape = Shape::default();
        self.object(|r, name| {
            let key = Key::of(name);
            shape.note(key);
            match key {
                Key::CallTranscripts => {
                    selected = None;
                    if r.null() {
                        return Ok(());
                    }
                    r.eat(b'[')?;
                    r.enter()?;
                    if !r.closed(b']') {
                        loop {
                            let want = selected.is_none();
                            if let Some(rendered) = r.element(options, layout, hint, want)? {
                                selected = Some(rendered);
                            }
                            if !r.more(b']')? {
                                break;
                            }
                        }
                    }
                    r.depth -= 1;
                    Ok(())
                }
                Key::RequestId => r.optional_string().map(drop),
                Key::Records => r.records(),
                Key::CallId => {
                    own_id = r.optional_id()?;
                    Ok(())
                }
                Key::Transcript => {
                    let mut w = Writer::new(options, layout, hint);
                    if !r.null() {
                        r.monologues(Some(&mut w))?;
                    }
                    own = Some(w.finish());
                    Ok(())
                }
                Key::Other => r.skip(),
            }
        })?;
        Ok(match shape.kind() {
            Kind::Response => selected.ok_or_else(|| shape::not_found(call_id)),
            Kind::Call => shape::check_call(call_id, own_id.as_deref())
                .map(|()| own.unwrap_or_else(|| Writer::new(options, layout, 0).finish())),
            // Not a transcript: the typed parser words the error.
            Kind::Neither => return Err(Unsure),
        })
    }

    /// `records`, checked as the typed model checks it.
    fn records(&mut self) -> Read<()> {
        if self.null() {
            return Ok(());
        }
        let mut seen = 0u8;
        self.object(|r, key| {
            let bit = match key {
                "totalRecords" => 1,
                "currentPageSize" => 2,
                "currentPageNumber" => 4,
                "cursor" => 8,
                _ => return r.skip(),
            };
            if seen & bit != 0 {
                return Err(Unsure);
            }
            seen |= bit;
            if bit == 8 {
                r.optional_string().map(drop)
            } else {
                r.optional_integer().map(drop)
            }
        })
    }

    /// One element of `callTranscripts`: formatted when `want` and it is
    /// the call asked for, else only checked. Gong sends `callId` first, so
    /// the choice is made before the transcript; when the transcript comes
    /// first it is skipped and read again once the id is known.
    fn element(
        &mut self,
        options: &TranscriptOptions<'_>,
        layout: bool,
        hint: usize,
        want: bool,
    ) -> Read<Option<Rendered>> {
        let mut id: Option<Cow<'a, str>> = None;
        let mut w: Option<Writer<'_, '_>> = None;
        let mut skipped_at: Option<usize> = None;
        let (mut seen_id, mut seen_transcript) = (false, false);
        self.object(|r, key| match key {
            "callId" => {
                if std::mem::replace(&mut seen_id, true) {
                    return Err(Unsure);
                }
                id = r.optional_id()?;
                Ok(())
            }
            "transcript" => {
                if std::mem::replace(&mut seen_transcript, true) {
                    return Err(Unsure);
                }
                if r.null() {
                    return Ok(());
                }
                let chosen = want && seen_id && shape::is_wanted(options.call_id, id.as_deref());
                if chosen {
                    let mut writer = Writer::new(options, layout, hint);
                    r.monologues(Some(&mut writer))?;
                    w = Some(writer);
                    Ok(())
                } else {
                    // Checked as strictly as a formatted one (so both
                    // readers accept the same documents), not formatted.
                    r.ws();
                    skipped_at = (!seen_id).then_some(r.i);
                    r.monologues(None)
                }
            }
            _ => r.skip(),
        })?;
        if !want || !shape::is_wanted(options.call_id, id.as_deref()) {
            return Ok(None);
        }
        if let Some(at) = skipped_at {
            let end = std::mem::replace(&mut self.i, at);
            let mut writer = Writer::new(options, layout, hint);
            self.monologues(Some(&mut writer))?;
            self.i = end;
            w = Some(writer);
        }
        Ok(Some(
            w.unwrap_or_else(|| Writer::new(options, layout, 0))
                .finish(),
        ))
    }

    /// `[` monologue, … `]`, each handed to the writer as it is read.
    fn monologues(&mut self, mut w: Option<&mut Writer<'_, '_>>) -> Read<()> {
        self.eat(b'[')?;
        self.enter()?;
        let mut sentences: Vec<Sentence<'a>> = Vec::with_capacity(16);
        let mut clean: Vec<bool> = Vec::with_capacity(16);
        if !self.closed(b']') {
            loop {
                self.monologue(w.as_deref_mut(), &mut sentences, &mut clean)?;
                if !self.more(b']')? {
                    break;
                }
            }
        }
        self.depth -= 1;
        Ok(())
    }

    fn monologue(
        &mut self,
        w: Option<&mut Writer<'_, '_>>,
        sentences: &mut Vec<Sentence<'a>>,
        clean: &mut Vec<bool>,
    ) -> Read<()> {
        self.recycle(sentences);
        clean.clear();
        let at = self.i;
        let (speaker, topic) = match self.compact_monologue(sentences, clean) {
            Some(read) => read,
            None => {
                self.i = at;
                self.recycle(sentences);
                clean.clear();
                self.general_monologue(sentences, clean)?
            }
        };
        let Some(w) = w else {
            return Ok(());
        };
        w.monologue(speaker.as_deref(), topic.as_deref(), sentences, Some(clean));
        Ok(())
    }

    /// Hands the buffers of decoded sentence texts back for the next ones.
    fn recycle(&mut self, sentences: &mut Vec<Sentence<'a>>) {
        for s in sentences.drain(..) {
            if let Some(Cow::Owned(mut text)) = s.text.map(Text::into_cow) {
                text.clear();
                self.spare.push(text);
            }
        }
    }

    /// A monologue as Gong writes every one,
    /// `{"speakerId":…,"topic":…,"sentences":[…]}` with no spaces, read with
    /// fixed compares (as [`Reader::compact_sentence`]); `None` for any
    /// other, which the general object reader reads again from its start.
    #[inline(always)]
    fn compact_monologue(
        &mut self,
        sentences: &mut Vec<Sentence<'a>>,
        clean: &mut Vec<bool>,
    ) -> Option<(Option<Cow<'a, str>>, Option<Text<'a>>)> {
        self.ws();
        self.literal(b"{\"speakerId\":")?;
        let speaker = self.optional_id().ok()?;
        self.literal(b",\"topic\":")?;
        let topic = self.optional_string().ok()?;
        self.literal(b",\"sentences\":[")?;
        if self.literal(b"]").is_none() {
            loop {
                let (sentence, is_clean) = self.sentence().ok()?;
                sentences.push(sentence);
                clean.push(is_clean);
                if self.literal(b",").is_none() {
                    self.literal(b"]")?;
                    break;
                }
            }
        }
        self.literal(b"}")?;
        Some((speaker, topic))
    }

    /// A monologue's object in any form: its speaker and topic; its
    /// sentences in `sentences` and `clean`.
    fn general_monologue(
        &mut self,
        sentences: &mut Vec<Sentence<'a>>,
        clean: &mut Vec<bool>,
    ) -> Read<(Option<Cow<'a, str>>, Option<Text<'a>>)> {
        let mut speaker: Option<Option<Cow<'a, str>>> = None;
        let mut topic: Option<Option<Text<'a>>> = None;
        let mut seen_sentences = false;
        self.object(|r, key| match key {
            "speakerId" if speaker.is_none() => {
                speaker = Some(r.optional_id()?);
                Ok(())
            }
            "topic" if topic.is_none() => {
                topic = Some(r.optional_string()?);
                Ok(())
            }
            "sentences" if !seen_sentences => {
                seen_sentences = true;
                if r.null() {
                    return Ok(());
                }
                r.eat(b'[')?;
                if !r.closed(b']') {
                    loop {
                        let (sentence, is_clean) = r.sentence()?;
                        sentences.push(sentence);
                        clean.push(is_clean);
                        if !r.more(b']')? {
                            break;
                        }
                    }
                }
                Ok(())
            }
            "speakerId" | "topic" | "sentences" => Err(Unsure),
            _ => r.skip(),
        })?;
        Ok((speaker.flatten(), topic.flatten()))
    }

    /// A sentence as Gong writes every one, `{"start":1,"end":2,"text":"…"}`
    /// with no spaces, read with a few fixed compares; `None` for any other
    /// (keys in another order or missing, spaces, nulls, more keys), which
    /// the general object reader reads again from its start. The general
    /// reader's key matching, whitespace checks and per-key dispatch were
    /// about a quarter of the time on the two-hour call.
    #[inline(always)]
    fn compact_sentence(&mut self) -> Option<(Sentence<'a>, bool)> {
        self.ws();
        self.literal(b"{\"start\":")?;
        let start = self.integer().ok()?;
        self.literal(b",\"end\":")?;
        let end = self.integer().ok()?;
        self.literal(b",\"text\":")?;
        let (text, clean) = self.text().ok()?;
        self.literal(b"}")?;
        let sentence = Sentence {
            start: Some(start),
            end: Some(end),
            text: Some(text),
        };
        Some((sentence, clean))
    }

    /// Steps over `bytes` when the input continues with them. Inlined where
    /// `bytes` is a literal, so the compare is a few integer compares.
    #[inline(always)]
    fn literal(&mut self, bytes: &[u8]) -> Option<()> {
        let n = bytes.len();
        (self.b.get(self.i..self.i + n)? == bytes).then(|| self.i += n)
    }

    /// A sentence, and whether its text is clean (see [`Reader::text`]).
    fn sentence(&mut self) -> Read<(Sentence<'a>, bool)> {
        let at = self.i;
        if let Some(read) = self.compact_sentence() {
            return Ok(read);
        }
        self.i = at;
        let mut s = Sentence::default();
        let mut clean = true;
        let mut seen = 0u8;
        self.object(|r, key| {
            let bit = match key {
                "start" => 1,
                "end" => 2,
                "text" => 4,
                _ => return r.skip(),
            };
            if seen & bit != 0 {
                return Err(Unsure);
            }
            seen |= bit;
            match bit {
                1 => s.start = r.optional_integer()?,
                2 => s.end = r.optional_integer()?,
                _ if r.null() => s.text = None,
                _ => {
                    let (text, is_clean) = r.text()?;
                    s.text = Some(text);
                    clean = is_clean;
                }
            }
            Ok(())
        })?;
        Ok((s, clean))
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    #[test]
    fn reads_the_two_hour_fixture() {
        let json = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/calls/two-hour.transcript.json"
        ))
        .unwrap();
        let options = crate::options::TranscriptOptions::default();
        assert!(super::render(&json, &options, false).is_ok());
    }

    /// Texts the reader finds clean are copied as they are, others go
    /// through the writer's whitespace check: both give what the typed
    /// path gives, for doubled, leading and trailing spaces and other
    /// whitespace at every place around the sixteen-byte steps.
    #[test]
    fn clean_texts_agree_with_the_typed_path() {
        use crate::transcript::{format_monologues, AnyTranscript};
        let odd = [
            "  ",
            " ",
            "\\u00a0",
            "\u{a0}",
            "\u{2003}",
            "\u{3000}",
            "\u{85}",
            "\\t",
            "\\n",
            "é",
            "\u{e1}\u{1fc}",
            "\u{2603}",
        ];
        for len in 0..40 {
            for at in 0..=len {
                for piece in odd {
                    let mut text: String = (0..len)
                        .map(|k| if k % 5 == 4 { ' ' } else { 'a' })
                        .collect();
                    text.insert_str(at, piece);
                    let json = format!(
                        r#"[{{"speakerId": "1", "sentences": [{{"text": "{text}"}}, {{"text": "x"}}]}}]"#
                    );
                    let options = crate::options::TranscriptOptions::default();
                    let Ok(Ok((streamed, _))) = super::render(&json, &options, false) else {
                        panic!("not read by the streaming reader: {json}");
                    };
                    let typed: AnyTranscript = crate::from_json(&json).unwrap();
                    let monologues = typed.monologues(None).unwrap();
                    assert_eq!(streamed, format_monologues(monologues, &options), "{json}");
                }
            }
        }
    }

    /// Keys that start like the known ones, or are them with escapes, are
    /// other keys or the same key: the quick match of `key` reads only whole
    /// names between quotes.
    #[test]
    fn known_keys_are_matched_whole() {
        let json = r#"[{"speakerIds": 9, "speakerId": "1", "sentence": [], "sentences": [
            {"tex": "no", "texts": "no", "startx": 5, "star": 5, "text": "yes", "start": 1000, "en": 2, "end": 2000},
            {"\u0074ext": "escaped", "\u0073tart": 3000}
        ], "topics": "no", "topic": "T"}]"#;
        let options = crate::options::TranscriptOptions {
            timestamps: true,
            ..Default::default()
        };
        let Ok(Ok((text, _))) = super::render(json, &options, false) else {
            panic!("not read by the streaming reader");
        };
        assert_eq!(text, "[00:01] Speaker 1 (T): yes escaped");
        assert_eq!(crate::format_transcript(json, &options).unwrap(), text);
    }

    /// Sentences in Gong's compact form take the fast path; near misses
    /// (nulls, spaces, other orders, more or repeated keys, bad numbers, a
    /// cut) fall back to the general reader or the typed parser, and every
    /// one formats as the typed path does, or fails as it does.
    #[test]
    fn compact_sentences_agree_with_the_typed_path() {
        use crate::options::{Format, TranscriptOptions};
        let sentences = [
            r#"{"start":1000,"end":2000,"text":"plain"}"#,
            r#"{"start":-5,"end":0,"text":"negative"}"#,
            r#"{"start":1,"end":2,"text":"a \"quoted\" b\/c"}"#,
            r#"{"start":1,"end":2,"text":"line\nbreak"}"#,
            r#"{"start":1,"end":2,"text":" padded "}"#,
            r#"{"start":1,"end":2,"text":""}"#,
            r#"{"start":null,"end":2,"text":"null start"}"#,
            r#"{"start":1,"end":null,"text":"null end"}"#,
            r#"{"start":1,"end":2,"text":null}"#,
            r#"{"start": 1,"end":2,"text":"space"}"#,
            r#"{"start":1,"end":2,"text":"more","x":[1]}"#,
            r#"{"start":1,"end":2,"start":3,"text":"repeated"}"#,
            r#"{"start":1,"end":2,"text":"a","text":"b"}"#,
            r#"{"end":2,"start":1,"text":"order"}"#,
            r#"{"start":1,"text":"no end"}"#,
            r#"{"start":1.5,"end":2,"text":"float"}"#,
            r#"{"start":01,"end":2,"text":"zero"}"#,
            r#"{"start":1,"end":2,"text":"cut"#,
        ];
        for sentence in sentences {
            let json = format!(
                r#"[{{"speakerId":"1","sentences":[{sentence},{{"start":5,"end":6,"text":"z"}}]}}]"#
            );
            for format in [Format::Plain, Format::WebVtt] {
                let options = TranscriptOptions {
                    format,
                    timestamps: true,
                    ..Default::default()
                };
                agree_with_the_typed_path(&json, &options);
            }
        }
        let fast =
            r#"[{"speakerId":"1","sentences":[{"start":1000,"end":2000,"text":"a \"b\""}]}]"#;
        let options = crate::options::TranscriptOptions::default();
        assert!(matches!(super::render(fast, &options, false), Ok(Ok(_))));
    }

    /// The streaming reader's answer (or error) for `json` is the typed
    /// path's.
    fn agree_with_the_typed_path(json: &str, options: &crate::options::TranscriptOptions) {
        use crate::transcript::{format_monologues, AnyTranscript};
        let streamed = crate::format_transcript(json, options).map_err(|e| e.to_string());
        let typed = crate::from_json::<AnyTranscript>(json)
            .and_then(|t| Ok(format_monologues(t.monologues(None)?, options)))
            .map_err(|e| e.to_string());
        assert_eq!(streamed, typed, "{json}");
    }

    /// The same for monologues: Gong's compact form and near misses.
    #[test]
    fn compact_monologues_agree_with_the_typed_path() {
        use crate::options::{Format, TranscriptOptions};
        let s = r#"{"start":1000,"end":2000,"text":"said"}"#;
        let monologues = [
            format!(r#"{{"speakerId":"1","topic":"T","sentences":[{s}]}}"#),
            format!(r#"{{"speakerId":7,"topic":null,"sentences":[{s},{s}]}}"#),
            format!(r#"{{"speakerId":null,"topic":"  spaced  topic ","sentences":[{s}]}}"#),
            format!(r#"{{"speakerId":"1","topic":"T \"q\"","sentences":[{s}]}}"#),
            r#"{"speakerId":"1","topic":"T","sentences":[]}"#.to_string(),
            r#"{"speakerId":"1","topic":"T","sentences":null}"#.to_string(),
            format!(r#"{{"speakerId":"1","topic":"T","sentences":[{s}] }}"#),
            format!(r#"{{"speakerId":"1","topic":"T","sentences":[{s}, {s}]}}"#),
            format!(r#"{{"speakerId":"1","topic":"T","sentences":[{s}],"extra":[1]}}"#),
            format!(r#"{{"speakerId":"1","topic":"T","sentences":[{s}],"topic":"U"}}"#),
            format!(r#"{{"speakerId":"1","sentences":[{s}]}}"#),
            format!(r#"{{"topic":"T","speakerId":"1","sentences":[{s}]}}"#),
            format!(
                r#"{{"speakerId":"1","topic":"T","sentences":[{s},{{"start":1.5,"end":2,"text":"f"}}]}}"#
            ),
            format!(r#"{{"speakerId":"1","topic":"T","sentences":[{s},{{"text":"untimed"}}]}}"#),
            format!(r#"{{"speakerId":"1","topic":"T","sentences":[{s}]"#),
        ];
        for monologue in &monologues {
            let json =
                format!(r#"[{monologue},{{"speakerId":"1","topic":"T","sentences":[{s}]}}]"#);
            for (format, merge) in [
                (Format::Plain, true),
                (Format::Plain, false),
                (Format::Srt, true),
            ] {
                let options = TranscriptOptions {
                    format,
                    merge,
                    timestamps: true,
                    ..Default::default()
                };
                agree_with_the_typed_path(&json, &options);
            }
        }
    }

    #[test]
    fn picks_the_call_asked_for_whatever_the_key_order() {
        use crate::options::TranscriptOptions;
        let m = |t: &str| format!(r#"[{{"speakerId": "1", "sentences": [{{"text": "{t}"}}]}}]"#);
        let json = format!(
            r#"{{"callTranscripts": [{{"callId": "1", "transcript": {}}}, {{"transcript": {}, "callId": "2"}}, {{"callId": "3", "transcript": {}}}]}}"#,
            m("one"),
            m("two"),
            m("three")
        );
        for (id, want) in [("1", "one"), ("2", "two"), ("3", "three")] {
            let options = TranscriptOptions {
                call_id: Some(id),
                ..TranscriptOptions::default()
            };
            let Ok(Ok((text, _))) = super::render(&json, &options, false) else {
                panic!("call {id}: not read by the streaming reader");
            };
            assert_eq!(text, format!("Speaker 1: {want}"));
        }
        let options = TranscriptOptions {
            call_id: Some("4"),
            ..TranscriptOptions::default()
        };
        assert!(matches!(
            super::render(&json, &options, false),
            Ok(Err(crate::Error::TranscriptNotFound(_)))
        ));
        // A broken transcript of another call still makes the reader unsure,
        // so the typed parser reports it: what is not formatted is checked.
        let broken = json.replace(r#""text": "three""#, r#""text": 3.5"#);
        let options = TranscriptOptions {
            call_id: Some("1"),
            ..TranscriptOptions::default()
        };
        assert!(super::render(&broken, &options, false).is_err());
        assert!(crate::format_transcript(&broken, &options).is_err());
        let bad_json = json.replace(r#""text": "three""#, r#""text": "#);
        assert!(super::render(&bad_json, &options, false).is_err());
    }
}
