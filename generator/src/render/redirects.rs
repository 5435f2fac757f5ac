//! The site's `_redirects` file (Workers Static Assets): a renamed link's
//! old address and every track of a release lead to the release's page, so
//! addresses that were shared keep working.
//!
//! Old addresses come from the publish record (`catalog/published.json`),
//! tracks from the catalog: `/t/{spotify track id}` → the release's page.

use rayon::slice::ParallelSliceMut;

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
    /// limit is reached, track redirects are the ones left out.
    pub fn new(
        site: &SiteView,
        moved: Vec<(String, String)>,
        tracks: Vec<(&str, &str)>,
    ) -> Redirects {
        let mut tracks: Vec<(&str, &str)> =
            tracks.into_iter().filter(|(id, _)| plain(id)).collect();
        // A track on two releases (single, then album) goes to the first by address.
        tracks.par_sort_unstable();
        tracks.dedup_by(|a, b| a.0 == b.0);
        let total = moved.len() + tracks.len();
        // Only the rules kept are written out: a large catalog has many more.
        let lines: Vec<String> = moved
            .iter()
            .map(|(old, new)| (site.path(old), site.path(new)))
            .chain(
                tracks
                    .iter()
                    .map(|(id, rel)| (site.path(&format!("t/{id}")), site.path(rel))),
            )
            .take(MAX_STATIC)
            .map(|(from, to)| format!("{from} {to} 301"))
            .collect();
        Redirects {
            dropped: total - lines.len(),
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
        let tracks = ids.iter().map(|id| (id.as_str(), "a/b")).collect();
        let r = Redirects::new(&site(), vec![("a/old".into(), "a/b".into())], tracks);
        assert_eq!(r.lines.len(), MAX_STATIC);
        assert_eq!(r.lines[0], "/a/old /a/b 301");
        assert!(r.warning().unwrap().contains("6 redirects left out"));
    }

    #[test]
    fn ids_that_are_not_plain_are_left_out() {
        let r = Redirects::new(
            &site(),
            vec![],
            vec![("ok123", "a/b"), ("x /evil 301\n/y", "a/b")],
        );
        assert_eq!(r.lines, vec!["/t/ok123 /a/b 301"]);
        assert!(r.warning().is_none());
    }
}
