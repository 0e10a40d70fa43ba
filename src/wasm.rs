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
    json_words, AnyExtensive, CallOptions, CallTime, Error, Format, Party, RequestOptions,
    TranscriptInput, TranscriptOptions,
};

/// Makes a panic (a bug: the core returns errors for bad input) surface as a
/// thrown `Error` with the panic's message instead of a bare
/// `RuntimeError: unreachable`. Called by every export, so the package has
/// no start function to export (and none that its types would not declare).
fn hook() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            wasm_bindgen::throw_str(&format!("gongkit internal error: {info}"));
        }));
    });
}

/// What the exports return: a thrown `Error` (or `TypeError`) as the error.
type JsResult<T = JsValue> = Result<T, JsValue>;

/// What a JS value is, for a `TypeError`'s message: `a number (42)`.
fn describe(value: &JsValue) -> String {
    if value.is_undefined() {
        "undefined".to_owned()
    } else if value.is_null() {
        "null".to_owned()
    } else if let Some(b) = value.as_bool() {
        format!("a boolean ({b})")
    } else if let Some(n) = value.as_f64() {
        format!("a number ({n})")
    } else if value.is_string() {
        "a string".to_owned()
    } else if js_sys::Array::is_array(value) {
        "an array".to_owned()
    } else if value.is_function() {
        "a function".to_owned()
    } else if value.is_bigint() {
        "a bigint".to_owned()
    } else if value.is_symbol() {
        "a symbol".to_owned()
    } else {
        "an object".to_owned()
    }
}

/// The JS kinds an argument may be.
#[derive(Clone, Copy)]
enum Kind {
    /// A string.
    Text,
    /// A string or a number.
    TextOrNumber,
    /// An array, or its JSON text.
    ArrayOrText,
    /// An object (not an array), or its JSON text.
    ObjectOrText,
    /// An object, an array, or JSON text.
    AnyJson,
    /// A plain options object.
    Object,
}

impl Kind {
    fn expected(self) -> &'static str {
        match self {
            Kind::Text => "a string",
            Kind::TextOrNumber => "a string or a number",
            Kind::ArrayOrText => "an array or its JSON text",
            Kind::ObjectOrText => "an object or its JSON text",
            Kind::AnyJson => "an object, an array or their JSON text",
            Kind::Object => "an object",
        }
    }

    fn accepts(self, value: &JsValue) -> bool {
        let array = js_sys::Array::is_array(value);
        let object = value.is_object() && !value.is_function();
        match self {
            Kind::Text => value.is_string(),
            Kind::TextOrNumber => value.is_string() || value.as_f64().is_some(),
            Kind::ArrayOrText => value.is_string() || array,
            Kind::ObjectOrText => value.is_string() || (object && !array),
            Kind::AnyJson => value.is_string() || object,
            Kind::Object => object && !array,
        }
    }
}

/// Checks an argument's JS type before anything reads it: a wrong one is a
/// `TypeError` naming the parameter, what it expects and what it got.
fn check(name: &str, kind: Kind, value: &JsValue) -> JsResult<()> {
    hook();
    if kind.accepts(value) {
        return Ok(());
    }
    Err(js_sys::TypeError::new(&format!(
        "{name}: expected {}, got {}",
        kind.expected(),
        describe(value)
    ))
    .into())
}

/// Checks an optional argument: `undefined` and `null` stand for "not given".
fn check_optional(name: &str, kind: Kind, value: Option<&JsValue>) -> JsResult<bool> {
    match value {
        Some(v) if !v.is_undefined() && !v.is_null() => check(name, kind, v).map(|()| true),
        _ => Ok(false),
    }
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

/// A thrown `Error` with the core's message, in JSON's words.
fn fail(err: impl std::fmt::Display) -> JsValue {
    js_sys::Error::new(&json_words(&err.to_string())).into()
}

fn serializer() -> serde_wasm_bindgen::Serializer {
    serde_wasm_bindgen::Serializer::json_compatible()
}

fn to_js<T: Serialize>(value: &T) -> JsResult {
    value.serialize(&serializer()).map_err(fail)
}

/// The JSON text of a JS value: a string is taken as JSON text already;
/// anything else goes through the engine's own `JSON.stringify`.
///
/// Objects are read by the same Rust parser as strings, so both give the
/// same results and the same error messages (with the JSON path), and the
/// wasm module carries one deserializer per type instead of two.
fn json_text(name: &'static str, value: &JsValue) -> Result<String, Error> {
    if let Some(s) = value.as_string() {
        return Ok(s);
    }
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| Error::argument(name, "cannot be turned into JSON (a cycle, or a BigInt?)"))
}

