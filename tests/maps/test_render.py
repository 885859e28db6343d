"""What the renderer writes: offline pages, working relative links, and styles read from the declarations."""

from __future__ import annotations

import itertools
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import folium
import mapclassify
import numpy as np
import pandas as pd
import pytest
import shapely

from layers.registry import default_registry
from maps.assets import OfflineMap, external_resources
from maps.chart import monthly_chart
from maps.display import rounded, simplify
from maps.i18n import page, prop_label
from maps.labels import label_group
from maps.pages import OVERVIEW_TOLERANCE
from maps.ports import page_file
from maps.symbology import symbology

HREF = re.compile(r"""(?:href|src)=["']([^"'#]+)""")


def test_stock_folium_would_go_online_and_ours_does_not() -> None:
    stock = folium.Map().get_root().render()
    assert any("cdn.jsdelivr.net" in url for url in external_resources(stock))
    assert external_resources(OfflineMap(tiles=None).get_root().render()) == []


def test_every_page_loads_only_files_that_are_there(maps_dir: Path) -> None:
    pages = sorted(maps_dir.glob("*.html"))
    for path in pages:
        html = path.read_text(encoding="utf-8")
        assert external_resources(html) == [], path.name
        local = [u for u in HREF.findall(html) if not re.match(r"^[a-z]+:", u)]
        missing = [u for u in local if not (maps_dir / u).is_file()]
        assert missing == [], (path.name, missing)
    licences = (maps_dir / "assets" / "LICENSES.md").read_text(encoding="utf-8")
    assert "Leaflet — BSD 2-Clause License" in licences and "jQuery — MIT License" in licences
    assert "Vladimir Agafonkin" in (maps_dir / "assets" / "leaflet" / "leaflet.js").read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_index_links_every_map_in_its_language(maps_dir: Path, layer: Callable[[str], Any], lang: str) -> None:
    index = page("index.html", lang)  # type: ignore[arg-type]
    linked = set(HREF.findall((maps_dir / index).read_text(encoding="utf-8")))
    every = {p.name for p in maps_dir.glob("*.html")}
    spanish = {p for p in every if p.endswith(".es.html")}
    pages = (spanish if lang == "es" else every - spanish) - {index}
    assert pages <= linked
    assert page("index.html", "es" if lang == "en" else "en") in linked  # the other language, one click away
    ports = layer("ports")
    assert {page(page_file(code), lang) for code in ports["port_code"]} <= pages  # type: ignore[arg-type]
    assert len([p for p in pages if p.startswith("port-")]) == len(ports)
    basemap = {s.id for s in default_registry().with_role("basemap")}
    assert not any(p.startswith(f"layer-{b}.") for b in basemap for p in pages)  # background, not data


def test_the_build_renders_its_own_maps(data_settings: Any, maps_dir: Path) -> None:
    served = data_settings.current / "maps"
    assert sorted(p.name for p in served.glob("*.html")) == sorted(p.name for p in maps_dir.glob("*.html"))
    assert (served / "assets" / "leaflet" / "leaflet.js").is_file()


def test_population_keeps_its_topology_when_simplified(layer: Callable[[str], Any]) -> None:
    pop = layer("population")
    shown_all = rounded(simplify(pop.geometry, OVERVIEW_TOLERANCE))  # simplified together, as the maps do
    vertices = shapely.get_num_coordinates(pop.geometry.array).sum()
    assert shapely.get_num_coordinates(shown_all.array).sum() < 0.3 * vertices
    naive_holes = 0
    # US counties and Mexican municipios come from two datasets that overlap along the border; each side is
    # a clean coverage, and must stay one
    for country, group in pop.groupby("country"):
        source = np.asarray(group.geometry.array, dtype=object)
        assert shapely.coverage_is_valid(source), country
        shown = np.asarray(shown_all[group.index].array, dtype=object)
        assert shapely.coverage_is_valid(shown), country  # no overlaps, edges still matched
        assert _holes(shown) == _holes(source) == 0  # no gaps opened between neighbours
        naive_holes += _holes(shapely.simplify(source, OVERVIEW_TOLERANCE, preserve_topology=True))
    assert naive_holes > 0  # simplifying each polygon on its own would open gaps: the check can tell


def _holes(geoms: np.ndarray) -> int:
    union = shapely.union_all(geoms)
    return sum(len(p.interiors) for p in getattr(union, "geoms", [union]))


def test_boundary_is_coloured_by_kind(layer: Callable[[str], Any]) -> None:
    spec = default_registry()["boundary"]
    gdf = layer("boundary")
    sym = symbology(spec, gdf)
    palette = dict(spec.style.palette)
    assert [s["color"] for s in sym.styles] == [palette[k] for k in gdf["kind"]]
    assert {i.label for i in sym.items} == set(gdf["kind"]) == {"land", "Rio Grande", "Colorado River"}


