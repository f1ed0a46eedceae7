#!/usr/bin/env bash
# Full backup throughput of a data directory of SIZE MiB (default 1024) against `tar | age` of the same
# directory, and an incremental backup after 1,000 new entries (issue 17).
# Usage: benches/backup.sh [SIZE_MiB]. Needs `age`, `age-keygen` and a release build (built here).
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1024}
cargo build --release -q
kasa=$PWD/target/release/kasa
work=$(mktemp -d)
node_pid=
cleanup() {
  if [ -n "$node_pid" ]; then kill "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
data=$work/data
k() { "$kasa" --data-dir "$data" --config-dir "$work/cfg" "$@"; }
printf 'frasa sandi bench yang panjang\n' > "$work/pass"; chmod 600 "$work/pass"
k init --node-id 5101 --name "Bench" --passphrase-file "$work/pass" >/dev/null
KASA_LOG=warn k node --foreground --passphrase-file "$work/pass" >"$work/node.log" 2>&1 &
node_pid=$!
for _ in $(seq 100); do [ -S "$data/node.sock" ] && break; sleep 0.1; done

# SIZE MiB of documents: 4 MiB PNG-tagged files of random bytes (no PDF parsing, so ingest is quick).
n=$((size / 4))
mkdir -p "$work/stage"
for i in $(seq 1 "$n"); do
  { printf '\x89PNG\r\n\x1a\n'; head -c $((4 * 1024 * 1024)) /dev/urandom; } > "$work/stage/doc-$i.png"
  mv "$work/stage/doc-$i.png" "$data/drop/"
done
until [ "$(k status --json | grep -o '"entries": [0-9]*' | grep -o '[0-9]*$')" -ge "$n" ]; do sleep 1; done
du -sb "$data" | awk '{printf "data dir: %.1f MiB\n", $1/1048576}'
bytes=$(du -sb "$data" | cut -f1)
sync

mkdir -p "$work/disk" "$work/tar"
t0=$(date +%s.%N)
k backup create --to "$work/disk" --json > "$work/full.json"
t1=$(date +%s.%N)
age-keygen -o "$work/key.txt" 2>/dev/null
rcpt=$(age-keygen -y "$work/key.txt")
sync
t2=$(date +%s.%N)
tar -C "$data" --exclude=node.sock -cf - . | age -r "$rcpt" > "$work/tar/data.tar.age"
sync -f "$work/tar/data.tar.age"
t3=$(date +%s.%N)
awk -v b="$bytes" -v k="$(echo "$t1 - $t0" | bc)" -v t="$(echo "$t3 - $t2" | bc)" 'BEGIN {
  printf "kasa backup create (full): %.2f s, %.0f MB/s\n", k, b / 1e6 / k;
  printf "tar | age:                 %.2f s, %.0f MB/s\n", t, b / 1e6 / t;
  printf "ratio kasa / (tar|age):    %.2fx\n", t / k }'

# 1,000 new entries, then an incremental.
for i in $(seq 1 1000); do
  { printf '\x89PNG\r\n\x1a\n'; echo "kecil $i"; } > "$work/stage/small-$i.png"
  mv "$work/stage/small-$i.png" "$data/drop/"
done
until [ "$(k status --json | grep -o '"entries": [0-9]*' | grep -o '[0-9]*$')" -ge $((n + 1000)) ]; do sleep 1; done
t4=$(date +%s.%N)
k backup create --to "$work/disk" --json > "$work/inc.json"
t5=$(date +%s.%N)
written=$(grep -o '"bytes_written": [0-9]*' "$work/inc.json" | head -1 | grep -o '[0-9]*$')
total=$(grep -o '"bytes_total": [0-9]*' "$work/inc.json" | head -1 | grep -o '[0-9]*$')
awk -v s="$(echo "$t5 - $t4" | bc)" -v w="$written" -v t="$total" 'BEGIN {
  printf "incremental after 1000 entries: %.2f s, wrote %.2f MiB of %.1f MiB\n", s, w/1048576, t/1048576 }'
