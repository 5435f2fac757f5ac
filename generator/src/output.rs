//! The one place that writes the built site.
//!
//! Pages are written into a staging directory beside the target, and only
//! when every page is written do they reach the site:
//!
//! - a full build ([`Output::replace`]) swaps the whole staged site into
//!   place with one atomic rename;
//! - an incremental build ([`Output::update`]) stages only the files that
//!   changed, writes a journal naming them, then renames each into the site
//!   and removes the files that went away. If that is interrupted, the next
//!   build finishes it from the journal before it starts.
//!
//! A build that fails, or is killed before its commit, leaves the previous
//! site exactly as it was.

use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::render::incremental::Stamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Replace,
    Update,
}

pub struct Output {
    staging: tempfile::TempDir,
    /// The staging directory, open: files are created relative to it, so
    /// each write looks up only its own few path components.
    #[cfg(unix)]
    staging_fd: rustix::fd::OwnedFd,
    /// Folders made in the staging directory, which starts empty: a page
    /// whose folder is here needs no `mkdir`, and one whose parent is here
    /// needs one.
    #[cfg(unix)]
    made: Mutex<std::collections::HashSet<String>>,
    target: PathBuf,
    mode: Mode,
    /// Files written and removed, for an update's journal.
    written: Mutex<Vec<String>>,
    removed: Mutex<Vec<String>>,
}

/// What an update commit does, written before it starts so an interrupted
/// commit can be finished.
#[derive(Serialize, Deserialize)]
struct Journal {
    staging: PathBuf,
    written: Vec<String>,
    removed: Vec<String>,
}

fn journal_path(target: &Path) -> PathBuf {
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    target.with_file_name(format!(".{name}.commit.json"))
}

fn staging_prefix(target: &Path) -> String {
    format!(
        ".{}.staging-",
        target.file_name().unwrap_or_default().to_string_lossy()
    )
}

impl Output {
    /// Starts a build whose result will replace `target` as a whole.
    pub fn replace(target: &Path) -> Result<Output> {
        Self::begin_with(target, Mode::Replace)
    }

    /// Starts a build that changes some files of the site at `target` and
    /// leaves the others as they are.
    pub fn update(target: &Path) -> Result<Output> {
        Self::begin_with(target, Mode::Update)
    }

    /// Like [`Output::replace`].
    pub fn begin(target: &Path) -> Result<Output> {
        Self::replace(target)
    }

    fn begin_with(target: &Path, mode: Mode) -> Result<Output> {
        let name = target
            .file_name()
            .with_context(|| format!("output directory {} has no name", target.display()))?;
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let target = parent.join(name);
        recover(&target)?;
        let staging = tempfile::Builder::new()
            .prefix(&staging_prefix(&target))
            .tempdir_in(&parent)
            .with_context(|| {
                format!("cannot create a staging directory in {}", parent.display())
            })?;
        #[cfg(unix)]
        let staging_fd = rustix::fs::open(
            staging.path(),
            rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC,
            rustix::fs::Mode::empty(),
        )
        .map_err(std::io::Error::from)
        .with_context(|| format!("cannot open {}", staging.path().display()))?;
        Ok(Output {
            staging,
            #[cfg(unix)]
            staging_fd,
            #[cfg(unix)]
            made: Mutex::default(),
            target,
            mode,
            written: Mutex::default(),
            removed: Mutex::default(),
        })
    }

    /// Where a page is staged; for tests and diagnostics.
    pub fn staging_dir(&self) -> &Path {
        self.staging.path()
    }

