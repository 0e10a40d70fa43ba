//! The Python package `gongkit`: the core's functions for Python, with the
//! npm package's functions (src/wasm.rs) under Python names, options as
//! keyword arguments, plain `dict`s and `list`s out, and errors raised as
//! `gongkit.GongkitError` (a `ValueError`) with the JSON path of the bad
//! value.
//!
//! A JSON argument may be text (`str`, or `bytes` read in place: the fast
//! path) or what `json.loads` returns; a `dict` or `list` is written back to
//! JSON text by Python's own `json.dumps` and read by the same Rust parser,
//! so both give the same results and the same errors. The GIL is released
//! while the core works on a large input, so threads format calls in
//! parallel. Bindings only: the core knows nothing of Python.

use std::borrow::Cow;
use std::panic::{catch_unwind, AssertUnwindSafe};

use gongkit::{
    json_words, AnyExtensive, CallOptions, CallTime, Error, Format, Party, Preset, RequestOptions,
    TranscriptInput, TranscriptOptions,
};
use pyo3::create_exception;
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PySequence, PyString, PyTuple};
use serde::Serialize;

create_exception!(
    gongkit,
    GongkitError,
    PyValueError,
    "Input gongkit cannot use: JSON that does not parse or does not have the shape Gong sends, \
     a bad call time, email or option. `path` is the JSON path of the bad value \
     (`callTranscripts[0].transcript[2].sentences[1].start`; \"\" for the document itself), \
     or None when the error is not about a place in a JSON document."
);

/// Inputs at least this long are worked on with the GIL released: below it,
/// giving the GIL up and taking it back costs more than it frees.
const DETACH_BYTES: usize = 16 * 1024;

/// Runs the core on an input of `size` bytes: without the GIL when it is
/// large, and with any panic (a bug: the core returns errors for bad input)
/// turned into a `RuntimeError` rather than crossing into Python.
fn work<T, F>(py: Python<'_>, size: usize, f: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce() -> Result<T, Error> + Send,
{
    let guarded = move || catch_unwind(AssertUnwindSafe(f));
    let outcome = if size >= DETACH_BYTES {
        py.detach(guarded)
    } else {
        guarded()
    };
    match outcome {
        Ok(result) => result.map_err(|e| fail(py, &e)),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(PyRuntimeError::new_err(format!(
                "gongkit internal error: {message}"
            )))
        }
    }
}

/// A Python argument name for an option the core names in camelCase
/// (`maxChars` → `max_chars`).
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The core's error as a `GongkitError`: its message in JSON's words, with
/// `path` set for errors at a place in a JSON document.
fn fail(py: Python<'_>, err: &Error) -> PyErr {
    let (message, path) = match err {
        Error::Json { path, .. } => (json_words(&err.to_string()), Some(path.clone())),
        Error::InvalidArgument { name, reason } => {
            (format!("invalid {}: {reason}", snake_case(name)), None)
        }
        other => (json_words(&other.to_string()), None),
    };
    let error = GongkitError::new_err(message);
    // Setting an attribute on a fresh exception cannot fail in practice; if
    // it did, the class attribute (None) still answers.
    let _ = error.value(py).setattr("path", path);
    error
}

/// A `GongkitError` about an argument, not about a place in a document.
fn argument_error(py: Python<'_>, name: &'static str, reason: impl Into<String>) -> PyErr {
    fail(
        py,
        &Error::InvalidArgument {
            name,
            reason: reason.into(),
        },
    )
}

/// The kinds of Python values a JSON argument may be.
#[derive(Clone, Copy)]
enum Kind {
    /// A dict, a list or their JSON text.
    AnyJson,
    /// A dict or its JSON text.
    ObjectOrText,
    /// A list or its JSON text.
    ArrayOrText,
}

impl Kind {
    fn expected(self) -> &'static str {
        match self {
            Kind::AnyJson => "a dict, a list or their JSON text (str or bytes)",
            Kind::ObjectOrText => "a dict or its JSON text (str or bytes)",
            Kind::ArrayOrText => "a list or its JSON text (str or bytes)",
        }
    }

    fn accepts_parsed(self, value: &Bound<'_, PyAny>) -> bool {
        let object = value.is_instance_of::<PyDict>();
        let array = value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>();
        match self {
            Kind::AnyJson => object || array,
            Kind::ObjectOrText => object,
            Kind::ArrayOrText => array,
        }
    }
}

