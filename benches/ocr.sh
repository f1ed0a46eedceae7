#!/usr/bin/env bash
# OCR time and peak memory per page of the analysis child (`kasa __ocr FILE`, which runs
# `tesseract -l ind … tsv` with OMP_THREAD_LIMIT=1), measured with GNU time (wall clock and the
# maximum resident set size of the child and its Tesseract), one run per file.
#
#   bash benches/ocr.sh [path/to/kasa]     # default: target/release/kasa, else target/debug/kasa
#
# The criterion counterpart is `cargo bench --bench node -- ocr`.
set -euo pipefail
cd "$(dirname "$0")/.."
kasa=${1:-}
if [ -z "$kasa" ]; then
  if [ -x target/release/kasa ]; then kasa=target/release/kasa; else kasa=target/debug/kasa; fi
fi
samples=../shared/samples/naskah
printf '%-48s %5s %9s %9s %12s\n' file pages wall_s s_per_pg peak_rss_MiB
for f in "$samples/scan-0001-surat-pengantar.pdf" "$samples/scan-0002-naskah-dikecualikan.tif" \
         "$samples/scan-0003-berita-sanapati-hal1.jpg" tests/corpus/scan/surat-01.pdf tests/corpus/scan/surat-02.tif; do
  out=$( { /usr/bin/time -f 'TIME %e %M' "$kasa" __ocr "$f" >/tmp/kasa-ocr-bench.json; } 2>&1 | grep '^TIME' )
  read -r _ wall rss <<<"$out"
  pages=$(python3 -c 'import json,sys; print(json.load(open("/tmp/kasa-ocr-bench.json"))["pages"] or 1)')
  printf '%-48s %5s %9s %9.2f %12d\n' "$(basename "$f")" "$pages" "$wall" "$(echo "$wall / $pages" | bc -l)" $((rss / 1024))
done
