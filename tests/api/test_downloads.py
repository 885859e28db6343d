"""/downloads: the planner's kit (QGIS project) and the GeoPackage it reads, as the build wrote them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from layers.store import BuildStore


@pytest.fixture(scope="module")
def client(data_settings: Any) -> Iterator[TestClient]:
    """The in-memory backend: it serves a build directory (a database backend has no files: 404)."""
    with TestClient(create_app(ApiSettings(), data_settings)) as tc:
        yield tc


@pytest.mark.parametrize(("name", "media"), [("bordergeo.qgz", "application/vnd.qgis.qgz"),
                                             ("bordergeo.gpkg", "application/geopackage+sqlite3")])
def test_downloads_are_the_build_s_files(client: TestClient, data_settings: Any, name: str, media: str) -> None:
    r = client.get(f"/downloads/{name}")
    assert r.status_code == 200 and r.headers["content-type"] == media
    assert r.headers["content-disposition"] == f'attachment; filename="{name}"'
    assert r.content == (BuildStore(data_settings.current.resolve()).path / name).read_bytes()
    links = {lnk["href"] for lnk in client.get("/").json()["links"] if lnk["rel"] == "enclosure"}
    assert f"http://testserver/downloads/{name}" in links


@pytest.mark.parametrize("name", ["manifest.json", "boundary.parquet", "..%2Fmanifest.json", "nope"])
def test_other_names_are_404(client: TestClient, name: str) -> None:
    r = client.get(f"/downloads/{name}")
    assert r.status_code == 404 and set(r.json()) == {"code", "description"}
