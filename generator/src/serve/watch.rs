//! Rebuilds the preview when content or themes change.
//!
//! Only the folders people edit are watched (site.toml's folder, artists/,
//! links/, catalog/, themes/ and the built-in themes folder when read from
//! disk), never the output or the analytics database, so a build does not
//! trigger another.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use notify::event::{EventKind, ModifyKind};
use notify::{RecommendedWatcher, RecursiveMode, Watcher};

use super::{build, built_line, Config, State};

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

    /// Whether an event changed something a person edits. Reads (the build
    /// itself opens every file) and metadata-only changes (access times) do
    /// not count.
    fn relevant(&self, event: &notify::Event) -> bool {
        let changes = match event.kind {
            EventKind::Create(_) | EventKind::Remove(_) => true,
            EventKind::Modify(ModifyKind::Metadata(_)) => false,
            EventKind::Modify(_) => true,
            _ => false,
        };
        changes && event.paths.iter().any(|p| self.relevant_path(p))
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

pub(crate) fn spawn(config: Config, state: Arc<State>) -> Result<()> {
    let (tx, rx) = std::sync::mpsc::channel::<notify::Result<notify::Event>>();
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
    watched.arm(&config);
    std::thread::Builder::new()
        .name("watch".into())
        .spawn(move || {
            let mut builds = 0u64;
            while let Ok(result) = rx.recv() {
                match result {
                    Ok(event) if watched.relevant(&event) => {}
                    Ok(_) => continue,
                    Err(e) => {
                        crate::cmd::warn(&format!("watching the content failed: {e}"));
                        continue;
                    }
                }
                // Let the burst of events settle (within reason), then build
                // once for all of them.
                let deadline = std::time::Instant::now() + 10 * SETTLE;
                while std::time::Instant::now() < deadline && rx.recv_timeout(SETTLE).is_ok() {}
                match build(&config) {
                    Ok((report, published)) => {
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
                    }
                    Err(e) => eprintln!(
                        "smartlinks: error: rebuild failed, still serving the previous build: {e:#}"
                    ),
                }
                watched.arm(&config);
            }
        })
        .context("cannot start the watcher")?;
    Ok(())
}
