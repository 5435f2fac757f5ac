//! Themes: Tera templates, CSS and a `theme.toml`.
//!
//! The themes in the repository's `themes/` folder are built into the binary,
//! so `smartlinks` works from anywhere. A site can override any file of a
//! theme, or add a theme of its own, under `<content>/themes/<name>/`.
//! `themes/common/` holds partials and static files every theme shares.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use include_dir::{include_dir, Dir};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

static EMBEDDED: Dir = include_dir!("$CARGO_MANIFEST_DIR/../themes");

const COMMON: &str = "common";

/// `theme.toml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeManifest {
    pub name: String,
    pub description: String,
    /// The CSS `color-scheme` the theme supports: `light`, `dark` or `light dark`.
    #[serde(default = "default_scheme")]
    pub color_scheme: String,
}

fn default_scheme() -> String {
    "light dark".into()
}

/// A loaded theme, ready to render from many threads at once.
pub struct Theme {
    pub name: String,
    pub manifest: ThemeManifest,
    pub tera: tera::Tera,
    /// Logical static file name (`style.css`) → path under the site root
    /// with a content hash (`assets/style.3f9a0c1b2d.css`).
    pub assets: BTreeMap<String, String>,
    /// The hashed static files to write: (path under the site root, bytes).
    pub asset_files: Vec<(String, Vec<u8>)>,
    /// SHA-256 over every file of the theme (and the common files it uses):
    /// pages of an unchanged theme need no re-render.
    pub fingerprint: String,
}

/// Where the built-in themes come from: the copy inside the binary, or (for
/// `smartlinks serve` run from the repository, so theme edits show at once)
/// a `themes/` folder on disk.
#[derive(Debug, Clone, Copy, Default)]
pub enum Builtin<'a> {
    #[default]
    Embedded,
    Dir(&'a Path),
}

/// The files of one theme folder, built-in ones overlaid by the site's own.
fn theme_files(name: &str, builtin: Builtin, overrides: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    match builtin {
        Builtin::Embedded => {
            if let Some(dir) = EMBEDDED.get_dir(name) {
                collect_embedded(dir, dir.path(), &mut files);
            }
        }
        Builtin::Dir(root) => collect_on_disk(&root.join(name), &mut files),
    }
    collect_on_disk(&overrides.join(name), &mut files);
    files
}

fn collect_on_disk(dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    if !dir.is_dir() {
        return;
    }
    for entry in walkdir::WalkDir::new(dir).into_iter().flatten() {
        if entry.file_type().is_file() {
            if let (Ok(rel), Ok(bytes)) =
                (entry.path().strip_prefix(dir), std::fs::read(entry.path()))
            {
                out.insert(rel.to_string_lossy().replace('\\', "/"), bytes);
            }
        }
    }
}

fn collect_embedded(dir: &Dir, root: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    for file in dir.files() {
        let rel = file.path().strip_prefix(root).unwrap_or(file.path());
        out.insert(
            rel.to_string_lossy().replace('\\', "/"),
            file.contents().to_vec(),
        );
    }
    for sub in dir.dirs() {
        collect_embedded(sub, root, out);
    }
}

/// Names of every theme a site can use: built-in ones and the site's own.
pub fn available(overrides: &Path) -> Vec<String> {
    available_with(Builtin::Embedded, overrides)
}

fn available_with(builtin: Builtin, overrides: &Path) -> Vec<String> {
    let mut names: Vec<String> = match builtin {
        Builtin::Embedded => EMBEDDED
            .dirs()
            .filter(|d| d.get_file(d.path().join("theme.toml")).is_some())
            .filter_map(|d| {
                d.path()
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
            })
            .collect(),
        Builtin::Dir(root) => themes_in(root),
    };
    names.extend(themes_in(overrides));
    names.sort();
    names.dedup();
    names
}

