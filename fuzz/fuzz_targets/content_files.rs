//! The hand-written content files (`site.toml`, `artists/*.toml`,
//! `links/*/*.toml`) through the same parse-and-check functions the loader
//! uses. Bad input must give an error naming the file, never a panic; a link
//! file that passes names a source that reads back the same.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use smartlinks::content::load::{parse_artist, parse_link, parse_site};
use smartlinks::content::SpotifyRef;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return; // the loader refuses non-UTF-8 files before parsing
    };
    let path = Path::new("fuzz/input.toml");
    let named = |e: smartlinks::content::ContentError| {
        assert!(e.to_string().contains("fuzz/input.toml"), "{e}");
    };
    match kind % 3 {
        0 => {
            if let Err(e) = parse_site(path, text) {
                named(e)
            }
        }
        1 => {
            if let Err(e) = parse_artist(path, text) {
                named(e)
            }
        }
        _ => match parse_link(path, text) {
            Ok((_, source)) => {
                assert_eq!(SpotifyRef::parse(&source.uri()).as_ref(), Ok(&source));
            }
            Err(e) => named(e),
        },
    }
});
