"""The stubs (python/gongkit.pyi, installed as gongkit/__init__.pyi) match the
runtime: the same names, the same parameters (names, kinds, defaults), and
TypedDicts whose keys are the keys the functions return. As the npm
package's types are checked against its runtime (tests/js/types-runtime.test.mjs)."""

import ast
import inspect
import json
from pathlib import Path
from typing import Any, Dict, List, Set, Tuple

import pytest

import gongkit
from table import read

STUB = Path(__file__).resolve().parent.parent.parent / "python" / "gongkit.pyi"
TREE = ast.parse(STUB.read_text(encoding="utf-8"))


def stub_functions() -> Dict[str, ast.FunctionDef]:
    return {n.name: n for n in TREE.body if isinstance(n, ast.FunctionDef)}


def stub_classes() -> Dict[str, ast.ClassDef]:
    return {n.name: n for n in TREE.body if isinstance(n, ast.ClassDef)}


def stub_all() -> List[str]:
    for node in TREE.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise AssertionError("the stub has no __all__")


def typed_dict_keys(name: str) -> Tuple[Set[str], Set[str]]:
    """(required, optional) keys of a TypedDict of the stub."""
    cls = stub_classes()[name]
    total = all(not (k.arg == "total" and isinstance(k.value, ast.Constant) and k.value.value is False) for k in cls.keywords)
    required, optional = set(), set()
    for node in cls.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            not_required = isinstance(node.annotation, ast.Subscript) and ast.unparse(node.annotation.value) == "NotRequired"
            (required if total and not not_required else optional).add(node.target.id)
    return required, optional


def check_keys(name: str, value: Dict[str, Any]) -> None:
    required, optional = typed_dict_keys(name)
    assert required <= set(value), f"{name}: missing {required - set(value)}"
    assert set(value) <= required | optional, f"{name}: not in the stub: {set(value) - required - optional}"


def test_the_same_names() -> None:
    assert sorted(stub_all()) == sorted(gongkit.__all__)
    runtime_functions = {n for n in gongkit.__all__ if callable(getattr(gongkit, n)) and not isinstance(getattr(gongkit, n), type)}
    assert runtime_functions == set(stub_functions())


@pytest.mark.parametrize("name", sorted(stub_functions()))
def test_the_same_parameters(name: str) -> None:
    stub = stub_functions()[name]
    runtime = inspect.signature(getattr(gongkit, name))
    a = stub.args
    positional = a.posonlyargs + a.args
    defaults: List[Any] = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    expected = [(p.arg, inspect.Parameter.POSITIONAL_OR_KEYWORD, d) for p, d in zip(positional, defaults)]
    expected += [(p.arg, inspect.Parameter.KEYWORD_ONLY, d) for p, d in zip(a.kwonlyargs, a.kw_defaults)]
    assert [p.name for p in runtime.parameters.values()] == [e[0] for e in expected]
    for (pname, kind, default), param in zip(expected, runtime.parameters.values()):
        assert param.kind == kind, pname
        if default is None:
            assert param.default is inspect.Parameter.empty, f"{pname} has a default at runtime only"
        else:
            assert param.default == ast.literal_eval(default), pname


def test_the_error_class_and_the_constant() -> None:
    cls = stub_classes()["GongkitError"]
    assert [ast.unparse(b) for b in cls.bases] == ["ValueError"]
    assert any(isinstance(n, ast.AnnAssign) and ast.unparse(n.target) == "path" for n in cls.body)
    assert issubclass(gongkit.GongkitError, ValueError)
    assert hasattr(gongkit.GongkitError("x"), "path")
    constant = next(n for n in TREE.body if isinstance(n, ast.AnnAssign) and ast.unparse(n.target) == "DOCUMENT_VERSION")
    assert ast.unparse(constant.annotation) == "int"
    assert isinstance(gongkit.DOCUMENT_VERSION, int)


def test_the_literal_formats_are_the_runtime_formats() -> None:
    def literal(node: ast.AST) -> Set[str]:
        return {e.value for e in ast.walk(node) if isinstance(e, ast.Constant) and isinstance(e.value, str)}

    format_info = next(n for n in stub_classes()["FormatInfo"].body if isinstance(n, ast.AnnAssign) and ast.unparse(n.target) == "name")
    assert literal(format_info.annotation) == {f["name"] for f in gongkit.formats()}
    alias = next(n for n in TREE.body if isinstance(n, ast.Assign) and ast.unparse(n.targets[0]) == "FormatName")
    for name in literal(alias.value):
        gongkit.format_transcript('[{"sentences": [{"start": 0, "end": 900, "text": "a"}]}]', format=name)  # type: ignore[arg-type]


