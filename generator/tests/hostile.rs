//! Hostile input: a few hundred strings (markup, attribute breakers,
//! `javascript:` and `data:` addresses, direction overrides, NUL and other
//! control characters, template syntax, a 100 KB title) written into the
//! hand-written files (artist name and bio, link description and video)
//! and into pulled catalog data (release, track, label and artist names,
//! image and service addresses), then built with every theme.
//!
//! Against a build of benign values with every optional part present, no
//! page gains an element, an attribute or an address scheme; no `on…`
//! attribute appears; and every JSON-LD string reads back as the original.
//! The same strings through the fake Spotify and Odesli APIs are in
//! tests/pull.rs.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::Site;
use scraper::{Html, Selector};
use serde_json::Value;

#[path = "hostile/corpus.rs"]
mod corpus;

const THEMES: [&str; 4] = ["daylight", "midnight", "spotlight", "minimal"];
const SOURCE: &str = "links/koji-mori/osaka-blue.toml";
/// Hand-written addresses are checked when the content loads (see the
/// refusal tests below); the pages get a valid one.
const VIDEO: &str = "https://www.youtube.com/watch?v=dQw4w9WgXcQ";

/// A TOML basic string holding `s` exactly.
fn toml_str(s: &str) -> String {
    // JSON string escapes are TOML's, but for DEL, which TOML wants escaped.
    serde_json::to_string(s)
        .unwrap()
        .replace('\u{7f}', "\\u007F")
}

/// Adds artist `h-{i}` with one release: every text set to `text` (names,
/// bio, description, label, tracks) and every pulled address to `url`
/// (cover, Spotify and other service links).
fn add_artist(site: &Site, i: usize, text: &str, url: &str, album: &Value, odesli: &Value) {
    let slug = format!("h-{i}");
    let id = format!("Hostile{i:015}");
    site.write(
        &format!("artists/{slug}.toml"),
        &format!(
            "name = {}\nslug = \"{slug}\"\nspotify_id = \"TlaBGzj5j37JmAWOpnkoIn\"\nbio = {}\n",
            toml_str(text),
            toml_str(text)
        ),
    );
    site.write(
        &format!("links/{slug}/release.toml"),
        &format!(
            "slug = \"release\"\nsource = \"spotify:album:{id}\"\napproved = true\ndescription = {}\nvideo = \"{VIDEO}\"\n",
            toml_str(text),
        ),
    );
    let mut album = album.clone();
    album["id"] = id.clone().into();
    album["name"] = text.into();
    album["label"] = text.into();
    album["copyrights"] = serde_json::json!([{ "text": text, "type": "C" }]);
    album["images"] = serde_json::json!([{ "url": url, "width": 640, "height": 640 }]);
    album["external_urls"]["spotify"] = url.into();
    album["artists"][0]["name"] = text.into();
    for track in album["tracks"]["items"].as_array_mut().unwrap() {
        track["name"] = text.into();
    }
    let mut odesli = odesli.clone();
    for link in odesli["answer"]["linksByPlatform"]
        .as_object_mut()
        .unwrap()
        .values_mut()
        .filter(|l| !l["url"].as_str().unwrap_or_default().contains("spotify"))
        .take(2)
    {
        link["url"] = url.into();
    }
    site.write(
        &format!("catalog/{slug}/releases/{id}.json"),
        &serde_json::to_string(&serde_json::json!({ "album": album, "odesli": odesli })).unwrap(),
    );
}

fn sample_release(site: &Site) -> (Value, Value) {
    let id = site.album_id(SOURCE);
    let release: Value =
        serde_json::from_str(&site.read(&format!("catalog/koji-mori/releases/{id}.json"))).unwrap();
    (release["album"].clone(), release["odesli"].clone())
}

/// What one page is made of: how many of each element, and which
/// element/attribute pairs.
#[derive(Default)]
struct Shape {
    elements: BTreeMap<String, usize>,
    attributes: BTreeSet<(String, String)>,
}

impl Shape {
    fn widen(&mut self, other: &Shape) {
        for (e, n) in &other.elements {
            let m = self.elements.entry(e.clone()).or_default();
            *m = (*m).max(*n);
        }
        self.attributes.extend(other.attributes.iter().cloned());
    }
}

/// Attributes whose value is an address a browser may follow or load.
const URL_ATTRIBUTES: [&str; 8] = [
    "href",
    "src",
    "action",
    "formaction",
    "poster",
    "data-url",
    "data-src",
    "srcset",
];

/// The scheme a browser would see in `url`: ASCII whitespace and control
/// characters are dropped and case ignored, as the URL parser does.
fn scheme(url: &str) -> Option<String> {
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    let (head, _) = cleaned.split_once(':')?;
    (!head.is_empty()
        && !head.contains(['/', '?', '#'])
        && head
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)))
    .then(|| head.to_string())
}

