#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 600) each, PARALLEL at a time
# (default 1), with cargo-fuzz on the nightly toolchain. Seeds come from
# fuzz/seeds/<target>/; the growing corpus stays in fuzz/corpus/<target>/
# and crashes in fuzz/artifacts/<target>/. Prints one line per target.
#
#   scripts/fuzz.sh            # 10 minutes each
#   scripts/fuzz.sh 60         # a quick pass
#   PARALLEL=2 scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-600}
PARALLEL=${PARALLEL:-1}
TARGETS=${TARGETS:-"beacon content_files catalog_json spotify_ref"}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
rustup toolchain list | grep -q nightly || { echo "fuzz: needs the nightly toolchain (rustup toolchain install nightly)" >&2; exit 1; }
LOGS=target/fuzz-logs
mkdir -p "$LOGS"
(cd fuzz && cargo +nightly fuzz build -O)

run() {
  local t=$1
  mkdir -p "fuzz/corpus/$t"
  cp -n "fuzz/seeds/$t"/* "fuzz/corpus/$t/" 2>/dev/null || true
  # -max_len: the largest input any parser accepts is a beacon body (4 KiB)
  # or a content file; 64 KiB covers both without slowing the search.
  (cd fuzz && cargo +nightly fuzz run -O "$t" "corpus/$t" -- \
    -max_total_time="$SECONDS_EACH" -max_len=65536 -print_final_stats=1) >"$LOGS/$t.log" 2>&1
}

status=0
pids=()
for t in $TARGETS; do
  run "$t" & pids+=("$!:$t")
  if [ "${#pids[@]}" -ge "$PARALLEL" ]; then
    for p in "${pids[@]}"; do wait "${p%%:*}" || { echo "fuzz: $t found a crash, see $LOGS/${p#*:}.log" >&2; status=1; }; done
    pids=()
  fi
done
for p in "${pids[@]}"; do wait "${p%%:*}" || { echo "fuzz: ${p#*:} found a crash, see $LOGS/${p#*:}.log" >&2; status=1; }; done

printf '%-14s %8s %12s %9s %6s %7s  %s\n' target seconds execs exec/s cov corpus crashes
for t in $TARGETS; do
  log=$LOGS/$t.log
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  corpus=$(find "fuzz/corpus/$t" -type f | wc -l)
  crashes=$(find "fuzz/artifacts/$t" -type f 2>/dev/null | wc -l)
  printf '%-14s %8s %12s %9s %6s %7s  %s\n' "$t" "$SECONDS_EACH" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$corpus" "$crashes"
done
exit $status
