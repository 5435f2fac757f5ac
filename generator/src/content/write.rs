//! Writes content files so that a reader never sees half a file: the bytes go
//! to a temporary file beside the target, are flushed to disk, and the file
//! is renamed over the target. A crash or Ctrl-C leaves either the old file
//! or the new one.

use std::io::Write;
use std::path::Path;

use super::error::ContentError;

/// Replaces `path` with `bytes` atomically, creating parent folders.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ContentError> {
    let fail = |source: std::io::Error| ContentError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // A dot name without the final extension, so content loaders skip it.
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    // A replaced file keeps its permissions (hand-written files may be shared).
    if let Ok(meta) = std::fs::metadata(path) {
        std::fs::set_permissions(tmp.path(), meta.permissions()).map_err(fail)?;
    }
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

/// Writes `value` as pretty JSON, atomically.
pub fn write_json_atomic<T: serde::Serialize + ?Sized>(
    path: &Path,
    value: &T,
) -> Result<(), ContentError> {
    let mut bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| ContentError::invalid(path, format!("cannot encode JSON: {e}")))?;
    bytes.push(b'\n');
    write_atomic(path, &bytes)
}

/// Creates `path` with `bytes` only if no file is there yet; returns whether
/// it wrote. Used for hand-written files that a machine may start but must
/// never overwrite.
pub fn create_new_atomic(path: &Path, bytes: &[u8]) -> Result<bool, ContentError> {
    if path.exists() {
        return Ok(false);
    }
    let fail = |source: std::io::Error| ContentError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(fail)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".new.")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    // `persist_noclobber` fails instead of replacing a file that appeared
    // since the check above.
    match tmp.persist_noclobber(path) {
        Ok(_) => Ok(true),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(fail(e.error)),
    }
}

/// Removes the temporary files of writes that never finished (a process
/// killed between writing one and renaming it) anywhere under `dir`: dot
/// files ending in `.tmp`, as the writers above name them, last changed
/// more than `older_than` ago, so a write still under way is left alone.
/// Returns how many went.
pub fn remove_unfinished(dir: &Path, older_than: std::time::Duration) -> usize {
    let cutoff = std::time::SystemTime::now()
        .checked_sub(older_than)
        .unwrap_or(std::time::UNIX_EPOCH);
    walkdir::WalkDir::new(dir)
        .max_depth(4)
        .into_iter()
        .flatten()
        .filter(|e| {
            let name = e.file_name().to_string_lossy();
            e.file_type().is_file() && name.starts_with('.') && name.ends_with(".tmp")
        })
        .filter(|e| {
            e.metadata()
                .ok()
                .and_then(|m| m.modified().ok())
                .is_some_and(|t| t < cutoff)
        })
        .filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    #[test]
    fn replaces_whole_files_and_leaves_no_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/state.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["state.json"]);
    }

    #[test]
    fn create_new_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("links/x.toml");
        assert!(create_new_atomic(&path, b"first").unwrap());
        assert!(!create_new_atomic(&path, b"second").unwrap());
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );
    }

    #[test]
    fn only_old_unfinished_writes_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let albums = dir.path().join("nova/albums");
        write_atomic(&albums.join("a.json"), b"{}").unwrap();
        let stale = albums.join(".a.json.x1y2z3.tmp");
        let fresh = albums.join(".b.json.q9w8e7.tmp");
        let hidden = albums.join(".keep");
        for p in [&stale, &fresh, &hidden] {
            std::fs::write(p, b"{\"half").unwrap();
        }
        let hour_ago = SystemTime::now() - Duration::from_secs(3600);
        for p in [&stale, &hidden] {
            let f = std::fs::File::options().write(true).open(p).unwrap();
            f.set_modified(hour_ago).unwrap();
        }
        assert_eq!(remove_unfinished(dir.path(), Duration::from_secs(60)), 1);
        assert!(!stale.exists());
        assert!(fresh.exists() && hidden.exists() && albums.join("a.json").exists());
    }
}