/// What a Python value is, for a `TypeError`'s message: `int (42)`, `None`.
fn describe(value: &Bound<'_, PyAny>) -> String {
    let name = value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "an object".to_owned());
    if value.is_none() {
        "None".to_owned()
    } else if value.is_instance_of::<PyBool>()
        || value.is_instance_of::<PyInt>()
        || value.is_instance_of::<PyFloat>()
    {
        let repr = value
            .repr()
            .map(|r| r.to_string())
            .unwrap_or_else(|_| "?".to_owned());
        format!("{name} ({repr})")
    } else {
        name
    }
}

fn type_error(name: &str, expected: &str, value: &Bound<'_, PyAny>) -> PyErr {
    PyTypeError::new_err(format!(
        "{name}: expected {expected}, got {}",
        describe(value)
    ))
}

/// Keyword arguments are read here rather than by PyO3's own conversions,
/// so that a wrong type is a `TypeError` whose message names the parameter
/// (PyO3 only adds a note, and only on Python 3.11 and later).
fn bool_arg(name: &str, value: &Bound<'_, PyAny>) -> PyResult<bool> {
    match value.cast::<PyBool>() {
        Ok(b) => Ok(b.is_true()),
        Err(_) => Err(type_error(name, "a bool", value)),
    }
}

fn str_arg(name: &str, value: &Bound<'_, PyAny>) -> PyResult<String> {
    match value.cast::<PyString>() {
        Ok(s) => Ok(s.to_cow()?.into_owned()),
        Err(_) => Err(type_error(name, "a str", value)),
    }
}

