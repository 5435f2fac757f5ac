//! What the templates see. Everything is computed here, so templates only
//! place values; Tera escapes every one of them.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{LazyLock, Mutex};

use anyhow::Result;
use serde::Serialize;

use crate::content::catalog::{Image, OdesliRecord, SpotifyAlbum, SpotifyArtist, SpotifyPlaylist};
use crate::content::error::Seen;
use crate::content::{Artist, Link, SiteConfig};
use crate::services::{offers, safe_url, Offer};
use smartlinks_core::edge::EdgeOrders;
use smartlinks_core::{order, OrderSettings};

use super::markdown;

#[derive(Debug, Clone, Serialize)]
pub struct SiteView {
    pub name: String,
    pub base_url: String,
    /// Path part of `base_url` (`""` or `/music`), for links inside the site.
    pub base_path: String,
    pub language: String,
    pub analytics_endpoint: String,
}

impl SiteView {
    pub fn new(site: &SiteConfig) -> Self {
        let base_path = url::Url::parse(&site.base_url)
            .map(|u| u.path().trim_end_matches('/').to_string())
            .unwrap_or_default();
        SiteView {
            name: site.name.clone(),
            base_url: site.base_url.clone(),
            base_path,
            language: site.language.clone(),
            analytics_endpoint: site.analytics_endpoint.clone(),
        }
    }

    pub fn url(&self, rel: &str) -> String {
        format!("{}/{rel}", self.base_url)
    }

