#!/usr/bin/env bash
# Runs every test: the Rust workspace (unit and integration tests), then the
# end-to-end tests in tests/e2e/ (headless Chromium and the Workers runtime
# against the real binary).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --all-targets
# The end-to-end tests drive the debug binary.
cargo build -p smartlinks
if [ ! -d node_modules/playwright-core ]; then
  npm ci --no-audit --no-fund
fi
node --test tests/e2e/
