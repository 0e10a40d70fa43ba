//! The JavaScript API of the npm package (feature `wasm`): the core's
//! functions with camelCase names, plain JS objects in and out, and errors
//! thrown as `Error`s carrying the core's message.
//!
//! A JSON string argument is parsed in Rust (the fast path, and the one
//! whose error messages name the JSON path exactly as the Rust API does);
//! an object is read as it is through serde-wasm-bindgen.

use serde::{Deserialize, Serialize};
use tsify::Tsify;
use wasm_bindgen::prelude::*;

use crate::{
    AnyExtensive, CallOptions, CallTime, Error, Format, Party, RequestOptions, TranscriptInput,
    TranscriptOptions,
};

/// Makes a panic (a bug: the core returns errors for bad input) surface as a
/// thrown `Error` with the panic's message instead of a bare
/// `RuntimeError: unreachable`.
#[wasm_bindgen(start, skip_typescript)]
fn start() {
    std::panic::set_hook(Box::new(|info| {
        wasm_bindgen::throw_str(&format!("gongkit internal error: {info}"));
    }));
}

/// How this engine turns bytes in wasm memory into a string fastest.
struct Decoders {
    /// `TextDecoder("utf-16le")` and its `decode`.
    utf16: (JsValue, js_sys::Function),
    /// Node's `Buffer.from` and `latin1Slice`, for text that fits Latin-1
    /// (browsers' "latin1" `TextDecoder` is windows-1252, and slow).
    latin1: Option<(JsValue, js_sys::Function, js_sys::Function)>,
}

thread_local! {
    static DECODERS: Option<Decoders> = decoders();
}

fn decoders() -> Option<Decoders> {
    use js_sys::{Array, Function, Reflect};
    let global = js_sys::global();
    let get = |target: &JsValue, name: &str| Reflect::get(target, &name.into()).ok();
    let ctor: Function = get(&global, "TextDecoder")?.dyn_into().ok()?;
    let decoder = Reflect::construct(&ctor, &Array::of1(&"utf-16le".into())).ok()?;
    let decode: Function = get(&decoder, "decode")?.dyn_into().ok()?;
    let latin1 = get(&global, "Buffer").and_then(|buffer| {
        let from: Function = get(&buffer, "from")?.dyn_into().ok()?;
        let prototype = get(&buffer, "prototype")?;
        let slice: Function = get(&prototype, "latin1Slice")?.dyn_into().ok()?;
        Some((buffer, from, slice))
    });
    Some(Decoders {
        utf16: (decoder, decode),
        latin1,
    })
}

/// Hands a big text to JavaScript the cheapest way. Engines decode UTF-8
/// with non-ASCII characters slowly (0.52 ms for the two-hour transcript in
/// Node 20) and UTF-16 faster (0.38 ms); Node's Latin-1 is fastest (0.19
/// ms). ASCII goes as UTF-8 (engines have a fast path for it), text that
/// fits Latin-1 as Latin-1 in Node, anything else as UTF-16.
fn js_text(s: &str) -> JsValue {
    if s.is_ascii() {
        return JsValue::from_str(s);
    }
    DECODERS
        .with(|d| d.as_ref().and_then(|d| decode(d, s)))
        .unwrap_or_else(|| JsValue::from_str(s))
}

fn decode(d: &Decoders, s: &str) -> Option<JsValue> {
    if let Some((buffer, from, slice)) = &d.latin1 {
        if let Some(narrow) = latin1(s) {
            let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().dyn_into().ok()?;
            let buffer = from
                .call3(
                    buffer,
                    &memory.buffer(),
                    &(narrow.as_ptr() as u32).into(),
                    &(narrow.len() as u32).into(),
                )
                .ok()?;
            return slice.call0(&buffer).ok();
        }
    }
    let wide: Vec<u16> = s.encode_utf16().collect();
    // SAFETY: the view is read by `decode` at once, before any allocation
    // could move the wasm memory.
    let view = unsafe { js_sys::Uint16Array::view(&wide) };
    d.utf16.1.call1(&d.utf16.0, &view).ok()
}

