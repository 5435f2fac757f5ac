#!/usr/bin/env bash
# Runs every test: the Rust workspace (unit and integration tests), then the
# end-to-end tests in tests/e2e/ (headless Chromium and the edge worker in
# workerd via wrangler, against the real binary).
set -euo pipefail
cd "$(dirname "$0")/.."
# Before the Rust tests too: `publish --dry-run` is tested with the npm wrangler.
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/wrangler ]; then
  npm ci --no-audit --no-fund
fi
cargo test --workspace --all-targets
# The end-to-end tests drive the debug binary.
cargo build -p smartlinks
WRANGLER_SEND_METRICS=false node --test tests/e2e/
