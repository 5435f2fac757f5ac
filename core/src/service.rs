//! The registry of streaming services a Smart Link can show.
//!
//! The `id` of a service is stable: it appears in content files, in the
//! `data-service` attribute of every button and in analytics events.

/// One streaming or download service.
#[derive(Debug, PartialEq, Eq)]
pub struct Service {
    /// Stable id, `[a-z_]`.
    pub id: &'static str,
    /// Name shown on the button.
    pub name: &'static str,
    /// Verb shown on the button ("Play", "Buy", "Watch").
    pub action: &'static str,
    /// Odesli `linksByPlatform` keys that map to this service.
    pub odesli_keys: &'static [&'static str],
    /// Hosts a URL for this service may live on (subdomains of these count).
    /// Empty means any https host.
    pub hosts: &'static [&'static str],
    /// Brand colour, used by themes for the icon background.
    pub color: &'static str,
    /// Short glyph (a letter or symbol), for text-only designs.
    pub glyph: &'static str,
    /// A simple icon: SVG path data for a `0 0 24 24` viewBox, drawn as a
    /// 2-unit round stroke without fill (`fill="none" stroke="currentColor"
    /// stroke-width="2" stroke-linecap="round" stroke-linejoin="round"`).
    /// Our own plain pictograms, not the services' logos.
    pub icon: &'static str,
}

macro_rules! services {
    ($( $id:literal, $name:literal, $action:literal, [$($key:literal),*], [$($host:literal),*], $color:literal, $glyph:literal, $icon:literal; )*) => {
        /// Every known service. Listed in the global order for readability;
        /// the global order itself is `[global]` in `data/countries.toml`.
        pub static SERVICES: &[Service] = &[
            $( Service { id: $id, name: $name, action: $action, odesli_keys: &[$($key),*], hosts: &[$($host),*], color: $color, glyph: $glyph, icon: $icon }, )*
        ];
    };
}

services! {
    "spotify", "Spotify", "Play", ["spotify"], ["open.spotify.com", "spotify.link"], "#1DB954", "S", "M6 9.5c4-1.3 8.5-1 12 1M7 13c3.3-1 6.7-.8 9.5.8M8 16.3c2.6-.7 5-.5 7 .7";
    "apple_music", "Apple Music", "Play", ["appleMusic"], ["music.apple.com", "geo.music.apple.com"], "#FA243C", "A", "M9 17V6.5l10-2V15M9 17a2.5 2.5 0 1 1-5 0a2.5 2.5 0 1 1 5 0zM19 15a2.5 2.5 0 1 1-5 0a2.5 2.5 0 1 1 5 0z";
    "youtube_music", "YouTube Music", "Play", ["youtubeMusic"], ["music.youtube.com"], "#FF0000", "Y", "M12 4a8 8 0 1 0 0 16a8 8 0 1 0 0-16zM10 9v6l5-3z";
    "amazon_music", "Amazon Music", "Play", ["amazonMusic"], ["music.amazon.com", "music.amazon.co.uk", "music.amazon.de", "music.amazon.fr", "music.amazon.co.jp", "music.amazon.in", "amazon.com"], "#25D1DA", "a", "M8 6v6M12 4v8M16 7v5M5 15c4 2.7 10 2.7 14 0M16.5 14.5l2.5.5-.5 2.5";
    "deezer", "Deezer", "Play", ["deezer"], ["deezer.com", "deezer.page.link"], "#A238FF", "D", "M5 19v-3M9.5 19v-6M14 19v-9M18.5 19V6";
    "tidal", "TIDAL", "Play", ["tidal"], ["tidal.com", "listen.tidal.com"], "#000000", "T", "M3 12c2-4 4-4 6 0s4 4 6 0s4-4 6 0";
    "youtube", "YouTube", "Watch", ["youtube"], ["youtube.com", "youtu.be"], "#FF0000", "▶", "M4 7.5A2.5 2.5 0 0 1 6.5 5h11A2.5 2.5 0 0 1 20 7.5v9a2.5 2.5 0 0 1-2.5 2.5h-11A2.5 2.5 0 0 1 4 16.5zM10 9.5v5l4.5-2.5z";
    "soundcloud", "SoundCloud", "Play", ["soundcloud"], ["soundcloud.com", "on.soundcloud.com"], "#FF5500", "☁", "M7 18h10a4 4 0 0 0 0-8a5 5 0 0 0-9.6 1.5A3.3 3.3 0 0 0 7 18z";
    "bandcamp", "Bandcamp", "Buy", ["bandcamp"], ["bandcamp.com"], "#1DA0C3", "b", "M4 12l8-8h8v8l-8 8zM16 8h.01";
    "pandora", "Pandora", "Play", ["pandora"], ["pandora.com"], "#224099", "P", "M12 12h.01M8.5 8.5a5 5 0 0 0 0 7M15.5 8.5a5 5 0 0 1 0 7M6 6a8.5 8.5 0 0 0 0 12M18 6a8.5 8.5 0 0 1 0 12";
    "audiomack", "Audiomack", "Play", ["audiomack"], ["audiomack.com"], "#FFA200", "M", "M4 12h.01M8 9v6M12 5v14M16 8v8M20 12h.01";
    "boomplay", "Boomplay", "Play", ["boomplay"], ["boomplay.com", "boomplaymusic.com"], "#0A4CFF", "B", "M4 10v4h3l4 3V7l-4 3zM15 9a4 4 0 0 1 0 6M17.5 6.5a7.5 7.5 0 0 1 0 11";
    "anghami", "Anghami", "Play", ["anghami"], ["anghami.com", "play.anghami.com"], "#B02BD6", "أ", "M4 16v-4a8 8 0 0 1 16 0v4M4 16a2 2 0 0 0 2 2h1v-5H6a2 2 0 0 0-2 2zM20 16a2 2 0 0 1-2 2h-1v-5h1a2 2 0 0 1 2 2z";
    "yandex", "Yandex Music", "Play", ["yandex"], ["music.yandex.ru", "music.yandex.com", "music.yandex.by", "music.yandex.kz"], "#FFCC00", "Я", "M12 4a8 8 0 1 0 0 16a8 8 0 1 0 0-16zM12 10a2 2 0 1 0 0 4a2 2 0 1 0 0-4z";
    "napster", "Napster", "Play", ["napster"], ["napster.com", "play.napster.com"], "#2259FF", "N", "M7 18V6l10 12V6";
    "audius", "Audius", "Play", ["audius"], ["audius.co"], "#CC0FE0", "Au", "M12 5l8 14H4z";
    "itunes", "iTunes Store", "Buy", ["itunes"], ["music.apple.com", "itunes.apple.com", "geo.music.apple.com"], "#EA4CC0", "♪", "M12 4a8 8 0 1 0 0 16a8 8 0 1 0 0-16zM11 15.5v-7l4-1M11 15.5a1.5 1.5 0 1 1-3 0a1.5 1.5 0 1 1 3 0z";
    "amazon_store", "Amazon", "Buy", ["amazonStore"], ["amazon.com", "amazon.co.uk", "amazon.de", "amazon.fr", "amazon.co.jp", "amazon.in", "amazon.ca", "amazon.com.br"], "#FF9900", "a", "M6 8h12l-1 12H7zM9 8V6a3 3 0 0 1 6 0v2";
    "spinrilla", "Spinrilla", "Play", ["spinrilla"], ["spinrilla.com"], "#E4572E", "Sp", "M4 7h16v10H4zM9 12h.01M15 12h.01M8 17l1.5-2.5h5L16 17";
    "google_play", "Google Play", "Buy", ["googleStore", "google"], ["play.google.com"], "#01875F", "G", "M7 5l12 7-12 7z";
    "other", "Listen", "Play", [], [], "#555555", "♫", "M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1";
}

