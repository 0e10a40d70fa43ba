//! The formatter below both transcript readers: the typed path
//! ([`crate::transcript`]) and the streaming reader ([`crate::stream`]) hand
//! it monologues one at a time, so both give the same output.

use serde::Serialize;

use crate::model::{Party, Sentence};
use crate::options::{Format, TranscriptOptions};

/// Where the sentences and line breaks of plain or Markdown output are, for
/// cutting it into chunks.
#[derive(Debug, Default)]
pub(crate) struct Layout {
    /// Byte offsets just after each line separator.
    pub(crate) lines: Vec<usize>,
    /// Each sentence's text, in output order.
    pub(crate) sentences: Vec<SentenceSpan>,
}

/// One sentence in the output: its bytes and its times.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SentenceSpan {
    pub(crate) from: usize,
    pub(crate) to: usize,
    pub(crate) first_in_line: bool,
    pub(crate) start: Option<i64>,
    pub(crate) end: Option<i64>,
}

/// The formatter: takes monologues one at a time (from parsed structs or
/// straight from the JSON reader) and writes each turn when it closes.
///
/// A turn is a monologue with text, or with `merge` a run of them by the
/// same speaker on the same topic; monologues without text are skipped
/// before merging.
pub(crate) struct Writer<'o, 'p> {
    options: &'o TranscriptOptions<'p>,
    out: String,
    layout: Option<Layout>,
    turns: usize,
    cue: Cue,
    /// The open turn: its speaker and topic (copied, since the monologue
    /// they came from may be gone), text and sentence spans within it.
    open: bool,
    speaker: Option<String>,
    topic: Option<String>,
    text: String,
    spans: Vec<SentenceSpan>,
    start: Option<i64>,
    end: Option<i64>,
    scratch: String,
    /// Plain and Markdown: the turn is written straight into `out` as it
    /// comes (its label when it opens, each sentence as it is read), not
    /// gathered in `text` and copied at its close.
    direct: bool,
    /// Where the open turn's line starts (after its separator), for a
    /// timestamp that becomes known after the label is written.
    line_at: usize,
    /// Where the open turn's text starts in `out`.
    text_at: usize,
}

impl<'o, 'p> Writer<'o, 'p> {
    pub(crate) fn new(options: &'o TranscriptOptions<'p>, layout: bool, size_hint: usize) -> Self {
        let mut out = String::with_capacity(size_hint + size_hint / 8);
        match options.format {
            Format::WebVtt => out.push_str("WEBVTT\n"),
            Format::Json => out.push('['),
            _ => {}
        }
        Writer {
            options,
            out,
            layout: layout.then(Layout::default),
            turns: 0,
            cue: Cue::default(),
            open: false,
            speaker: None,
            topic: None,
            text: String::new(),
            spans: Vec::new(),
            start: None,
            end: None,
            scratch: String::new(),
            direct: matches!(options.format, Format::Plain | Format::Markdown),
            line_at: 0,
            text_at: 0,
        }
    }

    /// Plain and Markdown: opens the turn's line in `out`: the separator,
    /// the label and topic. Its timestamp goes in front of the label when
    /// its first time is read ([`Writer::stamp`]).
    fn open_line(&mut self) {
        let options = self.options;
        let markdown = options.format == Format::Markdown;
        let out = &mut self.out;
        if self.turns > 0 {
            out.push_str(if markdown { "\n\n" } else { "\n" });
            if let Some(layout) = &mut self.layout {
                layout.lines.push(out.len());
            }
        }
        self.line_at = out.len();
        let label = Label::new(self.speaker.as_deref(), options.parties);
        if markdown {
            out.push_str("**");
            label.push(out);
            out.push_str("**");
        } else {
            label.push(out);
        }
        if let Some(topic) = &self.topic {
            out.push_str(" (");
            out.push_str(topic);
            out.push(')');
        }
        out.push_str(": ");
        self.text_at = out.len();
    }

    /// Plain and Markdown with timestamps: `[mm:ss] ` in front of the open
    /// line, once its first time is known (almost always at its first
    /// sentence, when only the label is there to move).
    fn stamp(&mut self, start: i64) {
        let mut stamp = String::with_capacity(12);
        stamp.push('[');
        push_clock(&mut stamp, start);
        stamp.push_str("] ");
        self.out.insert_str(self.line_at, &stamp);
        self.text_at += stamp.len();
    }

