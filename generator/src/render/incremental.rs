//! What the last build rendered, so the next one re-renders only pages whose
//! inputs changed. Kept in `<content>/.smartlinks/build.json`.
//!
//! A page's inputs are the files it is made from (site.toml, the artist's
//! file and profile, the link's file and catalog data, for a hub its links'
//! summaries), its theme's files and the binary itself. An unchanged page
//! is copied from the previous site, and only if that file is still what
//! the last build wrote; otherwise it is rendered.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::view::LinkSummary;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct BuildManifest {
    /// The site these pages were written to.
    pub out: PathBuf,
    /// The binary that wrote them; another binary renders everything again.
    pub stamp: String,
    pub links: BTreeMap<String, LinkEntry>,
    pub hubs: BTreeMap<String, PageEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkEntry {
    pub input: String,
    pub output: String,
    pub summary: LinkSummary,
    pub warnings: Vec<String>,
    /// Spotify ids of a release's tracks, for `_redirects`.
    pub tracks: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PageEntry {
    pub input: String,
    pub output: String,
}

impl BuildManifest {
    pub fn path(content_root: &Path) -> PathBuf {
        content_root.join(".smartlinks").join("build.json")
    }

    /// A record of nothing: every page is rendered.
    pub fn empty(out: &Path) -> BuildManifest {
        BuildManifest {
            out: out.to_path_buf(),
            stamp: stamp(),
            ..Default::default()
        }
    }

    /// The last build's record for `out`; an empty one when there is none,
    /// it is unreadable, or it was written for another site or binary.
    pub fn load(content_root: &Path, out: &Path) -> BuildManifest {
        let fresh = Self::empty(out);
        let Ok(bytes) = std::fs::read(Self::path(content_root)) else {
            return fresh;
        };
        match serde_json::from_slice::<BuildManifest>(&bytes) {
            Ok(m) if m.out == fresh.out && m.stamp == fresh.stamp => m,
            _ => fresh,
        }
    }

    pub fn save(&self, content_root: &Path) -> anyhow::Result<()> {
        use anyhow::Context;
        let path = Self::path(content_root);
        let dir = path.parent().expect("in .smartlinks/");
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)
            .with_context(|| format!("cannot write in {}", dir.display()))?;
        std::io::Write::write_all(&mut tmp, &serde_json::to_vec(self)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
        tmp.persist(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    }
}

/// This binary: its version, and its size and time, so a rebuilt binary of
/// the same version is not trusted to render the same bytes.
fn stamp() -> String {
    let exe = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| {
            let modified = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{}:{modified}", m.len())
        })
        .unwrap_or_default();
    format!("{} {exe}", env!("CARGO_PKG_VERSION"))
}

/// Fingerprint of a page's inputs.
#[derive(Default)]
pub struct Inputs(Sha256);

impl Inputs {
    /// A file's bytes; a missing file counts as its own value.
    pub fn file(mut self, path: &Path) -> Self {
        self.0.update(path.to_string_lossy().as_bytes());
        match std::fs::read(path) {
            Ok(bytes) => {
                self.0.update([1]);
                self.0.update(Sha256::digest(&bytes));
            }
            Err(_) => self.0.update([0]),
        }
        self
    }

    pub fn text(mut self, s: &str) -> Self {
        self.0.update(s.len().to_le_bytes());
        self.0.update(s.as_bytes());
        self
    }

    pub fn finish(self) -> String {
        hex(&self.0.finalize())
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn output_hash(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The previous site's file at `rel`, if it is still what the last build wrote.
pub fn reuse(out: &Path, rel: &str, expected: &str) -> Option<Vec<u8>> {
    let bytes = std::fs::read(out.join(rel)).ok()?;
    (output_hash(&bytes) == expected).then_some(bytes)
}