/// The JSON text of an options object; `undefined` and `null` are `{}`.
fn options_text(value: Option<JsValue>) -> JsResult<String> {
    match value {
        Some(v) if check_optional("options", Kind::Object, Some(&v))? => {
            json_text("options", &v).map_err(fail)
        }
        _ => Ok("{}".to_owned()),
    }
}

/// The JSON text of an options object that must be given.
fn required_options_text(value: JsValue) -> JsResult<String> {
    check("options", Kind::Object, &value)?;
    json_text("options", &value).map_err(fail)
}

/// Reads options that own their values.
fn read_options<T: serde::de::DeserializeOwned>(value: Option<JsValue>) -> JsResult<T> {
    parse_options(&options_text(value)?)
}

/// Reads options from their JSON text (they may borrow from it).
fn parse_options<'a, T: Deserialize<'a>>(json: &'a str) -> JsResult<T> {
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
    /// One of the names `formats()` lists; the first, `plain`, by default.
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
///
/// Only its TypeScript type is derived: `chunkDocument` reads `maxChars`
/// and the [`CallOptions`] apart (serde's `flatten` would buffer the whole
/// object through its generic `Content` type, several KB of the .wasm, and
/// would let unknown options through).
#[derive(Tsify)]
#[tsify(missing_as_null)]
#[serde(rename_all = "camelCase")]
#[expect(dead_code, reason = "only its TypeScript type is used")]
pub struct DocumentChunkOptions {
    /// The most characters (Unicode scalar values) in one chunk.
    max_chars: usize,
    /// The options of the document.
    #[serde(flatten)]
    call: CallOptions,
}

/// `chunkDocument`'s `maxChars`, read apart from the call options.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MaxChars {
    max_chars: usize,
}

fn transcript_json(value: &JsValue) -> JsResult<String> {
    check("transcript", Kind::AnyJson, value)?;
    json_text("transcript", value).map_err(fail)
}

fn optional_transcript(value: Option<JsValue>) -> JsResult<Option<String>> {
    match value {
        Some(v) if check_optional("transcript", Kind::AnyJson, Some(&v))? => {
            json_text("transcript", &v).map(Some).map_err(fail)
        }
        _ => Ok(None),
    }
}

/// A formatted transcript that is only its format's frame (nothing, `[]`,
/// a bare `WEBVTT` header) had no monologue with text: an error, not an
/// empty result that looks like success.
fn require_text(text: &str, options: &TranscriptOptions<'_>) -> JsResult<()> {
    let empty = crate::format_transcript(
        "[]",
        &TranscriptOptions {
            call_id: None,
            ..*options
        },
    )
    .map_err(fail)?;
    if text == empty {
        return Err(fail(
            "transcript: no usable monologue (none has a sentence with text)",
        ));
    }
    Ok(())
}

