#!/usr/bin/env bash
# Whole-process ingest of a burst of small PDFs through a real node (issue 19). N distinct copies
# of a small born-digital letter (a unique `%comment` appended after `%%EOF`) are written beside the
# drop folder, then renamed into it by one `mv`; the clock runs from the `mv` until every file is
# an entry AND the drop folder is empty (originals moved: the whole pipeline). The node's
# stability delay (`stable_ms`, set to 100 here) is subtracted: what is left is ingest work plus the
# file watcher's 25 ms debounce (100 ms before session 12), at most one poll tick (25 ms) and the 20 ms polling of this script
# (~0.15 ms per file at N = 1000: not subtracted).
# CPU is user+system of the node and all its descendants (analysis children or workers, pdftotext),
# read from /proc: the node's own and its reaped children's (fields 14–17 of /proc/PID/stat), plus
# the live descendants' (the persistent workers are alive until the node stops).
# Usage: benches/ingest-burst.sh [N] [BIN] [SAMPLE]
#   N       files (default 1000)
#   BIN     kasa binary (default target/release/kasa, built with `cargo build --release --locked`)
#   SAMPLE  the PDF copied (default ../shared/samples/naskah/surat-pengantar-laporan-persandian-jembrana.pdf)
# Nothing else should run meanwhile (2-core box: a build beside it doubles the figures).
set -eu
cd "$(dirname "$0")/.."
n=${1:-1000}
bin=${2:-target/release/kasa}
sample=${3:-../shared/samples/naskah/surat-pengantar-laporan-persandian-jembrana.pdf}
stable_ms=100
[ -x "$bin" ] || cargo build -q --release --locked --bin kasa
bin=$(realpath "$bin")
work=$(mktemp -d)
k() { KASA_LOG=${KASA_LOG:-warn} "$bin" --data-dir "$work/d" --config-dir "$work/c" "$@"; }
cleanup() {
  k node stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
# A node as deployed: with an identity, so the extracted text is sealed to it at ingest.
umask 077; echo "frasa sandi bench burst" > "$work/pass"
k init --kualifikasi tingkat_ii --node-id 9901 --name "Bench burst" --insecure-fast-kdf --passphrase-file "$work/pass" >/dev/null
sed -i -e "s/^stable_ms = .*/stable_ms = $stable_ms/" "$work/d/node.toml"
k node --passphrase-file "$work/pass" >/dev/null
pid=$(k status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
drop=$(k status --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("drop_dir") or "")')
[ -n "$drop" ] || drop="$work/d/drop"
[ -d "$drop" ] || { echo "no drop folder at $drop" >&2; exit 1; }
src="$work/src"
mkdir -p "$src"
python3 - "$sample" "$src" "$n" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read()
for i in range(int(sys.argv[3])):
    with open(f"{sys.argv[2]}/burst-{i:05d}.pdf", "wb") as f:
        f.write(data + b"\n%%kasa-burst %d\n" % i)
EOF
# CPU (ms) of a process tree: own + reaped children of every live member.
cpu_tree_ms() {
  python3 - "$1" <<'EOF'
import os, sys
tck = os.sysconf("SC_CLK_TCK")
def stat(p):
    s = open(f"/proc/{p}/stat").read()
    return s[s.rindex(")") + 2:].split()
def kids(p):
    out = []
    for t in os.listdir(f"/proc/{p}/task"):
        try:
            out += [int(c) for c in open(f"/proc/{p}/task/{t}/children").read().split()]
        except OSError:
            pass
    return out
root = int(sys.argv[1])
own, total, todo = 0, 0, [root]
while todo:
    p = todo.pop()
    try:
        f = stat(p)
        total += sum(int(x) for x in f[11:15])  # utime stime cutime cstime
        if p == root:
            own = int(f[11]) + int(f[12])
        todo += kids(p)
    except OSError:
        pass
print(total * 1000 // tck, own * 1000 // tck)
EOF
}
entries() { k status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])'; }
before=$(entries)
sync
sleep 1
read -r c0 o0 < <(cpu_tree_ms "$pid")
t0=$(date +%s%N)
mv "$src"/* "$drop"/
want=$((before + n))
# Originals leave the drop folder only after their commit: poll the folder with a shell glob (no
# process per poll, so the poller does not steal the node's CPU), then check the count.
shopt -s nullglob dotglob
while :; do
  left=("$drop"/*)
  if [ ${#left[@]} -eq 0 ] && [ "$(entries)" -ge "$want" ]; then break; fi
  sleep 0.02
done
t1=$(date +%s%N)
read -r c1 o1 < <(cpu_tree_ms "$pid")
failed=$(ls -A "$work/d/ingest/failed" | wc -l)
wall_ms=$(((t1 - t0) / 1000000))
work_ms=$((wall_ms - stable_ms))
cpu_ms=$((c1 - c0))
own_ms=$((o1 - o0))
echo "== $n small PDFs ($(stat -c %s "$sample") bytes + comment) dropped at once; $(basename "$bin") $("$bin" --version 2>/dev/null | head -1)"
awk -v n="$n" -v w="$wall_ms" -v s="$stable_ms" -v x="$work_ms" -v c="$cpu_ms" -v o="$own_ms" -v f="$failed" 'BEGIN {
  printf "wall %d ms, minus stable_ms %d = %d ms of ingest: %.2f ms per PDF\n", w, s, x, x / n
  printf "CPU of the node and its children: %d ms, %.2f ms per PDF (node process %.2f, children %.2f); refused: %d\n", c, c / n, o / n, (c - o) / n, f
}'
