"""Exact geodesic nearest-point search on WGS84: a 3-D index for candidates, pyproj.Geod for the answer.

Candidates are found in Earth-centred (ECEF) coordinates, where the straight chord between two points
never exceeds their geodesic distance: that gives a rigorous lower bound for every segment, so no
segment that could be nearer is ever skipped, wherever on Earth the query point lies. The survivors are
refined on the ellipsoid itself: the foot of the perpendicular is found by Newton steps along the
geodesic segment (``Geod.fwd``) and the distance measured with ``Geod.inv``. Segments between vertices
are geodesics (as ``Geod.geometry_length`` measures them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pyproj import Geod
from scipy.spatial import cKDTree

WGS84 = Geod(ellps="WGS84")
A_M = 6378137.0
E2 = WGS84.es
MEAN_RADIUS_M = 6371008.8
PIECE_M = 1000.0  # segments are cut into geodesic pieces no longer than this before indexing
GROUP_M = 2000.0  # consecutive pieces are indexed in groups of about this length (one KD-tree entry each)
NEIGHBOURS = 4  # candidate groups fetched per point before the bound check
NEWTON_STEPS = 2  # one step already reaches nanometres from the chord foot; the second is a guard


def ecef(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Earth-centred coordinates (m) of lon/lat degrees on the WGS84 ellipsoid surface, shape (n, 3)."""
    lam, phi = np.radians(lon), np.radians(lat)
    n = A_M / np.sqrt(1.0 - E2 * np.sin(phi) ** 2)
    return np.column_stack([n * np.cos(phi) * np.cos(lam), n * np.cos(phi) * np.sin(lam),
                            n * (1.0 - E2) * np.sin(phi)])


MIN_RADIUS_M = 6335439.0  # the ellipsoid's smallest radius of curvature (meridian at the equator)
#: farthest a query point may be from the lines (chord to the nearest piece): beyond, candidates multiply
MAX_REACH_M = 3_000_000.0
CHUNK = 4096  # points refined at once (bounds the candidate arrays)


def rank_margin(chord_m: np.ndarray) -> np.ndarray:
    """How much worse a chord may be than the best and still be the geodesically nearest (m).

    Geodesic minus chord is about 2 rho asin(c / 2 rho) - c; the radius of curvature rho varies with
    direction by at most e'^2 = 0.67 %, so two chords' ordering can flip by at most ~1.4 % of that excess.
    The margin allows 2 %, plus 1 m for the chords' sag below the ellipsoid (2 cm for 1 km pieces).
    """
    ratio = np.minimum(chord_m / (2.0 * MIN_RADIUS_M), 1.0)
    return 1.0 + 0.02 * (2.0 * MIN_RADIUS_M * np.arcsin(ratio) - chord_m)


@dataclass(frozen=True)
class Nearest:
    """For each query point: geodesic distance (m), nearest point, its line index and side (+1 right)."""

    distance_m: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    line: np.ndarray
    side: np.ndarray


