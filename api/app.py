"""The FastAPI application: ``create_app(settings)``, with the response cache as its outermost layer."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.types import ASGIApp

from api import downloads, errors, fast, features, processes, routes, styles, tiles, viewer
from api.builds import BuildWatcher
from api.http import ResponseCache
from api.memory import load_build, load_sources
from api.settings import ApiSettings, get_settings
from api.source import Sources
from layers.registry import Registry
from layers.settings import DataSettings

log = logging.getLogger("bordergeo.api")


class BorderGeoAPI(FastAPI):
    """FastAPI with :class:`~api.http.ResponseCache` wrapped around its whole middleware stack.

    Outermost, the cache answers repeated requests before Starlette's error middleware, router and
    dependency machinery run, which is what makes cached pages several times faster than a FastAPI route.
    """

    def build_middleware_stack(self) -> ASGIApp:
        """Starlette's stack, wrapped by the response cache."""
        settings: ApiSettings = self.state.settings
        return ResponseCache(super().build_middleware_stack(), settings.origins, settings.cache_max_age,
                             settings.cache_bytes, lambda: getattr(self.state, "sources", None),
                             fast=fast.routes(self))


def create_app(settings: ApiSettings | None = None, data: DataSettings | None = None,
               registry: Registry | None = None) -> FastAPI:
    """The service for the current build of ``data`` (settings default to the environment, ``registry`` to
    every declared layer)."""
    settings = settings or get_settings()
    data_settings = data or DataSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.backend is None:
            app.state.sources = load_sources(data_settings, registry)
            processes.preload(app.state.sources, data_settings)

            def publish(sources: Sources) -> None:
                app.state.sources = sources  # one assignment: each request reads it once (api.http)

            watcher = BuildWatcher(data_settings, lambda store: load_build(store, registry), publish,
                                   settings.reload_seconds)
            watcher.start()
            app.state.watcher = watcher
            yield
            await watcher.stop()
            return
        from api.pgserve import serving  # asyncpg only when a database is the backend

        def install(sources: Sources) -> None:
            app.state.sources = sources  # replaced whole: a request keeps the build it started with

        async with serving(settings.backend, install, settings.backend_poll_seconds, registry,
                           settings.backend_pool_size):
            processes.preload(app.state.sources, data_settings)
            yield

    app = BorderGeoAPI(
        title="bordergeo",
        lifespan=lifespan,
        openapi_url=None,  # the OpenAPI 3.0 document is written by api.openapi, served at /openapi.json
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,
        # no OpenTelemetry here; with it configured off, FastAPI skips probing for providers on every request
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.settings = settings
    app.state.data_settings = data_settings  # the analytics read the build directory even behind a database
    errors.install(app)
    app.include_router(routes.router)
    app.include_router(features.router)
    app.include_router(styles.router)
    app.include_router(viewer.router)
    app.include_router(downloads.router)
    app.include_router(processes.router)
    app.include_router(tiles.router)
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory api.app:app_from_env`` (used by ``bordergeo serve --workers N``)."""
    return create_app()
