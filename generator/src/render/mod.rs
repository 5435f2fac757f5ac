//! Renders a loaded content directory into a static site.

pub mod incremental;
pub mod jsonld;
pub mod markdown;
pub mod redirects;
pub mod sitemap;
pub mod view;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use rayon::prelude::*;
use serde::Serialize;

use crate::content::{Artist, Content, Link};
use crate::output::Output;
use crate::progress::Progress;
use crate::theme::{tera_chain, Builtin, Theme};
use view::{link_view, ArtistView, LinkData, LinkSummary, PixelsView, SiteView};

/// What a build did.
#[derive(Debug, Serialize)]
pub struct BuildReport {
    pub out: PathBuf,
    pub links: usize,
    pub hubs: usize,
    pub unapproved: usize,
    pub assets: usize,
    /// Link pages and hubs rendered; the others were unchanged and copied.
    pub rendered: usize,
    pub skipped: usize,
    pub warnings: Vec<String>,
    #[serde(serialize_with = "as_secs")]
    pub elapsed: Duration,
}

fn as_secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// Everything shared by the pages of one build.
pub struct Renderer<'a> {
    pub content: &'a Content,
    pub site: SiteView,
    themes: HashMap<String, Theme>,
}

#[derive(Serialize)]
struct ThemeCtx<'a> {
    name: &'a str,
    color_scheme: &'a str,
}

#[derive(Serialize)]
struct LinkPage<'a> {
    site: &'a SiteView,
    artist: &'a ArtistView,
    link: &'a view::LinkView,
    theme: ThemeCtx<'a>,
    assets: &'a std::collections::BTreeMap<String, String>,
    jsonld: String,
    pixels: Option<PixelsView>,
}

#[derive(Serialize)]
struct HubPage<'a> {
    site: &'a SiteView,
    artist: &'a ArtistView,
    links: &'a [LinkSummary],
    theme: ThemeCtx<'a>,
    assets: &'a std::collections::BTreeMap<String, String>,
    jsonld: String,
    pixels: Option<PixelsView>,
}

#[derive(Serialize)]
struct PlainPage<'a> {
    site: &'a SiteView,
    theme: ThemeCtx<'a>,
    assets: &'a std::collections::BTreeMap<String, String>,
}

impl<'a> Renderer<'a> {
    /// Loads every theme the content uses; an unknown theme name is an error
    /// naming the file that asks for it.
    pub fn new(content: &'a Content) -> Result<Self> {
        Self::with_builtin_themes(content, Builtin::Embedded)
    }

    /// Like [`Renderer::new`], with the built-in themes taken from `builtin`.
    pub fn with_builtin_themes(content: &'a Content, builtin: Builtin) -> Result<Self> {
        let mut wanted: Vec<(String, PathBuf)> = vec![(
            content.site.theme.clone(),
            Content::site_file(&content.root),
        )];
        for artist in &content.artists {
            if let Some(t) = &artist.config.theme {
                wanted.push((t.clone(), artist.file.clone()));
            }
            for link in artist.links.iter().filter(|l| l.config.approved) {
                if let Some(t) = &link.config.theme {
                    wanted.push((t.clone(), link.file.clone()));
                }
            }
        }
        let mut themes = HashMap::new();
        for (name, file) in wanted {
            if themes.contains_key(&name) {
                continue;
            }
            let theme = Theme::load_with(&name, &content.root, builtin)
                .with_context(|| format!("{}: field `theme`", file.display()))?;
            themes.insert(name, theme);
        }
        Ok(Renderer {
            content,
            site: SiteView::new(&content.site),
            themes,
        })
    }

    fn theme(&self, name: &str) -> &Theme {
        &self.themes[name]
    }

    fn artist_theme(&self, artist: &Artist) -> &Theme {
        self.theme(
            artist
                .config
                .theme
                .as_deref()
                .unwrap_or(&self.content.site.theme),
        )
    }

    fn link_theme(&self, artist: &Artist, link: &Link) -> &Theme {
        match &link.config.theme {
            Some(t) => self.theme(t),
            None => self.artist_theme(artist),
        }
    }

