//! What a tool answers a model, and the shapes the capabilities share:
//! compact JSON with its `structuredContent`, text cut to the answer budget
//! with the exact arguments for the next piece, a call as a list shows it.

use serde_json::{json, Value};

use gongkit::Format;

use crate::args::TranscriptArgs;
use crate::error::{Error, Result};
use crate::reply::{Payload, Reply};
use crate::service::{Head, Service, Text};

/// A tool's answer: text blocks for the model, and the JSON itself when the
/// tool answers JSON (`structuredContent`).
#[derive(Clone, Debug, PartialEq)]
pub struct ToolAnswer {
    /// The text blocks, in order.
    pub texts: Vec<String>,
    /// The JSON answer, for clients that read `structuredContent`.
    pub structured: Option<Value>,
}

impl ToolAnswer {
    /// A JSON answer: compact text (a model pays for every space) and the
    /// same value as structured content; then the notes.
    ///
    /// # Errors
    ///
    /// 500 `internal_error` if the value cannot be written.
    pub fn json(value: Value, notes: Vec<String>) -> Result<ToolAnswer> {
        let mut texts = vec![serde_json::to_string(&value).map_err(Error::internal)?];
        texts.extend(notes);
        Ok(ToolAnswer {
            texts,
            structured: Some(value),
        })
    }

    /// A text answer.
    pub fn text(texts: Vec<String>) -> ToolAnswer {
        ToolAnswer {
            texts,
            structured: None,
        }
    }

    /// How many characters the answer carries (the text blocks).
    pub fn chars(&self) -> usize {
        self.texts.iter().map(|t| t.chars().count()).sum()
    }
}

/// A JSON REST answer, compact.
///
/// # Errors
///
/// 500 `internal_error` if the value cannot be written.
pub fn json_reply(value: &Value) -> Result<Reply> {
    Ok(Reply::json(
        serde_json::to_string(value).map_err(Error::internal)?,
    ))
}

/// A text REST answer: the text, every chunk as JSON, or one chunk with
/// `X-Gongkit-Chunk: k/count`. A kept text or chunk is handed on unread.
///
/// # Errors
///
/// 500 `internal_error` if the chunks cannot be written or a kept answer
/// cannot be read.
pub async fn text_reply(text: Text, content_type: &'static str) -> Result<Reply> {
    let chunk_header = |index: usize, count: usize| ("X-Gongkit-Chunk", format!("{index}/{count}"));
    // Every chunk is one JSON answer, written anew.
    let text = match text {
        kept @ Text::Kept(Head::Chunks, _) => kept.read().await?,
        other => other,
    };
    Ok(match text {
        Text::Whole(text) => Reply::text(content_type, text),
        Text::Kept(Head::Whole, body) => Reply::with_body(content_type, Payload::Kept(body)),
        Text::Chunks(chunks) => {
            Reply::json(serde_json::to_string(&chunks).map_err(Error::internal)?)
        }
        Text::Chunk(chunk) => {
            let (name, value) = chunk_header(chunk.index, chunk.count);
            Reply::text(content_type, chunk.text).with(name, value)
        }
        Text::Kept(Head::Chunk(place), body) => {
            let (name, value) = chunk_header(place.index, place.count);
            Reply::with_body(content_type, Payload::Kept(body)).with(name, value)
        }
        Text::Kept(Head::Chunks, _) => {
            return Err(Error::Internal("a kept answer was not read".into()))
        }
    })
}

/// A text read by a tool: the text, or one chunk and a last line that says
/// how many there are and the exact arguments for the next one.
///
/// # Errors
///
/// 500 `internal_error` if a kept answer cannot be read.
pub async fn text_answer(
    text: Text,
    tool: &str,
    args: &Value,
    max_chars: usize,
) -> Result<ToolAnswer> {
    Ok(match text.read().await? {
        Text::Whole(t) => ToolAnswer::text(vec![t]),
        Text::Chunks(chunks) if chunks.len() == 1 => {
            ToolAnswer::text(chunks.into_iter().map(|c| c.text).collect())
        }
        Text::Chunks(chunks) => {
            let count = chunks.len();
            match chunks.into_iter().next() {
                Some(first) => chunk_answer(first.text, 0, count, tool, args, max_chars),
                None => ToolAnswer::text(vec!["[the text is empty]".to_owned()]),
            }
        }
        Text::Chunk(c) => chunk_answer(c.text, c.index, c.count, tool, args, max_chars),
        // `read` leaves nothing kept.
        Text::Kept(..) => return Err(Error::Internal("a kept answer was not read".into())),
    })
}

fn chunk_answer(
    text: String,
    index: usize,
    count: usize,
    tool: &str,
    args: &Value,
    max_chars: usize,
) -> ToolAnswer {
    let note = if index + 1 < count {
        let mut next = args.as_object().cloned().unwrap_or_default();
        next.insert("maxChars".into(), json!(max_chars));
        next.insert("chunk".into(), json!(index + 1));
        format!(
            "[chunk {index} of {count} (numbered from 0, at most {max_chars} characters each); for the next call {tool} with {}]",
            Value::Object(next)
        )
    } else {
        format!("[chunk {index} of {count} (numbered from 0); this is the last chunk]")
    };
    ToolAnswer::text(vec![text, note])
}

