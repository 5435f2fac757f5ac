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
    /// Short glyph drawn inside the icon.
    pub glyph: &'static str,
}

macro_rules! services {
    ($( $id:literal, $name:literal, $action:literal, [$($key:literal),*], [$($host:literal),*], $color:literal, $glyph:literal; )*) => {
        /// Every known service, in the global default order.
        pub static SERVICES: &[Service] = &[
            $( Service { id: $id, name: $name, action: $action, odesli_keys: &[$($key),*], hosts: &[$($host),*], color: $color, glyph: $glyph }, )*
        ];
    };
}

services! {
    "spotify", "Spotify", "Play", ["spotify"], ["open.spotify.com", "spotify.link"], "#1DB954", "S";
    "apple_music", "Apple Music", "Play", ["appleMusic"], ["music.apple.com", "geo.music.apple.com"], "#FA243C", "A";
    "youtube_music", "YouTube Music", "Play", ["youtubeMusic"], ["music.youtube.com"], "#FF0000", "Y";
    "amazon_music", "Amazon Music", "Play", ["amazonMusic"], ["music.amazon.com", "music.amazon.co.uk", "music.amazon.de", "music.amazon.fr", "music.amazon.co.jp", "music.amazon.in", "amazon.com"], "#25D1DA", "a";
    "deezer", "Deezer", "Play", ["deezer"], ["deezer.com", "deezer.page.link"], "#A238FF", "D";
    "tidal", "TIDAL", "Play", ["tidal"], ["tidal.com", "listen.tidal.com"], "#000000", "T";
    "youtube", "YouTube", "Watch", ["youtube"], ["youtube.com", "youtu.be"], "#FF0000", "▶";
    "soundcloud", "SoundCloud", "Play", ["soundcloud"], ["soundcloud.com", "on.soundcloud.com"], "#FF5500", "☁";
    "bandcamp", "Bandcamp", "Buy", ["bandcamp"], ["bandcamp.com"], "#1DA0C3", "b";
    "pandora", "Pandora", "Play", ["pandora"], ["pandora.com"], "#224099", "P";
    "audiomack", "Audiomack", "Play", ["audiomack"], ["audiomack.com"], "#FFA200", "M";
    "boomplay", "Boomplay", "Play", ["boomplay"], ["boomplay.com", "boomplaymusic.com"], "#0A4CFF", "B";
    "anghami", "Anghami", "Play", ["anghami"], ["anghami.com", "play.anghami.com"], "#B02BD6", "أ";
    "yandex", "Yandex Music", "Play", ["yandex"], ["music.yandex.ru", "music.yandex.com", "music.yandex.by", "music.yandex.kz"], "#FFCC00", "Я";
    "napster", "Napster", "Play", ["napster"], ["napster.com", "play.napster.com"], "#2259FF", "N";
    "audius", "Audius", "Play", ["audius"], ["audius.co"], "#CC0FE0", "Au";
    "itunes", "iTunes Store", "Buy", ["itunes"], ["music.apple.com", "itunes.apple.com", "geo.music.apple.com"], "#EA4CC0", "♪";
    "amazon_store", "Amazon", "Buy", ["amazonStore"], ["amazon.com", "amazon.co.uk", "amazon.de", "amazon.fr", "amazon.co.jp", "amazon.in", "amazon.ca", "amazon.com.br"], "#FF9900", "a";
    "spinrilla", "Spinrilla", "Play", ["spinrilla"], ["spinrilla.com"], "#E4572E", "Sp";
    "google_play", "Google Play", "Buy", ["googleStore", "google"], ["play.google.com"], "#01875F", "G";
    "other", "Listen", "Play", [], [], "#555555", "♫";
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

    /// Position in the global default order.
    pub fn global_rank(&self) -> usize {
        SERVICES
            .iter()
            .position(|s| s.id == self.id)
            .expect("service is in the registry")
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
}
