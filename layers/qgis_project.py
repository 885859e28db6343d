"""The planner's kit: ``bordergeo.qgz``, a QGIS project of every layer of ``bordergeo.gpkg``, and the same
styles in the GeoPackage's ``layer_styles`` table (QGIS applies them when a layer is added from it).

Written by every build (the ``bordergeo.artifacts`` hook) from the declarations and this build's scales,
without QGIS: a project file is XML. Layers are grouped (data above, basemap under), styled by
``layers.qml``, carry their title, description, method, licence, attribution and sources as layer
metadata, and the project is in a Lambert conformal conic fitted to the border (standard parallels 27° and
33° N, central meridian 106° W: scale within 0.5 % over the border region), the view on the boundary.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pyproj import CRS, Transformer

from layers.classes import Scales, build_scales
from layers.qml import QGIS_VERSION, labeling, qml, renderer
from layers.registry import default_registry
from layers.spec import LayerSpec
from layers.store import BuildStore

QGZ = "bordergeo.qgz"
QGS = "bordergeo.qgs"
PROJECT_PROJ4 = "+proj=lcc +lat_1=27 +lat_2=33 +lat_0=30 +lon_0=-106 +datum=WGS84 +units=m +no_defs"
PROJECT_CRS = CRS.from_proj4(PROJECT_PROJ4)
PROJECT_CRS_NAME = "bordergeo border LCC (27°N, 33°N, 106°W, WGS 84)"
BORDER = (-117.3, 25.8, -97.1, 32.8)  # the first view when no layer has role "context"
_GEOMETRY = {"Point": "Point", "LineString": "Line", "MultiLineString": "Line", "Polygon": "Polygon",
             "MultiPolygon": "Polygon"}
_STYLES_TABLE = """CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
  f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT,
  useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
  update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"""


def render_into(build_dir: Any) -> None:
    """Write ``bordergeo.qgz`` into a build directory and the layer styles into its GeoPackage."""
    store = BuildStore(build_dir)
    manifest = store.manifest() or {"layers": {}}
    registry = default_registry()
    specs = [registry[lid] for lid in registry if lid in manifest["layers"]]
    if not specs or not store.gpkg_path.is_file():
        return
    scales = build_scales(store, specs)
    document = project(specs, scales, manifest["layers"])
    with zipfile.ZipFile(store.path / QGZ, "w", zipfile.ZIP_DEFLATED) as qgz:
        qgz.writestr(QGS, document)
    write_layer_styles(store, specs, scales)


def _own_copy(path: Path) -> None:
    """Make ``path`` this build's own file: an unchanged GeoPackage is hard-linked from the previous build,
    and a published build must never change, so it is copied before it is written to."""
    if path.stat().st_nlink > 1:
        staged = path.with_name(f".{path.name}.{os.getpid()}")
        shutil.copyfile(path, staged)
        os.replace(staged, path)


def _styles_in(path: Path) -> list[tuple[Any, ...]] | None:
    """The bordergeo rows of a GeoPackage's ``layer_styles`` in insertion order (None without the table)."""
    with sqlite3.connect(path) as db:
        if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'layer_styles'").fetchone() is None:
            return None
        return db.execute("SELECT f_table_name, f_geometry_column, styleName, styleQML, description, owner "
                          "FROM layer_styles ORDER BY id").fetchall()


def write_layer_styles(store: BuildStore, specs: Sequence[LayerSpec], scales: Mapping[str, Scales]) -> None:
    """Each layer's QML as its default style in the GeoPackage's ``layer_styles`` (registered in gpkg_contents).

    A GeoPackage that already holds exactly these styles is left alone (so it stays hard-linked to the build
    it came from); otherwise this build gets its own copy first.
    """
    with sqlite3.connect(store.gpkg_path) as db:
        geometry = dict(db.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall())
    rows = [(s.id, geometry.get(s.id, "geom"), s.id, qml(s, scales.get(s.id, Scales())), s.title, "bordergeo")
            for s in specs]
    if _styles_in(store.gpkg_path) == rows:
        return
    _own_copy(store.gpkg_path)
    with sqlite3.connect(store.gpkg_path) as db:
        db.execute(_STYLES_TABLE)
        db.execute("DELETE FROM layer_styles")
        db.executemany(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName,"
            " styleQML, styleSLD, useAsDefault, description, owner) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, ?)", rows)
        db.execute("INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, description) "
                   "VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS layer styles (bordergeo)')")