/// Runs `f` over the extensive argument, parsed from its JSON text.
fn with_extensive<R>(
    value: &JsValue,
    f: impl FnOnce(&AnyExtensive<'_>) -> Result<R, Error>,
) -> JsResult<R> {
    let json = json_text("extensive", value).map_err(fail)?;
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
    #[wasm_bindgen(unchecked_param_type = "string")] email: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "AccountOptions")] options: Option<JsValue>,
) -> JsResult {
    check("email", Kind::Text, &email)?;
    let email = email.as_string().unwrap_or_default();
    let options: AccountOptions = read_options(options)?;
    let name = crate::account_from_email(&email, &options.internal_domains).map_err(fail)?;
    Ok(name.map_or(JsValue::UNDEFINED, JsValue::from))
}

/// The account name from a call's participants, or `undefined`.
#[wasm_bindgen(js_name = accountFromParties, unchecked_return_type = "string | undefined")]
pub fn account_from_parties(
    #[wasm_bindgen(unchecked_param_type = "Party[] | string")] parties: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "AccountOptions")] options: Option<JsValue>,
) -> JsResult {
    check("parties", Kind::ArrayOrText, &parties)?;
    let options: AccountOptions = read_options(options)?;
    let json = json_text("parties", &parties).map_err(fail)?;
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
) -> JsResult<String> {
    check("value", Kind::TextOrNumber, &value)?;
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
) -> JsResult {
    let json = transcript_json(&transcript)?;
    let options_json = options_text(options)?;
    let options: FormatOptions = parse_options(&options_json)?;
    let options = options.transcript_options();
    let text = crate::format_transcript(&json, &options).map_err(fail)?;
    require_text(&text, &options)?;
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
) -> JsResult {
    check("extensive", Kind::ObjectOrText, &extensive)?;
    let transcript = optional_transcript(transcript)?;
    let options: CallOptions = read_options(options)?;
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
) -> JsResult {
    check("extensive", Kind::ObjectOrText, &extensive)?;
    let transcript = optional_transcript(transcript)?;
    let options: CallOptions = read_options(options)?;
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
) -> JsResult {
    let json = transcript_json(&transcript)?;
    let o_json = required_options_text(options)?;
    let o: ChunkOptions = parse_options(&o_json)?;
    let options = TranscriptOptions {
        format: o.format,
        timestamps: o.timestamps,
        merge: o.merge,
        parties: &o.parties,
        call_id: o.call_id.as_deref(),
    };
    let chunks = crate::chunk_transcript(&json, o.max_chars, &options).map_err(fail)?;
    if chunks.is_empty() {
        let text = crate::format_transcript(&json, &options).map_err(fail)?;
        require_text(&text, &options)?;
    }
    to_js(&chunks)
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
) -> JsResult {
    check("extensive", Kind::ObjectOrText, &extensive)?;
    let transcript = optional_transcript(transcript)?;
    check("options", Kind::Object, &options)?;
    let max_chars = js_sys::Reflect::get(&options, &"maxChars".into()).unwrap_or_default();
    let max_chars = js_sys::JSON::stringify(&max_chars)
        .ok()
        .and_then(|s| s.as_string());
    let max_chars: MaxChars = parse_options(&match max_chars {
        Some(json) => format!("{{\"maxChars\": {json}}}"),
        None => "{}".to_owned(),
    })?;
    // The rest are the call options: a shallow copy without `maxChars`.
    let rest = js_sys::Object::assign(&js_sys::Object::new(), options.unchecked_ref());
    let _ = js_sys::Reflect::delete_property(&rest, &"maxChars".into());
    let call: CallOptions = read_options(Some(rest.into()))?;
    let chunks = with_extensive(&extensive, |e| {
        let input = transcript.as_deref().map(TranscriptInput::Json);
        crate::chunk_call_document(e, input, max_chars.max_chars, &call)
    })?;
    to_js(&chunks)
}

/// The body of `POST /v2/calls/extensive`. Throws above 100 call ids.
#[wasm_bindgen(js_name = extensiveRequest, unchecked_return_type = "ExtensiveRequest")]
pub fn extensive_request(
    #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: Option<JsValue>,
) -> JsResult {
    to_js(
        &read_options::<RequestOptions>(options)?
            .extensive()
            .map_err(fail)?,
    )
}

/// The body of `POST /v2/calls/transcript`.
#[wasm_bindgen(js_name = transcriptRequest, unchecked_return_type = "TranscriptRequest")]
pub fn transcript_request(
    #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: Option<JsValue>,
) -> JsResult {
    to_js(
        &read_options::<RequestOptions>(options)?
            .transcript()
            .map_err(fail)?,
    )
}

/// Call ids in batches of at most 100, repeats dropped.
#[wasm_bindgen(js_name = batchCallIds, unchecked_return_type = "string[][]")]
pub fn batch_call_ids(#[wasm_bindgen(unchecked_param_type = "string[]")] ids: JsValue) -> JsResult {
    check("ids", Kind::ArrayOrText, &ids)?;
    let json = json_text("ids", &ids).map_err(fail)?;
    let ids: Vec<String> = crate::from_json(&json).map_err(fail)?;
    to_js(&crate::batch_call_ids(&ids).map_err(fail)?)
}

/// A transcript format as [`formats`] lists it: the value of the `format`
/// option, with its file extension and content type.
#[derive(Tsify, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FormatInfo {
    /// The format's name, as the `format` option takes it.
    name: Format,
    /// The usual file name extension, without the dot (`txt`, `vtt`, …).
    extension: &'static str,
    /// The content type of the output (`text/vtt; charset=utf-8`, …).
    content_type: &'static str,
}

impl From<Format> for FormatInfo {
    fn from(format: Format) -> Self {
        FormatInfo {
            name: format,
            extension: format.extension(),
            content_type: format.content_type(),
        }
    }
}

/// Every transcript format, in order (the default, `plain`, first): the
/// names `formatTranscript`, `normalizeCall` and `callDocument` accept in
/// their `format` option, each with its file extension and content type.
#[wasm_bindgen(js_name = formats, unchecked_return_type = "FormatInfo[]")]
pub fn formats() -> JsResult {
    hook();
    let list: Vec<FormatInfo> = Format::ALL.into_iter().map(FormatInfo::from).collect();
    to_js(&list)
}

/// The layout version of `callDocument`'s output.
#[wasm_bindgen(js_name = documentVersion)]
pub fn document_version() -> u32 {
    hook();
    crate::DOCUMENT_VERSION
}

