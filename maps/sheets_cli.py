"""The ``bordergeo sheets`` command: printable PDF and PNG sheets of the current build."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from geo.errors import InvalidParameterError
from layers.cli import settings_from
from layers.i18n import LANGS, Lang

DEFAULT_OUT = Path("sheets-out")


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``sheets`` command to the bordergeo CLI."""
    p = sub.add_parser("sheets", parents=[common], help=cmd_sheets.__doc__)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help=f"directory to write the sheets into (default ./{DEFAULT_OUT}; replaced as a whole)")
    # checked in cmd_sheets, not by argparse choices: a bad value gets the one-line bordergeo error
    p.add_argument("--lang", help="only this language: en or es (default both)")
    p.add_argument("--port", action="append", metavar="CODE",
                   help="only the overview and this port's sheets (a port_code of the ports layer; repeatable)")
    p.set_defaults(func=cmd_sheets)


def cmd_sheets(args: argparse.Namespace) -> int:
    """Render PDF and 300-dpi PNG sheets (overview and every port, or --port ones; Letter and A4 landscape)."""
    langs = _langs(args.lang)
    from maps.sheets import render_sheets  # matplotlib loads only when sheets are rendered

    settings = settings_from(args)
    ports = tuple(dict.fromkeys(args.port)) if args.port else None
    result = render_sheets(settings.current, args.out, langs, ports)
    print(f"sheets: {len(result.files)} files in {result.out_dir} ({result.seconds:.1f} s)")
    return 0


def _langs(value: str | None) -> tuple[Lang, ...]:
    if value is None:
        return LANGS
    for lang in LANGS:
        if value == lang:
            return (lang,)
    raise InvalidParameterError(f"unknown language '{value}': use one of {', '.join(LANGS)}")
