"""The ``bordergeo serve`` command: build what is missing (or use a PostGIS database), then serve with uvicorn."""

from __future__ import annotations

import argparse
import logging
import os
from typing import Any

import uvicorn
from pydantic import ValidationError

from geo.errors import BorderGeoError, BuildError, InvalidParameterError, SourceError
from layers.build import build, load_manifest
from layers.cli import settings_from
from layers.settings import DataSettings
from layers.sources import fetch

log = logging.getLogger("bordergeo")


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``serve`` command to the bordergeo CLI."""
    p = sub.add_parser("serve", parents=[common], help=cmd_serve.__doc__,
                       description="Build the layers that are missing or stale, then serve them as "
                                   "OGC API – Features (env BORDERGEO_HOST, _PORT, _WORKERS, _CORS_ORIGINS, "
                                   "_BASE_URL, _DEFAULT_LIMIT, _MAX_LIMIT).")
    p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 8000)")
    p.add_argument("--workers", type=int, help="worker processes (default 1)")
    p.add_argument("--no-build", action="store_true", help="serve the current build as it is")
    p.add_argument("--backend", metavar="DSN",
                   help="postgresql://... : serve the build `bordergeo load-postgis` loaded into that database "
                        "(nothing is built locally; env BORDERGEO_BACKEND)")
    p.add_argument("--access-log", action="store_true", help="log every request (costs throughput)")
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    """Build what is missing, then serve the layers (OGC API – Features) until interrupted."""
    from api.app import create_app
    from api.server import OgcHttpToolsProtocol
    from api.settings import ApiSettings

    data = settings_from(args)
    overrides = {k: getattr(args, k) for k in ("host", "port", "workers", "backend") if getattr(args, k) is not None}
    try:
        settings = ApiSettings(**overrides)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InvalidParameterError(f"--{err['loc'][0]}: {err['msg']}") from None
    if settings.backend is not None:
        served = _check_backend(settings.backend)
        os.environ["BORDERGEO_BACKEND"] = settings.backend  # worker processes read their settings from the env
    else:
        if not args.no_build:
            ensure_built(data)
        elif load_manifest(data) is None:
            raise BuildError(f"no build in {data.data_dir}: run without --no-build, or `bordergeo build`")
        os.environ["BORDERGEO_DATA_DIR"] = str(data.data_dir.resolve())
        served = data.current.resolve().name
    log.info("serving %s on http://%s:%d/ (%d worker%s)", served, settings.host,
             settings.port, settings.workers, "s" if settings.workers > 1 else "")
    common = {"host": settings.host, "port": settings.port, "access_log": args.access_log,
              "log_level": "warning" if args.quiet else "info", "server_header": False,
              "http": OgcHttpToolsProtocol}
    if settings.workers == 1:
        uvicorn.run(create_app(settings, data), **common)
    else:
        uvicorn.run("api.app:app_from_env", factory=True, workers=settings.workers, **common)
    return 0


def _check_backend(dsn: str) -> str:
    """The build the database serves; a one-line DatabaseError before uvicorn starts when there is none."""
    import asyncio

    from api.pgserve import describe_backend

    return asyncio.run(describe_backend(dsn))


def ensure_built(data: DataSettings) -> None:
    """Build (incrementally) every layer, fetching sources first if some are missing.

    When building fails but an earlier build exists, that build is served and the failure logged.
    """
    try:
        try:
            build(data)
        except SourceError as exc:
            log.info("%s: fetching sources", exc)
            fetch(data.sources_dir, data.mirror)
            build(data)
    except (BorderGeoError, NotImplementedError) as exc:
        if load_manifest(data) is None:
            raise BuildError(f"nothing to serve: the build failed ({exc})") from exc
        log.warning("build failed (%s: %s); serving the current build %s", type(exc).__name__, exc,
                    data.current.resolve().name)
