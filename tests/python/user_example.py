"""A user's script, type-checked with `mypy --strict` against the installed
package's stubs (scripts/test), and run by test_user_example.py: load a Gong
export, normalize every call, and summarize it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional, TypedDict

import gongkit
from gongkit import GongkitError

if TYPE_CHECKING:  # the result types exist in the stubs only
    from gongkit import Chunk, NormalizedCall

CALLS = Path(__file__).resolve().parent.parent / "fixtures" / "calls"


class Row(TypedDict):
    account: Optional[str]
    date: Optional[str]
    minutes: float
    talk_ratio: Optional[float]


def row(call: NormalizedCall) -> Row:
    """Account, date, duration and the customer's share of the talk time."""
    account = call["account"]
    talk: Dict[str, float] = {"Internal": 0.0, "External": 0.0}
    for p in call["participants"]:
        seconds = p.get("talkTimeSeconds")
        if seconds is not None and p["affiliation"] in talk:
            talk[p["affiliation"] or ""] += seconds
    total = talk["Internal"] + talk["External"]
    return Row(
        account=account["name"] if account else None,
        date=call["date"],
        minutes=(call["durationSeconds"] or 0) / 60,
        talk_ratio=talk["External"] / total if total else None,
    )


def main() -> List[Row]:
    rows: List[Row] = []
    for path in sorted(CALLS.glob("*.extensive.json")):
        transcript = path.with_name(path.name.replace(".extensive.", ".transcript."))
        call = gongkit.normalize_call(
            json.loads(path.read_text()),  # a dict, as json.loads gives it
            transcript.read_bytes(),  # or the JSON text itself: the fast path
            format="markdown",
            timestamps=True,
            internal_domains=["seller.io"],
        )
        rows.append(row(call))
        chunks: List[Chunk] = gongkit.chunk_document(path.read_text(), transcript.read_text(), max_chars=4000)
        assert all(len(c["text"]) <= 4000 for c in chunks)
    try:
        gongkit.format_transcript('{"callTranscripts": [{"transcript": [{"sentences": [{"start": "x"}]}]}]}')
    except GongkitError as e:
        where: Optional[str] = e.path
        assert where == "callTranscripts[0].transcript[0].sentences[0].start"
    names: List[str] = [f["name"] for f in gongkit.formats()]
    assert "srt" in names and gongkit.DOCUMENT_VERSION >= 1
    date: str = gongkit.call_date("2024-12-18T23:30:00Z", utc_offset_minutes=-480)
    assert date == "2024-12-18"
    batches: List[List[str]] = gongkit.batch_call_ids([str(i) for i in range(1000, 1250)])
    body = gongkit.extensive_request(call_ids=batches[0], preset="callView")
    assert len(body["filter"].get("callIds", [])) == 100
    return rows


if __name__ == "__main__":
    for r in main():
        print(r)
