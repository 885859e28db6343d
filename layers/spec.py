"""The single declaration of a layer that the build, the API and the maps all read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import geopandas as gpd

    from layers.context import BuildContext

PropType = Literal["string", "integer", "number", "boolean", "date"]
GeometryType = Literal["Point", "LineString", "MultiLineString", "Polygon", "MultiPolygon"]

#: pandas dtypes each declared property type may be stored as.
DTYPES: dict[str, tuple[str, ...]] = {
    "string": ("object", "string", "str"),
    "integer": ("int64", "Int64", "int32"),
    "number": ("float64", "Float64", "int64"),
    "boolean": ("bool", "boolean"),
    # dates at midnight UTC (or ``datetime.date`` objects); served as "YYYY-MM-DD"
    "date": ("datetime64[ns]", "datetime64[ms]", "datetime64[us]", "datetime64[s]", "object"),
}
#: roles a layer may play for the API and the maps (instead of layer ids written outside ``layers/``)
ROLES = frozenset({"context", "feature-pages", "basemap", "traffic"})


@dataclass(frozen=True)
class Prop:
    """One feature property: name, JSON type, description, and whether it may be null."""

    name: str
    type: PropType
    description: str
    nullable: bool = False
    unit: str | None = None
    #: values a string property takes (queryables advertise them as an enum)
    enum: tuple[str, ...] | None = None

    def json_schema(self) -> dict[str, Any]:
        """This property as a JSON Schema fragment (used for queryables and OpenAPI)."""
        schema: dict[str, Any] = {"title": self.name, "description": self.description}
        json_type = "string" if self.type == "date" else self.type
        schema["type"] = [json_type, "null"] if self.nullable else json_type
        if self.type == "date":
            schema["format"] = "date"
        if self.enum:
            schema["enum"] = list(self.enum)
        if self.unit:
            schema["x-unit"] = self.unit
        return schema


@dataclass(frozen=True)
class Style:
    """How maps draw the layer; ``by`` names a property whose values pick colours from ``palette``."""

    color: str = "#3388ff"
    weight: float = 2.0
    fill_color: str | None = None
    fill_opacity: float = 0.2
    radius: float = 5.0
    by: str | None = None
    palette: tuple[tuple[str, str], ...] = ()
    #: property whose value scales point radius (e.g. traffic)
    size_by: str | None = None
    #: property mapped to a choropleth (numeric)
    choropleth: str | None = None
    #: choropleth classification (layers/classes.py): number of classes, mapclassify scheme, colour ramp
    classes: int = 5
    scheme: str = "FisherJenks"
    ramp: tuple[str, ...] = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")  # ColorBrewer YlOrRd
    #: property shown as a map label, and the zoom from which the first (biggest) labels appear
    label: str | None = None
    label_min_zoom: int = 0
    #: property holding the Spanish name, used on Spanish pages where it is not null
    name_es_field: str | None = None


@dataclass(frozen=True)
class LayerSpec:
    """Everything known about a layer before it is built.

    ``build`` turns a :class:`~layers.context.BuildContext` into a GeoDataFrame in EPSG:4326 whose columns
    are exactly the declared properties (in order) plus ``geometry``.
    """

    id: str
    title: str
    description: str
    geometry_type: GeometryType
    id_field: str
    properties: tuple[Prop, ...]
    sources: tuple[str, ...]
    licence: str
    attribution: str
    build: Callable[[BuildContext], gpd.GeoDataFrame]
    depends: tuple[str, ...] = ()
    style: Style = field(default_factory=Style)
    #: the property used as the feature's display name (popups, tooltips, HTML)
    title_field: str | None = None
    keywords: tuple[str, ...] = ()
    #: notes on method (e.g. areal weighting) published in the layer's metadata
    method: str = ""
    #: what the layer is for beyond "data": "context" (drawn behind feature pages and maps), "feature-pages"
    #: (one map page per feature), "basemap" (background, not data), "traffic" (per-port monthly traffic)
    roles: frozenset[str] = frozenset()
    #: the date property the OGC ``datetime`` parameter filters on (None: no time dimension)
    temporal: str | None = None
    #: zooms at which the layer appears in vector tiles / reaches full detail
    min_zoom: int = 0
    max_zoom: int = 14

    @property
    def property_names(self) -> list[str]:
        """Declared property names, in order."""
        return [p.name for p in self.properties]

    def prop(self, name: str) -> Prop:
        """The declared property called ``name`` (KeyError if there is none)."""
        for p in self.properties:
            if p.name == name:
                return p
        raise KeyError(name)
