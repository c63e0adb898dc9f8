#!/usr/bin/env bash
# Install the Debian packages labelaudit needs, where missing:
#   tesseract (OCR of scanned labels), poppler-utils (PDF report checks), ghostscript
#   (outlined-text test labels), pango/harfbuzz (WeasyPrint, which writes test labels).
# PDF reports need none: the Typst compiler and its fonts come from PyPI (typst, matplotlib).
set -euo pipefail
# Usage: system-deps.sh [--test]   (--test adds what only the tests need)
PKGS=(tesseract-ocr tesseract-ocr-eng tesseract-ocr-osd)
if [ "${1:-}" = "--test" ]; then
  # WeasyPrint (a producer of test labels, tests/labelgen) lays text out with pango and harfbuzz.
  PKGS+=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
  # pdftoppm/pdftotext check rendered reports; Ghostscript outlines text and LibreOffice
  # prints word-processor labels for the extraction tests. The fonts are the ones real label
  # documents carry (LibreOffice's and Word's defaults: Liberation, Carlito; DejaVu): without
  # them LibreOffice falls back to a Type 1 font and the tests never see an embedded TrueType.
  PKGS+=(poppler-utils ghostscript libreoffice-writer-nogui fonts-crosextra-carlito)
  # The analyst's page and the report's sortable table are tested in headless chromium
  # (Playwright drives /usr/bin/chromium).
  PKGS+=(chromium)
fi
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
missing=()
for p in "${PKGS[@]}"; do
  installed "$p" || missing+=("$p")
done
# Debian 12 ships Liberation 2 as fonts-liberation2; later releases fold it into fonts-liberation.
# Which name exists is only known after apt-get update (a fresh machine has no package lists).
liberation=0
if [ "${1:-}" = "--test" ] && ! installed fonts-liberation2 && ! fc-list 2>/dev/null | grep -q "LiberationSans-Regular"; then
  liberation=1
fi
[ ${#missing[@]} -eq 0 ] && [ $liberation -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "labelaudit: please install these system packages with your package manager: ${missing[*]}" >&2
  echo "labelaudit: without them OCR of scanned labels is unavailable." >&2
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "labelaudit: installing system packages: ${missing[*]}$([ $liberation -eq 1 ] && echo " (and Liberation fonts)")"
$SUDO apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ $liberation -eq 1 ]; then
  for f in fonts-liberation2 fonts-liberation; do
    if apt-cache show "$f" >/dev/null 2>&1; then
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$f" >/dev/null
      break
    fi
  done
fi
