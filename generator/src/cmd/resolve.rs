use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use super::upstream::Upstream;
use crate::cli::{GlobalArgs, ResolveArgs};
use crate::content::{Artist, Content, Link, SpotifyKind, SpotifyRef};
use crate::render::view::SiteView;
use crate::spotify::{SpotifyConfig, SpotifyError};

/// The Smart Link a pasted Spotify address belongs to.
pub(crate) struct Found<'a> {
    pub artist: &'a Artist,
    pub link: &'a Link,
    /// What was pasted.
    pub input: SpotifyRef,
    /// The link's source (the album, for a pasted track).
    pub source: SpotifyRef,
    /// `track X is on spotify:album:Y; ` when a track was pasted, for messages.
    pub prefix: String,
}

impl Found<'_> {
    pub fn rel(&self) -> String {
        format!("{}/{}", self.artist.config.slug, self.link.config.slug)
    }

    /// Refuses a link that is not approved, naming the file and the fix.
    pub fn ensure_approved(&self) -> Result<()> {
        if !self.link.config.approved {
            let rel = self.rel();
            bail!(
                "{}the Smart Link {rel} ({}) is not approved yet, so it is not published; approve it with `smartlinks approve {rel}`",
                self.prefix,
                self.link.file.display()
            );
        }
        Ok(())
    }
}

/// Finds the Smart Link of a Spotify album, track or playlist address. A
/// track is looked up on Spotify (it needs credentials) to find its album.
pub(crate) fn find_by_spotify<'a>(content: &'a Content, url: &str) -> Result<Found<'a>> {
    let input = SpotifyRef::parse(url)?;
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
            "{url:?} is an artist link; expected an album, track or playlist link (an artist's hub is at {}/ARTIST)",
            content.site.base_url
        ),
    };
    let prefix = via_track
        .as_ref()
        .map(|t| format!("track {} is on {}; ", t.id, source.uri()))
        .unwrap_or_default();
    let found = content
        .artists
        .iter()
        .find_map(|a| a.links.iter().find(|l| l.source == source).map(|l| (a, l)));
    let Some((artist, link)) = found else {
        bail!(
            "{prefix}there is no Smart Link for {}: run `smartlinks pull` for a release of a connected artist, or `smartlinks playlist add URL --artist SLUG` for a playlist",
            source.uri()
        );
    };
    Ok(Found {
        artist,
        link,
        input,
        source,
        prefix,
    })
}

pub fn run(g: &GlobalArgs, args: ResolveArgs) -> Result<ExitCode> {
    // Checked before the content is read, as before: a bad address is the first thing to report.
    SpotifyRef::parse(&args.url)?;
    let content = Content::load(&g.content)?;
    let found = find_by_spotify(&content, &args.url)?;
    found.ensure_approved()?;
    let rel = found.rel();
    let url = SiteView::new(&content.site).url(&rel);
    if g.json {
        super::print_json(&serde_json::json!({
            "url": url,
            "artist": found.artist.config.slug,
            "slug": found.link.config.slug,
            "source": found.source.uri(),
            "input": found.input.uri(),
        }))?;
    } else {
        println!("{url}");
    }
    Ok(ExitCode::SUCCESS)
}
