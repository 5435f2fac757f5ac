//! schema.org structured data, serialised for a `<script type="application/ld+json">`.

use serde::Serialize;
use serde_json::{json, Value};

use super::view::{ArtistView, LinkSummary, LinkView};

/// Serialises JSON so it can sit inside a `<script>` element: `<`, `>` and
/// `&` become `\u003c` `\u003e` `\u0026` (so `</script>` cannot end the
/// element), and U+2028/U+2029 and the controls JSON leaves raw (DEL and
/// U+0080 to U+009F, errors in HTML) are escaped too. A JSON parser reads
/// the original strings back; HTML-escaping would not round-trip.
pub fn to_script_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::with_capacity(1024);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, ScriptSafe);
    value
        .serialize(&mut ser)
        .expect("our view types always serialise");
    String::from_utf8(out).expect("JSON is UTF-8")
}

/// Compact JSON whose strings also escape what a `<script>` element must
/// not hold (see [`to_script_json`]). Only strings can carry those
/// characters, so escaping their unescaped runs covers the whole text in
/// the same pass that writes it.
struct ScriptSafe;

/// The bytes that start a character [`ScriptSafe`] may escape.
const MAY_ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    t[b'<' as usize] = true;
    t[b'>' as usize] = true;
    t[b'&' as usize] = true;
    t[0x7F] = true;
    t[0xC2] = true;
    t[0xE2] = true;
    t
};

impl serde_json::ser::Formatter for ScriptSafe {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let bytes = fragment.as_bytes();
        let mut plain = 0;
        let mut i = 0;
        while i < bytes.len() {
            if !MAY_ESCAPE[usize::from(bytes[i])] {
                i += 1;
                continue;
            }
            // The character starting at i, when it needs escaping, and its
            // length. U+0080 to U+009F are C2 80 to C2 9F; U+2028 and U+2029
            // are E2 80 A8 and E2 80 A9.
            let escape = match bytes[i] {
                b @ (b'<' | b'>' | b'&' | 0x7F) => Some((u32::from(b), 1)),
                0xC2 if matches!(bytes.get(i + 1), Some(0x80..=0x9F)) => {
                    Some((u32::from(bytes[i + 1]), 2))
                }
                0xE2 if bytes.get(i + 1) == Some(&0x80)
                    && matches!(bytes.get(i + 2), Some(0xA8 | 0xA9)) =>
                {
                    Some((0x2000 + u32::from(bytes[i + 2]) - 0x80, 3))
                }
                _ => None,
            };
            match escape {
                Some((code, len)) => {
                    writer.write_all(&bytes[plain..i])?;
                    write!(writer, "\\u{code:04x}")?;
                    i += len;
                    plain = i;
                }
                None => i += 1,
            }
        }
        writer.write_all(&bytes[plain..])
    }
}

fn group(artist: &ArtistView) -> Value {
    let mut g = json!({ "@type": "MusicGroup", "name": artist.name, "url": artist.url });
    if let Some(spotify) = &artist.spotify_url {
        g["sameAs"] = json!([spotify]);
    }
    g
}

/// schema.org data of one Smart Link. Written as types rather than a JSON
/// tree: every page has one, and building the tree cost more than
/// rendering the rest of the page's data.
#[derive(Serialize)]
pub struct LinkLd<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "@id")]
    id: &'a str,
    name: &'a str,
    url: &'a str,
    #[serde(rename = "byArtist", skip_serializing_if = "Option::is_none")]
    by_artist: Option<GroupLd<'a>>,
    #[serde(rename = "albumReleaseType", skip_serializing_if = "Option::is_none")]
    album_release_type: Option<&'a str>,
    #[serde(
        rename = "albumProductionType",
        skip_serializing_if = "Option::is_none"
    )]
    album_production_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    #[serde(rename = "datePublished", skip_serializing_if = "Option::is_none")]
    date_published: Option<&'a str>,
    #[serde(rename = "numTracks", skip_serializing_if = "Option::is_none")]
    num_tracks: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    track: Option<TrackListLd<'a>>,
    #[serde(rename = "sameAs", skip_serializing_if = "Vec::is_empty")]
    same_as: Vec<&'a str>,
    #[serde(rename = "potentialAction", skip_serializing_if = "Option::is_none")]
    potential_action: Option<ListenActionLd<'a>>,
    #[serde(rename = "recordLabel", skip_serializing_if = "Option::is_none")]
    record_label: Option<OrganizationLd<'a>>,
}

