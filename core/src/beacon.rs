//! The analytics beacon: what a page sends, and the checks every receiver
//! (the local preview server and the edge worker) applies before storing it.
//!
//! Pages send one JSON object per event with `navigator.sendBeacon`, as
//! `text/plain`. Parsing the JSON is the caller's job (this crate depends on
//! serde only); [`Beacon::validate`] does the rest.

use serde::{Deserialize, Serialize};

use crate::service::service;

/// Bodies larger than this are refused before parsing.
pub const MAX_BODY_BYTES: usize = 4096;
/// Longest referrer kept (longer ones are refused, not cut).
pub const MAX_REFERRER: usize = 512;
/// Longest UTM value.
pub const MAX_UTM: usize = 128;
/// Longest locale tag (`zh-Hant-TW` and the like).
pub const MAX_LOCALE: usize = 35;
/// Longest artist or link slug.
pub const MAX_SLUG: usize = 100;

/// Kinds of event a page reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The page was opened.
    View,
    /// A streaming-service button was clicked (`service` says which).
    Click,
    /// The share button was used.
    Share,
    /// The save (add to library) button was used.
    Save,
    /// The video was started.
    Video,
}

impl EventKind {
    pub const ALL: [EventKind; 5] = [
        EventKind::View,
        EventKind::Click,
        EventKind::Share,
        EventKind::Save,
        EventKind::Video,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::View => "view",
            EventKind::Click => "click",
            EventKind::Share => "share",
            EventKind::Save => "save",
            EventKind::Video => "video",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Device class, from the page's own view of the screen and user agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Device {
    Mobile,
    Tablet,
    Desktop,
}

impl Device {
    pub fn as_str(self) -> &'static str {
        match self {
            Device::Mobile => "mobile",
            Device::Tablet => "tablet",
            Device::Desktop => "desktop",
        }
    }
}

/// UTM parameters from the page address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Utm {
    pub source: Option<String>,
    pub medium: Option<String>,
    pub campaign: Option<String>,
    pub term: Option<String>,
    pub content: Option<String>,
}

/// One beacon as the page sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Beacon {
    pub kind: EventKind,
    /// Artist slug.
    pub artist: String,
    /// Smart Link slug.
    pub link: String,
    /// Service id; required for `click`, refused for other kinds.
    #[serde(default)]
    pub service: Option<String>,
    #[serde(default)]
    pub referrer: Option<String>,
    #[serde(default)]
    pub utm: Utm,
    pub device: Device,
    #[serde(default)]
    pub locale: Option<String>,
    /// Milliseconds since the Unix epoch, from the browser clock.
    pub ts: u64,
}

/// A validated event, ready to store. No IP address, no identifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub kind: EventKind,
    pub artist: String,
    pub link: String,
    pub service: Option<String>,
    /// Only the origin (`https://www.instagram.com`) of the referrer is kept.
    pub referrer: Option<String>,
    pub utm: Utm,
    pub device: Device,
    pub locale: Option<String>,
    /// ISO 3166-1 alpha-2 from the edge, `None` when unknown.
    pub country: Option<String>,
    /// Milliseconds since the Unix epoch, from the receiving server's clock.
    pub ts: u64,
}

/// Why a beacon was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    TooLarge,
    UnknownLink,
    UnknownService,
    /// `service` missing on a click, or present on another kind.
    ServiceMismatch,
    /// A field is too long or has characters it may not have.
    BadField(&'static str),
}

