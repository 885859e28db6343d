"""Session fixtures: one real fetch + build of every layer from ../shared/data/sources, shared by all tests.

Set BORDERGEO_TEST_DATA_DIR to reuse a data directory between runs while developing (the build is
incremental, so a reused directory costs a few seconds); by default a fresh temporary one is used.
"""

from __future__ import annotations

import itertools
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest

from layers.build import build, load_manifest
from layers.pgload import load as load_postgis
from layers.settings import DataSettings
from layers.sources import fetch
from tests import pgcluster

REPO = Path(__file__).resolve().parents[1]
_databases = itertools.count()
MIRROR = Path(os.environ.get("BORDERGEO_MIRROR", REPO.parent / "shared" / "data" / "sources"))


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The local mirror of the public sources (../shared/data/sources)."""
    assert MIRROR.is_dir(), f"source mirror {MIRROR} not found"
    return MIRROR


@pytest.fixture(scope="session")
def data_settings(tmp_path_factory: pytest.TempPathFactory, mirror: Path) -> DataSettings:
    """Settings of a data directory holding a complete, real build of every layer."""
    reuse = os.environ.get("BORDERGEO_TEST_DATA_DIR")
    data_dir = Path(reuse) if reuse else tmp_path_factory.mktemp("data")
    settings = DataSettings(data_dir=data_dir, mirror=mirror)
    fetch(settings.sources_dir, mirror)
    only = os.environ.get("BORDERGEO_TEST_LAYERS")  # e.g. "boundary,ports" while developing
    build(settings, only.split(",") if only else None)
    return settings


@pytest.fixture(scope="session")
def manifest(data_settings: DataSettings) -> dict:
    """The manifest.json of the session build."""
    found = load_manifest(data_settings)
    assert found is not None
    return found


@pytest.fixture(scope="session")
def layer(data_settings: DataSettings):
    """Load a built layer by id: ``layer("boundary")`` -> GeoDataFrame."""
    cache: dict[str, gpd.GeoDataFrame] = {}

    def load(layer_id: str) -> gpd.GeoDataFrame:
        if layer_id not in cache:
            cache[layer_id] = gpd.read_parquet(data_settings.current / f"{layer_id}.parquet")
        return cache[layer_id].copy()

    return load


@pytest.fixture(scope="session")
def postgres() -> Iterator[pgcluster.Cluster]:
    """A throwaway PostgreSQL 15 + PostGIS 3 cluster on 127.0.0.1, stopped at the end even on failure."""
    cluster = pgcluster.start()
    previous = signal.getsignal(signal.SIGTERM)
    if previous is signal.SIG_DFL:  # a terminated test run still unwinds the fixtures (and stops PostgreSQL)
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield cluster
    finally:
        pgcluster.stop(cluster)
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.fixture
def fresh_dsn(postgres: pgcluster.Cluster) -> str:
    """A new empty PostGIS database in the session cluster (loads there never disturb the API tests)."""
    name = f"db_{os.getpid()}_{next(_databases)}"
    postgres.psql(f"CREATE DATABASE {name}", database="postgres")
    postgres.psql("CREATE EXTENSION postgis", database=name)
    return postgres.dsn.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def pg_dsn(postgres: pgcluster.Cluster, data_settings: DataSettings) -> str:
    """DSN of the cluster's database with the session build loaded into it (``bordergeo load-postgis``)."""
    load_postgis(postgres.dsn, data_settings)
    return postgres.dsn
