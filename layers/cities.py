"""Layer `cities` (stub: being written)."""

from __future__ import annotations

import geopandas as gpd

from layers.context import BuildContext
from layers.spec import LayerSpec, Prop


def build(ctx: BuildContext) -> gpd.GeoDataFrame:
    """Not written yet."""
    raise NotImplementedError("cities")


SPEC = LayerSpec(
    id="cities",
    title="cities",
    description="cities",
    geometry_type="Point",
    id_field="id",
    properties=(Prop("id", "string", "id"),),
    sources=(),
    licence="",
    attribution="",
    build=build,
)
