#!/usr/bin/env bash
# Runs every test: the Rust workspace (unit and integration tests), then the
# end-to-end tests in headless Chromium (node --test tests/e2e/).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --all-targets
if [ ! -d node_modules/playwright-core ]; then
  echo "scripts/test.sh: node_modules is missing; run \`npm ci\` first" >&2
  exit 1
fi
node --test tests/e2e/
