#!/usr/bin/env bash
# Full-build benchmark: N synthetic releases from ../shared/bench/gen.py,
# converted with bench/from-neutral, built by a release `smartlinks` into a
# tmpfs. Prints wall time, pages per second and peak memory per N.
#
#   bench/build.sh                  # N = 1000 10000
#   N="1000 10000 100000" bench/build.sh
set -euo pipefail
cd "$(dirname "$0")/.."
NS=${N:-"1000 10000"}
RUNS=${RUNS:-3}
HARNESS=${HARNESS:-../shared/bench}
WORK=${WORK:-target/bench}
OUTROOT=${OUTROOT:-/dev/shm/smartlinks-bench}

cargo build --release -q -p smartlinks
BIN=$PWD/target/release/smartlinks
mkdir -p "$WORK" "$OUTROOT"
# The harness folder may be read-only; generate data in a copy.
[ -d "$WORK/harness" ] || cp -r "$HARNESS" "$WORK/harness"

printf '%8s %4s %9s %10s %11s %10s\n' N run wall_s pages_s peak_MiB avg_page_B
for n in $NS; do
  data="$WORK/harness/data/$n/releases.json"
  [ -f "$data" ] || (cd "$WORK/harness" && python3 gen.py "$n" >/dev/null)
  content="$WORK/content-$n"
  [ -f "$content/site.toml" ] || bench/from-neutral "$data" "$content"
  for run in $(seq 1 "$RUNS"); do
    out="$OUTROOT/out-$n"
    rm -rf "$out"; sync
    log=$(mktemp)
    /usr/bin/time -v -o "$log" "$BIN" --quiet --content "$content" build --out "$out"
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/{print $2}' "$log" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$log")
    pages=$(find "$out" -mindepth 3 -name index.html | wc -l)
    bytes=$(find "$out" -mindepth 3 -name index.html -printf '%s\n' | awk '{s+=$1} END {print int(s/NR)}')
    printf '%8d %4d %9.2f %10.0f %11.1f %10d\n' "$n" "$run" "$wall" "$(awk -v p="$pages" -v w="$wall" 'BEGIN { print p / w }')" "$(awk -v r="$rss" 'BEGIN { print r / 1024 }')" "$bytes"
    rm -f "$log"
  done
  rm -rf "$OUTROOT/out-$n"
done