    fn render<T: Serialize>(theme: &Theme, template: &str, page: &T) -> Result<String> {
        let ctx = tera::Context::from_serialize(page).map_err(|e| anyhow!(tera_chain(&e)))?;
        theme
            .tera
            .render(template, &ctx)
            .map_err(|e| anyhow!(tera_chain(&e)))
            .with_context(|| format!("theme {:?}, template {template}", theme.name))
    }

    /// Renders one Smart Link page: returns its HTML, summary and warnings.
    pub fn render_link(
        &self,
        artist: &Artist,
        artist_view: &ArtistView,
        link: &Link,
    ) -> Result<(String, LinkSummary, Vec<String>)> {
        let (html, summary, warnings, _) = self.render_link_tracks(artist, artist_view, link)?;
        Ok((html, summary, warnings))
    }

    /// [`Renderer::render_link`], plus the Spotify ids of a release's
    /// tracks, which redirect to its page.
    fn render_link_tracks(
        &self,
        artist: &Artist,
        artist_view: &ArtistView,
        link: &Link,
    ) -> Result<(String, LinkSummary, Vec<String>, Vec<String>)> {
        let data = LinkData::load(artist, link)?;
        let tracks = match &data {
            LinkData::Release { album, .. } => album
                .tracks
                .items
                .iter()
                .filter_map(|t| t.id.clone())
                .collect(),
            LinkData::Playlist { .. } => Vec::new(),
        };
        let (view, warnings) = link_view(&self.site, artist, link, &data);
        let theme = self.link_theme(artist, link);
        let page = LinkPage {
            site: &self.site,
            artist: artist_view,
            link: &view,
            theme: ThemeCtx {
                name: &theme.name,
                color_scheme: &theme.manifest.color_scheme,
            },
            assets: &theme.assets,
            jsonld: jsonld::to_script_json(&jsonld::link(&view, artist_view)),
            pixels: PixelsView::new(&artist.config.pixels.overridden_by(&link.config.pixels)),
        };
        let html = Self::render(theme, "link.html", &page)
            .with_context(|| link.file.display().to_string())?;
        let warnings = warnings
            .into_iter()
            .map(|w| format!("{}: {w}", link.file.display()))
            .collect();
        Ok((html, view.summary(), warnings, tracks))
    }

    pub fn render_hub(
        &self,
        artist: &Artist,
        artist_view: &ArtistView,
        links: &[LinkSummary],
    ) -> Result<String> {
        let theme = self.artist_theme(artist);
        let page = HubPage {
            site: &self.site,
            artist: artist_view,
            links,
            theme: ThemeCtx {
                name: &theme.name,
                color_scheme: &theme.manifest.color_scheme,
            },
            assets: &theme.assets,
            jsonld: jsonld::to_script_json(&jsonld::hub(artist_view, links)),
            pixels: PixelsView::new(&artist.config.pixels),
        };
        Self::render(theme, "hub.html", &page).with_context(|| artist.file.display().to_string())
    }

    fn render_404(&self) -> Result<String> {
        let theme = self.theme(&self.content.site.theme);
        let page = PlainPage {
            site: &self.site,
            theme: ThemeCtx {
                name: &theme.name,
                color_scheme: &theme.manifest.color_scheme,
            },
            assets: &theme.assets,
        };
        Self::render(theme, "404.html", &page)
    }

    /// Builds the whole site into `out`, replacing what was there only if
    /// every page rendered. Pages whose inputs did not change since the last
    /// build are copied from it.
    pub fn build(&self, out: &Path, progress: &Progress) -> Result<BuildReport> {
        self.build_with(out, progress, false)
    }

