#!/usr/bin/env bash
# The whole book at 10⁶ entries (issue 19), whole-process: a real node on a bulk-loaded database
# (`examples/bulk_load.rs`: N masuk entries one second apart from 2021-01-01, all but the newest
# 1,000 archived, 8 perihal × 5 regions, 6 senders, 4 klasifikasi, one nomor surat each).
# For every filter kind: the median of 7 end-to-end `kasa agenda list --json` calls (process start,
# socket, node query, JSON out), the entries found, the index the node walked, the candidates it
# examined, and the node's RSS after that kind. Then the console's first frame at 80×24 in tmux:
# from launch to the first list row on screen (median of 5), and the node's peak RSS (VmHWM).
# Usage: benches/million.sh [N] [BIN]   (N default 1000000; BIN default target/release/kasa)
# Needs: python3, tmux. Builds the example in release. Nothing else should run meanwhile.
set -eu
cd "$(dirname "$0")/.."
n=${1:-1000000}
bin=${2:-target/release/kasa}
[ -x "$bin" ] || cargo build -q --release --locked --bin kasa
cargo build -q --release --locked --example bulk_load
bin=$(realpath "$bin")
work=$(mktemp -d)
sock_session="kasa-million-$$"
k() { KASA_LOG=${KASA_LOG:-warn} "$bin" --data-dir "$work/d" --config-dir "$work/c" "$@"; }
cleanup() {
  tmux kill-session -t "$sock_session" 2>/dev/null || true
  k node stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
k init --kualifikasi tingkat_ii --node-id 9902 --name "Bench sejuta" --zone Asia/Jakarta >/dev/null 2>&1
t0=$(date +%s.%N)
target/release/examples/bulk_load "$work/d" "$n" >/dev/null
t1=$(date +%s.%N)
echo "bulk load of $n entries: $(python3 -c "print(f'{$t1-$t0:.1f}')") s; database $(du -m "$work/d/kasa.redb" | cut -f1) MB"
k node >/dev/null
pid=$(k status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
rss() { awk '/^VmRSS/ {printf "%d", $2/1024}' "/proc/$pid/status"; }
hwm() { awk '/^VmHWM/ {printf "%d", $2/1024}' "/proc/$pid/status"; }
echo "node started: RSS $(rss) MB"
mid=$((n / 2))
surat_mid=$(printf '%03d/%d' $((100 + mid % 900)) "$mid")
printf '%-44s %9s %6s %-16s %9s %8s\n' "query" "median ms" "rows" "index" "examined" "RSS MB"
run() {
  local name=$1; shift
  local times=() out
  for _ in 1 2 3 4 5 6 7; do
    local s e
    s=$(date +%s%N)
    out=$(k agenda list --json "$@")
    e=$(date +%s%N)
    times+=($(( (e - s) / 1000 )))
  done
  local med
  med=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 4p)
  echo "$out" | python3 -c '
import json, sys
v = json.load(sys.stdin)
name, med, rss = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows, jalur, seen = len(v["entries"]), v.get("jalur", "page"), str(v.get("diperiksa", "-"))
print(f"{name:<44} {med/1000:9.1f} {rows:6d} {jalur:<16} {seen:>9} {rss:>8}")
' "$name" "$med" "$(rss)"
}
run "newest page (no filter)"                 --book masuk
run "status baru, no --book (status index)"   --status baru
run "status diarsipkan, --book masuk"         --book masuk --status diarsipkan
run "klasifikasi SR"                          --klasifikasi SR
run "one day (dari = sampai = 2021-01-05)"    --dari 2021-01-05 --sampai 2021-01-05
run "nomor agenda $mid"                       --nomor "$mid"
run "nomor surat $surat_mid"                  --surat "$surat_mid"
run "perihal word (kunci)"                    --perihal kunci
run "asal word (inspektorat)"                 --asal inspektorat
run "free words (monitoring provinsi)"        --cari "monitoring provinsi"
run "rare combination (monitoring provinsi tahap 42)" --cari "monitoring provinsi tahap 42"
run "nothing matches (word absent)"           --cari "zamrud"
run "page 2 of klasifikasi SR" --klasifikasi SR --before "$(k agenda list --json --klasifikasi SR | python3 -c 'import json,sys; print(json.load(sys.stdin)["next"])')"
# The console: launch to the first list row on screen (the cursor row `›`).
frames=()
for _ in 1 2 3 4 5; do
  s=$(date +%s%N)
  tmux new-session -d -s "$sock_session" -x 80 -y 24 \
    "$bin --data-dir $work/d --config-dir $work/c"
  while ! tmux capture-pane -t "$sock_session" -p 2>/dev/null | grep -q "^›"; do
    sleep 0.002
  done
  e=$(date +%s%N)
  frames+=($(( (e - s) / 1000 )))
  tmux kill-session -t "$sock_session"
done
med=$(printf '%s\n' "${frames[@]}" | sort -n | sed -n 3p)
echo "console first frame with rows, 80x24 in tmux (median of 5): $(python3 -c "print(f'{$med/1000:.1f}')") ms"
echo "node RSS now $(rss) MB, peak (VmHWM) $(hwm) MB"