/// A format's name or alias, checked, as its canonical name (a `&'static
/// str`, so the signature's default can be the literal `"plain"`).
fn format_arg(name: &str, value: &Bound<'_, PyAny>) -> PyResult<&'static str> {
    let text = str_arg(name, value)?;
    text.parse::<Format>()
        .map(Format::as_str)
        .map_err(|e| fail(value.py(), &e))
}

fn optional_str_arg(name: &str, value: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    if value.is_none() {
        return Ok(None);
    }
    match value.cast::<PyString>() {
        Ok(s) => Ok(Some(s.to_cow()?.into_owned())),
        Err(_) => Err(type_error(name, "a str or None", value)),
    }
}

fn int_arg(name: &'static str, value: &Bound<'_, PyAny>) -> PyResult<i64> {
    if value.is_instance_of::<PyBool>() || !value.is_instance_of::<PyInt>() {
        return Err(type_error(name, "an int", value));
    }
    value.extract::<i64>().map_err(|_| {
        argument_error(
            value.py(),
            name,
            format!("{}: out of range", describe(value)),
        )
    })
}

fn optional_int_arg(name: &'static str, value: &Bound<'_, PyAny>) -> PyResult<Option<i64>> {
    if value.is_none() {
        return Ok(None);
    }
    if value.is_instance_of::<PyBool>() || !value.is_instance_of::<PyInt>() {
        return Err(type_error(name, "an int or None", value));
    }
    int_arg(name, value).map(Some)
}

fn str_list_arg(name: &str, value: &Bound<'_, PyAny>) -> PyResult<Option<Vec<String>>> {
    if value.is_none() {
        return Ok(None);
    }
    let expected = "a sequence of str (such as a list) or None";
    // A str is a sequence too, of one-letter strs: refused, as a likely
    // mistake for a one-element list.
    if value.is_instance_of::<PyString>() || value.is_instance_of::<PyBytes>() {
        return Err(type_error(name, expected, value));
    }
    let sequence = value
        .cast::<PySequence>()
        .map_err(|_| type_error(name, expected, value))?;
    let mut out = Vec::with_capacity(sequence.len().unwrap_or(0));
    for (i, item) in sequence.try_iter()?.enumerate() {
        out.push(str_arg(&format!("{name}[{i}]"), &item?)?);
    }
    Ok(Some(out))
}

/// One reader per keyword argument (`#[pyo3(from_py_with = …)]` takes a
/// function of the value alone), each naming its parameter.
macro_rules! readers {
    ($($reader:ident($name:literal) -> $ty:ty = $read:ident;)*) => {
        $(
            #[doc = concat!("Reads the `", $name, "` argument.")]
            fn $reader(value: &Bound<'_, PyAny>) -> PyResult<$ty> {
                $read($name, value)
            }
        )*
    };
}

readers! {
    format_reader("format") -> &'static str = format_arg;
    timestamps_reader("timestamps") -> bool = bool_arg;
    merge_reader("merge") -> bool = bool_arg;
    names_reader("names") -> bool = bool_arg;
    internal_domains_reader("internal_domains") -> Option<Vec<String>> = str_list_arg;
    utc_offset_reader("utc_offset_minutes") -> Option<i64> = optional_int_arg;
    call_id_reader("call_id") -> Option<String> = optional_str_arg;
    max_chars_reader("max_chars") -> i64 = int_arg;
    call_ids_reader("call_ids") -> Option<Vec<String>> = str_list_arg;
    from_reader("from_date_time") -> Option<String> = optional_str_arg;
    to_reader("to_date_time") -> Option<String> = optional_str_arg;
    workspace_reader("workspace_id") -> Option<String> = optional_str_arg;
    cursor_reader("cursor") -> Option<String> = optional_str_arg;
    preset_reader("preset") -> Option<String> = optional_str_arg;
}

/// The JSON text of an argument: a `str` as it is, `bytes` read in place
/// (UTF-8), a `dict` or `list` written by Python's `json.dumps` (compact, as
/// `JSON.stringify` writes it, so errors read as the npm package's do).
/// Anything else is a `TypeError` naming the parameter.
fn json_text<'a>(
    name: &'static str,
    kind: Kind,
    value: &'a Bound<'_, PyAny>,
) -> PyResult<Cow<'a, str>> {
    let py = value.py();
    if let Ok(s) = value.cast::<PyString>() {
        return str_utf8(s).map(Cow::Borrowed);
    }
    if let Ok(b) = value.cast::<PyBytes>() {
        return gongkit::json_str_from_utf8(b.as_bytes())
            .map(Cow::Borrowed)
            .map_err(|e| fail(py, &e));
    }
    if !kind.accepts_parsed(value) {
        return Err(type_error(name, kind.expected(), value));
    }
    let dumps = py.import("json")?.getattr("dumps")?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("ensure_ascii", false)?;
    kwargs.set_item("allow_nan", false)?;
    kwargs.set_item("separators", (",", ":"))?;
    match dumps.call((value,), Some(&kwargs)) {
        Ok(text) => Ok(Cow::Owned(text.extract::<String>()?)),
        Err(e) if e.is_instance_of::<PyTypeError>(py) => Err(PyTypeError::new_err(format!(
            "{name}: cannot be turned into JSON: {}",
            e.value(py)
        ))),
        Err(e) if e.is_instance_of::<PyValueError>(py) => Err(argument_error(
            py,
            name,
            format!("cannot be turned into JSON: {}", e.value(py)),
        )),
        Err(e) => Err(e),
    }
}

