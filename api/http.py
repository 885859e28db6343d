"""The pure-ASGI front of the service: response cache, ETag/304, gzip/brotli, Cache-Control and CORS.

Builds are immutable, so a GET response is a function of the build and the request key (scheme, host,
path, sorted query string, Accept): its ETag is a hash of that key, known before anything is rendered, so a
revalidation is a 304 without entering FastAPI, and every worker agrees on it. The front reads the served
build once per request and pins it in the ASGI scope (``bordergeo.sources``), so a request is answered
wholly by one build even while a new one is swapped in.

Real clients mostly send distinct URLs (panning, paging), so a response is stored only when its key is seen
a second time (a bounded "doorkeeper" of key hashes remembers first sightings) and when it is at most a
quarter of the budget: a miss costs a dictionary lookup and a hash, and the cache holds what is asked again.
Every response, cached or not, gets its HTTP headers here, so the routes only produce bodies.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import brotli
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body, error_response, wants_html
from api.i18n import from_accept_language

log = logging.getLogger("bordergeo.api")
Headers = list[tuple[bytes, bytes]]
_COMPRESSIBLE = (b"json", b"text/", b"javascript", b"xml", b"csv", b"svg", b"vnd.mapbox-vector-tile")
_MIN_COMPRESS = 512
_ENCODINGS = (b"br", b"gzip")
#: longest path + query served (bytes); api.server refuses longer request heads before they reach the app
MAX_URL = 16 * 1024


@dataclass
class Entry:
    """A rendered response: status, the app's headers, identity body and compressed variants."""

    status: int
    headers: Headers
    body: bytes
    etag: bytes | None = None
    last_modified: bytes | None = None
    compressible: bool = False
    stored: bool = False
    variants: dict[bytes, bytes] = field(default_factory=dict)
    prepared: dict[bytes, tuple[Headers, bytes]] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """Bytes held (bodies only)."""
        return len(self.body) + sum(len(v) for v in self.variants.values())


@dataclass
class RequestHeaders:
    """The headers of a request that the front and the routes read: the first of each, as Starlette's
    ``headers.get`` (a cache key and a page must read a repeated header the same way). One parse per request
    (:func:`request_headers`)."""

    host: bytes = b""
    accept: bytes = b""
    accept_encoding: bytes = b""
    accept_language: bytes = b""
    if_none_match: bytes | None = None
    if_modified_since: bytes | None = None
    origin: bytes | None = None
    preflight: bool = False

    @classmethod
    def of(cls, scope: Scope) -> RequestHeaders:
        req = cls()
        for name, value in reversed(scope["headers"]):  # the last assignment wins: the first header
            if name == b"host":
                req.host = value
            elif name == b"accept":
                req.accept = value
            elif name == b"accept-encoding":
                req.accept_encoding = value
            elif name == b"accept-language":
                req.accept_language = value
            elif name == b"if-none-match":
                req.if_none_match = value
            elif name == b"if-modified-since":
                req.if_modified_since = value
            elif name == b"origin":
                req.origin = value
            elif name == b"access-control-request-method":
                req.preflight = True
        return req


def request_headers(scope: Scope) -> RequestHeaders:
    """The request's :class:`RequestHeaders`, parsed on first use and kept in its scope."""
    found: RequestHeaders | None = scope.get("bordergeo.headers")
    if found is None:
        found = scope["bordergeo.headers"] = RequestHeaders.of(scope)
    return found


