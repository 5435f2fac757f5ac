//! Incremental builds: only pages whose inputs changed are rendered, and
//! the site is byte for byte what a full build makes.

mod common;

use common::{snapshot, Site};
use serde_json::Value;

/// Builds into `public/` with `--json` and returns the report.
fn build(site: &Site, extra: &[&str]) -> Value {
    let out_dir = site.out();
    let mut args = vec!["--json", "build", "--out", out_dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = site.run(&args);
    assert!(
        out.status.success(),
        "build failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn inode(path: &std::path::Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).unwrap().ino()
}

fn counts(report: &Value) -> (u64, u64) {
    (
        report["rendered"].as_u64().unwrap(),
        report["skipped"].as_u64().unwrap(),
    )
}

/// A full build of the same content into a second folder, for comparison.
fn full_build_snapshot(site: &Site) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let other = site.dir.path().join("full");
    let out = site.run(&["build", "--force", "--out", other.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    snapshot(&other)
}

#[test]
fn an_unchanged_site_renders_nothing_and_force_renders_everything() {
    let site = Site::sample();
    // 12 approved links and 3 hubs.
    assert_eq!(counts(&build(&site, &[])), (15, 0));
    assert_eq!(counts(&build(&site, &[])), (0, 15));
    assert_eq!(counts(&build(&site, &["--force"])), (15, 0));
}

#[test]
fn changing_one_links_text_rerenders_only_its_page_and_matches_a_full_build() {
    let site = Site::sample();
    build(&site, &[]);
    let other_before = std::fs::read(site.out().join("koji-mori/osaka-blue/index.html")).unwrap();
    let hub = site.out().join("nova-lane/index.html");
    let hub_before = inode(&hub);
    site.edit("links/nova-lane/sunflower.toml", |t| {
        t + "description = \"Out **now** everywhere.\"\n"
    });
    let report = build(&site, &[]);
    // The description is not on the hub, which is neither rendered nor rewritten.
    assert_eq!(counts(&report), (1, 14));
    assert_eq!(inode(&hub), hub_before);
    let page = std::fs::read_to_string(site.out().join("nova-lane/sunflower/index.html")).unwrap();
    assert!(page.contains("<strong>now</strong>"));
    assert_eq!(
        std::fs::read(site.out().join("koji-mori/osaka-blue/index.html")).unwrap(),
        other_before
    );
    assert_eq!(snapshot(&site.out()), full_build_snapshot(&site));
}

#[test]
fn changing_catalog_data_rerenders_that_release() {
    let site = Site::sample();
    build(&site, &[]);
    // koji-mori/osaka-blue's Spotify data: a new name.
    let id = site.album_id("links/koji-mori/osaka-blue.toml");
    site.edit(&format!("catalog/koji-mori/releases/{id}.json"), |t| {
        t.replacen(
            "\"name\": \"Ōsaka Blue\"",
            "\"name\": \"Ōsaka Blue (Remastered)\"",
            1,
        )
    });
    let report = build(&site, &[]);
    assert_eq!(
        counts(&report),
        (2, 13),
        "the page and its hub, whose list shows the title"
    );
    let hub = std::fs::read_to_string(site.out().join("koji-mori/index.html")).unwrap();
    assert!(hub.contains("Ōsaka Blue (Remastered)"));
    assert_eq!(snapshot(&site.out()), full_build_snapshot(&site));
}

#[test]
fn changing_a_theme_file_rerenders_only_that_themes_pages() {
    let site = Site::sample();
    build(&site, &[]);
    // Two links use the minimal theme: nova-lane/premiere-lumiere and koji-mori/osaka-blue.
    let page = |rel: &str| std::fs::read(site.out().join(rel).join("index.html")).unwrap();
    let (minimal_before, other_before) = (
        page("nova-lane/premiere-lumiere"),
        page("nova-lane/sunflower"),
    );
    let css = std::fs::read_to_string(common::repo_root().join("themes/minimal/static/style.css"))
        .unwrap();
    site.write(
        "themes/minimal/static/style.css",
        &format!("{css}\n.changed {{ color: red }}\n"),
    );
    let report = build(&site, &[]);
    assert_eq!(counts(&report), (2, 13));
    // They link to the new stylesheet; the others are as they were.
    assert_ne!(page("nova-lane/premiere-lumiere"), minimal_before);
    assert_eq!(page("nova-lane/sunflower"), other_before);
    assert_eq!(snapshot(&site.out()), full_build_snapshot(&site));
}

#[test]
fn a_tampered_previous_page_is_rendered_again() {
    let site = Site::sample();
    build(&site, &[]);
    let page = site.out().join("nova-lane/zoe-a-paris/index.html");
    std::fs::write(&page, "tampered").unwrap();
    assert_eq!(counts(&build(&site, &[])), (1, 14));
    assert_ne!(std::fs::read_to_string(&page).unwrap(), "tampered");
}

#[test]
fn a_failed_incremental_build_leaves_the_previous_site() {
    let site = Site::sample();
    build(&site, &[]);
    let before = snapshot(&site.out());
    site.edit("links/nova-lane/sunflower.toml", |t| {
        t.replace(
            "approved = true",
            "approved = true\ntheme = \"no-such-theme\"",
        )
    });
    let err = site.build_fails();
    assert!(err.contains("no-such-theme"), "{err}");
    assert_eq!(snapshot(&site.out()), before);
}

#[test]
fn an_in_place_edit_of_the_same_size_right_after_a_build_is_seen() {
    let site = Site::sample();
    build(&site, &[]);
    // Same length, same file, within the same second as the build: only
    // the bytes tell the difference.
    site.edit("links/nova-lane/sunflower.toml", |t| {
        t + "description = \"AAAA\"\n"
    });
    build(&site, &[]);
    let file = site.content().join("links/nova-lane/sunflower.toml");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("AAAA", "BBBB");
    std::fs::OpenOptions::new()
        .write(true)
        .open(&file)
        .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()))
        .unwrap();
    assert_eq!(counts(&build(&site, &[])).0, 1);
    let page = std::fs::read_to_string(site.out().join("nova-lane/sunflower/index.html")).unwrap();
    assert!(page.contains("BBBB"));
}

#[test]
fn adding_and_removing_links_and_artists_matches_a_full_build() {
    let site = Site::sample();
    build(&site, &[]);
    // A new link for an existing release of nova-lane, under a second slug,
    // is refused (one link per release), so approve the unapproved one and
    // remove another link file instead.
    let unapproved = std::fs::read_dir(site.content().join("links"))
        .unwrap()
        .flatten()
        .flat_map(|d| std::fs::read_dir(d.path()).unwrap().flatten())
        .map(|f| f.path())
        .find(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .contains("approved = false")
        })
        .expect("the sample has an unapproved link");
    let text = std::fs::read_to_string(&unapproved).unwrap();
    std::fs::write(
        &unapproved,
        text.replace("approved = false", "approved = true"),
    )
    .unwrap();
    std::fs::remove_file(site.content().join("links/koji-mori/osaka-blue.toml")).unwrap();
    let report = build(&site, &[]);
    assert_eq!(report["links"].as_u64(), Some(12));
    assert!(!site.out().join("koji-mori/osaka-blue").exists());
    assert_eq!(snapshot(&site.out()), full_build_snapshot(&site));

    // An artist who leaves takes their hub and pages along.
    std::fs::remove_file(site.content().join("artists/ada-okafor.toml")).unwrap();
    std::fs::remove_dir_all(site.content().join("links/ada-okafor")).unwrap();
    let report = build(&site, &[]);
    assert_eq!(report["hubs"].as_u64(), Some(2));
    assert!(!site.out().join("ada-okafor").exists());
    assert!(!std::fs::read_to_string(site.out().join("sitemap.xml"))
        .unwrap()
        .contains("ada-okafor"));
    assert_eq!(snapshot(&site.out()), full_build_snapshot(&site));
}

#[test]
fn a_deleted_site_is_built_again_whole() {
    let site = Site::sample();
    build(&site, &[]);
    std::fs::remove_dir_all(site.out()).unwrap();
    assert_eq!(counts(&build(&site, &[])), (15, 0));
    assert_eq!(snapshot(&site.out()), full_build_snapshot(&site));
}

#[test]
fn site_wide_files_are_written_again_when_removed_or_edited() {
    let site = Site::sample();
    build(&site, &[]);
    std::fs::remove_file(site.out().join("sitemap.xml")).unwrap();
    std::fs::write(site.out().join("_redirects"), "tampered").unwrap();
    // No page changes, but the site-wide files are not what the record says.
    assert_eq!(counts(&build(&site, &[])), (0, 15));
    assert_eq!(snapshot(&site.out()), full_build_snapshot(&site));
}
