#!/usr/bin/env bash
# Load figures: the load test (tests/e2e/load.test.mjs) with larger counts
# and a release `smartlinks`, against `smartlinks serve` and the worker in
# workerd (wrangler dev, offline). Prints requests per second and p99
# latency per server; the test's checks (each valid beacon stored once,
# nothing else stored, no failed request) still apply.
#
#   scripts/bench-load.sh                         # 20,000 valid, 5,000 invalid, 1,000 bots, 64 connections
#   LOAD_VALID=5000 LOAD_CONNECTIONS=16 scripts/bench-load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
cargo build --release -q -p smartlinks
export SMARTLINKS_BIN=$PWD/target/release/smartlinks
export LOAD_VALID=${LOAD_VALID:-20000} LOAD_INVALID=${LOAD_INVALID:-5000} LOAD_BOTS=${LOAD_BOTS:-1000}
export LOAD_CONNECTIONS=${LOAD_CONNECTIONS:-64}
node --test tests/e2e/load.test.mjs 2>&1 | tee /dev/stderr | grep -o 'load [a-z]*: .*' || true
