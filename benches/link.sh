#!/usr/bin/env bash
# Letters per second and latency of a 100 KB letter over the direct link on loopback (issue 18).
# Two real nodes (A seals, B receives) on 127.0.0.1; the time is from the end of `kasa kriptogram
# seal` on A to the DITERIMA receipt visible on A (`kasa agenda show --json`, polled every 20 ms, so
# latencies include up to one poll and one CLI call).
# Then one large letter (default 1 GiB) over the link against the reference: `age -r` piped through
# `socat` to a `socat` listener on the same loopback, in the same run (needs age and socat). DITERIMA
# promises the letter is durable at the receiver (fsynced before the receipt is signed), so the
# reference's time runs until its received file is on disk too (`sync FILE`, an fsync), as the open
# comparison of issue 19 uses `age -d` + fsync. The time without that sync is printed as well.
# Usage: benches/link.sh [LETTERS] [KIB] [BIN] [BIG_MIB]
#   (default 50 letters of 100 KiB, target/release/kasa built if missing, 1024 MiB; BIG_MIB=0 skips)
set -eu
cd "$(dirname "$0")/.."
n=${1:-50}
kib=${2:-100}
bin=${3:-target/release/kasa}
big_mib=${4:-1024}
[ -x "$bin" ] || cargo build -q --release --bin kasa
work=$(mktemp -d)
pa=$((20000 + RANDOM % 20000)); pb=$((pa + 1))
cleanup() {
  for x in a b; do "$bin" --data-dir "$work/$x" --config-dir "$work/$x.c" node stop >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
k() { local x=$1; shift; KASA_LOG=warn "$bin" --data-dir "$work/$x" --config-dir "$work/$x.c" "$@"; }
for x in a b; do
  id=$([ "$x" = a ] && echo 32 || echo 32.01)
  port=$([ "$x" = a ] && echo $pa || echo $pb)
  umask 077; echo "frasa sandi bench $x" > "$work/$x.pass"
  k $x init --kualifikasi tingkat_ii --node-id "$id" --name "Node $x" --insecure-fast-kdf --passphrase-file "$work/$x.pass" >/dev/null
  if grep -q '^\[link\]' "$work/$x/node.toml"; then
    sed -i "s/^\[link\]\$/[link]\nlisten = \"127.0.0.1:$port\"/" "$work/$x/node.toml"
  else
    printf '\n[link]\nlisten = "127.0.0.1:%s"\n' "$port" >> "$work/$x/node.toml"
  fi
  k $x node --passphrase-file "$work/$x.pass" >/dev/null
done
k a identity card > "$work/a.card"; k b identity card > "$work/b.card"
k a peer add "$work/b.card" --relation kab-kota >/dev/null; k a peer verify 32.01 --confirm >/dev/null
k b peer add "$work/a.card" --relation provinsi >/dev/null; k b peer verify 32 --confirm >/dev/null
k a peer set 32.01 --address "127.0.0.1:$pb" >/dev/null
until k a peer status --json | grep -E '"connected": *true' >/dev/null; do sleep 0.1; done
head -c $((kib * 1024)) /dev/urandom > "$work/letter.bin"
now_ms() { date +%s%3N; }
seal() {
  k a kriptogram seal --to 32.01 --perihal "bench $1" --klasifikasi B --derajat Kilat --json "$work/letter.bin" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["entry"]["id"])'
}
received() { k a agenda show "$1" --json | grep -E '"status": *"diterima"' >/dev/null; }
echo "== latency of one ${kib} KiB letter (10 runs)"
lat=()
for i in $(seq 1 10); do
  id=$(seal "lat $i"); t0=$(now_ms)
  until received "$id"; do sleep 0.02; done
  lat+=($(( $(now_ms) - t0 )))
done
printf '%s\n' "${lat[@]}" | sort -n | awk '{a[NR]=$1} END {printf "min %d ms, median %d ms, max %d ms\n", a[1], a[int((NR+1)/2)], a[NR]}'
echo "== throughput: $n letters of ${kib} KiB sealed back to back"
t0=$(now_ms); ids=()
for i in $(seq 1 "$n"); do ids+=("$(seal "tp $i")"); done
t1=$(now_ms)
for id in "${ids[@]}"; do until received "$id"; do sleep 0.05; done; done
t2=$(now_ms)
awk -v n="$n" -v s=$((t1 - t0)) -v e=$((t2 - t0)) 'BEGIN {printf "sealing %d letters: %d ms; all DITERIMA after %d ms: %.1f letters/s end to end\n", n, s, e, n * 1000 / e}'

[ "$big_mib" -gt 0 ] || exit 0
echo "== one letter of ${big_mib} MiB: kasa over the link vs age | socat on the same loopback"
head -c $((big_mib * 1024 * 1024)) /dev/urandom > "$work/big.bin"
sync
t0=$(now_ms)
id=$(k a kriptogram seal --to 32.01 --perihal "bench besar" --klasifikasi B --derajat Kilat --json "$work/big.bin" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["entry"]["id"])')
t1=$(now_ms)
until received "$id"; do sleep 0.05; done
t2=$(now_ms)
age-keygen -o "$work/ref.key" 2>/dev/null
rcpt=$(age-keygen -y "$work/ref.key")
pr=$((pb + 1))
socat -u TCP-LISTEN:$pr,reuseaddr OPEN:"$work/ref.age",creat,trunc &
lst=$!
sleep 0.3
r0=$(now_ms)
age -r "$rcpt" "$work/big.bin" | socat -u - TCP:127.0.0.1:$pr
wait $lst
r1=$(now_ms)
sync "$work/ref.age"
r2=$(now_ms)
rm -f "$work/ref.age"
awk -v mib="$big_mib" -v s=$((t1 - t0)) -v l=$((t2 - t1)) -v e=$((t2 - t0)) -v r=$((r2 - r0)) -v rn=$((r1 - r0)) 'BEGIN {
  printf "kasa: seal %d ms + link until DITERIMA %d ms = %d ms end to end (%.0f MiB/s)\n", s, l, e, mib * 1000 / e
  printf "age | socat, received file fsynced: %d ms (%.0f MiB/s); without the fsync %d ms\n", r, mib * 1000 / r, rn
  printf "ratio (age|socat time / kasa time): %.2fx link part (the goal), %.2fx end to end with the seal\n", r / l, r / e
}'
