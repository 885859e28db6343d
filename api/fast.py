"""The two busiest routes, items and item, answered without the framework's routing and dependency machinery.

Real clients send distinct URLs (panning, paging, following links), so most requests miss the response cache
and go through Starlette's middleware, the router's regexes and FastAPI's dependency solver, which cost more
than finding and joining pre-serialized features. This table maps those two paths straight to the same route
functions (``api.features``) with the same request context; everything else, and any request this table does
not recognise, goes through the framework as before. Errors get the same handlers' responses
(:func:`api.errors.response_for`), so both ways answer byte for byte alike (``tests/api/test_fast.py``).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Scope

from api import errors, features
from api.dependencies import context_of

#: ``/collections/{collection_id}/items`` and ``/collections/{collection_id}/items/{feature_id}``, as the
#: framework's routes match them (on the decoded path, each parameter one path segment)
_ITEMS = re.compile(r"/collections/([^/]+)/items(?:/([^/]+))?")

FastRoute = Callable[[Scope], Awaitable[Response | None]]


def routes(app: ASGIApp) -> FastRoute:
    """The fast table of ``app``: a coroutine giving the response of a GET it serves, or None."""

    async def route(scope: Scope) -> Response | None:
        path: str = scope["path"]
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root):]
        match = _ITEMS.fullmatch(path)
        if match is None:
            return None
        request = Request({**scope, "app": app})
        collection_id, feature_id = match.groups()
        try:
            c = context_of(request)
            if feature_id is None:
                return await features.items(collection_id, c)
            return await features.item(collection_id, feature_id, c)
        except Exception as exc:  # the framework's handlers, the same status and body
            return await errors.response_for(request, exc)

    return route
