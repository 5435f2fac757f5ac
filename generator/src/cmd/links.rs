use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde::Serialize;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::cli::{GlobalArgs, LinksArgs};
use crate::content::{Artist, Content, Link, SpotifyKind};
use crate::render::view::SiteView;

#[derive(Debug, Serialize)]
pub struct LinkRow {
    pub artist: String,
    pub slug: String,
    /// `release` or `playlist`.
    pub kind: &'static str,
    /// From the catalog; `None` until a pull has stored the release.
    pub title: Option<String>,
    pub approved: bool,
    /// The published address; `None` until approved.
    pub url: Option<String>,
    pub source: String,
    pub file: PathBuf,
}

/// The title of a link as the catalog has it.
pub fn title(artist: &Artist, link: &Link) -> Option<String> {
    match link.source.kind {
        SpotifyKind::Playlist => artist
            .catalog
            .playlist(&link.source.id)
            .ok()
            .map(|(p, _)| p.name),
        _ => artist
            .catalog
            .release(&link.source.id)
            .ok()
            .map(|(r, _)| r.album.name),
    }
}

pub fn rows(content: &Content, only: Option<&str>) -> Vec<LinkRow> {
    let site = SiteView::new(&content.site);
    content
        .artists
        .iter()
        .filter(|a| only.is_none_or(|s| a.config.slug == s))
        .flat_map(|artist| {
            let site = &site;
            artist.links.iter().map(move |link| LinkRow {
                artist: artist.config.slug.clone(),
                slug: link.config.slug.clone(),
                kind: match link.source.kind {
                    SpotifyKind::Playlist => "playlist",
                    _ => "release",
                },
                title: title(artist, link),
                approved: link.config.approved,
                url: link
                    .config
                    .approved
                    .then(|| site.url(&format!("{}/{}", artist.config.slug, link.config.slug))),
                source: link.source.uri(),
                file: link.file.clone(),
            })
        })
        .collect()
}

/// A cell at most `max` columns wide on a terminal (CJK characters take two),
/// without control characters.
fn fit(text: &str, max: usize) -> String {
    let mut out = String::new();
    for c in text.chars().filter(|c| !c.is_control()) {
        if out.width() + c.width().unwrap_or(0) > max {
            out.pop();
            out.push('…');
            break;
        }
        out.push(c);
    }
    out
}

pub fn run(g: &GlobalArgs, args: LinksArgs) -> Result<ExitCode> {
    let content = Content::load(&g.content)?;
    if let Some(slug) = &args.artist {
        content
            .artist(slug)
            .with_context(|| format!("--artist {slug:?}: there is no artists/{slug}.toml"))?;
    }
    let rows = rows(&content, args.artist.as_deref());
    if g.json {
        super::print_json(&serde_json::json!({ "links": rows }))?;
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        if !g.quiet {
            println!("No Smart Links yet: connect an artist with `smartlinks artist add URL`, then `smartlinks pull`.");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let table: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                r.artist.clone(),
                r.slug.clone(),
                r.kind.to_string(),
                r.title.clone().unwrap_or_else(|| "(not pulled yet)".into()),
                if r.approved { "yes" } else { "no" }.to_string(),
                r.url.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let header = ["ARTIST", "LINK", "KIND", "TITLE", "APPROVED", "URL"].map(String::from);
    let table: Vec<[String; 6]> = std::iter::once(header)
        .chain(table)
        .map(|mut row| {
            row[3] = fit(&row[3], 40);
            row
        })
        .collect();
    let mut widths = [0usize; 6];
    for row in &table {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    for row in &table {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.width())))
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
    Ok(ExitCode::SUCCESS)
}
