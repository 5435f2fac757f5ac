//! Reads a content directory into memory. Only the hand-written files are
//! read here; catalog answers are read page by page while rendering, so
//! memory stays flat however large the catalog is.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::catalog::CatalogDir;
use super::config::{ArtistConfig, LinkConfig, SiteConfig};
use super::error::{parse_toml_str, read_to_string, read_to_string_seen, ContentError, Seen};
use super::SpotifyRef;

/// Everything hand-written in a content directory.
#[derive(Debug)]
pub struct Content {
    pub root: PathBuf,
    pub site: SiteConfig,
    pub artists: Vec<Artist>,
}

#[derive(Debug)]
pub struct Artist {
    pub file: PathBuf,
    /// The artist file as it was read.
    pub seen: Seen,
    pub config: ArtistConfig,
    pub catalog: CatalogDir,
    pub links: Vec<Link>,
}

#[derive(Debug, Clone)]
pub struct Link {
    pub file: PathBuf,
    /// The link file as it was read.
    pub seen: Seen,
    pub config: LinkConfig,
    pub source: SpotifyRef,
}

/// Every problem found in a content directory, so they can be fixed in one go.
#[derive(Debug)]
pub struct ContentErrors(pub Vec<ContentError>);

impl fmt::Display for ContentErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [one] => write!(f, "{one}"),
            many => {
                write!(f, "{} problems in the content files:", many.len())?;
                for e in many {
                    write!(f, "\n  {e}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ContentErrors {}

impl From<ContentError> for ContentErrors {
    fn from(e: ContentError) -> Self {
        ContentErrors(vec![e])
    }
}

impl Content {
    pub fn site_file(root: &Path) -> PathBuf {
        root.join("site.toml")
    }

    pub fn load(root: &Path) -> Result<Content, ContentErrors> {
        let site_path = Self::site_file(root);
        if !site_path.is_file() {
            return Err(ContentError::invalid(
                &site_path,
                format!(
                    "not found: {} is not a site; run `smartlinks init {}` to start one, or pass --content DIR",
                    root.display(),
                    root.display()
                ),
            )
            .into());
        }
        let artist_files = toml_files(&root.join("artists"))?;
        let (loaded, orphans) = rayon::join(
            || Self::load_artists(root, &artist_files),
            || orphan_links(root, &artist_files),
        );
        let mut errors = orphans?;
        match loaded {
            Ok(content) if errors.is_empty() => Ok(content),
            Ok(_) => Err(sorted(errors)),
            Err(ContentErrors(mut more)) => {
                errors.append(&mut more);
                Err(sorted(errors))
            }
        }
    }

    /// `site.toml` alone.
    pub fn load_site(root: &Path) -> Result<SiteConfig, ContentErrors> {
        let site_path = Self::site_file(root);
        Ok(parse_site(&site_path, &read_to_string(&site_path)?)?)
    }

    /// The site and only the given artist files (paths inside `root`), for
    /// a build that keeps the other artists' pages as they are.
    pub fn load_artists(root: &Path, files: &[PathBuf]) -> Result<Content, ContentErrors> {
        let site = Self::load_site(root)?;
        let mut errors = Vec::new();
        let mut artists = Vec::new();
        for result in files
            .par_iter()
            .map(|f| load_artist(root, f))
            .collect::<Vec<_>>()
        {
            match result {
                Ok(a) => artists.push(a),
                Err(mut e) => errors.append(&mut e),
            }
        }
        if !errors.is_empty() {
            return Err(sorted(errors));
        }
        artists.sort_by(|a, b| a.config.slug.cmp(&b.config.slug));
        Ok(Content {
            root: root.to_path_buf(),
            site,
            artists,
        })
    }

    pub fn artist(&self, slug: &str) -> Option<&Artist> {
        self.artists.iter().find(|a| a.config.slug == slug)
    }
}

/// A links folder without an artist file is a mistake worth naming: one
/// error for each, given the artist files there are.
fn orphan_links(root: &Path, artist_files: &[PathBuf]) -> Result<Vec<ContentError>, ContentError> {
    let links_root = root.join("links");
    if !links_root.is_dir() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(&links_root).map_err(|source| ContentError::Read {
        path: links_root.clone(),
        source,
    })?;
    let artists: std::collections::HashSet<&std::ffi::OsStr> =
        artist_files.iter().filter_map(|f| f.file_name()).collect();
    let mut errors = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        // From the listings already read, not a stat or two per artist: a
        // large catalog has thousands.
        let is_dir = match entry.file_type() {
            Ok(t) if t.is_symlink() => entry.path().is_dir(),
            Ok(t) => t.is_dir(),
            Err(_) => false,
        };
        if is_dir && !artists.contains(std::ffi::OsStr::new(&format!("{name}.toml"))) {
            errors.push(ContentError::invalid(
                &entry.path(),
                format!("links for artist {name:?}, but there is no artists/{name}.toml"),
            ));
        }
    }
    Ok(errors)
}

/// Every problem, in file order.
fn sorted(mut errors: Vec<ContentError>) -> ContentErrors {
    errors.sort_by(|a, b| a.path().cmp(b.path()));
    ContentErrors(errors)
}

fn load_artist(root: &Path, file: &Path) -> Result<Artist, Vec<ContentError>> {
    let (config, seen) = read_to_string_seen(file)
        .and_then(|(text, seen)| Ok((parse_artist(file, &text)?, seen)))
        .map_err(|e| vec![e])?;
    let links_dir = root.join("links").join(&config.slug);
    let link_files = toml_files(&links_dir).map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    let mut links = Vec::with_capacity(link_files.len());
    let mut by_source: HashMap<SpotifyRef, PathBuf> = HashMap::new();
    for result in link_files
        .par_iter()
        .map(|f| load_link(f))
        .collect::<Vec<_>>()
    {
        match result {
            Ok(link) => {
                if let Some(other) = by_source.insert(link.source.clone(), link.file.clone()) {
                    errors.push(ContentError::invalid(
                        &link.file,
                        format!("field `source` = {:?} is also the source of {}; one Smart Link per release", link.config.source, other.display()),
                    ));
                }
                links.push(link);
            }
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    links.sort_by(|a, b| a.config.slug.cmp(&b.config.slug));
    Ok(Artist {
        file: file.to_path_buf(),
        seen,
        catalog: CatalogDir::new(root, &config.slug),
        config,
        links,
    })
}

/// Parses and checks the text of `site.toml` (at `path`, which errors name).
pub fn parse_site(path: &Path, text: &str) -> Result<SiteConfig, ContentError> {
    let mut site: SiteConfig = parse_toml_str(path, text)?;
    site.validate(path)?;
    Ok(site)
}

/// Parses and checks the text of an artist file.
pub fn parse_artist(path: &Path, text: &str) -> Result<ArtistConfig, ContentError> {
    let config: ArtistConfig = parse_toml_str(path, text)?;
    config.validate(path)?;
    Ok(config)
}

/// Parses and checks the text of a link file; returns it and its source.
pub fn parse_link(path: &Path, text: &str) -> Result<(LinkConfig, SpotifyRef), ContentError> {
    let config: LinkConfig = parse_toml_str(path, text)?;
    let source = config.validate(path)?;
    Ok((config, source))
}

fn load_link(file: &Path) -> Result<Link, ContentError> {
    let (text, seen) = read_to_string_seen(file)?;
    let (config, source) = parse_link(file, &text)?;
    Ok(Link {
        file: file.to_path_buf(),
        seen,
        config,
        source,
    })
}

/// The `*.toml` files directly in `dir` (none if it does not exist), sorted.
/// Symbolic links are not followed, as nowhere else in the content.
fn toml_files(dir: &Path) -> Result<Vec<PathBuf>, ContentError> {
    let read_error = |source| ContentError::Read {
        path: dir.to_path_buf(),
        source,
    };
    // One listing and no stat per entry: a large catalog has thousands of
    // folders of links.
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(read_error(e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(read_error)?;
        let path = entry.path();
        if entry.file_type().map_err(read_error)?.is_file()
            && path.extension().is_some_and(|e| e == "toml")
        {
            files.push(path);
        }
    }
    // All in one folder: the names' bytes give the order `Path`'s
    // component-wise comparison would, for much less.
    files.sort_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
    Ok(files)
}
