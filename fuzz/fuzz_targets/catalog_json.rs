//! The machine-written catalog files (Spotify answers and Odesli records
//! kept verbatim, and the release files that hold one of each): any bytes
//! give a value or an error naming the file.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use smartlinks::content::catalog::{
    OdesliRecord, ReleaseFile, SpotifyAlbum, SpotifyArtist, SpotifyPlaylist,
};
use smartlinks::content::error::parse_json_bytes;

fn check<T: serde::de::DeserializeOwned>(bytes: &[u8]) {
    let path = Path::new("catalog/fuzz.json");
    if let Err(e) = parse_json_bytes::<T>(path, bytes) {
        assert!(e.to_string().contains("catalog/fuzz.json"), "{e}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    match kind % 5 {
        0 => check::<SpotifyAlbum>(rest),
        1 => check::<SpotifyPlaylist>(rest),
        2 => check::<SpotifyArtist>(rest),
        3 => check::<OdesliRecord>(rest),
        _ => check::<ReleaseFile>(rest),
    }
});