/// Looks a service up by its stable id.
pub fn service(id: &str) -> Option<&'static Service> {
    SERVICES.iter().find(|s| s.id == id)
}

/// Maps an Odesli `linksByPlatform` key to a service; `None` for keys we do not show.
pub fn from_odesli_key(key: &str) -> Option<&'static Service> {
    SERVICES.iter().find(|s| s.odesli_keys.contains(&key))
}

impl Service {
    /// Whether `host` (lowercase, no port) may carry a URL for this service.
    pub fn accepts_host(&self, host: &str) -> bool {
        self.hosts.is_empty()
            || self
                .hosts
                .iter()
                .any(|h| host == *h || host.strip_suffix(h).is_some_and(|p| p.ends_with('.')))
    }

    /// Position in the global order (`data/countries.toml` `[global]`).
    pub fn global_rank(&self) -> usize {
        crate::country::global_index(self.id).unwrap_or(usize::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_snake_case() {
        for (i, s) in SERVICES.iter().enumerate() {
            assert!(
                s.id.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{}",
                s.id
            );
            assert!(
                SERVICES[i + 1..].iter().all(|o| o.id != s.id),
                "duplicate id {}",
                s.id
            );
        }
    }

    #[test]
    fn odesli_keys_map_to_one_service_each() {
        assert_eq!(from_odesli_key("appleMusic").unwrap().id, "apple_music");
        assert_eq!(from_odesli_key("amazonStore").unwrap().id, "amazon_store");
        assert!(from_odesli_key("qobuz").is_none());
    }

    #[test]
    fn host_check_accepts_subdomains_but_not_lookalikes() {
        let spotify = service("spotify").unwrap();
        assert!(spotify.accepts_host("open.spotify.com"));
        assert!(!spotify.accepts_host("open.spotify.com.evil.example"));
        assert!(!spotify.accepts_host("evilopen.spotify.com"));
        let bandcamp = service("bandcamp").unwrap();
        assert!(bandcamp.accepts_host("nova.bandcamp.com"));
        assert!(service("other").unwrap().accepts_host("anything.example"));
    }

    #[test]
    fn every_service_has_a_plain_path_icon() {
        for s in SERVICES {
            assert!(s.icon.starts_with('M'), "{}: {}", s.id, s.icon);
            assert!(
                s.icon
                    .chars()
                    .all(|c| "MmLlHhVvCcSsQqTtAaZz0123456789.,- ".contains(c)),
                "{}: path data only, nothing to escape",
                s.id
            );
        }
    }
}