def test_typed_dicts_have_the_runtime_keys() -> None:
    for f in gongkit.formats():
        check_keys("FormatInfo", dict(f))
    for name in ("acme-discovery", "globex-renewal", "internal-sync", "imported-call", "two-hour"):
        extensive = read(f"calls/{name}.extensive.json")
        transcript = read(f"calls/{name}.transcript.json")
        call: Dict[str, Any] = dict(gongkit.normalize_call(extensive, transcript))
        check_keys("NormalizedCall", call)
        if call["account"] is not None:
            check_keys("Account", call["account"])
        for p in call["participants"]:
            check_keys("Participant", p)
        if call["summary"] is not None:
            summary = call["summary"]
            check_keys("Summary", summary)
            for s in summary.get("outline", []):
                check_keys("OutlineSection", s)
                for item in s["items"]:
                    check_keys("OutlineItem", item)
            for h in summary.get("highlights", []):
                check_keys("HighlightsSection", h)
                for item in h["items"]:
                    check_keys("HighlightItem", item)
            if "callOutcome" in summary:
                check_keys("CallOutcome", summary["callOutcome"])
        for chunk in gongkit.chunk_document(extensive, transcript, max_chars=500):
            check_keys("Chunk", dict(chunk))
    body = gongkit.extensive_request(call_ids=["1"], preset="callView", cursor="c")
    check_keys("ExtensiveRequest", dict(body))
    check_keys("CallsFilter", dict(body["filter"]))
    check_keys("TranscriptRequest", dict(gongkit.transcript_request(from_date_time="2024-01-01T00:00:00Z")))


def test_the_return_types() -> None:
    """Each function's result is of the type its stub returns."""
    returns = {name: ast.unparse(f.returns) for name, f in stub_functions().items() if f.returns}
    transcript = read("calls/acme-discovery.transcript.json")
    extensive = read("calls/acme-discovery.extensive.json")
    samples = {
        "account_from_email": gongkit.account_from_email("x@acme.com"),
        "account_from_parties": gongkit.account_from_parties(json.loads(extensive)["calls"][0]["parties"]),
        "call_date": gongkit.call_date(0),
        "format_transcript": gongkit.format_transcript(transcript),
        "normalize_call": gongkit.normalize_call(extensive),
        "call_document": gongkit.call_document(extensive),
        "chunk_transcript": gongkit.chunk_transcript(transcript, max_chars=200),
        "chunk_document": gongkit.chunk_document(extensive, max_chars=200),
        "extensive_request": gongkit.extensive_request(),
        "transcript_request": gongkit.transcript_request(),
        "batch_call_ids": gongkit.batch_call_ids(["1"]),
        "formats": gongkit.formats(),
    }
    assert set(samples) == set(returns)
    kinds = {
        "str": str,
        "Optional[str]": (str, type(None)),
        "NormalizedCall": dict,
        "List[Chunk]": list,
        "ExtensiveRequest": dict,
        "TranscriptRequest": dict,
        "List[List[str]]": list,
        "List[FormatInfo]": list,
    }
    for name, value in samples.items():
        assert isinstance(value, kinds[returns[name]]), f"{name}: {type(value)} for {returns[name]}"


def test_mypy_refuses_wrong_uses() -> None:
    """The stubs have teeth: mypy --strict flags misuse a user could make."""
    from mypy import api

    wrong = """
import gongkit
gongkit.format_transcript(42)
gongkit.format_transcript("[]", format="docx")
gongkit.format_transcript("[]", timestamps="yes")
gongkit.chunk_transcript("[]")
call = gongkit.normalize_call("{}")
call["acount"]
n: int = gongkit.call_date("0")
gongkit.transcript_request(preset="callView")
"""
    out, _, status = api.run(["--strict", "--no-incremental", "-c", wrong])
    assert status == 1, out
    for line in (3, 4, 5, 6, 8, 9, 10):
        assert f"<string>:{line}: error" in out, out
