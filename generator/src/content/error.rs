use std::path::{Path, PathBuf};

/// A problem with one content file. The message says what was expected.
#[derive(Debug, thiserror::Error)]
pub enum ContentError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl ContentError {
    pub fn invalid(path: &Path, message: impl Into<String>) -> Self {
        ContentError::Invalid {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }

    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            ContentError::Read { path, .. }
            | ContentError::Invalid { path, .. }
            | ContentError::Write { path, .. } => path,
        }
    }

    /// Whether this is a file that does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ContentError::Read { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }
}

/// Reads a file to a string, naming the file on failure.
pub fn read_to_string(path: &Path) -> Result<String, ContentError> {
    std::fs::read_to_string(path).map_err(|source| ContentError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// A file as it was read: its metadata, taken from the open file before
/// its bytes were read, and a hash of those bytes. A build records this of
/// each input, so it needs no second look at the file, and what it records
/// is what the page was made from.
#[derive(Debug, Clone)]
pub struct Seen {
    pub meta: std::fs::Metadata,
    pub hash: u128,
}

/// Reads a file and what it was when read, naming the file on failure.
pub fn read_seen(path: &Path) -> Result<(Vec<u8>, Seen), ContentError> {
    let read = || -> std::io::Result<_> {
        let file = std::fs::File::open(path)?;
        // The same one `statx` that `std::fs::read` makes for the size.
        let meta = file.metadata()?;
        let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
        // Through `take`: `File::read_to_end` would ask for the size again.
        std::io::Read::read_to_end(&mut std::io::Read::take(&file, u64::MAX), &mut bytes)?;
        let hash = xxhash_rust::xxh3::xxh3_128(&bytes);
        Ok((bytes, Seen { meta, hash }))
    };
    read().map_err(|source| ContentError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// [`read_seen`] as text.
pub fn read_to_string_seen(path: &Path) -> Result<(String, Seen), ContentError> {
    let (bytes, seen) = read_seen(path)?;
    let text = String::from_utf8(bytes).map_err(|e| ContentError::Read {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()),
    })?;
    Ok((text, seen))
}

/// Parses the text of the hand-written TOML file at `path`. The error names
/// the file, and toml's message names the line, column and field.
pub fn parse_toml_str<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
) -> Result<T, ContentError> {
    toml::from_str(text)
        .map_err(|e| ContentError::invalid(path, e.to_string().trim_end().to_string()))
}

/// Parses a machine-written JSON file.
pub fn parse_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ContentError> {
    let bytes = std::fs::read(path).map_err(|source| ContentError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_json_bytes(path, &bytes)
}

/// [`parse_json`], and what the file was when read.
pub fn parse_json_seen<T: serde::de::DeserializeOwned>(
    path: &Path,
) -> Result<(T, Seen), ContentError> {
    let (bytes, seen) = read_seen(path)?;
    Ok((parse_json_bytes(path, &bytes)?, seen))
}

/// Parses the bytes of the machine-written JSON file at `path` (which is
/// only named in the error).
pub fn parse_json_bytes<T: serde::de::DeserializeOwned>(
    path: &Path,
    bytes: &[u8],
) -> Result<T, ContentError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ContentError::invalid(
            path,
            format!("{e} (this file is written by `smartlinks pull`; pull again to repair it)"),
        )
    })
}
