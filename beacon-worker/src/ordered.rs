//! The per-request page transform: put a Smart Link page's buttons in the
//! visitor's country order, and the HTTP validators that go with it.
//!
//! The worker does no template rendering: it reads the [`EdgeOrders`] the
//! build embedded in the page and splices the button lines with
//! [`edge::reorder`], the same code the local preview server uses.

use smartlinks_core::edge::{self, EdgeOrders, EdgeOrdersRef};

/// What a page needs for one visitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transform {
    /// The page is the same for every country (no embedded orders, a fixed
    /// order, or orders that do not differ): serve it as built.
    Static,
    /// The page's order depends on the country, and this visitor gets the
    /// order in the page as built (`orders[0]`).
    Global,
    /// The page's order depends on the country; `html` has the buttons in
    /// order number `order` of the embedded [`EdgeOrders`].
    Reordered { html: String, order: usize },
}

impl Transform {
    /// Whether the response depends on the visitor's country, so no shared
    /// cache may keep it for everyone.
    pub fn varies(&self) -> bool {
        !matches!(self, Transform::Static)
    }

    /// Index of the embedded order served (0 = the page as built).
    pub fn order(&self) -> usize {
        match self {
            Transform::Reordered { order, .. } => *order,
            _ => 0,
        }
    }
}

/// Decides what a visitor from `country` (`None` when unknown) sees of `html`.
/// A page whose embedded data is missing or malformed is served as built.
///
/// The embedded data is read in place ([`EdgeOrdersRef`]): about a fifth of
/// the time of building an [`EdgeOrders`] for the one lookup a request needs.
pub fn transform(html: &str, country: Option<&str>) -> Transform {
    let Some(orders) = edge::embedded_json(html)
        .and_then(|json| serde_json::from_str::<EdgeOrdersRef>(json).ok())
        .filter(EdgeOrdersRef::is_valid)
    else {
        return Transform::Static;
    };
    if !orders.varies() {
        return Transform::Static;
    }
    match orders
        .numbered_order_for(country)
        .and_then(|(order, ids)| Some((order, edge::reorder(html, &ids)?)))
    {
        Some((order, html)) => Transform::Reordered { html, order },
        None => Transform::Global,
    }
}

/// The [`EdgeOrders`] embedded in a page, if present and well formed.
pub fn embedded_orders(html: &str) -> Option<EdgeOrders> {
    serde_json::from_str(edge::embedded_json(html)?).ok()
}

/// The entity tag of a page served with embedded order `order`: the built
/// page's tag for order 0, otherwise that tag with the order number added,
/// so a browser holding one country's page never revalidates into another's.
pub fn etag_for_order(asset_etag: &str, order: usize) -> String {
    if order == 0 {
        return asset_etag.to_string();
    }
    let (weak, tag) = match asset_etag.strip_prefix("W/") {
        Some(rest) => ("W/", rest),
        None => ("", asset_etag),
    };
    let inner = tag.trim_matches('"');
    format!("{weak}\"{inner}-o{order}\"")
}

/// Whether `If-None-Match` lets the server answer 304 for `etag` (weak
/// comparison, as RFC 9110 asks for `If-None-Match`).
pub fn not_modified(if_none_match: Option<&str>, etag: &str) -> bool {
    let Some(header) = if_none_match else {
        return false;
    };
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_string();
    let etag = opaque(etag);
    header
        .split(',')
        .any(|candidate| candidate.trim() == "*" || opaque(candidate) == etag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use smartlinks_core::edge::DATA_OPEN;

    fn page(orders_json: Option<&str>) -> String {
        let data = orders_json
            .map(|j| format!("{DATA_OPEN}{j}</script>\n"))
            .unwrap_or_default();
        format!(
            "<html><body><ul>\n<!--sl:services-->\n\
             <li><a data-service=\"spotify\" href=\"s\">Spotify</a></li>\n\
             <li><a data-service=\"deezer\" href=\"d\">Deezer</a></li>\n\
             <li><a data-service=\"boomplay\" href=\"b\">Boomplay</a></li>\n\
             <!--/sl:services-->\n</ul>{data}</body></html>"
        )
    }

    /// Three orders, in the wire form the build embeds.
    fn orders() -> String {
        let ids = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        serde_json::to_string(&EdgeOrders {
            orders: vec![
                ids(&["spotify", "deezer", "boomplay"]),
                ids(&["deezer", "spotify", "boomplay"]),
                ids(&["boomplay", "spotify", "deezer"]),
            ],
            countries: [("FR".to_string(), 1), ("NG".to_string(), 2)].into(),
        })
        .unwrap()
    }

    fn services(html: &str) -> Vec<&str> {
        html.split("data-service=\"")
            .skip(1)
            .map(|s| &s[..s.find('"').unwrap()])
            .collect()
    }

    #[test]
    fn country_with_its_own_order_gets_the_buttons_spliced() {
        let html = page(Some(&orders()));
        match transform(&html, Some("NG")) {
            Transform::Reordered { html: out, order } => {
                assert_eq!(order, 2);
                assert_eq!(services(&out), ["boomplay", "spotify", "deezer"]);
                assert_eq!(out.len(), html.len(), "only the button lines move");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            transform(&html, Some("FR")).order(),
            1,
            "FR has the second order"
        );
    }

    #[test]
    fn countries_on_the_global_order_and_unknown_visitors_get_the_page_as_built() {
        let html = page(Some(&orders()));
        assert_eq!(transform(&html, Some("US")), Transform::Global);
        assert_eq!(transform(&html, None), Transform::Global);
        assert!(transform(&html, None).varies(), "still not shareable");
    }

    #[test]
    fn pages_without_orders_with_a_fixed_order_or_with_bad_data_are_static() {
        assert_eq!(transform(&page(None), Some("NG")), Transform::Static);
        let fixed = r#"{"global":["spotify","deezer","boomplay"]}"#;
        assert_eq!(transform(&page(Some(fixed)), Some("NG")), Transform::Static);
        assert_eq!(
            transform(&page(Some("{not json")), Some("NG")),
            Transform::Static
        );
        assert!(!Transform::Static.varies());
    }

    #[test]
    fn orders_naming_a_service_position_out_of_range_are_refused() {
        let bad = r#"{"global":["spotify","deezer"],"orders":["19"],"countries":["FR"]}"#;
        assert_eq!(transform(&page(Some(bad)), Some("FR")), Transform::Static);
    }

    #[test]
    fn etag_changes_with_the_order_and_keeps_weakness() {
        assert_eq!(etag_for_order("\"abc\"", 0), "\"abc\"");
        assert_eq!(etag_for_order("\"abc\"", 2), "\"abc-o2\"");
        assert_eq!(etag_for_order("W/\"abc\"", 1), "W/\"abc-o1\"");
        assert_ne!(etag_for_order("\"abc\"", 1), etag_for_order("\"abc\"", 2));
    }

    #[test]
    fn if_none_match_uses_weak_comparison_lists_and_star() {
        assert!(not_modified(Some("\"abc-o1\""), "\"abc-o1\""));
        assert!(not_modified(Some("W/\"abc-o1\""), "\"abc-o1\""));
        assert!(not_modified(Some("\"x\", \"abc-o1\""), "\"abc-o1\""));
        assert!(not_modified(Some("*"), "\"abc\""));
        assert!(!not_modified(Some("\"abc\""), "\"abc-o1\""));
        assert!(!not_modified(None, "\"abc\""));
    }
}
