"""What every route needs from a request: the served sources, settings, base URL, parameters, link helpers."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import parse_qs, quote, urlencode

from fastapi import Depends, Request
from starlette.responses import Response

from api import html, i18n
from api.http import request_headers
from api.i18n import LANGS, Lang
from api.params import Params
from api.settings import ApiSettings
from api.source import Sources
from geo.errors import InvalidParameterError


@dataclass(frozen=True)
class Ctx:
    """One request's view of the service: ``sources`` is read once, so a request never mixes two builds."""

    sources: Sources
    settings: ApiSettings
    base: str
    path: str
    params: Params
    accept: str | None
    lang: Lang = "en"  # of HTML pages: ?lang= or Accept-Language (api.i18n)
    lang_query: str | None = None  # ?lang= as given: kept on every link so a reader stays in that language

    def url(self, path: str, params: Params | None = None, **changes: str | None) -> str:
        """Absolute URL of ``path`` with ``params`` (``changes`` replace or, when None, remove values).

        Parameters are written sorted by name, so a body never depends on the order a client sent them in
        (the front's ETag is a hash of the sorted query: equal tags must mean equal bytes).
        """
        merged: dict[str, list[str]] = {k: list(v) for k, v in (params or {}).items()}
        for name, value in changes.items():
            name = _ALIASES.get(name, name)
            if value is None:
                merged.pop(name, None)
            else:
                merged[name] = [value]
        if self.lang_query and "lang" not in changes:
            merged["lang"] = [self.lang_query]
        query = urlencode(sorted(merged.items()), doseq=True, quote_via=quote, safe=",:/")
        return f"{self.base}{path}" + (f"?{query}" if query else "")

    def self_url(self, **changes: str | None) -> str:
        """This request's URL, with ``changes`` applied to its query (as :meth:`url` writes it).

        A page links to itself several times (self, alternates, next, prev): each parameter is encoded once
        per request and only the changed ones again.
        """
        pieces = self._pieces
        if changes:
            pieces = pieces.copy()
            for name, value in changes.items():
                name = _ALIASES.get(name, name)
                if value is None:
                    pieces.pop(name, None)
                else:
                    pieces[name] = _encode(name, [value])
        if not pieces:
            return f"{self.base}{self.path}"
        return f"{self.base}{self.path}?" + "&".join([pieces[name] for name in sorted(pieces)])

    @property
    def _pieces(self) -> dict[str, str]:
        """Each query parameter of this request (and ``lang``), URL-encoded as :meth:`url` writes it; made on
        first use (a plain attribute: ``functools.cached_property`` takes a lock on every read)."""
        pieces: dict[str, str] | None = self.__dict__.get("_pieces_")
        if pieces is None:
            pieces = {name: _encode(name, values) for name, values in self.params.items()}
            if self.lang_query:
                pieces["lang"] = _encode("lang", [self.lang_query])
            object.__setattr__(self, "_pieces_", pieces)
        return pieces


#: keyword spellings of the hyphenated parameter names
_ALIASES = {"bbox_crs": "bbox-crs", "filter_lang": "filter-lang", "filter_crs": "filter-crs"}
_SAFE = ",:/"


def _encode(name: str, values: list[str]) -> str:
    """``name=value`` pairs as ``urlencode(..., doseq=True, quote_via=quote, safe=_SAFE)`` writes them."""
    key = _quoted(name)
    if len(values) == 1:  # nearly always: without the generator
        return f"{key}={_value(values[0])}"
    return "&".join(f"{key}={_value(value)}" for value in values)


def _value(value: str) -> str:
    return _quoted(value) if len(value) <= 32 else quote(value, safe=_SAFE)


@lru_cache(maxsize=4096)
def _quoted(text: str) -> str:
    """A short query name or value, quoted (names, offsets, limits and formats repeat on every page)."""
    return quote(text, safe=_SAFE)


async def ctx(request: Request) -> Ctx:
    """The request context (FastAPI dependency; async, because FastAPI runs a plain ``def`` dependency in a
    thread pool, and that hop cost more than the whole route on the busiest paths)."""
    return context_of(request)


def context_of(request: Request) -> Ctx:
    """The request context of ``request`` (its scope must carry ``app``, as Starlette sets it)."""
    scope = request.scope
    settings: ApiSettings = request.app.state.settings
    headers = request_headers(scope)  # as the front read them (api.http): the cache key agrees with the page
    host = headers.host.decode("latin-1") or None
    accept = headers.accept.decode("latin-1") or None
    accept_language = headers.accept_language.decode("latin-1") or None
    base = settings.base_url.rstrip("/") if settings.base_url else _base_url(request, host)
    params = parse_query(scope.get("query_string", b"").decode("latin-1"))
    # the front (api.http) pinned the build this request is answered from; read app.state only without it
    sources = scope.get("bordergeo.sources") or request.app.state.sources
    # ``lang`` applies to every operation (it only changes HTML pages), so it never reaches check_params
    lang_values = params.pop("lang", None)
    if lang_values is not None and (len(lang_values) > 1 or lang_values[0] not in LANGS):
        raise InvalidParameterError(f"lang: give one of {', '.join(LANGS)}")
    lang_query = lang_values[0] if lang_values else None
    lang = i18n.negotiate(lang_query, accept_language)
    return Ctx(sources, settings, base, _url_path(scope["path"]), params, accept, lang, lang_query)


