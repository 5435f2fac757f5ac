//! Hand-written files that commands start or change on the artist's behalf:
//! a new artist file (`artist add`), a new link file (`pull`, `playlist
//! add`), and `approved = true` (`approve`). New files are created once and
//! never replaced; an edit keeps the rest of the file, comments included.

use std::path::Path;

use super::error::{read_to_string, ContentError};
use super::write::{create_new_atomic, write_atomic};
use super::SpotifyRef;

/// A TOML string literal, escaped.
pub fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Text from an API made safe for a one-line TOML comment: no control
/// characters (a newline would end the comment), and not too long.
pub fn comment_text(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let clean = clean.trim();
    if clean.chars().count() > 100 {
        format!("{}…", clean.chars().take(100).collect::<String>())
    } else {
        clean.to_string()
    }
}

/// The text of a new link file.
pub fn link_file_text(about: &str, slug: &str, source: &SpotifyRef, approved: bool) -> String {
    format!(
        "# {}\n# Yours to edit (see README.md); `smartlinks pull` never changes this file.\nslug = {}\nsource = {}\napproved = {approved}\n",
        comment_text(about),
        toml_string(slug),
        toml_string(&source.uri()),
    )
}

/// The text of a new artist file.
pub fn artist_file_text(name: &str, slug: &str, spotify_id: &str, auto_approve: bool) -> String {
    format!(
        "# {}, connected with `smartlinks artist add`. Every field is described in README.md.\nname = {}\nslug = {}\nspotify_id = {}\norder = \"auto\"                 # or \"fixed\", with fixed_order = [\"spotify\", ...]\nhide_unavailable = false\nauto_approve = {auto_approve}            # true: new releases from a pull are published at once\n",
        comment_text(name),
        toml_string(name),
        toml_string(slug),
        toml_string(spotify_id),
    )
}

/// Creates a hand-written file unless one is there; returns whether it did.
pub fn create_file(path: &Path, text: &str) -> Result<bool, ContentError> {
    create_new_atomic(path, text.as_bytes())
}

/// Sets `approved = true` in a link file, keeping everything else as it is.
/// Returns whether the file changed.
pub fn set_approved(path: &Path) -> Result<bool, ContentError> {
    let text = read_to_string(path)?;
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| ContentError::invalid(path, e.to_string()))?;
    match doc.get_mut("approved") {
        Some(item) => match item.as_value_mut() {
            Some(v) if v.as_bool() == Some(true) => return Ok(false),
            Some(v) if v.is_bool() => {
                // Keep the spacing and any comment after the value.
                let decor = v.decor().clone();
                *v = toml_edit::Value::from(true);
                *v.decor_mut() = decor;
            }
            _ => {
                return Err(ContentError::invalid(
                    path,
                    "field `approved` is not true or false; fix it by hand",
                ))
            }
        },
        None => {
            doc.insert("approved", toml_edit::value(true));
        }
    }
    write_atomic(path, doc.to_string().as_bytes())?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{LinkConfig, SpotifyKind};

    #[test]
    fn hostile_titles_cannot_break_out_of_the_comment_or_the_strings() {
        let source = SpotifyRef::new(SpotifyKind::Album, "4aawyAB9vmqN3uQ7FjRGTy");
        let text = link_file_text("Evil\napproved = true\n\"x", "evil", &source, false);
        let parsed: LinkConfig = toml::from_str(&text).unwrap();
        assert!(!parsed.approved);
        assert_eq!(
            text.lines().filter(|l| l.starts_with("approved")).count(),
            1
        );
        let artist = artist_file_text("A \"quoted\"\nname", "a", "4aawyAB9vmqN3uQ7FjRGTy", true);
        let parsed: crate::content::ArtistConfig = toml::from_str(&artist).unwrap();
        assert_eq!(parsed.name, "A \"quoted\"\nname");
        assert!(parsed.auto_approve);
    }

    #[test]
    fn approving_keeps_comments_and_other_fields() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.toml");
        let original = "# my notes\nslug = \"x\"  # keep\nsource = \"spotify:album:4aawyAB9vmqN3uQ7FjRGTy\"\napproved = false # waiting for the label\nhide = [\"tidal\"]\n\n[services]\n# fixed by hand\ndeezer = \"https://www.deezer.com/album/1\"\n";
        std::fs::write(&path, original).unwrap();
        assert!(set_approved(&path).unwrap());
        let after = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            after,
            original.replace("approved = false #", "approved = true #")
        );
        assert!(!set_approved(&path).unwrap(), "already approved");

        let missing = dir.path().join("y.toml");
        std::fs::write(&missing, "slug = \"y\"\nsource = \"spotify:album:4aawyAB9vmqN3uQ7FjRGTy\"\n\n[services]\ndeezer = \"https://www.deezer.com/album/1\"\n").unwrap();
        set_approved(&missing).unwrap();
        let parsed: LinkConfig =
            toml::from_str(&std::fs::read_to_string(&missing).unwrap()).unwrap();
        assert!(parsed.approved);
        assert_eq!(parsed.services.len(), 1);
    }
}
