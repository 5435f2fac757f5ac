//! The one place that writes the built site.
//!
//! Pages are written into a staging directory beside the target; only when
//! every page is written is it swapped into place. A build that fails, or is
//! killed, leaves the previous site exactly as it was.

use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context, Result};

pub struct Output {
    staging: tempfile::TempDir,
    target: PathBuf,
}

impl Output {
    /// Starts a build whose result will replace `target`.
    pub fn begin(target: &Path) -> Result<Output> {
        let name = target
            .file_name()
            .with_context(|| format!("output directory {} has no name", target.display()))?
            .to_string_lossy()
            .into_owned();
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let staging = tempfile::Builder::new()
            .prefix(&format!(".{name}.staging-"))
            .tempdir_in(&parent)
            .with_context(|| {
                format!("cannot create a staging directory in {}", parent.display())
            })?;
        Ok(Output {
            staging,
            target: target.to_path_buf(),
        })
    }

    /// Where a page is staged; for tests and diagnostics.
    pub fn staging_dir(&self) -> &Path {
        self.staging.path()
    }

    /// Writes one file at `rel` (a `/`-separated path inside the site).
    /// A path that could leave the site (`..`, absolute) is refused.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let path = self.resolve(rel)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
    }

    fn resolve(&self, rel: &str) -> Result<PathBuf> {
        let rel_path = Path::new(rel);
        let safe = !rel.is_empty()
            && rel_path
                .components()
                .all(|c| matches!(c, Component::Normal(_)))
            && !rel.contains('\\')
            && !rel.contains('\0');
        if !safe {
            bail!("refusing to write {rel:?}: it is not a plain path inside the site");
        }
        Ok(self.staging.path().join(rel_path))
    }

    /// Swaps the staged site into place.
    pub fn commit(self) -> Result<()> {
        let staged = self.staging.keep();
        if self.target.exists() {
            exchange(&staged, &self.target).with_context(|| {
                format!("cannot move the new site into {}", self.target.display())
            })?;
            // `staged` now holds the previous site.
            std::fs::remove_dir_all(&staged).with_context(|| {
                format!("cannot remove the previous site at {}", staged.display())
            })?;
        } else {
            std::fs::rename(&staged, &self.target).with_context(|| {
                format!("cannot move the new site into {}", self.target.display())
            })?;
        }
        Ok(())
    }
}

/// Atomically exchanges two directories where the OS can; otherwise moves the
/// old one aside first.
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
            Ok(()) => return Ok(()),
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
            Err(e) => return Err(e.into()),
        }
    }
    let aside = a.with_extension("previous");
    std::fs::rename(b, &aside)?;
    std::fs::rename(a, b)?;
    std::fs::rename(&aside, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_outside_the_site_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = Output::begin(&dir.path().join("public")).unwrap();
        for bad in ["../x", "/etc/passwd", "a/../../b", "", "a\\b"] {
            assert!(out.write(bad, b"x").is_err(), "{bad}");
        }
        out.write("a/b/index.html", b"ok").unwrap();
    }

    #[test]
    fn commit_replaces_the_old_site_and_a_dropped_build_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        let first = Output::begin(&target).unwrap();
        first.write("old.html", b"old").unwrap();
        first.commit().unwrap();

        let failed = Output::begin(&target).unwrap();
        failed.write("new.html", b"new").unwrap();
        drop(failed);
        assert!(target.join("old.html").exists());
        assert!(!target.join("new.html").exists());

        let second = Output::begin(&target).unwrap();
        second.write("new.html", b"new").unwrap();
        second.commit().unwrap();
        assert!(!target.join("old.html").exists());
        assert_eq!(std::fs::read(target.join("new.html")).unwrap(), b"new");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "staging directories are cleaned up");
    }
}
