"""The fixture table (tests/fixtures/cases.json) for the Python tests: the same
cases and expected files as the Rust tests (tests/fixtures.rs) and the npm
package's (tests/js/table.mjs), run through the Python package."""

import json
import re
from pathlib import Path
from typing import Any, Dict, Optional

import gongkit

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def read(path: str) -> str:
    return (FIXTURES / path).read_text(encoding="utf-8")


CASES: Dict[str, Any] = json.loads(read("cases.json"))


def snake(name: str) -> str:
    """A table option's camelCase name as the Python keyword: maxChars -> max_chars."""
    return re.sub(r"[A-Z]", lambda m: "_" + m.group(0).lower(), name)


def format_named(name: Optional[str]) -> Dict[str, Any]:
    """The package's format with this name; no name is the default, the first of formats()."""
    all_formats = gongkit.formats()
    if name is None:
        return dict(all_formats[0])
    for f in all_formats:
        if f["name"] == name:
            return dict(f)
    raise AssertionError(f"the fixture table names a format the package lacks: {name}")


def expected_file(call: str, variant_name: str) -> str:
    """The expected file's name for a call and variant, as tests/fixtures.rs names it."""
    variant = CASES["variants"][variant_name]
    fn = variant["fn"]
    if fn == "formatTranscript":
        ext = format_named(variant["options"].get("format"))["extension"]
    elif fn == "callDocument":
        ext = "txt"
    else:
        ext = "json"
    return f"expected/{call}.{variant_name}.{ext}"


def as_input(text: Any, kind: str) -> Any:
    """A JSON input as the test wants to pass it: "str" as it is, "bytes" its
    UTF-8, "object" what json.loads gives."""
    if text is None or not isinstance(text, str):
        return text
    if kind == "bytes":
        return text.encode("utf-8")
    if kind == "object":
        return json.loads(text)
    return text


def run(
    fn: str,
    input: Any = None,
    transcript: Optional[str] = None,
    options: Optional[Dict[str, Any]] = None,
    parties_from: Optional[str] = None,
    kind: str = "str",
) -> Any:
    """Runs one function of the table (named as in the npm package) through the
    Python package, as tests/fixtures.rs runs it through the Rust API."""
    o = dict(options or {})
    names = o.pop("names", None)
    max_chars = o.pop("maxChars", None)
    kw = {snake(k): v for k, v in o.items()}
    arg = lambda text: as_input(text, kind)  # noqa: E731
    if fn in ("formatTranscript", "chunkTranscript"):
        if names and parties_from:
            kw["parties"] = json.loads(parties_from)["calls"][0].get("parties")
        if fn == "chunkTranscript":
            return gongkit.chunk_transcript(arg(input), max_chars=max_chars or 0, **kw)
        return gongkit.format_transcript(arg(input), **kw)
    if names is not None:
        kw["names"] = names
    if fn == "extensive":
        return gongkit.normalize_call(arg(input))
    if fn == "normalizeCall":
        return gongkit.normalize_call(arg(input), arg(transcript), **kw)
    if fn == "callDocument":
        return gongkit.call_document(arg(input), arg(transcript), **kw)
    if fn == "chunkDocument":
        return gongkit.chunk_document(arg(input), arg(transcript), max_chars=max_chars or 0, **kw)
    if fn == "extensiveRequest":
        return gongkit.extensive_request(**kw)
    if fn == "transcriptRequest":
        return gongkit.transcript_request(**kw)
    if fn == "batchCallIds":
        return gongkit.batch_call_ids(input)
    raise AssertionError(f"unknown fn {fn}")


_WORDS = [
    (r"expected (?:i64|i32)\b", "expected an integer"),
    (r"expected (?:u64|u32|u16|u8|usize)\b", "expected a non-negative integer"),
    (r"expected f64\b", "expected a number"),
    (r"expected a sequence", "expected an array"),
    (r"expected a map", "expected an object"),
    (r"invalid type: map", "invalid type: object"),
    (r"invalid type: sequence", "invalid type: array"),
    (r"invalid type: unit value", "invalid type: null"),
    (r"invalid type: (?:floating point|integer)", "invalid type: number"),
    (r"invalid value: integer", "invalid value: number"),
]


def python_words(message: str) -> str:
    """The core's message as the Python package words it: serde's Rust type
    names in JSON's words (gongkit::json_words), and an argument's name as
    the Python keyword (`invalid maxChars` -> `invalid max_chars`)."""
    for rust, json_word in _WORDS:
        message = re.sub(rust, json_word, message)
    return re.sub(r"^invalid ([a-z]+[A-Z][A-Za-z]*):", lambda m: f"invalid {snake(m.group(1))}:", message)
