//! Facts shared by the static site generator and the edge worker.
//!
//! This crate depends on serde only, so it compiles to `wasm32-unknown-unknown`
//! for the worker and is tested on the host like any other crate.

pub mod beacon;
pub mod country;
pub mod edge;
pub mod links;
pub mod order;
pub mod service;

pub use country::{country, Country, COUNTRIES};
pub use order::{order, OrderMode, OrderSettings};
pub use service::{Service, SERVICES};
