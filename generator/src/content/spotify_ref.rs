//! Spotify URLs and URIs as artists paste them.

use std::fmt;

/// What a Spotify id points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SpotifyKind {
    Album,
    Track,
    Playlist,
    Artist,
}

impl SpotifyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SpotifyKind::Album => "album",
            SpotifyKind::Track => "track",
            SpotifyKind::Playlist => "playlist",
            SpotifyKind::Artist => "artist",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "album" => SpotifyKind::Album,
            "track" => SpotifyKind::Track,
            "playlist" => SpotifyKind::Playlist,
            "artist" => SpotifyKind::Artist,
            _ => return None,
        })
    }
}

/// A parsed Spotify reference: `spotify:album:ID` or
/// `https://open.spotify.com/[intl-xx/]album/ID[?si=...]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SpotifyRef {
    pub kind: SpotifyKind,
    pub id: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("'{input}' is not a Spotify {expected} link: {reason}. Paste a link like https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy or a URI like spotify:album:4aawyAB9vmqN3uQ7FjRGTy")]
pub struct SpotifyRefError {
    pub input: String,
    pub expected: &'static str,
    pub reason: &'static str,
}

/// A Spotify id: 22 base-62 characters.
pub fn is_spotify_id(id: &str) -> bool {
    id.len() == 22 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

impl SpotifyRef {
    pub fn new(kind: SpotifyKind, id: impl Into<String>) -> Self {
        SpotifyRef {
            kind,
            id: id.into(),
        }
    }

    /// Parses a URI or an open.spotify.com URL.
    pub fn parse(input: &str) -> Result<Self, SpotifyRefError> {
        let err = |reason| SpotifyRefError {
            input: input.chars().take(200).collect(),
            expected: "album, track, playlist or artist",
            reason,
        };
        let trimmed = input.trim();
        let (kind, id): (String, String) = if let Some(rest) = trimmed.strip_prefix("spotify:") {
            let (kind, id) = rest
                .split_once(':')
                .ok_or_else(|| err("the URI has no id"))?;
            (kind.to_string(), id.to_string())
        } else {
            let url = url::Url::parse(trimmed)
                .map_err(|_| err("it is neither a URL nor a spotify: URI"))?;
            if url.scheme() != "https" && url.scheme() != "http" {
                return Err(err("only http(s) links and spotify: URIs are accepted"));
            }
            if url.host_str() != Some("open.spotify.com") {
                return Err(err("the host is not open.spotify.com"));
            }
            let mut segments: Vec<&str> = url
                .path_segments()
                .map(|s| s.filter(|p| !p.is_empty()).collect())
                .unwrap_or_default();
            if segments.first().is_some_and(|s| s.starts_with("intl-")) {
                segments.remove(0);
            }
            match segments.as_slice() {
                [kind, id] => (kind.to_string(), id.to_string()),
                _ => return Err(err("the path is not /<kind>/<id>")),
            }
        };
        let kind = SpotifyKind::parse(&kind)
            .ok_or_else(|| err("the kind is not album, track, playlist or artist"))?;
        if !is_spotify_id(&id) {
            return Err(err("the id is not 22 letters and digits"));
        }
        Ok(SpotifyRef::new(kind, id))
    }

    pub fn uri(&self) -> String {
        format!("spotify:{}:{}", self.kind.as_str(), self.id)
    }

    pub fn url(&self) -> String {
        format!(
            "https://open.spotify.com/{}/{}",
            self.kind.as_str(),
            self.id
        )
    }
}

impl fmt::Display for SpotifyRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.uri())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "4aawyAB9vmqN3uQ7FjRGTy";

    #[test]
    fn accepts_uris_urls_locale_segments_and_share_params() {
        for input in [
            format!("spotify:album:{ID}"),
            format!("https://open.spotify.com/album/{ID}"),
            format!("https://open.spotify.com/intl-fr/album/{ID}?si=abc123"),
            format!("  https://open.spotify.com/album/{ID}/  "),
        ] {
            assert_eq!(
                SpotifyRef::parse(&input).unwrap(),
                SpotifyRef::new(SpotifyKind::Album, ID),
                "{input}"
            );
        }
        assert_eq!(
            SpotifyRef::parse(&format!("spotify:playlist:{ID}"))
                .unwrap()
                .kind,
            SpotifyKind::Playlist
        );
    }

    #[test]
    fn rejects_other_hosts_kinds_and_ids_with_the_input_named() {
        for input in [
            format!("https://evil.example/album/{ID}"),
            format!("https://open.spotify.com/show/{ID}"),
            "https://open.spotify.com/album/short".to_string(),
            format!("javascript:alert(1)//{ID}"),
            format!("spotify:album:{ID}x"),
            "".to_string(),
        ] {
            let err = SpotifyRef::parse(&input).unwrap_err();
            assert!(err.to_string().contains(input.trim()), "{err}");
        }
    }
}