#[derive(Serialize)]
struct GroupLd<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'a str,
    url: &'a str,
    #[serde(rename = "sameAs", skip_serializing_if = "Option::is_none")]
    same_as: Option<[&'a str; 1]>,
}

#[derive(Serialize)]
struct TrackListLd<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "numberOfItems")]
    number_of_items: usize,
    #[serde(rename = "itemListElement")]
    item_list_element: Vec<ListItemLd<'a>>,
}

#[derive(Serialize)]
struct ListItemLd<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    position: usize,
    item: RecordingLd<'a>,
}

#[derive(Serialize)]
struct RecordingLd<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'a str,
    duration: &'a str,
    #[serde(rename = "isrcCode", skip_serializing_if = "Option::is_none")]
    isrc_code: Option<&'a str>,
}

#[derive(Serialize)]
struct ListenActionLd<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    target: Vec<EntryPointLd<'a>>,
}

#[derive(Serialize)]
struct EntryPointLd<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "urlTemplate")]
    url_template: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct OrganizationLd<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'a str,
}

pub fn link<'a>(link: &'a LinkView, artist: &'a ArtistView) -> LinkLd<'a> {
    let playlist = link.kind == "playlist";
    let tracks: Vec<ListItemLd<'a>> = link
        .tracks
        .iter()
        .enumerate()
        .map(|(i, t)| ListItemLd {
            kind: "ListItem",
            position: i + 1,
            item: RecordingLd {
                kind: "MusicRecording",
                name: &t.name,
                duration: &t.duration_iso,
                isrc_code: t.isrc.as_deref(),
            },
        })
        .collect();
    LinkLd {
        context: "https://schema.org",
        kind: if playlist {
            "MusicPlaylist"
        } else {
            "MusicAlbum"
        },
        id: &link.url,
        name: &link.title,
        url: &link.url,
        by_artist: (!playlist).then(|| GroupLd {
            kind: "MusicGroup",
            name: &artist.name,
            url: &artist.url,
            same_as: artist.spotify_url.as_deref().map(|s| [s]),
        }),
        album_release_type: (!playlist).then_some(link.schema_release_type),
        album_production_type: (!playlist).then_some(link.schema_production_type),
        image: link.cover.as_ref().map(|c| c.url.as_str()),
        date_published: link.release_date.as_deref(),
        num_tracks: link.track_count,
        track: (!tracks.is_empty()).then_some(TrackListLd {
            kind: "ItemList",
            number_of_items: tracks.len(),
            item_list_element: tracks,
        }),
        same_as: link.buttons.iter().map(|b| b.url.as_str()).collect(),
        potential_action: (!link.buttons.is_empty()).then(|| ListenActionLd {
            kind: "ListenAction",
            target: link
                .buttons
                .iter()
                .map(|b| EntryPointLd {
                    kind: "EntryPoint",
                    url_template: &b.url,
                    name: b.name,
                })
                .collect(),
        }),
        record_label: link.label.as_deref().map(|name| OrganizationLd {
            kind: "Organization",
            name,
        }),
    }
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
        let title = "</script><img src=x onerror=alert(1)> & \u{2028}\u{2029}\u{7f}\u{80}\u{9f}\u{a0}é\"\\\n";
        let text = to_script_json(&json!({ "name": title }));
        assert!(
            !text.contains('<') && !text.contains('>') && !text.contains('&'),
            "{text}"
        );
        assert!(!text.contains('\u{2028}'));
        assert!(!text.contains(|c: char| ('\u{7f}'..='\u{9f}').contains(&c) || c == '\u{2029}'));
        assert!(
            text.contains("\\u2028\\u2029\\u007f\\u0080\\u009f\u{a0}é"),
            "{text}"
        );
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["name"], title);
    }
}
