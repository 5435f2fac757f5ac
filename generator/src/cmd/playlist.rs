use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use serde_json::json;

use super::upstream::Upstream;
use crate::cli::{GlobalArgs, PlaylistAddArgs, PlaylistArgs, PlaylistCommand};
use crate::content::catalog::SpotifyPlaylist;
use crate::content::config::is_valid_slug;
use crate::content::edit::{create_file, link_file_text};
use crate::content::write::write_json_atomic;
use crate::content::{Content, SpotifyKind, SpotifyRef};
use crate::render::view::SiteView;
use crate::spotify::SpotifyConfig;

pub fn run(g: &GlobalArgs, args: PlaylistArgs) -> Result<ExitCode> {
    match args.command {
        PlaylistCommand::Add(a) => add(g, a),
    }
}

fn add(g: &GlobalArgs, args: PlaylistAddArgs) -> Result<ExitCode> {
    let source = SpotifyRef::parse(&args.url)?;
    if source.kind != SpotifyKind::Playlist {
        bail!(
            "{:?} is a Spotify {} link; `playlist add` needs a playlist link like https://open.spotify.com/playlist/rgcCCDDwNicTA0MdsMS8El",
            args.url,
            source.kind.as_str()
        );
    }
    if let Some(slug) = &args.slug {
        if !is_valid_slug(slug) {
            bail!("--slug {slug:?} is not a valid slug: use lowercase letters, digits and single dashes, like \"nuits-blanches\"");
        }
    }
    let cfg = SpotifyConfig::from_env()?;
    let content = Content::load(&g.content)?;
    let artist = content.artist(&args.artist).with_context(|| {
        format!(
            "--artist {:?}: there is no artists/{}.toml; connect the artist first with `smartlinks artist add URL`",
            args.artist, args.artist
        )
    })?;
    if let Some(link) = artist.links.iter().find(|l| l.source == source) {
        bail!(
            "{} already has a Smart Link: {}",
            source.uri(),
            link.file.display()
        );
    }
    let links_dir = g.content.join("links").join(&artist.config.slug);
    if let Some(slug) = &args.slug {
        let file = links_dir.join(format!("{slug}.toml"));
        if file.exists() {
            bail!("{} already exists; choose another --slug", file.display());
        }
    }

    let up = Upstream::new()?;
    let spotify = up.spotify(cfg);
    let answer = up
        .runtime
        .block_on(spotify.playlist(&source.id))
        .with_context(|| format!("cannot fetch {}", source.url()))?;
    let playlist: SpotifyPlaylist = serde_json::from_value(answer.clone())?;
    write_json_atomic(&artist.catalog.playlist_path(&source.id), &answer)?;

    let slug = match args.slug {
        Some(s) => s,
        None => crate::slug::unique_slug(&playlist.name, &format!("playlist-{}", source.id), |s| {
            links_dir.join(format!("{s}.toml")).exists()
        }),
    };
    let file = links_dir.join(format!("{slug}.toml"));
    let approved = args.approve || artist.config.auto_approve;
    let about = format!("Playlist: {}", playlist.name);
    if !create_file(&file, &link_file_text(&about, &slug, &source, approved))? {
        bail!("{} appeared meanwhile; nothing changed", file.display());
    }
    let url = SiteView::new(&content.site).url(&format!("{}/{slug}", artist.config.slug));
    if g.json {
        super::print_json(&json!({
            "artist": artist.config.slug,
            "slug": slug,
            "title": playlist.name,
            "file": file,
            "approved": approved,
            "url": url,
        }))?;
    } else if !g.quiet {
        println!(
            "Created {} for {:?} ({})",
            file.display(),
            playlist.name,
            if approved {
                "approved"
            } else {
                "waiting for approval"
            }
        );
        println!("Address: {url}");
    }
    Ok(ExitCode::SUCCESS)
}
