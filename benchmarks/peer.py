"""pygeoapi 0.21.0, the reference peer, serving GeoJSON exports of the same built layers.

Its pins clash with ours, so it lives in its own virtual environment (``.bench-venv``), created on first
use. The config is generated from the build's manifest, after ../shared/bench/pygeoapi/pygeoapi-config.yml
(one GeoJSON-provider collection per layer, limits 10/1000, no gzip, loopback only). YAML is a superset of
JSON, so the config is written as JSON and needs no YAML library here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely

from geo.measure import CRS84
from layers.registry import default_registry

PYGEOAPI = "pygeoapi==0.21.0"


def ensure_venv(venv: Path, spec: str = PYGEOAPI, python: str = sys.executable) -> Path:
    """Create ``venv`` (with ``python``) holding ``spec`` (pygeoapi) and gunicorn unless it has them."""
    if not (venv / "bin" / "gunicorn").exists() or not (venv / "bin" / "pygeoapi").exists():
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", spec, "gunicorn"], check=True)
    return venv


def export_geojson(gdf: gpd.GeoDataFrame, id_field: str, path: Path) -> None:
    """Write ``gdf`` as a GeoJSON FeatureCollection whose feature ids are the layer's id field."""
    props = gdf.drop(columns="geometry")
    records = json.loads(props.to_json(orient="records", force_ascii=False, date_format="iso"))
    geoms = shapely.to_geojson(gdf.geometry.values)
    features = [
        {"type": "Feature", "id": rec[id_field], "geometry": json.loads(geom), "properties": rec}
        for rec, geom in zip(records, geoms, strict=True)
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")


def resource(layer_id: str, entry: dict[str, Any], data: Path) -> dict[str, Any]:
    """One pygeoapi collection: a GeoJSON file provider over the exported layer."""
    spec = default_registry()[layer_id]
    return {
        "type": "collection",
        "title": entry["title"],
        "description": spec.description,
        "keywords": list(spec.keywords) or [layer_id],
        "extents": {"spatial": {"bbox": entry["bbox"], "crs": CRS84}},
        "providers": [{"type": "feature", "name": "GeoJSON", "data": str(data), "id_field": spec.id_field}],
    }


def config(url: str, port: int, resources: dict[str, Any]) -> dict[str, Any]:
    """The whole pygeoapi configuration (server, metadata and the collections)."""
    contact = {k: "bench" for k in ("name", "position", "address", "city", "stateorprovince", "hours",
                                    "instructions")}
    contact |= {"postalcode": "00000", "country": "US", "phone": "+1-000-000-0000",
                "fax": "+1-000-000-0000", "email": "bench@example.org", "url": "https://example.org",
                "role": "pointOfContact"}
    return {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port}, "url": url,
            "mimetype": "application/json; charset=UTF-8", "encoding": "utf-8", "gzip": False,
            "languages": ["en-US"], "cors": False, "pretty_print": False,
            "limits": {"default_items": 10, "max_items": 1000},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": "OSM"},
            "admin": False,
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": {"en": "bordergeo benchmark peer"}, "description": {"en": "the same built layers"},
                "keywords": {"en": ["border"]}, "keywords_type": "theme",
                "terms_of_service": "https://creativecommons.org/licenses/by/4.0/", "url": "https://example.org",
            },
            "license": {"name": "CC-BY 4.0 license", "url": "https://creativecommons.org/licenses/by/4.0/"},
            "provider": {"name": "bench", "url": "https://example.org"},
            "contact": contact,
        },
        "resources": resources,
    }


def prepare(current: Path, layer_ids: list[str], work: Path, port: int, venv: Path) -> dict[str, str]:
    """Export the layers, write config + OpenAPI document; return the env that points pygeoapi at them."""
    manifest = json.loads((current / "manifest.json").read_text())
    resources = {}
    for lid in layer_ids:
        data = work / f"{lid}.geojson"
        export_geojson(gpd.read_parquet(current / f"{lid}.parquet"), default_registry()[lid].id_field, data)
        resources[lid] = resource(lid, manifest["layers"][lid], data)
    cfg, api = work / "pygeoapi-config.yml", work / "pygeoapi-openapi.yml"
    cfg.write_text(json.dumps(config(f"http://127.0.0.1:{port}", port, resources), indent=1))
    env = {"PYGEOAPI_CONFIG": str(cfg), "PYGEOAPI_OPENAPI": str(api)}
    subprocess.run([str(venv / "bin" / "pygeoapi"), "openapi", "generate", str(cfg), "--output-file", str(api)],
                   check=True, env={**os.environ, **env}, capture_output=True)
    return env