class LineIndex:
    """Nearest points on a chain of lon/lat polylines (each a sequence of geodesic segments)."""

    def __init__(self, lines: list[np.ndarray], owners_of_lines: list[int] | None = None) -> None:
        starts, azis, lengths, owners = [], [], [], []
        for i, coords in enumerate(lines):
            lon0, lat0, az, length = _pieces(np.asarray(coords, dtype=np.float64))
            starts.append(np.column_stack([lon0, lat0]))
            azis.append(az)
            lengths.append(length)
            owners.append(np.full(len(az), i if owners_of_lines is None else owners_of_lines[i]))
        self.start = np.concatenate(starts)
        self.az = np.concatenate(azis)
        self.length = np.concatenate(lengths)
        self.owner = np.concatenate(owners)
        end_lon, end_lat, back = WGS84.fwd(self.start[:, 0], self.start[:, 1], self.az, self.length)
        self.end = np.column_stack([end_lon, end_lat])
        self.end_az = (np.asarray(back) + 180.0) % 360.0
        # a piece continues into the next one when its end is the next one's start (same chain)
        gap = np.full(len(self.az), np.inf)
        if len(self.az) > 1:
            _, _, d = WGS84.inv(self.end[:-1, 0], self.end[:-1, 1], self.start[1:, 0], self.start[1:, 1])
            gap[:-1] = d
        self.continues = gap < 1.0
        self.a = ecef(self.start[:, 0], self.start[:, 1])
        self.b = ecef(self.end[:, 0], self.end[:, 1])
        self._group()

    def _group(self) -> None:
        """Index groups of consecutive pieces: centre, and a radius holding every piece's chord (+1 m sag)."""
        gid = np.floor((np.cumsum(self.length) - self.length) / GROUP_M).astype(np.int64)
        _, self.g_start, self.g_count = np.unique(gid, return_index=True, return_counts=True)
        owner = np.repeat(np.arange(len(self.g_start)), self.g_count)
        centre = (np.add.reduceat(self.a, self.g_start) + np.add.reduceat(self.b, self.g_start)) / (
            2.0 * self.g_count[:, None])
        reach = np.maximum(np.linalg.norm(self.a - centre[owner], axis=1),
                           np.linalg.norm(self.b - centre[owner], axis=1))
        self.slack = float(reach.max()) + 1.0
        self.tree = cKDTree(centre)
        # a capsule per group (its first start to its last end, and a radius holding every piece): a far
        # tighter lower bound than the centre's sphere, applied before a group's pieces are expanded
        last = self.g_start + self.g_count - 1
        self.cap_a, self.cap_b = self.a[self.g_start], self.b[last]
        off = np.maximum(_chord_distance(self.a, self.cap_a[owner], self.cap_b[owner])[0],
                         _chord_distance(self.b, self.cap_a[owner], self.cap_b[owner])[0])
        self.cap_r = np.maximum.reduceat(off, self.g_start) + 1.0

    def _expand(self, pts: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(point, piece) pairs for every piece of each (point, group) pair."""
        counts = self.g_count[groups]
        first = np.cumsum(counts) - counts
        within = np.arange(int(counts.sum())) - np.repeat(first, counts)
        return np.repeat(pts, counts), np.repeat(self.g_start[groups], counts) + within

    def reach_m(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Chord distance (m) from each point to the nearest group centre: a cheap 'how far' (within a
        group's radius, about 1 km, of the distance to the line)."""
        chord, _ = self.tree.query(ecef(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)))
        return np.asarray(chord)

    def nearest(self, lon: np.ndarray, lat: np.ndarray) -> Nearest:
        """The geodesically nearest point of the lines to each lon/lat point (exact to millimetres)."""
        lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        if len(lon) <= CHUNK:
            return self._nearest(lon, lat)
        parts = [self._nearest(lon[i : i + CHUNK], lat[i : i + CHUNK]) for i in range(0, len(lon), CHUNK)]
        return Nearest(*(np.concatenate([getattr(p, f) for p in parts])
                         for f in ("distance_m", "lon", "lat", "line", "side")))

    def _nearest(self, lon: np.ndarray, lat: np.ndarray) -> Nearest:
        n, p = len(lon), ecef(lon, lat)
        k = min(NEIGHBOURS, len(self.g_start))
        near, idx = self.tree.query(p, k=k)
        near, idx = near.reshape(n, k), idx.reshape(n, k)
        g_pts, grp = np.repeat(np.arange(n), k), idx.ravel()
        low = self._capsule_low(p, g_pts, grp)
        first = idx[np.arange(n), np.argmin(low.reshape(n, k), axis=1)]  # the most promising group first
        pts, cand = self._expand(np.arange(n), first)
        chord, t = _chord_distance(p[pts], self.a[cand], self.b[cand])
        upper = self._upper_bound(pts, cand, chord, t, lon, lat, n)
        wide = np.flatnonzero(near[:, -1] <= upper + self.slack) if k < len(self.g_start) else np.array([], int)
        if len(wide):  # a group beyond the k nearest centres may still hold a nearer piece: look wider
            balls = self.tree.query_ball_point(p[wide], upper[wide] + self.slack)
            counts = np.fromiter((len(b) for b in balls), dtype=np.int64, count=len(wide))
            more_pts, more = np.repeat(wide, counts), np.concatenate(balls).astype(np.int64)
            g_pts, grp = np.r_[g_pts, more_pts], np.r_[grp, more]
            low = np.r_[low, self._capsule_low(p, more_pts, more)]
        fits = (low <= upper[g_pts]) & (grp != first[g_pts])  # geodesic >= chord >= capsule bound
        more_pts, more = self._expand(g_pts[fits], grp[fits])
        more_chord, more_t = _chord_distance(p[more_pts], self.a[more], self.b[more])
        pts, cand = np.r_[pts, more_pts], np.r_[cand, more]
        chord, t = np.r_[chord, more_chord], np.r_[t, more_t]
        return self._refine(pts, cand, chord, t, lon, lat, n)

    def _capsule_low(self, p: np.ndarray, pts: np.ndarray, groups: np.ndarray) -> np.ndarray:
        """Lower bound (m) of the distance from each point to any piece of its group."""
        return _chord_distance(p[pts], self.cap_a[groups], self.cap_b[groups])[0] - self.cap_r[groups]

    def _upper_bound(self, pts: np.ndarray, cand: np.ndarray, chord: np.ndarray, t: np.ndarray,
                     lon: np.ndarray, lat: np.ndarray, n: int) -> np.ndarray:
        """Geodesic distance from each point to a point of its chord-nearest candidate piece (m)."""
        order = np.lexsort((chord, pts))
        first = order[np.r_[True, pts[order][1:] != pts[order][:-1]]]
        c = cand[first]
        flon, flat, _ = WGS84.fwd(self.start[c, 0], self.start[c, 1], self.az[c], t[first] * self.length[c])
        _, _, d = WGS84.inv(flon, flat, lon[pts[first]], lat[pts[first]])
        out = np.empty(n)
        out[pts[first]] = d
        return out

    def _refine(self, pts: np.ndarray, cand: np.ndarray, chord: np.ndarray, t: np.ndarray, lon: np.ndarray,
                lat: np.ndarray, n: int) -> Nearest:
        """The exact nearest point of each point's best candidate piece."""
        low = np.full(n, np.inf)
        np.minimum.at(low, pts, chord)
        keep = chord <= low[pts] + rank_margin(low[pts])
        pts, cand, t = pts[keep], cand[keep], t[keep]
        s = t * self.length[cand]
        for _ in range(NEWTON_STEPS):
            s = self._step(cand, s, lon[pts], lat[pts])
        flon, flat, back = WGS84.fwd(self.start[cand, 0], self.start[cand, 1], self.az[cand], s)
        az_fp, _, dist = WGS84.inv(flon, flat, lon[pts], lat[pts])
        dist = np.asarray(dist)
        order = np.lexsort((dist, pts))
        chosen = order[np.r_[True, pts[order][1:] != pts[order][:-1]]]
        at = np.empty(n, dtype=np.int64)
        at[pts[chosen]] = chosen
        piece, s = cand[at], s[at]
        side = self._side(piece, s, np.asarray(az_fp)[at], np.asarray(back)[at], dist[at])
        return Nearest(dist[at], np.asarray(flon)[at], np.asarray(flat)[at], self.owner[piece], side)

    def _step(self, cand: np.ndarray, s: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """One Newton step of the foot along each piece (spherical along-track correction)."""
        flon, flat, back = WGS84.fwd(self.start[cand, 0], self.start[cand, 1], self.az[cand], s)
        az_fp, _, d = WGS84.inv(flon, flat, lon, lat)
        alpha = np.radians(np.asarray(az_fp) - (np.asarray(back) + 180.0))
        sigma = np.minimum(np.asarray(d) / MEAN_RADIUS_M, np.pi / 2 - 1e-9)
        along = MEAN_RADIUS_M * np.arctan(np.tan(sigma) * np.cos(alpha))
        return np.clip(s + along, 0.0, self.length[cand])

    def _side(self, piece: np.ndarray, s: np.ndarray, az_fp: np.ndarray, back: np.ndarray,
              dist: np.ndarray) -> np.ndarray:
        """+1 right of the chain, -1 left, 0 on it (within a millimetre)."""
        right = np.sin(np.radians(az_fp - (back + 180.0))) > 0
        return np.where(dist < 1e-3, 0, self._corner_side(piece, s, az_fp, right))

    def _corner_side(self, piece: np.ndarray, s: np.ndarray, az_fp: np.ndarray, right: np.ndarray) -> np.ndarray:
        """+1 right of the chain, -1 left; at a vertex, the side of the wedge between the two pieces."""
        at_end = (s >= self.length[piece] - 1e-6) & self.continues[piece]
        at_start = (s <= 1e-6) & np.r_[False, self.continues[:-1]][piece]
        incoming = np.where(at_start, piece - 1, piece)
        outgoing = np.where(at_end, np.minimum(piece + 1, len(self.az) - 1), piece)
        corner = at_end | at_start
        a_in, a_out = self.end_az[incoming], self.az[outgoing]
        r_in = np.sin(np.radians(az_fp - a_in)) > 0
        r_out = np.sin(np.radians(az_fp - a_out)) > 0
        turns_right = np.sin(np.radians(a_out - a_in)) > 0
        # at a right turn the right side is the inner wedge (both), at a left turn the outer one (either)
        wedge = np.where(turns_right, r_in & r_out, r_in | r_out)
        return np.where(np.where(corner, wedge, right), 1, -1)


def _pieces(coords: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cut a polyline's geodesic segments into pieces of at most PIECE_M: (lon, lat, azimuth, length)."""
    lon1, lat1, lon2, lat2 = coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1]
    az, _, length = WGS84.inv(lon1, lat1, lon2, lat2)
    az, length = np.asarray(az), np.asarray(length)
    keep = length > 0
    lon1, lat1, az, length = lon1[keep], lat1[keep], az[keep], length[keep]
    count = np.maximum(np.ceil(length / PIECE_M), 1).astype(np.int64)
    seg = np.repeat(np.arange(len(az)), count)
    k = np.arange(len(seg)) - np.repeat(np.cumsum(count) - count, count)
    step = length[seg] / count[seg]
    plon, plat, back = WGS84.fwd(lon1[seg], lat1[seg], az[seg], k * step)
    paz = np.where(k == 0, az[seg], (np.asarray(back) + 180.0) % 360.0)
    return np.asarray(plon), np.asarray(plat), paz, step


def _chord_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """3-D distance from points to chords a-b and the chord parameter t of the nearest point."""
    ab = b - a
    denom = np.einsum("ij,ij->i", ab, ab)
    t = np.clip(np.einsum("ij,ij->i", p - a, ab) / np.where(denom > 0, denom, 1.0), 0.0, 1.0)
    return np.linalg.norm(p - (a + t[:, None] * ab), axis=1), t


class PointIndex:
    """Nearest of a few hundred lon/lat points, ranked by chord, measured with Geod.inv."""

    def __init__(self, lon: np.ndarray, lat: np.ndarray) -> None:
        self.lon, self.lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        self.xyz = ecef(self.lon, self.lat)

    def nearest(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(index of the nearest point, geodesic distance in m) for each query point."""
        lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        p = ecef(lon, lat)
        chord = np.sqrt(np.maximum(
            (p**2).sum(1)[:, None] + (self.xyz**2).sum(1)[None, :] - 2.0 * p @ self.xyz.T, 0.0))
        low = chord.min(axis=1)
        rows, cols = np.nonzero(chord <= (low + rank_margin(low) + 1.0)[:, None])
        _, _, dist = WGS84.inv(lon[rows], lat[rows], self.lon[cols], self.lat[cols])
        dist = np.asarray(dist)
        order = np.lexsort((dist, rows))
        first = np.ones(len(order), dtype=bool)
        first[1:] = rows[order][1:] != rows[order][:-1]
        chosen = order[first]
        return cols[chosen], dist[chosen]


def geodesic_circle(lon: float, lat: float, radius_m: float, vertices: int = 720) -> np.ndarray:
    """Vertices (closed ring, counter-clockwise) of the geodesic circle of ``radius_m`` around a point."""
    az = np.linspace(360.0, 0.0, vertices, endpoint=False)
    x, y, _ = WGS84.fwd(np.full(vertices, lon), np.full(vertices, lat), az, np.full(vertices, radius_m))
    ring = np.column_stack([x, y])
    return np.vstack([ring, ring[:1]])
