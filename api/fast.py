"""The busiest routes (items, item, tiles) answered without the framework's routing and dependency machinery.

Real clients send distinct URLs (panning, paging, following links), so most requests miss the response cache
and go through Starlette's middleware, the router's regexes and FastAPI's dependency solver, which cost more
than finding and joining pre-serialized features. This table maps those paths straight to the same route
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

from api import errors, features, tiles
from api.dependencies import Ctx, context_of

Handler = Callable[[Ctx, re.Match[str]], Awaitable[Response]]

#: the busiest paths, matched as the framework's routes match them (on the decoded path, each parameter one
#: path segment), and the route functions that answer them
_ROUTES: tuple[tuple[re.Pattern[str], Handler], ...] = (
    (re.compile(r"/collections/([^/]+)/items"), lambda c, m: features.items(m[1], c)),
    (re.compile(r"/collections/([^/]+)/items/([^/]+)"), lambda c, m: features.item(m[1], m[2], c)),
    (re.compile(r"/tiles/([^/]+)/([^/]+)/([^/]+)/([^/]+)"), lambda c, m: tiles.tile(c, m[1], m[2], m[3], m[4], None)),
    (re.compile(r"/collections/([^/]+)/tiles/([^/]+)/([^/]+)/([^/]+)/([^/]+)"),
     lambda c, m: tiles.tile(c, m[2], m[3], m[4], m[5], m[1])),
)

FastRoute = Callable[[Scope], Awaitable[Response | None]]


def routes(app: ASGIApp) -> FastRoute:
    """The fast table of ``app``: a coroutine giving the response of a GET it serves, or None."""

    async def route(scope: Scope) -> Response | None:
        path: str = scope["path"]
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root):]
        for pattern, handler in _ROUTES:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            # Starlette put itself in the scope before its middleware (the front among them) ran
            request = Request(scope if scope.get("app") is app else {**scope, "app": app})
            try:
                return await handler(context_of(request), match)
            except Exception as exc:  # the framework's handlers, the same status and body
                return await errors.response_for(request, exc)
        return None

    return route
