#!/usr/bin/env bash
# Whole-process seal/open of the same file with kasa's .kgm path and with the `age` tool (issue 7).
# Usage: benches/compare-age.sh [SIZE_MiB]   (default 1024). Needs `age` and /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1024}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
head -c "$((size * 1024 * 1024))" /dev/urandom > "$work/in.bin"
cargo build --release --example kgm_throughput -q
ex=target/release/examples/kgm_throughput
age-keygen -o "$work/key.txt" 2>/dev/null
rcpt=$(age-keygen -y "$work/key.txt")
sync
echo "== kasa .kgm (age inside + Ed25519 signature + SHA-256 over the ciphertext)"
"$ex" seal "$work/in.bin" "$work"
"$ex" open "$work/in.bin" "$work"
echo "== age tool"
/usr/bin/time -f "age encrypt: %e s, peak RSS %M KiB" age -r "$rcpt" -o "$work/in.age" "$work/in.bin"
/usr/bin/time -f "age decrypt: %e s, peak RSS %M KiB" age -d -i "$work/key.txt" -o "$work/out.bin" "$work/in.age"