def project(specs: Sequence[LayerSpec], scales: Mapping[str, Scales], entries: Mapping[str, Any]) -> str:
    """The QGIS project (.qgs XML) of ``specs`` read from ``./bordergeo.gpkg`` beside it."""
    root = ET.Element("qgis", projectname="bordergeo", version=QGIS_VERSION)
    ET.SubElement(root, "homePath", path="")
    ET.SubElement(root, "title").text = "bordergeo: US–Mexico border / frontera México–Estados Unidos"
    ET.SubElement(root, "projectCrs").append(_crs(PROJECT_CRS, PROJECT_CRS_NAME))
    tree = ET.SubElement(root, "layer-tree-group")
    ET.SubElement(tree, "customproperties")
    data = [s for s in specs if "basemap" not in s.roles]
    order = {s.id: i for i, s in enumerate(specs)}
    # points above lines above polygons; within a kind the later layer on top, as the MapLibre styles draw
    groups = [("Data / Datos", sorted(data, key=lambda s: (_rank(s), -order[s.id]))),
              ("Basemap / Fondo", [s for s in specs if "basemap" in s.roles])]
    for name, members in groups:
        if not members:
            continue
        group = ET.SubElement(tree, "layer-tree-group", name=name, checked="Qt::Checked", expanded="1")
        ET.SubElement(group, "customproperties")
        for spec in members:
            shown = "Qt::Unchecked" if "traffic" in spec.roles else "Qt::Checked"
            ET.SubElement(group, "layer-tree-layer", id=_layer_id(spec), name=spec.title, source=_source(spec),
                          providerKey="ogr", checked=shown, expanded="0")
    layers = ET.SubElement(root, "projectlayers")
    for spec in specs:
        layers.append(_map_layer(spec, scales.get(spec.id, Scales()), entries.get(spec.id, {})))
    canvas, view = _view(specs, entries)
    root.extend([canvas, view])
    properties = ET.SubElement(root, "properties")
    paths = ET.SubElement(properties, "Paths")
    ET.SubElement(paths, "Absolute", type="bool").text = "false"
    srs = ET.SubElement(properties, "SpatialRefSys")  # QGIS reads projectCrs only when this says so
    ET.SubElement(srs, "ProjectionsEnabled", type="int").text = "1"
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(root, encoding="unicode")


def _rank(spec: LayerSpec) -> int:
    """0 for points, 1 for lines, 2 for polygons (the layer tree lists the top layer first)."""
    return {"Point": 0, "LineString": 1, "MultiLineString": 1}.get(spec.geometry_type, 2)


def _layer_id(spec: LayerSpec) -> str:
    return f"bordergeo_{spec.id.replace('-', '_')}"


def _source(spec: LayerSpec) -> str:
    return f"./bordergeo.gpkg|layername={spec.id}"


def _map_layer(spec: LayerSpec, scales: Scales, entry: Mapping[str, Any]) -> ET.Element:
    layer = ET.Element("maplayer", type="vector", geometry=_GEOMETRY[spec.geometry_type], wkbType=spec.geometry_type,
                       labelsEnabled="1" if spec.style.label else "0", styleCategories="AllStyleCategories",
                       hasScaleBasedVisibilityFlag="0", readOnly="0")
    ET.SubElement(layer, "id").text = _layer_id(spec)
    ET.SubElement(layer, "datasource").text = _source(spec)
    ET.SubElement(layer, "layername").text = spec.title
    ET.SubElement(layer, "srs").append(_crs(CRS.from_epsg(4326), "WGS 84"))
    layer.append(_metadata(spec, entry))
    ET.SubElement(layer, "provider", encoding="UTF-8").text = "ogr"
    layer.append(renderer(spec, scales))
    label = labeling(spec)
    if label is not None:
        layer.append(label)
    return layer


