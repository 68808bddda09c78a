#!/usr/bin/env bash
# Render a tumor-board deck to PNG pages to look at it (optional; not part of the test run).
#
#   scripts/render_deck.sh [deck.pptx] [out_dir]
#
# Without a deck, builds the seed cohort's deck (RFS by MRD status first). Needs LibreOffice
# (`libreoffice --headless --convert-to pdf`) and poppler's `pdftoppm`, both Debian packages.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${2:-/tmp/deck_pages}"
mkdir -p "$out"
deck="${1:-$out/deck.pptx}"
if [ -z "${1:-}" ]; then
    python3 - "$deck" <<'PY'
import sys
from core.cohort.read import load_seed_cohort
from core.report.deck import DeckContext, slide_deck
from core.report.sections import ReportChoices
from ui.shell import SEED_SOURCE

cohort = load_seed_cohort()
data = slide_deck(cohort, DeckContext(SEED_SOURCE, len(cohort)),
                  ReportChoices(endpoint="rfs", by="mrd_pre_status"))
open(sys.argv[1], "wb").write(data)
PY
fi
rm -f "$out"/slide-*.png
libreoffice --headless --convert-to pdf --outdir "$out" "$deck" >/dev/null
pdftoppm -png -r 60 "$out/$(basename "${deck%.*}").pdf" "$out/slide"
ls "$out"/slide*.png
