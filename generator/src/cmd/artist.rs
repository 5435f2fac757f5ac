use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use serde_json::json;

use super::upstream::Upstream;
use crate::cli::{ArtistAddArgs, ArtistArgs, ArtistCommand, GlobalArgs};
use crate::content::catalog::{CatalogDir, SpotifyArtist};
use crate::content::config::is_valid_slug;
use crate::content::edit::{artist_file_text, create_file};
use crate::content::write::write_json_atomic;
use crate::content::{Content, SpotifyKind, SpotifyRef};
use crate::spotify::SpotifyConfig;

pub fn run(g: &GlobalArgs, args: ArtistArgs) -> Result<ExitCode> {
    match args.command {
        ArtistCommand::Add(a) => add(g, a),
    }
}

fn add(g: &GlobalArgs, args: ArtistAddArgs) -> Result<ExitCode> {
    let source = SpotifyRef::parse(&args.url)?;
    if source.kind != SpotifyKind::Artist {
        bail!(
            "{:?} is a Spotify {} link; `artist add` needs an artist link like https://open.spotify.com/artist/tBxoiKdJ8q6XZr8T8jdVtn",
            args.url,
            source.kind.as_str()
        );
    }
    if let Some(slug) = &args.slug {
        if !is_valid_slug(slug) {
            bail!("--slug {slug:?} is not a valid slug: use lowercase letters, digits and single dashes, like \"nova-lane\"");
        }
    }
    let cfg = SpotifyConfig::from_env()?;
    let content = Content::load(&g.content)?;
    if let Some(a) = content
        .artists
        .iter()
        .find(|a| a.config.spotify_id == source.id)
    {
        bail!(
            "{} is already connected as {:?} ({})",
            source.url(),
            a.config.slug,
            a.file.display()
        );
    }
    let up = Upstream::new()?;
    let spotify = up.spotify(cfg);
    let profile = up
        .runtime
        .block_on(spotify.artist(&source.id))
        .with_context(|| format!("cannot fetch {}", source.url()))?;
    let artist: SpotifyArtist = serde_json::from_value(profile.clone())?;

    let artists_dir = g.content.join("artists");
    let slug = match args.slug {
        Some(s) => s,
        None => crate::slug::unique_slug(&artist.name, &format!("artist-{}", source.id), |s| {
            artists_dir.join(format!("{s}.toml")).exists()
        }),
    };
    let file = artists_dir.join(format!("{slug}.toml"));
    if file.exists() {
        bail!("{} already exists; choose another --slug", file.display());
    }
    let catalog = CatalogDir::new(&g.content, &slug);
    write_json_atomic(&catalog.artist_path(), &profile)?;
    let text = artist_file_text(&artist.name, &slug, &source.id, args.auto_approve);
    if !create_file(&file, &text)? {
        bail!("{} appeared meanwhile; nothing changed", file.display());
    }
    if g.json {
        super::print_json(&json!({
            "artist": slug,
            "name": artist.name,
            "spotify_id": source.id,
            "file": file,
            "auto_approve": args.auto_approve,
        }))?;
    } else if !g.quiet {
        println!("Connected {} as {slug} ({})", artist.name, file.display());
        println!("Next: smartlinks pull --artist {slug}");
    }
    Ok(ExitCode::SUCCESS)
}
