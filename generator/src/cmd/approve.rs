use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use serde::Serialize;

use crate::cli::{ApproveArgs, GlobalArgs};
use crate::content::edit::set_approved;
use crate::content::{Content, Link};
use crate::render::view::SiteView;

#[derive(Serialize)]
struct Approved {
    artist: String,
    slug: String,
    file: std::path::PathBuf,
    /// False when it was approved already.
    changed: bool,
    url: String,
}

pub fn run(g: &GlobalArgs, args: ApproveArgs) -> Result<ExitCode> {
    let content = Content::load(&g.content)?;
    // Every name is checked before any file changes.
    let mut targets: Vec<(&str, &Link)> = Vec::new();
    if args.all {
        let slug = args.artist.as_deref().expect("clap requires --artist");
        let artist = content
            .artist(slug)
            .with_context(|| format!("--artist {slug:?}: there is no artists/{slug}.toml"))?;
        targets.extend(artist.links.iter().map(|l| (slug, l)));
    } else {
        for name in &args.links {
            let Some((a, l)) = name.split_once('/') else {
                bail!("{name:?} is not ARTIST/SLUG, like nova-lane/zoe-a-paris");
            };
            let (artist, link) = super::named_link(&content, name, a, l)?;
            targets.push((&artist.config.slug, link));
        }
    }
    let site = SiteView::new(&content.site);
    let mut done = Vec::new();
    for (artist, link) in targets {
        let changed = set_approved(&link.file)?;
        done.push(Approved {
            artist: artist.to_string(),
            slug: link.config.slug.clone(),
            file: link.file.clone(),
            changed,
            url: site.url(&format!("{artist}/{}", link.config.slug)),
        });
    }
    if g.json {
        super::print_json(&serde_json::json!({ "approved": done }))?;
    } else if !g.quiet {
        for a in &done {
            println!(
                "{}/{}: {} ({})",
                a.artist,
                a.slug,
                if a.changed {
                    "approved"
                } else {
                    "already approved"
                },
                a.url
            );
        }
        if done.iter().any(|a| a.changed) {
            println!("Run `smartlinks build` to publish.");
        }
    }
    Ok(ExitCode::SUCCESS)
}
