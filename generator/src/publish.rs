//! What a publish needs besides the build: the record of the last publish
//! (`catalog/published.json`), the Workers Static Assets limits, and which
//! Smart Links are new or changed since then.
//!
//! The record sits in `catalog/` because it is machine-written and must
//! travel with the content (CI commits it back): it decides which links are
//! reported as changed and which retired addresses keep redirecting.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The record of the last publish, relative to the content directory.
pub const RECORD: &str = "catalog/published.json";

/// Workers Static Assets: largest file one deployment may hold.
pub const MAX_FILE_BYTES: u64 = 25 * 1024 * 1024;

/// Files at the site root that configure the assets and are not uploaded as assets.
const CONFIG_FILES: [&str; 3] = ["_headers", "_redirects", ".assetsignore"];

#[derive(Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Published {
    /// Fingerprint of every file of the published site.
    pub site: String,
    /// `ARTIST/SLUG` → what was published there.
    pub links: BTreeMap<String, PublishedLink>,
    /// `ARTIST/SLUG` addresses published once and gone since → their source
    /// URI, so a renamed link's old address keeps redirecting.
    #[serde(default)]
    pub retired: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PublishedLink {
    /// `spotify:album:…` or `spotify:playlist:…`.
    pub source: String,
    /// SHA-256 of the page's HTML.
    pub page: String,
}

impl Published {
    pub fn path(content_root: &Path) -> PathBuf {
        content_root.join(RECORD)
    }

    /// The last record; none yet is an empty one.
    pub fn load(content_root: &Path) -> Result<Published> {
        let path = Self::path(content_root);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| {
                format!(
                    "{} is not a publish record ({}); delete it to report every link as new",
                    path.display(),
                    "expected {\"site\", \"links\", \"retired\"}"
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Published::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// The record after publishing `now`: links gone since the last one are
    /// kept as retired addresses.
    pub fn next(&self, site: String, now: BTreeMap<String, PublishedLink>) -> Published {
        let mut retired = self.retired.clone();
        for (rel, old) in &self.links {
            if !now.contains_key(rel) {
                retired.insert(rel.clone(), old.source.clone());
            }
        }
        retired.retain(|rel, _| !now.contains_key(rel));
        Published {
            site,
            links: now,
            retired,
        }
    }

    /// Writes the record whole or not at all.
    pub fn save(&self, content_root: &Path) -> Result<()> {
        let path = Self::path(content_root);
        let dir = path.parent().expect("the record is in catalog/");
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)
            .with_context(|| format!("cannot write in {}", dir.display()))?;
        let mut json = serde_json::to_vec_pretty(self)?;
        json.push(b'\n');
        std::io::Write::write_all(&mut tmp, &json)
            .with_context(|| format!("cannot write {}", path.display()))?;
        tmp.persist(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    }

    /// Old addresses of links that moved: `(old ARTIST/SLUG, new ARTIST/SLUG)`.
    /// `current` maps each published source URI to its address now.
    pub fn moved(&self, current: &BTreeMap<&str, &str>) -> Vec<(String, String)> {
        let old = self
            .links
            .iter()
            .map(|(rel, l)| (rel, &l.source))
            .chain(self.retired.iter());
        let mut moved: Vec<(String, String)> = old
            .filter_map(|(rel, source)| {
                let now = *current.get(source.as_str())?;
                (now != rel).then(|| (rel.clone(), now.to_string()))
            })
            .collect();
        moved.sort();
        moved.dedup();
        moved
    }
}

/// What the built site holds, as Workers Static Assets count it.
#[derive(Debug, Serialize)]
pub struct SiteScan {
    /// Files uploaded as assets.
    pub files: usize,
    pub bytes: u64,
    /// Fingerprint of every file's path and bytes.
    #[serde(skip)]
    pub fingerprint: String,
    /// Files over [`MAX_FILE_BYTES`], with their sizes.
    pub oversize: Vec<(String, u64)>,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Reads the built site at `out`.
pub fn scan(out: &Path) -> Result<SiteScan> {
    let mut entries = Vec::new();
    for entry in walkdir::WalkDir::new(out).sort_by_file_name() {
        let entry = entry.with_context(|| format!("cannot read the site at {}", out.display()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(out)
            .expect("walkdir stays under its root")
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(entry.path())
            .with_context(|| format!("cannot read {}", entry.path().display()))?;
        entries.push((rel, bytes));
    }
    let mut hasher = Sha256::new();
    let mut scan = SiteScan {
        files: 0,
        bytes: 0,
        fingerprint: String::new(),
        oversize: Vec::new(),
    };
    for (rel, bytes) in &entries {
        hasher.update(rel.as_bytes());
        hasher.update([0]);
        hasher.update(Sha256::digest(bytes));
        if CONFIG_FILES.contains(&rel.as_str()) {
            continue;
        }
        scan.files += 1;
        scan.bytes += bytes.len() as u64;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            scan.oversize.push((rel.clone(), bytes.len() as u64));
        }
    }
    scan.fingerprint = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(scan)
}

impl SiteScan {
    /// Refuses a site Workers Static Assets would not take, saying what to do.
    pub fn check_limits(&self, out: &Path, max_files: usize) -> Result<()> {
        let mut problems = Vec::new();
        if self.files > max_files {
            problems.push(format!(
                "{} has {} files, more than the {max_files} one deployment may hold (Workers Static Assets: 20000 on the free plan, 100000 on a paid plan; set --max-files or SMARTLINKS_MAX_FILES to your plan's)",
                out.display(),
                self.files
            ));
        }
        for (rel, size) in &self.oversize {
            problems.push(format!(
                "{} is {:.1} MiB, over the 25 MiB a static asset may be",
                out.join(rel).display(),
                *size as f64 / 1024.0 / 1024.0
            ));
        }
        if !problems.is_empty() {
            anyhow::bail!(
                "the site exceeds the Workers Static Assets limits, nothing was deployed: {}",
                problems.join("; ")
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(source: &str) -> PublishedLink {
        PublishedLink {
            source: source.into(),
            page: "h".into(),
        }
    }

    #[test]
    fn renamed_links_keep_their_old_address_across_publishes() {
        let first = Published::default().next(
            "s1".into(),
            BTreeMap::from([("a/old".to_string(), link("spotify:album:X"))]),
        );
        let second = first.next(
            "s2".into(),
            BTreeMap::from([("a/new".to_string(), link("spotify:album:X"))]),
        );
        assert_eq!(second.retired["a/old"], "spotify:album:X");
        let third = second.next(
            "s3".into(),
            BTreeMap::from([("a/newer".to_string(), link("spotify:album:X"))]),
        );
        let current = BTreeMap::from([("spotify:album:X", "a/newer")]);
        assert_eq!(
            third.moved(&current),
            vec![
                ("a/new".to_string(), "a/newer".to_string()),
                ("a/old".to_string(), "a/newer".to_string())
            ]
        );
        // Renamed back: the address is live again, not retired.
        let back = third.next(
            "s4".into(),
            BTreeMap::from([("a/old".to_string(), link("spotify:album:X"))]),
        );
        assert!(!back.retired.contains_key("a/old"));
    }
}
