"""Load the all-layers vector tileset in QGIS with our MapLibre style, render it, print what QGIS did, as JSON.

Run by the SYSTEM python3 (python3-qgis does not import in a venv) with QT_QPA_PLATFORM=offscreen::

    /usr/bin/python3 qgis_vt_probe.py PLAN.json

PLAN.json: ``{"url": "http://127.0.0.1:PORT", "style": STYLE_JSON_PATH, "extent": [minx, miny, maxx, maxy]
(EPSG:3857), "zmax": 14, "png": OUT_PATH, "size": [w, h]}``. The layer is a ``QgsVectorTileLayer`` of
``/tiles/WebMercatorQuad/{z}/{y}/{x}`` (WebMercatorQuad tileRow = XYZ y); the style is converted by
``QgsMapBoxGlStyleConverter``. Prints ``{"qgis", "valid", "fonts" (the style's text fonts: found on this
system?), "converter", "warnings", "styles", "labels", "tile_requests", "png"}``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsFontUtils,
    QgsMapBoxGlStyleConverter,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsNetworkAccessManager,
    QgsRectangle,
    QgsVectorTileLayer,
)
from qgis.PyQt.QtCore import QCoreApplication, QSize
from qgis.PyQt.QtGui import QColor, QFontDatabase

REQUESTS: list[str] = []


def record(params: Any) -> None:
    """Remember every URL QGIS asks for (the test checks tiles really came from our server)."""
    REQUESTS.append(params.request().url().toString())


def font_on_system(name: str) -> bool:
    """Whether QGIS finds a MapLibre font name ("Roboto Regular") here, splitting it as its converter does."""
    words = name.split(" ")
    for i in range(1, len(words)):
        if QgsFontUtils.fontFamilyHasStyle(" ".join(words[:i]), " ".join(words[i:])):
            return True
    return name in QFontDatabase().families()


def render(layer: Any, extent: list[float], size: list[int], path: str) -> None:
    """Render ``layer`` over ``extent`` (EPSG:3857) to a PNG on a white background."""
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    settings.setExtent(QgsRectangle(*extent))
    settings.setOutputSize(QSize(*size))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    job.renderedImage().save(path, "PNG")


def main(argv: list[str]) -> int:
    """Load, style, render; print one JSON document."""
    plan = json.loads(Path(argv[1]).read_text())
    app = QgsApplication([], False)
    app.initQgis()
    QgsNetworkAccessManager.instance().requestAboutToBeCreated.connect(record)
    url = f"{plan['url']}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}"
    layer = QgsVectorTileLayer(f"type=xyz&url={url}&zmin=0&zmax={plan['zmax']}", "bordergeo")
    out: dict[str, Any] = {"qgis": Qgis.QGIS_VERSION, "valid": layer.isValid()}
    if out["valid"]:
        style = json.loads(Path(plan["style"]).read_text())
        fonts = {f for lyr in style["layers"] for f in lyr.get("layout", {}).get("text-font", [])}
        out["fonts"] = {f: font_on_system(f) for f in sorted(fonts)}
        converter = QgsMapBoxGlStyleConverter()
        status = converter.convert(json.dumps(style))
        out["converter"] = int(status)
        out["warnings"] = list(converter.warnings())
        renderer = converter.renderer()
        out["styles"] = [{"layer": s.layerName(), "label": s.styleName(), "geometry": int(s.geometryType()),
                          "min_zoom": s.minZoomLevel()} for s in renderer.styles()] if renderer else []
        labeling = converter.labeling()
        out["labels"] = len(labeling.styles()) if labeling else 0
        if renderer:
            layer.setRenderer(renderer.clone())
        if labeling:
            layer.setLabeling(labeling.clone())
        render(layer, plan["extent"], plan["size"], plan["png"])
        out["png"] = plan["png"]
    QCoreApplication.processEvents()
    out["tile_requests"] = len([u for u in REQUESTS if "/tiles/" in u])
    del layer  # before exitQgis, or QGIS segfaults on exit
    app.exitQgis()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
