//! Rebuilds the preview when content or themes change.
//!
//! Only the folders people edit are watched (site.toml's folder, artists/,
//! links/, catalog/, themes/ and the built-in themes folder when read from
//! disk), never the output or the analytics database, so a build does not
//! trigger another.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use notify::event::{EventKind, ModifyKind};
use notify::{RecommendedWatcher, RecursiveMode, Watcher as _};

use super::{build, built_line, Config, State};
use crate::render::incremental::Record;
use crate::render::{keep_record, Since};

/// Editors write a file in several steps; wait for the burst to end.
const SETTLE: Duration = Duration::from_millis(150);

const CONTENT_DIRS: [&str; 4] = ["artists", "links", "catalog", "themes"];

struct Watched {
    watcher: RecommendedWatcher,
    armed: HashSet<PathBuf>,
    roots: Vec<PathBuf>,
    /// The output folder.
    out: PathBuf,
    /// The database file; its `-wal` and `-shm` companions share the prefix.
    db: String,
}

fn absolute(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| std::path::absolute(p).unwrap_or(p.to_path_buf()))
}

impl Watched {
    /// Watches what exists now; folders created later (a first `themes/`)
    /// are picked up after the next rebuild.
    fn arm(&mut self, config: &Config) {
        let content = absolute(&config.content);
        let mut wanted = vec![(content.clone(), RecursiveMode::NonRecursive)];
        wanted.extend(
            CONTENT_DIRS
                .iter()
                .map(|d| (content.join(d), RecursiveMode::Recursive)),
        );
        if let Some(t) = &config.themes {
            wanted.push((absolute(t), RecursiveMode::Recursive));
        }
        for (dir, mode) in wanted {
            if dir.is_dir() && !self.armed.contains(&dir) && self.watcher.watch(&dir, mode).is_ok()
            {
                self.armed.insert(dir);
            }
        }
    }

    /// The paths an event changed that a person edits, relative to the
    /// content folder, added to `changes`. Reads (the build itself opens
    /// every file) and metadata-only changes (access times) do not count.
    fn collect(&self, event: &notify::Event, changes: &mut Changes) {
        if event.need_rescan() {
            // The kernel dropped events: anything may have changed.
            changes.lost();
        }
        let modifies = match event.kind {
            EventKind::Create(_) | EventKind::Remove(_) => true,
            EventKind::Modify(ModifyKind::Metadata(_)) => false,
            EventKind::Modify(_) => true,
            _ => false,
        };
        if !modifies {
            return;
        }
        for path in event.paths.iter().filter(|p| self.relevant_path(p)) {
            changes.any = true;
            // Themes are read whole by every build; only content paths
            // name what changed.
            let Ok(rel) = path.strip_prefix(&self.roots[0]) else {
                continue;
            };
            changes.paths.insert(
                rel.to_string_lossy()
                    .replace(std::path::MAIN_SEPARATOR, "/"),
            );
        }
    }

    fn relevant_path(&self, path: &Path) -> bool {
        if path.starts_with(&self.out) || path.to_string_lossy().starts_with(&self.db) {
            return false;
        }
        let Some(rel) = self.roots.iter().find_map(|r| path.strip_prefix(r).ok()) else {
            return false;
        };
        // A folder's own metadata changes when its children do; hidden files
        // and folders (.smartlinks/, staging folders, editor swap files) and
        // backups are not content.
        !rel.as_os_str().is_empty()
            && !rel.components().any(|c| {
                let name = c.as_os_str().to_string_lossy();
                name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp")
            })
    }
}

/// What changed since the last build.
#[derive(Default)]
struct Changes {
    /// Something a person edits changed.
    any: bool,
    /// Events were lost: every file is checked.
    unknown: bool,
    paths: BTreeSet<String>,
}

impl Changes {
    /// Some changes went unseen: rebuild, checking every file.
    fn lost(&mut self) {
        self.unknown = true;
        self.any = true;
    }
}

/// The content, watched from before the first build so no change is missed.
pub(crate) struct Watcher {
    watched: Watched,
    events: Receiver<notify::Result<notify::Event>>,
}

impl Watcher {
    pub(crate) fn start(config: &Config) -> Result<Watcher> {
        let (tx, events) = std::sync::mpsc::channel::<notify::Result<notify::Event>>();
        let watcher =
            notify::recommended_watcher(tx).context("cannot watch the content for changes")?;
        let mut roots = vec![absolute(&config.content)];
        roots.extend(config.themes.as_deref().map(absolute));
        let mut watched = Watched {
            watcher,
            armed: HashSet::new(),
            roots,
            out: absolute(&config.out),
            db: absolute(&config.db).to_string_lossy().into_owned(),
        };
        watched.arm(config);
        Ok(Watcher { watched, events })
    }

    /// Rebuilds after each burst of changes, from a thread of its own,
    /// starting from `record`, the first build's.
    pub(crate) fn spawn(self, config: Config, state: Arc<State>, record: Record) -> Result<()> {
        std::thread::Builder::new()
            .name("watch".into())
            .spawn(move || self.run(&config, &state, record))
            .context("cannot start the watcher")?;
        Ok(())
    }

