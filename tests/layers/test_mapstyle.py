"""MapLibre style documents from the declarations: layer order, colours, classes, sizes, labels, sources."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import geopandas as gpd
import mapclassify
import numpy as np
import pandas as pd
import pytest

from layers import mapstyle
from layers.classes import MIN_RADIUS, Scales, build_scales, classify, scales
from layers.registry import default_registry
from layers.spec import LayerSpec, Prop, Style
from layers.store import BuildStore

TILES = "http://127.0.0.1:1/tiles/WebMercatorQuad/{z}/{y}/{x}"


def _matches(where: list[Any], props: dict[str, Any]) -> bool:
    """The filter forms the styles use, as the MapLibre style specification defines them."""
    op, *args = where
    if op == "all":
        return all(_matches(a, props) for a in args)
    if op == "!":
        return not _matches(args[0], props)
    if op == "has":
        return args[0] in props
    if op == "!in":  # legacy form: property name, then values
        return props.get(args[0]) not in args[1:]
    (_, name), value = args
    got = props.get(name)
    return {"==": got == value, ">=": got is not None and got >= value, "<": got is not None and got < value}[op]


def _colours_of(doc: dict[str, Any], layer_id: str, paint: str, rows: list[dict[str, Any]]) -> list[str]:
    """The colour each feature gets: that of the one layer of ``layer_id`` whose filter it matches."""
    parts = [lyr for lyr in doc["layers"] if lyr.get("metadata", {}).get("bordergeo:layer") == layer_id
             and paint in lyr["paint"] and not lyr["id"].endswith("-outline")]
    out = []
    for props in rows:
        hits = [lyr for lyr in parts if "filter" not in lyr or _matches(lyr["filter"], props)]
        assert len(hits) == 1, (props, [h["id"] for h in hits])
        out.append(hits[0]["paint"][paint])
    return out


def _spec(**changes: Any) -> LayerSpec:
    base = LayerSpec(id="towns", title="Towns / Pueblos", description="d", geometry_type="Point", id_field="id",
                     properties=(Prop("id", "integer", "id"), Prop("name", "string", "name"),
                                 Prop("name_es", "string", "Spanish name", nullable=True),
                                 Prop("people", "integer", "people", unit="people")),
                     sources=(), licence="CC0", attribution="us", build=lambda ctx: gpd.GeoDataFrame())
    return replace(base, **changes)


@pytest.fixture(scope="module")
def built_scales(data_settings: Any) -> dict[str, Scales]:
    specs = list(default_registry().values())
    return dict(build_scales(BuildStore(data_settings.current), specs))


def test_default_style_draws_every_layer_fills_under_lines_under_points(built_scales: dict[str, Scales]) -> None:
    specs = list(default_registry().values())
    doc = mapstyle.style_document(specs, TILES, built_scales)
    assert doc["version"] == 8 and doc["sources"]["bordergeo"]["tiles"] == [TILES]
    assert doc["layers"][0]["type"] == "background"
    drawn = [lyr for lyr in doc["layers"][1:]]
    assert {lyr["metadata"]["bordergeo:layer"] for lyr in drawn} == {s.id for s in specs}
    assert all(lyr["source-layer"] == lyr["metadata"]["bordergeo:layer"] for lyr in drawn)
    registry = default_registry()
    basemap = ["basemap" in registry[lyr["source-layer"]].roles for lyr in drawn]
    assert basemap == sorted(basemap, reverse=True)  # basemap layers first, under everything
    ranks = [{"fill": 0, "line": 1, "circle": 2}[mapstyle.kind_of(registry[lyr["source-layer"]])]
             for lyr, under in zip(drawn, basemap, strict=True) if not under]
    assert ranks == sorted(ranks)
    assert "glyphs" not in doc  # no glyph URL given: no text layers
    assert set(doc["metadata"]["bordergeo:layers"]) == {s.id for s in specs}


def test_one_style_per_layer_and_unknown_ids_refused(built_scales: dict[str, Scales]) -> None:
    specs = list(default_registry().values())
    assert mapstyle.style_ids(specs) == ["default", *(s.id for s in specs if "basemap" not in s.roles)]
    doc = mapstyle.style_document(specs, TILES, built_scales, "ports")
    registry = default_registry()
    drawn = {lyr["source-layer"] for lyr in doc["layers"][1:]}
    assert {cid for cid in drawn if "basemap" not in registry[cid].roles} == {"ports"}  # over the basemap
    with pytest.raises(KeyError):
        mapstyle.style_document(specs, TILES, built_scales, "nope")


def test_population_classes_match_mapclassify_feature_by_feature(layer: Callable[[str], Any]) -> None:
    spec = default_registry()["population"]
    gdf = layer("population")
    doc = mapstyle.style_document([spec], TILES, {"population": scales(spec, gdf)}, "population")
    density = gdf["density_per_km2"].to_numpy(dtype=float)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Numba not installed")
        reference = mapclassify.FisherJenks(density, k=spec.style.classes)
    expected = [spec.style.ramp[c] for c in reference.yb]
    assert _colours_of(doc, "population", "fill-color", [{"density_per_km2": v} for v in density]) == expected
    assert len(set(expected)) == spec.style.classes


@pytest.mark.parametrize(("layer_id", "paint"), [("boundary", "line-color"), ("crossings", "circle-stroke-color"),
                                                  ("watersheds", "fill-color")])
def test_categories_use_the_declared_palette(layer: Callable[[str], Any], built_scales: dict[str, Scales],
                                             layer_id: str, paint: str) -> None:
    spec = default_registry()[layer_id]
    gdf = layer(layer_id)
    doc = mapstyle.style_document([spec], TILES, built_scales, layer_id)
    palette = dict(spec.style.palette)
    rows = [{spec.style.by: v} for v in gdf[spec.style.by]]
    assert _colours_of(doc, layer_id, paint, rows) == [palette[v] for v in gdf[spec.style.by]]
    assert _colours_of(doc, layer_id, paint, [{spec.style.by: "not declared"}]) == ["#9e9e9e"]


def test_ports_sized_by_traffic_like_the_folium_maps(layer: Callable[[str], Any]) -> None:
    spec = default_registry()["ports"]
    gdf = layer("ports")
    found = scales(spec, gdf)
    assert found.size is not None and found.size.max_value == gdf[spec.style.size_by].max()
    doc = mapstyle.style_document([spec], TILES, {"ports": found}, "ports")
    (ports,) = doc["layers"][1:]
    radius = ports["paint"]["circle-radius"]
    assert radius[:2] == ["max", MIN_RADIUS] and radius[2][1] == found.size.max_radius
    assert ports["layout"]["circle-sort-key"] == ["-", 0, ["to-number", ["get", spec.style.size_by], 0]]


def test_labels_only_with_glyphs_with_spanish_field_in_metadata() -> None:
    spec = _spec(style=Style(label="name", label_min_zoom=6, name_es_field="name_es", size_by="people"))
    frame = pd.DataFrame({"people": [10, 1000]})
    doc = mapstyle.style_document([spec], TILES, {"towns": scales(spec, frame)}, glyphs="http://x/{fontstack}/{range}")
    label = doc["layers"][-1]
    assert doc["glyphs"] == "http://x/{fontstack}/{range}"
    assert label["type"] == "symbol" and label["minzoom"] == 6
    assert label["layout"]["text-field"] == ["to-string", ["get", "name"]]
    assert label["layout"]["text-font"] == [mapstyle.FONT]
    assert label["layout"]["symbol-sort-key"] == ["-", 0, ["to-number", ["get", "people"], 0]]
    meta = doc["metadata"]["bordergeo:layers"]["towns"]
    assert (meta["label"], meta["label_es"]) == ("name", "name_es")
    assert [p["label"] for p in meta["properties"]] == ["id", "name", "name es", "people"]
    assert "symbol" not in {lyr["type"] for lyr in mapstyle.style_document([spec], TILES, {})["layers"]}


def test_basemaps_drawn_first_traffic_hidden_pmtiles_source() -> None:
    land = _spec(id="land", geometry_type="MultiPolygon", roles=frozenset({"basemap"}))
    traffic = _spec(id="traffic", roles=frozenset({"traffic"}))
    towns = _spec()
    doc = mapstyle.style_document([towns, traffic, land], "pmtiles://bordergeo.pmtiles", {})
    assert [lyr["id"] for lyr in doc["layers"]] == ["background", "land", "land-outline", "towns", "traffic"]
    assert doc["layers"][-1]["layout"]["visibility"] == "none"
    assert doc["layers"][0]["paint"]["background-color"] == mapstyle.SEA  # land drawn over the sea
    assert doc["sources"]["bordergeo"]["url"] == "pmtiles://bordergeo.pmtiles"
    assert mapstyle.style_ids([towns, traffic, land]) == ["default", "towns", "traffic"]


def test_classes_put_every_value_in_its_mapclassify_class() -> None:
    spec = _spec(geometry_type="MultiPolygon", style=Style(choropleth="people", classes=3))
    values = pd.Series(np.array([1, 1, 2, 3, 10, 11, 12, 50, 51, 52, np.nan]), name="people")
    found = classify(spec, values)
    assert found is not None and len(found.colours) == 3
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Numba not installed")
        reference = mapclassify.FisherJenks(values.dropna().to_numpy(), k=3).yb
    assert [found.colour_of(v) for v in values.dropna()] == [found.colours[c] for c in reference]
    assert found.colour_of(float("nan")) == "#bdbdbd"