    pub fn path(&self, rel: &str) -> String {
        format!("{}/{rel}", self.base_path)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ImageView {
    pub url: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArtistView {
    pub name: String,
    pub slug: String,
    pub url: String,
    pub path: String,
    pub image: Option<ImageView>,
    pub bio_html: Option<String>,
    pub spotify_url: Option<String>,
}

impl ArtistView {
    pub fn new(site: &SiteView, artist: &Artist, profile: Option<&SpotifyArtist>) -> Self {
        let slug = &artist.config.slug;
        ArtistView {
            name: artist.config.name.clone(),
            slug: slug.clone(),
            url: site.url(slug),
            path: site.path(slug),
            image: profile.and_then(|p| pick_image(&p.images, 320)),
            bio_html: artist.config.bio.as_deref().map(markdown::to_html),
            spotify_url: profile
                .and_then(|p| p.external_urls.spotify.as_deref())
                .and_then(|u| safe_url(u, smartlinks_core::service::service("spotify")))
                .or_else(|| {
                    Some(format!(
                        "https://open.spotify.com/artist/{}",
                        artist.config.spotify_id
                    ))
                }),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ButtonView {
    pub id: &'static str,
    pub name: &'static str,
    pub action: &'static str,
    pub url: String,
    pub color: &'static str,
    pub glyph: &'static str,
    /// SVG path data (24×24, stroked); see `smartlinks_core::Service::icon`.
    pub icon: &'static str,
}

impl From<&Offer> for ButtonView {
    fn from(o: &Offer) -> Self {
        ButtonView {
            id: o.service.id,
            name: o.service.name,
            action: o.service.action,
            url: o.url.clone(),
            color: o.service.color,
            glyph: o.service.glyph,
            icon: o.service.icon,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TrackView {
    pub number: u32,
    pub disc: u32,
    pub name: String,
    /// `3:25`
    pub duration: String,
    /// `PT3M25S`
    pub duration_iso: String,
    pub explicit: bool,
    pub isrc: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VideoView {
    pub url: String,
    /// Player address, loaded only when the fan presses play.
    pub embed_url: Option<String>,
    pub poster: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LinkView {
    /// `release` or `playlist`.
    pub kind: &'static str,
    pub slug: String,
    pub title: String,
    pub url: String,
    pub path: String,
    /// `Album`, `EP`, `Single`, `Compilation` or `Playlist`.
    pub type_label: &'static str,
    pub schema_release_type: &'static str,
    pub schema_production_type: &'static str,
    /// As Spotify gives it: `2024`, `2024-03` or `2024-03-15`.
    pub release_date: Option<String>,
    pub release_date_display: Option<String>,
    pub year: Option<String>,
    pub cover: Option<ImageView>,
    /// The largest image, for social cards.
    pub share_image: Option<ImageView>,
    pub tracks: Vec<TrackView>,
    pub track_count: Option<u32>,
    pub label: Option<String>,
    pub copyright: Option<String>,
    /// In the global order, the order of the static HTML.
    pub buttons: Vec<ButtonView>,
    /// The page's `EdgeOrders` as JSON escaped for a `<script>` element, or
    /// `None` when every fan sees the buttons as built (fixed order, or no
    /// country differs).
    pub edge_orders: Option<String>,
    pub spotify_url: String,
    pub spotify_uri: String,
    pub description_html: Option<String>,
    pub meta_description: String,
    pub video: Option<VideoView>,
    pub curator: Option<String>,
}

/// Tracking pixels a page may load after the fan consents. Present only when
/// at least one id is configured: templates add the consent banner and its
/// script only then.
#[derive(Debug, Clone, Serialize)]
pub struct PixelsView {
    pub meta: Option<String>,
    pub tiktok: Option<String>,
    pub google: Option<String>,
    /// The vendors by name, for the banner: `Meta Pixel, TikTok Pixel and Google tag`.
    pub vendors: String,
}

impl PixelsView {
    pub fn new(pixels: &crate::content::Pixels) -> Option<Self> {
        if pixels.is_empty() {
            return None;
        }
        let names: Vec<&str> = [
            (pixels.meta.is_some(), "Meta Pixel"),
            (pixels.tiktok.is_some(), "TikTok Pixel"),
            (pixels.google.is_some(), "Google tag"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        let vendors = match names.as_slice() {
            [.., last] if names.len() > 1 => {
                format!("{} and {last}", names[..names.len() - 1].join(", "))
            }
            _ => names.concat(),
        };
        Some(PixelsView {
            meta: pixels.meta.clone(),
            tiktok: pixels.tiktok.clone(),
            google: pixels.google.clone(),
            vendors,
        })
    }
}

/// What a hub page and the sitemap need of a rendered link. Kept in the
/// build manifest, so an unchanged link's hub entry needs no re-render.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct LinkSummary {
    pub kind: String,
    pub slug: String,
    pub title: String,
    pub url: String,
    pub path: String,
    pub type_label: String,
    pub release_date: Option<String>,
    pub year: Option<String>,
    pub cover: Option<ImageView>,
}

impl LinkView {
    pub fn summary(&self) -> LinkSummary {
        LinkSummary {
            kind: self.kind.to_string(),
            slug: self.slug.clone(),
            title: self.title.clone(),
            url: self.url.clone(),
            path: self.path.clone(),
            type_label: self.type_label.to_string(),
            release_date: self.release_date.clone(),
            year: self.year.clone(),
            cover: self.cover.clone(),
        }
    }
}

/// The catalog data behind one link, read from disk.
pub enum LinkData {
    Release {
        album: Box<SpotifyAlbum>,
        odesli: Option<OdesliRecord>,
    },
    Playlist {
        playlist: SpotifyPlaylist,
    },
}

impl LinkData {
    pub fn load(artist: &Artist, link: &Link) -> Result<LinkData> {
        Ok(Self::read(artist, link)?.0)
    }

    /// The data, and the pulled files it was read from as they were read,
    /// in the order [`ArtistInputs`](super::incremental::ArtistInputs)
    /// lists them (`None`: a file that does not exist).
    pub fn read(artist: &Artist, link: &Link) -> Result<(LinkData, Vec<Option<Seen>>)> {
        use crate::content::SpotifyKind;
        let hint = || {
            format!(
                "{}: no catalog data for {}; run `smartlinks pull --artist {}`",
                link.file.display(),
                link.source,
                artist.config.slug
            )
        };
        let missing = |e: crate::content::ContentError| {
            if e.is_not_found() {
                anyhow::anyhow!(hint())
            } else {
                e.into()
            }
        };
        Ok(match link.source.kind {
            SpotifyKind::Playlist => {
                let (playlist, seen) = artist.catalog.playlist(&link.source.id).map_err(missing)?;
                (LinkData::Playlist { playlist }, vec![Some(seen)])
            }
            _ => {
                let (release, seen) = artist.catalog.release(&link.source.id).map_err(missing)?;
                let data = LinkData::Release {
                    album: Box::new(release.album),
                    odesli: release.odesli,
                };
                (data, vec![Some(seen)])
            }
        })
    }
}

/// The image closest to `want` pixels wide, preferring larger ones.
pub fn pick_image(images: &[Image], want: u32) -> Option<ImageView> {
    let usable = images
        .iter()
        .filter_map(|i| safe_url(&i.url, None).map(|u| (i, u)));
    let best = usable.min_by_key(|(i, _)| {
        let w = i.width.unwrap_or(want);
        if w >= want {
            (0, w - want)
        } else {
            (1, want - w)
        }
    })?;
    Some(ImageView {
        url: best.1,
        width: best.0.width,
        height: best.0.height,
    })
}

fn largest_image(images: &[Image]) -> Option<ImageView> {
    pick_image(images, u32::MAX / 2).or_else(|| pick_image(images, 0))
}

pub fn duration(ms: u64) -> (String, String) {
    let total = (ms + 500) / 1000;
    let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60);
    let display = if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    };
    let iso = match (h, m) {
        (0, 0) => format!("PT{s}S"),
        (0, _) => format!("PT{m}M{s}S"),
        _ => format!("PT{h}H{m}M{s}S"),
    };
    (display, iso)
}

fn date_display(date: &str, precision: Option<&str>) -> Option<String> {
    let parsed = match precision.unwrap_or("day") {
        "day" => chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .ok()
            .map(|d| d.format("%B %-d, %Y").to_string()),
        "month" => chrono::NaiveDate::parse_from_str(&format!("{date}-01"), "%Y-%m-%d")
            .ok()
            .map(|d| d.format("%B %Y").to_string()),
        _ => None,
    };
    parsed.or_else(|| {
        (date.len() == 4 && date.bytes().all(|b| b.is_ascii_digit())).then(|| date.to_string())
    })
}

/// Release type as a fan would name it. Spotify has no EP type: an EP
/// arrives as a `single` of 4 to 6 tracks under 30 minutes.
fn release_type(album: &SpotifyAlbum) -> (&'static str, &'static str, &'static str) {
    let tracks = album
        .total_tracks
        .unwrap_or(album.tracks.items.len() as u32);
    let minutes = album
        .tracks
        .items
        .iter()
        .map(|t| t.duration_ms)
        .sum::<u64>()
        / 60_000;
    match album.album_type.as_str() {
        "compilation" => ("Compilation", "AlbumRelease", "CompilationAlbum"),
        "single" if (4..=6).contains(&tracks) && minutes < 30 => ("EP", "EPRelease", "StudioAlbum"),
        "single" => ("Single", "SingleRelease", "StudioAlbum"),
        _ => ("Album", "AlbumRelease", "StudioAlbum"),
    }
}

fn video_view(raw: &str) -> Option<VideoView> {
    let url = safe_url(raw, None)?;
    let parsed = url::Url::parse(&url).ok()?;
    let host = parsed
        .host_str()
        .unwrap_or_default()
        .trim_start_matches("www.")
        .trim_start_matches("m.");
    let youtube_id = match host {
        "youtube.com" | "music.youtube.com" => parsed
            .query_pairs()
            .find(|(k, _)| k == "v")
            .map(|(_, v)| v.into_owned()),
        "youtu.be" => parsed
            .path_segments()
            .and_then(|mut s| s.next())
            .map(str::to_string),
        _ => None,
    }
    .filter(|id| {
        id.len() == 11
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    Some(VideoView {
        embed_url: youtube_id
            .as_ref()
            .map(|id| format!("https://www.youtube-nocookie.com/embed/{id}?autoplay=1")),
        poster: youtube_id
            .as_ref()
            .map(|id| format!("https://i.ytimg.com/vi/{id}/hqdefault.jpg")),
        url,
    })
}

fn meta_description(title: &str, by: &str, buttons: &[ButtonView]) -> String {
    let names: Vec<&str> = buttons.iter().map(|b| b.name).take(3).collect();
    match names.as_slice() {
        [] => format!("{title} by {by}."),
        [one] => format!("Listen to {title} by {by} on {one}."),
        many => format!("Listen to {title} by {by} on {} and more.", many.join(", ")),
    }
}

/// Spotify's own link for the item when it is a usable Spotify address; the
/// caller falls back to the address made from the link's source.
fn usable_spotify_url(raw: Option<&str>) -> Option<&str> {
    raw.filter(|u| safe_url(u, smartlinks_core::service::service("spotify")).is_some())
}

/// The buttons a link offers, in the global order, and warnings about
/// dropped data. The build, `smartlinks order` and the preview use this.
pub fn link_offers(link: &Link, data: &LinkData) -> (Vec<Offer>, Vec<String>) {
    let spotify_url = link.source.url();
    match data {
        LinkData::Release { album, odesli } => offers(
            usable_spotify_url(album.external_urls.spotify.as_deref()).or(Some(&spotify_url)),
            odesli.as_ref().map(|o| &o.answer),
            &link.config,
        ),
        LinkData::Playlist { playlist } => offers(
            usable_spotify_url(playlist.external_urls.spotify.as_deref()).or(Some(&spotify_url)),
            None,
            &link.config,
        ),
    }
}

/// Everything that decides the order of one link's buttons besides the
/// fan's country: the artist's settings, the link's hidden services and,
/// for a release, Spotify's markets.
pub fn link_order_settings(artist: &Artist, link: &Link, data: &LinkData) -> OrderSettings {
    let mut settings = artist.config.order_settings();
    settings.hidden = link.config.hide.clone();
    if let LinkData::Release { album, .. } = data {
        settings.spotify_markets = album.available_markets.clone();
    }
    settings
}

/// The buttons of the static HTML: the order of a fan whose country is
/// unknown (the global order, or the artist's fixed order).
pub fn static_buttons(offers: &[Offer], settings: &OrderSettings) -> Vec<ButtonView> {
    let ids: Vec<&str> = offers.iter().map(|o| o.service.id).collect();
    order(None, &ids, settings)
        .into_iter()
        .filter_map(|id| offers.iter().find(|o| o.service.id == id))
        .map(ButtonView::from)
        .collect()
}

/// The page's edge data, escaped for a `<script>` element; `None` when every
/// fan sees the static order.
///
/// The data depends only on the services and the settings, which most pages
/// of a catalog share, so each combination is solved once per process (up to
/// [`SOLVED_MAX`] of them, so a catalog where every page differs costs no
/// more memory).
pub fn edge_orders_json(buttons: &[ButtonView], settings: &OrderSettings) -> Option<String> {
    type Solved = HashMap<u64, (Vec<&'static str>, OrderSettings, Option<String>)>;
    static SOLVED: LazyLock<(RandomState, Mutex<Solved>)> = LazyLock::new(Default::default);
    let (hasher, solved) = &*SOLVED;
    let ids: Vec<&'static str> = buttons.iter().map(|b| b.id).collect();
    let key = hasher.hash_one((&ids, settings));
    if let Some((i, s, json)) = solved.lock().expect("not poisoned").get(&key) {
        if *i == ids && s == settings {
            return json.clone();
        }
    }
    let json = EdgeOrders::wire(&ids, settings).map(|w| super::jsonld::to_script_json(&w));
    let mut solved = solved.lock().expect("not poisoned");
    if solved.len() < SOLVED_MAX {
        solved
            .entry(key)
            .or_insert_with(|| (ids, settings.clone(), json.clone()));
    }
    json
}

/// How many combinations of services and settings [`edge_orders_json`]
/// remembers.
const SOLVED_MAX: usize = 4096;

/// Builds the view of one Smart Link. Returns warnings about dropped data.
pub fn link_view(
    site: &SiteView,
    artist: &Artist,
    link: &Link,
    data: &LinkData,
) -> (LinkView, Vec<String>) {
    let rel = format!("{}/{}", artist.config.slug, link.config.slug);
    let url = site.url(&rel);
    let path = site.path(&rel);
    let description_html = link.config.description.as_deref().map(markdown::to_html);
    let video = link.config.video.as_deref().and_then(video_view);
    let spotify_url = link.source.url();
    let (found, warnings) = link_offers(link, data);
    let settings = link_order_settings(artist, link, data);
    let buttons = static_buttons(&found, &settings);
    let edge_orders = edge_orders_json(&buttons, &settings);
    match data {
        LinkData::Release { album, .. } => {
            let (type_label, schema_release_type, schema_production_type) = release_type(album);
            let mut tracks: Vec<TrackView> = album
                .tracks
                .items
                .iter()
                .map(|t| {
                    let (duration, duration_iso) = duration(t.duration_ms);
                    TrackView {
                        number: t.track_number,
                        disc: t.disc_number,
                        name: t.name.clone(),
                        duration,
                        duration_iso,
                        explicit: t.explicit,
                        isrc: t.external_ids.isrc.clone(),
                    }
                })
                .collect();
            tracks.sort_by_key(|t| (t.disc, t.number));
            let release_date = album.release_date.clone().filter(|d| !d.is_empty());
            let by = album
                .artists
                .first()
                .map_or(artist.config.name.as_str(), |a| a.name.as_str());
            let view = LinkView {
                kind: "release",
                slug: link.config.slug.clone(),
                title: album.name.clone(),
                meta_description: meta_description(&album.name, by, &buttons),
                url,
                path,
                type_label,
                schema_release_type,
                schema_production_type,
                release_date_display: release_date
                    .as_deref()
                    .and_then(|d| date_display(d, album.release_date_precision.as_deref())),
                year: release_date.as_ref().map(|d| d.chars().take(4).collect()),
                release_date,
                cover: pick_image(&album.images, 300),
                share_image: largest_image(&album.images),
                track_count: album.total_tracks.or(Some(tracks.len() as u32)),
                tracks,
                label: album.label.clone().filter(|l| !l.is_empty()),
                copyright: album.copyrights.first().map(|c| c.text.clone()),
                buttons,
                edge_orders,
                spotify_uri: link.source.uri(),
                spotify_url,
                description_html,
                video,
                curator: None,
            };
            (view, warnings)
        }
        LinkData::Playlist { playlist } => {
            let images = playlist.images.as_deref().unwrap_or_default();
            let curator = playlist
                .owner
                .display_name
                .clone()
                .unwrap_or_else(|| artist.config.name.clone());
            let view = LinkView {
                kind: "playlist",
                slug: link.config.slug.clone(),
                title: playlist.name.clone(),
                meta_description: meta_description(&playlist.name, &curator, &buttons),
                url,
                path,
                type_label: "Playlist",
                schema_release_type: "",
                schema_production_type: "",
                release_date: None,
                release_date_display: None,
                year: None,
                cover: pick_image(images, 300),
                share_image: largest_image(images),
                tracks: Vec::new(),
                track_count: None,
                label: None,
                copyright: None,
                buttons,
                edge_orders,
                spotify_uri: link.source.uri(),
                spotify_url,
                description_html: description_html.or_else(|| {
                    // Spotify sends playlist descriptions HTML-escaped; decode once, escape once.
                    playlist
                        .description
                        .as_deref()
                        .filter(|d| !d.is_empty())
                        .map(|d| {
                            format!(
                                "<p>{}</p>",
                                crate::theme::escape_html(&html_escape::decode_html_entities(d))
                            )
                        })
                }),
                video,
                curator: Some(curator),
            };
            (view, warnings)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembered_edge_orders_are_those_of_their_own_services_and_settings() {
        let buttons = |ids: &[&str]| -> Vec<ButtonView> {
            ids.iter()
                .map(|id| {
                    ButtonView::from(&Offer {
                        service: smartlinks_core::service::service(id).unwrap(),
                        url: format!("https://example.com/{id}"),
                    })
                })
                .collect()
        };
        let direct = |b: &[ButtonView], s: &OrderSettings| {
            let ids: Vec<&str> = b.iter().map(|b| b.id).collect();
            EdgeOrders::wire(&ids, s).map(|w| super::super::jsonld::to_script_json(&w))
        };
        let auto = OrderSettings::default();
        let hidden = OrderSettings {
            hide_unavailable: true,
            ..OrderSettings::default()
        };
        let few = buttons(&["spotify", "apple_music", "deezer"]);
        let more = buttons(&["spotify", "apple_music", "deezer", "anghami", "boomplay"]);
        // Asked twice, so the second answer comes from what was remembered.
        for _ in 0..2 {
            for (b, s) in [
                (&few, &auto),
                (&few, &hidden),
                (&more, &auto),
                (&more, &hidden),
            ] {
                assert_eq!(edge_orders_json(b, s), direct(b, s));
            }
        }
        assert_ne!(
            edge_orders_json(&more, &auto),
            edge_orders_json(&few, &auto)
        );
    }

    #[test]
    fn durations_in_both_forms() {
        assert_eq!(duration(205_000), ("3:25".into(), "PT3M25S".into()));
        assert_eq!(duration(59_400), ("0:59".into(), "PT59S".into()));
        assert_eq!(duration(3_723_000), ("1:02:03".into(), "PT1H2M3S".into()));
    }

    #[test]
    fn dates_by_precision() {
        assert_eq!(
            date_display("2024-03-05", Some("day")).as_deref(),
            Some("March 5, 2024")
        );
        assert_eq!(
            date_display("2024-03", Some("month")).as_deref(),
            Some("March 2024")
        );
        assert_eq!(date_display("2024", Some("year")).as_deref(), Some("2024"));
        assert_eq!(date_display("garbage", Some("day")), None);
    }

    #[test]
    fn ep_is_a_short_single_of_four_to_six_tracks() {
        let mut album = SpotifyAlbum {
            album_type: "single".into(),
            total_tracks: Some(5),
            ..Default::default()
        };
        album.tracks.items = (0..5)
            .map(|_| crate::content::catalog::Track {
                duration_ms: 200_000,
                ..Default::default()
            })
            .collect();
        assert_eq!(release_type(&album).0, "EP");
        album
            .tracks
            .items
            .iter_mut()
            .for_each(|t| t.duration_ms = 400_000);
        assert_eq!(release_type(&album).0, "Single");
        album.album_type = "compilation".into();
        assert_eq!(release_type(&album).2, "CompilationAlbum");
    }

    #[test]
    fn pixels_view_exists_only_with_ids_and_names_the_vendors() {
        use crate::content::Pixels;
        assert!(PixelsView::new(&Pixels::default()).is_none());
        let one = Pixels {
            tiktok: Some("CWPXN2CYIOSXPAI15K9Z".into()),
            ..Default::default()
        };
        assert_eq!(PixelsView::new(&one).unwrap().vendors, "TikTok Pixel");
        let all = Pixels {
            meta: Some("1234567".into()),
            google: Some("G-ABCD1234".into()),
            ..one
        };
        assert_eq!(
            PixelsView::new(&all).unwrap().vendors,
            "Meta Pixel, TikTok Pixel and Google tag"
        );
    }

    #[test]
    fn youtube_videos_get_a_privacy_friendly_embed() {
        let v = video_view("https://www.youtube.com/watch?v=dQw4w9WgXcQ").unwrap();
        assert_eq!(
            v.embed_url.as_deref(),
            Some("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1")
        );
        assert!(video_view("javascript:alert(1)").is_none());
        assert!(video_view("https://vimeo.com/1")
            .unwrap()
            .embed_url
            .is_none());
    }
}
