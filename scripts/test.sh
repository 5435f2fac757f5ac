#!/usr/bin/env bash
# Runs every test: the Rust workspace (unit and integration tests).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --all-targets
