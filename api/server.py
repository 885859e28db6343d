"""The uvicorn HTTP protocol bordergeo serves with: httptools, plus an OGC 414 for oversized requests.

uvicorn answers a request whose request line or headers overflow its parser with a plain-text 400 before
the application sees it. Clients (and OGC conformance) expect ``414 URI Too Long`` with the usual OGC JSON
body, so when the parser gives up after more bytes than :data:`MAX_HEAD` without finishing the head, this
protocol answers that instead. Shorter URLs that are still too long are refused by ``api.http`` (414 too).
"""

from __future__ import annotations

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

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

    def _send_414(self) -> None:
        head = [STATUS_LINE[414]]
        for name, value in self.server_state.default_headers:
            head.extend([name, b": ", value, b"\r\n"])
        head.extend([b"content-type: application/json\r\n", b"content-length: %d\r\n" % len(TOO_LONG),
                     b"connection: close\r\n", b"\r\n", TOO_LONG])
        self.transport.write(b"".join(head))
        self.transport.close()
