//! What a Smart Link page carries so the edge (and the local preview server)
//! can put its service buttons in each fan's order without templates.
//!
//! The build computes, for one page, every distinct order a fan can see and
//! which countries see which ([`EdgeOrders`]), and embeds it as JSON in
//! `<script type="application/json" id="sl-orders">`. At request time the
//! receiver looks the country up and [`reorder`]s the button lines, one
//! `<li>` per line between `<!--sl:services-->` and `<!--/sl:services-->`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::order::{order, OrderSettings};

/// Start of the button list in a page.
pub const START: &str = "<!--sl:services-->\n";
/// End of the button list in a page.
pub const END: &str = "<!--/sl:services-->";
/// Opening of the element holding [`EdgeOrders`] JSON.
pub const DATA_OPEN: &str = "<script type=\"application/json\" id=\"sl-orders\">";
const DATA_CLOSE: &str = "</script>";

/// The orders of one page. `orders[0]` is the global order, the one in the
/// static HTML; `countries` maps a country code to the index of its order
/// when it differs from `orders[0]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EdgeOrders {
    pub orders: Vec<Vec<String>>,
    #[serde(default)]
    pub countries: BTreeMap<String, u16>,
}

impl EdgeOrders {
    /// Computes the orders of a page offering `available` (service ids, in
    /// the static HTML's order) for every country in `countries`.
    pub fn compute<'a>(
        available: &[&str],
        settings: &OrderSettings,
        countries: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let global: Vec<String> = order(None, available, settings)
            .into_iter()
            .map(str::to_string)
            .collect();
        let mut orders = vec![global];
        let mut map = BTreeMap::new();
        for country in countries {
            let o: Vec<String> = order(Some(country), available, settings)
                .into_iter()
                .map(str::to_string)
                .collect();
            let index = match orders.iter().position(|x| *x == o) {
                Some(i) => i,
                None => {
                    orders.push(o);
                    orders.len() - 1
                }
            };
            if index != 0 {
                map.insert(country.to_string(), index as u16);
            }
        }
        EdgeOrders {
            orders,
            countries: map,
        }
    }

    /// The order a fan in `country` sees (the global one when unknown).
    pub fn for_country(&self, country: Option<&str>) -> Option<&[String]> {
        let index = country
            .and_then(|c| self.countries.get(c))
            .copied()
            .unwrap_or(0);
        self.orders.get(index as usize).map(Vec::as_slice)
    }

    /// Whether every fan sees the page as built.
    pub fn is_static(&self) -> bool {
        self.countries.is_empty()
    }
}

/// The [`EdgeOrders`] JSON text embedded in a page, if any.
pub fn embedded_json(html: &str) -> Option<&str> {
    let start = html.find(DATA_OPEN)? + DATA_OPEN.len();
    let len = html[start..].find(DATA_CLOSE)?;
    Some(&html[start..start + len])
}

/// Returns `html` with its button lines in `order` (service ids). Buttons
/// the order does not name are left out. `None` when the page has no button
/// list or it is malformed; serve the page unchanged then.
pub fn reorder(html: &str, order: &[impl AsRef<str>]) -> Option<String> {
    let start = html.find(START)? + START.len();
    let end = start + html[start..].find(END)?;
    let block = &html[start..end];
    let lines: Vec<(&str, &str)> = block
        .split_inclusive('\n')
        .map(|line| (service_of(line).unwrap_or_default(), line))
        .collect();
    let mut out = String::with_capacity(html.len());
    out.push_str(&html[..start]);
    for id in order {
        if let Some((_, line)) = lines.iter().find(|(s, _)| *s == id.as_ref()) {
            out.push_str(line);
        }
    }
    out.push_str(&html[end..]);
    Some(out)
}

/// The `data-service` value on one button line.
fn service_of(line: &str) -> Option<&str> {
    const ATTR: &str = "data-service=\"";
    let start = line.find(ATTR)? + ATTR.len();
    let len = line[start..].find('"')?;
    Some(&line[start..start + len])
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "<ul>\n<!--sl:services-->\n<li><a data-service=\"spotify\" href=\"s\">S</a></li>\n<li><a data-service=\"deezer\" href=\"d\">D</a></li>\n<li><a data-service=\"tidal\" href=\"t\">T</a></li>\n<!--/sl:services-->\n</ul>";

    #[test]
    fn reorder_moves_whole_lines_and_keeps_the_rest() {
        let out = reorder(PAGE, &["tidal", "spotify", "deezer"]).unwrap();
        let t = out.find("tidal").unwrap();
        let s = out.find("spotify").unwrap();
        let d = out.find("deezer").unwrap();
        assert!(t < s && s < d, "{out}");
        assert_eq!(out.len(), PAGE.len());
        assert!(
            out.starts_with("<ul>\n<!--sl:services-->\n")
                && out.ends_with("<!--/sl:services-->\n</ul>")
        );
    }

    #[test]
    fn reorder_leaves_out_unnamed_buttons_and_refuses_pages_without_markers() {
        let out = reorder(PAGE, &["deezer"]).unwrap();
        assert!(!out.contains("spotify") && !out.contains("tidal"));
        assert_eq!(reorder("<p>no list</p>", &["spotify"]), None);
    }

    #[test]
    fn embedded_json_is_found() {
        let html = format!("<body>{DATA_OPEN}{{\"orders\":[[\"spotify\"]]}}</script></body>");
        assert_eq!(embedded_json(&html), Some("{\"orders\":[[\"spotify\"]]}"));
    }

    #[test]
    fn unknown_country_gets_the_global_order() {
        let e = EdgeOrders {
            orders: vec![vec!["a".into()], vec!["b".into()]],
            countries: [("FR".to_string(), 1)].into(),
        };
        assert_eq!(e.for_country(Some("FR")).unwrap(), ["b"]);
        assert_eq!(e.for_country(Some("XX")).unwrap(), ["a"]);
        assert_eq!(e.for_country(None).unwrap(), ["a"]);
    }
}
