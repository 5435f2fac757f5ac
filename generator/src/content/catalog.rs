//! The machine-written catalog: Spotify and Odesli answers as `pull` stored
//! them. Only the fields the pages use are read; every field an API may leave
//! out is optional, and unknown fields are ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::{parse_json, parse_json_seen, ContentError, Seen};
use super::write::write_json_atomic;

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct Image {
    pub url: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ExternalUrls {
    pub spotify: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ArtistRef {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub external_urls: ExternalUrls,
}

/// `GET /artists/{id}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct SpotifyArtist {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub images: Vec<Image>,
    #[serde(default)]
    pub external_urls: ExternalUrls,
    #[serde(default)]
    pub genres: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ExternalIds {
    pub upc: Option<String>,
    pub isrc: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Copyright {
    pub text: String,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Track {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub duration_ms: u64,
    #[serde(default)]
    pub track_number: u32,
    #[serde(default)]
    pub disc_number: u32,
    #[serde(default)]
    pub explicit: bool,
    #[serde(default)]
    pub external_ids: ExternalIds,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct TrackPage {
    #[serde(default)]
    pub items: Vec<Track>,
    #[serde(default)]
    pub total: Option<u32>,
}

/// `GET /albums/{id}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct SpotifyAlbum {
    pub id: String,
    pub name: String,
    /// `album`, `single` or `compilation`.
    pub album_type: String,
    #[serde(default)]
    pub total_tracks: Option<u32>,
    #[serde(default)]
    pub release_date: Option<String>,
    #[serde(default)]
    pub release_date_precision: Option<String>,
    #[serde(default)]
    pub images: Vec<Image>,
    #[serde(default)]
    pub artists: Vec<ArtistRef>,
    #[serde(default)]
    pub external_urls: ExternalUrls,
    #[serde(default)]
    pub external_ids: ExternalIds,
    #[serde(default)]
    pub copyrights: Vec<Copyright>,
    #[serde(default)]
    pub tracks: TrackPage,
    /// Extended quota only.
    #[serde(default)]
    pub label: Option<String>,
    /// Extended quota only.
    #[serde(default)]
    pub available_markets: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Owner {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
}

/// `GET /playlists/{id}` (metadata; the track list may be absent).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct SpotifyPlaylist {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub owner: Owner,
    #[serde(default)]
    pub images: Option<Vec<Image>>,
    #[serde(default)]
    pub external_urls: ExternalUrls,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OdesliLink {
    pub url: String,
    #[serde(default)]
    pub entity_unique_id: Option<String>,
}

/// The Odesli `/links` answer (the parts we use).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OdesliAnswer {
    #[serde(default)]
    pub entity_unique_id: Option<String>,
    #[serde(default)]
    pub page_url: Option<String>,
    #[serde(default)]
    pub links_by_platform: BTreeMap<String, OdesliLink>,
}

/// An Odesli answer with when it was fetched.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct OdesliRecord {
    pub fetched_at: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    pub user_country: Option<String>,
    pub answer: OdesliAnswer,
}

/// `releases/<album id>.json`: one release as pulled, its Spotify album
/// and, once Odesli has answered for it, that answer. `pull` writes the
/// file whole, so a page is always made from one pull's view of a release,
/// and a build reads one file per release.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ReleaseFile {
    pub album: SpotifyAlbum,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub odesli: Option<OdesliRecord>,
}

/// Pull bookkeeping for one release.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct ReleaseState {
    pub first_seen: Option<chrono::DateTime<chrono::Utc>>,
    pub last_seen: Option<chrono::DateTime<chrono::Utc>>,
    /// The release no longer appears in the artist's Spotify catalog.
    #[serde(default)]
    pub vanished: bool,
    /// The link file a pull started for it, so one the artist deleted is
    /// not started again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// `state.json`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct PullState {
    #[serde(default)]
    pub releases: BTreeMap<String, ReleaseState>,
}

/// Where one artist's machine-written files live.
#[derive(Debug, Clone)]
pub struct CatalogDir {
    pub dir: PathBuf,
}

impl CatalogDir {
    pub fn new(content_root: &Path, artist_slug: &str) -> Self {
        CatalogDir {
            dir: content_root.join("catalog").join(artist_slug),
        }
    }

    pub fn artist_path(&self) -> PathBuf {
        self.dir.join("artist.json")
    }
    pub fn release_path(&self, id: &str) -> PathBuf {
        self.dir.join("releases").join(format!("{id}.json"))
    }
    pub fn playlist_path(&self, id: &str) -> PathBuf {
        self.dir.join("playlists").join(format!("{id}.json"))
    }
    pub fn state_path(&self) -> PathBuf {
        self.dir.join("state.json")
    }

    /// The artist profile, if a pull has fetched it, and its file as read.
    pub fn artist(&self) -> Result<Option<(SpotifyArtist, Seen)>, ContentError> {
        optional(&self.artist_path())
    }

    pub fn release(&self, id: &str) -> Result<(ReleaseFile, Seen), ContentError> {
        parse_json_seen(&self.release_path(id))
    }

    pub fn playlist(&self, id: &str) -> Result<(SpotifyPlaylist, Seen), ContentError> {
        parse_json_seen(&self.playlist_path(id))
    }

    /// Moves the releases an earlier version stored as two files
    /// (`albums/<id>.json` and `odesli/<id>.json`) into `releases/`, each
    /// written whole before its old files go. Returns how many moved.
    pub fn upgrade_layout(&self) -> Result<usize, ContentError> {
        let albums = self.dir.join("albums");
        let odesli = self.dir.join("odesli");
        let read_error = |source| ContentError::Read {
            path: albums.clone(),
            source,
        };
        let entries = match std::fs::read_dir(&albums) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(read_error(e)),
        };
        let mut moved = 0;
        for entry in entries {
            let entry = entry.map_err(read_error)?;
            let name = entry.file_name();
            let Some(id) = name.to_str().and_then(|n| n.strip_suffix(".json")) else {
                continue;
            };
            if id.starts_with('.') {
                continue; // a write that never finished
            }
            let album_file = entry.path();
            let odesli_file = odesli.join(&name);
            let release = self.release_path(id);
            if !release.exists() {
                let mut file =
                    serde_json::json!({ "album": parse_json::<serde_json::Value>(&album_file)? });
                match parse_json::<serde_json::Value>(&odesli_file) {
                    Ok(answer) => file["odesli"] = answer,
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(e),
                }
                write_json_atomic(&release, &file)?;
            }
            for old in [&album_file, &odesli_file] {
                match std::fs::remove_file(old) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(source) => {
                        return Err(ContentError::Write {
                            path: old.clone(),
                            source,
                        })
                    }
                }
            }
            moved += 1;
        }
        // Gone once empty; anything else left in them stays.
        let _ = std::fs::remove_dir(&albums);
        let _ = std::fs::remove_dir(&odesli);
        Ok(moved)
    }

    pub fn state(&self) -> Result<PullState, ContentError> {
        match parse_json(&self.state_path()) {
            Ok(state) => Ok(state),
            Err(e) if e.is_not_found() => Ok(PullState::default()),
            Err(e) => Err(e),
        }
    }
}

fn optional<T: serde::de::DeserializeOwned>(
    path: &Path,
) -> Result<Option<(T, Seen)>, ContentError> {
    match parse_json_seen(path) {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}
