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
