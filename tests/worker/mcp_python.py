"""The Worker's MCP endpoint with the official Python SDK (pip `mcp`).

Run by tests/worker/mcp-clients.test.mjs against a Worker it started (Miniflare,
the Gong simulator, a synced library):

    python tests/worker/mcp_python.py <mcp url> <bearer token> <expected json>

For each connect mode ("auto", "2026-07-28", "legacy") it lists the tools and
calls each one once with valid arguments, checking what comes back; it prints
one JSON line per mode ({"mode", "version", "tools", "calls"}) and exits
non-zero on the first failure.
"""

from __future__ import annotations

import asyncio
import json
import sys

import httpx2
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client

TOOLS = [
    "find_calls_by_account",
    "get_account_calls",
    "get_call",
    "get_call_document",
    "get_participant_calls",
    "get_transcript",
    "list_accounts",
    "list_calls",
    "search_calls",
]


def text(result, tool: str) -> str:
    assert not result.is_error, f"{tool}: {result.content}"
    assert result.content, f"{tool}: no content"
    first = result.content[0]
    assert first.type == "text", f"{tool}: {first.type}"
    return first.text


async def exercise(url: str, token: str, mode: str, expected: dict) -> dict:
    acme = expected["acme"]
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        async with Client(streamable_http_client(url, http_client=http), mode=mode, cache=None) as client:
            version = client.protocol_version
            info = client.server_info
            # A pinned mode adopts its version without asking the server (no
            # server/discover), so it knows no serverInfo.
            if mode in ("auto", "legacy"):
                assert info is not None and info.name == "gongkit", info
                assert "get_call_document" in (client.instructions or ""), client.instructions
            listed = await client.list_tools()
            names = sorted(t.name for t in listed.tools)
            assert names == TOOLS, names
            for tool in listed.tools:
                assert tool.input_schema["type"] == "object", tool.name
                assert len(tool.description or "") > 80, tool.name

            calls = {}
            r = await client.call_tool("search_calls", {"q": "monitoring tools", "limit": 5})
            found = json.loads(text(r, "search_calls"))
            assert acme in [h["callId"] for h in found["hits"]], found
            calls["search_calls"] = len(found["hits"])

            r = await client.call_tool("list_accounts", {"limit": 5})
            accounts = json.loads(text(r, "list_accounts"))["accounts"]
            assert accounts and all(a["name"] for a in accounts), accounts
            calls["list_accounts"] = len(accounts)

            r = await client.call_tool("get_account_calls", {"account": accounts[0]["name"], "limit": 3})
            account_calls = json.loads(text(r, "get_account_calls"))["calls"]
            assert 0 < len(account_calls) <= 3, account_calls
            calls["get_account_calls"] = len(account_calls)

            r = await client.call_tool("get_participant_calls", {"participant": "jose.muller@acme.co.uk"})
            by_person = json.loads(text(r, "get_participant_calls"))
            assert acme in [c["id"] for c in by_person["calls"]], by_person
            calls["get_participant_calls"] = by_person["count"]

            r = await client.call_tool(
                "find_calls_by_account",
                {"account": "acme corp", "from": "2024-03-01T00:00:00Z", "to": "2024-04-01T00:00:00Z"},
            )
            by_account = json.loads(text(r, "find_calls_by_account"))
            assert [c["id"] for c in by_account["calls"]] == [acme], by_account
            calls["find_calls_by_account"] = by_account["count"]

            r = await client.call_tool(
                "list_calls", {"from": "2024-01-01T00:00:00Z", "to": "2024-01-03T00:00:00Z", "limit": 5}
            )
            listing = json.loads(text(r, "list_calls"))
            assert listing["calls"] and all(c["id"].isdigit() for c in listing["calls"]), listing
            calls["list_calls"] = len(listing["calls"])

            r = await client.call_tool("get_call", {"callId": acme})
            details = json.loads(text(r, "get_call"))
            assert details["id"] == acme and details["transcript"] is None, details
            calls["get_call"] = details["title"]

            r = await client.call_tool("get_call_document", {"callId": acme})
            assert text(r, "get_call_document") == expected["document"]
            calls["get_call_document"] = len(expected["document"])

            r = await client.call_tool("get_transcript", {"callId": acme})
            assert text(r, "get_transcript") == expected["transcript"]
            calls["get_transcript"] = len(expected["transcript"])

            # A failure is a tool result the model can read, not an exception.
            r = await client.call_tool("get_call_document", {"callId": "1234567"})
            assert r.is_error and "Gong has no call 1234567" in r.content[0].text, r
            return {"mode": mode, "version": version, "tools": names, "calls": calls}


async def main() -> None:
    url, token, expected_path = sys.argv[1:4]
    with open(expected_path, encoding="utf-8") as f:
        expected = json.load(f)
    for mode in ("auto", "2026-07-28", "legacy"):
        print(json.dumps(await exercise(url, token, mode, expected)), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
