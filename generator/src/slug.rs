//! Slugs for addresses: made once from a title, then stored and never changed.

use crate::content::config::is_valid_slug;

const MAX_LEN: usize = 80;

/// Turns a title into `[a-z0-9-]`, transliterating accents and scripts
/// (`Zoë` → `zoe`, `東京` → `dong-jing`). Returns `None` when nothing usable
/// is left (a title of emoji or punctuation only).
pub fn slugify(title: &str) -> Option<String> {
    let ascii = deunicode::deunicode_with_tofu(title, "-");
    let mut slug = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    if slug.len() > MAX_LEN {
        slug.truncate(MAX_LEN);
    }
    let slug = slug.trim_end_matches('-').to_string();
    (!slug.is_empty()).then_some(slug)
}

/// The slug for a new link: from the title, or from `fallback` (such as
/// `release-<id>`) when the title gives nothing, then made unique with `-2`,
/// `-3`, ... in the order links are created, which is deterministic.
pub fn unique_slug(title: &str, fallback: &str, taken: impl Fn(&str) -> bool) -> String {
    let base = slugify(title)
        .or_else(|| slugify(fallback))
        .unwrap_or_else(|| "link".into());
    if !taken(&base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|s| !taken(s))
        .expect("an unused suffix exists")
}

/// Whether a string is a slug we could have made.
pub fn is_slug(s: &str) -> bool {
    is_valid_slug(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transliterates_accents_and_cjk() {
        assert_eq!(slugify("Zoë à Paris").as_deref(), Some("zoe-a-paris"));
        assert_eq!(slugify("東京の夜").as_deref(), Some("dong-jing-noye"));
        assert_eq!(
            slugify("  Déjà Vu (Remix) ").as_deref(),
            Some("deja-vu-remix")
        );
        assert_eq!(
            slugify("Sunflower 🌻")
                .as_deref()
                .map(|s| s.starts_with("sunflower")),
            Some(true)
        );
    }

    #[test]
    fn hostile_titles_give_only_safe_slugs() {
        for title in [
            "../../etc/passwd",
            "</script><img src=x onerror=alert(1)>",
            "a\0b",
            "\u{202e}evil",
        ] {
            let slug = slugify(title).unwrap();
            assert!(is_slug(&slug), "{title:?} -> {slug:?}");
        }
        assert_eq!(slugify("!!! ???"), None);
        assert!(slugify(&"x".repeat(500)).unwrap().len() <= MAX_LEN);
    }

    #[test]
    fn duplicates_get_numbered_suffixes_deterministically() {
        let taken = ["intro", "intro-2"];
        assert_eq!(
            unique_slug("Intro", "release-x", |s| taken.contains(&s)),
            "intro-3"
        );
        assert_eq!(
            unique_slug("?!…", "release-4aawy", |_| false),
            "release-4aawy"
        );
    }
}
