"""The ceiling: a bare ASGI app replaying recorded response bytes, under uvicorn with one worker.

``python bare_asgi.py BODIES_DIR PORT``: BODIES_DIR/index.json maps "path?query" to
``{"file": ..., "content_type": ...}``; each request for a recorded target gets those exact bytes, with
no routing framework, no parsing and no work: what one Python worker can serve at best here.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import uvicorn

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def load(bodies: Path) -> dict[str, tuple[list[tuple[bytes, bytes]], bytes]]:
    """Recorded responses by request target: (headers, body)."""
    index = json.loads((bodies / "index.json").read_text())
    table = {}
    for target, entry in index.items():
        body = (bodies / entry["file"]).read_bytes()
        headers = [(b"content-type", entry["content_type"].encode()),
                   (b"content-length", str(len(body)).encode())]
        table[target] = (headers, body)
    return table


def make_app(table: dict[str, tuple[list[tuple[bytes, bytes]], bytes]]) -> Callable[..., Awaitable[None]]:
    """An ASGI callable answering recorded targets (and ``/`` for the readiness probe)."""
    missing = ([(b"content-type", b"text/plain"), (b"content-length", b"9")], b"not found")
    ready = ([(b"content-type", b"text/plain"), (b"content-length", b"2")], b"ok")

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        query = scope["query_string"].decode("latin-1")
        target = scope["path"] + ("?" + query if query else "")
        headers, body = table.get(target) or (ready if target == "/" else missing)
        status = 200 if target in table or target == "/" else 404
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def main(argv: list[str]) -> int:
    """Serve the recorded bodies on 127.0.0.1:PORT until terminated."""
    app = make_app(load(Path(argv[1])))
    uvicorn.run(app, host="127.0.0.1", port=int(argv[2]), workers=1, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
