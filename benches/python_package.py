#!/usr/bin/env python3
"""The Python package (gongkit, the Rust core through PyO3) timed as
benches/reference.py times the Python reference, on the same input: one JSON
line per case, for scripts/bench.

usage: python benches/python_package.py [transcript.json] [extensive.json]
"""
import sys
from pathlib import Path

import gongkit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference import FIXTURES, bench  # noqa: E402


def main():
    tpath = Path(sys.argv[1]) if len(sys.argv) > 1 else FIXTURES / "two-hour.transcript.json"
    epath = Path(sys.argv[2]) if len(sys.argv) > 2 else FIXTURES / "two-hour.extensive.json"
    transcript, extensive = tpath.read_text(), epath.read_text()
    raw = transcript.encode()
    size = len(raw)
    # The same call as the reference's: the text as str. CPython keeps a
    # str's UTF-8 once asked for it, so from the second call on this str's
    # is read in place (an ASCII str's always is).
    bench("py_format_transcript", lambda: gongkit.format_transcript(transcript), size)
    # A str never seen before (this one has characters beyond Latin-1, so
    # CPython encodes it to UTF-8 first): raw.decode() included.
    bench("py_format_transcript_fresh_str", lambda: gongkit.format_transcript(raw.decode()), size)
    # bytes, read in place (no str to encode first).
    bench("py_format_transcript_bytes", lambda: gongkit.format_transcript(raw), size)
    bench("py_normalize_call", lambda: gongkit.normalize_call(extensive, transcript), size + len(extensive.encode()))


if __name__ == "__main__":
    main()
