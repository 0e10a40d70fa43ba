"""The shared fixture table, every case, through the Python package."""

import json
from typing import Any

import pytest

import gongkit
from table import CASES, expected_file, python_words, read, run

KINDS = ["str", "bytes", "object"]


def variant_cases() -> Any:
    for call in CASES["calls"]:
        for variant_name in call["variants"]:
            yield pytest.param(call, variant_name, id=f"{call['name']}.{variant_name}")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("call", "variant_name"), list(variant_cases()))
def test_outputs_match_expected_files(call: Any, variant_name: str, kind: str) -> None:
    name = call["name"]
    extensive = read(f"calls/{name}.extensive.json")
    transcript = read(f"calls/{name}.transcript.json")
    variant = CASES["variants"][variant_name]
    fn = variant["fn"]
    options = dict(variant["options"])
    if fn in ("formatTranscript", "chunkTranscript"):
        out = run(fn, transcript, options=options, parties_from=extensive, kind=kind)
    else:
        options["internalDomains"] = call["internalDomains"]
        out = run(fn, extensive, transcript, options=options, kind=kind)
    expected = read(expected_file(name, variant_name))
    if isinstance(out, str):
        assert out == expected
    else:
        assert out == json.loads(expected)


def test_the_table_checks_enough_outputs() -> None:
    assert sum(len(c["variants"]) for c in CASES["calls"]) >= 45


def test_every_format_of_formats_has_a_variant() -> None:
    exercised = {
        v["options"].get("format", "plain") for v in CASES["variants"].values() if v["fn"] == "formatTranscript"
    }
    assert exercised == {f["name"] for f in gongkit.formats()}


@pytest.mark.parametrize("call", CASES["calls"], ids=lambda c: c["name"])
def test_accounts_and_dates_of_the_fixture_calls(call: Any) -> None:
    data = json.loads(read(f"calls/{call['name']}.extensive.json"))["calls"][0]
    assert gongkit.account_from_parties(data.get("parties", []), internal_domains=call["internalDomains"]) == call["account"]
    meta = data["metaData"]
    when = meta.get("scheduled", meta.get("started"))
    assert gongkit.call_date(when) == call["date"]


@pytest.mark.parametrize("case", CASES["dates"], ids=lambda c: json.dumps(c["input"]))
def test_the_date_table(case: Any) -> None:
    offset = case.get("utcOffsetMinutes")
    if "error" in case:
        with pytest.raises(gongkit.GongkitError) as err:
            gongkit.call_date(case["input"], utc_offset_minutes=offset)
        assert str(err.value) == python_words(case["error"])
        assert err.value.path is None
    else:
        assert gongkit.call_date(case["input"], utc_offset_minutes=offset) == case["expected"]


@pytest.mark.parametrize("case", CASES["emails"], ids=lambda c: c["email"])
def test_the_email_table(case: Any) -> None:
    internal = case.get("internalDomains")
    if "error" in case:
        with pytest.raises(gongkit.GongkitError) as err:
            gongkit.account_from_email(case["email"], internal_domains=internal)
        assert str(err.value) == python_words(case["error"])
    else:
        assert gongkit.account_from_email(case["email"], internal_domains=internal) == case.get("expected")


@pytest.mark.parametrize("case", CASES["errors"], ids=lambda c: f"{c['fn']}:{json.dumps(c.get('input'))[:60]}")
def test_the_bad_input_table(case: Any) -> None:
    with pytest.raises(gongkit.GongkitError) as err:
        run(case["fn"], case.get("input"), case.get("transcript"), case.get("options", {}))
    assert str(err.value) == python_words(case["error"])
    # The path, when there is one, is where the message says the error is.
    path = err.value.path
    if path:
        assert str(err.value).startswith(f"{path}: ")


def test_messages_speak_json() -> None:
    import re

    rust = re.compile(r"\b(?:[iu](?:8|16|32|64|128|size)|f32|f64|sequence|unit value)\b|expected a map|invalid type: map")
    rewritten = 0
    assert len(CASES["errors"]) >= 30
    for case in CASES["errors"]:
        with pytest.raises(gongkit.GongkitError) as err:
            run(case["fn"], case.get("input"), case.get("transcript"), case.get("options", {}))
        assert not rust.search(str(err.value)), str(err.value)
        rewritten += str(err.value) != case["error"]
    assert rewritten > 0


def test_bad_inputs_as_bytes_and_objects_give_the_same_messages() -> None:
    compared = 0
    for case in CASES["errors"]:
        text = case.get("input")
        if not isinstance(text, str):
            continue
        want = python_words(case["error"])
        with pytest.raises(gongkit.GongkitError) as err:
            run(case["fn"], text, case.get("transcript"), case.get("options", {}), kind="bytes")
        assert str(err.value) == want
        try:
            parsed = json.loads(text)
        except ValueError:
            continue  # not JSON: only text can carry it
        # A str argument is JSON text, so a JSON string has no object form;
        # numbers, null and the wrong container are TypeErrors.
        if not isinstance(parsed, (dict, list)):
            continue
        object_only = case["fn"] in ("normalizeCall", "callDocument", "chunkDocument", "extensive")
        if object_only and isinstance(parsed, list):
            continue
        # Objects go through json.dumps: the same document, compact; a
        # syntax error's position differs from the original text's.
        if json.dumps(parsed, separators=(",", ":"), ensure_ascii=False) != text and " at line " in want:
            continue
        with pytest.raises(gongkit.GongkitError) as err:
            run(case["fn"], text, case.get("transcript"), case.get("options", {}), kind="object")
        assert str(err.value) == want, text
        compared += 1
    assert compared >= 25, compared


@pytest.mark.parametrize("case", CASES["requests"], ids=lambda c: c["fn"])
def test_request_bodies(case: Any) -> None:
    assert run(case["fn"], case.get("input"), options=case.get("options")) == case["expected"]
