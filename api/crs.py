"""OGC API – Features Part 2: the coordinate reference systems the service speaks, and transforms.

Features are stored in CRS84 (longitude, latitude). EPSG:4326 and EPSG:4269 are answered latitude-first,
as their EPSG definitions say (the axis-order confusion users complain about is resolved by the URI:
``.../OGC/1.3/CRS84`` is lon/lat, ``.../EPSG/0/4326`` is lat/lon).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from pyproj import Transformer

from geo.errors import CRSError
from geo.measure import CRS84

_EPSG = "http://www.opengis.net/def/crs/EPSG/0/"


@dataclass(frozen=True)
class Crs:
    """A supported CRS: its OGC URI, the code pyproj knows it by, and its axis order."""

    uri: str
    code: str
    lat_first: bool = False
    geographic: bool = False

    @property
    def header(self) -> str:
        """The value of the ``Content-Crs`` header."""
        return f"<{self.uri}>"

    @property
    def is_crs84(self) -> bool:
        """True for the storage CRS (no transformation needed)."""
        return self.uri == CRS84


_LIST = (
    Crs(CRS84, "OGC:CRS84", geographic=True),
    Crs(_EPSG + "4326", "EPSG:4326", lat_first=True, geographic=True),
    Crs(_EPSG + "3857", "EPSG:3857"),
    Crs(_EPSG + "4269", "EPSG:4269", lat_first=True, geographic=True),
    *(Crs(_EPSG + str(code), f"EPSG:{code}") for code in range(32611, 32615)),
)
SUPPORTED: dict[str, Crs] = {c.uri: c for c in _LIST}
STORAGE = SUPPORTED[CRS84]
EDGE_SAMPLES = 21
#: no supported CRS has coordinates beyond this (metres; degrees are far smaller)
MAX_PROJECTED = 1e8


def crs_uris() -> list[str]:
    """The URIs of every supported CRS, storage CRS first."""
    return list(SUPPORTED)


_CURIE = re.compile(r"\[(EPSG|OGC):([A-Za-z0-9.]+)\]")


def parse_crs(value: str, param: str) -> Crs:
    """The supported CRS named by ``value`` (its OGC URI or safe CURIE, ``[EPSG:3857]``); CRSError otherwise."""
    text = value.strip()
    curie = _CURIE.fullmatch(text)
    if curie:
        authority, code = curie.groups()
        text = CRS84 if (authority, code) == ("OGC", "CRS84") else f"http://www.opengis.net/def/crs/{authority}/0/{code}"
    found = SUPPORTED.get(text)
    if found is None:
        shown = value if len(value) <= 80 else value[:77] + "..."
        raise CRSError(f"{param}: unsupported CRS '{shown}'; use one of {', '.join(SUPPORTED)}")
    return found


@lru_cache(maxsize=32)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def _coords_fn(src: Crs, dst: Crs) -> Callable[[np.ndarray], np.ndarray]:
    """A function mapping an (n, 2) array of ``src`` coordinates (in its axis order) to ``dst``."""
    transformer = None if src.code == dst.code else _transformer(src.code, dst.code)

    def fn(coords: np.ndarray) -> np.ndarray:
        xy = coords[:, ::-1] if src.lat_first else coords
        if transformer is not None:
            x, y = transformer.transform(xy[:, 0], xy[:, 1])
            xy = np.column_stack([x, y])
        return np.ascontiguousarray(xy[:, ::-1] if dst.lat_first else xy)

    return fn


def from_storage(geoms: np.ndarray, crs: Crs) -> np.ndarray:
    """Geometries (CRS84) expressed in ``crs``, in its axis order."""
    if crs.is_crs84:
        return geoms
    return shapely.transform(geoms, _coords_fn(STORAGE, crs))


def to_storage(geom: shapely.Geometry, crs: Crs) -> shapely.Geometry:
    """A geometry given in ``crs`` (its axis order) expressed in CRS84; CRSError if it does not map."""
    if crs.is_crs84:
        return geom
    with np.errstate(all="ignore"):
        out = shapely.transform(geom, _coords_fn(crs, STORAGE))
    if not np.isfinite(shapely.get_coordinates(out)).all():
        raise CRSError(f"geometry lies outside the area where {crs.code} is defined")
    return out


def bbox_region(corners: tuple[float, float, float, float], crs: Crs) -> shapely.Geometry:
    """The rectangle with these corners in projected ``crs`` as a CRS84 polygon (edges sampled, so curved)."""
    ring = _edge_points(corners, crs)
    return shapely.Polygon(ring)


def _edge_points(corners: tuple[float, float, float, float], crs: Crs) -> np.ndarray:
    """Points along the four edges of a box in ``crs``, in CRS84 (CRSError where ``crs`` is undefined)."""
    x0, y0, x1, y1 = corners
    if max(abs(v) for v in corners) > MAX_PROJECTED:
        raise CRSError(f"bbox lies outside the area where {crs.code} is defined")
    t = np.linspace(0.0, 1.0, EDGE_SAMPLES)
    xs = np.concatenate([x0 + (x1 - x0) * t, np.full_like(t, x1), x1 + (x0 - x1) * t, np.full_like(t, x0)])
    ys = np.concatenate([np.full_like(t, y0), y0 + (y1 - y0) * t, np.full_like(t, y1), y1 + (y0 - y1) * t])
    with np.errstate(all="ignore"):
        out = _coords_fn(crs, STORAGE)(np.column_stack([xs, ys]))
    if not np.isfinite(out).all():
        raise CRSError(f"bbox lies outside the area where {crs.code} is defined")
    return out


def bbox_to_storage(corners: tuple[float, float, float, float], crs: Crs) -> tuple[float, float, float, float]:
    """A box given by its lower and upper corners in ``crs`` (its axis order) as a CRS84 bbox.

    The box's edges are sampled (21 points each) so a projected box keeps its curved outline in CRS84.
    """
    if crs.is_crs84:
        return corners
    out = _edge_points(corners, crs)
    return float(out[:, 0].min()), float(out[:, 1].min()), float(out[:, 0].max()), float(out[:, 1].max())
