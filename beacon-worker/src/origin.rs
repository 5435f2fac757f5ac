//! Who may send beacons: the site's own pages only.
//!
//! Browsers send `Origin` on every cross-origin POST, so a request naming
//! another origin is a page elsewhere trying to write into this site's
//! analytics: it is refused. A request without `Origin` cannot come from a
//! cross-origin page and is let through (the schema checks still apply).

/// What the beacon route does about a request's `Origin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Same origin as the worker, or no `Origin` at all: no CORS headers.
    SameOrigin,
    /// The configured site origin on another host: answer with CORS headers
    /// allowing exactly this origin.
    Cors(String),
    /// Another origin: 403.
    Refused,
}

/// `scheme://host[:port]` in lower case, without a trailing slash.
fn normalize(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_ascii_lowercase()
}

/// Decides for a request whose `Origin` header is `origin`, received at
/// `own_origin` (the worker's URL), when the site lives at `site_origin`.
pub fn decide(origin: Option<&str>, own_origin: &str, site_origin: &str) -> Decision {
    let Some(origin) = origin else {
        return Decision::SameOrigin;
    };
    let o = normalize(origin);
    if o == normalize(own_origin) {
        Decision::SameOrigin
    } else if !site_origin.trim().is_empty() && o == normalize(site_origin) {
        Decision::Cors(origin.trim().to_string())
    } else {
        Decision::Refused
    }
}

/// Headers that answer a CORS request (or preflight) from `origin`.
pub fn cors_headers(origin: &str, preflight: bool) -> Vec<(&'static str, String)> {
    let mut h = vec![
        ("Access-Control-Allow-Origin", origin.to_string()),
        ("Vary", "Origin".to_string()),
    ];
    if preflight {
        h.push(("Access-Control-Allow-Methods", "POST, OPTIONS".to_string()));
        h.push(("Access-Control-Allow-Headers", "Content-Type".to_string()));
        h.push(("Access-Control-Max-Age", "86400".to_string()));
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWN: &str = "https://play-edge.example.workers.dev";
    const SITE: &str = "https://play.example.com";

    #[test]
    fn own_and_missing_origins_need_no_cors() {
        assert_eq!(decide(None, OWN, SITE), Decision::SameOrigin);
        assert_eq!(decide(Some(OWN), OWN, SITE), Decision::SameOrigin);
    }

    #[test]
    fn the_site_origin_gets_cors_for_itself_only() {
        assert_eq!(
            decide(Some("https://PLAY.example.com/"), OWN, SITE),
            Decision::Cors("https://PLAY.example.com/".into())
        );
        for other in [
            "https://evil.example",
            "https://play.example.com.evil.example",
            "http://play.example.com",
            "null",
        ] {
            assert_eq!(decide(Some(other), OWN, SITE), Decision::Refused, "{other}");
        }
        assert_eq!(decide(Some("null"), OWN, ""), Decision::Refused);
    }

    #[test]
    fn preflight_answers_name_the_method_and_header_a_beacon_uses() {
        let h = cors_headers(SITE, true);
        assert!(h.contains(&("Access-Control-Allow-Origin", SITE.to_string())));
        assert!(h.contains(&("Access-Control-Allow-Methods", "POST, OPTIONS".to_string())));
        assert!(!cors_headers(SITE, false)
            .iter()
            .any(|(k, _)| *k == "Access-Control-Allow-Methods"));
    }
}