/// What artist-written Markdown (a bio, a description) may become.
const MARKDOWN_ELEMENTS: [&str; 20] = [
    "p",
    "em",
    "strong",
    "code",
    "pre",
    "a",
    "img",
    "ul",
    "ol",
    "li",
    "blockquote",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "del",
    "br",
];
const MARKDOWN_ATTRIBUTES: [&str; 5] = ["href", "src", "alt", "title", "start"];

/// Reads a page, checks what no page may hold whatever its baseline, and
/// returns its shape outside rendered Markdown, which is checked against
/// what Markdown may produce.
fn inspect(path: &Path) -> Shape {
    let html = std::fs::read_to_string(path).unwrap();
    // ASCII control characters other than whitespace are HTML errors.
    if let Some(at) =
        html.find(|c: char| c.is_ascii_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
    {
        let from = html.floor_char_boundary(at.saturating_sub(80));
        panic!(
            "{}: a control character in the HTML: {:?}",
            path.display(),
            &html[from..html.ceil_char_boundary(at + 20)]
        );
    }
    let doc = Html::parse_document(&html);
    let mut shape = Shape::default();
    for node in doc.root_element().descendants() {
        let Some(el) = node.value().as_element() else {
            continue;
        };
        let name = el.name().to_string();
        // Inside the element that holds rendered Markdown?
        let in_markdown = node.ancestors().any(|a| {
            a.value().as_element().is_some_and(|e| {
                e.classes().any(|c| c == "bio")
                    || (e.name() == "section" && e.classes().any(|c| c == "description"))
            })
        });
        if in_markdown {
            assert!(
                MARKDOWN_ELEMENTS.contains(&name.as_str()),
                "{}: <{name}> in Markdown",
                path.display()
            );
            for (attr, value) in el.attrs() {
                assert!(
                    MARKDOWN_ATTRIBUTES.contains(&attr),
                    "{}: <{name} {attr}> in Markdown",
                    path.display()
                );
                if attr == "href" || attr == "src" {
                    if let Some(s) = scheme(value) {
                        assert!(
                            ["https", "http", "mailto"].contains(&s.as_str()),
                            "{}: <{name} {attr}={value:?}> in Markdown",
                            path.display()
                        );
                    }
                }
            }
            continue;
        }
        *shape.elements.entry(name.clone()).or_default() += 1;
        for (attr, value) in el.attrs() {
            assert!(
                !attr.starts_with("on"),
                "{}: <{name} {attr}=…> is an event handler",
                path.display()
            );
            // Social card addresses: og:url, og:image, twitter:image, …
            let meta_url = name == "meta"
                && attr == "content"
                && el
                    .attr("property")
                    .or_else(|| el.attr("name"))
                    .is_some_and(|p| {
                        ["url", "image", "video", "player", "audio"]
                            .iter()
                            .any(|k| p.ends_with(k) || p.ends_with(&format!("{k}:secure_url")))
                    });
            let is_url = URL_ATTRIBUTES.contains(&attr) || meta_url;
            if is_url {
                for part in value.split([',', ' ']).filter(|p| !p.is_empty()) {
                    if let Some(s) = scheme(part) {
                        assert!(
                            s == "https" || s == "http",
                            "{}: <{name} {attr}={value:?}> has scheme {s:?}",
                            path.display()
                        );
                    }
                }
            }
            shape.attributes.insert((name.clone(), attr.to_string()));
        }
        if name == "script" {
            let ty = el.attr("type").unwrap_or_default();
            let src = el.attr("src").unwrap_or_default();
            assert!(
                ty == "application/ld+json"
                    || ty == "application/json"
                    || src.starts_with("/assets/")
                    || (ty.is_empty() && src.is_empty()),
                "{}: unexpected script {ty:?} {src:?}",
                path.display()
            );
        }
    }
    shape
}

/// The JSON-LD blocks of a page, parsed.
fn jsonld(path: &Path) -> Vec<Value> {
    let html = std::fs::read_to_string(path).unwrap();
    let doc = Html::parse_document(&html);
    let sel = Selector::parse(r#"script[type="application/ld+json"]"#).unwrap();
    doc.select(&sel)
        .map(|s| {
            let text: String = s.text().collect();
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: JSON-LD does not parse: {e}", path.display()))
        })
        .collect()
}

/// Inline scripts without `src` must be the theme's own, the same in every
/// page: hostile text never reaches one.
fn inline_scripts(path: &Path) -> Vec<String> {
    let html = std::fs::read_to_string(path).unwrap();
    let doc = Html::parse_document(&html);
    let sel = Selector::parse("script:not([src]):not([type])").unwrap();
    doc.select(&sel).map(|s| s.text().collect()).collect()
}

fn build(site: &Site, theme: &str) {
    site.set_theme(theme).build();
}

#[test]
fn hostile_strings_in_content_and_catalog_files_never_change_a_pages_shape() {
    let strings = corpus::strings();
    assert!(
        strings.len() >= 200,
        "a few hundred strings: {}",
        strings.len()
    );

    // Benign values with every optional part present: a video, a cover,
    // service links, a bio, a description, a label.
    let benign = Site::sample();
    let (album, odesli) = sample_release(&benign);
    // The third has no usable addresses: pages drop a refused one the same way.
    for (i, url) in [
        "https://cdn.example.com/cover.jpg",
        "https://cdn.example.com/c.jpg",
        "",
    ]
    .into_iter()
    .enumerate()
    {
        add_artist(&benign, i, &format!("Plain text {i}"), url, &album, &odesli);
    }
    let hostile = Site::sample();
    for (i, s) in strings.iter().enumerate() {
        // Strings that look like addresses go where addresses go too.
        add_artist(&hostile, i, s, s, &album, &odesli);
    }

    for theme in THEMES {
        build(&benign, theme);
        let (mut link_shape, mut hub_shape) = (Shape::default(), Shape::default());
        for i in 0..3 {
            link_shape.widen(&inspect(
                &benign.out().join(format!("h-{i}/release/index.html")),
            ));
            hub_shape.widen(&inspect(&benign.out().join(format!("h-{i}/index.html"))));
        }
        let theme_scripts = inline_scripts(&benign.out().join("h-0/release/index.html"));

        build(&hostile, theme);
        for (i, s) in strings.iter().enumerate() {
            for (page, baseline) in [
                (format!("h-{i}/release/index.html"), &link_shape),
                (format!("h-{i}/index.html"), &hub_shape),
            ] {
                let path = hostile.out().join(&page);
                let shape = inspect(&path);
                for (e, n) in &shape.elements {
                    let allowed = baseline.elements.get(e).copied().unwrap_or(0);
                    assert!(
                        *n <= allowed,
                        "{theme} {page}: {n} <{e}> where benign pages have {allowed}; input {s:?}"
                    );
                }
                let extra: Vec<_> = shape.attributes.difference(&baseline.attributes).collect();
                assert!(
                    extra.is_empty(),
                    "{theme} {page}: new attributes {extra:?}; input {s:?}"
                );
            }
            let link = hostile.out().join(format!("h-{i}/release/index.html"));
            assert_eq!(inline_scripts(&link), theme_scripts, "{theme}: input {s:?}");
            let ld = jsonld(&link);
            assert_eq!(
                ld[0]["name"],
                Value::from(s.as_str()),
                "{theme}: input {s:?}"
            );
            assert_eq!(ld[0]["byArtist"]["name"], Value::from(s.as_str()));
            assert_eq!(ld[0]["recordLabel"]["name"], Value::from(s.as_str()));
            for item in ld[0]["track"]["itemListElement"].as_array().unwrap() {
                assert_eq!(item["item"]["name"], Value::from(s.as_str()));
            }
            let hub = jsonld(&hostile.out().join(format!("h-{i}/index.html")));
            assert_eq!(hub[0]["name"], Value::from(s.as_str()));
        }
    }
}

#[test]
fn hostile_addresses_in_a_link_file_are_refused_naming_file_and_field() {
    let site = Site::sample();
    let original = site.read("links/nova-lane/zoe-a-paris.toml");
    let strings = corpus::strings();
    for url in strings.iter().filter(|s| s.len() < 200) {
        for (field, text) in [
            ("video", format!("video = {}\n{original}", toml_str(url))),
            (
                "deezer",
                format!("{original}[services]\ndeezer = {}\n", toml_str(url)),
            ),
        ] {
            site.write("links/nova-lane/zoe-a-paris.toml", &text);
            let out = site.run(&["build", "--out", site.out().to_str().unwrap()]);
            let err = String::from_utf8_lossy(&out.stderr);
            if out.status.success() {
                // Only an address a browser reads as https may pass.
                assert!(
                    scheme(url).is_some_and(|s| s == "https" || s == "http"),
                    "{field} = {url:?} was accepted"
                );
                continue;
            }
            assert!(err.contains("zoe-a-paris.toml"), "{url:?}: {err}");
            assert!(err.contains(field), "{url:?}: {err}");
        }
    }
}

#[test]
fn invalid_utf8_in_any_content_file_is_named_and_changes_nothing() {
    let site = Site::sample();
    site.build();
    let before = common::snapshot(&site.out());
    let album = std::fs::read_dir(site.content().join("catalog/koji-mori/releases"))
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    let album_rel = album
        .strip_prefix(site.content())
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    for rel in [
        "site.toml",
        "artists/koji-mori.toml",
        "links/koji-mori/osaka-blue.toml",
        album_rel.as_str(),
    ] {
        let path = site.content().join(rel);
        let good = std::fs::read(&path).unwrap();
        let mut bad = good.clone();
        bad.splice(10..10, [0xff, 0xfe, 0xc3]);
        std::fs::write(&path, &bad).unwrap();
        let err = site.build_fails();
        let name = Path::new(rel).file_name().unwrap().to_str().unwrap();
        assert!(err.contains(name), "{rel}: {err}");
        assert_eq!(common::snapshot(&site.out()), before, "{rel}");
        std::fs::write(&path, &good).unwrap();
    }
}
