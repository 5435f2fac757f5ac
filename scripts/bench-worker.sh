#!/usr/bin/env bash
# Edge worker figures: the gzipped wasm bundle size (from the build) and the
# per-request page transform, run natively, in microseconds per page.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-worker.sh
cargo bench --quiet -p beacon-worker --bench transform
