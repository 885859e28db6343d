"""``bordergeo where | distance | population-within | port``: real processes, tables, JSON, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from layers.analytics import border_distance, load, population_within
from layers.settings import DataSettings

EL_PASO = ["-106.48642", "31.75872"]
TIJUANA = ["-117.00371", "32.5027"]


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BORDERGEO_DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "layers.cli", "-q", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def test_where_prints_a_table(data_settings: DataSettings) -> None:
    proc = run(data_settings.data_dir, "where", *EL_PASO, *TIJUANA)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split()[:3] == ["lon", "lat", "country"] and set(lines[1]) <= {"-", " "}
    assert "El Paso County" in lines[2] and "Rio Grande Basin" in lines[2] and "Texas" in lines[2]
    assert "Tijuana" in lines[3] and "MX" in lines[3]


def test_distance_json_is_the_python_result(data_settings: DataSettings) -> None:
    proc = run(data_settings.data_dir, "distance", *EL_PASO, "--json")
    assert proc.returncode == 0, proc.stderr
    expected = border_distance(load(data_settings.current), [[float(v) for v in EL_PASO]])
    assert json.loads(proc.stdout) == expected


def test_distance_reads_csv_and_geojson_files(data_settings: DataSettings, tmp_path: Path) -> None:
    csv_file = tmp_path / "points.csv"
    csv_file.write_text(f"name,lon,lat\nel paso,{EL_PASO[0]},{EL_PASO[1]}\ntijuana,{TIJUANA[0]},{TIJUANA[1]}\n")
    geojson = tmp_path / "points.geojson"
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [float(v) for v in p]}}
        for p in (EL_PASO, TIJUANA)]}))
    results = []
    for path in (csv_file, geojson):
        proc = run(data_settings.data_dir, "distance", "--file", str(path), "--json")
        assert proc.returncode == 0, proc.stderr
        results.append(json.loads(proc.stdout))
    assert results[0] == results[1] and [r["side"] for r in results[0]] == ["US", "MX"]


def test_population_within_table_and_json(data_settings: DataSettings) -> None:
    proc = run(data_settings.data_dir, "population-within", "25", "--around", "2504", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == population_within(load(data_settings.current), 25, around="2504")
    table = run(data_settings.data_dir, "population-within", "10")
    assert table.returncode == 0, table.stderr
    assert "people within 10 km of boundary" in table.stdout and "areal weighting" in table.stdout


def test_port_profile_table(data_settings: DataSettings) -> None:
    proc = run(data_settings.data_dir, "port", "2504")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("2504 San Ysidro (California)")
    assert "San Ysidro PedWest" in proc.stdout and "share of the border's people in 2018" in proc.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["where", "200", "31"], "longitude 200.0 is outside [-180, 180]"),
    (["where", "nan", "31"], "not a finite number"),
    (["where", "-106"], "LON LAT pairs"),
    (["where", "abc", "31"], "'abc' is not a number"),
    (["distance"], "at least one LON LAT pair"),
    (["distance", "--file", "/nonexistent.csv"], "cannot read /nonexistent.csv"),
    (["population-within", "500"], "out of range [0.1, 300]"),
    (["population-within", "10", "--around", "nowhere"], "no feature"),
    (["port", "9999"], "no port '9999'"),
])
def test_bad_input_one_line_error(data_settings: DataSettings, args: list[str], message: str) -> None:
    proc = run(data_settings.data_dir, *args)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and message in proc.stderr, proc.stderr
    assert proc.stdout == ""


def test_bad_geojson_file(data_settings: DataSettings, tmp_path: Path) -> None:
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "Polygon", "coordinates": [[[0, 0], [1')
    proc = run(data_settings.data_dir, "population-within", "10", "--geojson", str(bad))
    assert proc.returncode == 1 and "not valid JSON" in proc.stderr and proc.stderr.count("\n") == 1
