#!/usr/bin/env bash
# System packages the tests use as real clients: QGIS (OAPIF provider), GDAL tools, Chromium, wrk.
# Installs only what is missing; needs root (CI runs as root). Debian package names.
set -euo pipefail
need=()
/usr/bin/python3 -c "import qgis.core" 2>/dev/null || need+=(python3-qgis qgis-providers)
command -v chromium >/dev/null || need+=(chromium chromium-driver)
command -v ogrinfo >/dev/null || need+=(gdal-bin)
command -v wrk >/dev/null || need+=(wrk)
if [ ${#need[@]} -eq 0 ]; then
  echo "system-deps: all present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "system-deps: missing ${need[*]}: install them with: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "system-deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}" >/dev/null
echo "system-deps: installed ${need[*]}"
