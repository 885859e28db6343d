#!/bin/sh
# System packages the client tests and the benchmark need (Debian 12), installed only when missing:
#   python3-qgis qgis-providers  QGIS 3.22 for tests/api/test_qgis.py (run by /usr/bin/python3)
#   gdal-bin                     ogrinfo (GDAL 3.6), for looking at the service by hand
#   chromium chromium-driver     headless browser for the HTML/map tests
#   postgresql-15-postgis-3      PostgreSQL 15 + PostGIS 3.3 for the PostGIS backend tests and benchmark
#                                (a throwaway cluster per test session, tests/pgcluster.py; never a service)
#   nginx                        a plain static web host (range requests) for the static-bundle tests
#   poppler-utils                pdftotext / pdftoppm for the printable-sheet tests
#   wrk                          HTTP load generator for benchmarks/bench_ogc.py (it falls back to a
#                                slower Python client without it)
# Needs root (or sudo) and the Debian package mirror; ~1.2 GB and ~2-3 min on a fresh machine.
set -eu
PACKAGES="python3-qgis qgis-providers gdal-bin chromium chromium-driver wrk postgresql-15-postgis-3 nginx poppler-utils"
missing=""
for pkg in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $pkg"
    fi
done
if [ -z "$missing" ]; then
    echo "system-deps: all present ($PACKAGES)"
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "system-deps: installing$missing"
$SUDO apt-get update -qq
# shellcheck disable=SC2086  # word splitting of the package list is intended
# no package may start its system service (nginx on :80, a PostgreSQL cluster): tests start their own on 127.0.0.1
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
/usr/bin/python3 -c "import qgis.core" || { echo "system-deps: python3-qgis does not import" >&2; exit 1; }