/// The Latin-1 bytes of `s`, if every character fits: one pass without a
/// branch per byte but at the (rarer) lead bytes.
fn latin1(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = vec![0u8; bytes.len()];
    let mut o = 0;
    // Added to the byte after a lead byte: 0xC2 xx is U+00xx, 0xC3 xx is
    // U+00xx + 0x40.
    let mut add = 0u8;
    let mut wider = false;
    for &b in bytes {
        if b >= 0xC0 {
            wider |= b > 0xC3;
            add = (b & 1) * 0x40;
            continue;
        }
        out[o] = b.wrapping_add(add);
        add = 0;
        o += 1;
    }
    if wider {
        return None;
    }
    out.truncate(o);
    Some(out)
}

/// A thrown `Error` with the core's message.
fn fail(err: impl std::fmt::Display) -> JsError {
    JsError::new(&err.to_string())
}

fn serializer() -> serde_wasm_bindgen::Serializer {
    serde_wasm_bindgen::Serializer::json_compatible()
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value.serialize(&serializer()).map_err(fail)
}

/// The JSON text of a JS value: a string is taken as JSON text already;
/// anything else goes through the engine's own `JSON.stringify`.
///
/// Objects are read by the same Rust parser as strings, so both give the
/// same results and the same error messages (with the JSON path), and the
/// wasm module carries one deserializer per type instead of two.
fn json_text(value: &JsValue) -> Result<String, Error> {
    if let Some(s) = value.as_string() {
        return Ok(s);
    }
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| Error::argument("argument", "cannot be turned into JSON"))
}

/// The JSON text of an options object; `undefined` and `null` are `{}`.
fn options_text(value: Option<JsValue>) -> Result<String, JsError> {
    match value {
        Some(v) if v.as_string().is_some() => Err(fail("invalid options: expected an object")),
        Some(v) if !v.is_undefined() && !v.is_null() => json_text(&v).map_err(fail),
        _ => Ok("{}".to_owned()),
    }
}

/// Reads options that own their values.
fn read_options<T: serde::de::DeserializeOwned>(value: Option<JsValue>) -> Result<T, JsError> {
    parse_options(&options_text(value)?)
}

/// Reads options from their JSON text (they may borrow from it).
fn parse_options<'a, T: Deserialize<'a>>(json: &'a str) -> Result<T, JsError> {
    crate::from_json(json).map_err(|e| match e {
        // A value the core checked itself ("invalid format: …") says what
        // was wrong already; serde's own messages need the context.
        Error::Json { message, .. }
            if message.starts_with("invalid ")
                && !["invalid type", "invalid value", "invalid length"]
                    .iter()
                    .any(|p| message.starts_with(p)) =>
        {
            fail(message)
        }
        other => fail(format!("invalid options: {other}")),
    })
}

/// `{ internalDomains?: string[] }`
#[derive(Tsify, Deserialize, Default)]
#[tsify(missing_as_null)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct AccountOptions {
    /// The seller's own domains: addresses there are not customers.
    internal_domains: Vec<String>,
}

/// `{ utcOffsetMinutes?: number }`
#[derive(Tsify, Deserialize, Default)]
#[tsify(missing_as_null)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct DateOptions {
    /// Take the date in this UTC offset.
    utc_offset_minutes: Option<i32>,
}

/// How to format a transcript.
#[derive(Tsify, Deserialize, Default)]
#[tsify(missing_as_null)]
#[serde(
    rename_all = "camelCase",
    default,
    deny_unknown_fields,
    bound(deserialize = "'de: 'a")
)]
pub struct FormatOptions<'a> {
    /// Name speakers after these participants (their `speakerId`).
    parties: Vec<Party<'a>>,
    /// For a response with several calls, the call to format.
    call_id: Option<String>,
    /// `[mm:ss]` at the start of each line (plain and Markdown).
    timestamps: bool,
    /// Join consecutive monologues of the same speaker and topic.
    merge: bool,
    /// `plain` (default), `markdown`, `webvtt`, `srt` or `json`.
    format: Format,
}

