//! What a Smart Link page carries so the edge (and the local preview server)
//! can put its service buttons in each fan's order without templates.
//!
//! The build computes, for one page, every distinct order a fan can see and
//! which countries see which ([`EdgeOrders`]), and embeds it as JSON in
//! `<script type="application/json" id="sl-orders">`; pages that every fan
//! sees as built carry none. At request time the receiver finds the JSON
//! ([`embedded_json`]), reads it in place as [`EdgeOrdersRef`], looks the
//! country up ([`EdgeOrdersRef::order_for`]) and [`reorder`]s the button
//! lines, one `<li>` per line between `<!--sl:services-->` and
//! `<!--/sl:services-->`. This crate parses no JSON itself (serde only);
//! the receiver brings `serde_json`.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::country::{country, Country, COUNTRIES, PROFILE_COUNT};
use crate::order::{Candidates, OrderMode, OrderSettings, Place};

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
///
/// As JSON it is compact: the global order once by id, each
/// other order as a string of positions in it (one character per button,
/// from [`POSITIONS`]), and per order the codes of the countries that see
/// it, run together:
/// `{"global":["spotify","apple_music","deezer"],"orders":["201"],"countries":["FRMC"]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Wire")]
pub struct EdgeOrders {
    pub orders: Vec<Vec<String>>,
    pub countries: BTreeMap<String, u16>,
}

/// The characters that stand for positions 0, 1, 2... in the global order.
pub const POSITIONS: &[u8; 64] =
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";

fn position_of(c: u8) -> Option<usize> {
    POSITIONS.iter().position(|&p| p == c)
}

/// The JSON form of [`EdgeOrders`].
/// The compact form [`EdgeOrders`] serializes to.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wire {
    /// `orders[0]`: service ids in the static HTML's order.
    global: Vec<String>,
    /// `orders[1..]`, each as positions in `global`, one [`POSITIONS`]
    /// character per button.
    #[serde(default)]
    orders: Vec<String>,
    /// `countries[i]`: the two-letter codes, run together, of the countries
    /// that see `orders[i]`.
    #[serde(default)]
    countries: Vec<String>,
}

impl TryFrom<Wire> for EdgeOrders {
    type Error = String;

    fn try_from(w: Wire) -> Result<Self, String> {
        if w.orders.len() != w.countries.len() {
            return Err(format!(
                "{} orders but {} country lists",
                w.orders.len(),
                w.countries.len()
            ));
        }
        let mut orders = vec![w.global.clone()];
        let mut countries = BTreeMap::new();
        for (k, (positions, codes)) in w.orders.iter().zip(&w.countries).enumerate() {
            let ids = positions
                .bytes()
                .map(|c| {
                    position_of(c)
                        .and_then(|p| w.global.get(p))
                        .cloned()
                        .ok_or_else(|| format!("order {} names position {:?}", k + 1, c as char))
                })
                .collect::<Result<Vec<_>, _>>()?;
            orders.push(ids);
            if codes.len() % 2 != 0 || !codes.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(format!("country list {codes:?} is not two-letter codes"));
            }
            let index = u16::try_from(k + 1).map_err(|_| "too many orders".to_string())?;
            for code in codes.as_bytes().chunks(2) {
                let code = std::str::from_utf8(code).expect("checked ASCII");
                countries.insert(code.to_string(), index);
            }
        }
        Ok(EdgeOrders { orders, countries })
    }
}

impl Serialize for EdgeOrders {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error;
        let global = self.orders.first().cloned().unwrap_or_default();
        let mut orders = Vec::with_capacity(self.orders.len().saturating_sub(1));
        for o in self.orders.iter().skip(1) {
            let positions = o
                .iter()
                .map(|id| {
                    global
                        .iter()
                        .position(|g| g == id)
                        .and_then(|p| POSITIONS.get(p))
                        .map(|&c| char::from(c))
                        .ok_or_else(|| {
                            S::Error::custom(format!(
                                "{id:?} is not among the first {} of orders[0]",
                                POSITIONS.len()
                            ))
                        })
                })
                .collect::<Result<String, _>>()?;
            orders.push(positions);
        }
        let mut countries = vec![String::new(); orders.len()];
        for (code, &index) in &self.countries {
            if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(S::Error::custom(format!("{code:?} is not a country code")));
            }
            match usize::from(index)
                .checked_sub(1)
                .and_then(|i| countries.get_mut(i))
            {
                Some(list) => list.push_str(code),
                None => return Err(S::Error::custom(format!("{code} has no order {index}"))),
            }
        }
        Wire {
            global,
            orders,
            countries,
        }
        .serialize(serializer)
    }
}

/// The orders of one page as candidate indexes: `orders[0]` is the global
/// order, and each country that sees another one is paired with its index.
struct Solved<'a> {
    candidates: Candidates<'a>,
    orders: Vec<Vec<u8>>,
    differing: Vec<(Country, u16)>,
}

