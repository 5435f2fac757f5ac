//! `smartlinks campaign`: what a paid campaign setup needs about one Smart
//! Link, as JSON, so it can be pasted or piped into an ad tool.

use std::process::ExitCode;

use anyhow::{bail, Result};
use serde::Serialize;

use super::resolve::{find_by_spotify, Found};
use crate::cli::{CampaignArgs, GlobalArgs};
use crate::content::Content;
use crate::render::view::{link_view, LinkData, SiteView};

#[derive(Serialize)]
struct Campaign {
    /// `release` or `playlist`.
    #[serde(rename = "type")]
    kind: &'static str,
    /// `ARTIST/SLUG`.
    link: String,
    smart_link_url: String,
    title: String,
    artist: String,
    artist_slug: String,
    spotify_uri: String,
    spotify_url: String,
    artwork_url: Option<String>,
    /// As Spotify gives it (`2024`, `2024-03` or `2024-03-15`); none for a playlist.
    release_date: Option<String>,
    services: Vec<CampaignService>,
}

#[derive(Serialize)]
struct CampaignService {
    id: &'static str,
    name: &'static str,
    url: String,
}

pub fn run(g: &GlobalArgs, args: CampaignArgs) -> Result<ExitCode> {
    let content = Content::load(&g.content)?;
    let found = find(&content, &args.target)?;
    found.ensure_approved()?;
    let (artist, link) = (found.artist, found.link);
    let data = LinkData::load(artist, link)?;
    let site = SiteView::new(&content.site);
    let (view, warnings) = link_view(&site, artist, link, &data);
    for w in warnings {
        super::warn(&format!("{}: {w}", link.file.display()));
    }
    let artist_name = match &data {
        LinkData::Release { album, .. } if !album.artists.is_empty() => album
            .artists
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        _ => artist.config.name.clone(),
    };
    let campaign = Campaign {
        kind: view.kind,
        link: found.rel(),
        smart_link_url: view.url,
        title: view.title,
        artist: artist_name,
        artist_slug: artist.config.slug.clone(),
        spotify_uri: view.spotify_uri,
        spotify_url: view.spotify_url,
        artwork_url: view.share_image.or(view.cover).map(|i| i.url),
        release_date: view.release_date,
        services: view
            .buttons
            .into_iter()
            .map(|b| CampaignService {
                id: b.id,
                name: b.name,
                url: b.url,
            })
            .collect(),
    };
    super::print_json(&campaign)?;
    Ok(ExitCode::SUCCESS)
}

/// `ARTIST/SLUG` names a link file; anything Spotify-shaped is resolved.
fn find<'a>(content: &'a Content, target: &str) -> Result<Found<'a>> {
    // Slugs never hold a colon; URLs and URIs always do.
    if target.contains(':') {
        return find_by_spotify(content, target);
    }
    let Some((a, l)) = target.split_once('/') else {
        bail!(
            "{target:?} is neither ARTIST/SLUG (like nova-lane/zoe-a-paris) nor a Spotify album, track or playlist link"
        );
    };
    let (artist, link) = super::named_link(content, target, a, l)?;
    Ok(Found {
        artist,
        link,
        input: link.source.clone(),
        source: link.source.clone(),
        prefix: String::new(),
    })
}