class ResponseCache:
    """ASGI middleware answering repeated GET/HEAD requests from stored bytes (see module docstring)."""

    def __init__(self, app: ASGIApp, origins: tuple[str, ...], max_age: int, max_bytes: int,
                 current: Callable[[], Any] | None = None, max_seen: int = 65_536,
                 fast: Callable[[Scope], Awaitable[Response | None]] | None = None) -> None:
        self.app = app
        #: answers the busiest GET routes without the framework (api.fast), or None to let the app answer
        self.fast = fast
        #: the served sources (an ``api.source.Sources``), read once per request
        self.current: Callable[[], Any] = current or (lambda: None)
        #: hashes of keys seen once and not stored (LRU, at most ``max_seen``: ~100 bytes each)
        self.seen: OrderedDict[int, None] = OrderedDict()
        self.max_seen = max_seen
        self.any_origin = "*" in origins
        self.origins = {o.encode() for o in origins}
        self.cache_control = f"public, max-age={max_age}".encode()
        self.max_bytes = max_bytes
        self.max_entry = max_bytes // 4
        self.entries: OrderedDict[tuple[Any, ...], Entry] = OrderedDict()
        self.bytes = 0
        self._encodings: dict[bytes, bytes | None] = {}
        self._languages: dict[bytes, str] = {}
        # HTML pages follow Accept-Language (api.i18n): caches must keep the languages apart
        self.vary = b"Accept, Accept-Encoding, Accept-Language" + (b"" if self.any_origin else b", Origin")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        req = request_headers(scope)
        if len(scope.get("raw_path") or scope["path"]) + len(scope["query_string"]) > MAX_URL:
            await self._too_long(scope, req, send)
            return
        method = scope["method"]
        if method == "OPTIONS" and req.preflight and req.origin is not None:
            await self._preflight(req, send)
            return
        if method not in ("GET", "HEAD"):
            await self._passthrough(scope, receive, send, req)
            return
        sources = self.current()
        scope["bordergeo.sources"] = sources
        key = (getattr(sources, "build_id", ""), scope.get("scheme"), req.host, scope.get("root_path", ""),
               scope["path"], _canonical(scope["query_string"]), req.accept, self._language(req.accept_language))
        entry = self.entries.get(key)
        if entry is None:
            etag = hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest().encode()
            if req.if_none_match is not None and _matches(req.if_none_match, etag):
                await self._not_modified_early(etag, req, send)
                return
            entry = await self._render(scope, receive, etag)
            if self._admit(key, entry):
                self._store(key, entry)
        else:
            self.entries.move_to_end(key)
        await self._respond(entry, req, method == "HEAD", send)

    def _admit(self, key: tuple[Any, ...], entry: Entry) -> bool:
        """Store only what is asked a second time, fits a quarter of the budget, and may be stored."""
        if entry.status != 200 or len(entry.body) > self.max_entry:
            return False
        h = hash(key)
        if h in self.seen:
            del self.seen[h]
            return True
        self.seen[h] = None
        if len(self.seen) > self.max_seen:
            self.seen.popitem(last=False)
        return False

    async def _not_modified_early(self, etag: bytes, req: RequestHeaders, send: Send) -> None:
        """304 for a tag this build gave for this key (the body would be the same), without rendering."""
        headers = [(b"etag", b'"' + etag + b'"'), (b"vary", self.vary), (b"cache-control", self.cache_control)]
        await send({"type": "http.response.start", "status": 304, "headers": headers + self._cors(req)})
        await send({"type": "http.response.body", "body": b""})

    async def _render(self, scope: Scope, receive: Receive, etag: bytes) -> Entry:
        """Run the app for a GET and capture its response."""
        if self.fast is not None:
            response = await self.fast(scope)
            if response is not None:
                return self._entry(response.status_code, list(response.raw_headers), bytes(response.body), etag)
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app({**scope, "method": "GET"}, receive, capture)
        except Exception:  # the app's error handler already logged it and (usually) rendered a 500
            if not start:
                return Entry(500, [(b"content-type", b"application/json")],
                             error_body("ServerError", "internal error; the server log has the details"))
        return self._entry(int(start.get("status", 500)), list(start.get("headers", [])), b"".join(chunks), etag)

    def _entry(self, status: int, raw: Headers, body: bytes, etag: bytes) -> Entry:
        headers = [(k, v) for k, v in raw if k not in (b"content-length", b"etag", b"vary")]
        ctype = next((v for k, v in headers if k == b"content-type"), b"")
        entry = Entry(status, headers, body)
        entry.compressible = len(body) >= _MIN_COMPRESS and any(t in ctype for t in _COMPRESSIBLE)
        if status == 200:
            entry.etag = etag
            entry.last_modified = next((v for k, v in headers if k == b"last-modified"), None)
            if not any(k == b"cache-control" for k, _ in headers):
                headers.append((b"cache-control", self.cache_control))
        return entry

    def _store(self, key: tuple[Any, ...], entry: Entry) -> None:
        if any(k == b"cache-control" and b"no-store" in v for k, v in entry.headers):
            return
        entry.stored = True
        self.entries[key] = entry
        self.bytes += entry.size
        self._evict()

    def _evict(self) -> None:
        while self.bytes > self.max_bytes and self.entries:
            _, old = self.entries.popitem(last=False)
            old.stored = False
            self.bytes -= old.size

    async def _respond(self, entry: Entry, req: RequestHeaders, head: bool, send: Send) -> None:
        if entry.etag is not None and self._not_modified(entry, req):
            headers = [(b"etag", b'"' + entry.etag + b'"'), (b"vary", self.vary),
                       *[(k, v) for k, v in entry.headers if k in (b"cache-control", b"last-modified")]]
            await send({"type": "http.response.start", "status": 304, "headers": headers + self._cors(req)})
            await send({"type": "http.response.body", "body": b""})
            return
        encoding = self._encoding(req.accept_encoding) if entry.compressible else None
        headers, body = self._prepared(entry, encoding or b"")
        await send({"type": "http.response.start", "status": entry.status, "headers": headers + self._cors(req)})
        await send({"type": "http.response.body", "body": b"" if head else body})

    def _prepared(self, entry: Entry, encoding: bytes) -> tuple[Headers, bytes]:
        """Headers and body of ``entry`` in ``encoding`` (b"" for identity), built once per entry."""
        found = entry.prepared.get(encoding)
        if found is not None:
            return found
        body = entry.body
        if encoding:
            body = entry.variants.get(encoding) or _compress(entry.body, encoding)
            if encoding not in entry.variants and entry.stored:
                entry.variants[encoding] = body
                self.bytes += len(body)
                self._evict()
        headers = [*entry.headers, (b"content-length", str(len(body)).encode())]
        if encoding:
            headers.append((b"content-encoding", encoding))
        if entry.compressible or entry.etag is not None:
            headers.append((b"vary", self.vary))
        if entry.etag is not None:
            suffix = b"-" + encoding if encoding else b""
            headers.append((b"etag", b'"' + entry.etag + suffix + b'"'))
        entry.prepared[encoding] = (headers, body)
        return headers, body

    def _not_modified(self, entry: Entry, req: RequestHeaders) -> bool:
        if req.if_none_match is not None:
            assert entry.etag is not None
            return _matches(req.if_none_match, entry.etag)
        return req.if_modified_since is not None and req.if_modified_since == entry.last_modified

    def _language(self, accept_language: bytes) -> str:
        """The page language an Accept-Language header asks for (memoized per header value, like encodings)."""
        if accept_language not in self._languages:
            if len(self._languages) > 256:
                self._languages.clear()
            self._languages[accept_language] = from_accept_language(accept_language.decode("latin-1"))
        return self._languages[accept_language]

    def _encoding(self, accept_encoding: bytes) -> bytes | None:
        """br, else gzip, if the client accepts it (q > 0); memoized per header value."""
        if accept_encoding in self._encodings:
            return self._encodings[accept_encoding]
        accepted = set()
        for part in accept_encoding.lower().split(b","):
            name, _, params = part.strip().partition(b";")
            if params.replace(b" ", b"") not in (b"q=0", b"q=0.0", b"q=0.00", b"q=0.000"):
                accepted.add(name.strip())
        choice = next((e for e in _ENCODINGS if e in accepted), None)
        if len(self._encodings) < 256:
            self._encodings[accept_encoding] = choice
        return choice

    def _cors(self, req: RequestHeaders) -> Headers:
        if self.any_origin:
            return [(b"access-control-allow-origin", b"*"), (b"access-control-expose-headers", _EXPOSE)]
        if req.origin is not None and req.origin in self.origins:
            return [(b"access-control-allow-origin", req.origin), (b"access-control-expose-headers", _EXPOSE)]
        return []

    async def _preflight(self, req: RequestHeaders, send: Send) -> None:
        headers = self._cors(req)
        if headers:
            headers += [(b"access-control-allow-methods", b"GET, HEAD, OPTIONS"),
                        (b"access-control-allow-headers", b"Accept, Accept-Encoding, If-None-Match, "
                                                          b"If-Modified-Since, Content-Type"),
                        (b"access-control-max-age", b"86400")]
        headers += [(b"vary", b"Origin"), (b"content-length", b"0")]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    async def _too_long(self, scope: Scope, req: RequestHeaders, send: Send) -> None:
        """414 for a URL longer than MAX_URL (longer heads are refused by api.server before the app)."""
        query = scope["query_string"].decode("latin-1")[:64]  # f=html comes early if at all; no full parse
        response = error_response(414, "URITooLong", f"the URL exceeds {MAX_URL} bytes; send a shorter query",
                                  as_html=wants_html(query, req.accept.decode("latin-1")))
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
        await send({"type": "http.response.start", "status": 414, "headers": headers + self._cors(req)})
        await send({"type": "http.response.body", "body": response.body})

    async def _passthrough(self, scope: Scope, receive: Receive, send: Send, req: RequestHeaders) -> None:
        cors = self._cors(req)

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *cors]}
            await send(message)

        await self.app(scope, receive, with_cors)


_EXPOSE = b"ETag, Content-Crs, Link, Content-Disposition"


def _matches(if_none_match: bytes, etag: bytes) -> bool:
    """True when an If-None-Match list names ``etag`` (any encoding variant, weak or strong) or ``*``."""
    for tag in if_none_match.split(b","):
        tag = tag.strip().removeprefix(b"W/").strip(b'"')
        if tag == b"*" or tag.split(b"-")[0] == etag:
            return True
    return False


def _canonical(query: bytes) -> bytes:
    """The query string with its parameters sorted (order does not change the answer)."""
    if b"&" not in query:
        return query
    return b"&".join(sorted(query.split(b"&")))


def _compress(body: bytes, encoding: bytes) -> bytes:
    if encoding == b"br":
        return bytes(brotli.compress(body, quality=5))
    return gzip.compress(body, compresslevel=6, mtime=0)