impl core::fmt::Display for Invalid {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Invalid::TooLarge => write!(f, "beacon larger than {MAX_BODY_BYTES} bytes"),
            Invalid::UnknownLink => f.write_str("unknown Smart Link"),
            Invalid::UnknownService => f.write_str("unknown service"),
            Invalid::ServiceMismatch => {
                f.write_str("`service` is required for clicks and only for clicks")
            }
            Invalid::BadField(name) => write!(f, "field `{name}` is too long or malformed"),
        }
    }
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_SLUG
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Printable text without markup or control characters.
fn is_plain(s: &str, max: usize) -> bool {
    s.len() <= max
        && !s.chars().any(|c| {
            c.is_control() || matches!(c, '<' | '>' | '"' | '\'' | '`' | '\\') || is_bidi_control(c)
        })
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// Reduces a referrer to its origin, `scheme://host[:port]`, or refuses it.
fn referrer_origin(r: &str) -> Result<Option<String>, Invalid> {
    if r.is_empty() {
        return Ok(None);
    }
    if r.len() > MAX_REFERRER {
        return Err(Invalid::BadField("referrer"));
    }
    let (scheme, rest) = r.split_once("://").ok_or(Invalid::BadField("referrer"))?;
    if scheme != "http" && scheme != "https" {
        return Err(Invalid::BadField("referrer"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, h)| h)
        .to_ascii_lowercase();
    let ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    if !ok {
        return Err(Invalid::BadField("referrer"));
    }
    Ok(Some(format!("{scheme}://{host}")))
}

fn check_utm(value: &Option<String>, name: &'static str) -> Result<(), Invalid> {
    match value {
        Some(v) if !is_plain(v, MAX_UTM) => Err(Invalid::BadField(name)),
        _ => Ok(()),
    }
}

fn locale_ok(l: &str) -> bool {
    !l.is_empty()
        && l.len() <= MAX_LOCALE
        && l.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn country_ok(c: &str) -> bool {
    c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()) && c != "XX" && c != "T1"
}

impl Beacon {
    /// Checks a beacon and turns it into an event to store. `is_known_link`
    /// answers whether `(artist, link)` is a published Smart Link; `country`
    /// comes from the edge (unknown values such as `XX` or `T1` are dropped);
    /// `now_ms` is the receiver's clock, which is what is stored.
    pub fn validate(
        self,
        is_known_link: impl Fn(&str, &str) -> bool,
        country: Option<&str>,
        now_ms: u64,
    ) -> Result<Event, Invalid> {
        if !is_slug(&self.artist) || !is_slug(&self.link) {
            return Err(Invalid::UnknownLink);
        }
        if !is_known_link(&self.artist, &self.link) {
            return Err(Invalid::UnknownLink);
        }
        match (&self.kind, &self.service) {
            (EventKind::Click, Some(id)) if service(id).is_none() => {
                return Err(Invalid::UnknownService)
            }
            (EventKind::Click, Some(_)) => {}
            (EventKind::Click, None) | (_, Some(_)) => return Err(Invalid::ServiceMismatch),
            _ => {}
        }
        let referrer = match &self.referrer {
            Some(r) => referrer_origin(r)?,
            None => None,
        };
        check_utm(&self.utm.source, "utm.source")?;
        check_utm(&self.utm.medium, "utm.medium")?;
        check_utm(&self.utm.campaign, "utm.campaign")?;
        check_utm(&self.utm.term, "utm.term")?;
        check_utm(&self.utm.content, "utm.content")?;
        if let Some(l) = &self.locale {
            if !locale_ok(l) {
                return Err(Invalid::BadField("locale"));
            }
        }
        Ok(Event {
            kind: self.kind,
            artist: self.artist,
            link: self.link,
            service: self.service,
            referrer,
            utm: self.utm,
            device: self.device,
            locale: self.locale,
            country: country.filter(|c| country_ok(c)).map(str::to_string),
            ts: now_ms,
        })
    }
}

/// How an [`Event`] is written to Cloudflare Workers Analytics Engine, and
/// so how `smartlinks analytics --source cloudflare` reads it back. The edge
/// worker writes one data point per event:
/// `writeDataPoint({ indexes: [event.ae_index()], blobs: event.ae_blobs(), doubles: [1] })`.
pub mod ae {
    /// Dataset (the table in SQL queries) the worker binds.
    pub const DATASET: &str = "smartlinks_events";
    /// Longest index Analytics Engine takes, in bytes.
    pub const MAX_INDEX_BYTES: usize = 96;
    /// `artist/link`, cut to [`MAX_INDEX_BYTES`]; the sampling key only,
    /// queries filter on the blobs.
    pub const INDEX: &str = "index1";
    pub const KIND: &str = "blob1";
    pub const ARTIST: &str = "blob2";
    pub const LINK: &str = "blob3";
    pub const SERVICE: &str = "blob4";
    pub const COUNTRY: &str = "blob5";
    pub const REFERRER: &str = "blob6";
    pub const UTM_SOURCE: &str = "blob7";
    pub const UTM_MEDIUM: &str = "blob8";
    pub const UTM_CAMPAIGN: &str = "blob9";
    pub const UTM_TERM: &str = "blob10";
    pub const UTM_CONTENT: &str = "blob11";
    pub const DEVICE: &str = "blob12";
    pub const LOCALE: &str = "blob13";
    /// Always 1: one event. Count rows with `SUM(_sample_interval)`, not this.
    pub const EVENTS: &str = "double1";
    /// Number of blobs a data point carries.
    pub const BLOBS: usize = 13;
    /// The event's field names in blob order (`blob1` is `FIELDS[0]`); also
    /// the column names of the local SQLite store and of the D1 table.
    pub const FIELDS: [&str; BLOBS] = [
        "kind",
        "artist",
        "link",
        "service",
        "country",
        "referrer",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
        "device",
        "locale",
    ];
}

impl Event {
    /// The data point index: `artist/link`, at most [`ae::MAX_INDEX_BYTES`].
    pub fn ae_index(&self) -> String {
        let mut index = format!("{}/{}", self.artist, self.link);
        // Slugs are ASCII, so any byte offset is a character boundary.
        index.truncate(ae::MAX_INDEX_BYTES);
        index
    }

    /// The blobs in the order of [`ae`] (`blob1` first); an absent value is
    /// an empty string, which is how Analytics Engine reads it back anyway.
    pub fn ae_blobs(&self) -> [&str; ae::BLOBS] {
        [
            self.kind.as_str(),
            &self.artist,
            &self.link,
            o(&self.service),
            o(&self.country),
            o(&self.referrer),
            o(&self.utm.source),
            o(&self.utm.medium),
            o(&self.utm.campaign),
            o(&self.utm.term),
            o(&self.utm.content),
            self.device.as_str(),
            o(&self.locale),
        ]
    }
}

fn o(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

/// Whether a user agent is a crawler or a tool rather than a fan. Such
/// beacons are accepted (so bots learn nothing) but not stored.
pub fn is_bot(user_agent: &str) -> bool {
    const MARKERS: [&str; 16] = [
        "bot",
        "crawl",
        "spider",
        "slurp",
        "facebookexternalhit",
        "headless",
        "lighthouse",
        "preview",
        "curl/",
        "wget/",
        "python-requests",
        "go-http-client",
        "okhttp",
        "axios/",
        "node-fetch",
        "httpclient",
    ];
    let ua = user_agent.to_ascii_lowercase();
    ua.is_empty() || MARKERS.iter().any(|m| ua.contains(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beacon(kind: EventKind, service: Option<&str>) -> Beacon {
        Beacon {
            kind,
            artist: "nova-lane".into(),
            link: "zoe-a-paris".into(),
            service: service.map(str::to_string),
            referrer: Some("https://l.instagram.com/?u=https%3A%2F%2Fx&e=secret".into()),
            utm: Utm {
                source: Some("instagram".into()),
                ..Default::default()
            },
            device: Device::Mobile,
            locale: Some("fr-FR".into()),
            ts: 1,
        }
    }

    fn known(a: &str, l: &str) -> bool {
        a == "nova-lane" && l == "zoe-a-paris"
    }

    #[test]
    fn valid_click_keeps_fields_and_only_the_referrer_origin() {
        let e = beacon(EventKind::Click, Some("deezer"))
            .validate(known, Some("FR"), 99)
            .unwrap();
        assert_eq!(e.service.as_deref(), Some("deezer"));
        assert_eq!(e.referrer.as_deref(), Some("https://l.instagram.com"));
        assert_eq!(e.country.as_deref(), Some("FR"));
        assert_eq!(e.ts, 99, "the receiver's clock is stored");
    }

    #[test]
    fn unknown_countries_are_dropped() {
        for c in ["XX", "T1", "fr", "FRA", ""] {
            assert_eq!(
                beacon(EventKind::View, None)
                    .validate(known, Some(c), 0)
                    .unwrap()
                    .country,
                None,
                "{c}"
            );
        }
    }

    #[test]
    fn refusals() {
        assert_eq!(
            beacon(EventKind::Click, None).validate(known, None, 0),
            Err(Invalid::ServiceMismatch)
        );
        assert_eq!(
            beacon(EventKind::View, Some("spotify")).validate(known, None, 0),
            Err(Invalid::ServiceMismatch)
        );
        assert_eq!(
            beacon(EventKind::Click, Some("napster2")).validate(known, None, 0),
            Err(Invalid::UnknownService)
        );
        let mut b = beacon(EventKind::View, None);
        b.link = "other".into();
        assert_eq!(b.validate(known, None, 0), Err(Invalid::UnknownLink));
        let mut b = beacon(EventKind::View, None);
        b.utm.campaign = Some("<script>alert(1)</script>".into());
        assert_eq!(
            b.validate(known, None, 0),
            Err(Invalid::BadField("utm.campaign"))
        );
        let mut b = beacon(EventKind::View, None);
        b.referrer = Some("javascript:alert(1)".into());
        assert_eq!(
            b.validate(known, None, 0),
            Err(Invalid::BadField("referrer"))
        );
        let mut b = beacon(EventKind::View, None);
        b.locale = Some("en\u{202e}".into());
        assert_eq!(b.validate(known, None, 0), Err(Invalid::BadField("locale")));
    }

    #[test]
    fn ae_blobs_follow_the_documented_columns() {
        let mut e = beacon(EventKind::Click, Some("deezer"))
            .validate(known, Some("FR"), 5)
            .unwrap();
        e.utm = Utm {
            source: Some("s".into()),
            medium: Some("m".into()),
            campaign: Some("c".into()),
            term: Some("t".into()),
            content: Some("x".into()),
        };
        let blobs = e.ae_blobs();
        let at = |column: &str| {
            let n: usize = column.strip_prefix("blob").unwrap().parse().unwrap();
            blobs[n - 1]
        };
        assert_eq!(at(ae::KIND), "click");
        assert_eq!(at(ae::ARTIST), "nova-lane");
        assert_eq!(at(ae::LINK), "zoe-a-paris");
        assert_eq!(at(ae::SERVICE), "deezer");
        assert_eq!(at(ae::COUNTRY), "FR");
        assert_eq!(at(ae::REFERRER), "https://l.instagram.com");
        assert_eq!(at(ae::UTM_SOURCE), "s");
        assert_eq!(at(ae::UTM_MEDIUM), "m");
        assert_eq!(at(ae::UTM_CAMPAIGN), "c");
        assert_eq!(at(ae::UTM_TERM), "t");
        assert_eq!(at(ae::UTM_CONTENT), "x");
        assert_eq!(at(ae::DEVICE), "mobile");
        assert_eq!(at(ae::LOCALE), "fr-FR");
        assert_eq!(e.ae_index(), "nova-lane/zoe-a-paris");
        e.locale = None;
        assert_eq!(e.ae_blobs()[12], "", "absent values are empty blobs");
    }

    #[test]
    fn ae_index_fits_the_index_limit() {
        let mut b = beacon(EventKind::View, None);
        b.artist = "a".repeat(MAX_SLUG);
        b.link = "b".repeat(MAX_SLUG);
        let e = b.validate(|_, _| true, None, 0).unwrap();
        assert_eq!(e.ae_index().len(), ae::MAX_INDEX_BYTES);
        assert!(e.ae_index().starts_with("aaaa"));
    }

    #[test]
    fn bots_are_recognised() {
        assert!(is_bot("Mozilla/5.0 (compatible; Googlebot/2.1)"));
        assert!(is_bot("facebookexternalhit/1.1"));
        assert!(is_bot(""));
        assert!(!is_bot("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Instagram 300.0"));
    }
}