    /// Writes one file at `rel` (a `/`-separated path inside the site) and
    /// returns its stamp. A path that could leave the site (`..`,
    /// absolute) is refused.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<Stamp> {
        check(rel)?;
        let stamp = self
            .write_file(rel, bytes)
            .map_err(|e| self.io_error(e, "write", &self.staging.path().join(rel)))?;
        if self.mode == Mode::Update {
            self.written
                .lock()
                .expect("not poisoned")
                .push(rel.to_string());
        }
        Ok(stamp)
    }

    /// Creates the file at `rel` in the staging directory, and its folders,
    /// and returns its stamp, taken from the open file.
    #[cfg(unix)]
    fn write_file(&self, rel: &str, bytes: &[u8]) -> std::io::Result<Stamp> {
        use rustix::fs::{openat, Mode, OFlags};
        if let Some((dir, _)) = rel.rsplit_once('/') {
            self.make_dirs(dir)?;
        }
        let fd = openat(
            &self.staging_fd,
            rel,
            OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o666),
        )?;
        let mut file = std::fs::File::from(fd);
        std::io::Write::write_all(&mut file, bytes)?;
        Ok(Stamp::of(&file.metadata()?))
    }

    /// Makes the folder `dir` and its parents in the staging directory,
    /// each once.
    #[cfg(unix)]
    fn make_dirs(&self, dir: &str) -> std::io::Result<()> {
        let made = |d: &str| self.made.lock().expect("not poisoned").contains(d);
        if made(dir) {
            return Ok(());
        }
        if let Some((parent, _)) = dir.rsplit_once('/') {
            self.make_dirs(parent)?;
        }
        match rustix::fs::mkdirat(
            &self.staging_fd,
            dir,
            rustix::fs::Mode::from_raw_mode(0o777),
        ) {
            Ok(()) | Err(rustix::io::Errno::EXIST) => {}
            Err(e) => return Err(e.into()),
        }
        self.made
            .lock()
            .expect("not poisoned")
            .insert(dir.to_string());
        Ok(())
    }

    #[cfg(not(unix))]
    fn write_file(&self, rel: &str, bytes: &[u8]) -> std::io::Result<Stamp> {
        let path = self.staging.path().join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut file = std::fs::File::create(&path)?;
        std::io::Write::write_all(&mut file, bytes)?;
        Ok(Stamp::of(&file.metadata()?))
    }

    /// Like [`Output::write`], but an update leaves a file that already
    /// holds these bytes alone.
    pub fn write_if_changed(&self, rel: &str, bytes: &[u8]) -> Result<Stamp> {
        if let Some(current) = self.current(rel) {
            if let Ok(meta) = std::fs::metadata(&current) {
                if meta.len() == bytes.len() as u64
                    && std::fs::read(&current).is_ok_and(|b| b == bytes)
                {
                    return Ok(Stamp::of(&meta));
                }
            }
        }
        self.write(rel, bytes)
    }

    /// In an update, removes the site's file at `rel` when the build
    /// commits; a full build simply does not write it.
    pub fn remove(&self, rel: &str) -> Result<()> {
        check(rel)?;
        if self.mode == Mode::Update {
            self.removed
                .lock()
                .expect("not poisoned")
                .push(rel.to_string());
        }
        Ok(())
    }

    /// The site's current file at `rel`, when the build updates a site.
    pub fn current(&self, rel: &str) -> Option<PathBuf> {
        (self.mode == Mode::Update).then(|| self.target.join(rel))
    }

    /// An I/O error writing the site, saying what to do when the disk is full.
    fn io_error(&self, e: std::io::Error, verb: &str, path: &Path) -> anyhow::Error {
        let full = matches!(
            e.kind(),
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
        );
        if full {
            let place = self.target.parent().unwrap_or(Path::new("."));
            anyhow::anyhow!(
                "cannot {verb} {}: the disk is full ({e}); nothing was changed in {}. Free space on the disk holding {}, or build somewhere else with --out",
                path.display(),
                self.target.display(),
                place.display()
            )
        } else {
            anyhow::Error::new(e).context(format!("cannot {verb} {}", path.display()))
        }
    }

    /// Puts the staged files in place.
    pub fn commit(self) -> Result<()> {
        let staged = self.staging.keep();
        match self.mode {
            Mode::Update if self.target.is_dir() => {
                let journal = Journal {
                    staging: staged,
                    written: self.written.into_inner().expect("not poisoned"),
                    removed: self.removed.into_inner().expect("not poisoned"),
                };
                let path = journal_path(&self.target);
                crate::content::write::write_atomic(&path, &serde_json::to_vec(&journal)?)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                apply(&self.target, &journal)
            }
            Mode::Update => {
                let _ = std::fs::remove_dir_all(&staged);
                bail!(
                    "{} disappeared during the build; build again",
                    self.target.display()
                )
            }
            Mode::Replace if self.target.exists() => {
                exchange(&staged, &self.target).with_context(|| {
                    format!("cannot move the new site into {}", self.target.display())
                })?;
                // `staged` now holds the previous site.
                std::fs::remove_dir_all(&staged).with_context(|| {
                    format!("cannot remove the previous site at {}", staged.display())
                })
            }
            Mode::Replace => std::fs::rename(&staged, &self.target).with_context(|| {
                format!("cannot move the new site into {}", self.target.display())
            }),
        }
    }
}

/// Refuses a path that could leave the site (`..`, absolute, a backslash
/// or NUL).
fn check(rel: &str) -> Result<()> {
    let safe = !rel.is_empty()
        && Path::new(rel)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
        && !rel.contains('\\')
        && !rel.contains('\0');
    if !safe {
        bail!("refusing to write {rel:?}: it is not a plain path inside the site");
    }
    Ok(())
}

