//! Which service buttons a Smart Link offers: Spotify's own link, Odesli's
//! matches, then the artist's per-link edits and hides.

use std::collections::BTreeMap;

use smartlinks_core::service::{from_odesli_key, service, Service};

use crate::content::catalog::OdesliAnswer;
use crate::content::LinkConfig;

/// URLs longer than this are not shown: no real service link is this long.
pub const MAX_URL_LEN: usize = 2048;

/// One button before ordering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub service: &'static Service,
    pub url: String,
}

/// Returns `raw` as a normalised http(s) URL, or `None` for anything else
/// (`javascript:`, `data:`, relative, overlong, unparsable). When `service`
/// is given, the host must be one of its known hosts.
pub fn safe_url(raw: &str, service: Option<&Service>) -> Option<String> {
    if raw.len() > MAX_URL_LEN {
        return None;
    }
    let url = url::Url::parse(raw.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https")
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return None;
    }
    // The parser lowercases the host of an http(s) URL.
    let host = url.host_str()?;
    if let Some(s) = service {
        if !s.accepts_host(host) {
            return None;
        }
    }
    Some(url.into())
}

/// What the Spotify and Odesli data offer, with the artist's edits applied,
/// keyed by service id. Dropped entries (hostile or unknown) are returned as
/// warnings so the caller can report them.
pub fn offers(
    spotify_url: Option<&str>,
    odesli: Option<&OdesliAnswer>,
    link: &LinkConfig,
) -> (Vec<Offer>, Vec<String>) {
    let mut by_id: BTreeMap<&'static str, Offer> = BTreeMap::new();
    let mut warnings = Vec::new();
    if let Some(answer) = odesli {
        for (key, entry) in &answer.links_by_platform {
            let Some(svc) = from_odesli_key(key) else {
                continue; // a platform we do not show; Odesli adds new ones over time
            };
            // Several Odesli keys map to one service; the first kept wins.
            if by_id.contains_key(svc.id) {
                continue;
            }
            match safe_url(&entry.url, Some(svc)) {
                Some(url) => {
                    by_id.insert(svc.id, Offer { service: svc, url });
                }
                None => warnings.push(format!(
                    "Odesli link for {key} is not a usable {} address, left out",
                    svc.name
                )),
            }
        }
    }
    if let Some(raw) = spotify_url {
        let svc = service("spotify").expect("spotify is registered");
        match safe_url(raw, Some(svc)) {
            Some(url) => {
                by_id.insert("spotify", Offer { service: svc, url });
            }
            None => warnings
                .push("the Spotify link is not an open.spotify.com address, left out".into()),
        }
    }
    // Hand edits were validated when the link file was loaded.
    for (id, url) in &link.services {
        if let Some(svc) = service(id) {
            by_id.insert(
                svc.id,
                Offer {
                    service: svc,
                    url: url.clone(),
                },
            );
        }
    }
    for id in &link.hide {
        by_id.remove(id.as_str());
    }
    let mut offers: Vec<Offer> = by_id.into_values().collect();
    offers.sort_by_key(|o| o.service.global_rank());
    (offers, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::catalog::OdesliLink;

    fn link(toml_text: &str) -> LinkConfig {
        toml::from_str(&format!(
            "slug = \"x\"\nsource = \"spotify:album:4aawyAB9vmqN3uQ7FjRGTy\"\n{toml_text}"
        ))
        .unwrap()
    }

    fn answer(pairs: &[(&str, &str)]) -> OdesliAnswer {
        OdesliAnswer {
            links_by_platform: pairs
                .iter()
                .map(|(k, u)| {
                    (
                        k.to_string(),
                        OdesliLink {
                            url: u.to_string(),
                            entity_unique_id: None,
                        },
                    )
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn hostile_urls_are_refused() {
        for bad in [
            "javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "//open.spotify.com/album/x",
            "https://user:pw@open.spotify.com/",
            "https://open.spotify.com.evil.example/album/x",
        ] {
            assert_eq!(safe_url(bad, service("spotify")), None, "{bad}");
        }
        assert_eq!(
            safe_url(
                &format!("https://open.spotify.com/{}", "a".repeat(3000)),
                None
            ),
            None
        );
    }

    #[test]
    fn a_host_in_capitals_is_still_the_services_host() {
        assert_eq!(
            safe_url(" HTTPS://Open.SPOTIFY.com/album/x ", service("spotify")).as_deref(),
            Some("https://open.spotify.com/album/x")
        );
        assert_eq!(
            safe_url("https://OPEN.SPOTIFY.COM.EVIL.example/", service("spotify")),
            None
        );
    }

    #[test]
    fn edits_replace_and_add_and_hides_remove() {
        let odesli = answer(&[
            ("appleMusic", "https://music.apple.com/us/album/wrong/1"),
            ("tidal", "https://listen.tidal.com/album/2"),
            ("deezer", "javascript:alert(1)"),
            ("qobuz", "https://www.qobuz.com/album/3"),
        ]);
        let cfg = link("hide = [\"tidal\"]\n[services]\napple_music = \"https://music.apple.com/us/album/right/1\"\nbandcamp = \"https://nova.bandcamp.com/album/x\"\n");
        let (offers, warnings) = offers(
            Some("https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy"),
            Some(&odesli),
            &cfg,
        );
        let ids: Vec<&str> = offers.iter().map(|o| o.service.id).collect();
        assert_eq!(ids, ["spotify", "apple_music", "bandcamp"]);
        assert_eq!(offers[1].url, "https://music.apple.com/us/album/right/1");
        assert_eq!(warnings.len(), 1, "{warnings:?}");
    }
}