    pub(crate) fn monologue(
        &mut self,
        speaker_id: Option<&str>,
        topic: Option<&str>,
        sentences: &[Sentence<'_>],
        clean: Option<&[bool]>,
    ) {
        // Each sentence with whether its text is known to be clean (the
        // streaming reader found it so: copied as it is).
        let clean = clean.unwrap_or_default();
        let mut kept = sentences
            .iter()
            .enumerate()
            .map(|(k, s)| (s, clean.get(k).copied().unwrap_or(false)))
            // Clean text has no whitespace at its ends: it has text when it
            // is not empty, without the trim.
            .filter(|&(s, clean)| match (&s.text, clean) {
                (Some(t), true) => !t.is_empty(),
                _ => has_text(s),
            })
            .peekable();
        if kept.peek().is_none() {
            return;
        }
        self.scratch.clear();
        if let Some(t) = topic {
            push_normalized(&mut self.scratch, t);
        }
        let has_topic = !self.scratch.is_empty();
        let same_turn = self.open
            && self.options.merge
            && self.speaker.as_deref() == speaker_id
            && self.topic.as_deref() == has_topic.then_some(self.scratch.as_str());
        if !same_turn {
            // Closing a WebVTT turn uses the scratch buffer: keep the topic.
            let topic = std::mem::take(&mut self.scratch);
            self.close();
            self.open = true;
            set(&mut self.speaker, speaker_id);
            set(&mut self.topic, has_topic.then_some(topic.as_str()));
            self.scratch = topic;
            if self.direct {
                self.open_line();
            }
        }
        if self.direct {
            for (s, clean) in kept {
                if self.start.is_none() && self.options.timestamps {
                    if let Some(start) = s.start {
                        self.stamp(start);
                    }
                }
                if self.out.len() > self.text_at {
                    self.out.push(' ');
                }
                let from = self.out.len() - self.text_at;
                push_text(&mut self.out, s.text.as_deref().unwrap_or_default(), clean);
                self.start = self.start.or(s.start);
                self.end = s.end.or(self.end);
                if self.layout.is_some() {
                    self.spans.push(SentenceSpan {
                        from,
                        to: self.out.len() - self.text_at,
                        first_in_line: from == 0,
                        start: s.start,
                        end: s.end,
                    });
                }
            }
            return;
        }
        for (s, clean) in kept {
            if !self.text.is_empty() {
                self.text.push(' ');
            }
            let from = self.text.len();
            push_text(&mut self.text, s.text.as_deref().unwrap_or_default(), clean);
            self.start = self.start.or(s.start);
            self.end = s.end.or(self.end);
            if self.layout.is_some() {
                self.spans.push(SentenceSpan {
                    from,
                    to: self.text.len(),
                    first_in_line: from == 0,
                    start: s.start,
                    end: s.end,
                });
            }
        }
    }

    /// Writes the open turn, if any.
    fn close(&mut self) {
        if !self.open {
            return;
        }
        self.open = false;
        let options = self.options;
        let label = Label::new(self.speaker.as_deref(), options.parties);
        let out = &mut self.out;
        match options.format {
            // Written as it came (open_line, monologue): only the
            // sentences' places are left to note.
            Format::Plain | Format::Markdown => {
                if let Some(layout) = &mut self.layout {
                    let offset = self.text_at;
                    layout.sentences.extend(self.spans.drain(..).map(|mut s| {
                        s.from += offset;
                        s.to += offset;
                        s
                    }));
                }
            }
            Format::WebVtt | Format::Srt => {
                let vtt = options.format == Format::WebVtt;
                // The turn's line: `<v Name>text` or `Name: text`.
                self.scratch.clear();
                if vtt {
                    let mut name = String::new();
                    label.push(&mut name);
                    self.scratch.push_str("<v ");
                    push_escaped(&mut self.scratch, &name);
                    self.scratch.push('>');
                    push_escaped(&mut self.scratch, &self.text);
                } else {
                    label.push(&mut self.scratch);
                    self.scratch.push_str(": ");
                    self.scratch.push_str(&self.text);
                }
                self.scratch.push('\n');
                match (self.start, self.end) {
                    (Some(start), Some(end)) => {
                        // A cue of its own, with the lines of untimed turns
                        // before it when it is the first.
                        self.cue.advance(start, end);
                        if vtt {
                            out.push('\n');
                        } else {
                            if self.cue.count > 0 {
                                out.push('\n');
                            }
                            out.push_str(itoa(self.cue.count as u64 + 1).as_str());
                            out.push('\n');
                        }
                        self.cue.push_times(out, if vtt { '.' } else { ',' });
                        out.push_str(&self.cue.waiting);
                        self.cue.waiting.clear();
                        out.push_str(&self.scratch);
                        self.cue.count += 1;
                    }
                    // Without a start and an end a turn has no time to show,
                    // and none is made up: its line joins the cue before it
                    // (which the output ends with), or waits for the first.
                    _ if self.cue.count > 0 => out.push_str(&self.scratch),
                    _ => self.cue.waiting.push_str(&self.scratch),
                }
            }
            Format::Json => {
                if self.turns > 0 {
                    out.push(',');
                }
                let turn = JsonTurn {
                    speaker: &label.text(),
                    speaker_id: self.speaker.as_deref(),
                    topic: self.topic.as_deref(),
                    start: self.start,
                    end: self.end,
                    text: &self.text,
                };
                // Serializing strings and numbers cannot fail.
                if let Ok(json) = serde_json::to_string(&turn) {
                    out.push_str(&json);
                }
            }
        }
        self.turns += 1;
        self.text.clear();
        self.spans.clear();
        self.start = None;
        self.end = None;
    }

    pub(crate) fn finish(mut self) -> (String, Layout) {
        self.close();
        if self.options.format == Format::Json {
            self.out.push(']');
        }
        (self.out, self.layout.unwrap_or_default())
    }
}

fn set(slot: &mut Option<String>, value: Option<&str>) {
    match (slot.as_mut(), value) {
        (Some(s), Some(v)) => {
            s.clear();
            s.push_str(v);
        }
        (None, Some(v)) => *slot = Some(v.to_owned()),
        (_, None) => *slot = None,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonTurn<'a> {
    speaker: &'a str,
    speaker_id: Option<&'a str>,
    topic: Option<&'a str>,
    start: Option<i64>,
    end: Option<i64>,
    text: &'a str,
}

fn has_text(s: &Sentence<'_>) -> bool {
    s.text.as_deref().is_some_and(|t| !t.trim().is_empty())
}

/// Who speaks: a party's name (or email), `Speaker {id}`, or nobody known.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Label<'x> {
    Name(&'x str),
    Speaker(&'x str),
    Unknown,
}

impl<'x> Label<'x> {
    pub(crate) fn new(speaker_id: Option<&'x str>, parties: &'x [Party<'_>]) -> Self {
        let Some(id) = speaker_id else {
            return Label::Unknown;
        };
        let named = parties
            .iter()
            .find(|p| p.speaker_id.as_deref() == Some(id))
            .and_then(|p| {
                [p.name.as_deref(), p.email_address.as_deref()]
                    .into_iter()
                    .flatten()
                    .find(|s| !s.trim().is_empty())
            });
        named.map_or(Label::Speaker(id), Label::Name)
    }

    pub(crate) fn push(&self, out: &mut String) {
        match self {
            Label::Name(name) => push_normalized(out, name),
            Label::Speaker(id) => {
                out.push_str("Speaker ");
                out.push_str(id);
            }
            Label::Unknown => out.push_str("Unknown speaker"),
        }
    }

    pub(crate) fn text(self) -> String {
        let mut s = String::new();
        self.push(&mut s);
        s
    }
}

/// Caption cues: their times are the turn's own, never negative, and each
/// ends at least 1 ms after it starts (WebVTT requires the end to be greater
/// than the start) whatever times Gong sent. A turn without a start or an
/// end (a sentence without times) gets no cue of its own: no time is made up
/// for it. Its line is shown in the cue before it, or, before the first cue,
/// in the first.
#[derive(Default)]
struct Cue {
    start: i64,
    end: i64,
    /// Cues written so far.
    count: usize,
    /// Lines of untimed turns before the first cue.
    waiting: String,
}

impl Cue {
    fn advance(&mut self, start: i64, end: i64) {
        // Clamped so that start + 1 cannot overflow.
        self.start = start.clamp(0, i64::MAX - 1);
        self.end = end.max(self.start + 1);
    }

    fn push_times(&self, out: &mut String, decimal: char) {
        push_caption_time(out, self.start, decimal);
        out.push_str(" --> ");
        push_caption_time(out, self.end, decimal);
        out.push('\n');
    }
}

/// Appends a sentence's text as [`push_normalized`] does; `clean` text
/// (checked by the reader already) as it is.
fn push_text(out: &mut String, text: &str, clean: bool) {
    if clean {
        out.push_str(text);
    } else {
        push_normalized(out, text);
    }
}

/// Appends `text` trimmed, with every inner run of whitespace made one space.
pub(crate) fn push_normalized(out: &mut String, text: &str) {
    if is_normalized(text.as_bytes()) {
        out.push_str(text);
        return;
    }
    let mut first = true;
    for word in text.split_whitespace() {
        if !first {
            out.push(' ');
        }
        out.push_str(word);
        first = false;
    }
}

/// Whether text needs no change: no leading, trailing or doubled spaces, no
/// other whitespace. Most sentences pass and are copied whole. The loop has
/// no branch per byte, so the compiler turns it into vector code (this check
/// was a third of the formatting time as a byte-by-byte `match`; explicit
/// SSE2 sixteen bytes a step, with the pair of loads a doubled space needs,
/// was 10 % slower on the two-hour call).
fn is_normalized(bytes: &[u8]) -> bool {
    // Tab to carriage return, and the lead bytes of the only multi-byte
    // sequences that can be Unicode whitespace (U+0085, U+00A0, U+1680,
    // U+2000..U+205F, U+3000): text with them takes the careful path.
    #[inline(always)]
    fn special(b: u8) -> u8 {
        u8::from(b.wrapping_sub(9) < 5) | u8::from(b == 0xC2) | u8::from(b.wrapping_sub(0xE1) < 3)
    }
    let n = bytes.len();
    if n == 0 {
        return true;
    }
    if bytes[0] == b' ' || bytes[n - 1] == b' ' || special(bytes[n - 1]) != 0 {
        return false;
    }
    let (this, next) = (&bytes[..n - 1], &bytes[1..]);
    for (x, y) in this.chunks(64).zip(next.chunks(64)) {
        let mut bad = 0u8;
        for (&a, &b) in x.iter().zip(y) {
            bad |= special(a) | (u8::from(a == b' ') & u8::from(b == b' '));
        }
        if bad != 0 {
            return false;
        }
    }
    true
}

pub(crate) fn normalized(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    push_normalized(&mut s, text);
    s
}

fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

/// A time in a call as transcripts show it (`timestamps`): `mm:ss`
/// below one hour, `h:mm:ss` from one hour on; negative times are 00:00.
///
/// ```
/// assert_eq!(gongkit::clock(65_000), "01:05");
/// assert_eq!(gongkit::clock(3_725_000), "1:02:05");
/// ```
pub fn clock(ms: i64) -> String {
    let mut out = String::with_capacity(8);
    push_clock(&mut out, ms);
    out
}

/// `mm:ss` below one hour, `h:mm:ss` from one hour on.
pub(crate) fn push_clock(out: &mut String, ms: i64) {
    let secs = ms.max(0) / 1000;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        out.push_str(itoa(h as u64).as_str());
        out.push(':');
    }
    push2(out, m as u64);
    out.push(':');
    push2(out, s as u64);
}

fn push_caption_time(out: &mut String, ms: i64, decimal: char) {
    let ms = ms.max(0) as u64;
    let secs = ms / 1000;
    push2(out, secs / 3600);
    out.push(':');
    push2(out, secs / 60 % 60);
    out.push(':');
    push2(out, secs % 60);
    out.push(decimal);
    let frac = ms % 1000;
    out.push(char::from(b'0' + (frac / 100) as u8));
    out.push(char::from(b'0' + (frac / 10 % 10) as u8));
    out.push(char::from(b'0' + (frac % 10) as u8));
}

fn push2(out: &mut String, n: u64) {
    if n < 10 {
        out.push('0');
    }
    out.push_str(itoa(n).as_str());
}

/// A small stack buffer for decimal numbers, to keep `format!` out of the
/// hot loop.
struct Digits {
    buf: [u8; 20],
    start: usize,
}

impl Digits {
    fn as_str(&self) -> &str {
        // Only ASCII digits are written.
        std::str::from_utf8(&self.buf[self.start..]).unwrap_or_default()
    }
}

fn itoa(mut n: u64) -> Digits {
    let mut d = Digits {
        buf: [0; 20],
        start: 20,
    };
    loop {
        d.start -= 1;
        d.buf[d.start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break d;
        }
    }
}

#[cfg(test)]
mod normalized_tests {
    /// The SIMD check and its tail agree with `split_whitespace` for every
    /// kind of whitespace at every place in texts of up to 50 bytes.
    #[test]
    fn is_normalized_agrees_with_split_whitespace_at_every_place() {
        let specials = [
            "  ", "\t", "\n", "\r", "\u{b}", "\u{c}", "\u{85}", "\u{a0}", "\u{1680}", "\u{2003}",
            "\u{3000}", "é", "日", "Â", " ",
        ];
        for len in 0..50 {
            for at in 0..=len {
                for sp in specials {
                    let text = format!("{}{sp}{}", "a".repeat(at), "b".repeat(len - at));
                    let want = text.split_whitespace().collect::<Vec<_>>().join(" ") == text;
                    assert_eq!(super::is_normalized(text.as_bytes()), want, "{text:?}");
                }
            }
        }
    }
}
