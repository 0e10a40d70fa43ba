"""Property tests (hypothesis): formatting never drops a sentence's text, and a
transcript given as str, bytes or a parsed dict/list gives the same output
(or the same error)."""

import json
from typing import Any, Dict, List, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gongkit

# Sentence text with the whitespace and Unicode that Gong's ASR produces, and
# any printable character (no control or separator characters other than
# the spaces, tabs and newlines drawn on purpose: Python's and Rust's ideas
# of whitespace differ on a few of those).
printable = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Zs"))
text = st.one_of(
    st.none(),
    st.just(""),
    st.text(alphabet=st.one_of(st.sampled_from(" \t\n"), printable), max_size=40),
    st.text(alphabet=st.sampled_from(list("abcXYZ019éü日本<>&\"'.,?! \n")), max_size=40),
)
time = st.one_of(st.none(), st.integers(0, 10_000_000))
sentence = st.fixed_dictionaries({"start": time, "end": time, "text": text})
monologue = st.fixed_dictionaries(
    {
        "speakerId": st.one_of(st.none(), st.from_regex(r"[0-9]{1,3}", fullmatch=True)),
        "topic": st.one_of(st.none(), st.just(""), st.from_regex(r"[A-Za-z ]{1,12}", fullmatch=True)),
        "sentences": st.lists(sentence, max_size=6),
    }
)
monologues = st.lists(monologue, max_size=12)


def normalize(s: str) -> str:
    return " ".join(s.split())


def shaped(ms: List[Dict[str, Any]], shape: int) -> Any:
    """The monologues in each shape a transcript comes in."""
    if shape == 0:
        return ms
    if shape == 1:
        return {"callId": "7", "transcript": ms}
    return {"callTranscripts": [{"callId": "7", "transcript": ms}]}


def outcome(f: Any) -> Any:
    try:
        return ("ok", f())
    except gongkit.GongkitError as e:
        return ("error", str(e), e.path)


@settings(max_examples=300, deadline=None)
@given(monologues, st.booleans(), st.booleans(), st.integers(0, 2))
def test_formatting_never_drops_text(ms: List[Dict[str, Any]], merge: bool, timestamps: bool, shape: int) -> None:
    texts = [normalize(s["text"] or "") for m in ms for s in m["sentences"]]
    texts = [t for t in texts if t]
    doc = json.dumps(shaped(ms, shape), ensure_ascii=False)
    if not texts:
        with pytest.raises(gongkit.GongkitError, match="no usable monologue"):
            gongkit.format_transcript(doc, merge=merge, timestamps=timestamps)
        return
    out = gongkit.format_transcript(doc, merge=merge, timestamps=timestamps)
    rest = out
    for t in texts:
        at = rest.find(t)
        assert at >= 0, f"{t!r} missing from {out!r}"
        rest = rest[at + len(t) :]


@settings(max_examples=300, deadline=None)
@given(
    monologues,
    st.booleans(),
    st.booleans(),
    st.integers(0, 2),
    st.sampled_from([f["name"] for f in gongkit.formats()]),
    st.one_of(st.none(), st.just("7"), st.just("99")),
)
def test_str_bytes_and_objects_give_the_same_output(
    ms: List[Dict[str, Any]], merge: bool, timestamps: bool, shape: int, format: Any, call_id: Optional[str]
) -> None:
    doc = shaped(ms, shape)
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    options: Dict[str, Any] = {"format": format, "merge": merge, "timestamps": timestamps, "call_id": call_id}
    from_str = outcome(lambda: gongkit.format_transcript(text, **options))
    assert outcome(lambda: gongkit.format_transcript(text.encode(), **options)) == from_str
    assert outcome(lambda: gongkit.format_transcript(doc, **options)) == from_str
    if format in ("plain", "markdown") and from_str[0] == "ok":
        chunks = gongkit.chunk_transcript(text, max_chars=200, **options)
        assert gongkit.chunk_transcript(doc, max_chars=200, **options) == chunks
        assert gongkit.chunk_transcript(text.encode(), max_chars=200, **options) == chunks


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60), st.binary(max_size=60))
def test_arbitrary_input_raises_only_gongkit_errors(s: str, b: bytes) -> None:
    for value in (s, b):
        try:
            gongkit.format_transcript(value)
        except gongkit.GongkitError:
            pass
        try:
            gongkit.normalize_call(value)
        except gongkit.GongkitError:
            pass
    try:
        gongkit.call_date(s, utc_offset_minutes=len(b) * 100)
    except gongkit.GongkitError:
        pass
    try:
        gongkit.account_from_email(s)
    except gongkit.GongkitError:
        pass
