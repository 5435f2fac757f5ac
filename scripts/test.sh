#!/usr/bin/env bash
# Runs every test: the Rust workspace (unit and integration tests), then the
# end-to-end tests (the edge worker in workerd via wrangler, browsers).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --all-targets
[ -d node_modules ] || { echo "test.sh: run \`npm ci\` first (end-to-end tests need wrangler)" >&2; exit 1; }
WRANGLER_SEND_METRICS=false node --test tests/e2e/