impl FormatOptions<'_> {
    fn transcript_options(&self) -> TranscriptOptions<'_> {
        TranscriptOptions {
            format: self.format,
            timestamps: self.timestamps,
            merge: self.merge,
            parties: &self.parties,
            call_id: self.call_id.as_deref(),
        }
    }
}

/// How to cut a transcript into chunks.
#[derive(Tsify, Deserialize)]
#[tsify(missing_as_null)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    bound(deserialize = "'de: 'a")
)]
pub struct ChunkOptions<'a> {
    /// The most characters (Unicode scalar values) in one chunk.
    max_chars: usize,
    /// Name speakers after these participants.
    #[serde(default)]
    parties: Vec<Party<'a>>,
    /// For a response with several calls, the call to use.
    #[serde(default)]
    call_id: Option<String>,
    /// `[mm:ss]` at the start of each line.
    #[serde(default)]
    timestamps: bool,
    /// Join consecutive monologues of the same speaker and topic.
    #[serde(default)]
    merge: bool,
    /// `plain` (default) or `markdown`.
    #[serde(default)]
    format: Format,
}

/// How to cut a call document into chunks: the call options plus `maxChars`.
#[derive(Tsify, Deserialize)]
#[tsify(missing_as_null)]
#[serde(rename_all = "camelCase")]
pub struct DocumentChunkOptions {
    /// The most characters (Unicode scalar values) in one chunk.
    max_chars: usize,
    /// The options of the document.
    #[serde(flatten)]
    call: CallOptions,
}

fn transcript_json(value: &JsValue) -> Result<String, JsError> {
    json_text(value).map_err(fail)
}

fn optional_transcript(value: Option<JsValue>) -> Result<Option<String>, JsError> {
    match value {
        Some(v) if !v.is_undefined() && !v.is_null() => transcript_json(&v).map(Some),
        _ => Ok(None),
    }
}

/// Runs `f` over the extensive argument, parsed from its JSON text.
fn with_extensive<R>(
    value: &JsValue,
    f: impl FnOnce(&AnyExtensive<'_>) -> Result<R, Error>,
) -> Result<R, JsError> {
    let json = json_text(value).map_err(fail)?;
    let extensive = AnyExtensive::from_json(&json).map_err(fail)?;
    f(&extensive).map_err(fail)
}

/// Serializes inside [`with_extensive`], where results still borrow.
fn to_js_in<T: Serialize>(value: &T) -> Result<JsValue, Error> {
    value
        .serialize(&serializer())
        .map_err(|e| Error::argument("result", e.to_string()))
}

/// The account name for one email address: `undefined` for internal,
/// free-mail and bare-suffix domains. Throws for a malformed address.
#[wasm_bindgen(js_name = accountFromEmail, unchecked_return_type = "string | undefined")]
pub fn account_from_email(
    email: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "AccountOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsError> {
    let options: AccountOptions = read_options(options)?;
    let name = crate::account_from_email(email, &options.internal_domains).map_err(fail)?;
    Ok(name.map_or(JsValue::UNDEFINED, JsValue::from))
}

/// The account name from a call's participants, or `undefined`.
#[wasm_bindgen(js_name = accountFromParties, unchecked_return_type = "string | undefined")]
pub fn account_from_parties(
    #[wasm_bindgen(unchecked_param_type = "Party[] | string")] parties: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "AccountOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsError> {
    let options: AccountOptions = read_options(options)?;
    let json = json_text(&parties).map_err(fail)?;
    let parties: Vec<Party> = crate::from_json(&json).map_err(fail)?;
    let name = crate::account_from_parties(&parties, &options.internal_domains).map_err(fail)?;
    Ok(name.map_or(JsValue::UNDEFINED, JsValue::from))
}

/// The call's date, `YYYY-MM-DD`, from Unix seconds (a number or a string of
/// digits; milliseconds from 10^11) or ISO 8601.
#[wasm_bindgen(js_name = callDate)]
pub fn call_date(
    #[wasm_bindgen(unchecked_param_type = "string | number")] value: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "DateOptions")] options: Option<JsValue>,
) -> Result<String, JsError> {
    let options: DateOptions = read_options(options)?;
    let time = match (value.as_string(), value.as_f64()) {
        (Some(s), _) => crate::parse_call_time(&s),
        (None, Some(n)) => CallTime::from_number(n),
        (None, None) => Err(Error::argument(
            "call time",
            "expected a string or a number",
        )),
    }
    .map_err(fail)?;
    let date = time.date(options.utc_offset_minutes).map_err(fail)?;
    Ok(crate::date::ymd(date))
}

/// Formats a transcript: a whole response, one `callTranscripts` element, a
/// monologue array, or any of them as JSON text.
#[wasm_bindgen(js_name = formatTranscript, unchecked_return_type = "string")]
pub fn format_transcript(
    #[wasm_bindgen(
        unchecked_param_type = "TranscriptResponse | CallTranscript | Monologue[] | string"
    )]
    transcript: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "FormatOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsError> {
    let options_json = options_text(options)?;
    let options: FormatOptions = parse_options(&options_json)?;
    let json = transcript_json(&transcript)?;
    let text = crate::format_transcript(&json, &options.transcript_options()).map_err(fail)?;
    Ok(js_text(&text))
}

