"""English and Spanish labels of what the layers declare: property names, category values, units, titles.

The API's HTML pages and the Folium maps both read these, so a property is called the same on both.
Layer titles carry both languages themselves ("Ports of entry / Puertos fronterizos").
"""

from __future__ import annotations

import re
from typing import Literal

Lang = Literal["en", "es"]
LANGS: tuple[Lang, ...] = ("en", "es")

#: property name -> Spanish label (English labels are the names with spaces)
PROP_ES: dict[str, str] = {
    "name": "nombre", "name_es": "nombre en español", "name_ascii": "nombre sin acentos",
    "alternate_names": "otros nombres", "country": "país", "state": "estado", "state_code": "clave de estado",
    "us_state": "estado de EUA", "us_state_code": "clave del estado de EUA", "mx_state": "estado de México",
    "mx_state_code": "clave del estado de México", "us_city": "ciudad de EUA", "mx_city": "ciudad de México",
    "code": "clave", "unit_code": "clave del municipio o condado", "unit_name": "municipio o condado",
    "population": "población", "population_in_region": "población en la región", "area_km2": "área",
    "area_km2_us": "área en EUA", "area_km2_mx": "área en México", "share_mx": "fracción en México",
    "share_in_region": "fracción en la región", "density_per_km2": "densidad", "length_km": "longitud",
    "length_mi": "longitud (mi)", "kind": "tipo", "kind_es": "tipo (español)", "segment_id": "tramo",
    "seq": "orden", "port_code": "clave de puerto", "port_name": "puerto", "crossing_id": "cruce",
    "pedestrian": "peatones", "passenger_vehicle": "vehículos de pasajeros", "commercial": "carga",
    "rail": "ferrocarril", "main_traffic": "tránsito principal", "distance_to_boundary_km": "distancia a la frontera",
    "distance_to_border_km": "distancia a la frontera", "distance_to_port_km": "distancia al puerto",
    "source": "fuente", "first_month": "primer mes", "last_month": "último mes", "months": "meses",
    "location_source": "origen de la ubicación", "main_crossing_id": "cruce principal", "basin_id": "cuenca",
    "parent_basin": "cuenca mayor", "boundary_length_km": "longitud de frontera", "boundary_length_mi":
    "longitud de frontera (mi)", "treaty_article": "artículo del tratado", "treaty_allotment_acre_feet_per_year":
    "asignación del tratado (acre-pie/año)", "treaty_allotment_m3_per_year": "asignación del tratado (m³/año)",
    "treaty_allotment_recipient": "país que recibe la asignación", "treaty_summary": "lo que dice el tratado",
    "width_km": "ancho", "n_states": "número de estados", "states": "estados",
    "n_units": "número de municipios o condados",
    "geonameid": "id GeoNames", "admin1_code": "clave admin1", "region_side": "lado de la región",
    "river_id": "río", "reservoir_id": "presa", "scalerank": "rango de escala", "source_layer": "capa de origen",
    "featurecla": "clase", "land_id": "polígono", "clipped": "recortado", "state_fips": "clave FIPS",
    "postal": "abreviatura postal", "abbreviation": "abreviatura", "municipios": "municipios",
    "railroad_id": "vía", "month": "mes", "traffic_id": "registro", "forms_boundary": "forma parte de la frontera",
    "hours": "horario", "status": "estado de operación", "location_method": "método de ubicación",
    "source_offset_km": "desplazamiento respecto a la fuente",
}
#: BTS measure stems (``layers.ports.MEASURES``) -> Spanish
MEASURE_ES: dict[str, str] = {
    "bus_passengers": "pasajeros de autobús", "buses": "autobuses", "pedestrians": "peatones",
    "personal_vehicle_passengers": "pasajeros de vehículos particulares", "personal_vehicles": "vehículos particulares",
    "rail_containers_empty": "contenedores de tren vacíos", "rail_containers_full": "contenedores de tren llenos",
    "train_passengers": "pasajeros de tren", "trains": "trenes",
    "truck_containers_empty": "contenedores de camión vacíos",
    "truck_containers_full": "contenedores de camión llenos", "trucks": "camiones", "people": "personas",
}
#: category values (legend rows) -> (English, Spanish), where the layer has no ``<property>_es`` column
VALUES: dict[str, tuple[str, str]] = {
    "US": ("US", "EUA"), "MX": ("Mexico", "México"), "both": ("both", "ambos"),
    "land": ("land", "frontera terrestre"), "Rio Grande": ("Rio Grande", "Río Bravo"),
    "Colorado River": ("Colorado River", "Río Colorado"), "rail": ("rail", "ferrocarril"),
    "commercial": ("commercial", "carga"), "passenger vehicles": ("passenger vehicles", "vehículos de pasajeros"),
    "pedestrians only": ("pedestrians only", "solo peatones"),
    "personal vehicles": ("personal vehicles", "vehículos particulares"), "people": ("people", "personas"),
    "trucks": ("trucks", "camiones"),
    # basin ids (watersheds.BASIN_IDS), the legend rows of the rivers
    "rio-grande": ("Rio Grande basin", "cuenca del Río Bravo"), "colorado": ("Colorado basin", "cuenca del Colorado"),
    "pecos": ("Pecos basin", "cuenca del Pecos"),
}
#: units as declared -> (English, Spanish) as printed
UNITS: dict[str, tuple[str, str]] = {
    "km2": ("km²", "km²"), "people/km2": ("people/km²", "hab./km²"), "people": ("people", "personas"),
    "m3": ("m³", "m³"),
}
_MEASURE = re.compile(r"^(?P<stem>[a-z_]+?)_(?P<suffix>\d{4}|total)$")


def prop_label(name: str, lang: Lang) -> str:
    """A property's label: its name with spaces (English) or its Spanish label."""
    if lang == "en":
        return name.replace("_", " ")
    if name in PROP_ES:
        return PROP_ES[name]
    if name in MEASURE_ES:
        return MEASURE_ES[name]
    match = _MEASURE.match(name)
    if match and match["stem"] in MEASURE_ES:
        stem = MEASURE_ES[match["stem"]]
        return f"{stem} (total)" if match["suffix"] == "total" else f"{stem} {match['suffix']}"
    return name.replace("_", " ")


def unit_label(unit: str, lang: Lang) -> str:
    """A declared unit as printed on a page in ``lang`` (km2 -> km², people/km2 -> hab./km²)."""
    en, es = UNITS.get(unit, (unit, unit))
    return es if lang == "es" else en


def value_label(value: str, lang: Lang) -> str:
    """A category value as shown in a legend."""
    en, es = VALUES.get(value, (value, value))
    return es if lang == "es" else en


def title(full: str, lang: Lang) -> str:
    """The part of an 'English / Español' title in ``lang`` (the whole title when it has one language)."""
    en, sep, es = full.partition(" / ")
    return es if lang == "es" and sep else en
