"""The ``bordergeo maps`` command: render the maps of the current build into a directory."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from layers.cli import settings_from

DEFAULT_OUT = Path("maps-out")


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``maps`` command to the bordergeo CLI."""
    p = sub.add_parser("maps", parents=[common], help=cmd_maps.__doc__)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help=f"directory to write the maps into (default ./{DEFAULT_OUT}; replaced as a whole)")
    p.add_argument("--layer", dest="layers", action="append", metavar="ID",
                   help="render only this layer (repeatable; default every built layer)")
    p.add_argument("--no-basemap", dest="basemap", action="store_false",
                   help="leave out the OpenStreetMap basemap (no tile requests at all)")
    p.set_defaults(func=cmd_maps)


def cmd_maps(args: argparse.Namespace) -> int:
    """Render HTML maps of the current build (overview, one per layer and per port, index)."""
    from maps.render import render_maps  # folium and mapclassify load only when maps are rendered

    settings = settings_from(args)
    result = render_maps(settings.current, args.out, args.layers, basemap=args.basemap)
    print(f"maps: {len(result.pages)} pages in {result.out_dir} ({result.seconds:.1f} s); "
          f"open {result.out_dir / 'index.html'}")
    return 0
