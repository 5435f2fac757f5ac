//! Edits one hand-written link file in place: `[services]` URL fixes and
//! additions, and the `hide` list. Comments, formatting and other fields
//! survive (`toml_edit`); the result is checked with the same rules as
//! loading before anything is written, and written atomically.

use std::path::{Path, PathBuf};

use serde::Serialize;
use toml_edit::{Array, DocumentMut, Item, Table};

use super::config::{check_service_url, is_valid_slug, LinkConfig};
use super::error::{read_to_string, ContentError};

/// What to change on one link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceEdit {
    /// Fix or add a service URL; shows the service again if it was hidden.
    Set { service: String, url: String },
    /// Hide a service on this link.
    Hide { service: String },
    /// Remove the edits and hides of one service, or of every service.
    Reset { service: Option<String> },
}

/// What an edit did.
#[derive(Debug, Serialize)]
pub struct EditOutcome {
    pub file: PathBuf,
    /// False when the file already said this; nothing was written then.
    pub changed: bool,
    /// Things the artist should know, such as a hide that was lifted.
    pub notes: Vec<String>,
}

/// The file of the link `artist/slug` in a content directory, which must
/// exist. The error names what is there instead.
pub fn link_file(root: &Path, link: &str) -> Result<PathBuf, ContentError> {
    let links = root.join("links");
    let Some((artist, slug)) = link
        .split_once('/')
        .filter(|(a, s)| is_valid_slug(a) && is_valid_slug(s))
    else {
        return Err(ContentError::invalid(
            &links,
            format!(
                "{link:?} is not a link name; expected ARTIST/SLUG, like nova-lane/zoe-a-paris"
            ),
        ));
    };
    let artist_file = root.join("artists").join(format!("{artist}.toml"));
    if !artist_file.is_file() {
        return Err(ContentError::invalid(
            &artist_file,
            format!(
                "no artist {artist:?}; known artists: {}",
                stems(&root.join("artists")).join(", ")
            ),
        ));
    }
    let file = links.join(artist).join(format!("{slug}.toml"));
    if !file.is_file() {
        return Err(ContentError::invalid(
            &file,
            format!(
                "no Smart Link {link:?}; links of {artist}: {}",
                stems(&links.join(artist)).join(", ")
            ),
        ));
    }
    Ok(file)
}

/// `*.toml` file stems in `dir`, sorted (empty when `dir` is missing).
fn stems(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".toml").map(str::to_string)
        })
        .collect();
    names.sort();
    if names.is_empty() {
        names.push("(none)".into());
    }
    names
}

fn check_service(file: &Path, id: &str) -> Result<(), ContentError> {
    if smartlinks_core::service::service(id).is_none() {
        let known: Vec<&str> = smartlinks_core::SERVICES.iter().map(|s| s.id).collect();
        return Err(ContentError::invalid(
            file,
            format!(
                "unknown service {id:?}; known services: {}",
                known.join(", ")
            ),
        ));
    }
    Ok(())
}

/// Applies `edit` to the link file `file`. Nothing is written when the edit
/// is refused or changes nothing.
pub fn edit_link(file: &Path, edit: &ServiceEdit) -> Result<EditOutcome, ContentError> {
    let before = read_to_string(file)?;
    let mut doc: DocumentMut = before.parse().map_err(|e: toml_edit::TomlError| {
        ContentError::invalid(
            file,
            format!("{} (fix the file first)", e.to_string().trim_end()),
        )
    })?;
    let mut notes = Vec::new();
    match edit {
        ServiceEdit::Set { service, url } => {
            check_service(file, service)?;
            check_service_url(file, service, url)?;
            let services = doc
                .entry("services")
                .or_insert_with(|| Item::Table(Table::new()))
                .as_table_like_mut()
                .ok_or_else(|| ContentError::invalid(file, "field `services` must be a table"))?;
            services.insert(service, toml_edit::value(url.as_str()));
            if remove_from_hide(&mut doc, file, service)? {
                notes.push(format!(
                    "{service} was hidden on this link; it is shown again"
                ));
            }
        }
        ServiceEdit::Hide { service } => {
            check_service(file, service)?;
            let hide = doc
                .entry("hide")
                .or_insert_with(|| toml_edit::value(Array::new()))
                .as_array_mut()
                .ok_or_else(|| {
                    ContentError::invalid(file, "field `hide` must be a list of service ids")
                })?;
            if !hide.iter().any(|v| v.as_str() == Some(service)) {
                hide.push(service.as_str());
            }
            let edited = doc
                .get("services")
                .and_then(Item::as_table_like)
                .is_some_and(|t| t.contains_key(service));
            if edited {
                notes.push(format!(
                    "the URL set for {service} stays in [services]; `smartlinks service reset` removes both"
                ));
            }
        }
        ServiceEdit::Reset {
            service: Some(service),
        } => {
            check_service(file, service)?;
            remove_from_hide(&mut doc, file, service)?;
            if let Some(services) = doc.get_mut("services").and_then(Item::as_table_like_mut) {
                services.remove(service);
                if services.is_empty() {
                    doc.remove("services");
                }
            }
        }
        ServiceEdit::Reset { service: None } => {
            doc.remove("hide");
            doc.remove("services");
        }
    }
    let after = doc.to_string();
    // The edited file must load exactly as a hand-written one would.
    let config: LinkConfig = toml::from_str(&after).map_err(|e| {
        ContentError::invalid(
            file,
            format!("{} (fix the file first)", e.to_string().trim_end()),
        )
    })?;
    config.validate(file)?;
    if after == before {
        return Ok(EditOutcome {
            file: file.to_path_buf(),
            changed: false,
            notes,
        });
    }
    super::write::write_atomic(file, after.as_bytes())?;
    Ok(EditOutcome {
        file: file.to_path_buf(),
        changed: true,
        notes,
    })
}

