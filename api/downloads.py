"""``/downloads/{name}``: the build's whole-dataset files, for a planner: the QGIS project and its GeoPackage.

``bordergeo.qgz`` (``layers.qgis_project``) reads ``./bordergeo.gpkg`` beside it: download both into one folder.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from api.dependencies import CtxDep, respond
from api.errors import RouteNotFoundError
from api.openapi import DOWNLOADS as FILES
from api.params import check_params

router = APIRouter()


@router.get("/downloads/{name}")
async def download(name: str, c: CtxDep) -> Response:
    """One whole-dataset file of the served build (404 for any other name, or a backend without files)."""
    check_params(c.params, [])
    store = c.sources.store
    media = FILES.get(name)
    path = store.path / name if store is not None else None
    if media is None or path is None or not path.is_file():
        raise RouteNotFoundError(f"no download '{name[:60]}': choose one of {', '.join(FILES)}")
    # a few MB at most, and the response cache, ETags and compression then apply as to every other resource
    return respond(path.read_bytes(), media, c, {"Content-Disposition": f'attachment; filename="{name}"'})