fn solve<'a>(
    available: &[&'a str],
    settings: &OrderSettings,
    countries: impl IntoIterator<Item = Country>,
) -> Solved<'a> {
    let candidates = Candidates::new(available, settings);
    let mut keyed = Vec::new();
    let mut global = Vec::new();
    candidates.order_into(None, settings, &mut keyed, &mut global);
    let mut orders: Vec<Vec<u8>> = vec![global];
    let mut differing = Vec::new();
    if settings.mode == OrderMode::Fixed {
        // The same order everywhere: the page as built.
        return Solved {
            candidates,
            orders,
            differing,
        };
    }
    // Where the release is on Spotify, by position in COUNTRIES.
    let spotify: Option<Vec<bool>> = settings.spotify_markets.as_ref().map(|markets| {
        let mut here = vec![false; COUNTRIES.len()];
        for c in markets.iter().filter_map(|m| country(m)) {
            here[c.index()] = true;
        }
        here
    });
    let mut order = Vec::new();
    // Countries sharing a profile (and Spotify's availability of the
    // release) see the same order: compute it once per such pair.
    let mut seen: Vec<[Option<usize>; 2]> = vec![[None; 2]; PROFILE_COUNT];
    for c in countries {
        let place = Place {
            profile: c.profile(),
            spotify: spotify.as_ref().is_none_or(|s| s[c.index()]),
        };
        let slot = &mut seen[c.profile_index()][usize::from(place.spotify)];
        let index = match *slot {
            Some(i) => i,
            None => {
                candidates.order_into(Some(place), settings, &mut keyed, &mut order);
                let i = match orders.iter().position(|o| *o == order) {
                    Some(i) => i,
                    None => {
                        orders.push(order.clone());
                        orders.len() - 1
                    }
                };
                *slot = Some(i);
                i
            }
        };
        if index != 0 {
            differing.push((c, index as u16));
        }
    }
    Solved {
        candidates,
        orders,
        differing,
    }
}

impl EdgeOrders {
    /// Computes the orders of a page offering `available` (service ids, in
    /// the static HTML's order) for every country in `countries`.
    pub fn compute<'a>(
        available: &[&str],
        settings: &OrderSettings,
        countries: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        // Unknown countries see orders[0].
        let solved = solve(
            available,
            settings,
            countries.into_iter().filter_map(country),
        );
        let strings = |o: &[u8]| -> Vec<String> {
            o.iter()
                .map(|&i| solved.candidates.id(i).to_string())
                .collect()
        };
        EdgeOrders {
            orders: solved.orders.iter().map(|o| strings(o)).collect(),
            // Collecting builds the map in bulk, faster than one insert per country.
            countries: solved
                .differing
                .iter()
                .map(|(c, i)| (c.code().to_string(), *i))
                .collect(),
        }
    }

    /// [`EdgeOrders::compute`] for every country, in its wire form, made
    /// straight from the orders (no map or string per country: the build
    /// does this for every page); `None` when every fan sees the page as
    /// built. Serializes to the same bytes as the computed orders.
    pub fn wire(available: &[&str], settings: &OrderSettings) -> Option<Wire> {
        let solved = solve(available, settings, Country::all());
        let global = &solved.orders[0];
        // The registry has fewer services than positions; a page with more
        // could not be written and is served as built.
        if solved.differing.is_empty() || global.len() > POSITIONS.len() {
            return None;
        }
        let mut at = [0u8; 256];
        for (p, &i) in global.iter().enumerate() {
            at[usize::from(i)] = POSITIONS[p];
        }
        let orders: Vec<String> = solved.orders[1..]
            .iter()
            .map(|o| o.iter().map(|&i| char::from(at[usize::from(i)])).collect())
            .collect();
        // COUNTRIES is sorted, so each list is in code order, as a map's is.
        let mut countries = vec![String::new(); orders.len()];
        for (c, index) in &solved.differing {
            countries[usize::from(*index) - 1].push_str(c.code());
        }
        Some(Wire {
            global: global
                .iter()
                .map(|&i| solved.candidates.id(i).to_string())
                .collect(),
            orders,
            countries,
        })
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

/// The embedded JSON read in place, for the one lookup a request needs:
/// deserialize it (with `serde_json::from_str`, borrowing from the page)
/// instead of a whole [`EdgeOrders`], then ask [`EdgeOrdersRef::order_for`].
#[derive(Debug, Deserialize)]
pub struct EdgeOrdersRef<'a> {
    #[serde(borrow)]
    global: Vec<Cow<'a, str>>,
    #[serde(default, borrow)]
    orders: Vec<Cow<'a, str>>,
    #[serde(default, borrow)]
    countries: Vec<Cow<'a, str>>,
}