/// One call, normalized, with its transcript formatted when one is given.
#[wasm_bindgen(js_name = normalizeCall, unchecked_return_type = "NormalizedCall")]
pub fn normalize_call(
    #[wasm_bindgen(unchecked_param_type = "ExtensiveResponse | CallData | string")]
    extensive: JsValue,
    #[wasm_bindgen(
        unchecked_optional_param_type = "TranscriptResponse | CallTranscript | Monologue[] | string | null"
    )]
    transcript: Option<JsValue>,
    #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsError> {
    let options: CallOptions = read_options(options)?;
    let transcript = optional_transcript(transcript)?;
    with_extensive(&extensive, |e| {
        let input = transcript.as_deref().map(TranscriptInput::Json);
        let mut call = crate::normalize_call(e, input, &options)?;
        // The transcript is the big part: it crosses as cheaply as
        // formatTranscript's result does.
        let text = call.transcript.take();
        let object = to_js_in(&call)?;
        if let Some(text) = text {
            js_sys::Reflect::set(&object, &"transcript".into(), &js_text(&text))
                .map_err(|_| Error::argument("result", "cannot set the transcript"))?;
        }
        Ok(object)
    })
}

/// The call as one plain-text document for a language model.
#[wasm_bindgen(js_name = callDocument, unchecked_return_type = "string")]
pub fn call_document(
    #[wasm_bindgen(unchecked_param_type = "ExtensiveResponse | CallData | string")]
    extensive: JsValue,
    #[wasm_bindgen(
        unchecked_optional_param_type = "TranscriptResponse | CallTranscript | Monologue[] | string | null"
    )]
    transcript: Option<JsValue>,
    #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsError> {
    let options: CallOptions = read_options(options)?;
    let transcript = optional_transcript(transcript)?;
    let text = with_extensive(&extensive, |e| {
        crate::call_document(
            e,
            transcript.as_deref().map(TranscriptInput::Json),
            &options,
        )
    })?;
    Ok(js_text(&text))
}

