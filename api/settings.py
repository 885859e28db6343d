"""Settings of the web service, read from ``BORDERGEO_*`` environment variables when asked for."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    """How the OGC API – Features service listens, pages and caches.

    ``cors_origins`` is ``*`` or a comma-separated list of origins allowed to read responses from a
    browser; ``base_url`` (e.g. ``https://geo.example.org/border``) replaces the URL the request came in
    on in every link, for deployments behind a proxy.
    """

    model_config = SettingsConfigDict(env_prefix="BORDERGEO_", extra="ignore")

    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8000
    workers: Annotated[int, Field(ge=1, le=64)] = 1
    cors_origins: str = "*"
    default_limit: Annotated[int, Field(ge=1)] = 10
    max_limit: Annotated[int, Field(ge=1)] = 10_000
    #: offsets beyond this are refused (400) rather than scanned
    max_offset: Annotated[int, Field(ge=0)] = 1_000_000_000
    base_url: str | None = None
    #: bytes of rendered responses kept in the in-process response cache
    cache_bytes: Annotated[int, Field(ge=0)] = 128 * 1024 * 1024
    #: seconds clients and proxies may reuse a response without revalidating (ETag) it
    cache_max_age: Annotated[int, Field(ge=0)] = 300
    #: ``postgresql://...``: serve the build ``bordergeo load-postgis`` put in that database, not the data dir
    backend: str | None = None
    #: seconds between checks of which build the database serves (notifications switch sooner)
    backend_poll_seconds: Annotated[float, Field(gt=0)] = 5.0
    #: database connections per worker process
    backend_pool_size: Annotated[int, Field(ge=1, le=100)] = 8
    #: in-memory backend: seconds between checks for a newly published build (0: SIGHUP only)
    reload_seconds: Annotated[float, Field(ge=0)] = 1.0

    @property
    def origins(self) -> tuple[str, ...]:
        """The allowed CORS origins (``("*",)`` for any)."""
        return tuple(o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip())


@lru_cache(maxsize=1)
def get_settings() -> ApiSettings:
    """The settings from the environment, read once on first use (never at import)."""
    return ApiSettings()
