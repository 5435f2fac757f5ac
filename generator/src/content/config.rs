//! The hand-written files. Unknown fields are errors, so a typo is caught
//! instead of silently ignored.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use smartlinks_core::{OrderMode, OrderSettings};

use super::error::ContentError;

/// `site.toml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// Public address of the site, such as `https://play.example.com`.
    pub base_url: String,
    /// Site name, shown in titles and the 404 page.
    pub name: String,
    /// Theme for artists that choose none.
    #[serde(default = "default_theme")]
    pub theme: String,
    /// `lang` of the pages.
    #[serde(default = "default_language")]
    pub language: String,
    /// Where the pages send analytics beacons.
    #[serde(default = "default_endpoint")]
    pub analytics_endpoint: String,
}

pub fn default_theme() -> String {
    "daylight".into()
}
fn default_language() -> String {
    "en".into()
}
fn default_endpoint() -> String {
    "/api/beacon".into()
}

/// Tracking pixel ids an artist configured. Loaded only after fan consent.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Pixels {
    pub meta: Option<String>,
    pub tiktok: Option<String>,
    pub google: Option<String>,
}

impl Pixels {
    pub fn is_empty(&self) -> bool {
        self.meta.is_none() && self.tiktok.is_none() && self.google.is_none()
    }

    /// These ids end up in pages and in vendor script URLs, so only the
    /// shapes the vendors issue are accepted.
    pub(crate) fn validate(&self, path: &Path) -> Result<(), ContentError> {
        if let Some(id) = &self.meta {
            if !(5..=20).contains(&id.len()) || !id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ContentError::invalid(
                    path,
                    format!("field `pixels.meta` = {id:?} is not a Meta Pixel id: expected the digits shown in Meta Events Manager, like \"123456789012345\""),
                ));
            }
        }
        if let Some(id) = &self.tiktok {
            if !(8..=32).contains(&id.len()) || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(ContentError::invalid(
                    path,
                    format!("field `pixels.tiktok` = {id:?} is not a TikTok Pixel id: expected the letters and digits shown in TikTok Events Manager, like \"C4ABCDEFGHIJKLMNOPQR\""),
                ));
            }
        }
        if let Some(id) = &self.google {
            if !is_google_tag_id(id) {
                return Err(ContentError::invalid(
                    path,
                    format!("field `pixels.google` = {id:?} is not a Google tag id: expected one like \"G-ABC123DEF4\", \"AW-123456789\" or \"GT-ABCD123\""),
                ));
            }
        }
        Ok(())
    }

    /// The link's own ids win over the artist's, vendor by vendor, so a link
    /// can add or swap one pixel for a campaign and keep the others.
    pub fn overridden_by(&self, link: &Pixels) -> Pixels {
        Pixels {
            meta: link.meta.clone().or_else(|| self.meta.clone()),
            tiktok: link.tiktok.clone().or_else(|| self.tiktok.clone()),
            google: link.google.clone().or_else(|| self.google.clone()),
        }
    }
}

/// `G-`, `AW-` or `GT-` followed by upper-case letters and digits.
fn is_google_tag_id(id: &str) -> bool {
    let rest = ["G-", "AW-", "GT-"]
        .iter()
        .find_map(|p| id.strip_prefix(p))
        .unwrap_or_default();
    (4..=20).contains(&rest.len())
        && rest
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// `artists/<slug>.toml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ArtistConfig {
    pub name: String,
    pub slug: String,
    pub spotify_id: String,
    pub theme: Option<String>,
    #[serde(default)]
    pub order: OrderMode,
    #[serde(default)]
    pub fixed_order: Vec<String>,
    #[serde(default)]
    pub hide_unavailable: bool,
    #[serde(default)]
    pub auto_approve: bool,
    pub bio: Option<String>,
    #[serde(default, skip_serializing_if = "Pixels::is_empty")]
    pub pixels: Pixels,
}

impl ArtistConfig {
    /// The artist's part of the ordering settings; the build adds each
    /// link's hidden services and release markets.
    pub fn order_settings(&self) -> OrderSettings {
        OrderSettings {
            mode: self.order.clone(),
            fixed: self.fixed_order.clone(),
            hide_unavailable: self.hide_unavailable,
            ..OrderSettings::default()
        }
    }
}

