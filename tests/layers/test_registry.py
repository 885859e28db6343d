"""The frozen layer registry: lookups, typed errors, register() returning a new registry, build order."""

from __future__ import annotations

from dataclasses import replace

import pytest

from geo.errors import LayerNotFoundError, NotFoundError
from layers.registry import Registry, default_registry


def test_default_registry_lists_the_layers_in_order() -> None:
    assert list(default_registry()) == [
        "boundary", "ports", "crossings", "port-traffic", "border-region", "population", "cities", "watersheds",
        "rivers", "reservoirs", "land", "us-states", "mx-states", "railroads",
    ]


def test_with_role_finds_layers_by_role_not_id() -> None:
    base = default_registry()
    assert [s.id for s in base.with_role("traffic")] == ["port-traffic"]
    assert base.with_role("no-such-role") == []
    tagged = base.register(replace(base["rivers"], roles=frozenset({"traffic", "basemap"})))
    assert [s.id for s in tagged.with_role("traffic")] == ["port-traffic", "rivers"]


def test_unknown_layer_is_a_404_domain_error() -> None:
    with pytest.raises(LayerNotFoundError, match="unknown layer 'nope': choose one of boundary,") as info:
        default_registry().get_spec("nope")
    assert isinstance(info.value, NotFoundError)


def test_register_returns_a_new_registry_and_leaves_the_old_one_alone() -> None:
    base = default_registry()
    extra = replace(base["boundary"], id="boundary-copy", title="copy")
    grown = base.register(extra)
    assert len(grown) == len(base) + 1 and grown.get_spec("boundary-copy").title == "copy"
    assert "boundary-copy" not in base
    assert Registry((base["boundary"],)).register(extra).with_dependencies(["boundary-copy"]) == ["boundary-copy"]


def test_dependencies_come_first() -> None:
    order = default_registry().with_dependencies(["cities"])
    assert order == ["boundary", "population", "border-region", "cities"]