/// A transcript cut into chunks of at most `maxChars` characters.
#[wasm_bindgen(js_name = chunkTranscript, unchecked_return_type = "Chunk[]")]
pub fn chunk_transcript(
    #[wasm_bindgen(
        unchecked_param_type = "TranscriptResponse | CallTranscript | Monologue[] | string"
    )]
    transcript: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ChunkOptions")] options: JsValue,
) -> Result<JsValue, JsError> {
    let o_json = options_text(Some(options))?;
    let o: ChunkOptions = parse_options(&o_json)?;
    let json = transcript_json(&transcript)?;
    let options = TranscriptOptions {
        format: o.format,
        timestamps: o.timestamps,
        merge: o.merge,
        parties: &o.parties,
        call_id: o.call_id.as_deref(),
    };
    to_js(&crate::chunk_transcript(&json, o.max_chars, &options).map_err(fail)?)
}

/// The call document cut into chunks of at most `maxChars` characters.
#[wasm_bindgen(js_name = chunkDocument, unchecked_return_type = "Chunk[]")]
pub fn chunk_document(
    #[wasm_bindgen(unchecked_param_type = "ExtensiveResponse | CallData | string")]
    extensive: JsValue,
    #[wasm_bindgen(
        unchecked_param_type = "TranscriptResponse | CallTranscript | Monologue[] | string | null | undefined"
    )]
    transcript: Option<JsValue>,
    #[wasm_bindgen(unchecked_param_type = "DocumentChunkOptions")] options: JsValue,
) -> Result<JsValue, JsError> {
    let o: DocumentChunkOptions = read_options(Some(options))?;
    let transcript = optional_transcript(transcript)?;
    let chunks = with_extensive(&extensive, |e| {
        let input = transcript.as_deref().map(TranscriptInput::Json);
        crate::chunk_call_document(e, input, o.max_chars, &o.call)
    })?;
    to_js(&chunks)
}

/// The body of `POST /v2/calls/extensive`. Throws above 100 call ids.
#[wasm_bindgen(js_name = extensiveRequest, unchecked_return_type = "ExtensiveRequest")]
pub fn extensive_request(
    #[wasm_bindgen(unchecked_param_type = "RequestOptions")] options: JsValue,
) -> Result<JsValue, JsError> {
    to_js(
        &read_options::<RequestOptions>(Some(options))?
            .extensive()
            .map_err(fail)?,
    )
}

/// The body of `POST /v2/calls/transcript`.
#[wasm_bindgen(js_name = transcriptRequest, unchecked_return_type = "TranscriptRequest")]
pub fn transcript_request(
    #[wasm_bindgen(unchecked_param_type = "RequestOptions")] options: JsValue,
) -> Result<JsValue, JsError> {
    to_js(
        &read_options::<RequestOptions>(Some(options))?
            .transcript()
            .map_err(fail)?,
    )
}

/// Call ids in batches of at most 100, repeats dropped.
#[wasm_bindgen(js_name = batchCallIds, unchecked_return_type = "string[][]")]
pub fn batch_call_ids(
    #[wasm_bindgen(unchecked_param_type = "string[]")] ids: JsValue,
) -> Result<JsValue, JsError> {
    let json = json_text(&ids).map_err(fail)?;
    let ids: Vec<String> = crate::from_json(&json).map_err(fail)?;
    to_js(&crate::batch_call_ids(&ids).map_err(fail)?)
}

/// The layout version of `callDocument`'s output.
#[wasm_bindgen(js_name = documentVersion)]
pub fn document_version() -> u32 {
    crate::DOCUMENT_VERSION
}

