"""Sign-in with the official Python MCP SDK's own OAuth (pip `mcp`): its
`OAuthClientProvider` discovers the Worker's authorization server, registers
itself with its defaults (no `token_endpoint_auth_method`), sends the person
to sign in, exchanges the code and calls a tool.

Run by tests/worker/oauth.test.mjs against `wrangler dev` with sign-in on:

    python tests/worker/mcp_python_oauth.py <mcp url> <redirect uri> <call id>

The browser part is the test's: this prints `{"authorize": <url>}` and
reads back, on stdin, the URL the person was sent back to. Then it prints
one JSON line with what the SDK registered as and what the tool answered,
and exits non-zero on the first failure.
"""

from __future__ import annotations

import asyncio
import json
import sys
from urllib.parse import parse_qs, urlparse

import httpx2
from mcp.client import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken


class Memory:
    """The SDK's TokenStorage, in memory."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


async def main() -> None:
    url, redirect, call_id = sys.argv[1:4]
    back: dict[str, str] = {}

    async def redirect_handler(authorization_url: str) -> None:
        print(json.dumps({"authorize": authorization_url}), flush=True)
        line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        back["url"] = line.strip()

    async def callback_handler() -> AuthorizationCodeResult:
        query = parse_qs(urlparse(back["url"]).query)
        assert "error" not in query, back["url"]
        return AuthorizationCodeResult(
            code=query["code"][0],
            state=query.get("state", [None])[0],
            iss=query.get("iss", [None])[0],
        )

    storage = Memory()
    # The SDK's defaults: no token_endpoint_auth_method asked for.
    metadata = OAuthClientMetadata(
        client_name="gongkit python sdk test",
        redirect_uris=[redirect],
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
    )
    oauth = OAuthClientProvider(
        server_url=url,
        client_metadata=metadata,
        storage=storage,
        redirect_handler=redirect_handler,
        callback_handler=callback_handler,
    )
    async with httpx2.AsyncClient(auth=oauth, timeout=60) as http:
        async with Client(streamable_http_client(url, http_client=http), mode="legacy", cache=None) as client:
            listed = await client.list_tools()
            result = await client.call_tool("get_call", {"callId": call_id})
            assert not result.is_error, result.content
            call = json.loads(result.content[0].text)
    assert storage.client is not None and storage.tokens is not None
    print(
        json.dumps(
            {
                "authMethod": storage.client.token_endpoint_auth_method,
                "hasSecret": bool(storage.client.client_secret),
                "refreshToken": bool(storage.tokens.refresh_token),
                "tools": len(listed.tools),
                "call": call["id"],
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    asyncio.run(main())