/// Folders of `dir` that hold a `theme.toml`.
fn themes_in(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.path().join("theme.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// Where a site keeps its own themes and overrides.
pub fn overrides_dir(content_root: &Path) -> PathBuf {
    content_root.join("themes")
}

impl Theme {
    pub fn load(name: &str, content_root: &Path) -> Result<Theme> {
        Self::load_with(name, content_root, Builtin::Embedded)
    }

    /// Like [`Theme::load`], with the built-in themes taken from `builtin`.
    pub fn load_with(name: &str, content_root: &Path, builtin: Builtin) -> Result<Theme> {
        let overrides = overrides_dir(content_root);
        let names = available_with(builtin, &overrides);
        if name == COMMON || !names.iter().any(|n| n == name) {
            bail!(
                "unknown theme {name:?}; available themes: {}",
                names.join(", ")
            );
        }
        let common = theme_files(COMMON, builtin, &overrides);
        let own = theme_files(name, builtin, &overrides);
        let manifest_bytes = own.get("theme.toml").context("theme.toml missing")?;
        let manifest: ThemeManifest = toml::from_str(&String::from_utf8_lossy(manifest_bytes))
            .with_context(|| format!("theme {name:?}: theme.toml is not valid"))?;

        let mut tera = tera::Tera::default();
        tera.set_escape_fn(escape_html_to);
        let mut templates = Vec::new();
        for (prefix, files) in [("common/", &common), ("", &own)] {
            for (rel, bytes) in files.iter() {
                if let Some(t) = rel.strip_prefix("templates/") {
                    let text = String::from_utf8(bytes.clone())
                        .with_context(|| format!("theme {name:?}: {rel} is not UTF-8"))?;
                    templates.push((format!("{prefix}{t}"), text));
                }
            }
        }
        tera.add_raw_templates(templates)
            .map_err(|e| anyhow::anyhow!(tera_chain(&e)))
            .with_context(|| format!("theme {name:?} has a template error"))?;
        for required in ["link.html", "hub.html", "404.html"] {
            if !tera.contains_template(required) {
                bail!("theme {name:?} has no templates/{required}");
            }
        }

        let mut assets = BTreeMap::new();
        let mut asset_files = Vec::new();
        // A theme's own static file of the same name wins over the common one.
        let mut statics: BTreeMap<&str, &Vec<u8>> = BTreeMap::new();
        for files in [&common, &own] {
            for (rel, bytes) in files.iter() {
                if let Some(s) = rel.strip_prefix("static/") {
                    statics.insert(s, bytes);
                }
            }
        }
        for (logical, bytes) in statics {
            let hashed = format!("assets/{}", hashed_name(logical, bytes));
            assets.insert(logical.to_string(), hashed.clone());
            asset_files.push((hashed, bytes.clone()));
        }
        let mut hasher = Sha256::new();
        for (prefix, files) in [("common/", &common), ("own/", &own)] {
            for (rel, bytes) in files.iter() {
                hasher.update(prefix.as_bytes());
                hasher.update(rel.as_bytes());
                hasher.update([0]);
                hasher.update(Sha256::digest(bytes));
            }
        }
        let fingerprint = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Theme {
            name: name.to_string(),
            manifest,
            tera,
            assets,
            asset_files,
            fingerprint,
        })
    }
}

/// Escapes text for HTML text and quoted attribute values: `&<>"'`, and
/// control characters (errors in HTML), which become U+FFFD, unlike with
/// Tera's own escaper. `/` stays, which is safe inside quotes and keeps URLs
/// readable.
pub fn escape_html(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + input.len() / 8);
    escape_runs(input, |run| {
        out.push_str(run);
        Ok(())
    })
    .expect("pushing to a String cannot fail");
    out
}

/// [`escape_html`] into `out`: Tera's escape function.
pub fn escape_html_to(input: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    escape_runs(input, |run| out.write_all(run.as_bytes()))
}

/// Hands `emit` the escaped text in runs: plain stretches of `input` as they
/// are, each replaced byte as its entity. Every page escapes thousands of
/// values, and most have nothing to replace.
fn escape_runs(
    input: &str,
    mut emit: impl FnMut(&str) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut plain = 0;
    for (i, &b) in input.as_bytes().iter().enumerate() {
        if !ESCAPED[usize::from(b)] {
            continue;
        }
        if let Some(entity) = entity(b) {
            emit(&input[plain..i])?;
            emit(entity)?;
            plain = i + 1;
        }
    }
    emit(&input[plain..])
}

/// What [`escape_html`] writes for a byte, if it replaces it.
const fn entity(b: u8) -> Option<&'static str> {
    Some(match b {
        b'&' => "&amp;",
        b'<' => "&lt;",
        b'>' => "&gt;",
        b'"' => "&quot;",
        b'\'' => "&#39;",
        // Control characters other than whitespace are errors in HTML (a
        // parser turns NUL into U+FFFD anyway): write what it shows.
        0x00..=0x08 | 0x0B | 0x0E..=0x1F | 0x7F => "\u{FFFD}",
        _ => return None,
    })
}

/// The bytes [`escape_html`] replaces, for the scan.
const ESCAPED: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = entity(b as u8).is_some();
        b += 1;
    }
    t
};

/// `style.css` → `style.3f9a0c1b2d.css`.
fn hashed_name(logical: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hash: String = digest[..5].iter().map(|b| format!("{b:02x}")).collect();
    match logical.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem}.{hash}.{ext}"),
        _ => format!("{logical}.{hash}"),
    }
}

/// Tera hides the useful part of an error in its source chain.
pub fn tera_chain(e: &tera::Error) -> String {
    // Tera's report starts with its own "error: "; ours says that already.
    let report = e.to_string();
    let mut msg = report
        .strip_prefix("error: ")
        .unwrap_or(&report)
        .to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_both_quotes_and_keeps_other_text() {
        assert_eq!(
            escape_html("a<b>&\"c'/é東"),
            "a&lt;b&gt;&amp;&quot;c&#39;/é東"
        );
        assert_eq!(escape_html(""), "");
        assert_eq!(escape_html("plain"), "plain");
    }

    #[test]
    fn control_characters_become_replacement_characters_and_whitespace_stays() {
        assert_eq!(
            escape_html("a\u{0}b\u{7}c\u{1b}d\u{7f}e"),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}e"
        );
        assert_eq!(escape_html("tab\tlf\ncr\rff\u{c}"), "tab\tlf\ncr\rff\u{c}");
    }

    #[test]
    fn hashed_names_change_with_content() {
        assert_ne!(
            hashed_name("style.css", b"a"),
            hashed_name("style.css", b"b")
        );
        assert!(hashed_name("style.css", b"a").starts_with("style."));
        assert!(hashed_name("style.css", b"a").ends_with(".css"));
    }

    #[test]
    fn unknown_theme_names_the_available_ones() {
        let dir = tempfile::tempdir().unwrap();
        let err = Theme::load("nope", dir.path()).err().unwrap().to_string();
        assert!(err.contains("unknown theme \"nope\""), "{err}");
        assert!(err.contains("daylight"), "{err}");
    }
}