#[cfg(test)]
mod tests {
    //! The bindings under Node (`wasm-bindgen-test-runner`): values cross
    //! the boundary as JS values, errors as `Error`s with the core's message.
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    const TRANSCRIPT: &str = r#"{"callTranscripts": [{"callId": "1", "transcript": [
        {"speakerId": "7", "topic": "Intro", "sentences": [{"start": 61000, "end": 62000, "text": "Hi  there."}]},
        {"speakerId": "8", "sentences": [{"start": 63000, "end": 64000, "text": "Grüß Gott, 日本."}]}]}]}"#;
    const EXTENSIVE: &str = r#"{"calls": [{"metaData": {"id": "1", "title": "Intro", "scheduled": 1734535800},
        "parties": [{"speakerId": "7", "name": "Jane Doe", "emailAddress": "jane@big-corp.com", "affiliation": "External"}]}]}"#;

    fn message(err: JsError) -> String {
        let value = JsValue::from(err);
        assert!(value.is_instance_of::<js_sys::Error>());
        value.unchecked_into::<js_sys::Error>().message().into()
    }

    #[wasm_bindgen_test]
    fn strings_and_objects_format_alike() {
        let from_text = format_transcript(TRANSCRIPT.into(), None).unwrap();
        let object = js_sys::JSON::parse(TRANSCRIPT).unwrap();
        let from_object = format_transcript(object, None).unwrap();
        let expected = "Speaker 7 (Intro): Hi there.\nSpeaker 8: Grüß Gott, 日本.";
        assert_eq!(from_text.as_string().as_deref(), Some(expected));
        assert_eq!(from_object.as_string().as_deref(), Some(expected));
    }

    #[wasm_bindgen_test]
    fn big_texts_cross_intact_in_every_encoding() {
        for text in [
            "plain ASCII",
            "Zürich, São Paulo, naïve",
            "\u{80}\u{9f} C1 controls",
            "日本語 and 😀",
        ] {
            assert_eq!(js_text(text).as_string().as_deref(), Some(text), "{text:?}");
        }
    }

    #[wasm_bindgen_test]
    fn normalized_call_is_a_plain_object_with_string_ids() {
        let call = normalize_call(EXTENSIVE.into(), Some(TRANSCRIPT.into()), None).unwrap();
        let get = |k: &str| js_sys::Reflect::get(&call, &k.into()).unwrap();
        assert_eq!(get("id").as_string().as_deref(), Some("1"));
        assert_eq!(get("date").as_string().as_deref(), Some("2024-12-18"));
        assert!(get("summary").is_null());
        let transcript = get("transcript").as_string().unwrap();
        assert!(
            transcript.starts_with("Jane Doe (Intro): Hi there."),
            "{transcript}"
        );
        let account = get("account");
        let name = js_sys::Reflect::get(&account, &"name".into()).unwrap();
        assert_eq!(name.as_string().as_deref(), Some("Big Corp"));
    }

    #[wasm_bindgen_test]
    fn errors_are_thrown_errors_with_the_core_message() {
        assert_eq!(
            message(call_date("abc".into(), None).unwrap_err()),
            r#"invalid call time "abc": expected Unix seconds or ISO 8601 such as 2024-12-18T15:30:00Z"#
        );
        assert_eq!(
            message(call_date(JsValue::from_f64(1.5), None).unwrap_err()),
            r#"invalid call time "1.5": expected whole Unix seconds or ISO 8601"#
        );
        let bad = r#"{"callTranscripts": [{"transcript": [{"sentences": [{"start": "x"}]}]}]}"#;
        assert_eq!(
            message(format_transcript(bad.into(), None).unwrap_err()),
            r#"callTranscripts[0].transcript[0].sentences[0].start: invalid type: string "x", expected i64"#
        );
        assert_eq!(
            message(account_from_email("no-at-sign", None).unwrap_err()),
            r#"invalid email "no-at-sign": no @"#
        );
    }

    #[wasm_bindgen_test]
    fn undefined_results_and_optional_options() {
        assert!(account_from_email("x@gmail.com", None)
            .unwrap()
            .is_undefined());
        assert_eq!(
            account_from_email("x@acme.com", Some(JsValue::UNDEFINED))
                .unwrap()
                .as_string()
                .as_deref(),
            Some("Acme")
        );
        let options = js_sys::JSON::parse(r#"{"internalDomains": ["acme.com"]}"#).unwrap();
        assert!(account_from_email("x@acme.com", Some(options))
            .unwrap()
            .is_undefined());
    }
}
