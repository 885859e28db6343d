"""Load OGC API - Features collections in QGIS (OAPIF provider) and print what QGIS saw, as JSON.

Run by the SYSTEM python3 (python3-qgis does not import in a venv), in a subprocess, with
QT_QPA_PLATFORM=offscreen and a writable XDG_RUNTIME_DIR::

    /usr/bin/python3 qgis_probe.py PLAN.json

PLAN.json: ``{"url": "http://127.0.0.1:PORT", "layers": [{"collection": "cities", "id_field": "id",
"page_size": 7, "bbox": [minx, miny, maxx, maxy]}, ...]}``; ``page_size`` and ``bbox`` are optional.
Per layer it loads the collection three ways (default, a small ``pageSize`` that forces paging by
``rel=next``, and ``restrictToRequestBBOX=1`` + a filter rectangle, which makes QGIS send ``bbox=`` to
the server) and prints one JSON document on stdout: ``{"qgis": version, "layers": [result, ...]}``.

Known QGIS 3.22 crashes avoided here: the layer is deleted before ``exitQgis()``, and ``layer.error()``
is never called on an invalid OAPIF layer (both segfault).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsFeatureRequest,
    QgsNetworkAccessManager,
    QgsNetworkRequestParameters,
    QgsRectangle,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QCoreApplication

#: every URL QGIS requests, so the test can check that paging and bbox really reached the server
REQUESTS: list[str] = []


def record(params: Any) -> None:
    """Slot for QgsNetworkAccessManager.requestAboutToBeCreated: remember the URL."""
    REQUESTS.append(params.request().url().toString())


def uri(url: str, collection: str, extra: str = "") -> str:
    """The OAPIF data source URI of one collection."""
    return f"url='{url}' typename='{collection}' {extra}".strip()


def read(layer: Any, id_field: str | None, request: Any = None) -> dict[str, Any]:
    """Read every feature of ``layer`` (optionally through ``request``): count, ids, null geometries."""
    features = list(layer.getFeatures(request) if request is not None else layer.getFeatures())
    ids: list[str] = []
    if id_field and layer.fields().indexFromName(id_field) >= 0:
        ids = [str(f[id_field]) for f in features]
    empty = sum(1 for f in features if not f.hasGeometry() or f.geometry().isEmpty())
    return {"read": len(features), "ids": sorted(ids), "without_geometry": empty}


def requests_since_last_call() -> list[str]:
    """The /items URLs QGIS requested since the previous call (signals from its download threads are
    queued to the main thread, so process events first)."""
    QCoreApplication.processEvents()
    urls = [u for u in REQUESTS if "/items" in u]
    REQUESTS.clear()
    return urls


def load(url: str, name: str, id_field: str | None, extra: str = "", bbox: Any = None) -> dict[str, Any]:
    """Load one collection with URI options ``extra``; read it (through ``bbox`` when given)."""
    requests_since_last_call()
    layer = QgsVectorLayer(uri(url, name, extra), name, "OAPIF")
    out: dict[str, Any] = {"valid": layer.isValid()}
    if out["valid"]:  # never layer.error() on an invalid OAPIF layer: it segfaults
        out["feature_count"] = int(layer.featureCount())
        out["fields"] = [f.name() for f in layer.fields()]
        out["wkb_type"] = QgsWkbTypes.displayString(layer.wkbType())
        out["crs"] = layer.crs().authid()
        request = None
        if bbox is not None:
            request = QgsFeatureRequest().setFilterRect(QgsRectangle(*(float(v) for v in bbox)))
        out.update(read(layer, id_field, request))
    del layer  # before exitQgis(), or QGIS segfaults on exit
    out["requests"] = requests_since_last_call()
    return out


def probe(url: str, plan: dict[str, Any]) -> dict[str, Any]:
    """Load one collection plainly, with a small page size, and through a bbox; describe each."""
    name, id_field = plan["collection"], plan.get("id_field")
    out: dict[str, Any] = {"collection": name, **load(url, name, id_field)}
    if plan.get("page_size"):
        out["paged"] = load(url, name, id_field, f"pageSize='{int(plan['page_size'])}'")
    if plan.get("bbox"):
        # restrictToRequestBBOX makes QGIS send the filter rectangle to the server as bbox=
        out["bbox"] = load(url, name, id_field, "restrictToRequestBBOX='1'", plan["bbox"])
    return out


def main(argv: list[str]) -> int:
    """Run the plan given as a JSON file path; print the results as JSON."""
    with open(argv[1], encoding="utf-8") as fh:
        plan = json.load(fh)
    app = QgsApplication([], False)
    app.initQgis()
    # pick the QgsNetworkRequestParameters overload: the default one is the deprecated 3-argument signal
    QgsNetworkAccessManager.instance().requestAboutToBeCreated[QgsNetworkRequestParameters].connect(record)
    try:
        results = [probe(plan["url"], layer) for layer in plan["layers"]]
    finally:
        app.exitQgis()
    print(json.dumps({"qgis": Qgis.QGIS_VERSION, "layers": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
