"""The frozen registry of declared layers (a mapping from id to LayerSpec)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from types import MappingProxyType

from geo.errors import LayerNotFoundError
from layers.spec import LayerSpec


class Registry(Mapping[str, LayerSpec]):
    """An immutable, ordered collection of layer declarations."""

    def __init__(self, specs: tuple[LayerSpec, ...] = ()) -> None:
        self._specs = MappingProxyType({s.id: s for s in specs})

    def __getitem__(self, layer_id: str) -> LayerSpec:
        return self._specs[layer_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)

    def get_spec(self, layer_id: str) -> LayerSpec:
        """The declaration of ``layer_id``; LayerNotFoundError listing the known ids otherwise."""
        try:
            return self._specs[layer_id]
        except KeyError:
            raise LayerNotFoundError(
                f"unknown layer '{layer_id}': choose one of {', '.join(self._specs)}"
            ) from None

    def register(self, spec: LayerSpec) -> Registry:
        """A new registry with ``spec`` added (or replaced)."""
        specs = {**self._specs, spec.id: spec}
        return Registry(tuple(specs.values()))

    def with_role(self, role: str) -> list[LayerSpec]:
        """The declarations playing ``role`` (e.g. ``"context"``), in registry order."""
        return [s for s in self._specs.values() if role in s.roles]

    def with_dependencies(self, ids: list[str]) -> list[str]:
        """``ids`` plus everything they depend on, in build order (dependencies first)."""
        order: list[str] = []

        def visit(layer_id: str) -> None:
            if layer_id in order:
                return
            for dep in self.get_spec(layer_id).depends:
                visit(dep)
            order.append(layer_id)

        for layer_id in ids:
            visit(layer_id)
        return order


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The registry of every bordergeo layer, in build order."""
    from layers import (
        border_region,
        boundary,
        cities,
        crossings,
        land,
        mx_states,
        population,
        port_traffic,
        ports,
        railroads,
        reservoirs,
        rivers,
        us_states,
        watersheds,
    )

    modules = (
        boundary, ports, crossings, port_traffic, border_region, population, cities, watersheds, rivers, reservoirs,
        land, us_states, mx_states, railroads,
    )
    return Registry(tuple(m.SPEC for m in modules))
