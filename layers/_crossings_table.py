"""The curated table of individual US–Mexico land crossings, and the Mexican twin city of each CBP port.

Facts written into code with their sources, as the developer guide allows (no source file is copied):

- Coordinates: the infobox coordinates of each crossing's Wikipedia article (bridge or port of entry),
  unless the row says otherwise; rows marked "BTS" are positions of the port site from our knowledge of
  the place that agree, to the two decimals BTS published, with the crossing location in the BTS
  Border Crossing Entry Data before 2017-04. Two placements are computed by the build, never typed in
  (``placement``): "facility_to_line", where the cited point marks a port facility set back from the line
  (the crossing goes to the nearest point of the boundary line; the offset is published), and
  "railroad_crossing", for a rail crossing no page gives coordinates for: the point where a Natural Earth
  railroad crosses the boundary next to the crossing named in ``near``.
- Status and hours: from the pages cited in the row (CBP, NPS and IBWC notices, Wikipedia infoboxes); hours
  are None where no cited page gives them.
- Names, Spanish names, parent port and traffic kinds of the Texas crossings: TxDOT, "Texas-Mexico
  International Bridges and Border Crossings, Existing and Proposed" (2015) and its 2024 guide.
- Other ports: the CBP port pages (cbp.gov/contact/ports/<name>-<code>) and GSA land port pages.

Traffic kinds describe the crossing as it operated in 2018, the latest full year of the BTS data: letters
P pedestrian, V passenger vehicle (cars and buses), C commercial (trucks), R rail.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Crossing:
    """One land crossing: a bridge, gate, dam road or rail bridge, with its parent CBP port code."""

    crossing_id: str
    name: str
    name_es: str
    port_code: str | None  # None: no BTS port reports this crossing's traffic
    kinds: str
    us_city: str
    mx_city: str
    us_state: str  # postal code
    mx_state: str  # INEGI state code
    lat: float | None  # None only for placement "railroad_crossing"
    lon: float | None
    source: str
    status: str = "active"
    hours: str | None = None
    placement: str = "cited"
    near: str | None = None  # "railroad_crossing": the crossing next to which the railroad crosses

    @property
    def pedestrian(self) -> bool:
        """Pedestrians cross here."""
        return "P" in self.kinds

    @property
    def passenger_vehicle(self) -> bool:
        """Private vehicles (and buses) cross here."""
        return "V" in self.kinds

    @property
    def commercial(self) -> bool:
        """Trucks cross here."""
        return "C" in self.kinds

    @property
    def rail(self) -> bool:
        """Trains cross here."""
        return "R" in self.kinds


def _wiki(article: str) -> str:
    return f"coordinates: Wikipedia '{article}' (infobox)"


def _bts(lon: float, lat: float, where: str) -> str:
    return f"coordinates: {where}, matching the BTS pre-2017 crossing location ({lon:.2f}, {lat:.2f})"


def _rail(where: str) -> str:
    return (f"coordinates: where the Natural Earth 1:10m railroad crosses the boundary at {where} (computed by the "
            "build; at the rail bridges with their own coordinates Natural Earth lies up to a few km off, see "
            "the layer's stats)")


TXDOT = "names, port and kinds: TxDOT Texas-Mexico International Bridges and Border Crossings (2015)"
CBP = "port and kinds: CBP port page {}"

# fmt: off
CROSSINGS: tuple[Crossing, ...] = (
    # California – Baja California
    Crossing("san-ysidro", "San Ysidro Port of Entry", "Garita de San Ysidro (Puerta México)", "2504", "PV",
             "San Diego (San Ysidro)", "Tijuana", "CA", "02", 32.54333, -117.02972,
             f"{_wiki('San Ysidro Port of Entry')}; {CBP.format('san-ysidro-class')}"),
    Crossing("san-ysidro-pedwest", "San Ysidro PedWest", "Garita peatonal El Chaparral (PedWest)", "2504", "P",
             "San Diego (San Ysidro)", "Tijuana", "CA", "02", 32.5430, -117.0322,
             "coordinates: Virginia Avenue terminus at the border, which Wikipedia 'San Ysidro Port of Entry' "
             "gives as the PedWest site west of El Chaparral (approximate, within about 300 m); GSA San Ysidro LPOE"),
    Crossing("otay-mesa", "Otay Mesa Port of Entry", "Garita de Otay (Mesa de Otay)", "2506", "PVC",
             "San Diego (Otay Mesa)", "Tijuana", "CA", "02", 32.5500, -116.9383,
             f"{_bts(-116.94, 32.55, 'port site at the south end of SR 905')}; {CBP.format('otay-mesa')}"),
    Crossing("cross-border-xpress", "Cross Border Xpress", "Cross Border Xpress (Aeropuerto de Tijuana)",
             "2582", "P", "San Diego (Otay Mesa)", "Tijuana", "CA", "02", 32.54833, -116.97444,
             f"{_wiki('Cross Border Xpress')}; BTS 2017-10 onwards (port 2582)"),
    Crossing("tecate", "Tecate Port of Entry", "Garita de Tecate", "2505", "PVC",
             "Tecate", "Tecate", "CA", "02", 32.576852, -116.627179,
             f"{_wiki('Tecate Port of Entry')}; {CBP.format('tecate-class')}"),
    Crossing("calexico-west", "Calexico West Port of Entry", "Garita Mexicali I (Centro)", "2503", "PV",
             "Calexico", "Mexicali", "CA", "02", 32.665106, -115.496349,
             f"{_wiki('Calexico West Port of Entry')}; {CBP.format('calexico-west-class')}"),
    Crossing("calexico-east", "Calexico East Port of Entry", "Garita Mexicali II (Nuevo Mexicali)", "2507",
             "PVC", "Calexico", "Mexicali", "CA", "02", 32.675506, -115.388675,
             f"{_wiki('Calexico East Port of Entry')}, the inspection facility north of the All-American Canal "
             f"(placed on the line); {CBP.format('calexico-east-class')}; hours: the same infobox",
             hours="daily 03:00–24:00", placement="facility_to_line"),
    Crossing("calexico-rail", "Calexico–Mexicali rail crossing (Union Pacific)", "Cruce ferroviario Mexicali",
             "2507", "R", "Calexico", "Mexicali", "CA", "02", None, None,
             f"{_rail('Calexico')}; GSA Calexico West LPOE fact sheet (2014): the port 'includes a rail crossing "
             "operated by Union Pacific'; BTS counts its trains under Calexico East (2507)",
             placement="railroad_crossing", near="calexico-west"),
    Crossing("andrade", "Andrade Port of Entry", "Garita Los Algodones", "2502", "PV",
             "Andrade", "Los Algodones", "CA", "02", 32.7181, -114.7283,
             f"{_bts(-114.73, 32.72, 'end of Algodones Road (SR 186)')}; {CBP.format('andrade')}"),
    # Arizona – Sonora
    Crossing("san-luis-i", "San Luis I Port of Entry", "Garita San Luis Río Colorado I", "2608", "PV",
             "San Luis", "San Luis Río Colorado", "AZ", "26", 32.4867, -114.7822,
             f"{_bts(-114.78, 32.49, 'south end of Main St (US 95)')}; GSA San Luis I LPOE"),
    Crossing("lukeville", "Lukeville Port of Entry", "Garita Sonoyta", "2602", "PVC",
             "Lukeville", "Sonoyta", "AZ", "26", 31.880423, -112.816919,
             f"{_wiki('Lukeville Port of Entry')}; {CBP.format('lukeville')}"),
    Crossing("sasabe", "Sasabe Port of Entry", "Garita El Sásabe", "2606", "PV",
             "Sasabe", "El Sásabe", "AZ", "26", 31.483269, -111.544318,
             f"{_bts(-111.54, 31.48, 'port building at the end of AZ 286')}; {CBP.format('sasabe')}"),
    Crossing("nogales-mariposa", "Nogales Mariposa Port of Entry", "Garita Nogales III (Mariposa)", "2604",
             "PVC", "Nogales", "Nogales", "AZ", "26", 31.3346, -110.9749,
             "coordinates: SR 189 (Mariposa Road) terminus at the border west of downtown Nogales, approximate "
             "(within about 300 m) "
             "(Wikipedia 'Nogales-Grand Avenue Port of Entry': Mariposa handles trucks west of Grand Avenue); "
             "GSA Mariposa LPOE"),
    Crossing("nogales-deconcini", "Nogales DeConcini Port of Entry", "Garita Dennis DeConcini (Nogales I)",
             "2604", "PV", "Nogales", "Nogales", "AZ", "26", 31.3331, -110.9425,
             f"{_bts(-110.94, 31.33, 'south end of Grand Avenue (I-19 Business)')}; CBP Nogales 2604"),
    Crossing("nogales-morley-gate", "Nogales Morley Gate", "Garita peatonal Morley", "2604", "P",
             "Nogales", "Nogales", "AZ", "26", 31.3331, -110.9402,
             "coordinates: foot of Morley Avenue, east of Grand Avenue, approximate (Wikipedia "
             "'Nogales-Morley Gate Port of Entry' text; its infobox point lies 2 km west, near Mariposa, and is "
             "not used)"),
    Crossing("nogales-rail", "Nogales rail crossing (Union Pacific–Ferromex)", "Cruce ferroviario Nogales",
             "2604", "R", "Nogales", "Nogales", "AZ", "26", 31.3330, -110.9413,
             "coordinates: the track between Grand and Morley Avenues, approximate (Wikipedia "
             "'Nogales-Grand Avenue Port of Entry': trains are inspected just east of Grand Avenue); trains in "
             "BTS port 2604"),
    Crossing("naco", "Naco Port of Entry", "Garita Naco", "2603", "PVC",
             "Naco", "Naco", "AZ", "26", 31.3336, -109.9478,
             f"{_bts(-109.95, 31.33, 'between Naco AZ and Naco Sonora town centres')}; {CBP.format('naco')}"),
    Crossing("douglas", "Raul H. Castro Port of Entry (Douglas)", "Garita Agua Prieta", "2601", "PVC",
             "Douglas", "Agua Prieta", "AZ", "26", 31.3344, -109.5603,
             f"{_bts(-109.56, 31.33, 'First Street and Pan Americana Avenue')}; GSA Raul Hector Castro LPOE"),
    # New Mexico – Chihuahua
    Crossing("columbus", "Columbus Port of Entry", "Garita Puerto Palomas", "2406", "PVC",
             "Columbus", "Puerto Palomas", "NM", "08", 31.784399, -107.627622,
             f"{_wiki('Columbus New Mexico Port of Entry')}; {CBP.format('columbus-new-mexico-2406')}"),
    Crossing("antelope-wells", "Antelope Wells Port of Entry", "Garita El Berrendo", "2406", "PV",
             "Antelope Wells", "El Berrendo", "NM", "08", 31.333719, -108.530339,
             f"{_wiki('Antelope Wells Port of Entry')}: a station of Columbus, whose BTS counts (2406) include it; "
             "non-commercial traffic only; hours: Wikipedia 'Antelope Wells, New Mexico'", hours="daily 10:00–16:00"),
    Crossing("santa-teresa", "Santa Teresa Port of Entry", "Garita San Jerónimo", "2408", "PVC",
             "Santa Teresa", "San Jerónimo", "NM", "08", 31.785877, -106.680315,
             f"{_wiki('Santa Teresa Port of Entry')}; {CBP.format('santa-teresa-new-mexico-2408')}"),
    # Texas – Chihuahua
    Crossing("paso-del-norte", "Paso del Norte International Bridge", "Puente Internacional Paso del Norte",
             "2402", "PV", "El Paso", "Ciudad Juárez", "TX", "08", 31.74765, -106.48698,
             f"{_wiki('Paso del Norte International Bridge')}; {TXDOT}"),
    Crossing("stanton-street", "Good Neighbor International Bridge (Stanton Street)",
             "Puente Internacional Lerdo–Stanton", "2402", "PV", "El Paso", "Ciudad Juárez", "TX", "08",
             31.7480722, -106.4827167, f"{_wiki('Good Neighbor International Bridge')}; {TXDOT}"),
    Crossing("bridge-of-the-americas", "Bridge of the Americas", "Puente Internacional Córdova–Las Américas",
             "2402", "PVC", "El Paso", "Ciudad Juárez", "TX", "08", 31.7646694, -106.4513556,
             f"{_wiki('Bridge of the Americas (El Paso–Ciudad Juárez)')}; {TXDOT}"),
    Crossing("ysleta-zaragoza", "Ysleta–Zaragoza International Bridge", "Puente Internacional Zaragoza–Ysleta",
             "2402", "PVC", "El Paso (Ysleta)", "Ciudad Juárez", "TX", "08", 31.6711, -106.3380,
             f"{_wiki('Ysleta–Zaragoza International Bridge')}; {TXDOT}"),
    Crossing("el-paso-rail", "El Paso–Ciudad Juárez rail bridges (BNSF; Union Pacific)",
             "Puentes ferroviarios Ciudad Juárez–El Paso", "2402", "R", "El Paso", "Ciudad Juárez", "TX", "08",
             None, None,
             f"{_rail('El Paso')}; Railway Age (2023): the crossing is on BNSF's El Paso Subdivision, Union "
             "Pacific crosses over it by trackage rights; TxDOT's El Paso border master plan counts the rail "
             "bridges here as two (one point here: no source places them apart)",
             placement="railroad_crossing", near="paso-del-norte"),
    Crossing("tornillo-guadalupe", "Tornillo–Guadalupe International Bridge (Marcelino Serna Port of Entry)",
             "Puente Internacional Guadalupe–Tornillo", "2404", "PV", "Tornillo", "Guadalupe", "TX", "08",
             31.432861, -106.147917,
             f"{_wiki('Tornillo–Guadalupe International Bridge')}; {TXDOT}; trucks suspended 2017-05 to 2023"),
    Crossing("fort-hancock", "Fort Hancock–El Porvenir International Bridge",
             "Puente Internacional El Porvenir–Fort Hancock", None, "PV", "Fort Hancock", "El Porvenir", "TX", "08",
             31.2731, -105.8544,
             f"{_wiki('Fort Hancock–El Porvenir International Bridge')}: commercial vehicles not permitted; no port "
             "in the BTS data; hours: IBWC reopening to vehicles, Border Report 2022-02-17", hours="daily 06:00–18:00"),
    Crossing("presidio-ojinaga", "Presidio–Ojinaga International Bridge", "Puente Internacional Ojinaga–Presidio",
             "2403", "PVC", "Presidio", "Ojinaga", "TX", "08", 29.561731, -104.395114,
             f"{_wiki('Presidio–Ojinaga International Bridge')}; {TXDOT}"),
    Crossing("presidio-rail", "Presidio–Ojinaga International Rail Bridge", "Puente Ferroviario Ojinaga–Presidio",
             "2403", "R", "Presidio", "Ojinaga", "TX", "08", 29.54306, -104.37778,
             f"{_wiki('Presidio–Ojinaga International Rail Bridge')}: out of service since a fire on 2008-02-29, "
             "rebuilt from 2018, reopening awaits a CBP rail inspection station", status="closed"),
    # Texas – Coahuila
    Crossing("boquillas", "Boquillas Crossing", "Cruce Boquillas del Carmen", "2410", "P",
             "Big Bend National Park", "Boquillas del Carmen", "TX", "05", 29.190093, -102.946545,
             f"{_wiki('Boquillas Port of Entry')}; {TXDOT}; pedestrians only; NPS (2018-04-26): open Wednesday "
             "to Sunday, Friday to Monday in summer", status="seasonal",
             hours="Wed–Sun 09:00–18:00 (Fri–Mon in summer)"),
    Crossing("del-rio-acuna", "Del Rio–Ciudad Acuña International Bridge",
             "Puente Internacional Ciudad Acuña–Del Río", "2302", "PVC", "Del Rio", "Ciudad Acuña", "TX", "05",
             29.3267556, -100.9275139, f"{_wiki('Del Rio–Ciudad Acuña International Bridge')}; {TXDOT}"),
    Crossing("amistad-dam", "Lake Amistad Dam Crossing", "Cruce de la Presa Internacional La Amistad", "2302",
             "V", "Del Rio", "Ciudad Acuña", "TX", "05", 29.44992, -101.05808,
             f"coordinates: centre of the Amistad Dam spillway, where the road crosses the boundary "
             f"(Waymarking WMPNEK; IBWC); {TXDOT}; hours: CBP release 2023-07 (closes for IBWC dam maintenance)",
             hours="daily 10:00–18:00"),
    Crossing("eagle-pass-1", "Eagle Pass–Piedras Negras International Bridge (Bridge I)",
             "Puente Internacional Piedras Negras–Eagle Pass I", "2303", "PV", "Eagle Pass", "Piedras Negras",
             "TX", "05", 28.70556, -100.51194, f"{_wiki('Eagle Pass–Piedras Negras International Bridge')}; {TXDOT}"),
    Crossing("camino-real", "Camino Real International Bridge (Bridge II)",
             "Puente Internacional Coahuila 2000 (Puente Dos)", "2303", "PVC", "Eagle Pass", "Piedras Negras",
             "TX", "05", 28.69778, -100.51056, f"{_wiki('Camino Real International Bridge')}; {TXDOT}"),
    Crossing("eagle-pass-rail", "Union Pacific International Railroad Bridge (Eagle Pass)",
             "Puente Ferroviario Internacional Piedras Negras–Eagle Pass", "2303", "R", "Eagle Pass",
             "Piedras Negras", "TX", "05", 28.696389, -100.510278,
             f"{_wiki('Union Pacific International Railroad Bridge')}; {TXDOT}"),
    # Texas – Nuevo León / Tamaulipas
    Crossing("laredo-1", "Gateway to the Americas International Bridge (Laredo I)",
             "Puente Internacional Nuevo Laredo I (Puente Viejo)", "2304", "PV", "Laredo", "Nuevo Laredo", "TX",
             "28", 27.49940, -99.50742, f"{_wiki('Gateway to the Americas International Bridge')}; {TXDOT}"),
    Crossing("laredo-2", "Juárez–Lincoln International Bridge (Laredo II)",
             "Puente Internacional Juárez–Lincoln (Nuevo Laredo II)", "2304", "V", "Laredo", "Nuevo Laredo",
             "TX", "28", 27.500216, -99.502814, f"{_wiki('Juárez–Lincoln International Bridge')}; {TXDOT}"),
    Crossing("world-trade", "World Trade International Bridge (Laredo IV)",
             "Puente Internacional del Comercio Mundial (Nuevo Laredo III)", "2304", "C", "Laredo",
             "Nuevo Laredo", "TX", "28", 27.597291, -99.537119,
             f"{_wiki('World Trade International Bridge')}; {TXDOT}"),
    Crossing("laredo-rail", "Texas Mexican Railway International Bridge",
             "Puente Ferroviario Internacional Nuevo Laredo (Puente Negro)", "2304", "R", "Laredo",
             "Nuevo Laredo", "TX", "28", 27.498550, -99.516336,
             f"{_wiki('Texas Mexican Railway International Bridge')}; {TXDOT}"),
    Crossing("colombia-solidarity", "Laredo–Colombia Solidarity International Bridge",
             "Puente Internacional Solidaridad Colombia", "2304", "VC", "Laredo", "Colombia (Anáhuac)", "TX", "19",
             27.699716, -99.745646,
             f"{_wiki('Laredo–Colombia Solidarity International Bridge')}: commercial and non-commercial vehicles; "
             f"{TXDOT}"),
    Crossing("falcon-dam", "Lake Falcon Dam International Crossing", "Cruce de la Presa Internacional Falcón",
             "2310", "V", "Falcon Heights", "Nueva Ciudad Guerrero", "TX", "28", 26.55889, -99.16472,
             f"{_wiki('Falcon Dam')}; {TXDOT}"),
    Crossing("roma", "Roma–Ciudad Miguel Alemán International Bridge",
             "Puente Internacional Ciudad Miguel Alemán–Roma", "2310", "PVC", "Roma", "Ciudad Miguel Alemán",
             "TX", "28", 26.404209, -99.017125, f"{_wiki('Roma Texas Port of Entry')}; {TXDOT}"),
    Crossing("rio-grande-city", "Rio Grande City–Camargo International Bridge (Starr–Camargo)",
             "Puente Internacional Camargo–Rio Grande City", "2307", "PVC", "Rio Grande City",
             "Ciudad Camargo", "TX", "28", 26.365707, -98.802516,
             f"{_wiki('Rio Grande City–Camargo International Bridge')}; {TXDOT}"),
    Crossing("los-ebanos", "Los Ebanos Ferry", "Chalán Los Ébanos–Gustavo Díaz Ordaz", "2307", "PV",
             "Los Ebanos", "Gustavo Díaz Ordaz", "TX", "28", 26.239444, -98.565139,
             f"{_wiki('Los Ebanos Ferry')}: hand-pulled, three cars at a time; CBP (2019-06-12, 2020-03-12): a "
             "crossing of the Rio Grande City port, closed at high water when the irrigation season starts",
             status="seasonal"),
    Crossing("anzalduas", "Anzalduas International Bridge", "Puente Internacional Anzaldúas", "2305", "V",
             "Mission", "Reynosa", "TX", "28", 26.1165, -98.3183,
             f"{_wiki('Anzalduas International Bridge')}; {TXDOT}"),
    Crossing("mcallen-hidalgo", "McAllen–Hidalgo–Reynosa International Bridge",
             "Puente Internacional Reynosa–Hidalgo", "2305", "PV", "Hidalgo", "Reynosa", "TX", "28",
             26.095, -98.2714, f"{_wiki('McAllen–Hidalgo–Reynosa International Bridge')}; {TXDOT}"),
    Crossing("pharr-reynosa", "Pharr–Reynosa International Bridge", "Puente Internacional Reynosa–Pharr",
             "2305", "VC", "Pharr", "Reynosa", "TX", "28", 26.06683, -98.20518,
             f"{_wiki('Pharr–Reynosa International Bridge')}; {TXDOT}"),
    Crossing("donna-rio-bravo", "Donna–Río Bravo International Bridge", "Puente Internacional Río Bravo–Donna",
             "2309", "V", "Donna", "Río Bravo", "TX", "28", 26.069601, -98.072226,
             f"{_wiki('Donna Texas Port of Entry')}, the port facility on the levee (placed on the river line); "
             f"{TXDOT}", placement="facility_to_line"),
    Crossing("progreso", "Progreso–Nuevo Progreso International Bridge",
             "Puente Internacional Nuevo Progreso–Progreso", "2309", "PVC", "Progreso", "Nuevo Progreso", "TX",
             "28", 26.063318, -97.949821, f"{_wiki('Progreso Texas Port of Entry')}; {TXDOT}"),
    Crossing("brownsville-b-and-m", "Brownsville & Matamoros International Bridge (B&M)",
             "Puente Internacional Viejo (B&M)", "2301", "PV", "Brownsville", "Matamoros", "TX", "28",
             25.8919, -97.5044, f"{_wiki('Brownsville & Matamoros International Bridge')}; {TXDOT}"),
    Crossing("brownsville-gateway", "Gateway International Bridge", "Puente Internacional Nuevo (Puerta México)",
             "2301", "PV", "Brownsville", "Matamoros", "TX", "28", 25.8983, -97.4972,
             f"{_wiki('Gateway International Bridge')}; {TXDOT}"),
    Crossing("brownsville-veterans", "Veterans International Bridge at Los Tomates",
             "Puente Internacional General Ignacio Zaragoza (Los Tomates)", "2301", "PVC", "Brownsville",
             "Matamoros", "TX", "28", 25.884, -97.476,
             f"{_wiki('Veterans International Bridge at Los Tomates')}; {TXDOT}"),
    Crossing("los-indios", "Free Trade International Bridge (Los Indios)",
             "Puente Internacional Libre Comercio (Lucio Blanco–Los Indios)", "2301", "VC", "Los Indios",
             "Matamoros (Lucio Blanco)", "TX", "28", 26.029167, -97.738750,
             f"{_wiki('Free Trade International Bridge')}: passenger vehicles and trucks, very few pedestrians; "
             f"{TXDOT}"),
)
# fmt: on

#: Real crossings left out, and why (the State Department counts 55 active land crossings).
EXCLUDED: tuple[tuple[str, str], ...] = (
    ("San Luis II Port of Entry (AZ, commercial)",
     "no page found gives its coordinates (GSA and the Yuma press place it only as 'about 5-8 miles east of San "
     "Luis I, off Juan Sanchez Boulevard')"),
    ("West Rail Bypass International Bridge (Brownsville)",
     "no page found gives its coordinates, and Natural Earth's railroads (older than its 2015 opening) do not "
     "cross the boundary near Brownsville"),
    ("Tijuana–San Ysidro rail crossing (San Diego & Arizona Eastern; BTS counts its trains under Otay Mesa 2506)",
     "no page found gives its coordinates and Natural Earth has no railroad crossing the boundary there"),
)

#: The crossing that best stands for each port (its busiest, or the one the BTS location marks).
MAIN_CROSSING: dict[str, str] = {
    "2301": "brownsville-gateway", "2302": "del-rio-acuna", "2303": "eagle-pass-1", "2304": "laredo-1",
    "2305": "mcallen-hidalgo", "2307": "rio-grande-city", "2309": "progreso", "2310": "roma",
    "2402": "bridge-of-the-americas", "2403": "presidio-ojinaga", "2404": "tornillo-guadalupe",
    "2406": "columbus", "2408": "santa-teresa", "2410": "boquillas", "2502": "andrade", "2503": "calexico-west",
    "2504": "san-ysidro", "2505": "tecate", "2506": "otay-mesa", "2507": "calexico-east",
    "2582": "cross-border-xpress", "2601": "douglas", "2602": "lukeville", "2603": "naco",
    "2604": "nogales-deconcini", "2606": "sasabe", "2608": "san-luis-i",
}


def crossing(crossing_id: str) -> Crossing:
    """The crossing with this id (KeyError if there is none)."""
    for c in CROSSINGS:
        if c.crossing_id == crossing_id:
            return c
    raise KeyError(crossing_id)


def port_twin(port_code: str) -> tuple[str, str]:
    """The Mexican twin city and its INEGI state code of a port, from the port's main crossing."""
    main = crossing(MAIN_CROSSING[port_code])
    return main.mx_city, main.mx_state
