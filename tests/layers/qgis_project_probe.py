"""Open the planner's kit in QGIS and print what QGIS saw, as JSON (run by the SYSTEM python3, offscreen).

    /usr/bin/python3 qgis_project_probe.py PLAN.json

PLAN.json: ``{"project": QGZ, "gpkg": GPKG, "layers": [ids], "png": OUT, "size": [w, h]}``. Prints
``{"qgis", "read", "crs", "groups": [[name, [layer names]]], "layers": {id: {...}}, "from_gpkg": {id: renderer},
"png"}``: for each project layer its validity, feature count, renderer type and classes, label field,
metadata; for each layer added straight from the GeoPackage the renderer QGIS gave it (the default style
of ``layer_styles``). The render uses the project's own view (its map canvas extent) and checked layers.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsProject,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor


def describe(layer: Any) -> dict[str, Any]:
    """What a planner would see of one layer."""
    renderer = layer.renderer()
    kind = renderer.type() if renderer else None
    out: dict[str, Any] = {"valid": layer.isValid(), "features": int(layer.featureCount()), "renderer": kind,
                           "crs": layer.crs().authid(), "title": layer.metadata().title(),
                           "licences": list(layer.metadata().licenses()), "links": len(layer.metadata().links()),
                           "rights": list(layer.metadata().rights()), "labels": bool(layer.labelsEnabled())}
    if kind == "categorizedSymbol":
        out["attr"] = renderer.classAttribute()
        out["classes"] = [[str(c.value()), c.symbol().color().name()] for c in renderer.categories()]
    elif kind == "graduatedSymbol":
        out["attr"] = renderer.classAttribute()
        out["classes"] = [[r.lowerValue(), r.upperValue(), r.symbol().color().name()] for r in renderer.ranges()]
    elif kind == "singleSymbol":
        out["classes"] = [[renderer.symbol().color().name()]]
    if layer.labelsEnabled() and layer.labeling() is not None:
        out["label_field"] = layer.labeling().settings().fieldName
    return out


def main(argv: list[str]) -> int:
    """Read the project, describe it, render it; print one JSON document."""
    plan = json.loads(Path(argv[1]).read_text())
    app = QgsApplication([], False)
    app.initQgis()
    project = QgsProject.instance()
    out: dict[str, Any] = {"qgis": Qgis.QGIS_VERSION, "read": project.read(plan["project"])}
    out["crs"] = project.crs().toProj()
    root = project.layerTreeRoot()
    out["groups"] = [[g.name(), [n.name() for n in g.children()]] for g in root.children()]
    layers = {lyr.id(): lyr for lyr in project.mapLayers().values()}
    out["layers"] = {lyr.source().split("layername=")[-1]: describe(lyr) for lyr in layers.values()}
    extent_layer = [lyr for lyr in root.checkedLayers()]
    settings = QgsMapSettings()
    settings.setLayers(extent_layer)
    settings.setDestinationCrs(project.crs())
    settings.setExtent(project.viewSettings().defaultViewExtent())
    settings.setOutputSize(QSize(*plan["size"]))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    job.renderedImage().save(plan["png"], "PNG")
    out["png"] = plan["png"]
    out["view"] = project.viewSettings().defaultViewExtent().toString()
    from_gpkg = {}
    for layer_id in plan["layers"]:
        direct = QgsVectorLayer(f"{plan['gpkg']}|layername={layer_id}", layer_id, "ogr")
        from_gpkg[layer_id] = describe(direct)
        del direct
    out["from_gpkg"] = from_gpkg
    del layers, extent_layer
    project.clear()
    app.exitQgis()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
