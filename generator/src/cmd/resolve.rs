use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use super::upstream::Upstream;
use crate::cli::{GlobalArgs, ResolveArgs};
use crate::content::{Content, SpotifyKind, SpotifyRef};
use crate::render::view::SiteView;
use crate::spotify::{SpotifyConfig, SpotifyError};

pub fn run(g: &GlobalArgs, args: ResolveArgs) -> Result<ExitCode> {
    let input = SpotifyRef::parse(&args.url)?;
    let content = Content::load(&g.content)?;
    let (source, via_track) = match input.kind {
        SpotifyKind::Album | SpotifyKind::Playlist => (input.clone(), None),
        SpotifyKind::Track => {
            let cfg = SpotifyConfig::from_env()
                .context("a track link is resolved through Spotify")?;
            let up = Upstream::new()?;
            let spotify = up.spotify(cfg);
            let album = up
                .runtime
                .block_on(spotify.track_album_id(&input.id))
                .map_err(|e| match e {
                    SpotifyError::NotFound { .. } => {
                        anyhow::anyhow!("Spotify has no track {}", input.id)
                    }
                    e => e.into(),
                })?;
            (SpotifyRef::new(SpotifyKind::Album, album), Some(input.clone()))
        }
        SpotifyKind::Artist => bail!(
            "{:?} is an artist link; resolve takes an album, track or playlist link (an artist's hub is at {}/ARTIST)",
            args.url,
            content.site.base_url
        ),
    };
    let found = content
        .artists
        .iter()
        .find_map(|a| a.links.iter().find(|l| l.source == source).map(|l| (a, l)));
    let on = || {
        via_track
            .as_ref()
            .map(|t| format!("track {} is on {}; ", t.id, source.uri()))
            .unwrap_or_default()
    };
    let Some((artist, link)) = found else {
        bail!(
            "{}there is no Smart Link for {}: run `smartlinks pull` for a release of a connected artist, or `smartlinks playlist add URL --artist SLUG` for a playlist",
            on(),
            source.uri()
        );
    };
    let rel = format!("{}/{}", artist.config.slug, link.config.slug);
    if !link.config.approved {
        bail!(
            "{}the Smart Link {rel} ({}) is not approved yet, so it is not published; approve it with `smartlinks approve {rel}`",
            on(),
            link.file.display()
        );
    }
    let url = SiteView::new(&content.site).url(&rel);
    if g.json {
        super::print_json(&serde_json::json!({
            "url": url,
            "artist": artist.config.slug,
            "slug": link.config.slug,
            "source": source.uri(),
            "input": input.uri(),
        }))?;
    } else {
        println!("{url}");
    }
    Ok(ExitCode::SUCCESS)
}
