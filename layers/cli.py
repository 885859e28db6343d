"""The ``bordergeo`` command line: fetch, build, info, and the commands other packages register.

``api`` and ``maps`` add their commands (``serve``, ``maps``) through the ``bordergeo.commands`` entry
point group, so this module never imports them.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path

from geo.errors import BorderGeoError
from layers import sources
from layers.build import build, load_manifest
from layers.registry import default_registry
from layers.settings import DataSettings

log = logging.getLogger("bordergeo")


def settings_from(args: argparse.Namespace) -> DataSettings:
    """Data settings from the environment, overridden by --data-dir / --mirror."""
    overrides = {}
    if getattr(args, "data_dir", None):
        overrides["data_dir"] = args.data_dir
    if getattr(args, "mirror", None):
        overrides["mirror"] = args.mirror
    if getattr(args, "no_mirror", False):
        overrides["mirror"] = None
    return DataSettings(**overrides)


def cmd_fetch(args: argparse.Namespace) -> int:
    """Copy or download every declared source and verify its sha256."""
    settings = settings_from(args)
    sources.fetch(settings.sources_dir, settings.mirror)
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    """Build the named layers (all by default) and publish them."""
    settings = settings_from(args)
    result = build(settings, args.layers or None)
    rendered = f", re-rendered {', '.join(result.rendered)}" if result.rendered and not result.built else ""
    print(f"build {result.path.name}: {len(result.built)} built, {len(result.reused)} reused{rendered}, "
          f"{result.seconds:.1f} s")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    """Print the built layers with counts, extents, provenance and figures."""
    settings = settings_from(args)
    manifest = load_manifest(settings)
    if manifest is None:
        raise BorderGeoError(f"no build in {settings.data_dir}: run `bordergeo build`")
    print(f"build {manifest['build_id']} in {settings.current.resolve()}")
    for entry in manifest["layers"].values():
        bbox = ", ".join(f"{v:.3f}" for v in entry["bbox"])
        print(f"\n{entry['id']}: {entry['title']}\n  {entry['features']} features, bbox [{bbox}]")
        print(f"  licence: {entry['licence']}\n  attribution: {entry['attribution']}")
        for src in entry["sources"][:3]:
            print(f"  source: {src['file']} sha256 {src['sha256'][:12]}… ({src['url']})")
        if len(entry["sources"]) > 3:
            print(f"  ... and {len(entry['sources']) - 3} more source files")
        for name, value in entry["stats"].items():
            print(f"  {name}: {value}")
    return 0


def cmd_export_static(args: argparse.Namespace) -> int:
    """Write the current build as a static bundle (PMTiles, FlatGeobuf, GeoJSON, GeoPackage, maps, viewer)."""
    from layers.export import export_static

    out = export_static(settings_from(args), args.dir)
    print(f"static bundle in {out}: serve it with any web server that answers range requests")
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser, with the commands registered by other packages."""
    top = argparse.ArgumentParser(prog="bordergeo", description=__doc__.splitlines()[0])
    top.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, help="data directory (env BORDERGEO_DATA_DIR; default ./data)")
    common.add_argument("--mirror", type=Path, help="local mirror of the sources (env BORDERGEO_MIRROR)")
    sub = top.add_subparsers(dest="command", required=True)
    p = sub.add_parser("fetch", parents=[common], help=cmd_fetch.__doc__)
    p.add_argument("--no-mirror", action="store_true", help="download from the origin URLs, ignoring any mirror")
    p.set_defaults(func=cmd_fetch)
    p = sub.add_parser("build", parents=[common], help=cmd_build.__doc__)
    p.add_argument("layers", nargs="*", metavar="LAYER", help=f"layer ids ({', '.join(default_registry())})")
    p.set_defaults(func=cmd_build)
    sub.add_parser("info", parents=[common], help=cmd_info.__doc__).set_defaults(func=cmd_info)
    p = sub.add_parser("export-static", parents=[common], help=cmd_export_static.__doc__)
    p.add_argument("dir", type=Path, metavar="DIR", help="new (or empty) directory to write the bundle into")
    p.set_defaults(func=cmd_export_static)
    for ep in entry_points(group="bordergeo.commands"):
        ep.load()(sub, common)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; domain errors print one line and exit 1."""
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    logging.getLogger("pyogrio").setLevel(logging.WARNING)  # one line per written layer is noise
    try:
        return int(args.func(args))
    except BorderGeoError as exc:
        print(f"bordergeo: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bordergeo: interrupted; the previous build is still in place", file=sys.stderr)
        return 130




if __name__ == "__main__":
    sys.exit(main())
