//! What the fakes serve: the sample catalog in content/ (real-shaped
//! Spotify and Odesli answers) plus releases made up by a test.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};

pub const NOVA: &str = "tBxoiKdJ8q6XZr8T8jdVtn";
pub const KOJI: &str = "TlaBGzj5j37JmAWOpnkoIn";
pub const NUITS_BLANCHES: &str = "rgcCCDDwNicTA0MdsMS8El";
pub const ZOE: &str = "1day0uyMToGjXyXSwqzZKk";
pub const CAFE_CREME: &str = "zPjI8nUKPr1Y0SluiYROTe";

/// A 22-character Spotify-style id made from a short seed.
pub fn fake_id(seed: &str) -> String {
    assert!(seed.len() <= 22 && seed.bytes().all(|b| b.is_ascii_alphanumeric()));
    format!("{seed:0<22}")
}

/// Everything the fake Spotify knows, in extended-quota form (the
/// development profile strips fields when answering).
#[derive(Debug, Clone, Default)]
pub struct SpotifyData {
    pub artists: BTreeMap<String, Value>,
    /// Full album objects with every track in `tracks.items`.
    pub albums: BTreeMap<String, Value>,
    /// Per artist, its releases in listing order, with their `album_group`.
    pub listing: BTreeMap<String, Vec<(String, String)>>,
    pub playlists: BTreeMap<String, Value>,
}

impl SpotifyData {
    /// Adds an album at the top of an artist's listing (newest first).
    pub fn add_album(&mut self, artist: &str, album: Value) {
        let id = album["id"].as_str().unwrap().to_string();
        let group = album["album_type"].as_str().unwrap().to_string();
        self.albums.insert(id.clone(), album);
        self.listing
            .entry(artist.to_string())
            .or_default()
            .insert(0, (id, group));
    }

