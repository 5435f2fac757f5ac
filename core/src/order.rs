//! Which order a fan sees the service buttons in.

use serde::{Deserialize, Serialize};

use crate::service::service;

/// How an artist wants the buttons ordered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderMode {
    /// Best services for the fan's country first.
    #[default]
    Auto,
    /// One order for every fan.
    Fixed,
}

/// The artist's ordering settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSettings {
    pub mode: OrderMode,
    /// With [`OrderMode::Fixed`]: the services to show first, in this order.
    #[serde(default)]
    pub fixed: Vec<String>,
    /// Leave out services not offered in the fan's country instead of moving them last.
    #[serde(default)]
    pub hide_unavailable: bool,
}

/// The order in which a fan in `country` (ISO 3166-1 alpha-2; `None` when
/// unknown) sees the `available` services (ids) of one Smart Link.
pub fn order<'a>(
    country: Option<&str>,
    available: &[&'a str],
    settings: &OrderSettings,
) -> Vec<&'a str> {
    let _ = country;
    let mut out: Vec<&'a str> = available.to_vec();
    let rank = |id: &str| {
        let fixed = settings.fixed.iter().position(|f| f == id);
        let global = service(id).map_or(usize::MAX, |s| s.global_rank());
        match settings.mode {
            OrderMode::Fixed => (fixed.unwrap_or(usize::MAX), global),
            OrderMode::Auto => (0, global),
        }
    };
    out.sort_by_key(|id| rank(id));
    out
}
