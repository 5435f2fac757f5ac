//! Which country a request comes from.

/// The visitor's country: `request.cf.country` when the runtime gives one,
/// else the `CF-IPCountry` header. Cloudflare's "unknown" (`XX`), Tor (`T1`)
/// and anything that is not two capital letters count as unknown (`None`).
pub fn visitor_country(cf_country: Option<&str>, header: Option<&str>) -> Option<String> {
    let raw = match cf_country {
        Some(c) => c,
        None => header?,
    };
    let raw = raw.trim();
    let known =
        raw.len() == 2 && raw.bytes().all(|b| b.is_ascii_uppercase()) && raw != "XX" && raw != "T1";
    known.then(|| raw.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cf_country_wins_over_the_header() {
        assert_eq!(
            visitor_country(Some("FR"), Some("DE")).as_deref(),
            Some("FR")
        );
        assert_eq!(visitor_country(None, Some("DE")).as_deref(), Some("DE"));
    }

    #[test]
    fn unknown_tor_and_malformed_countries_are_none() {
        for c in ["XX", "T1", "fr", "FRA", "", "F"] {
            assert_eq!(visitor_country(Some(c), None), None, "{c:?}");
            assert_eq!(visitor_country(None, Some(c)), None, "{c:?}");
        }
        assert_eq!(visitor_country(None, None), None);
        // A runtime answer of "unknown" is not overridden by a client header.
        assert_eq!(visitor_country(Some("XX"), Some("US")), None);
    }
}
