//! Which services operate in each country and which a fan there prefers.
//!
//! The data lives in `core/data/countries.toml`, readable and sourced;
//! `build.rs` turns it into the compact tables included below. Countries
//! with the same order and the same services share one profile, so the
//! edge data for a page is computed once per profile, not once per country.

/// A country's order of preference and the services that operate there,
/// as indexes into the global order.
#[derive(Debug)]
pub(crate) struct Profile {
    /// Services in order of preference; only services that operate there.
    pub(crate) order: &'static [u8],
    /// Bit `i` set when the service at global index `i` operates there.
    pub(crate) offered: u64,
}

#[derive(Debug)]
pub(crate) struct RegionInfo {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) source: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/countries.rs"));

/// How many distinct profiles the data has.
pub(crate) const PROFILE_COUNT: usize = PROFILES.len();

/// One country of the data. Cheap to copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    index: usize,
}

/// Looks a country up by its ISO 3166-1 alpha-2 code, exactly as Cloudflare
/// sends it (uppercase). `XX`, `T1`, lowercase or anything else is `None`.
pub fn country(code: &str) -> Option<Country> {
    COUNTRIES
        .binary_search(&code)
        .ok()
        .map(|index| Country { index })
}

/// The source of the global order.
pub fn global_source() -> &'static str {
    GLOBAL_SOURCE
}

/// Service ids in the global order: the order of the static HTML and of
/// fans whose country is unknown.
pub fn global_order() -> &'static [&'static str] {
    GLOBAL_ORDER
}

/// Position of a service in the global order (`None` for an unknown id).
pub fn global_index(id: &str) -> Option<usize> {
    GLOBAL_ORDER.iter().position(|s| *s == id)
}

/// Where the data on a service's availability comes from (empty when the
/// service is taken to operate everywhere).
pub fn availability_source(id: &str) -> Option<&'static str> {
    global_index(id).map(|i| AVAILABILITY_SOURCES[i])
}

impl Country {
    pub fn code(self) -> &'static str {
        COUNTRIES[self.index]
    }

    /// English short name.
    pub fn name(self) -> &'static str {
        NAMES[self.index]
    }

    /// Region id, such as `mena` or `west-africa`.
    pub fn region(self) -> &'static str {
        REGIONS[usize::from(REGION_OF[self.index])].id
    }

    /// Region name, such as "Middle East and North Africa".
    pub fn region_name(self) -> &'static str {
        REGIONS[usize::from(REGION_OF[self.index])].name
    }

    /// Where the region's order comes from.
    pub fn region_source(self) -> &'static str {
        REGIONS[usize::from(REGION_OF[self.index])].source
    }

    /// Where this country's order comes from (its own entry or its region's).
    pub fn source(self) -> &'static str {
        SOURCES[self.index]
    }

    /// Position in [`COUNTRIES`].
    pub(crate) fn index(self) -> usize {
        self.index
    }

    /// Every country, in code order.
    pub(crate) fn all() -> impl Iterator<Item = Country> {
        (0..COUNTRIES.len()).map(|index| Country { index })
    }

    pub(crate) fn profile_index(self) -> usize {
        usize::from(PROFILE_OF[self.index])
    }

    pub(crate) fn profile(self) -> &'static Profile {
        &PROFILES[self.profile_index()]
    }

    /// Whether the service operates in this country.
    pub fn offers(self, service_id: &str) -> bool {
        global_index(service_id).is_some_and(|i| self.profile().offered & (1 << i) != 0)
    }

    /// The services a fan here prefers, best first. Every one operates here.
    pub fn preference(self) -> impl Iterator<Item = &'static str> {
        self.profile()
            .order
            .iter()
            .map(|&i| GLOBAL_ORDER[usize::from(i)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_is_exact_and_uppercase() {
        assert_eq!(country("FR").unwrap().name(), "France");
        for junk in ["fr", "XX", "T1", "", "FRA", "<s"] {
            assert!(country(junk).is_none(), "{junk}");
        }
    }

    #[test]
    fn countries_are_sorted_for_binary_search() {
        assert!(COUNTRIES.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(COUNTRIES.len(), NAMES.len());
        assert_eq!(COUNTRIES.len(), PROFILE_OF.len());
    }
}