impl EdgeOrdersRef<'_> {
    /// Whether the data adds up as [`EdgeOrders`] would require: one country
    /// list per order, positions inside the global order, two-letter codes.
    /// Checked without allocating, for the worker's per-request path.
    pub fn is_valid(&self) -> bool {
        self.orders.len() == self.countries.len()
            && self.orders.iter().all(|o| {
                o.bytes()
                    .all(|c| position_of(c).is_some_and(|p| p < self.global.len()))
            })
            && self.countries.iter().all(|codes| {
                codes.len() % 2 == 0 && codes.bytes().all(|b| b.is_ascii_alphanumeric())
            })
    }

    /// Whether some country sees another order than the page as built.
    pub fn varies(&self) -> bool {
        self.countries.iter().any(|codes| !codes.is_empty())
    }

    /// The order number (1 and up, as in [`EdgeOrders::orders`]) and the
    /// button order for a fan in `country`; `None` when that fan sees the
    /// page as built.
    pub fn numbered_order_for(&self, country: Option<&str>) -> Option<(usize, Vec<&str>)> {
        let code = country?.as_bytes();
        if code.len() != 2 {
            return None;
        }
        let k = self
            .countries
            .iter()
            .position(|list| list.as_bytes().chunks(2).any(|c| c == code))?;
        let ids = self
            .orders
            .get(k)?
            .bytes()
            .map(|c| {
                position_of(c)
                    .and_then(|p| self.global.get(p))
                    .map(|s| s.as_ref())
            })
            .collect::<Option<Vec<&str>>>()?;
        Some((k + 1, ids))
    }

    /// The button order for a fan in `country`, or `None` when the page is
    /// to be served as built (unknown country, a country that sees the
    /// static order, or data that does not add up).
    pub fn order_for(&self, country: Option<&str>) -> Option<Vec<&str>> {
        self.numbered_order_for(country).map(|(_, ids)| ids)
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
    use crate::order::order;

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

    #[test]
    fn json_is_compact_and_round_trips() {
        let e = EdgeOrders {
            orders: vec![
                vec!["spotify".into(), "apple_music".into(), "deezer".into()],
                vec!["deezer".into(), "spotify".into(), "apple_music".into()],
                vec!["apple_music".into()],
            ],
            countries: [
                ("FR".to_string(), 1),
                ("MC".to_string(), 1),
                ("JP".to_string(), 2),
            ]
            .into(),
        };
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            r#"{"global":["spotify","apple_music","deezer"],"orders":["201","1"],"countries":["FRMC","JP"]}"#
        );
        assert_eq!(serde_json::from_str::<EdgeOrders>(&json).unwrap(), e);
    }

    #[test]
    fn malformed_json_is_refused() {
        for bad in [
            r#"{"global":["spotify"],"orders":["3"],"countries":["FR"]}"#,
            r#"{"global":["spotify"],"orders":["*"],"countries":["FR"]}"#,
            r#"{"global":["spotify"],"orders":["0"],"countries":[]}"#,
            r#"{"global":["spotify"],"orders":["0"],"countries":["FRA"]}"#,
        ] {
            assert!(serde_json::from_str::<EdgeOrders>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn compute_groups_countries_and_leaves_fixed_pages_static() {
        let available = ["spotify", "deezer", "anghami", "yandex"];
        let e = EdgeOrders::compute(
            &available,
            &OrderSettings::default(),
            crate::COUNTRIES.iter().copied(),
        );
        assert_eq!(e.orders[0], ["spotify", "deezer", "anghami", "yandex"]);
        assert_eq!(e.for_country(Some("RU")).unwrap()[0], "yandex");
        assert_eq!(e.for_country(Some("EG")).unwrap()[0], "anghami");
        assert!(!e.countries.contains_key("US"), "US sees the global order");
        for (code, &i) in &e.countries {
            assert_eq!(
                e.orders[usize::from(i)],
                order(Some(code), &available, &OrderSettings::default()),
                "{code}"
            );
        }
        let fixed = OrderSettings {
            mode: OrderMode::Fixed,
            fixed: vec!["deezer".into()],
            ..Default::default()
        };
        let e = EdgeOrders::compute(&available, &fixed, crate::COUNTRIES.iter().copied());
        assert!(e.is_static());
        assert_eq!(e.orders, [["deezer", "spotify", "anghami", "yandex"]]);
    }

    #[test]
    fn a_request_reads_its_order_in_place() {
        let available = ["spotify", "apple_music", "deezer", "anghami"];
        let full = EdgeOrders::compute(
            &available,
            &OrderSettings::default(),
            crate::COUNTRIES.iter().copied(),
        );
        let json = serde_json::to_string(&full).unwrap();
        let lazy: EdgeOrdersRef = serde_json::from_str(&json).unwrap();
        for code in crate::COUNTRIES {
            let want = full.for_country(Some(code)).unwrap();
            match lazy.order_for(Some(code)) {
                Some(o) => assert_eq!(o, want, "{code}"),
                None => assert_eq!(want, full.orders[0].as_slice(), "{code}"),
            }
        }
        for junk in [None, Some("XX"), Some("F"), Some("FRA")] {
            assert_eq!(lazy.order_for(junk), None);
        }
    }
}
