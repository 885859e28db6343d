"""A replica that holds nothing but a copy of ``builds/<id>/`` serves the API and renders every map.

Nothing may read ``sources/`` after the build: the port pages' traffic charts come from the build's
``port-traffic`` layer. The expected figures are computed here from the BTS CSV with the csv module.
"""

from __future__ import annotations

import csv
import re
import shutil
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from layers.settings import DataSettings
from maps.render import render_maps
from tests.api.conftest import free_port, start_server, stop_server, wait_ready

PEOPLE = ("Pedestrians", "Personal Vehicle Passengers", "Bus Passengers", "Train Passengers")


@pytest.fixture(scope="module")
def replica(data_settings: DataSettings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with only a copy of the current build (and the ``current`` link to it)."""
    build_dir = data_settings.current.resolve()
    root = tmp_path_factory.mktemp("replica")
    shutil.copytree(build_dir, root / "builds" / build_dir.name)
    (root / "current").symlink_to(Path("builds") / build_dir.name)
    assert not (root / "sources").exists()
    return root


@pytest.fixture(scope="module")
def san_ysidro_people(data_settings: DataSettings) -> dict[str, int]:
    """People entering at San Ysidro (2504) per month 'YYYY-MM', straight from the CSV."""
    per_month: dict[str, int] = defaultdict(int)
    with (data_settings.sources_dir / "bts/border_crossing_entry_data_us_mexico.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            if row["Port Code"] == "2504" and row["Measure"] in PEOPLE:
                per_month[f"{row['Date'][6:10]}-{row['Date'][0:2]}"] += int(row["Value"])
    return per_month


@pytest.fixture(scope="module")
def replica_server(replica: Path) -> Iterator[str]:
    port = free_port()
    proc = start_server(replica, port)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(proc, f"{base}/conformance")
        yield base
    finally:
        stop_server(proc)


def test_maps_rendered_from_the_replica_chart_the_traffic(replica: Path, tmp_path: Path, san_ysidro_people) -> None:
    result = render_maps(replica / "current", tmp_path / "maps", basemap=False)
    page = (result.out_dir / "port-2504.html").read_text(encoding="utf-8")
    peak_month = max(san_ysidro_people, key=san_ysidro_people.__getitem__)
    peak = san_ysidro_people[peak_month]
    assert "bg-chart" in page  # the panel's HTML sits in a JS string (quotes escaped)
    assert f"people: peak {peak:,} ({peak_month})" in page
    assert f"latest {san_ysidro_people['2019-03']:,} (2019-03)" in page
    assert "layer-port-traffic.html" not in result.pages  # traffic feeds the charts; it is not drawn as a map


def test_the_replica_serves_traffic_and_the_prerendered_maps(replica_server: str, san_ysidro_people) -> None:
    item = httpx.get(f"{replica_server}/collections/port-traffic/items/2504-2018-07", timeout=30).json()
    assert item["properties"]["month"] == "2018-07-01"
    assert item["properties"]["people"] == san_ysidro_people["2018-07"]
    page = httpx.get(f"{replica_server}/maps/port-2504.html", timeout=30)
    assert page.status_code == 200 and "bg-chart" in page.text
    assert re.search(r"people: peak [\d,]+ \(\d{4}-\d{2}\)", page.text)
