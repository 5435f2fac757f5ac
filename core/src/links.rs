//! The list of published Smart Links that a build leaves beside the pages,
//! so a beacon receiver at the edge can refuse events for links that do not
//! exist without reading the content directory.

use serde::{Deserialize, Serialize};

/// Where the build writes the manifest, relative to the site root.
pub const PATH: &str = "_smartlinks/links.json";

/// Published Smart Links as `artist/link` keys, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub links: Vec<String>,
}

impl Manifest {
    /// A manifest of `(artist slug, link slug)` pairs.
    pub fn new<'a>(links: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut links: Vec<String> = links.into_iter().map(|(a, l)| key(a, l)).collect();
        links.sort();
        links.dedup();
        Manifest { links }
    }

    /// Whether `artist/link` is published (binary search; `links` is sorted).
    pub fn contains(&self, artist: &str, link: &str) -> bool {
        self.links.binary_search(&key(artist, link)).is_ok()
    }
}

fn key(artist: &str, link: &str) -> String {
    format!("{artist}/{link}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_knows_exactly_the_links_it_was_given() {
        let m = Manifest::new([("nova-lane", "zoe-a-paris"), ("ada-okafor", "uto")]);
        assert!(m.contains("nova-lane", "zoe-a-paris"));
        assert!(m.contains("ada-okafor", "uto"));
        assert!(!m.contains("nova-lane", "uto"));
        assert!(!m.contains("nova-lane/zoe-a-paris", ""));
        assert_eq!(m.links, ["ada-okafor/uto", "nova-lane/zoe-a-paris"]);
    }
}