/// The UTF-8 of a `str`, borrowed from the object. CPython keeps a str's
/// UTF-8 once asked for it, and an ASCII str's UTF-8 is its own data: no
/// copy at all, where PyO3's `to_cow` for abi3-py39 builds encodes into a
/// new bytes object and copies that on every call.
///
/// `PyUnicode_AsUTF8AndSize` is in the stable ABI from Python 3.10 and has
/// been exported by every CPython since 3.3 with this signature, so the
/// abi3-py39 wheel may call it on 3.9 too (PyO3 declares it only for
/// abi3-py310 builds, hence the declaration here).
fn str_utf8<'a>(s: &'a Bound<'_, PyString>) -> PyResult<&'a str> {
    use pyo3::ffi::{PyObject, Py_ssize_t};
    extern "C" {
        fn PyUnicode_AsUTF8AndSize(
            unicode: *mut PyObject,
            size: *mut Py_ssize_t,
        ) -> *const std::os::raw::c_char;
    }
    let mut size: Py_ssize_t = 0;
    // SAFETY: `s` is a live str, and the GIL is held (we have a `Bound`).
    let data = unsafe { PyUnicode_AsUTF8AndSize(s.as_ptr(), &mut size) };
    if data.is_null() {
        // A lone surrogate has no UTF-8 (Python's UnicodeEncodeError): text
        // that is not JSON.
        let reason = PyErr::take(s.py())
            .map(|e| e.value(s.py()).to_string())
            .unwrap_or_default();
        return Err(fail(
            s.py(),
            &Error::Json {
                path: String::new(),
                message: format!("invalid JSON: not Unicode text ({reason})"),
            },
        ));
    }
    let len = usize::try_from(size).unwrap_or(0);
    // SAFETY: CPython returns `size` bytes of valid UTF-8 that stay alive
    // and unchanged as long as the (immutable) str object, which `s`
    // borrows for 'a.
    Ok(
        unsafe {
            std::str::from_utf8_unchecked(std::slice::from_raw_parts(data.cast::<u8>(), len))
        },
    )
}

/// [`json_text`] of an optional argument: `None` is "not given".
fn optional_json<'a>(
    name: &'static str,
    kind: Kind,
    value: Option<&'a Bound<'_, PyAny>>,
) -> PyResult<Option<Cow<'a, str>>> {
    match value {
        Some(v) if !v.is_none() => json_text(name, kind, v).map(Some),
        _ => Ok(None),
    }
}

/// Serializes a result into plain Python values (dicts, lists, str, int,
/// float, bool, None): what `json.loads` of its JSON would give.
fn to_py<'py, T: Serialize>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    pythonize::pythonize(py, value).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// A Python string from the core's text.
fn text(py: Python<'_>, s: &str) -> Py<PyAny> {
    PyString::new(py, s).into_any().unbind()
}

/// Checks a `utc_offset_minutes` argument against what an `i32` holds; the
/// core checks the real bound (±1439).
fn utc_offset(py: Python<'_>, minutes: Option<i64>) -> PyResult<Option<i32>> {
    minutes
        .map(|m| i32::try_from(m).map_err(|_| fail(py, &Error::InvalidUtcOffset(m))))
        .transpose()
}

fn format_named(py: Python<'_>, name: &str) -> PyResult<Format> {
    name.parse().map_err(|e| fail(py, &e))
}

/// Checks a `max_chars` argument: a count, so not negative.
fn max_chars(py: Python<'_>, value: i64) -> PyResult<usize> {
    usize::try_from(value)
        .map_err(|_| argument_error(py, "maxChars", format!("{value}: must be at least 1")))
}

/// A transcript that formats to nothing is an error (the core's rule).
fn require_text(json: &str, text: &str, options: &TranscriptOptions<'_>) -> Result<(), Error> {
    gongkit::check_has_text(json, text, options)
}

/// The call options from the keyword arguments.
#[allow(clippy::too_many_arguments)]
fn call_options(
    py: Python<'_>,
    format: &str,
    timestamps: bool,
    merge: bool,
    names: bool,
    internal_domains: Option<Vec<String>>,
    utc_offset_minutes: Option<i64>,
    call_id: Option<String>,
) -> PyResult<CallOptions> {
    Ok(CallOptions {
        format: format_named(py, format)?,
        timestamps,
        merge,
        names,
        internal_domains: internal_domains.unwrap_or_default(),
        utc_offset_minutes: utc_offset(py, utc_offset_minutes)?,
        call_id,
    })
}

/// The account name for one email address: `None` for internal, free-mail
/// and bare-suffix domains. Raises `GongkitError` for a malformed address.
#[pyfunction]
#[pyo3(signature = (email, *, internal_domains = None))]
fn account_from_email(
    py: Python<'_>,
    email: &Bound<'_, PyAny>,
    #[pyo3(from_py_with = internal_domains_reader)] internal_domains: Option<Vec<String>>,
) -> PyResult<Option<String>> {
    let email = email
        .cast::<PyString>()
        .map_err(|_| type_error("email", "a str", email))?
        .to_cow()?;
    let internal = internal_domains.unwrap_or_default();
    work(py, 0, || gongkit::account_from_email(&email, &internal))
}

