//! Renders a loaded content directory into a static site.

pub mod incremental;
pub mod jsonld;
pub mod markdown;
pub mod redirects;
pub mod sitemap;
pub mod view;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use rayon::prelude::*;
use serde::Serialize;

use crate::content::error::Seen;
use crate::content::{Artist, Content, Link};
use crate::output::Output;
use crate::progress::Progress;
use crate::theme::{tera_chain, Builtin, Theme};
use incremental::{ArtistRecord, Clock, FileState, LinkRecord, PageState, Record};
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

/// One rendered Smart Link page.
pub struct RenderedLink {
    pub html: Vec<u8>,
    pub summary: LinkSummary,
    /// Warnings about data left out, each naming the link file.
    pub warnings: Vec<String>,
    /// The Spotify ids of a release's tracks, which redirect to its page.
    pub tracks: Vec<String>,
    /// The pulled files the page was made from, as they were read.
    pub pulled: Vec<Option<Seen>>,
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
        Self::with_themes(content, builtin, HashMap::new())
    }

    /// Like [`Renderer::with_builtin_themes`], starting from themes already
    /// loaded; the content's other themes are loaded too.
    pub fn with_themes(
        content: &'a Content,
        builtin: Builtin,
        mut themes: HashMap<String, Theme>,
    ) -> Result<Self> {
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

    /// The page's HTML. Bytes, as they go to the file: Tera's `render`
    /// would check again that its own output is UTF-8.
    fn render<T: Serialize>(theme: &Theme, template: &str, page: &T) -> Result<Vec<u8>> {
        let ctx = tera::Context::from_serialize(page).map_err(|e| anyhow!(tera_chain(&e)))?;
        // Room for a typical page, so the buffer is not grown and copied.
        let mut html = Vec::with_capacity(32 * 1024);
        theme
            .tera
            .render_to(template, &ctx, &mut html)
            .map_err(|e| anyhow!(tera_chain(&e)))
            .with_context(|| format!("theme {:?}, template {template}", theme.name))?;
        Ok(html)
    }

    /// Renders one Smart Link page.
    pub fn render_link(
        &self,
        artist: &Artist,
        artist_view: &ArtistView,
        link: &Link,
    ) -> Result<RenderedLink> {
        let (data, pulled) = LinkData::read(artist, link)?;
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
        Ok(RenderedLink {
            html,
            summary: view.summary(),
            warnings,
            tracks,
            pulled,
        })
    }

    pub fn render_hub(
        &self,
        artist: &Artist,
        artist_view: &ArtistView,
        links: &[LinkSummary],
    ) -> Result<Vec<u8>> {
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

    fn render_404(&self) -> Result<Vec<u8>> {
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
    /// build are left as they are.
    pub fn build(&self, out: &Path, progress: &Progress) -> Result<BuildReport> {
        self.build_with(out, progress, false)
    }

    /// Like [`Renderer::build`]; `force` renders every page.
    pub fn build_with(&self, out: &Path, progress: &Progress, force: bool) -> Result<BuildReport> {
        let plan = Plan::new(&self.content.root, out, force, None)?;
        let (mut report, record) = self.build_planned(plan, progress)?;
        keep_record(&self.content.root, &record, &mut report.warnings);
        Ok(report)
    }

    /// Builds as `plan` says; the record is the caller's to keep
    /// ([`keep_record`]).
    fn build_planned(&self, plan: Plan, progress: &Progress) -> Result<(BuildReport, Record)> {
        let content = self.content;
        let root = &content.root;
        let output = if plan.previous.is_some() {
            Output::update(&plan.out)?
        } else {
            Output::replace(&plan.out)?
        };
        let empty = incremental::Record::empty(&plan.out_abs);
        let previous = plan.previous.as_ref().unwrap_or(&empty);
        let clock = plan.clock;
        let site_rel = "site.toml";
        let base = incremental::Base::open(root);
        let site_state = clock.state(&base, site_rel);
        let rendered = AtomicUsize::new(0);
        let listing_changed = std::sync::atomic::AtomicBool::new(false);

        // What each loaded artist is made of, as this build sees it. An
        // artist the last build did not record has every page rendered:
        // its pulled files are stamped as the pages read them, not twice.
        let mut artists: Vec<LoadedArtist> = content
            .artists
            .par_iter()
            .map(|a| {
                let inputs = incremental::ArtistInputs::of(root, a);
                let previous = previous.artists.get(&a.config.slug);
                let (profile, seen) = a.catalog.artist()?.unzip();
                let states = inputs.states(a, seen.as_ref(), &clock, &base, previous.is_some());
                Ok(LoadedArtist {
                    view: ArtistView::new(&self.site, a, profile.as_ref()),
                    previous,
                    inputs,
                    states,
                })
            })
            .collect::<Result<_, crate::content::ContentError>>()?;

        let jobs: Vec<(usize, usize)> = content
            .artists
            .iter()
            .enumerate()
            .flat_map(|(i, a)| {
                a.links
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| l.config.approved)
                    .map(move |(li, _)| (i, li))
            })
            .collect();

        // What every page of an artist is made from: the site, its theme
        // and the artist's shared files.
        let artist_input = |theme: &Theme, loaded: &LoadedArtist| {
            let mut input = incremental::Inputs::default()
                .file(site_rel, site_state.as_ref())
                .text(&theme.name)
                .text(&theme.fingerprint);
            for i in incremental::ArtistInputs::SHARED {
                input = input.file(&loaded.inputs.files[i], loaded.states[i].as_ref());
            }
            input
        };
        // A link page's input: that, and its own files, given as their states.
        let page_input =
            |theme: &Theme, loaded: &LoadedArtist, li: usize, own: &[Option<FileState>]| {
                let mut input = artist_input(theme, loaded);
                for (i, state) in loaded.inputs.link(li).zip(own) {
                    input = input.file(&loaded.inputs.files[i], state.as_ref());
                }
                input.finish()
            };

        let bar = progress.bar("Rendering", jobs.len() as u64);
        let results: Vec<Result<LinkDone>> = jobs
            .par_iter()
            .map(|&(ai, li)| {
                let artist = &content.artists[ai];
                let link = &artist.links[li];
                let loaded = &artists[ai];
                let theme = self.link_theme(artist, link);
                let slug = &link.config.slug;
                let page = format!("{}/{slug}/index.html", artist.config.slug);
                let own = &loaded.states[loaded.inputs.link(li)];
                let before = loaded
                    .previous
                    .and_then(|p| incremental::find(&p.pages, slug));
                // Only a recorded artist's pulled files were stamped
                // before reading; the others' come from the reads.
                let input = before.map(|_| page_input(theme, loaded, li, own));
                let unchanged = before
                    .filter(|p| Some(p.input) == input && in_place(&output, &page, p))
                    .and_then(|p| {
                        let listing = incremental::find(loaded.previous?.listing.get(), slug)?;
                        Some((p, listing))
                    });
                let (record, states) = if let Some((page, listing)) = unchanged {
                    let record = LinkRecord {
                        page: page.clone(),
                        listing: listing.clone(),
                    };
                    (record, None)
                } else {
                    let r = self.render_link(artist, &loaded.view, link)?;
                    rendered.fetch_add(1, Ordering::Relaxed);
                    let (input, states) = match input {
                        Some(input) => (input, None),
                        None => {
                            let mut own = own.to_vec();
                            for (state, seen) in own[1..].iter_mut().zip(&r.pulled) {
                                *state = seen.as_ref().map(|s| clock.seen(s));
                            }
                            (page_input(theme, loaded, li, &own), Some(own))
                        }
                    };
                    let page_state = put(&output, &page, &r.html, input, theme, before)?;
                    let record = LinkRecord {
                        page: page_state,
                        listing: incremental::Listing {
                            source_uri: link.source.uri(),
                            summary: r.summary,
                            warnings: r.warnings,
                            tracks: r.tracks.join(" "),
                        },
                    };
                    (record, states)
                };
                bar.inc(1);
                Ok(LinkDone {
                    artist: ai,
                    link: li,
                    record: Box::new(record),
                    states,
                })
            })
            .collect();
        bar.finish();

        let mut errors = Vec::new();
        let mut link_records: Vec<BTreeMap<String, Box<LinkRecord>>> =
            vec![BTreeMap::new(); content.artists.len()];
        for r in results {
            match r {
                Ok(done) => {
                    let (ai, li) = (done.artist, done.link);
                    if let Some(states) = done.states {
                        let loaded = &mut artists[ai];
                        let files = loaded.inputs.link(li);
                        loaded.states[files].clone_from_slice(&states);
                    }
                    let slug = content.artists[ai].links[li].config.slug.clone();
                    link_records[ai].insert(slug, done.record);
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

        // Hubs: a hub shows its artist and its links' summaries.
        let hubs: Vec<(String, ArtistRecord)> = content
            .artists
            .par_iter()
            .zip(artists.into_par_iter())
            .zip(link_records.into_par_iter())
            .map(|((artist, loaded), links)| {
                let slug = &artist.config.slug;
                let page = format!("{slug}/index.html");
                let theme = self.artist_theme(artist);
                let summaries = newest_first(links.values().map(|l| &l.listing.summary));
                let input = artist_input(theme, &loaded).json(&summaries)?.finish();
                let before = loaded.previous.map(|p| &p.hub);
                let hub = match before.filter(|p| p.input == input && in_place(&output, &page, p)) {
                    Some(prev) => prev.clone(),
                    None => {
                        let html = self.render_hub(artist, &loaded.view, &summaries)?;
                        rendered.fetch_add(1, Ordering::Relaxed);
                        put(&output, &page, &html, input, theme, before)?
                    }
                };
                // Links no longer published leave the site.
                if let Some(prev) = loaded.previous {
                    for gone in prev
                        .pages
                        .iter()
                        .map(|(s, _)| s)
                        .filter(|s| !links.contains_key(*s))
                    {
                        output.remove(&format!("{slug}/{gone}/index.html"))?;
                    }
                }
                let mut pages = Vec::with_capacity(links.len());
                let mut listing = Vec::with_capacity(links.len());
                let mut warnings = Vec::new();
                for (link_slug, link) in links {
                    let LinkRecord { page, listing: l } = *link;
                    warnings.extend(l.warnings.iter().cloned());
                    pages.push((link_slug.clone(), page));
                    listing.push((link_slug, l));
                }
                let listing = incremental::Packed::new(listing);
                if !loaded.previous.is_some_and(|p| p.listing.same_as(&listing)) {
                    listing_changed.store(true, Ordering::Relaxed);
                }
                let record = ArtistRecord {
                    files: loaded.inputs.files.into_iter().zip(loaded.states).collect(),
                    hub,
                    pages,
                    warnings,
                    listing,
                    unapproved: artist.links.iter().filter(|l| !l.config.approved).count(),
                };
                Ok((slug.clone(), record))
            })
            .collect::<Result<_>>()?;

        // Artists not loaded keep their record; those gone leave the site.
        let mut record = incremental::Record::empty(&plan.out_abs);
        record.site = site_state;
        record.artists = plan.unchanged;
        record.artists.extend(hubs);
        for (slug, prev) in &previous.artists {
            if !record.artists.contains_key(slug) {
                output.remove(&format!("{slug}/index.html"))?;
                for (link, _) in &prev.pages {
                    output.remove(&format!("{slug}/{link}/index.html"))?;
                }
            }
        }

        let site_theme = self.theme(&self.content.site.theme);
        let mut in_use: BTreeSet<String> = BTreeSet::from([site_theme.name.clone()]);
        for artist in record.artists.values() {
            in_use.insert(artist.hub.theme.clone());
            in_use.extend(artist.pages.iter().map(|(_, p)| p.theme.clone()));
        }
        record.themes = in_use
            .iter()
            .map(|n| (n.clone(), self.themes[n].fingerprint.clone()))
            .collect();
        record.published = clock.state(&base, crate::publish::RECORD);

        let mut warnings: Vec<String> = record
            .artists
            .values()
            .flat_map(|a| a.warnings.iter().cloned())
            .collect();
        // Sitemaps, manifests, redirects, 404 and assets are made from the
        // listing of every link; when it is as it was, so are they.
        let same = plan.previous.is_some()
            && !listing_changed.load(Ordering::Relaxed)
            && previous
                .artists
                .keys()
                .all(|s| record.artists.contains_key(s))
            && record.themes == previous.themes
            && record.published == previous.published
            && previous.globals.iter().all(|(rel, stamp)| {
                output
                    .current(rel)
                    .is_some_and(|p| incremental::Stamp::read(&p) == Some(*stamp))
            });
        if same {
            record.globals = previous.globals.clone();
            record.assets = previous.assets.clone();
            warnings.extend(previous.global_warnings.iter().cloned());
            record.global_warnings = previous.global_warnings.clone();
        } else {
            self.write_globals(&output, &mut record, previous, &in_use)?;
            warnings.extend(record.global_warnings.iter().cloned());
        }

        output.commit()?;
        let rendered = rendered.into_inner();
        let links: usize = record.artists.values().map(|a| a.pages.len()).sum();
        let pages = links + record.artists.len();
        let report = BuildReport {
            rendered,
            skipped: pages - rendered,
            out: plan.out.clone(),
            links,
            hubs: record.artists.len(),
            unapproved: record.artists.values().map(|a| a.unapproved).sum(),
            assets: record.assets.len(),
            warnings,
            elapsed: plan.started.elapsed(),
        };
        Ok((report, record))
    }

    /// Writes the files made from the listing of every link: 404,
    /// sitemaps, robots.txt, the links manifest, `_redirects` and the
    /// themes' assets. Records their stamps and warnings in `record`.
    fn write_globals(
        &self,
        output: &Output,
        record: &mut Record,
        previous: &Record,
        in_use: &BTreeSet<String>,
    ) -> Result<()> {
        // The redirect rules, and the sitemaps with the manifest, each read
        // every listing: they are made side by side.
        let (rules, listed) = rayon::join(
            || self.redirects(&record.artists),
            || -> Result<_> {
                let hubs: Vec<String> = record
                    .artists
                    .keys()
                    .map(|slug| self.site.url(slug))
                    .collect();
                let mut urls: Vec<&str> = Vec::new();
                let mut published_links = Vec::new();
                for ((slug, artist), hub) in record.artists.iter().zip(&hubs) {
                    urls.push(hub);
                    let listing = artist.listing.get();
                    let mut by_date: Vec<&LinkSummary> =
                        listing.iter().map(|(_, l)| &l.summary).collect();
                    by_date.sort_by(|a, b| newest_first_order(a, b));
                    urls.extend(by_date.into_iter().map(|s| s.url.as_str()));
                    published_links
                        .extend(listing.iter().map(|(l, _)| (slug.as_str(), l.as_str())));
                }
                // The edge worker refuses beacons for links not in this list.
                let manifest =
                    smartlinks_core::links::Manifest::new(published_links.iter().copied());
                Ok((
                    sitemap::sitemaps(&self.site.base_url, &urls),
                    serde_json::to_vec(&manifest).context("cannot serialize the links manifest")?,
                ))
            },
        );
        let (rules, (sitemaps, manifest)) = (rules?, listed?);

        let mut globals = Vec::new();
        let mut put = |rel: &str, bytes: &[u8]| -> Result<()> {
            globals.push((rel.to_string(), output.write_if_changed(rel, bytes)?));
            Ok(())
        };
        put("404.html", &self.render_404()?)?;
        for (name, xml) in sitemaps {
            put(&name, xml.as_bytes())?;
        }
        put(
            "robots.txt",
            sitemap::robots(&self.site.base_url).as_bytes(),
        )?;
        put(smartlinks_core::links::PATH, &manifest)?;
        record.global_warnings = rules.warning().into_iter().collect();
        put(redirects::FILE, rules.text().as_bytes())?;

        // The assets of every theme a page uses.
        let mut assets = BTreeSet::new();
        for name in in_use {
            let theme = self
                .themes
                .get(name)
                .with_context(|| format!("theme {name:?} is used but not loaded"))?;
            for (path, bytes) in &theme.asset_files {
                if assets.insert(path.clone()) {
                    put(path, bytes)?;
                }
            }
        }
        for gone in previous.assets.iter().filter(|a| !assets.contains(*a)) {
            output.remove(gone)?;
        }
        record.assets = assets.into_iter().collect();
        record.globals = globals;
        Ok(())
    }

    /// Renamed links' old addresses and shared track links.
    fn redirects(&self, artists: &BTreeMap<String, ArtistRecord>) -> Result<redirects::Redirects> {
        let rels: Vec<Vec<String>> = artists
            .iter()
            .map(|(slug, a)| a.pages.iter().map(|(l, _)| format!("{slug}/{l}")).collect())
            .collect();
        let mut current: BTreeMap<&str, &str> = BTreeMap::new();
        for (artist, rels) in artists.values().zip(&rels) {
            for ((_, link), rel) in artist.listing.get().iter().zip(rels) {
                current.insert(&link.source_uri, rel);
            }
        }
        let published = crate::publish::Published::load(&self.content.root)?;
        let tracks = artists.values().zip(&rels).flat_map(|(a, rels)| {
            a.listing
                .get()
                .iter()
                .zip(rels)
                .flat_map(|((_, link), rel)| {
                    link.tracks
                        .split_whitespace()
                        .map(move |t| (t, rel.as_str()))
                })
        });
        Ok(redirects::Redirects::new(
            &self.site,
            published.moved(&current),
            tracks,
        ))
    }
}

/// Whether the site's file at `rel` is still the page the last build wrote
/// (only when this build updates a site in place).
fn in_place(output: &Output, rel: &str, page: &PageState) -> bool {
    output
        .current(rel)
        .is_some_and(|p| incremental::Stamp::read(&p) == Some(page.stamp))
}

/// Writes a rendered page, unless the site already holds these bytes.
fn put(
    output: &Output,
    rel: &str,
    bytes: &[u8],
    input: u128,
    theme: &Theme,
    before: Option<&PageState>,
) -> Result<PageState> {
    let hash = incremental::output_hash(bytes);
    let stamp = match before.filter(|p| p.output == hash && in_place(output, rel, p)) {
        Some(prev) => prev.stamp,
        None => output.write(rel, bytes)?,
    };
    Ok(PageState {
        input,
        output: hash,
        stamp,
        theme: theme.name.clone(),
    })
}

/// One link page's part of a build.
struct LinkDone {
    artist: usize,
    link: usize,
    record: Box<LinkRecord>,
    /// The states of the link's files, when its page read its pulled files
    /// without stamping them first.
    states: Option<Vec<Option<FileState>>>,
}

/// A loaded artist as this build sees it.
struct LoadedArtist<'a> {
    view: ArtistView,
    previous: Option<&'a ArtistRecord>,
    inputs: incremental::ArtistInputs,
    /// The state of each of its inputs now.
    states: Vec<Option<FileState>>,
}

/// Hubs list the newest release first; undated links go last.
fn newest_first<'a>(links: impl Iterator<Item = &'a LinkSummary>) -> Vec<LinkSummary> {
    let mut links: Vec<LinkSummary> = links.cloned().collect();
    links.sort_by(newest_first_order);
    links
}

fn newest_first_order(a: &LinkSummary, b: &LinkSummary) -> std::cmp::Ordering {
    b.release_date
        .cmp(&a.release_date)
        .then_with(|| a.slug.cmp(&b.slug))
}

/// What a build starts from: the last build's record when it still
/// describes the site, and the artists that need not be loaded at all.
pub struct Plan {
    /// When the build started: before the record and content are read.
    started: Instant,
    out: PathBuf,
    out_abs: PathBuf,
    clock: Clock,
    previous: Option<Record>,
    /// Artists whose files, themes and pages are all as recorded.
    unchanged: BTreeMap<String, ArtistRecord>,
}

impl Plan {
    /// Every artist is loaded; only the record is checked: `given`, or
    /// else the one the last build saved.
    pub fn new(root: &Path, out: &Path, force: bool, given: Option<Record>) -> Result<Plan> {
        let started = Instant::now();
        let clock = Clock::now();
        let out_abs = std::path::absolute(out)
            .with_context(|| format!("cannot resolve {}", out.display()))?;
        let previous = (!force && out.is_dir())
            .then(|| match given {
                Some(r) => Some(r).filter(|r| r.out == out_abs),
                None => Record::load(root, &out_abs),
            })
            .flatten()
            .filter(|r| {
                r.site.as_ref().is_some_and(|s| {
                    clock.unchanged(&incremental::Base::open(root), "site.toml", Some(s))
                })
            });
        Ok(Plan {
            started,
            out: out.to_path_buf(),
            out_abs,
            clock,
            previous,
            unchanged: BTreeMap::new(),
        })
    }
}

/// Saves `record` for the next build; a failure is a warning, and the next
/// build renders every page.
///
/// A build killed between its commit and this save leaves the old record,
/// whose stamps no longer match the site: the next build renders those
/// pages again.
pub fn keep_record(root: &Path, record: &Record, warnings: &mut Vec<String>) {
    if let Err(e) = record.save(root) {
        warnings.push(format!("{e:#}; the next build renders every page"));
    }
}

/// Builds the content directory at `root` into `out`: loads only the
/// artists whose files, themes or pages changed since the last build, and
/// renders only their pages whose inputs changed. `force` loads and renders
/// everything.
pub fn build_site(
    root: &Path,
    out: &Path,
    builtin: Builtin,
    progress: &Progress,
    force: bool,
) -> Result<BuildReport> {
    let (mut report, record) = build_site_after(root, out, builtin, progress, force, None)?;
    keep_record(root, &record, &mut report.warnings);
    // A large catalog's record takes milliseconds to free; nothing waits
    // for that.
    std::thread::spawn(move || drop(record));
    Ok(report)
}

/// What a caller that watched the content since its last build into the
/// same site knows.
pub struct Since {
    /// That build's record.
    pub record: Record,
    /// The paths changed since, relative to the content directory
    /// (`/`-separated). A folder among them (created, removed or moved)
    /// counts as everything in it changed: a folder moved in, or filled
    /// before it was watched, holds files no event names.
    pub changed: BTreeSet<String>,
}

/// Like [`build_site`], but the record is returned, not saved
/// ([`keep_record`]). With `since`, only the artists with an input among
/// its changed files are checked; the others, and the pages in `out`, are
/// taken to be as the record says. Without it every file is checked.
pub fn build_site_after(
    root: &Path,
    out: &Path,
    builtin: Builtin,
    progress: &Progress,
    force: bool,
    since: Option<Since>,
) -> Result<(BuildReport, Record)> {
    let (given, changed) = match since {
        Some(s) => (Some(s.record), Some(s.changed)),
        None => (None, None),
    };
    // The folders holding a changed path: an input that is a folder (an
    // artist's links/) changed when a file in it did.
    let holding: BTreeSet<&str> = changed
        .iter()
        .flatten()
        .flat_map(|p| p.match_indices('/').map(|(i, _)| &p[..i]))
        .collect();
    let mut plan = Plan::new(root, out, force, given)?;
    let Some(previous) = plan.previous.as_ref() else {
        let content = Content::load(root)?;
        return Renderer::with_builtin_themes(&content, builtin)?.build_planned(plan, progress);
    };
    let clock = plan.clock;

    // The themes the last build used, as they are now.
    let mut themes: HashMap<String, Theme> = HashMap::new();
    for artist in previous.artists.values() {
        for name in
            std::iter::once(&artist.hub.theme).chain(artist.pages.iter().map(|(_, p)| &p.theme))
        {
            if !themes.contains_key(name) {
                if let Ok(t) = Theme::load_with(name, root, builtin) {
                    themes.insert(name.clone(), t);
                }
            }
        }
    }
    let theme_ok = |p: &incremental::PageState| {
        themes
            .get(&p.theme)
            .is_some_and(|t| previous.themes.get(&p.theme) == Some(&t.fingerprint))
    };
    let (base, out_base) = (
        incremental::Base::open(root),
        incremental::Base::open(&plan.out),
    );
    // A watched build trusts the site to hold what the last one wrote.
    let pages_as_written = |slug: &str, a: &ArtistRecord| {
        changed.is_some()
            || out_base.stamp(&format!("{slug}/index.html")) == Some(a.hub.stamp)
                && a.pages.iter().all(|(l, p)| {
                    out_base.stamp(&format!("{slug}/{l}/index.html")) == Some(p.stamp)
                })
    };
    let inputs_ok = |a: &ArtistRecord| match &changed {
        // Unchanged unless a changed path is the input, is in it, or holds it.
        Some(changed) => !a.files.iter().any(|(path, _)| {
            changed.contains(path)
                || holding.contains(path.as_str())
                || path
                    .match_indices('/')
                    .any(|(i, _)| changed.contains(&path[..i]))
        }),
        None => a
            .files
            .iter()
            .all(|(path, state)| clock.unchanged(&base, path, state.as_ref())),
    };

    // Artist files now; a links folder without an artist is an error the
    // full load reports.
    let artist_files: BTreeSet<String> = list_dir(&root.join("artists"))
        .into_iter()
        .filter(|n| n.ends_with(".toml"))
        .map(|n| format!("artists/{n}"))
        .collect();
    let orphan_links = list_dir(&root.join("links"))
        .into_iter()
        .any(|n| !artist_files.contains(&format!("artists/{n}.toml")));

    let unchanged: BTreeSet<String> = previous
        .artists
        .par_iter()
        .filter(|(slug, a)| {
            artist_files.contains(a.file())
                && theme_ok(&a.hub)
                && a.pages.iter().all(|(_, p)| theme_ok(p))
                && pages_as_written(slug, a)
                && inputs_ok(a)
        })
        .map(|(slug, _)| slug.clone())
        .collect();
    if orphan_links {
        let content = Content::load(root)?;
        return Renderer::with_builtin_themes(&content, builtin)?.build_planned(plan, progress);
    }

    let kept: BTreeSet<&str> = unchanged
        .iter()
        .map(|slug| previous.artists[slug].file())
        .collect();
    let to_load: Vec<PathBuf> = artist_files
        .iter()
        .filter(|f| !kept.contains(f.as_str()))
        .map(|f| root.join(f))
        .collect();
    let content = Content::load_artists(root, &to_load)?;
    // An artist file now naming another slug is loaded under that slug.
    let loaded: BTreeSet<&str> = content
        .artists
        .iter()
        .map(|a| a.config.slug.as_str())
        .collect();
    let unchanged: BTreeSet<String> = unchanged
        .into_iter()
        .filter(|slug| !loaded.contains(slug.as_str()))
        .collect();
    drop(kept);
    drop(loaded);
    if let Some(previous) = plan.previous.as_mut() {
        let (keep, rest) = std::mem::take(&mut previous.artists)
            .into_iter()
            .partition(|(slug, _)| unchanged.contains(slug));
        plan.unchanged = keep;
        previous.artists = rest;
    }
    Renderer::with_themes(&content, builtin, themes)?.build_planned(plan, progress)
}

/// The names of the entries of `dir`; none when it cannot be read.
fn list_dir(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sample content, copied where a test may change it.
    fn sample_site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
        for entry in walkdir::WalkDir::new(&sample) {
            let entry = entry.unwrap();
            let to = dir
                .path()
                .join("content")
                .join(entry.path().strip_prefix(&sample).unwrap());
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&to).unwrap();
            } else {
                std::fs::copy(entry.path(), &to).unwrap();
            }
        }
        dir
    }

    #[test]
    fn a_full_build_records_every_input_as_it_is() {
        let dir = sample_site();
        let (root, out) = (dir.path().join("content"), dir.path().join("public"));
        let (_, record) = build_site_after(
            &root,
            &out,
            Builtin::Embedded,
            &Progress::silent(),
            false,
            None,
        )
        .unwrap();
        // Stamps taken as files were read, for every input: the artist and
        // link files, the links folder, the profile and the pulled releases.
        let base = incremental::Base::open(&root);
        let mut releases = 0;
        for (slug, artist) in &record.artists {
            for (file, state) in &artist.files {
                let now = base.stamp(file);
                assert_eq!(state.map(|s| s.stamp), now, "{slug}: {file}");
                releases += usize::from(file.contains("/releases/"));
            }
        }
        assert_eq!(releases, 11);
    }
}