/// `links/<artist>/<slug>.toml`: the artist's choices for one Smart Link.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LinkConfig {
    /// Part of the public address; written once and never changed by a pull.
    pub slug: String,
    /// `spotify:album:ID` or `spotify:playlist:ID`.
    pub source: String,
    #[serde(default)]
    pub approved: bool,
    pub theme: Option<String>,
    pub video: Option<String>,
    pub description: Option<String>,
    /// Service ids not to show on this link.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hide: Vec<String>,
    /// Per-service URL fixes and additions, by service id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub services: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Pixels::is_empty")]
    pub pixels: Pixels,
}

/// A slug as it may appear in an address: `[a-z0-9-]`, 1 to 100 characters,
/// no leading, trailing or doubled dash.
pub fn is_valid_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

pub(crate) fn check_slug(path: &Path, field: &str, slug: &str) -> Result<(), ContentError> {
    if !is_valid_slug(slug) {
        return Err(ContentError::invalid(
            path,
            format!("field `{field}` = {slug:?} is not a valid slug: use lowercase letters, digits and single dashes, like \"midnight-drive\""),
        ));
    }
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if stem != slug {
        return Err(ContentError::invalid(
            path,
            format!("field `{field}` = {slug:?} does not match the file name: rename the file to {slug}.toml or change the slug"),
        ));
    }
    Ok(())
}

/// Checks an absolute http(s) URL from a hand-written file.
pub(crate) fn check_https_url(
    path: &Path,
    field: &str,
    value: &str,
) -> Result<url::Url, ContentError> {
    let parsed = url::Url::parse(value).map_err(|e| {
        ContentError::invalid(
            path,
            format!("field `{field}` = {value:?} is not a URL ({e}); expected an https:// address"),
        )
    })?;
    if parsed.scheme() != "https" {
        return Err(ContentError::invalid(
            path,
            format!("field `{field}` = {value:?} must start with https://"),
        ));
    }
    Ok(parsed)
}

impl SiteConfig {
    pub(crate) fn validate(&mut self, path: &Path) -> Result<(), ContentError> {
        let url = url::Url::parse(&self.base_url).map_err(|e| {
            ContentError::invalid(path, format!("field `base_url` = {:?} is not a URL ({e}); expected something like \"https://play.example.com\"", self.base_url))
        })?;
        if !matches!(url.scheme(), "http" | "https")
            || url.host_str().is_none()
            || url.query().is_some()
        {
            return Err(ContentError::invalid(
                path,
                format!("field `base_url` = {:?} must be an http(s) address without a query, like \"https://play.example.com\"", self.base_url),
            ));
        }
        self.base_url = self.base_url.trim_end_matches('/').to_string();
        if !self
            .language
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            || self.language.is_empty()
        {
            return Err(ContentError::invalid(
                path,
                format!(
                    "field `language` = {:?} is not a language tag like \"en\" or \"pt-BR\"",
                    self.language
                ),
            ));
        }
        Ok(())
    }
}

impl ArtistConfig {
    pub(crate) fn validate(&self, path: &Path) -> Result<(), ContentError> {
        check_slug(path, "slug", &self.slug)?;
        if !super::spotify_ref::is_spotify_id(&self.spotify_id) {
            return Err(ContentError::invalid(
                path,
                format!("field `spotify_id` = {:?} is not a Spotify id (22 letters and digits, the part after /artist/ in the artist's Spotify link)", self.spotify_id),
            ));
        }
        match self.order {
            OrderMode::Fixed if self.fixed_order.is_empty() => {
                return Err(ContentError::invalid(path, "field `order` = \"fixed\" needs `fixed_order`, a list of service ids such as [\"spotify\", \"apple_music\"]"));
            }
            OrderMode::Fixed if self.hide_unavailable => {
                return Err(ContentError::invalid(path, "field `hide_unavailable` only applies to order = \"auto\": a fixed order is the same page for every fan; remove it or set order = \"auto\""));
            }
            OrderMode::Auto if !self.fixed_order.is_empty() => {
                return Err(ContentError::invalid(path, "field `fixed_order` is only used with order = \"fixed\"; set order = \"fixed\" or remove it"));
            }
            _ => {}
        }
        for id in &self.fixed_order {
            check_service_id(path, "fixed_order", id)?;
        }
        self.pixels.validate(path)
    }
}