/// Carries out a journal: moves its staged files into the site, removes the
/// files that went away, then drops the journal and the staging directory.
/// Every step can be repeated, so an interrupted commit is finished by
/// running it again.
fn apply(target: &Path, journal: &Journal) -> Result<()> {
    for rel in &journal.written {
        let from = journal.staging.join(rel);
        let to = target.join(rel);
        if !from.exists() {
            continue; // moved before the interruption
        }
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::rename(&from, &to).with_context(|| format!("cannot update {}", to.display()))?;
    }
    for rel in &journal.removed {
        let path = target.join(rel);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot remove {}", path.display())),
        }
        // Empty folders left behind go too; a folder still holding files stays.
        let mut dir = path.parent();
        while let Some(d) = dir.filter(|d| *d != target) {
            if std::fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }
    let _ = std::fs::remove_dir_all(&journal.staging);
    let path = journal_path(target);
    std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))
}

/// Before a build starts: finishes a commit that was interrupted, and
/// removes staging directories that killed builds left behind.
fn recover(target: &Path) -> Result<()> {
    let path = journal_path(target);
    if let Ok(bytes) = std::fs::read(&path) {
        match serde_json::from_slice::<Journal>(&bytes) {
            Ok(journal) => apply(target, &journal).with_context(|| {
                format!("cannot finish the update recorded in {}", path.display())
            })?,
            // A journal is written whole or not at all; this one is not ours.
            Err(e) => bail!(
                "{} is not a build journal ({e}); move it away and build again",
                path.display()
            ),
        }
    }
    let parent = target.parent().unwrap_or(Path::new("."));
    let prefix = staging_prefix(target);
    if let Ok(entries) = std::fs::read_dir(parent) {
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    Ok(())
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
    fn folders_are_made_as_needed_and_a_file_in_the_way_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let out = Output::begin(&dir.path().join("public")).unwrap();
        out.write("a/b/c/index.html", b"deep").unwrap();
        out.write("a/b/index.html", b"in an existing folder")
            .unwrap();
        out.write("a/x/index.html", b"beside").unwrap();
        out.write("f", b"a file").unwrap();
        let err = format!("{:#}", out.write("f/index.html", b"x").unwrap_err());
        assert!(
            err.contains("cannot write") && err.contains("f/index.html"),
            "{err}"
        );
        let staged = out.staging_dir().to_path_buf();
        assert_eq!(
            std::fs::read(staged.join("a/b/c/index.html")).unwrap(),
            b"deep"
        );
        assert_eq!(
            std::fs::read(staged.join("a/x/index.html")).unwrap(),
            b"beside"
        );
        assert_eq!(std::fs::read(staged.join("f")).unwrap(), b"a file");
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

    #[test]
    fn an_update_changes_only_its_files_and_removes_the_ones_gone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        let first = Output::replace(&target).unwrap();
        for f in ["a/index.html", "b/index.html", "c/x/index.html"] {
            first.write(f, b"old").unwrap();
        }
        first.commit().unwrap();
        let update = Output::update(&target).unwrap();
        update.write("a/index.html", b"new").unwrap();
        update.remove("c/x/index.html").unwrap();
        update.commit().unwrap();
        assert_eq!(std::fs::read(target.join("a/index.html")).unwrap(), b"new");
        assert_eq!(std::fs::read(target.join("b/index.html")).unwrap(), b"old");
        assert!(!target.join("c").exists(), "empty folders go too");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(
            leftovers.len(),
            1,
            "no journal or staging directory is left"
        );
    }

    #[test]
    fn an_interrupted_update_is_finished_by_the_next_build() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        let first = Output::replace(&target).unwrap();
        first.write("a/index.html", b"old").unwrap();
        first.write("b/index.html", b"old").unwrap();
        first.commit().unwrap();

        // What a commit killed after its journal, after moving one file, leaves.
        let update = Output::update(&target).unwrap();
        update.write("a/index.html", b"new").unwrap();
        update.write("b/index.html", b"new").unwrap();
        let staging = update.staging.keep();
        let journal = Journal {
            staging: staging.clone(),
            written: vec!["a/index.html".into(), "b/index.html".into()],
            removed: vec![],
        };
        std::fs::write(journal_path(&target), serde_json::to_vec(&journal).unwrap()).unwrap();
        std::fs::rename(staging.join("a/index.html"), target.join("a/index.html")).unwrap();

        // The next build finishes it before starting.
        let next = Output::update(&target).unwrap();
        assert_eq!(std::fs::read(target.join("b/index.html")).unwrap(), b"new");
        assert!(!staging.exists());
        assert!(!journal_path(&target).exists());
        drop(next);
    }

    #[test]
    fn staging_directories_of_killed_builds_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        let killed = Output::replace(&target).unwrap();
        killed.write("a.html", b"x").unwrap();
        let left = killed.staging.keep();
        let other = dir.path().join(".public-2.staging-abc");
        std::fs::create_dir(&other).unwrap();
        let next = Output::replace(&target).unwrap();
        assert!(!left.exists());
        assert!(
            other.exists(),
            "another site's staging directory is not ours"
        );
        drop(next);
    }
}
