//! Which order a fan sees the service buttons in.
//!
//! - Unknown country (none, `XX`, `T1`, anything not in the data): the global
//!   order, which is also the order of the static HTML.
//! - [`OrderMode::Auto`]: the page's services that operate in the fan's
//!   country in that country's order of preference, then the other services
//!   that operate there in the global order, then the services that do not
//!   operate there in the global order, or none of them with
//!   `hide_unavailable`. Spotify counts as not operating in a country that
//!   is missing from the release's `spotify_markets`, when those are known.
//! - [`OrderMode::Fixed`]: the artist's `fixed` list, then the services it
//!   does not name in the global order; the same for every fan in every
//!   country. `hide_unavailable` and `spotify_markets` do not apply: an
//!   artist who fixes the order has chosen one page for everyone.
//!
//! Hidden services and services not in `available` never appear.

use serde::{Deserialize, Serialize};

use crate::country::{country, global_index, Country, Profile};

/// How an artist wants the buttons ordered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderMode {
    /// Best services for the fan's country first.
    #[default]
    Auto,
    /// One order for every fan.
    Fixed,
}

/// Everything besides the country and the page's services that decides the
/// order: the artist's settings, plus the link's hidden services and the
/// release's Spotify markets, which the build fills in page by page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OrderSettings {
    pub mode: OrderMode,
    /// With [`OrderMode::Fixed`]: the services to show first, in this order.
    #[serde(default)]
    pub fixed: Vec<String>,
    /// Leave out services not offered in the fan's country instead of moving
    /// them last ([`OrderMode::Auto`] only).
    #[serde(default)]
    pub hide_unavailable: bool,
    /// Service ids never to show (the link's `hide`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hidden: Vec<String>,
    /// Spotify's `available_markets` for the release, when known: in other
    /// countries the release is not on Spotify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spotify_markets: Option<Vec<String>>,
}

impl OrderSettings {
    /// Whether the release can be played on Spotify in `code`.
    pub fn spotify_has_release_in(&self, code: &str) -> bool {
        self.spotify_markets
            .as_ref()
            .is_none_or(|m| m.iter().any(|c| c == code))
    }
}

/// Where a fan is, as far as ordering is concerned.
#[derive(Clone, Copy)]
pub(crate) struct Place {
    pub(crate) profile: &'static Profile,
    /// The release is on Spotify here.
    pub(crate) spotify: bool,
}

impl Place {
    pub(crate) fn of(c: Country, settings: &OrderSettings) -> Place {
        Place {
            profile: c.profile(),
            spotify: settings.spotify_has_release_in(c.code()),
        }
    }
}

/// The order in which a fan in `country` (ISO 3166-1 alpha-2, uppercase;
/// `None` when unknown) sees the `available` services (ids) of one Smart Link.
pub fn order<'a>(
    country_code: Option<&str>,
    available: &[&'a str],
    settings: &OrderSettings,
) -> Vec<&'a str> {
    let place = country_code
        .and_then(country)
        .map(|c| Place::of(c, settings));
    Candidates::new(available, settings).order(place, settings)
}

/// One visible service of a page, with what ordering needs to know of it.
struct Candidate<'a> {
    id: &'a str,
    /// Position in the global order; `None` for an id the registry lacks.
    global: Option<usize>,
    /// Position in the artist's fixed list.
    fixed: Option<usize>,
}

/// A page's visible services (hidden and repeated ids dropped), prepared
/// once so that ordering them for many countries is cheap.
pub(crate) struct Candidates<'a>(Vec<Candidate<'a>>);

impl<'a> Candidates<'a> {
    pub(crate) fn new(available: &[&'a str], settings: &OrderSettings) -> Self {
        let mut out: Vec<Candidate<'a>> = Vec::with_capacity(available.len());
        for &id in available {
            if settings.hidden.iter().any(|h| h == id) || out.iter().any(|c| c.id == id) {
                continue;
            }
            if out.len() == usize::from(u8::MAX) {
                break; // no page has that many services; keep the index small
            }
            out.push(Candidate {
                id,
                global: global_index(id),
                fixed: settings.fixed.iter().position(|f| f == id),
            });
        }
        Candidates(out)
    }

    pub(crate) fn order(&self, place: Option<Place>, settings: &OrderSettings) -> Vec<&'a str> {
        let mut keyed = Vec::with_capacity(self.0.len());
        let mut out = Vec::with_capacity(self.0.len());
        self.order_into(place, settings, &mut keyed, &mut out);
        out.into_iter().map(|i| self.id(i)).collect()
    }

    pub(crate) fn id(&self, index: u8) -> &'a str {
        self.0[usize::from(index)].id
    }

    /// Writes the order as indexes into the candidates to `out`, reusing
    /// the buffers: the edge data asks for many orders of one page.
    pub(crate) fn order_into(
        &self,
        place: Option<Place>,
        settings: &OrderSettings,
        keyed: &mut Vec<((u8, usize), u8)>,
        out: &mut Vec<u8>,
    ) {
        keyed.clear();
        out.clear();
        // (tier, position within the tier), then the position in
        // `available` (the index itself): a stable order.
        for (i, c) in self.0.iter().enumerate() {
            let i = u8::try_from(i).expect("a page has fewer than 256 services");
            let global = c.global.unwrap_or(usize::MAX);
            let key = match (&settings.mode, place) {
                (OrderMode::Fixed, _) => match c.fixed {
                    Some(p) => (0, p),
                    None => (1, global),
                },
                (OrderMode::Auto, None) => (0, global),
                (OrderMode::Auto, Some(place)) => {
                    // An id the registry does not know is left where it is: we
                    // know nothing about where it operates.
                    let operates = c
                        .global
                        .is_none_or(|g| place.profile.offered & (1 << g) != 0)
                        && (c.id != "spotify" || place.spotify);
                    let preferred = c.global.and_then(|g| {
                        place
                            .profile
                            .order
                            .iter()
                            .position(|&x| usize::from(x) == g)
                    });
                    match (operates, preferred) {
                        (true, Some(p)) => (0, p),
                        (true, None) => (1, global),
                        (false, _) if settings.hide_unavailable => continue,
                        (false, _) => (2, global),
                    }
                }
            };
            keyed.push((key, i));
        }
        keyed.sort_unstable();
        out.extend(keyed.iter().map(|&(_, i)| i));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auto() -> OrderSettings {
        OrderSettings::default()
    }

    #[test]
    fn unknown_countries_get_the_global_order() {
        let available = ["deezer", "boomplay", "spotify", "pandora"];
        for c in [None, Some("XX"), Some("T1"), Some("fr"), Some("")] {
            assert_eq!(
                order(c, &available, &auto()),
                ["spotify", "deezer", "pandora", "boomplay"],
                "{c:?}"
            );
        }
    }

    #[test]
    fn spotify_markets_move_spotify_last_where_the_release_is_missing() {
        let mut s = auto();
        s.spotify_markets = Some(vec!["US".into()]);
        assert_eq!(
            order(Some("DE"), &["spotify", "deezer"], &s),
            ["deezer", "spotify"]
        );
        assert_eq!(
            order(Some("US"), &["spotify", "deezer"], &s),
            ["spotify", "deezer"]
        );
        s.hide_unavailable = true;
        assert_eq!(order(Some("DE"), &["spotify", "deezer"], &s), ["deezer"]);
    }

    #[test]
    fn duplicates_and_hidden_ids_are_dropped() {
        let mut s = auto();
        s.hidden = vec!["tidal".into()];
        assert_eq!(
            order(Some("FR"), &["tidal", "spotify", "spotify"], &s),
            ["spotify"]
        );
    }
}
