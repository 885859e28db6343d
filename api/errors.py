"""OGC exception responses: every error is ``{"code", "description"}`` JSON, or an HTML page for HTML clients.

HTTP lives here, not in ``geo``: :data:`STATUS` maps each domain error class (``geo.errors``) to an HTTP
status and OGC exception code (most specific class first). Framework errors (unknown route, wrong method,
request validation) are mapped too, so a client never sees a bare 422 or an HTML 500. A request that asks
for HTML (``f=html``, or an Accept header preferring text/html, as browsers send) gets the same status with
an HTML page. Only 5xx are logged with a traceback: 4xx are the client's business.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qs

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from api import html
from geo.errors import BorderGeoError, InvalidParameterError, NotFoundError
from layers.pgload import DatabaseError

log = logging.getLogger("bordergeo.api")

JSON = "application/json"


class NotAcceptableError(BorderGeoError):
    """No representation of the resource matches ``f`` or the Accept header."""


class UnknownParameterError(InvalidParameterError):
    """A query parameter the operation does not define."""


class RouteNotFoundError(NotFoundError):
    """No resource at this path (an unknown URL, map or asset)."""


#: domain error class -> (HTTP status, OGC exception code); the first class an error is an instance of wins
STATUS: tuple[tuple[type[BorderGeoError], int, str], ...] = (
    (InvalidParameterError, 400, "InvalidParameterValue"),
    (NotFoundError, 404, "NotFound"),
    (NotAcceptableError, 406, "NotAcceptable"),
    (DatabaseError, 503, "ServiceUnavailable"),
    (BorderGeoError, 500, "ServerError"),
)
_STATUS_CODES = {400: "InvalidParameterValue", 404: "NotFound", 405: "MethodNotAllowed", 406: "NotAcceptable",
                 414: "URITooLong"}
_TITLES = {400: "Bad request", 404: "Not found", 405: "Method not allowed", 406: "Not acceptable",
           414: "URI too long", 500: "Server error", 503: "Service unavailable"}


def status_of(exc: BorderGeoError) -> tuple[int, str]:
    """The HTTP status and OGC exception code of a domain error."""
    return next((status, code) for cls, status, code in STATUS if isinstance(exc, cls))


def error_body(code: str, description: str) -> bytes:
    """The OGC exception JSON document."""
    return orjson.dumps({"code": code, "description": description})


def wants_html(query: str, accept: str | None) -> bool:
    """True when a request asks for HTML: ``f=html``, or (without ``f``) Accept ranks text/html first."""
    f = parse_qs(query, keep_blank_values=True).get("f")
    if f:
        return f[0] == "html"
    if not accept:
        return False
    first = accept.split(",")[0].split(";")[0].strip().lower()
    return first in ("text/html", "application/xhtml+xml")


def error_response(status: int, code: str, description: str, headers: dict[str, str] | None = None,
                   as_html: bool = False, base: str = "") -> Response:
    """An OGC exception response with ``status`` (an HTML page with the same status when ``as_html``)."""
    extra = {"Cache-Control": "no-cache", **(headers or {})}
    if as_html:
        return Response(error_page(status, code, description, base), status_code=status, media_type="text/html",
                        headers=extra)
    return Response(error_body(code, description), status_code=status, media_type=JSON, headers=extra)


def error_page(status: int, code: str, description: str, base: str = "", build_id: str = "") -> bytes:
    """The HTML error page: status, OGC code and description, with links back into the service."""
    title = f"{status} {_TITLES.get(status, 'Error')}"
    return html.render("error.html", title=title, base=base, links=[], crumbs=[], build_id=build_id,
                       json_url=f"{base}/?f=json", context_url="", status=status, code=code, description=description)


def _for(request: Request, status: int, code: str, description: str,
         headers: dict[str, str] | None = None) -> Response:
    query = request.scope.get("query_string", b"").decode("latin-1")
    settings = getattr(request.app.state, "settings", None)
    base = (settings.base_url if settings is not None and settings.base_url else str(request.base_url)).rstrip("/")
    as_html = wants_html(query, request.headers.get("accept"))
    return error_response(status, code, description, headers, as_html, base)


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BorderGeoError)
    status, code = status_of(exc)
    if status >= 500:
        log.error("%s %s failed: %s", request.method, request.url.path, exc, exc_info=exc)
        return _for(request, status, code, "internal error; the server log has the details")
    return _for(request, status, code, str(exc))


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return _for(request, 400, "InvalidParameterValue", "; ".join(parts) or "invalid request")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    code = _STATUS_CODES.get(status, "HTTPError")
    if status == 404:
        description = f"no resource at {request.url.path}; the API is described at /openapi.json"
    elif status == 405:
        description = f"method {request.method} is not allowed on {request.url.path}"
    else:
        description = str(exc.detail)
    return _for(request, status, code, description, dict(exc.headers or {}))


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return _for(request, 500, "ServerError", "internal error; the server log has the details")


async def response_for(request: Request, exc: Exception) -> Response:
    """The response the installed handlers give ``exc`` (for routes served outside the framework, api.fast)."""
    if isinstance(exc, BorderGeoError):
        return await _domain_error(request, exc)
    return await _unexpected(request, exc)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every exception into an OGC exception response."""
    app.add_exception_handler(BorderGeoError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
