//! The worker's settings, from `[vars]` in wrangler.toml.

/// Variable choosing where beacon events go.
pub const SINK_VAR: &str = "BEACON_SINK";
/// Variable holding the site's own origin (`https://play.example.com`).
pub const SITE_ORIGIN_VAR: &str = "SITE_ORIGIN";
/// Binding of the static site (Workers Static Assets).
pub const ASSETS_BINDING: &str = "ASSETS";
/// Binding of the Analytics Engine dataset.
pub const ANALYTICS_BINDING: &str = "BEACONS";
/// Binding of the D1 database.
pub const D1_BINDING: &str = "DB";

/// Where validated events are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sink {
    AnalyticsEngine,
    D1,
}

impl Sink {
    /// Parses the [`SINK_VAR`] value; the error says what is accepted.
    pub fn parse(value: &str) -> Result<Sink, String> {
        match value.trim() {
            "analytics_engine" => Ok(Sink::AnalyticsEngine),
            "d1" => Ok(Sink::D1),
            other => Err(format!(
                "wrangler.toml [vars] {SINK_VAR} = {other:?} is not a sink; use \"analytics_engine\" or \"d1\""
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sink_names_parse_and_a_typo_says_what_is_accepted() {
        assert_eq!(Sink::parse("d1"), Ok(Sink::D1));
        assert_eq!(Sink::parse("analytics_engine"), Ok(Sink::AnalyticsEngine));
        let e = Sink::parse("analytics-engine").unwrap_err();
        assert!(e.contains("BEACON_SINK") && e.contains("\"d1\""), "{e}");
    }
}