/// A word as search sees it: folded (accents, case and width dropped),
/// with where it is in the text as JS string offsets, so a hit can be
/// marked in the original.
#[derive(Tsify, Serialize)]
pub struct SearchWord {
    /// The folded word (`jose` for `José`); Chinese and Japanese one
    /// character a word.
    text: String,
    /// Where the word starts in the text (a JS string index, UTF-16).
    start: usize,
    /// Where it ends in the text (exclusive).
    end: usize,
}

/// The words of `text` as the gongkit Worker's search folds them (the core's
/// `gongkit::words`), in order: a filter that folds with them finds what a
/// search would (`jose` finds `José`, `調達` finds `調達を担当`).
#[wasm_bindgen(js_name = searchWords, unchecked_return_type = "SearchWord[]")]
pub fn search_words(#[wasm_bindgen(unchecked_param_type = "string")] text: JsValue) -> JsResult {
    check("text", Kind::Text, &text)?;
    let text = text.as_string().unwrap_or_default();
    // Byte offsets to UTF-16 ones, walking forward from the last start
    // (starts never go back; one character may give several words).
    let utf16 = |(byte, unit): (usize, usize), to: usize| match text.get(byte..to) {
        Some(s) => (to, unit + s.encode_utf16().count()),
        None => (to, text.get(..to).map_or(0, |s| s.encode_utf16().count())),
    };
    let mut at = (0, 0);
    let list: Vec<SearchWord> = crate::words::words(&text)
        .into_iter()
        .map(|w| {
            at = utf16(at, w.span.start);
            SearchWord {
                text: w.text,
                start: at.1,
                end: utf16(at, w.span.end).1,
            }
        })
        .collect();
    to_js(&list)
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

    fn message(value: JsValue) -> String {
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
            r#"callTranscripts[0].transcript[0].sentences[0].start: invalid type: string "x", expected an integer"#
        );
        assert_eq!(
            message(account_from_email("no-at-sign".into(), None).unwrap_err()),
            r#"invalid email "no-at-sign": no @"#
        );
    }

    #[wasm_bindgen_test]
    fn wrong_argument_types_are_type_errors_naming_the_parameter() {
        let err = account_from_email(JsValue::from_f64(42.0), None).unwrap_err();
        assert!(err.is_instance_of::<js_sys::TypeError>());
        assert_eq!(message(err), "email: expected a string, got a number (42)");
        let err = format_transcript(JsValue::TRUE, None).unwrap_err();
        assert_eq!(
            message(err),
            "transcript: expected an object, an array or their JSON text, got a boolean (true)"
        );
    }

    #[wasm_bindgen_test]
    fn formats_are_the_core_list_as_plain_objects() {
        let list: js_sys::Array = formats().unwrap().unchecked_into();
        assert_eq!(list.length() as usize, Format::ALL.len());
        for (value, format) in list.iter().zip(Format::ALL) {
            let get = |k: &str| js_sys::Reflect::get(&value, &k.into()).unwrap().as_string();
            assert_eq!(get("name").as_deref(), Some(format.as_str()));
            assert_eq!(get("extension").as_deref(), Some(format.extension()));
            assert_eq!(get("contentType").as_deref(), Some(format.content_type()));
        }
    }

    #[wasm_bindgen_test]
    fn a_transcript_without_text_is_an_error() {
        let empty = js_sys::JSON::parse("[{}]").unwrap();
        assert_eq!(
            message(format_transcript(empty, None).unwrap_err()),
            "transcript: no usable monologue (none has a sentence with text)"
        );
    }

    #[wasm_bindgen_test]
    fn undefined_results_and_optional_options() {
        assert!(account_from_email("x@gmail.com".into(), None)
            .unwrap()
            .is_undefined());
        assert_eq!(
            account_from_email("x@acme.com".into(), Some(JsValue::UNDEFINED))
                .unwrap()
                .as_string()
                .as_deref(),
            Some("Acme")
        );
        let options = js_sys::JSON::parse(r#"{"internalDomains": ["acme.com"]}"#).unwrap();
        assert!(account_from_email("x@acme.com".into(), Some(options))
            .unwrap()
            .is_undefined());
    }

    #[wasm_bindgen_test]
    fn search_words_are_folded_with_js_offsets() {
        let text = "😀 José, 調達!";
        let words = js_sys::JSON::stringify(&search_words(text.into()).unwrap()).unwrap();
        assert_eq!(
            String::from(words),
            r#"[{"text":"jose","start":3,"end":7},{"text":"調","start":9,"end":10},{"text":"達","start":10,"end":11}]"#
        );
        assert_eq!(
            message(search_words(JsValue::from(1)).unwrap_err()),
            "text: expected a string, got a number (1)"
        );
    }
}