    fn run(mut self, config: &Config, state: &State, record: Record) {
        let mut builds = 0u64;
        let mut changes = Changes::default();
        // The last build's record, being saved.
        let mut saving = Some(save(config, record));
        while let Ok(result) = self.events.recv() {
            self.take(result, &mut changes);
            if !changes.any {
                continue;
            }
            // Let the burst of events settle (within reason), then build
            // once for all of them.
            let deadline = Instant::now() + 10 * SETTLE;
            while Instant::now() < deadline {
                match self.events.recv_timeout(SETTLE) {
                    Ok(result) => self.take(result, &mut changes),
                    Err(_) => break,
                }
            }
            let seen = std::mem::take(&mut changes);
            // Without the last record (a build failed), or when events
            // were lost, every file is checked.
            let since = saving
                .take()
                .and_then(|h| h.join().ok())
                .filter(|_| !seen.unknown)
                .map(|record| Since {
                    record,
                    changed: seen.paths,
                });
            match build(config, since) {
                Ok((report, published, record)) => {
                    builds += 1;
                    *state.published.write().unwrap_or_else(|e| e.into_inner()) =
                        Arc::new(published);
                    for w in &report.warnings {
                        crate::cmd::warn(w);
                    }
                    if !config.quiet {
                        eprintln!("Rebuilt: {}", built_line(&report));
                    }
                    let _ = state.reload.send(builds);
                    saving = Some(save(config, record));
                }
                Err(e) => eprintln!(
                    "smartlinks: error: rebuild failed, still serving the previous build: {e:#}"
                ),
            }
            self.watched.arm(config);
        }
    }

    fn take(&self, result: notify::Result<notify::Event>, changes: &mut Changes) {
        match result {
            Ok(event) => self.watched.collect(&event, changes),
            Err(e) => {
                // Whatever the failure hid is found by checking every file,
                // now rather than at the next change that is seen.
                crate::cmd::warn(&format!("watching the content failed: {e}"));
                changes.lost();
            }
        }
    }
}

/// Saves a build's record while the site is already served, and hands it
/// to the next build.
fn save(config: &Config, record: Record) -> JoinHandle<Record> {
    let root = config.content.clone();
    std::thread::spawn(move || {
        let mut warnings = Vec::new();
        keep_record(&root, &record, &mut warnings);
        warnings.iter().for_each(|w| crate::cmd::warn(w));
        record
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Watches a content folder in `dir` that holds the site and the
    /// analytics database too, as `smartlinks serve` run in it would.
    fn watcher(dir: &Path) -> Watcher {
        let content = dir.join("content");
        std::fs::create_dir_all(content.join("links")).unwrap();
        std::fs::create_dir_all(content.join("public")).unwrap();
        Watcher::start(&Config {
            content: content.clone(),
            out: content.join("public"),
            db: content.join("analytics.db"),
            port: 0,
            themes: None,
            exit_after: None,
            json: false,
            quiet: true,
        })
        .unwrap()
    }

    #[test]
    fn a_failed_watch_starts_a_rebuild_that_checks_every_file() {
        let dir = tempfile::tempdir().unwrap();
        let w = watcher(dir.path());
        let mut changes = Changes::default();
        w.take(Err(notify::Error::generic("queue lost")), &mut changes);
        assert!(changes.any, "a rebuild is started");
        assert!(changes.unknown, "and checks every file");
    }

    #[test]
    fn only_edits_of_content_start_a_rebuild_and_name_what_changed() {
        let dir = tempfile::tempdir().unwrap();
        let w = watcher(dir.path());
        let content = w.watched.roots[0].clone();
        let event = |kind, path: PathBuf| Ok(notify::Event::new(kind).add_path(path));
        let mut changes = Changes::default();
        for quiet in [
            event(
                EventKind::Access(notify::event::AccessKind::Any),
                content.join("links/a/x.toml"),
            ),
            event(
                EventKind::Modify(ModifyKind::Metadata(notify::event::MetadataKind::Any)),
                content.join("links/a/x.toml"),
            ),
            event(
                EventKind::Modify(ModifyKind::Any),
                content.join(".smartlinks/build.bin"),
            ),
            event(
                EventKind::Modify(ModifyKind::Any),
                content.join("links/a/x.toml~"),
            ),
            event(
                EventKind::Create(notify::event::CreateKind::Any),
                content.join("public/a/index.html"),
            ),
            event(
                EventKind::Modify(ModifyKind::Any),
                content.join("analytics.db-wal"),
            ),
        ] {
            w.take(quiet, &mut changes);
        }
        assert!(!changes.any && changes.paths.is_empty());

        w.take(
            event(
                EventKind::Modify(ModifyKind::Any),
                content.join("links/a/x.toml"),
            ),
            &mut changes,
        );
        assert!(changes.any && !changes.unknown);
        assert_eq!(changes.paths.iter().collect::<Vec<_>>(), ["links/a/x.toml"]);
    }
}
