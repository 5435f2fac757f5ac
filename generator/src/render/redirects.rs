//! The site's `_redirects` file (Workers Static Assets): a renamed link's
//! old address and every track of a release lead to the release's page, so
//! addresses that were shared keep working.
//!
//! Old addresses come from the publish record (`catalog/published.json`),
//! tracks from the catalog: `/t/{spotify track id}` → the release's page.

use std::collections::BTreeMap;

use super::view::SiteView;

/// Where the rules go in the built site.
pub const FILE: &str = "_redirects";

/// Static redirects Workers Static Assets take on the free plan.
pub const MAX_STATIC: usize = 2000;

pub struct Redirects {
    lines: Vec<String>,
    /// Rules left out to stay within [`MAX_STATIC`].
    dropped: usize,
}

/// A Spotify id: base62. Anything else is left out rather than written into
/// a rules file where a space or newline would change its meaning.
fn plain(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

impl Redirects {
    /// `moved` pairs old and new `ARTIST/SLUG`; `tracks` pairs a track id
    /// with its release's `ARTIST/SLUG`. Moved links come first: when the
    /// limit is reached, track redirects are the ones left out, the
    /// highest ids first.
    pub fn new<'a>(
        site: &SiteView,
        moved: Vec<(String, String)>,
        tracks: impl Iterator<Item = (&'a str, &'a str)>,
    ) -> Redirects {
        // A large catalog has over a million tracks: only the ones kept
        // are held, and a hash of each id to count the others. Once the
        // room is full, most ids sort after the last kept one and cost one
        // comparison.
        let room = MAX_STATIC.saturating_sub(moved.len());
        let mut kept: BTreeMap<&str, &str> = BTreeMap::new();
        let mut ids: Vec<u64> = Vec::new();
        for (id, rel) in tracks.filter(|(id, _)| plain(id)) {
            ids.push(xxhash_rust::xxh3::xxh3_64(id.as_bytes()));
            let full = kept.len() >= room;
            if full && kept.last_key_value().is_none_or(|(last, _)| id > *last) {
                continue;
            }
            if let Some(to) = kept.get_mut(id) {
                // A track on two releases (single, then album) goes to
                // the first by address.
                *to = (*to).min(rel);
            } else if !full {
                kept.insert(id, rel);
            } else {
                kept.pop_last();
                kept.insert(id, rel);
            }
        }
        ids.sort_unstable();
        ids.dedup();
        let lines: Vec<String> = moved
            .iter()
            .map(|(old, new)| (site.path(old), site.path(new)))
            .chain(
                kept.iter()
                    .map(|(id, rel)| (site.path(&format!("t/{id}")), site.path(rel))),
            )
            .take(MAX_STATIC)
            .map(|(from, to)| format!("{from} {to} 301"))
            .collect();
        Redirects {
            dropped: moved.len() + ids.len() - lines.len(),
            lines,
        }
    }

    pub fn text(&self) -> String {
        let mut text = String::from(
            "# Written by `smartlinks build`: renamed links and shared track links.\n",
        );
        for line in &self.lines {
            text.push_str(line);
            text.push('\n');
        }
        text
    }

    pub fn warning(&self) -> Option<String> {
        (self.dropped > 0).then(|| {
            format!(
                "{FILE}: {} redirects left out: Workers Static Assets take at most {MAX_STATIC} static redirects on the free plan; renamed links are kept, the rest are track links",
                self.dropped
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> SiteView {
        SiteView {
            name: "Play".into(),
            base_url: "https://play.example.com".into(),
            base_path: String::new(),
            language: "en".into(),
            analytics_endpoint: "/api/beacon".into(),
        }
    }

    #[test]
    fn over_the_limit_track_redirects_go_first_and_a_warning_says_so() {
        let ids: Vec<String> = (0..MAX_STATIC + 5).map(|i| format!("t{i:05}")).collect();
        let tracks = ids.iter().rev().map(|id| (id.as_str(), "a/b"));
        let r = Redirects::new(&site(), vec![("a/old".into(), "a/b".into())], tracks);
        assert_eq!(r.lines.len(), MAX_STATIC);
        assert_eq!(r.lines[0], "/a/old /a/b 301");
        // The lowest ids are kept, in order, whatever order they came in.
        assert_eq!(r.lines[1], "/t/t00000 /a/b 301");
        assert_eq!(
            r.lines[MAX_STATIC - 1],
            format!("/t/t{:05} /a/b 301", MAX_STATIC - 2)
        );
        assert!(r.warning().unwrap().contains("6 redirects left out"));
    }

    #[test]
    fn ids_that_are_not_plain_are_left_out() {
        let r = Redirects::new(
            &site(),
            vec![],
            [("ok123", "a/b"), ("x /evil 301\n/y", "a/b")].into_iter(),
        );
        assert_eq!(r.lines, vec!["/t/ok123 /a/b 301"]);
        assert!(r.warning().is_none());
    }

    #[test]
    fn when_the_rules_are_full_the_last_kept_track_still_goes_to_its_first_address() {
        let ids: Vec<String> = (0..=MAX_STATIC).map(|i| format!("t{i:05}")).collect();
        let last = &ids[MAX_STATIC - 1];
        let tracks = ids[..MAX_STATIC]
            .iter()
            .map(|id| (id.as_str(), "z/z"))
            .chain([(last.as_str(), "a/a"), (ids[MAX_STATIC].as_str(), "a/a")]);
        let r = Redirects::new(&site(), vec![], tracks);
        assert_eq!(r.lines.len(), MAX_STATIC);
        assert_eq!(r.lines[MAX_STATIC - 1], format!("/t/{last} /a/a 301"));
        assert!(r.warning().unwrap().contains("1 redirects left out"));
    }

    #[test]
    fn a_track_on_two_releases_goes_to_the_first_by_address_and_counts_once() {
        let tracks = [
            ("b", "z/single"),
            ("a", "x/y"),
            ("b", "m/album"),
            ("c", "x/y"),
            ("b", "q/live"),
        ];
        let r = Redirects::new(&site(), vec![], tracks.into_iter());
        assert_eq!(
            r.lines,
            vec!["/t/a /x/y 301", "/t/b /m/album 301", "/t/c /x/y 301"]
        );
        assert!(r.warning().is_none());
    }
}
