// Module entry for workerd: instantiates the Rust worker (wasm-bindgen's
// `--target web` output, built by scripts/build-worker.sh) and hands it each
// request. Wrangler imports the .wasm file as a compiled WebAssembly.Module.
//
// A Rust panic aborts the instance; the glue (built with wasm-bindgen's
// reset-state and abort-handler options) then starts the next request on a
// fresh instance instead of poisoned memory.
import wasmModule from "../build/pkg/beacon_worker_bg.wasm";
import { initSync, fetch as handle } from "../build/pkg/beacon_worker.js";

initSync({ module: wasmModule });

export default {
  fetch(request, env, ctx) {
    return handle(request, env, ctx);
  },
};
