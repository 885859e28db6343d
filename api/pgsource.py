"""The PostGIS backend: each collection a table of the build schema ``bordergeo load-postgis`` switched to.

Queries run on an asyncpg pool; every client value is a bound parameter (filters via :mod:`api.pgsql`).
A default page (CRS84, every property, with geometry) is a join of the ``_feature`` bytes the loader wrote,
so PostgreSQL only selects, sorts and counts; other outputs are written in SQL (``ST_AsGeoJSON``,
``ST_Transform``, ``ST_FlipCoordinates`` for latitude-first CRSs). Results equal the in-memory backend's:
the same storage order (``_ord``), nulls last in ``sortby``, code-point string order (``COLLATE "C"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC
from typing import Any

import asyncpg
import geopandas as gpd
import orjson
import pandas as pd
import shapely

from api.crs import Crs
from api.pgsql import Params, compile_where
from api.source import Extent, Output, Record, Selection
from geo.errors import FeatureNotFoundError, InvalidParameterError
from layers.pgload import FEATURE_COLUMN, GEOMETRY_COLUMN, ORDER_COLUMN, SRID, DatabaseError, quote_ident
from layers.spec import LayerSpec

MAX_ID_LENGTH = 256
GEOJSON_DIGITS = 15  # as many as a double carries: coordinates round-trip like the in-memory backend's


@dataclass(frozen=True)
class PgSource:
    """One collection served from its table (implements :class:`api.source.FeatureSource`, awaitably)."""

    spec: LayerSpec
    entry: Mapping[str, Any]
    extent: Extent
    pool: asyncpg.Pool
    schema: str
    features_count: int
    collation: str = "und-x-icu"

    @property
    def table(self) -> str:
        """The schema-qualified table."""
        return f"{quote_ident(self.schema)}.{quote_ident(self.spec.id)}"

    def __len__(self) -> int:
        return self.features_count

    async def count(self, sel: Selection) -> int:
        """Number of features ``sel`` matches."""
        if not sel.selects:
            return self.features_count
        params = Params()
        where = self._where(sel, params)
        return int(await self._fetchval(f"SELECT count(*) FROM {self.table} WHERE {where}", params))

    async def features(self, sel: Selection, out: Output) -> tuple[int, list[bytes]]:
        """(matched, the page's GeoJSON Feature objects)."""
        params = Params()
        rows = await self._page(sel, self._feature_sql(out), params)
        return await self._matched(sel, rows), [bytes(r[1]) for r in rows]

    async def records(self, sel: Selection, out: Output) -> tuple[int, list[Record]]:
        """(matched, the page as records)."""
        params = Params()
        names = self._names(out)
        rows = await self._page(sel, self._record_sql(names, out), params)
        return await self._matched(sel, rows), [self._record(r, names, out) for r in rows]

    async def feature(self, feature_id: str, out: Output) -> bytes:
        """One GeoJSON Feature by id; FeatureNotFoundError when there is none."""
        params = Params()
        key = self._key(feature_id, params)
        found = await self._fetchval(f"SELECT {self._feature_sql(out)} FROM {self.table} WHERE {key}", params)
        if found is None:
            raise self._not_found(feature_id)
        return bytes(found)

    async def record(self, feature_id: str, out: Output) -> Record:
        """One feature by id as a record."""
        params = Params()
        names = self._names(out)
        key = self._key(feature_id, params)
        rows = await self._fetch(f"SELECT 0, {self._record_sql(names, out)} FROM {self.table} WHERE {key}", params)
        if not rows:
            raise self._not_found(feature_id)
        return self._record(rows[0], names, out)

    async def frame(self, sel: Selection, out: Output) -> gpd.GeoDataFrame:
        """Every matching feature as a GeoDataFrame in ``out.crs`` (x = longitude, as files keep it)."""
        xy = replace(out, crs=replace(out.crs, lat_first=False), geometry=True)
        _, records = await self.records(sel.unpaged(), xy)
        names = self._names(out)
        data: dict[str, Any] = {n: [r.properties[n] for r in records] for n in names}
        code = "EPSG:4326" if out.crs.is_crs84 else out.crs.code
        frame = gpd.GeoDataFrame(data, geometry=[r.geometry for r in records], crs=code)
        for prop in self.spec.properties:
            if prop.name not in data:
                continue
            if prop.type in ("integer", "number") and frame[prop.name].isna().any():
                frame[prop.name] = frame[prop.name].astype("float64")
            elif prop.type == "date":
                frame[prop.name] = pd.to_datetime(frame[prop.name])
        return frame

    # -- SQL -------------------------------------------------------------------------------------------
    def _where(self, sel: Selection, params: Params) -> str:
        """The condition of ``sel``: boxes (or the projected region), datetime and filter."""
        conds = []
        if sel.region is not None:
            ewkb = bytes(shapely.to_wkb(shapely.set_srid(sel.region, SRID), include_srid=True))
            conds.append(f"ST_Intersects({GEOMETRY_COLUMN}, ST_GeomFromEWKB({params.bind(ewkb, 'bytea')}))")
        elif sel.boxes:
            boxes = [f"ST_Intersects({GEOMETRY_COLUMN}, ST_MakeEnvelope("
                     + ", ".join(params.bind(float(v), "float8") for v in box) + f", {SRID}))" for box in sel.boxes]
            conds.append(boxes[0] if len(boxes) == 1 else "(" + " OR ".join(boxes) + ")")
        if sel.datetime is not None and self.spec.temporal is not None:
            column = quote_ident(self.spec.temporal)
            if sel.datetime.start is not None:  # a day intersects the interval if it ends after the start
                conds.append(f"{column} >= {params.bind(sel.datetime.start.astimezone(UTC).date(), 'date')}")
            if sel.datetime.end is not None:
                conds.append(f"{column} <= {params.bind(sel.datetime.end, 'timestamptz')}")
            conds.append(f"{column} IS NOT NULL")
        if sel.filter is not None:
            conds.append(compile_where(sel.filter, self.spec, params, casei_collation=self.collation))
        return " AND ".join(conds) or "TRUE"

    def _order(self, sel: Selection) -> str:
        keys = [f"{quote_ident(self._known(name))} {'DESC' if desc else 'ASC'} NULLS LAST" for name, desc in sel.sortby]
        return ", ".join([*keys, ORDER_COLUMN])

    async def _page(self, sel: Selection, columns: str, params: Params) -> list[asyncpg.Record]:
        """The page's rows: (matched, *columns), in order."""
        where = self._where(sel, params)
        sql = f"SELECT count(*) OVER (), {columns} FROM {self.table} WHERE {where} ORDER BY {self._order(sel)}"
        if sel.limit is not None:
            sql += f" LIMIT {params.bind(sel.limit, 'bigint')}"
        if sel.offset:
            sql += f" OFFSET {params.bind(sel.offset, 'bigint')}"
        return await self._fetch(sql, params)

    async def _matched(self, sel: Selection, rows: list[asyncpg.Record]) -> int:
        """numberMatched: from the window count, or counted when the page is past the end."""
        if rows:
            return int(rows[0][0])
        return 0 if sel.offset == 0 else await self.count(sel)

    def _geometry_sql(self, crs: Crs) -> str:
        """The geometry in ``crs``, in its axis order."""
        geom = GEOMETRY_COLUMN
        if not crs.is_crs84:
            srid = int(crs.code.split(":")[1])
            geom = geom if srid == SRID else f"ST_Transform({geom}, {srid})"
            if crs.lat_first:
                geom = f"ST_FlipCoordinates({geom})"
        return geom

    def _feature_sql(self, out: Output) -> str:
        """A bytea expression: the Feature's GeoJSON as ``out`` asks (the stored one by default)."""
        if out.default:
            return FEATURE_COLUMN
        geometry = f"ST_AsGeoJSON({self._geometry_sql(out.crs)}, {GEOJSON_DIGITS})" if out.geometry else "'null'"
        props = " || ',' || ".join(f"{_sql_text(orjson.dumps(n).decode() + ':')} || {self._json_value(n)}"
                                   for n in self._names(out))
        fid = quote_ident(self.spec.id_field)
        return (f"""convert_to('{{"type":"Feature","id":' || to_json({fid})::text || ',"geometry":' || {geometry} """
                f"""|| ',"properties":{{' {'|| ' + props if props else ''} || '}}}}', 'UTF8')""")

    def _json_value(self, name: str) -> str:
        """JSON text of property ``name`` as the in-memory backend writes it (a whole float keeps its ``.0``)."""
        col = quote_ident(name)
        if self.spec.prop(name).type == "number":
            return (f"CASE WHEN {col} IS NULL THEN 'null' WHEN {col} = trunc({col}) AND abs({col}) < 1e15 "
                    f"THEN trunc({col})::bigint::text || '.0' ELSE to_json({col})::text END")
        return f"coalesce(to_json({col})::text, 'null')"

    def _record_sql(self, names: list[str], out: Output) -> str:
        cols = [quote_ident(self.spec.id_field), *(quote_ident(n) for n in names)]
        cols.append(f"ST_AsBinary({self._geometry_sql(out.crs)})" if out.geometry else "NULL::bytea")
        return ", ".join(cols)

    def _record(self, row: asyncpg.Record, names: list[str], out: Output) -> Record:
        values = list(row)[1:]
        geometry = shapely.from_wkb(values[-1]) if out.geometry and values[-1] is not None else None
        return Record(values[0], dict(zip(names, values[1:-1], strict=True)), geometry)

    def _key(self, feature_id: str, params: Params) -> str:
        """``id_field = $n`` for the id as the URL writes it; FeatureNotFoundError when it cannot be one."""
        kind = self.spec.prop(self.spec.id_field).type
        value: Any = feature_id
        if len(feature_id) > MAX_ID_LENGTH or "\x00" in feature_id:  # PostgreSQL text never holds NUL
            raise self._not_found(feature_id)
        if kind == "integer":  # the in-memory backend matches str(id): "042" is not feature 42
            if not feature_id.lstrip("-").isdigit() or str(int(feature_id)) != feature_id:
                raise self._not_found(feature_id)
            value = int(feature_id)
        elif kind != "string":
            raise self._not_found(feature_id)
        return f"{quote_ident(self.spec.id_field)} = {params.bind(value, 'bigint' if kind == 'integer' else 'text')}"

    def _names(self, out: Output) -> list[str]:
        return [self._known(n) for n in out.properties] if out.properties is not None else self.spec.property_names

    def _known(self, name: str) -> str:
        if name not in self.spec.property_names:  # parsing validated it; never let another name into SQL
            raise InvalidParameterError(f"unknown property '{name[:60]}' of collection '{self.spec.id}'")
        return name

    def _not_found(self, feature_id: str) -> FeatureNotFoundError:
        shown = feature_id if len(feature_id) <= 60 else feature_id[:57] + "..."
        return FeatureNotFoundError(f"collection '{self.spec.id}' has no feature with id '{shown}'")

    async def _fetch(self, sql: str, params: Params) -> list[asyncpg.Record]:
        try:
            return list(await self.pool.fetch(sql, *params.values))
        except asyncpg.DataError as exc:  # a value the checks let through but PostgreSQL refuses (overflow)
            raise InvalidParameterError(f"filter: cannot be evaluated ({exc})") from None
        except (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
                asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError) as exc:
            # the database is down, or dropped this build after a newer one: the client may retry
            raise DatabaseError(f"the database is unavailable ({type(exc).__name__}); try again") from None

    async def _fetchval(self, sql: str, params: Params) -> Any:
        rows = await self._fetch(sql, params)
        return rows[0][0] if rows else None


def _sql_text(value: str) -> str:
    """A SQL string literal of ``value`` (only ever our own JSON of a declared property name)."""
    return "'" + value.replace("'", "''") + "'"