pub(crate) fn check_service_id(path: &Path, field: &str, id: &str) -> Result<(), ContentError> {
    if smartlinks_core::service::service(id).is_none() {
        let known: Vec<&str> = smartlinks_core::SERVICES.iter().map(|s| s.id).collect();
        return Err(ContentError::invalid(
            path,
            format!(
                "field `{field}` names unknown service {id:?}; known services: {}",
                known.join(", ")
            ),
        ));
    }
    Ok(())
}

/// Checks a per-link service URL (`[services] ID = URL`): a known service,
/// https, and a host of that service (`other` takes any https host).
pub fn check_service_url(path: &Path, id: &str, value: &str) -> Result<(), ContentError> {
    let field = format!("services.{id}");
    check_service_id(path, &field, id)?;
    let url = check_https_url(path, &field, value)?;
    let service = smartlinks_core::service::service(id).expect("checked above");
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ContentError::invalid(
            path,
            format!("field `{field}` = {value:?} must not carry a user name or password"),
        ));
    }
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    if !service.accepts_host(&host) {
        return Err(ContentError::invalid(
            path,
            format!(
                "field `{field}` = {value:?} is not a link to {}; expected a host like {}",
                service.name,
                service.hosts.join(" or ")
            ),
        ));
    }
    if value.len() > crate::services::MAX_URL_LEN {
        return Err(ContentError::invalid(
            path,
            format!(
                "field `{field}` is {} characters long; a service URL has at most {}",
                value.len(),
                crate::services::MAX_URL_LEN
            ),
        ));
    }
    Ok(())
}

impl LinkConfig {
    pub(crate) fn validate(&self, path: &Path) -> Result<super::SpotifyRef, ContentError> {
        check_slug(path, "slug", &self.slug)?;
        let source = super::SpotifyRef::parse(&self.source)
            .map_err(|e| ContentError::invalid(path, format!("field `source`: {e}")))?;
        if !matches!(
            source.kind,
            super::SpotifyKind::Album | super::SpotifyKind::Playlist
        ) {
            return Err(ContentError::invalid(
                path,
                format!(
                    "field `source` = {:?} must name an album or a playlist",
                    self.source
                ),
            ));
        }
        for id in &self.hide {
            check_service_id(path, "hide", id)?;
        }
        for (id, value) in &self.services {
            check_service_url(path, id, value)?;
        }
        if let Some(video) = &self.video {
            check_https_url(path, "video", video)?;
        }
        self.pixels.validate(path)?;
        Ok(source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(meta: Option<&str>, tiktok: Option<&str>, google: Option<&str>) -> Result<(), String> {
        Pixels {
            meta: meta.map(String::from),
            tiktok: tiktok.map(String::from),
            google: google.map(String::from),
        }
        .validate(Path::new("artists/a.toml"))
        .map_err(|e| e.to_string())
    }

    #[test]
    fn vendor_shaped_pixel_ids_are_accepted() {
        assert!(check(
            Some("142595885673347"),
            Some("CWPXN2CYIOSXPAI15K9Z"),
            Some("G-IWCEKHSU3W")
        )
        .is_ok());
        assert!(check(None, None, Some("AW-123456789")).is_ok());
        assert!(check(None, None, Some("GT-ABCD123")).is_ok());
    }

    #[test]
    fn malformed_pixel_ids_name_the_field_and_the_expected_shape() {
        let e = check(Some("12345\"><script>"), None, None).unwrap_err();
        assert!(
            e.contains("a.toml") && e.contains("pixels.meta") && e.contains("digits"),
            "{e}"
        );
        let e = check(None, Some("C4AB-CDEF/GH"), None).unwrap_err();
        assert!(e.contains("pixels.tiktok"), "{e}");
        for bad in ["UA-1234-1", "G-", "g-abc12345", "G-ABC 123", "GTM-ABC123"] {
            let e = check(None, None, Some(bad)).unwrap_err();
            assert!(
                e.contains("pixels.google") && e.contains("G-ABC123DEF4"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn link_pixels_override_the_artist_vendor_by_vendor() {
        let artist = Pixels {
            meta: Some("111111".into()),
            tiktok: Some("ARTISTTIKTOK".into()),
            google: None,
        };
        let link = Pixels {
            meta: Some("222222".into()),
            ..Default::default()
        };
        let both = artist.overridden_by(&link);
        assert_eq!(both.meta.as_deref(), Some("222222"));
        assert_eq!(both.tiktok.as_deref(), Some("ARTISTTIKTOK"));
        assert_eq!(both.google, None);
    }
}
