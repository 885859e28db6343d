"""Layer `watersheds` (stub: being written)."""

from __future__ import annotations

import geopandas as gpd

from layers.context import BuildContext
from layers.spec import LayerSpec, Prop


def build(ctx: BuildContext) -> gpd.GeoDataFrame:
    """Not written yet."""
    raise NotImplementedError("watersheds")


SPEC = LayerSpec(
    id="watersheds",
    title="watersheds",
    description="watersheds",
    geometry_type="Point",
    id_field="id",
    properties=(Prop("id", "string", "id"),),
    sources=(),
    licence="",
    attribution="",
    build=build,
)
