#!/usr/bin/env bash
# Side-by-side benchmark: the shared harness (../shared/bench/run.sh) builds
# the same synthetic releases with Hugo, Zola (when ZOLA points at a binary),
# the write-only floor and `smartlinks build`, on a tmpfs, in one run. Then,
# on the same data: an incremental build after one link changed, against a
# full build (bench/rebuild.py: from the command line and in the watching
# preview); and what a pull of an unchanged catalog asks of Spotify.
#
#   bench/side-by-side.sh                      # N = 1000 10000 100000, 5 runs
#   NS="1000 10000" RUNS=1 bench/side-by-side.sh
#   ZOLA=/path/to/zola bench/side-by-side.sh
#   bench/zola.sh && ZOLA=$PWD/target/bench/zola/zola bench/side-by-side.sh
#
# Needs root (the harness mounts a tmpfs) and Hugo (`apt-get install hugo`).
# Prints one table; the harness's raw figures stay in
# target/bench/harness/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
export NS=${NS:-"1000 10000 100000"}
# Five runs: each tool's first run often reads its input back from disk
# (this machine's memory manager pages out files not touched for a while),
# and the median of three would then be the slower of the two warm runs.
export RUNS=${RUNS:-5}
HARNESS=${HARNESS:-$REPO/../shared/bench}
WORK=$REPO/target/bench
TOOLS="hugo floor_rs2"
[ -n "${ZOLA:-}" ] && TOOLS="hugo zola floor_rs2"
export TOOLS
# Our 100k build takes seconds; Hugo's takes minutes, so let it finish.
export MAX_S=${MAX_S:-600}

command -v hugo >/dev/null || { echo "bench: hugo is missing; apt-get install -y hugo" >&2; exit 1; }
cargo build --release -q -p smartlinks
BIN=$REPO/target/release/smartlinks
mkdir -p "$WORK"
# The harness folder may be read-only: run a copy (its data and sites stay
# between runs; gen.py is deterministic).
mkdir -p "$WORK/harness"
cp -r "$HARNESS"/. "$WORK/harness/"

for n in $NS; do
  data=$WORK/harness/data/$n/releases.json
  [ -f "$data" ] || (cd "$WORK/harness" && python3 gen.py "$n" >/dev/null)
  content=$WORK/content-$n
  [ -f "$content/site.toml" ] || bench/from-neutral "$data" "$content"
  # A build record from an earlier run would make ours an incremental build.
  rm -rf "$content/.smartlinks"
done

EXTRA_TOOL_CMD="rm -rf $WORK/content-{N}/.smartlinks && $BIN --quiet --content $WORK/content-{N} build --out {OUT}" \
  "$WORK/harness/run.sh"

echo
echo "== Side by side ($(nproc) cores, output on tmpfs; medians of $RUNS clean runs)"
python3 - "$WORK/harness/results/raw.tsv" <<'EOF'
import csv, statistics, sys
rows = [r for r in csv.DictReader(open(sys.argv[1]), delimiter="\t") if r["contended"] != "1"]
by = {}
for r in rows:
    by.setdefault((r["tool"], int(r["N"])), []).append(r)
names = {"ours": "smartlinks", "hugo": "Hugo", "zola": "Zola", "floor_rs2": "write floor (2 threads)"}
print(f"{'N':>7}  {'tool':<24}{'wall s':>8}{'pages':>8}{'pages/s':>9}{'peak MiB':>9}{'avg B':>8}   ours is")
for n in sorted({k[1] for k in by}):
    med = {}
    for tool in ["ours", "hugo", "zola", "floor_rs2"]:
        rs = by.get((tool, n))
        if not rs:
            continue
        wall = statistics.median(float(r["wall_s"]) for r in rs)
        pages = int(rs[0]["pages"])
        med[tool] = (wall, pages, pages / wall if wall else 0.0,
                     statistics.median(int(r["maxrss_kb"]) for r in rs) / 1024,
                     int(rs[0]["avg_bytes"]))
    for tool, (wall, pages, pps, mib, avg) in med.items():
        ratio = ""
        if tool != "ours" and "ours" in med:
            ratio = f"{med['ours'][2] / pps:.2f}x its pages/s" if pps else ""
        print(f"{n:>7}  {names[tool]:<24}{wall:>8.2f}{pages:>8}{pps:>9.0f}{mib:>9.1f}{avg:>8}   {ratio}")
    if "ours" in med:
        wall = med["ours"][0]
        print(f"{'':>7}  {'(smartlinks, link pages only)':<24}{'':>8}{n:>8}{n / wall:>9.0f}")
EOF

echo
echo "== Incremental build after one link changed (medians of $RUNS)"
for n in $NS; do
  [ "$n" -le 10000 ] || continue
  echo "  N = $n"
  python3 bench/rebuild.py "$BIN" "$WORK/content-$n" "$RUNS"
done

echo
echo "== Pull of an unchanged catalog (fake Spotify and Odesli on loopback)"
cargo test --release -q -p smartlinks --test pull -- --exact \
  second_pull_with_nothing_changed_only_lists_releases --nocapture 2>/dev/null |
  grep -E '^pull:' || echo "(see generator/tests/pull.rs)"
