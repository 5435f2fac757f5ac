//! schema.org structured data, serialised for a `<script type="application/ld+json">`.

use serde_json::{json, Value};

use super::view::{ArtistView, LinkSummary, LinkView};

/// Serialises JSON so it can sit inside a `<script>` element: `<`, `>` and
/// `&` become `\u003c` `\u003e` `\u0026` (so `</script>` cannot end the
/// element), and U+2028/U+2029 are escaped. A JSON parser reads the original
/// strings back; HTML-escaping would not round-trip.
pub fn to_script_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    let raw = serde_json::to_string(value).expect("our view types always serialise");
    let bytes = raw.as_bytes();
    // Most pages have nothing to escape: scan bytes, copy only if needed.
    let needs = |i: usize| match bytes[i] {
        b'<' | b'>' | b'&' => true,
        // U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8.
        0xE2 => bytes.get(i + 1) == Some(&0x80) && matches!(bytes.get(i + 2), Some(0xA8 | 0xA9)),
        _ => false,
    };
    if !(0..bytes.len()).any(needs) {
        return raw;
    }
    let mut out = String::with_capacity(raw.len() + 16);
    let mut plain = 0;
    for (i, c) in raw.char_indices() {
        let escaped = match c {
            '<' => "\\u003c",
            '>' => "\\u003e",
            '&' => "\\u0026",
            '\u{2028}' => "\\u2028",
            '\u{2029}' => "\\u2029",
            _ => continue,
        };
        out.push_str(&raw[plain..i]);
        out.push_str(escaped);
        plain = i + c.len_utf8();
    }
    out.push_str(&raw[plain..]);
    out
}

fn group(artist: &ArtistView) -> Value {
    let mut g = json!({ "@type": "MusicGroup", "name": artist.name, "url": artist.url });
    if let Some(spotify) = &artist.spotify_url {
        g["sameAs"] = json!([spotify]);
    }
    g
}

pub fn link(link: &LinkView, artist: &ArtistView) -> Value {
    let same_as: Vec<&str> = link.buttons.iter().map(|b| b.url.as_str()).collect();
    let tracks: Vec<Value> = link
        .tracks
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut rec =
                json!({ "@type": "MusicRecording", "name": t.name, "duration": t.duration_iso });
            if let Some(isrc) = &t.isrc {
                rec["isrcCode"] = json!(isrc);
            }
            json!({ "@type": "ListItem", "position": i + 1, "item": rec })
        })
        .collect();
    let mut v = if link.kind == "playlist" {
        json!({ "@context": "https://schema.org", "@type": "MusicPlaylist", "@id": link.url, "name": link.title, "url": link.url })
    } else {
        json!({
            "@context": "https://schema.org",
            "@type": "MusicAlbum",
            "@id": link.url,
            "name": link.title,
            "url": link.url,
            "byArtist": group(artist),
            "albumReleaseType": link.schema_release_type,
            "albumProductionType": link.schema_production_type,
        })
    };
    if let Some(cover) = &link.cover {
        v["image"] = json!(cover.url);
    }
    if let Some(date) = &link.release_date {
        v["datePublished"] = json!(date);
    }
    if let Some(n) = link.track_count {
        v["numTracks"] = json!(n);
    }
    if !tracks.is_empty() {
        v["track"] = json!({ "@type": "ItemList", "numberOfItems": tracks.len(), "itemListElement": tracks });
    }
    if !same_as.is_empty() {
        v["sameAs"] = json!(same_as);
        let targets: Vec<Value> = link
            .buttons
            .iter()
            .map(|b| json!({ "@type": "EntryPoint", "urlTemplate": b.url, "name": b.name }))
            .collect();
        v["potentialAction"] = json!({ "@type": "ListenAction", "target": targets });
    }
    if let Some(label) = &link.label {
        v["recordLabel"] = json!({ "@type": "Organization", "name": label });
    }
    v
}

pub fn hub(artist: &ArtistView, links: &[LinkSummary]) -> Value {
    let mut v = group(artist);
    v["@context"] = json!("https://schema.org");
    v["@id"] = json!(artist.url);
    if let Some(image) = &artist.image {
        v["image"] = json!(image.url);
    }
    let albums: Vec<Value> = links
        .iter()
        .map(|l| {
            let t = if l.kind == "playlist" {
                "MusicPlaylist"
            } else {
                "MusicAlbum"
            };
            json!({ "@type": t, "name": l.title, "url": l.url })
        })
        .collect();
    if !albums.is_empty() {
        v["album"] = json!(albums);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_breakers_are_escaped_and_parse_back() {
        let title = "</script><img src=x onerror=alert(1)> & \u{2028}";
        let text = to_script_json(&json!({ "name": title }));
        assert!(
            !text.contains('<') && !text.contains('>') && !text.contains('&'),
            "{text}"
        );
        assert!(!text.contains('\u{2028}'));
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["name"], title);
    }
}
