//! Whatever an artist pastes as a Spotify link: a parsed reference has a
//! well-formed id and reads back the same from its URL and its URI.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smartlinks::content::spotify_ref::is_spotify_id;
use smartlinks::content::SpotifyRef;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(r) = SpotifyRef::parse(text) {
        assert!(is_spotify_id(&r.id), "{r:?}");
        assert_eq!(SpotifyRef::parse(&r.url()).as_ref(), Ok(&r), "{text:?}");
        assert_eq!(SpotifyRef::parse(&r.uri()).as_ref(), Ok(&r), "{text:?}");
    }
});