/// Fits a transcript or document read by a tool to the answer budget:
/// without `maxChars` a text over `budget` characters is cut into chunks of
/// that size (and [`text_answer`] answers the first); with `maxChars` a
/// model reads one chunk at a time (chunk 0 unless it says). Captions and
/// JSON transcripts are not cut (a piece of them is no file). Returns the
/// chunk size the answer is cut at.
pub fn budget(args: &mut TranscriptArgs, budget: usize) -> usize {
    match args.max_chars {
        Some(max) => {
            args.chunk = Some(args.chunk.unwrap_or(0));
            max
        }
        None if matches!(args.options.format, Format::Plain | Format::Markdown) => {
            args.max_chars = Some(budget);
            budget
        }
        None => budget,
    }
}

/// A call in a list, the way a model reads it.
pub fn summary(call: &Value) -> Value {
    json!({
        "id": call["id"],
        "title": call["title"],
        "date": call["date"],
        "durationSeconds": call["durationSeconds"],
        "account": call["account"]["name"],
        "participants": call["participants"].as_array().map(|ps| ps.iter().map(|p| json!({
            "name": p["name"], "title": p["title"], "affiliation": p["affiliation"],
        })).collect::<Vec<_>>()),
    })
}

/// The page size for a second try when a listing of `items` came out
/// over the answer budget: the share of the page that fits, with a margin;
/// `None` when the page fits (or one item alone does not).
pub fn shrink(items: usize, chars: usize, budget: usize) -> Option<usize> {
    if chars <= budget || items <= 1 {
        return None;
    }
    let per_item = chars.div_ceil(items);
    let fits = (budget * 9 / 10) / per_item.max(1);
    Some(fits.clamp(1, items - 1))
}

/// Runs a listing tool within the answer budget. Without a page size
/// from the caller, the first page is sized to fit (`per_item` characters
/// an item, at most `default`), so most answers take one query; a page
/// still over the budget is asked again, smaller (its cursor continues from
/// its own end, so nothing is skipped), and what the thrown-away attempt
/// noted for the audit line is forgotten. `page` answers one page and says
/// how many items it holds.
///
/// # Errors
///
/// What `page` fails with.
pub async fn fit<F, Fut>(
    svc: &Service,
    asked: Option<usize>,
    (default, per_item): (u64, usize),
    mut page: F,
) -> Result<ToolAnswer>
where
    F: FnMut(Option<usize>) -> Fut,
    Fut: std::future::Future<Output = Result<(ToolAnswer, usize)>>,
{
    let budget = svc.config.mcp_answer_chars;
    let mut limit =
        asked.or_else(|| Some((budget * 9 / 10 / per_item.max(1)).clamp(1, default as usize)));
    loop {
        let mark = svc.returned_mark();
        let (answer, items) = page(limit).await?;
        match shrink(items, answer.chars(), budget) {
            Some(smaller) => {
                svc.forget_returned(mark);
                limit = Some(smaller);
            }
            None => return Ok(answer),
        }
    }
}

/// Characters a call in a listing takes, about (id, title, date,
/// account, a few participants): sizes a listing's first page.
pub const CALL_CHARS: usize = 600;

/// An output schema: an object with these top-level properties.
pub fn object_schema(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": properties, "required": required})
}

/// The output schema of a list of calls.
pub fn calls_schema() -> Value {
    json!({"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "string"},
        "title": {"type": ["string", "null"]},
        "date": {"type": ["string", "null"]},
        "durationSeconds": {"type": ["number", "null"]},
        "account": {"type": ["string", "null"]},
        "participants": {"type": ["array", "null"]},
    }}})
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt;
    use gongkit::Chunk;

    #[test]
    fn a_cut_text_says_how_to_ask_for_the_next_chunk() {
        let chunk = |i| Chunk {
            index: i,
            count: 3,
            text: format!("part {i}"),
            start: None,
            end: None,
        };
        let args = json!({"callId": "42", "merge": true});
        // Made text is at hand: the answer needs no waiting.
        let answer = |text, tool, max| {
            text_answer(text, tool, &args, max)
                .now_or_never()
                .expect("made text is not waited for")
                .expect("made text is answered")
        };
        let a = answer(
            Text::Chunks(vec![chunk(0), chunk(1), chunk(2)]),
            "get_transcript",
            24000,
        );
        assert_eq!(a.texts[0], "part 0");
        assert!(a.texts[1].contains("chunk 0 of 3"), "{}", a.texts[1]);
        assert!(
            a.texts[1].contains(r#"{"callId":"42","chunk":1,"maxChars":24000,"merge":true}"#),
            "{}",
            a.texts[1]
        );
        let last = answer(Text::Chunk(chunk(2)), "get_transcript", 500);
        assert!(last.texts[1].contains("last chunk"));
        let one = answer(Text::Chunks(vec![chunk(0)]), "t", 500);
        assert_eq!(one.texts, vec!["part 0"]);
    }

    #[test]
    fn listings_shrink_to_the_budget() {
        assert_eq!(shrink(100, 20_000, 24_000), None);
        assert_eq!(shrink(100, 48_000, 24_000), Some(45));
        assert_eq!(shrink(1, 48_000, 24_000), None);
        assert_eq!(shrink(2, 480_000, 24_000), Some(1));
    }

    #[test]
    fn json_answers_are_compact_and_structured() {
        let a = ToolAnswer::json(json!({"a": [1, 2]}), vec!["[note]".into()]).unwrap();
        assert_eq!(a.texts, vec![r#"{"a":[1,2]}"#, "[note]"]);
        assert_eq!(a.structured, Some(json!({"a": [1, 2]})));
    }
}
