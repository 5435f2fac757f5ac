//! One module per route; handlers stay thin and call the host-tested logic.

pub mod beacon;
pub mod page;

use worker::{Headers, Request, Result};

use crate::country::visitor_country;

/// A mutable copy of `headers` (runtime responses have immutable ones).
pub fn copy_headers(headers: &Headers) -> Headers {
    headers.entries().collect()
}

/// The visitor's country, `None` when unknown.
pub fn country(req: &Request) -> Result<Option<String>> {
    let cf = req.cf().and_then(|cf| cf.country());
    let header = req.headers().get("cf-ipcountry")?;
    Ok(visitor_country(cf.as_deref(), header.as_deref()))
}