/// Removes `service` from `hide` (and `hide` itself once empty). Returns
/// whether it was there.
fn remove_from_hide(
    doc: &mut DocumentMut,
    file: &Path,
    service: &str,
) -> Result<bool, ContentError> {
    let Some(item) = doc.get_mut("hide") else {
        return Ok(false);
    };
    let hide = item
        .as_array_mut()
        .ok_or_else(|| ContentError::invalid(file, "field `hide` must be a list of service ids"))?;
    let before = hide.len();
    hide.retain(|v| v.as_str() != Some(service));
    let removed = hide.len() != before;
    if hide.is_empty() {
        doc.remove("hide");
    } else if removed {
        hide.fmt();
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# Café Crème (EP, 2024)\nslug = \"cafe-creme\"\nsource = \"spotify:album:zPjI8nUKPr1Y0SluiYROTe\"\napproved = true\n# not on TIDAL in the end\nhide = [\"tidal\", \"deezer\"]\n";

    fn site() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let links = dir.path().join("links/nova-lane");
        std::fs::create_dir_all(&links).unwrap();
        std::fs::create_dir_all(dir.path().join("artists")).unwrap();
        std::fs::write(dir.path().join("artists/nova-lane.toml"), "").unwrap();
        let file = links.join("cafe-creme.toml");
        std::fs::write(&file, FILE).unwrap();
        (dir, file)
    }

    #[test]
    fn set_adds_a_services_table_and_lifts_a_hide() {
        let (_dir, file) = site();
        let out = edit_link(
            &file,
            &ServiceEdit::Set {
                service: "tidal".into(),
                url: "https://tidal.com/album/1".into(),
            },
        )
        .unwrap();
        assert!(out.changed);
        assert_eq!(out.notes.len(), 1, "{:?}", out.notes);
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.starts_with("# Café Crème (EP, 2024)\n"), "{text}");
        assert!(
            text.contains("# not on TIDAL in the end\nhide = [\"deezer\"]"),
            "{text}"
        );
        assert!(
            text.ends_with("[services]\ntidal = \"https://tidal.com/album/1\"\n"),
            "{text}"
        );
    }

    #[test]
    fn repeating_an_edit_changes_nothing_and_writes_nothing() {
        let (_dir, file) = site();
        let hide = ServiceEdit::Hide {
            service: "tidal".into(),
        };
        let out = edit_link(&file, &hide).unwrap();
        assert!(!out.changed);
        assert_eq!(std::fs::read_to_string(&file).unwrap(), FILE);
    }

    #[test]
    fn reset_of_everything_removes_hide_and_services() {
        let (_dir, file) = site();
        edit_link(
            &file,
            &ServiceEdit::Set {
                service: "bandcamp".into(),
                url: "https://nova.bandcamp.com/album/x".into(),
            },
        )
        .unwrap();
        edit_link(&file, &ServiceEdit::Reset { service: None }).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            !text.contains("hide") && !text.contains("services"),
            "{text}"
        );
        assert!(text.contains("approved = true"));
    }

    #[test]
    fn link_names_cannot_leave_the_content_directory() {
        let (dir, _) = site();
        for bad in ["../etc/passwd", "nova-lane/../../x", "nova-lane", "a/b/c"] {
            let err = link_file(dir.path(), bad).unwrap_err().to_string();
            assert!(err.contains("ARTIST/SLUG"), "{bad}: {err}");
        }
        let err = link_file(dir.path(), "nova-lane/nope")
            .unwrap_err()
            .to_string();
        assert!(err.contains("cafe-creme"), "lists the links there: {err}");
        let err = link_file(dir.path(), "nobody/x").unwrap_err().to_string();
        assert!(err.contains("nova-lane"), "lists the artists: {err}");
    }
}