def parse_query(query: str) -> dict[str, list[str]]:
    """``parse_qs(query, keep_blank_values=True)``; without escapes, split by hand (most pages' queries)."""
    if "%" in query or "+" in query:
        return parse_qs(query, keep_blank_values=True, encoding="utf-8", errors="replace")
    params: dict[str, list[str]] = {}
    for pair in query.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            params.setdefault(name, []).append(value)
    return params


def _url_path(path: str) -> str:
    """``request.url.path`` without building the URL: Starlette escapes these three characters of the path."""
    return path.replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")


CtxDep = Annotated[Ctx, Depends(ctx)]
_bases: dict[tuple[Any, ...], str] = {}


def _base_url(request: Request, host: str | None) -> str:
    """Starlette's base URL of the request, without its trailing slash; remembered per scheme, server, Host and
    root path (the only parts of a request it depends on), since building it is a good part of a small page."""
    scope = request.scope
    server = scope.get("server")
    key = (scope.get("scheme"), tuple(server) if server else None, scope.get("root_path"), scope.get("app_root_path"),
           host)
    found = _bases.get(key)
    if found is None:
        found = str(request.base_url).rstrip("/")
        if len(_bases) < 256:  # Host headers are the client's choice: bounded
            _bases[key] = found
    return found


def link(href: str, rel: str, media: str, title: str) -> dict[str, Any]:
    """An OGC link object."""
    return {"href": href, "rel": rel, "type": media, "title": title}


def render_page(c: Ctx, template: str, title: str, links: list[dict[str, Any]], crumbs: list[tuple[str, str]],
                **context: Any) -> Response:
    """An HTML page in the request's language; its header links to this resource as JSON and to ``links``."""
    lang = c.lang
    crumbs = [(i18n.tr(name, lang), _with_lang(href, c)) for name, href in crumbs]
    context.update(_table_context(c, context))
    other = "es" if lang == "en" else "en"
    body = html.render(template, title=i18n.tr(title, lang), base=c.base, links=links, crumbs=crumbs,
                       build_id=c.sources.build_id, json_url=c.self_url(f="json", lang=None),
                       context_url=_context_url(c, context.get("cid")), lang=lang,
                       other_lang=other, other_url=c.self_url(lang=other), q=_lang_query(c), **context)
    return respond(body, "text/html", c)


def _table_context(c: Ctx, context: dict[str, Any]) -> dict[str, Any]:
    """For a page of one collection: its key columns (the name first), numeric columns, and the neighbours' URL."""
    cid = context.get("cid")
    if not cid or cid not in c.sources:
        return {}
    spec = c.sources[cid].spec
    columns = context.get("columns") or spec.property_names
    key = [spec.title_field] if spec.title_field and spec.title_field in columns else []
    numeric = [p.name for p in spec.properties if p.type in ("integer", "number")]
    # the map of one feature draws the features around it (api.js adds the bbox once it knows the feature)
    neighbours = f"{c.base}/collections/{cid}/items?f=json&limit=200"
    labels = {name: i18n.prop_label(name, c.lang) for name in spec.property_names}  # the map's popups
    return {"key_columns": key, "numeric_columns": numeric, "neighbours_url": neighbours, "prop_labels": labels}


def _lang_query(c: Ctx) -> str:
    """What the templates append to their own links ('&lang=es') to keep a ``?lang=`` reader in that language."""
    return f"&lang={c.lang_query}" if c.lang_query else ""


def _with_lang(href: str, c: Ctx) -> str:
    return href + _lang_query(c) if c.lang_query and "lang=" not in href else href


def _context_url(c: Ctx, collection_id: str | None) -> str:
    """GeoJSON of the context layer (role "context"), drawn under the features of other layers on HTML maps."""
    context = next((s for s in c.sources.with_role("context") if s.spec.id != collection_id), None)
    if context is None:
        return ""
    # ids only: the map draws the outline, the properties would only add bytes
    spec = context.spec
    return f"{c.base}/collections/{spec.id}/items?f=json&limit={len(context)}&properties={spec.id_field}"


def respond(body: bytes, media: str, c: Ctx, headers: dict[str, str] | None = None) -> Response:
    """A 200 response; caching, ETag, compression and CORS headers are added by api.http."""
    extra = {"Last-Modified": c.sources.last_modified, "X-Build": c.sources.build_id, **(headers or {})}
    return Response(body, media_type=media, headers=extra)  # Starlette adds charset=utf-8 to text/*
