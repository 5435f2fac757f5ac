//! A beacon body as the page sends it, through the worker's checks
//! (`ingest::parse`, then the shared schema's `validate`), with a country
//! header and a user agent taken from the input too. What is accepted must
//! be what the schema promises to store.
#![no_main]

use beacon_worker::ingest::{self, Parsed};
use libfuzzer_sys::fuzz_target;

/// Printable text without markup or control characters, as `validate` keeps.
fn plain(s: &str) -> bool {
    !s.chars().any(|c| {
        c.is_control()
            || matches!(c, '<' | '>' | '"' | '\'' | '`' | '\\')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
    })
}

fuzz_target!(|data: &[u8]| {
    // [country (2 bytes)] [user-agent length] [user agent] [body]
    if data.len() < 3 {
        return;
    }
    let country = std::str::from_utf8(&data[..2]).ok();
    let ua_len = usize::from(data[2]).min(data.len() - 3);
    let user_agent = String::from_utf8_lossy(&data[3..3 + ua_len]);
    let body = &data[3 + ua_len..];
    let Ok(Parsed::Beacon(beacon)) = ingest::parse(body, &user_agent) else {
        return;
    };
    let Ok(event) = ingest::validate(*beacon, country, 1_700_000_000_000, |a, l| {
        a.len() < 40 && l.len() < 40
    }) else {
        return;
    };
    for slug in [&event.artist, &event.link] {
        assert!(slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
    }
    if let Some(s) = &event.service {
        assert!(smartlinks_core::service::service(s).is_some(), "{s:?}");
    }
    if let Some(r) = &event.referrer {
        let (scheme, host) = r.split_once("://").expect("an origin");
        assert!(scheme == "http" || scheme == "https", "{r:?}");
        assert!(!host.is_empty() && !host.contains(['/', '?', '#', '@']), "{r:?}");
    }
    for v in [&event.utm.source, &event.utm.medium, &event.utm.campaign, &event.utm.term, &event.utm.content]
        .into_iter()
        .flatten()
    {
        assert!(plain(v), "{v:?}");
    }
    if let Some(c) = &event.country {
        assert!(c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()), "{c:?}");
    }
    assert!(event.ae_index().len() <= smartlinks_core::beacon::ae::MAX_INDEX_BYTES);
    assert_eq!(event.ae_blobs().len(), smartlinks_core::beacon::ae::BLOBS);
    let json = serde_json::to_string(&event).unwrap();
    let back: smartlinks_core::beacon::Event = serde_json::from_str(&json).unwrap();
    assert_eq!(back, event);
});
