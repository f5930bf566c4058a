#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the kiosk and its tests need, when run as root;
# otherwise prints the exact apt-get line and stops. Quiet and fast when all are present.
set -euo pipefail

PACKAGES=(
  # a venv and the pyscard build (it compiles against the PC/SC headers)
  python3 python3-venv python3-dev gcc libc6-dev libpcsclite-dev
  # pycups builds against the CUPS headers
  libcups2-dev
  # Qt (PySide6) offscreen and under Xvfb
  libglib2.0-0 libgl1 libegl1 libfontconfig1 libxkbcommon0 libdbus-1-3
  xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0
  libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0
  # the real smart-card stack: pcscd with the vsmartcard virtual reader, OpenSC as a second opinion
  pcscd vsmartcard-vpcd opensc pcsc-tools
  # the real print system with a PDF queue, and PDF → PNG for looking at pages
  cups cups-client printer-driver-cups-pdf poppler-utils
  # voice guidance in languages other than Japanese (Japanese: pyopenjtalk-plus, from PyPI);
  # QtMultimedia, which plays it, links the PulseAudio client library
  espeak-ng libpulse0
  # the center's database server for the PostgreSQL tests (tests/postgres_fixture.py runs a private one)
  postgresql
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

line="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "These system packages are missing. As root, run:" >&2
  echo "  apt-get update && $line" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
