"""The HTTP protocol bordergeo serves with (api.server) writes what uvicorn writes, a response in one write.

The reference is uvicorn's own request/response cycle: each response below goes through both cycles over a
transport that records its writes; the bytes on the wire must be equal, and ours must be written head and
first body part together. A real server then answers pipelined and HEAD requests on one raw socket.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

import pytest
from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.httptools_impl import RequestResponseCycle

from api.server import OneWriteCycle


class Recorder(asyncio.Transport):
    """A transport that keeps every write and whether it was closed (and, in ``events``, in what order)."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False
        self.events: list[str] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if data:  # an empty write sends nothing, as on a real transport
            self.writes.append(bytes(data))
            self.events.append("write")

    def close(self) -> None:
        self.closed = True
        self.events.append("close")

    def is_closing(self) -> bool:
        return self.closed

    def get_write_buffer_size(self) -> int:
        return 0


def _messages(body: list[bytes], length: bool, status: int = 200) -> list[dict[str, Any]]:
    headers = [(b"content-type", b"application/json")]
    if length:
        headers.append((b"content-length", str(sum(map(len, body))).encode()))
    start = {"type": "http.response.start", "status": status, "headers": headers}
    parts = [{"type": "http.response.body", "body": b, "more_body": k < len(body) - 1} for k, b in enumerate(body)]
    return [start, *parts]


def _run(cls: type[RequestResponseCycle], messages: list[dict[str, Any]], method: str = "GET",
         keep_alive: bool = True, leave_after: int | None = None) -> Recorder:
    """``messages`` sent through a ``cls`` cycle; the client disconnects after message ``leave_after``."""
    transport = Recorder()
    scope = {"type": "http", "method": method, "path": "/", "headers": [], "http_version": "1.1"}
    # uvicorn's protocol, called back when the response is complete, starts the next pipelined request unless
    # the connection is closing by then
    cycle = cls(scope=scope, transport=transport, flow=FlowControl(transport), logger=logging.getLogger("t"),
                access_logger=logging.getLogger("t.access"), access_log=False,
                default_headers=[(b"server", b"t")], message_event=asyncio.Event(), expect_100_continue=False,
                keep_alive=keep_alive,
                on_response=lambda: transport.events.append("complete, closing" if transport.closed else "complete"))

    async def app(scope: Any, receive: Any, send: Any) -> None:
        for k, m in enumerate(messages):
            await send(m)
            if k == leave_after:
                cycle.disconnected = True  # as the protocol's connection_lost sets it

    asyncio.run(cycle.run_asgi(app))
    return transport


@pytest.mark.parametrize(("messages", "method", "keep_alive", "writes"), [
    (_messages([b'{"a":1}'], length=True), "GET", True, (1, 2)),
    (_messages([b'{"a":1}'], length=True), "HEAD", True, (1, 1)),  # HEAD: no body is written, the head still is
    (_messages([b""], length=True, status=304), "GET", True, (1, 1)),
    (_messages([b'{"a":1}'], length=True), "GET", False, (1, 2)),  # Connection: close after the one write
    (_messages([b"x" * 70_000], length=True), "GET", True, (1, 2)),
    (_messages([b"[1,", b"2,", b"3]"], length=False), "GET", True, (3, 4)),  # chunked: head + first chunk
    (_messages([b"[1,", b"2]"], length=True), "GET", True, (2, 3)),
], ids=["get", "head", "304", "close", "large", "chunked", "streamed-length"])
def test_one_write_cycle_writes_what_uvicorn_writes(messages: list[dict[str, Any]], method: str, keep_alive: bool,
                                                    writes: tuple[int, int]) -> None:
    theirs = _run(RequestResponseCycle, messages, method, keep_alive)
    ours = _run(OneWriteCycle, messages, method, keep_alive)
    assert b"".join(ours.writes) == b"".join(theirs.writes)
    assert ours.closed == theirs.closed == (not keep_alive)
    assert (len(ours.writes), len(theirs.writes)) == writes
    # a connection that closes is closed, its bytes written, before the response counts as complete (else the
    # protocol would start the next pipelined request on it), as with uvicorn's cycle
    assert [e for e in ours.events if e != "write"] == [e for e in theirs.events if e != "write"]
    if not keep_alive:
        assert ours.events == ["write", "close", "complete, closing"]


def test_a_client_gone_after_the_head_gets_nothing_more() -> None:
    """uvicorn drops what is sent after the client left: the kept head is dropped with it, without an error."""
    messages = _messages([b'{"a":1}'], length=True)
    theirs = _run(RequestResponseCycle, messages, leave_after=0)
    ours = _run(OneWriteCycle, messages, leave_after=0)
    assert len(theirs.writes) == 1 and theirs.writes[0].startswith(b"HTTP/1.1 200")  # the head went before
    assert ours.writes == [] and ours.events == []


def test_pipelined_and_head_requests_on_one_connection(api_url: str) -> None:
    """Three requests in one send: three complete responses in order, the HEAD one without a body."""
    host, port = api_url.removeprefix("http://").split(":")
    reqs = b"".join(f"{m} {p} HTTP/1.1\r\nHost: x\r\n\r\n".encode() for m, p in
                    [("GET", "/conformance"), ("HEAD", "/collections/cities/items?limit=2"),
                     ("GET", "/collections/cities/items/nope")])
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(reqs)
        data = b""
        while data.count(b"HTTP/1.1 ") < 3 or not data.endswith(b"}"):
            chunk = s.recv(65536)
            assert chunk, data[-300:]
            data += chunk
    responses = data.split(b"HTTP/1.1 ")[1:]
    assert [r[:3] for r in responses] == [b"200", b"200", b"404"]
    head_response = responses[1]
    assert head_response.endswith(b"\r\n\r\n")  # HEAD: the head only, though its content-length is the page's
    length = int(next(line.split(b":")[1] for line in head_response.split(b"\r\n")
                      if line.lower().startswith(b"content-length")))
    assert length > 100
    first = responses[0]
    head, _, body = first.partition(b"\r\n\r\n")
    assert b"conformsTo" in body and len(body) == int(
        next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))


def test_a_closing_response_ends_the_connection_before_a_pipelined_request(api_url: str) -> None:
    """HTTP/1.0 is answered with Connection: close: the request pipelined behind it is not answered."""
    host, port = api_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(b"GET /conformance HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                  b"GET /collections HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):  # until the server closes
            data += chunk
    assert data.count(b"HTTP/1.1 ") == 1 and data.startswith(b"HTTP/1.1 200")
    assert b"connection: close" in data.lower() and data.rstrip().endswith(b"}")