def _metadata(spec: LayerSpec, entry: Mapping[str, Any]) -> ET.Element:
    """QGIS layer metadata: title, abstract (description and method), licence, rights, sources as links."""
    meta = ET.Element("resourceMetadata")
    ET.SubElement(meta, "identifier").text = spec.id
    ET.SubElement(meta, "parentidentifier")
    ET.SubElement(meta, "language").text = "en"
    ET.SubElement(meta, "type").text = "dataset"
    ET.SubElement(meta, "title").text = spec.title
    ET.SubElement(meta, "abstract").text = f"{spec.description}\n\nMethod: {spec.method}".strip()
    keywords = ET.SubElement(meta, "keywords", vocabulary="bordergeo")
    for word in spec.keywords:
        ET.SubElement(keywords, "keyword").text = word
    links = ET.SubElement(meta, "links")
    for source in entry.get("sources", []):
        ET.SubElement(links, "link", name=str(source.get("file", "")), type="WWW:LINK", url=str(source.get("url", "")),
                      description=f"source ({source.get('licence', '')}), sha256 {source.get('sha256', '')}",
                      format="", mimeType="", size="")
    ET.SubElement(meta, "rights").text = spec.attribution
    ET.SubElement(meta, "license").text = spec.licence
    return meta


def _view(specs: Sequence[LayerSpec], entries: Mapping[str, Any]) -> tuple[ET.Element, ET.Element]:
    """The first view (map canvas and default view extent): the ``context`` layers (the boundary)."""
    boxes = [entries[s.id]["bbox"] for s in specs if "context" in s.roles and s.id in entries]
    lon0, lat0, lon1, lat1 = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                              max(b[3] for b in boxes)) if boxes else BORDER
    to_project = Transformer.from_crs(4326, PROJECT_CRS, always_xy=True)
    xs, ys = to_project.transform([lon0, lon0, lon1, lon1], [lat0, lat1, lat0, lat1])
    canvas = ET.Element("mapcanvas", name="theMapCanvas", annotationsVisible="1")
    ET.SubElement(canvas, "units").text = "meters"
    extent = ET.SubElement(canvas, "extent")
    for tag, value in (("xmin", min(xs)), ("ymin", min(ys)), ("xmax", max(xs)), ("ymax", max(ys))):
        ET.SubElement(extent, tag).text = repr(float(value))
    ET.SubElement(canvas, "rotation").text = "0"
    ET.SubElement(canvas, "destinationsrs").append(_crs(PROJECT_CRS, PROJECT_CRS_NAME))
    view = ET.Element("ProjectViewSettings", UseProjectScales="0", rotation="0")
    ET.SubElement(view, "Scales")
    default = ET.SubElement(view, "DefaultViewExtent", xmin=repr(float(min(xs))), ymin=repr(float(min(ys))),
                            xmax=repr(float(max(xs))), ymax=repr(float(max(ys))))
    default.append(_crs(PROJECT_CRS, PROJECT_CRS_NAME))
    return canvas, view


def _crs(crs: CRS, name: str) -> ET.Element:
    """A ``spatialrefsys`` QGIS reads from its WKT (and EPSG code when there is one)."""
    srs = ET.Element("spatialrefsys", nativeFormat="Wkt")
    ET.SubElement(srs, "wkt").text = crs.to_wkt()
    ET.SubElement(srs, "proj4").text = crs.to_proj4() if crs.to_epsg() else PROJECT_PROJ4
    code = crs.to_epsg()
    ET.SubElement(srs, "authid").text = f"EPSG:{code}" if code else ""
    ET.SubElement(srs, "description").text = name
    ET.SubElement(srs, "geographicflag").text = "true" if crs.is_geographic else "false"
    return srs