/// The account name from a call's participants (`parties`), or `None`.
#[pyfunction]
#[pyo3(signature = (parties, *, internal_domains = None))]
fn account_from_parties(
    py: Python<'_>,
    parties: &Bound<'_, PyAny>,
    #[pyo3(from_py_with = internal_domains_reader)] internal_domains: Option<Vec<String>>,
) -> PyResult<Option<String>> {
    let json = json_text("parties", Kind::ArrayOrText, parties)?;
    let internal = internal_domains.unwrap_or_default();
    work(py, json.len(), || {
        let parties: Vec<Party<'_>> = gongkit::from_json(&json)?;
        gongkit::account_from_parties(&parties, &internal)
    })
}

/// The call's date, `YYYY-MM-DD`, from Unix seconds (a number or a string of
/// digits; milliseconds from 10^11) or ISO 8601.
#[pyfunction]
#[pyo3(signature = (value, *, utc_offset_minutes = None))]
fn call_date(
    py: Python<'_>,
    value: &Bound<'_, PyAny>,
    #[pyo3(from_py_with = utc_offset_reader)] utc_offset_minutes: Option<i64>,
) -> PyResult<String> {
    let offset = utc_offset(py, utc_offset_minutes)?;
    let time = if let Ok(s) = value.cast::<PyString>() {
        let s = s.to_cow()?;
        gongkit::parse_call_time(&s)
    } else if value.is_instance_of::<PyBool>()
        || !(value.is_instance_of::<PyInt>() || value.is_instance_of::<PyFloat>())
    {
        return Err(type_error("value", "a str, an int or a float", value));
    } else {
        // Numbers as JSON has them (and JavaScript): a double.
        CallTime::from_number(value.extract::<f64>()?)
    };
    let date = time
        .and_then(|t| t.date(offset))
        .map_err(|e| fail(py, &e))?;
    Ok(date.to_string())
}

/// Formats a transcript: a whole response, one `callTranscripts` element, a
/// monologue array, or any of them as JSON text.
#[pyfunction]
#[pyo3(signature = (
    transcript, *, format = "plain", timestamps = false, merge = false, parties = None,
    call_id = None
))]
fn format_transcript(
    py: Python<'_>,
    transcript: &Bound<'_, PyAny>,
    #[pyo3(from_py_with = format_reader)] format: &str,
    #[pyo3(from_py_with = timestamps_reader)] timestamps: bool,
    #[pyo3(from_py_with = merge_reader)] merge: bool,
    parties: Option<&Bound<'_, PyAny>>,
    #[pyo3(from_py_with = call_id_reader)] call_id: Option<String>,
) -> PyResult<Py<PyAny>> {
    let json = json_text("transcript", Kind::AnyJson, transcript)?;
    let parties = optional_json("parties", Kind::ArrayOrText, parties)?;
    let format = format_named(py, format)?;
    let out = work(py, json.len(), || {
        let parties: Vec<Party<'_>> = match &parties {
            Some(p) => gongkit::from_json(p)?,
            None => Vec::new(),
        };
        let options = TranscriptOptions {
            format,
            timestamps,
            merge,
            parties: &parties,
            call_id: call_id.as_deref(),
        };
        let out = gongkit::format_transcript(&json, &options)?;
        require_text(&json, &out, &options)?;
        Ok(out)
    })?;
    Ok(text(py, &out))
}

