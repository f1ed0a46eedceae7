#!/usr/bin/env bash
# OCR time and peak memory per page (issue 15): `kasa __ocr FILE` (the child the node runs, with
# tesseract -l ind under OMP_THREAD_LIMIT=1) on the scanned samples and on the scans of the OCR corpus
# (tests/ocr_corpus.rs writes them when KASA_OCR_CORPUS_KEEP is set). Per file: wall time of the whole
# child (page extraction, tesseract, parsing), pages, the child's own figure for tesseract (ocr_ms), the
# peak RSS of tesseract (ocr_peak_kib, getrusage of the child's children) and of the whole process tree
# (GNU time %M). One file at a time, nothing else running, so the figures are per core.
# Usage: benches/ocr.sh [BIN] [--no-corpus]   (default target/debug/kasa; build it first)
set -eu
cd "$(dirname "$0")/.."
bin=${1:-target/debug/kasa}
[ -x "$bin" ] || cargo build -q --bin kasa
command -v tesseract >/dev/null || { echo "tesseract missing: apt-get install tesseract-ocr tesseract-ocr-ind" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
files=(../shared/samples/naskah/scan-0001-surat-pengantar.pdf
       ../shared/samples/naskah/scan-0002-naskah-dikecualikan.tif
       ../shared/samples/naskah/scan-0003-berita-sanapati-hal1.jpg)
if [ "${2:-}" != "--no-corpus" ]; then
  mkdir -p "$work/corpus"
  KASA_OCR_CORPUS_KEEP="$work/corpus" cargo test -q --test ocr_corpus scanned >/dev/null 2>&1 || true
  for f in "$work"/corpus/scan-*; do files+=("$f"); done
fi
printf '%-40s %5s %9s %9s %12s %12s\n' file pages wall_ms ocr_ms tess_peak_MiB tree_peak_MiB
total_ms=0; total_pages=0
for f in "${files[@]}"; do
  out=$(/usr/bin/time -f '%e %M' -o "$work/time" "$bin" __ocr "$f" 8)
  read -r wall peak <"$work/time"
  pages=$(printf '%s' "$out" | sed -n 's/.*"pages":\([0-9]*\).*/\1/p')
  ocr_ms=$(printf '%s' "$out" | sed -n 's/.*"ocr_ms":\([0-9]*\).*/\1/p')
  tess=$(printf '%s' "$out" | sed -n 's/.*"ocr_peak_kib":\([0-9]*\).*/\1/p')
  wall_ms=$(awk -v w="$wall" 'BEGIN{printf "%d", w*1000}')
  printf '%-40s %5s %9s %9s %12.1f %12.1f\n' "$(basename "$f")" "${pages:-?}" "$wall_ms" "${ocr_ms:-?}" \
    "$(awk -v k="${tess:-0}" 'BEGIN{print k/1024}')" "$(awk -v k="$peak" 'BEGIN{print k/1024}')"
  total_ms=$((total_ms + wall_ms)); total_pages=$((total_pages + ${pages:-1}))
done
echo "pages $total_pages, wall $total_ms ms, $((total_ms / total_pages)) ms per page"
