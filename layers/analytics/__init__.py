"""Border analytics: distance to the line, nearest crossing, people within reach, where a place lies.

One implementation for Python, the CLI (``bordergeo where|distance|population-within|port``) and the
OGC API processes::

    from layers.analytics import load, border_distance
    data = load()                      # the current build (or load(path_to_build_dir))
    border_distance(data, [[-106.487, 31.759]])
"""

from layers.analytics.data import BorderData, load
from layers.analytics.inputs import MAX_KM, MAX_POINTS, MIN_KM, UnknownFeatureError
from layers.analytics.locate import border_distance, where
from layers.analytics.profile import port_profile
from layers.analytics.reach import population_within

__all__ = [
    "MAX_KM", "MAX_POINTS", "MIN_KM", "BorderData", "UnknownFeatureError", "border_distance", "load",
    "population_within", "port_profile", "where",
]
