"""The HTTP protocol bordergeo serves with: httptools, an OGC 414 for oversized requests, one write per response.

uvicorn answers a request whose request line or headers overflow its parser with a plain-text 400 before
the application sees it. Clients (and OGC conformance) expect ``414 URI Too Long`` with the usual OGC JSON
body, so when the parser gives up after more bytes than :data:`MAX_HEAD` without finishing the head, this
protocol answers that instead. Shorter URLs that are still too long are refused by ``api.http`` (414 too).

uvicorn writes a response's status line and headers, then its body, as two socket writes; on loopback and
behind a proxy each write is a full trip through the network stack, and the head write cost more than
joining a page of features. :class:`OneWriteCycle` holds the head and writes it with the first body part.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol, RequestResponseCycle

from api.errors import error_body

#: bytes of request head (request line + headers) past which a parser failure means "too long"
MAX_HEAD = 16 * 1024
TOO_LONG = error_body("URITooLong", f"the request line or headers exceed {MAX_HEAD} bytes; send a shorter "
                                    "query (e.g. a smaller filter, or POST-free paging via the next links)")


class OgcHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, answering an oversized request head with an OGC 414."""

    _head_bytes = 0
    _in_head = True

    def data_received(self, data: bytes) -> None:
        """Count head bytes, then parse as uvicorn does; a parser failure past MAX_HEAD gets a 414."""
        if self._in_head:
            self._head_bytes += len(data)
        if self._head_bytes <= MAX_HEAD:
            super().data_received(data)
            return
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self._send_414()
        except httptools.HttpParserUpgrade:
            self._unsupported_upgrade_warning()

    def on_message_begin(self) -> None:
        """A new request: its head is being read."""
        super().on_message_begin()
        self._in_head = True

    def on_headers_complete(self) -> None:
        """The head is complete: later bytes are the body or the next request."""
        self._in_head = False
        self._head_bytes = 0
        super().on_headers_complete()
        if type(self.cycle) is RequestResponseCycle:  # made just now (not an upgrade); its task has not run yet
            self.cycle.__class__ = OneWriteCycle

    def _send_414(self) -> None:
        head = [STATUS_LINE[414]]
        for name, value in self.server_state.default_headers:
            head.extend([name, b": ", value, b"\r\n"])
        head.extend([b"content-type: application/json\r\n", b"content-length: %d\r\n" % len(TOO_LONG),
                     b"connection: close\r\n", b"\r\n", TOO_LONG])
        self.transport.write(b"".join(head))
        self.transport.close()


class _Kept:
    """A transport stand-in for one ``send``: keeps what uvicorn writes (after ``head``, held from the start
    message), until :meth:`flush`, or until uvicorn closes the connection, which writes it all first."""

    def __init__(self, transport: Any, head: bytes | None) -> None:
        self.transport = transport
        self.parts: list[bytes] = [] if head is None else [head]
        self.closed = False

    def write(self, data: bytes) -> None:
        if data:
            self.parts.append(data)

    def flush(self) -> None:
        """Write what was kept, in one (vectored) write: a large body is not copied to join it to the head."""
        if self.parts:
            self.transport.writelines(self.parts)
            self.parts = []

    def close(self) -> None:
        # at once: uvicorn closes before it calls on_response, which must see the connection closing (or it
        # would start the next pipelined request on it)
        self.flush()
        self.closed = True
        self.transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)


class OneWriteCycle(RequestResponseCycle):
    """uvicorn's request/response cycle, writing the response head together with the first body part."""

    _head: bytes | None = None

    async def send(self, message: Any) -> None:
        """uvicorn's ``send``, its writes kept: the head until the first body message, which writes both."""
        if self.flow.write_paused and not self.disconnected:
            await self.flow.drain()  # as uvicorn would, but before the swap: nothing else awaits while kept
        transport = self.transport
        kept = _Kept(transport, self._head)
        self._head = None
        self.transport = cast(asyncio.Transport, kept)
        try:
            await super().send(message)
        finally:
            self.transport = transport
        if self.disconnected or kept.closed:  # the client left (uvicorn drops the response), or all is written
            return
        if message["type"] == "http.response.start":
            self._head = b"".join(kept.parts)
            return
        kept.flush()
