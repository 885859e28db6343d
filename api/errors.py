"""OGC exception responses: every error the service returns is ``{"code", "description"}`` JSON.

Domain errors (``geo.errors``) carry their HTTP status and OGC code; framework errors (unknown route,
wrong method, request validation) are mapped here too, so a client never sees a bare 422 or an HTML 500.
Only 5xx are logged with a traceback: 4xx are the client's business.
"""

from __future__ import annotations

import logging

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from geo.errors import BorderGeoError, InvalidParameterError, NotFoundError

log = logging.getLogger("bordergeo.api")

JSON = "application/json"


class NotAcceptableError(BorderGeoError):
    """No representation of the resource matches ``f`` or the Accept header."""

    http_status = 406
    ogc_code = "NotAcceptable"


class UnknownParameterError(InvalidParameterError):
    """A query parameter the operation does not define."""


class RouteNotFoundError(NotFoundError):
    """No resource at this path (an unknown URL, map or asset)."""


_STATUS_CODES = {400: "InvalidParameterValue", 404: "NotFound", 405: "MethodNotAllowed", 406: "NotAcceptable"}


def error_body(code: str, description: str) -> bytes:
    """The OGC exception JSON document."""
    return orjson.dumps({"code": code, "description": description})


def error_response(status: int, code: str, description: str, headers: dict[str, str] | None = None) -> Response:
    """An OGC exception response with ``status``."""
    extra = {"Cache-Control": "no-cache", **(headers or {})}
    return Response(error_body(code, description), status_code=status, media_type=JSON, headers=extra)


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BorderGeoError)
    status = exc.http_status
    if status >= 500:
        log.error("%s %s failed: %s", request.method, request.url.path, exc, exc_info=exc)
        return error_response(status, exc.ogc_code, "internal error; the server log has the details")
    return error_response(status, exc.ogc_code, str(exc))


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return error_response(400, "InvalidParameterValue", "; ".join(parts) or "invalid request")


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
    return error_response(status, code, description, dict(exc.headers or {}))


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return error_response(500, "ServerError", "internal error; the server log has the details")


def install(app: FastAPI) -> None:
    """Register the handlers that turn every exception into an OGC exception response."""
    app.add_exception_handler(BorderGeoError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
