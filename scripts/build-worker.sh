#!/usr/bin/env bash
# Builds the edge worker (beacon-worker/) to wasm in beacon-worker/build/,
# prints its gzipped size and fails if that exceeds the budget (300 KB).
#
# Needs only the package registries: wasm-bindgen-cli is installed with cargo
# at the exact version Cargo.lock pins (once, into a cache outside the repo),
# wasm-opt comes from npm's `binaryen` (run `npm ci` first). Wrangler bundles
# the result with beacon-worker/js/entry.mjs.
#
# Env: SMARTLINKS_TOOLS (tool cache, default ~/.cache/smartlinks-tools),
# WASM_BINDGEN_BIN and WASM_OPT_BIN (use these binaries instead),
# WORKER_BUDGET_KB (default 300).
set -euo pipefail
cd "$(dirname "$0")/.."

budget_kb=${WORKER_BUDGET_KB:-300}
tools=${SMARTLINKS_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/smartlinks-tools}
out=beacon-worker/build
say() { echo "build-worker: $*" >&2; }

version=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$version" ] || { say "no wasm-bindgen in Cargo.lock; is beacon-worker a workspace member?"; exit 1; }

bindgen=${WASM_BINDGEN_BIN:-$tools/bin/wasm-bindgen}
if [ "$("$bindgen" --version 2>/dev/null)" != "wasm-bindgen $version" ]; then
  [ -z "${WASM_BINDGEN_BIN:-}" ] || { say "WASM_BINDGEN_BIN=$bindgen is not wasm-bindgen $version (Cargo.lock's)"; exit 1; }
  say "installing wasm-bindgen-cli $version into $tools (once; takes a few minutes)"
  if ! cargo install wasm-bindgen-cli --version "$version" --locked --root "$tools"; then
    say "its locked dependencies are not all on the registry; retrying with the newest compatible ones"
    cargo install wasm-bindgen-cli --version "$version" --root "$tools"
  fi
fi

wasm_opt=${WASM_OPT_BIN:-node_modules/.bin/wasm-opt}
[ -x "$wasm_opt" ] || { say "$wasm_opt not found: run \`npm ci\` first (it comes from npm's binaryen)"; exit 1; }

if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

cargo build --quiet -p beacon-worker --target wasm32-unknown-unknown --profile worker
raw=${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/worker/beacon_worker.wasm
[ -f "$raw" ] || { say "cargo built no $raw"; exit 1; }

# Skip the slow post-processing when the module has not changed.
stamp="$(sha256sum "$raw" | cut -d' ' -f1) $version $(sha256sum "$0" | cut -d' ' -f1)"
if [ "$(cat "$out/.stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$out/pkg"
  "$bindgen" --target web --no-typescript --experimental-reset-state-function --force-enable-abort-handler --out-dir "$out/pkg" --out-name beacon_worker "$raw"
  # The features the Rust wasm32 target emits by default, plus exception
  # handling, which the abort handler uses.
  "$wasm_opt" -Oz --strip-debug --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue --enable-exception-handling \
    "$out/pkg/beacon_worker_bg.wasm" -o "$out/pkg/beacon_worker_bg.wasm"
  echo "$stamp" > "$out/.stamp"
fi

wasm_gz=$(gzip -9c "$out/pkg/beacon_worker_bg.wasm" | wc -c)
js_gz=$(find "$out/pkg" beacon-worker/js -name '*.js' -o -name '*.mjs' | sort | xargs cat | gzip -9c | wc -c)
total=$((wasm_gz + js_gz))
awk -v t="$total" -v w="$wasm_gz" -v j="$js_gz" -v b="$budget_kb" 'BEGIN {
  printf "build-worker: bundle %.1f KB gzipped (wasm %d + js %d bytes), budget %d KB\n", t / 1024, w, j, b }' >&2
if [ "$total" -gt $((budget_kb * 1024)) ]; then
  say "the worker is over its ${budget_kb} KB budget"
  exit 1
fi