/// One call, normalized (a plain dict), with its transcript formatted when
/// one is given.
#[pyfunction]
#[pyo3(signature = (
    extensive, transcript = None, *, format = "plain", timestamps = false, merge = false,
    names = true, internal_domains = None, utc_offset_minutes = None, call_id = None
))]
#[allow(clippy::too_many_arguments)]
fn normalize_call<'py>(
    py: Python<'py>,
    extensive: &Bound<'py, PyAny>,
    transcript: Option<&Bound<'py, PyAny>>,
    #[pyo3(from_py_with = format_reader)] format: &str,
    #[pyo3(from_py_with = timestamps_reader)] timestamps: bool,
    #[pyo3(from_py_with = merge_reader)] merge: bool,
    #[pyo3(from_py_with = names_reader)] names: bool,
    #[pyo3(from_py_with = internal_domains_reader)] internal_domains: Option<Vec<String>>,
    #[pyo3(from_py_with = utc_offset_reader)] utc_offset_minutes: Option<i64>,
    #[pyo3(from_py_with = call_id_reader)] call_id: Option<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let json = json_text("extensive", Kind::ObjectOrText, extensive)?;
    let transcript = optional_json("transcript", Kind::AnyJson, transcript)?;
    let options = call_options(
        py,
        format,
        timestamps,
        merge,
        names,
        internal_domains,
        utc_offset_minutes,
        call_id,
    )?;
    let size = json.len() + transcript.as_ref().map_or(0, |t| t.len());
    // The result borrows from the parsed extensive answer, which must
    // outlive the second step; the dict is built with the GIL held.
    let parsed = work(py, size, || AnyExtensive::from_json(&json))?;
    let call = work(py, size, || {
        let input = transcript.as_deref().map(TranscriptInput::Json);
        gongkit::normalize_call(&parsed, input, &options)
    })?;
    to_py(py, &call)
}

/// The call as one plain-text document for a language model.
#[pyfunction]
#[pyo3(signature = (
    extensive, transcript = None, *, format = "plain", timestamps = false, merge = false,
    names = true, internal_domains = None, utc_offset_minutes = None, call_id = None
))]
#[allow(clippy::too_many_arguments)]
fn call_document(
    py: Python<'_>,
    extensive: &Bound<'_, PyAny>,
    transcript: Option<&Bound<'_, PyAny>>,
    #[pyo3(from_py_with = format_reader)] format: &str,
    #[pyo3(from_py_with = timestamps_reader)] timestamps: bool,
    #[pyo3(from_py_with = merge_reader)] merge: bool,
    #[pyo3(from_py_with = names_reader)] names: bool,
    #[pyo3(from_py_with = internal_domains_reader)] internal_domains: Option<Vec<String>>,
    #[pyo3(from_py_with = utc_offset_reader)] utc_offset_minutes: Option<i64>,
    #[pyo3(from_py_with = call_id_reader)] call_id: Option<String>,
) -> PyResult<Py<PyAny>> {
    let json = json_text("extensive", Kind::ObjectOrText, extensive)?;
    let transcript = optional_json("transcript", Kind::AnyJson, transcript)?;
    let options = call_options(
        py,
        format,
        timestamps,
        merge,
        names,
        internal_domains,
        utc_offset_minutes,
        call_id,
    )?;
    let size = json.len() + transcript.as_ref().map_or(0, |t| t.len());
    let out = work(py, size, || {
        let extensive = AnyExtensive::from_json(&json)?;
        let input = transcript.as_deref().map(TranscriptInput::Json);
        gongkit::call_document(&extensive, input, &options)
    })?;
    Ok(text(py, &out))
}

/// A transcript cut into chunks of at most `max_chars` characters (Unicode
/// scalar values), each a dict with its index, count, text, start and end.
#[pyfunction]
#[pyo3(signature = (
    transcript, *, max_chars, format = "plain", timestamps = false, merge = false,
    parties = None, call_id = None
))]
#[allow(clippy::too_many_arguments)]
fn chunk_transcript<'py>(
    py: Python<'py>,
    transcript: &Bound<'py, PyAny>,
    #[pyo3(from_py_with = max_chars_reader)] max_chars: i64,
    #[pyo3(from_py_with = format_reader)] format: &str,
    #[pyo3(from_py_with = timestamps_reader)] timestamps: bool,
    #[pyo3(from_py_with = merge_reader)] merge: bool,
    parties: Option<&Bound<'py, PyAny>>,
    #[pyo3(from_py_with = call_id_reader)] call_id: Option<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let json = json_text("transcript", Kind::AnyJson, transcript)?;
    let parties = optional_json("parties", Kind::ArrayOrText, parties)?;
    let format = format_named(py, format)?;
    let max = self::max_chars(py, max_chars)?;
    let chunks = work(py, json.len(), || {
        let parties: Vec<Party<'_>> = match &parties {
            Some(p) => gongkit::from_json(p)?,
            None => Vec::new(),
        };
        let options = TranscriptOptions {
            format,
            timestamps,
            merge,
            parties: &parties,
            call_id: call_id.as_deref(),
        };
        let chunks = gongkit::chunk_transcript(&json, max, &options)?;
        if chunks.is_empty() {
            let out = gongkit::format_transcript(&json, &options)?;
            require_text(&json, &out, &options)?;
        }
        Ok(chunks)
    })?;
    to_py(py, &chunks)
}