    /// Takes an album out of its artist's listing (it stays fetchable).
    pub fn unlist(&mut self, id: &str) {
        for entries in self.listing.values_mut() {
            entries.retain(|(a, _)| a != id);
        }
    }
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The sample catalog of nova-lane and koji-mori, as the fakes serve it:
/// Spotify data, and Odesli answers by album id.
pub fn sample() -> (SpotifyData, BTreeMap<String, Value>) {
    let root = crate::common::repo_root().join("content/catalog");
    let mut data = SpotifyData::default();
    let mut odesli = BTreeMap::new();
    for artist in ["nova-lane", "koji-mori"] {
        let dir = root.join(artist);
        let profile = read_json(&dir.join("artist.json"));
        let artist_id = profile["id"].as_str().unwrap().to_string();
        data.artists.insert(artist_id.clone(), profile);
        let mut releases: Vec<Value> = std::fs::read_dir(dir.join("releases"))
            .unwrap()
            .map(|e| read_json(&e.unwrap().path()))
            .collect();
        // Spotify lists newest first.
        let date = |r: &Value| r["album"]["release_date"].as_str().map(str::to_string);
        releases.sort_by_key(|r| std::cmp::Reverse(date(r)));
        let mut listing = Vec::new();
        for mut release in releases {
            let album = release["album"].take();
            let id = album["id"].as_str().unwrap().to_string();
            if let Some(record) = release.get("odesli") {
                odesli.insert(id.clone(), record["answer"].clone());
            }
            listing.push((
                id.clone(),
                album["album_type"].as_str().unwrap().to_string(),
            ));
            data.albums.insert(id, album);
        }
        data.listing.insert(artist_id, listing);
        if let Ok(entries) = std::fs::read_dir(dir.join("playlists")) {
            for e in entries {
                let p = read_json(&e.unwrap().path());
                data.playlists
                    .insert(p["id"].as_str().unwrap().to_string(), p);
            }
        }
    }
    // Another artist's album Nova Lane appears on: listed only when
    // `appears_on` is asked for, which a pull must not do.
    let guest = album(
        &fake_id("GuestSpot"),
        "Guest Spot",
        ("Other", "Someone Else"),
        "album",
        3,
        "2024-01-01",
    );
    data.albums.insert(fake_id("GuestSpot"), guest);
    data.listing
        .get_mut(NOVA)
        .unwrap()
        .push((fake_id("GuestSpot"), "appears_on".into()));
    (data, odesli)
}

/// A full album object as extended quota returns it.
pub fn album(
    id: &str,
    name: &str,
    artist: (&str, &str),
    album_type: &str,
    tracks: usize,
    release_date: &str,
) -> Value {
    let artist_id = fake_id(artist.0);
    let artist_ref = json!({
        "external_urls": {"spotify": format!("https://open.spotify.com/artist/{artist_id}")},
        "href": format!("https://api.spotify.com/v1/artists/{artist_id}"),
        "id": artist_id,
        "name": artist.1,
        "type": "artist",
        "uri": format!("spotify:artist:{artist_id}"),
    });
    let items: Vec<Value> = (1..=tracks)
        .map(|n| {
            let tid = format!("{}T{n:03}", &id[..18]);
            json!({
                "artists": [artist_ref],
                "available_markets": ["FR", "US"],
                "disc_number": 1,
                "duration_ms": 180_000 + n * 1000,
                "explicit": false,
                "external_ids": {"isrc": format!("FRX26{n:07}")},
                "external_urls": {"spotify": format!("https://open.spotify.com/track/{tid}")},
                "href": format!("https://api.spotify.com/v1/tracks/{tid}"),
                "id": tid,
                "is_local": false,
                "name": format!("{name} part {n}"),
                "preview_url": null,
                "track_number": n,
                "type": "track",
                "uri": format!("spotify:track:{tid}"),
            })
        })
        .collect();
    json!({
        "album_type": album_type,
        "total_tracks": tracks,
        "available_markets": ["FR", "US"],
        "external_urls": {"spotify": format!("https://open.spotify.com/album/{id}")},
        "href": format!("https://api.spotify.com/v1/albums/{id}"),
        "id": id,
        "images": [
            {"height": 640, "url": format!("https://i.scdn.co/image/{id}640"), "width": 640},
            {"height": 300, "url": format!("https://i.scdn.co/image/{id}300"), "width": 300}
        ],
        "name": name,
        "release_date": release_date,
        "release_date_precision": "day",
        "type": "album",
        "uri": format!("spotify:album:{id}"),
        "artists": [artist_ref],
        "tracks": {
            "href": format!("https://api.spotify.com/v1/albums/{id}/tracks?offset=0&limit=50"),
            "limit": 50, "next": null, "offset": 0, "previous": null,
            "total": tracks,
            "items": items
        },
        "copyrights": [{"text": format!("© 2026 {}", artist.1), "type": "C"}],
        "external_ids": {"upc": "3617052800000"},
        "genres": [],
        "label": "Fake Label",
        "popularity": 12
    })
}

/// An Odesli answer for an album with a few services matched.
pub fn odesli_answer(id: &str, title: &str) -> Value {
    let uid = format!("SPOTIFY_ALBUM::{id}");
    json!({
        "entityUniqueId": uid,
        "userCountry": "US",
        "pageUrl": format!("https://album.link/s/{id}"),
        "entitiesByUniqueId": {
            uid.clone(): {"id": id, "type": "album", "title": title, "artistName": "Nova Lane",
                          "apiProvider": "spotify", "platforms": ["spotify"]}
        },
        "linksByPlatform": {
            "spotify": {"url": format!("https://open.spotify.com/album/{id}"), "entityUniqueId": uid},
            "appleMusic": {"url": format!("https://music.apple.com/us/album/x/{}", id.len()), "entityUniqueId": "ITUNES_ALBUM::1"},
            "deezer": {"url": "https://www.deezer.com/album/42", "entityUniqueId": "DEEZER_ALBUM::42"}
        }
    })
}
