"""HTML browse pages rendered with Jinja2 (templates in ``api/templates``, assets in ``api/static``).

Pages never inline feature geometries: the map on a page fetches the same resource as GeoJSON by URL.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.i18n import Lang, prop_label, tr

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["number"] = _number
    return env


def render(template: str, **context: Any) -> bytes:
    """The page ``template`` rendered with ``context`` in ``context["lang"]`` (English by default), as UTF-8 bytes.

    Templates write ``{{ _("English text") }}`` for page text and ``{{ label(name) }}`` for a property's label.
    """
    lang: Lang = context.setdefault("lang", "en")

    def translate(text: str, **values: object) -> str:
        return tr(text, lang, **values)

    context.setdefault("_", translate)
    context.setdefault("label", lambda name: prop_label(name, lang))
    context.setdefault("q", "")
    return _env().get_template(template).render(**context).encode()


def _number(value: Any) -> str:
    """Thousands separators for integers, up to 6 significant decimals for floats."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)
