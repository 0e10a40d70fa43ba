#!/usr/bin/env python3
"""The reference's logic in Python (json.loads plus the same loops), timed on
the same input as the Rust benchmark. Prints one JSON line per case.

usage: python3 benches/reference.py [transcript.json] [extensive.json]
BENCH_SECONDS=… sets the time per case (default 2; at least 20 runs each).
"""
import json
import os
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "calls"


def format_transcript(raw):
    call_transcript = json.loads(raw)["callTranscripts"][0]
    lines = []
    for entry in call_transcript["transcript"]:
        speaker_id = entry["speakerId"]
        topic = entry.get("topic", "")
        text = " ".join(s["text"] for s in entry.get("sentences", []))
        if topic:
            lines.append(f"Speaker {speaker_id} ({topic}): {text}")
        else:
            lines.append(f"Speaker {speaker_id}: {text}")
    return "\n".join(lines)


def account_name(parties, internal="@seller.io"):
    for party in parties:
        email = party.get("emailAddress", "")
        if email and not email.endswith(internal):
            domain = email.split("@")[1]
            for tld in [".io", ".com", ".net", ".org", ".co"]:
                if domain.endswith(tld):
                    domain = domain[: -len(tld)]
                    break
            return domain.replace("-", " ").title()
    return None


def call_date(value):
    if isinstance(value, int) or value.isdigit():
        return datetime.fromtimestamp(int(value), timezone.utc).strftime("%Y-%m-%d")
    return datetime.fromisoformat(value.replace("Z", "+00:00")).strftime("%Y-%m-%d")


def normalize_call(raw_extensive, raw_transcript):
    call = json.loads(raw_extensive)["calls"][0]
    meta = call["metaData"]
    parties = call.get("parties", [])
    names = {p.get("speakerId"): p.get("name") for p in parties}
    transcript = format_transcript(raw_transcript)
    return {
        "id": meta["id"], "title": meta.get("title"), "date": call_date(meta["scheduled"]),
        "account": account_name(parties),
        "participants": [{"name": p.get("name"), "email": p.get("emailAddress")} for p in parties],
        "speakers": names, "transcript": transcript,
    }


def bench(name, fn, size, min_seconds=float(os.environ.get("BENCH_SECONDS", "2"))):
    fn()  # warm up
    samples, start = [], time.perf_counter()
    while time.perf_counter() - start < min_seconds or len(samples) < 20:
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    median = statistics.median(samples)
    print(json.dumps({"case": name, "median_ms": round(median * 1000, 4), "mb_per_s": round(size / median / 1e6, 1),
                      "runs": len(samples)}))


def main():
    tpath = Path(sys.argv[1]) if len(sys.argv) > 1 else FIXTURES / "two-hour.transcript.json"
    epath = Path(sys.argv[2]) if len(sys.argv) > 2 else FIXTURES / "two-hour.extensive.json"
    transcript, extensive = tpath.read_text(), epath.read_text()
    size = len(transcript.encode())
    bench("format_transcript", lambda: format_transcript(transcript), size)
    bench("normalize_call", lambda: normalize_call(extensive, transcript), size + len(extensive.encode()))


if __name__ == "__main__":
    main()