/// The call document cut into chunks of at most `max_chars` characters.
#[pyfunction]
#[pyo3(signature = (
    extensive, transcript = None, *, max_chars, format = "plain", timestamps = false,
    merge = false, names = true, internal_domains = None, utc_offset_minutes = None,
    call_id = None
))]
#[allow(clippy::too_many_arguments)]
fn chunk_document<'py>(
    py: Python<'py>,
    extensive: &Bound<'py, PyAny>,
    transcript: Option<&Bound<'py, PyAny>>,
    #[pyo3(from_py_with = max_chars_reader)] max_chars: i64,
    #[pyo3(from_py_with = format_reader)] format: &str,
    #[pyo3(from_py_with = timestamps_reader)] timestamps: bool,
    #[pyo3(from_py_with = merge_reader)] merge: bool,
    #[pyo3(from_py_with = names_reader)] names: bool,
    #[pyo3(from_py_with = internal_domains_reader)] internal_domains: Option<Vec<String>>,
    #[pyo3(from_py_with = utc_offset_reader)] utc_offset_minutes: Option<i64>,
    #[pyo3(from_py_with = call_id_reader)] call_id: Option<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let json = json_text("extensive", Kind::ObjectOrText, extensive)?;
    let transcript = optional_json("transcript", Kind::AnyJson, transcript)?;
    let max = self::max_chars(py, max_chars)?;
    let options = call_options(
        py,
        format,
        timestamps,
        merge,
        names,
        internal_domains,
        utc_offset_minutes,
        call_id,
    )?;
    let size = json.len() + transcript.as_ref().map_or(0, |t| t.len());
    let chunks = work(py, size, || {
        let extensive = AnyExtensive::from_json(&json)?;
        let input = transcript.as_deref().map(TranscriptInput::Json);
        gongkit::chunk_call_document(&extensive, input, max, &options)
    })?;
    to_py(py, &chunks)
}

/// The request options from the keyword arguments.
fn request_options(
    py: Python<'_>,
    call_ids: Option<Vec<String>>,
    from_date_time: Option<String>,
    to_date_time: Option<String>,
    workspace_id: Option<String>,
    cursor: Option<String>,
    preset: Option<String>,
) -> PyResult<RequestOptions> {
    let preset = match preset.as_deref() {
        None => None,
        Some("callView") => Some(Preset::CallView),
        Some("metadata") => Some(Preset::Metadata),
        Some(other) => {
            return Err(argument_error(
                py,
                "preset",
                format!("{other:?}: expected \"callView\" or \"metadata\""),
            ))
        }
    };
    Ok(RequestOptions {
        call_ids,
        from_date_time,
        to_date_time,
        workspace_id,
        cursor,
        preset,
    })
}

/// The body of `POST /v2/calls/extensive` (a dict). Raises `GongkitError`
/// above 100 call ids.
#[pyfunction]
#[pyo3(signature = (
    *, call_ids = None, from_date_time = None, to_date_time = None, workspace_id = None,
    cursor = None, preset = None
))]
fn extensive_request<'py>(
    py: Python<'py>,
    #[pyo3(from_py_with = call_ids_reader)] call_ids: Option<Vec<String>>,
    #[pyo3(from_py_with = from_reader)] from_date_time: Option<String>,
    #[pyo3(from_py_with = to_reader)] to_date_time: Option<String>,
    #[pyo3(from_py_with = workspace_reader)] workspace_id: Option<String>,
    #[pyo3(from_py_with = cursor_reader)] cursor: Option<String>,
    #[pyo3(from_py_with = preset_reader)] preset: Option<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let options = request_options(
        py,
        call_ids,
        from_date_time,
        to_date_time,
        workspace_id,
        cursor,
        preset,
    )?;
    to_py(py, &work(py, 0, || options.extensive())?)
}