def test_crossings_are_coloured_by_kind_of_traffic(layer: Callable[[str], Any]) -> None:
    spec = default_registry()["crossings"]
    gdf = layer("crossings")
    sym = symbology(spec, gdf)
    palette = dict(spec.style.palette)
    assert [s["color"] for s in sym.styles] == [palette[k] for k in gdf["main_traffic"]]
    assert {i.label for i in sym.items} == {"rail", "commercial", "passenger vehicles", "pedestrians only"}


def test_ports_are_sized_by_traffic(layer: Callable[[str], Any]) -> None:
    spec = default_registry()["ports"]
    gdf = layer("ports")
    radius = np.array([s["radius"] for s in symbology(spec, gdf).styles])
    traffic = gdf[spec.style.size_by].to_numpy(dtype=float)
    order = np.argsort(traffic)
    assert np.all(np.diff(radius[order]) >= 0)  # more traffic, never a smaller circle
    assert radius.max() > 3 * radius.min()


def test_population_choropleth_uses_mapclassify_breaks(layer: Callable[[str], Any]) -> None:
    spec = default_registry()["population"]
    gdf = layer("population")
    sym = symbology(spec, gdf)
    density = gdf[spec.style.choropleth].to_numpy(dtype=float)
    k, ramp = spec.style.classes, spec.style.ramp
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Numba not installed")
        bins = mapclassify.FisherJenks(density, k=k).bins
    assert len(sym.items) == k
    assert sym.items[-1].label.startswith(f"{bins[-2]:,.0f} – {bins[-1]:,.0f}")
    ranks = np.array([ramp.index(s["fillColor"]) for s in sym.styles])
    assert np.all(np.diff(ranks[np.argsort(density)]) >= 0)  # denser, never lighter
    assert set(ranks) == set(range(k))


def test_monthly_chart_draws_each_series() -> None:
    months = pd.period_range("2000-01", "2004-12", freq="M").strftime("%Y-%m")
    people = pd.Series(np.arange(60, dtype=float) * 1000, index=months)
    svg = monthly_chart({"people": people, "trucks": people / 10})
    lines = re.findall(r'<polyline points="([^"]+)"', svg)
    assert len(lines) == 2 and [len(pts.split()) for pts in lines] == [60, 60]
    assert "people: peak 59,000 (2004-12)" in svg
    assert monthly_chart({"empty": pd.Series(dtype=float)}) == ""
    spanish = monthly_chart({"people": people}, "es")
    assert "personas: máximo 59,000 (2004-12), último 59,000 (2004-12)" in spanish
    assert 'aria-label="personas por mes, de 2000-01 a 2004-12"' in spanish


def test_boundary_legend_speaks_spanish_from_the_layer(layer: Callable[[str], Any]) -> None:
    spec = default_registry()["boundary"]
    gdf = layer("boundary")
    labels = {i.label for i in symbology(spec, gdf, lang="es").items}
    assert labels == set(gdf["kind_es"]) and "Río Bravo" in labels


def test_every_declared_property_has_a_spanish_label() -> None:
    missing = sorted({p.name for spec in default_registry().values() for p in spec.properties
                      if prop_label(p.name, "es") == p.name.replace("_", " ") and p.name not in SAME_IN_SPANISH})
    assert missing == []


SAME_IN_SPANISH = {"municipios"}


def _lab(hex_colour: str) -> np.ndarray:
    """CIE L*a*b* (D65) of an sRGB colour: the reference formulas, written out here."""
    rgb = np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ lin
    f = np.cbrt(xyz / np.array([0.95047, 1.0, 1.08883]))
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_region_basins_and_rivers_keep_apart() -> None:
    registry = default_registry()
    groups = {lid: [c for _, c in registry[lid].style.palette] for lid in ("border-region", "watersheds", "rivers")}
    pairs = [(a, b, ca, cb) for a in groups for b in groups if a < b for ca in groups[a] for cb in groups[b]]
    closest = min(float(np.linalg.norm(_lab(ca) - _lab(cb))) for _, _, ca, cb in pairs)
    assert closest > 20  # CIE76 ΔE: ~2.3 is just noticeable; 20 reads as a different colour at a glance


def test_city_labels_start_with_the_biggest_and_come_with_zoom(layer: Callable[[str], Any]) -> None:
    spec = default_registry()["cities"]
    cities = layer("cities").sort_values("population", ascending=False, ignore_index=True)
    group = label_group(spec, cities, "en")
    assert group is not None and len(group["items"]) == len(cities)
    zooms = [item[3] for item in group["items"]]  # biggest first
    assert [item[2] for item in group["items"][:3]] == cities["name"].head(3).tolist()
    assert zooms[0] == spec.style.label_min_zoom
    assert all(a <= b for a, b in itertools.pairwise(zooms))  # smaller places never earlier
    top = int(cities["population"].iloc[0])
    for pos in (cities["population"] <= top / 100).to_numpy().nonzero()[0][:1]:
        assert zooms[pos] >= spec.style.label_min_zoom + 4  # 2 zooms per tenfold: 100x smaller, 4 zooms in
    assert len(set(zooms)) >= 5  # more labels at every zoom on the way in
