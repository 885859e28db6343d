"""One GET through an ASGI app in process, with the scope uvicorn would give it (no sockets)."""

from __future__ import annotations

from typing import Any


async def asgi_get(app: Any, path: str) -> int:
    """One GET of ``path`` ("/p?q") through the whole ASGI stack of ``app``; its status."""
    raw, _, query = path.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": raw, "raw_path": raw.encode(), "query_string": query.encode(), "root_path": "",
             "headers": [(b"host", b"127.0.0.1:8000"), (b"accept", b"*/*")], "server": ("127.0.0.1", 8000),
             "client": ("127.0.0.1", 5000)}
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status