/// The body of `POST /v2/calls/transcript` (a dict). `preset` is taken
/// only to be refused with the core's message, as in the npm package: only
/// extensive requests take one.
#[pyfunction]
#[pyo3(signature = (
    *, call_ids = None, from_date_time = None, to_date_time = None, workspace_id = None,
    cursor = None, preset = None
))]
fn transcript_request<'py>(
    py: Python<'py>,
    #[pyo3(from_py_with = call_ids_reader)] call_ids: Option<Vec<String>>,
    #[pyo3(from_py_with = from_reader)] from_date_time: Option<String>,
    #[pyo3(from_py_with = to_reader)] to_date_time: Option<String>,
    #[pyo3(from_py_with = workspace_reader)] workspace_id: Option<String>,
    #[pyo3(from_py_with = cursor_reader)] cursor: Option<String>,
    #[pyo3(from_py_with = preset_reader)] preset: Option<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let options = request_options(
        py,
        call_ids,
        from_date_time,
        to_date_time,
        workspace_id,
        cursor,
        preset,
    )?;
    to_py(py, &work(py, 0, || options.transcript())?)
}

/// Call ids in batches of at most 100, repeats dropped.
#[pyfunction]
fn batch_call_ids<'py>(py: Python<'py>, ids: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let json = json_text("ids", Kind::ArrayOrText, ids)?;
    let batches = work(py, json.len(), || {
        let ids: Vec<String> = gongkit::from_json(&json)?;
        gongkit::batch_call_ids(&ids)
    })?;
    to_py(py, &batches)
}

/// A transcript format as `formats()` lists it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FormatInfo {
    /// The format's name, as the `format` argument takes it.
    name: &'static str,
    /// The usual file name extension, without the dot.
    extension: &'static str,
    /// The content type of the output.
    content_type: &'static str,
}

/// Every transcript format, in order (the default, `plain`, first): dicts
/// with the name the `format` argument takes, the file extension and the
/// content type.
#[pyfunction]
fn formats(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let list: Vec<FormatInfo> = Format::ALL
        .into_iter()
        .map(|f| FormatInfo {
            name: f.as_str(),
            extension: f.extension(),
            content_type: f.content_type(),
        })
        .collect();
    to_py(py, &list)
}

/// Turn raw Gong.io call data into clean, LLM-ready text.
#[pymodule]
#[pyo3(name = "gongkit")]
fn gongkit_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let error = py.get_type::<GongkitError>();
    error.setattr("path", py.None())?;
    m.add("GongkitError", error)?;
    m.add("DOCUMENT_VERSION", gongkit::DOCUMENT_VERSION)?;
    m.add_function(wrap_pyfunction!(account_from_email, m)?)?;
    m.add_function(wrap_pyfunction!(account_from_parties, m)?)?;
    m.add_function(wrap_pyfunction!(call_date, m)?)?;
    m.add_function(wrap_pyfunction!(format_transcript, m)?)?;
    m.add_function(wrap_pyfunction!(normalize_call, m)?)?;
    m.add_function(wrap_pyfunction!(call_document, m)?)?;
    m.add_function(wrap_pyfunction!(chunk_transcript, m)?)?;
    m.add_function(wrap_pyfunction!(chunk_document, m)?)?;
    m.add_function(wrap_pyfunction!(extensive_request, m)?)?;
    m.add_function(wrap_pyfunction!(transcript_request, m)?)?;
    m.add_function(wrap_pyfunction!(batch_call_ids, m)?)?;
    m.add_function(wrap_pyfunction!(formats, m)?)?;
    Ok(())
}
