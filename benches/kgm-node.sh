#!/usr/bin/env bash
# Whole-process seal and open of one file through the node (issue 19), against the `age` tool on the
# same file in the same run. Two real nodes: A seals to B with `kasa kriptogram seal` (the file goes
# to the node as a descriptor), B opens one copy with `kasa kriptogram open` and takes a second
# letter dropped (renamed) into its drop folder. Times are wall clock of the whole client process
# (the node's seal/open work included); the drop row runs from the rename until the entry is
# committed and moved out of the drop folder (a 100 ms stability delay and up to 20 ms of polling
# included). Peak RSS: the client from
# /usr/bin/time, the nodes from VmHWM in /proc/PID/status (peak over the whole run); node CPU is
# user+system time of the node process during the step (all its threads), to tell CPU from disk.
# The node makes its results durable (fsync of the .kgm, the stored blob, the released file), so the
# reference is timed as `age … && sync FILE` (same durability); `age` alone is printed as well.
# Usage: benches/kgm-node.sh [SIZE_MIB] [BIN]   (default 1024 MiB, target/release/kasa)
set -eu
cd "$(dirname "$0")/.."
mib=${1:-1024}
bin=${2:-target/release/kasa}
[ -x "$bin" ] || cargo build -q --release --bin kasa
work=$(mktemp -d)
cleanup() {
  for x in a b; do "$bin" --data-dir "$work/$x" --config-dir "$work/$x.c" node stop >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
k() { local x=$1; shift; KASA_LOG=${KASA_LOG:-warn} "$bin" --data-dir "$work/$x" --config-dir "$work/$x.c" "$@"; }
for x in a b; do
  id=$([ "$x" = a ] && echo 32 || echo 32.01)
  umask 077; echo "frasa sandi bench $x" > "$work/$x.pass"
  k $x init --kualifikasi tingkat_ii --node-id "$id" --name "Node $x" --insecure-fast-kdf --passphrase-file "$work/$x.pass" >/dev/null
  sed -i -e "s/^stable_ms = .*/stable_ms = 100/" -e "s/^max_bytes = .*/max_bytes = $(((mib + 64) << 20))/" "$work/$x/node.toml"
  k $x node --passphrase-file "$work/$x.pass" >/dev/null
done
k a identity card > "$work/a.card"; k b identity card > "$work/b.card"
k a peer add "$work/b.card" --relation kab-kota >/dev/null; k a peer verify 32.01 --confirm >/dev/null
k b peer add "$work/a.card" --relation provinsi >/dev/null; k b peer verify 32 --confirm >/dev/null
pid_of() { k "$1" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])'; }
hwm() { awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
cpu_ms() { awk -v t="$(getconf CLK_TCK)" '{printf "%d", ($14 + $15) * 1000 / t}' "/proc/$1/stat"; }
pa=$(pid_of a); pb=$(pid_of b)
head -c $((mib << 20)) /dev/urandom > "$work/big.bin"
age-keygen -o "$work/ref.key" 2>/dev/null
rcpt=$(age-keygen -y "$work/ref.key")
now_ms() { date +%s%3N; }
timed() { # LABEL CMD… → "ms rss_mib" of the command, whose stdout goes to $work/out.json
  sync
  if ! /usr/bin/time -f '%e %M' -o "$work/time.txt" "$@" > "$work/out.json"; then
    echo "failed: $*" >&2; cat "$work/out.json" >&2; return 1
  fi
  tail -n 1 "$work/time.txt" | awk '{printf "%d %.0f\n", $1 * 1000, $2 / 1024}'

}
seal() {
  timed "$bin" --data-dir "$work/a" --config-dir "$work/a.c" kriptogram seal --to 32.01 --perihal "bench $1" \
    --klasifikasi B --derajat Biasa --json "$work/big.bin"
}
c0=$(cpu_ms "$pa")
read -r seal_ms seal_rss < <(seal satu)
seal_cpu=$(( $(cpu_ms "$pa") - c0 ))
kgm1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["path"])' "$work/out.json")
read -r seal2_ms _ < <(seal dua)
kgm2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["path"])' "$work/out.json")
cp "$kgm1" "$work/satu.kgm"; cp "$kgm2" "$work/dua.kgm"
c0=$(cpu_ms "$pb")
read -r open_ms open_rss < <(timed "$bin" --data-dir "$work/b" --config-dir "$work/b.c" kriptogram open --json "$work/satu.kgm")
grep -q '"outcome": *"new"' "$work/out.json" || { echo "open failed:"; cat "$work/out.json"; exit 1; }
open_cpu=$(( $(cpu_ms "$pb") - c0 ))
masuk() { k b agenda list --book kriptogram-masuk --json | python3 -c 'import json,sys; d=json.load(sys.stdin); d=d.get("entries", d) if isinstance(d, dict) else d; print(len(d))'; }
before=$(masuk)
sync
c0=$(cpu_ms "$pb")
t0=$(now_ms)
mv "$work/dua.kgm" "$work/b/drop/dua.kgm"
# The node moves the original out of the drop folder once the entry is committed: wait for that
# with a shell test (polling the CLI, a python3 start each time, took a core's third from the node).
while [ -e "$work/b/drop/dua.kgm" ]; do sleep 0.02; done
drop_ms=$(( $(now_ms) - t0 ))
[ "$(masuk)" -gt "$before" ] || { echo "drop: no new entry"; ls -la "$work/b/ingest/failed" >&2; exit 1; }
drop_cpu=$(( $(cpu_ms "$pb") - c0 ))
node_a=$(hwm "$pa"); node_b=$(hwm "$pb")
[ -z "${KEEP_LOG:-}" ] || cp "$work/b/kasa.log" "$KEEP_LOG"
read -r aenc_ms aenc_rss < <(timed sh -c "age -r '$rcpt' -o '$work/ref.age' '$work/big.bin' && sync '$work/ref.age'")
read -r aenc_nosync _ < <(timed age -r "$rcpt" -o "$work/ref2.age" "$work/big.bin")
read -r adec_ms adec_rss < <(timed sh -c "age -d -i '$work/ref.key' -o '$work/ref.out' '$work/ref.age' && sync '$work/ref.out'")
rm -f "$work/ref.out"
read -r adec_nosync _ < <(timed age -d -i "$work/ref.key" -o "$work/ref.out" "$work/ref.age")
echo "== ${mib} MiB through the node vs age (same file, same run); ratio = age time / kasa time"
printf '%-44s %9s %9s %7s %s\n' measure kasa_ms age_ms ratio "peak RSS"
row() { awk -v m="$1" -v k="$2" -v a="$3" -v r="$4" 'BEGIN {printf "%-44s %9d %9d %6.2fx %s\n", m, k, a, a / k, r}'; }
row "seal (CLI, descriptor to node)" "$seal_ms" "$aenc_ms" "client ${seal_rss} MiB, age ${aenc_rss} MiB; node CPU ${seal_cpu} ms"
row "seal again (second letter)" "$seal2_ms" "$aenc_ms" ""
row "open (CLI, descriptor to node)" "$open_ms" "$adec_ms" "client ${open_rss} MiB, age ${adec_rss} MiB; node CPU ${open_cpu} ms"
row "open of a .kgm dropped in the drop folder" "$drop_ms" "$adec_ms" "node CPU ${drop_cpu} ms"
echo "node peak RSS over the run: A (sealing) ${node_a} MiB, B (opening) ${node_b} MiB"
echo "age without sync: encrypt ${aenc_nosync} ms, decrypt ${adec_nosync} ms"