    /// What goes into a link page besides the binary.
    fn link_inputs(&self, artist: &Artist, link: &Link) -> String {
        let mut inputs = incremental::Inputs::default()
            .file(&Content::site_file(&self.content.root))
            .file(&artist.file)
            .file(&artist.catalog.artist_path())
            .file(&link.file)
            .text(&self.link_theme(artist, link).fingerprint);
        inputs = match link.source.kind {
            crate::content::SpotifyKind::Playlist => {
                inputs.file(&artist.catalog.playlist_path(&link.source.id))
            }
            _ => inputs
                .file(&artist.catalog.album_path(&link.source.id))
                .file(&artist.catalog.odesli_path(&link.source.id)),
        };
        inputs.finish()
    }

    /// Like [`Renderer::build`]; `force` renders every page.
    pub fn build_with(&self, out: &Path, progress: &Progress, force: bool) -> Result<BuildReport> {
        let start = Instant::now();
        let output = Output::begin(out)?;
        let content = self.content;
        let out_abs = std::path::absolute(out)
            .with_context(|| format!("cannot resolve {}", out.display()))?;
        let previous = if force {
            incremental::BuildManifest::empty(&out_abs)
        } else {
            incremental::BuildManifest::load(&content.root, &out_abs)
        };
        let mut next = incremental::BuildManifest {
            out: out_abs,
            stamp: previous.stamp.clone(),
            ..Default::default()
        };
        let rendered = std::sync::atomic::AtomicUsize::new(0);

        let artist_views: Vec<ArtistView> = content
            .artists
            .iter()
            .map(|a| Ok(ArtistView::new(&self.site, a, a.catalog.artist()?.as_ref())))
            .collect::<Result<_, crate::content::ContentError>>()?;

        let jobs: Vec<(usize, &Link)> = content
            .artists
            .iter()
            .enumerate()
            .flat_map(|(i, a)| {
                a.links
                    .iter()
                    .filter(|l| l.config.approved)
                    .map(move |l| (i, l))
            })
            .collect();
        let unapproved = content
            .artists
            .iter()
            .flat_map(|a| &a.links)
            .filter(|l| !l.config.approved)
            .count();

        let bar = progress.bar("Rendering", jobs.len() as u64);
        type Rendered = (usize, incremental::LinkEntry);
        let results: Vec<Result<Rendered>> = jobs
            .par_iter()
            .map(|&(ai, link)| {
                let artist = &content.artists[ai];
                let rel = format!("{}/{}", artist.config.slug, link.config.slug);
                let page = format!("{rel}/index.html");
                let input = self.link_inputs(artist, link);
                if let Some(prev) = previous.links.get(&rel).filter(|e| e.input == input) {
                    if let Some(bytes) = incremental::reuse(out, &page, &prev.output) {
                        output.write(&page, &bytes)?;
                        bar.inc(1);
                        return Ok((ai, prev.clone()));
                    }
                }
                let (html, summary, warnings, tracks) =
                    self.render_link_tracks(artist, &artist_views[ai], link)?;
                output.write(&page, html.as_bytes())?;
                rendered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                bar.inc(1);
                Ok((
                    ai,
                    incremental::LinkEntry {
                        input,
                        output: incremental::output_hash(html.as_bytes()),
                        summary,
                        warnings,
                        tracks,
                    },
                ))
            })
            .collect();
        bar.finish();

        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        let mut per_artist: Vec<Vec<LinkSummary>> = vec![Vec::new(); content.artists.len()];
        let mut track_targets: Vec<(String, String)> = Vec::new();
        for r in results {
            match r {
                Ok((ai, entry)) => {
                    let rel = format!("{}/{}", content.artists[ai].config.slug, entry.summary.slug);
                    track_targets.extend(entry.tracks.iter().map(|t| (t.clone(), rel.clone())));
                    per_artist[ai].push(entry.summary.clone());
                    warnings.extend(entry.warnings.iter().cloned());
                    next.links.insert(rel, entry);
                }
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            let n = errors.len();
            let list: Vec<String> = errors.iter().map(|e| format!("{e:#}")).collect();
            return Err(anyhow!(
                "{n} page{} failed, the previous site is unchanged:\n  {}",
                if n == 1 { "" } else { "s" },
                list.join("\n  ")
            ));
        }

        // Hubs list the newest release first; undated links go last.
        for links in &mut per_artist {
            links.sort_by(|a, b| {
                b.release_date
                    .cmp(&a.release_date)
                    .then_with(|| a.slug.cmp(&b.slug))
            });
        }
        content
            .artists
            .par_iter()
            .zip(artist_views.par_iter())
            .zip(per_artist.par_iter())
            .map(|((artist, view), links)| {
                let slug = &artist.config.slug;
                let page = format!("{slug}/index.html");
                // A hub shows its links' summaries; its links' own files are
                // counted too, so editing a link re-renders its hub.
                let input = artist
                    .links
                    .iter()
                    .filter(|l| l.config.approved)
                    .fold(incremental::Inputs::default(), |i, l| i.file(&l.file))
                    .file(&Content::site_file(&content.root))
                    .file(&artist.file)
                    .file(&artist.catalog.artist_path())
                    .text(&self.artist_theme(artist).fingerprint)
                    .text(&serde_json::to_string(links)?)
                    .finish();
                if let Some(prev) = previous.hubs.get(slug).filter(|e| e.input == input) {
                    if let Some(bytes) = incremental::reuse(out, &page, &prev.output) {
                        output.write(&page, &bytes)?;
                        return Ok((slug.clone(), prev.clone()));
                    }
                }
                let html = self.render_hub(artist, view, links)?;
                output.write(&page, html.as_bytes())?;
                rendered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Ok((
                    slug.clone(),
                    incremental::PageEntry {
                        input,
                        output: incremental::output_hash(html.as_bytes()),
                    },
                ))
            })
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .for_each(|(slug, entry)| {
                next.hubs.insert(slug, entry);
            });

        output.write("404.html", self.render_404()?.as_bytes())?;
        let mut urls = Vec::new();
        for (view, links) in artist_views.iter().zip(&per_artist) {
            urls.push(view.url.clone());
            urls.extend(links.iter().map(|l| l.url.clone()));
        }
        for (name, xml) in sitemap::sitemaps(&self.site.base_url, &urls) {
            output.write(&name, xml.as_bytes())?;
        }
        output.write(
            "robots.txt",
            sitemap::robots(&self.site.base_url).as_bytes(),
        )?;
        // The edge worker refuses beacons for links not in this list.
        let manifest = smartlinks_core::links::Manifest::new(jobs.iter().map(|&(ai, l)| {
            (
                content.artists[ai].config.slug.as_str(),
                l.config.slug.as_str(),
            )
        }));
        output.write(
            smartlinks_core::links::PATH,
            &serde_json::to_vec(&manifest).context("cannot serialize the links manifest")?,
        )?;

        // Renamed links' old addresses and shared track links.
        let current: std::collections::BTreeMap<String, String> = jobs
            .iter()
            .map(|&(ai, l)| {
                (
                    l.source.uri(),
                    format!("{}/{}", content.artists[ai].config.slug, l.config.slug),
                )
            })
            .collect();
        let published = crate::publish::Published::load(&content.root)?;
        let rules = redirects::Redirects::new(&self.site, published.moved(&current), track_targets);
        warnings.extend(rules.warning());
        output.write(redirects::FILE, rules.text().as_bytes())?;

        let mut written = BTreeSet::new();
        for theme in self.themes.values() {
            for (path, bytes) in &theme.asset_files {
                if written.insert(path.clone()) {
                    output.write(path, bytes)?;
                }
            }
        }

        output.commit()?;
        // Without the record the next build renders everything: slower, never wrong.
        if let Err(e) = next.save(&content.root) {
            warnings.push(format!("{e:#}; the next build renders every page"));
        }
        let rendered = rendered.into_inner();
        let pages = jobs.len() + content.artists.len();
        Ok(BuildReport {
            rendered,
            skipped: pages - rendered,
            out: out.to_path_buf(),
            links: jobs.len(),
            hubs: content.artists.len(),
            unapproved,
            assets: written.len(),
            warnings,
            elapsed: start.elapsed(),
        })
    }
}
