//! The edge worker in front of the static site.
//!
//! Workers Static Assets serve the built site; wrangler.toml routes only the
//! Smart Link pages and the beacon endpoint through this worker
//! (`run_worker_first`), so CSS, images and scripts never wake it.
//!
//! - `GET`/`HEAD` of a page: [`routes::page`] puts the buttons in the
//!   visitor's country order (see [`ordered`]).
//! - `POST /api/beacon`: [`routes::beacon`] validates an analytics event
//!   with the shared schema and stores it (see [`ingest`], [`record`]).
//!
//! Everything that does not need the `worker` crate lives in plain modules
//! that build and test on the host; the runtime glue is wasm32-only.

pub mod config;
pub mod country;
pub mod ingest;
pub mod ordered;
pub mod origin;
pub mod record;

#[cfg(target_arch = "wasm32")]
mod routes;
#[cfg(target_arch = "wasm32")]
mod sink;

/// Response header on everything the worker answers; static assets served
/// without the worker do not carry it.
pub const EDGE_HEADER: &str = "x-smartlinks-edge";

/// Where pages send beacons (site.toml's default `analytics_endpoint`).
pub const BEACON_PATH: &str = "/api/beacon";

#[cfg(target_arch = "wasm32")]
#[worker::event(fetch)]
async fn fetch(
    req: worker::Request,
    env: worker::Env,
    _ctx: worker::Context,
) -> worker::Result<worker::Response> {
    worker::Router::new()
        .post_async(BEACON_PATH, routes::beacon::post)
        .options_async(BEACON_PATH, routes::beacon::preflight)
        .get_async("/*path", routes::page::get)
        .head_async("/*path", routes::page::get)
        .run(req, env)
        .await
}
