//! `smartlinks build` on fixture sites: what it writes, what it refuses,
//! and that a failed build leaves the previous site alone.

mod common;

use common::{snapshot, Site};

const ZOE: &str = "nova-lane/zoe-a-paris/index.html";
const ZOE_RELEASE: &str = "catalog/nova-lane/releases/1day0uyMToGjXyXSwqzZKk.json";

#[test]
fn every_approved_link_gets_a_page_and_unapproved_ones_do_not() {
    let site = Site::sample();
    let built = site.build();
    for page in [
        ZOE,
        "nova-lane/cafe-creme/index.html",
        "nova-lane/nuits-blanches/index.html",
        "koji-mori/tokyo-no-yoru/index.html",
        "ada-okafor/owambe-season/index.html",
        "nova-lane/index.html",
        "koji-mori/index.html",
        "ada-okafor/index.html",
        "404.html",
        "robots.txt",
        "sitemap.xml",
    ] {
        assert!(built.exists(page), "{page} missing");
    }
    assert!(!built.exists("ada-okafor/jollof-and-chill/index.html"));
    assert!(!built.text("sitemap.xml").contains("jollof-and-chill"));
    assert!(!built
        .text("ada-okafor/index.html")
        .contains("jollof-and-chill"));
}

#[test]
fn link_page_has_canonical_social_tags_hub_link_and_plain_buttons() {
    let built = Site::sample().build();
    let page = built.page(ZOE);
    let url = "https://play.example.com/nova-lane/zoe-a-paris";
    assert_eq!(page.attr("link[rel=canonical]", "href"), url);
    assert_eq!(page.meta("og:url"), url);
    assert_eq!(page.meta("og:title"), "Zoë à Paris");
    assert_eq!(page.meta("og:type"), "music.album");
    assert!(page.meta("og:image").starts_with("https://i.scdn.co/"));
    assert_eq!(page.meta("twitter:card"), "summary_large_image");
    assert_eq!(page.attr(".byline a", "href"), "/nova-lane");
    let services = page.services();
    assert_eq!(
        services.first().map(String::as_str),
        Some("spotify"),
        "global order starts with Spotify"
    );
    assert!(services.contains(&"deezer".to_string()));
    for a in page.all("a[data-service]") {
        assert!(a.value().attr("href").unwrap().starts_with("https://"));
    }
    // Odesli's unknown `qobuz` platform is tolerated, not shown.
    assert!(!services.iter().any(|s| s.contains("qobuz")));
}

#[test]
fn release_json_ld_is_a_music_album_with_tracks_and_exact_titles() {
    let built = Site::sample().build();
    let ld = built.page(ZOE).jsonld();
    assert_eq!(ld["@type"], "MusicAlbum");
    assert_eq!(ld["name"], "Zoë à Paris");
    assert_eq!(ld["albumReleaseType"], "AlbumRelease");
    assert_eq!(ld["byArtist"]["@type"], "MusicGroup");
    assert_eq!(ld["numTracks"], 11);
    let first = &ld["track"]["itemListElement"][0]["item"];
    assert_eq!(first["@type"], "MusicRecording");
    assert!(first["duration"].as_str().unwrap().starts_with("PT"));

    let tokyo = built.page("koji-mori/tokyo-no-yoru/index.html").jsonld();
    assert_eq!(tokyo["name"], "東京の夜");
    let ep = built.page("nova-lane/cafe-creme/index.html").jsonld();
    assert_eq!(ep["albumReleaseType"], "EPRelease");
    let compilation = built
        .page("koji-mori/golden-best-1982-1989/index.html")
        .jsonld();
    assert_eq!(compilation["albumProductionType"], "CompilationAlbum");
    let emoji = built.page("nova-lane/sunflower/index.html");
    assert_eq!(emoji.jsonld()["name"], "Sunflower 🌻");
    assert_eq!(emoji.text("h1"), "Sunflower 🌻");
}

#[test]
fn playlist_page_is_a_music_playlist_with_spotify_button() {
    let built = Site::sample().build();
    let page = built.page("nova-lane/nuits-blanches/index.html");
    assert_eq!(page.jsonld()["@type"], "MusicPlaylist");
    assert_eq!(page.services(), ["spotify"]);
    assert_eq!(page.meta("og:type"), "music.playlist");
    // Spotify's HTML-escaped description is decoded once, not shown as `&amp;`.
    assert!(
        page.text(".description")
            .contains("city lights & the songs I can't"),
        "{}",
        page.text(".description")
    );
}

#[test]
fn hidden_service_is_not_rendered_and_edited_url_is() {
    let built = Site::sample().build();
    let ep = built.page("nova-lane/cafe-creme/index.html");
    assert!(!ep.services().contains(&"tidal".to_string()));
    let tokyo = built.page("koji-mori/tokyo-no-yoru/index.html");
    assert_eq!(
        tokyo.attr("a[data-service=apple_music]", "href"),
        "https://music.apple.com/us/album/tokyo-no-yoru-original-1984-mix/1471147104"
    );
}

#[test]
fn release_without_cover_renders_a_placeholder_and_small_card() {
    let built = Site::sample().build();
    let page = built.page("koji-mori/osaka-blue/index.html");
    assert!(page.all("img.cover").is_empty());
    assert_eq!(page.all(".cover-missing").len(), 1);
    assert_eq!(page.meta("twitter:card"), "summary");
}

#[test]
fn hub_lists_published_links_newest_first_with_music_group_json_ld() {
    let built = Site::sample().build();
    let hub = built.page("nova-lane/index.html");
    let hrefs: Vec<String> = hub
        .all(".releases a")
        .iter()
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect();
    let pos = |slug: &str| {
        hrefs
            .iter()
            .position(|h| h.ends_with(slug))
            .unwrap_or_else(|| panic!("{slug} not in {hrefs:?}"))
    };
    assert!(pos("/sunflower") < pos("/zoe-a-paris"), "2026 before 2025");
    assert!(
        pos("/zoe-a-paris") < pos("/premiere-lumiere"),
        "2025 before 2021"
    );
    let ld = hub.jsonld();
    assert_eq!(ld["@type"], "MusicGroup");
    assert_eq!(ld["url"], "https://play.example.com/nova-lane");
    assert_eq!(ld["album"].as_array().unwrap().len(), hrefs.len());
    assert_eq!(
        hub.attr("link[rel=canonical]", "href"),
        "https://play.example.com/nova-lane"
    );
}

#[test]
fn sitemap_lists_every_published_page_and_robots_points_at_it() {
    let built = Site::sample().build();
    let sitemap = built.text("sitemap.xml");
    let locs = sitemap.matches("<loc>").count();
    assert_eq!(locs, 12 + 3, "12 links and 3 hubs");
    assert!(sitemap.contains("<loc>https://play.example.com/koji-mori/tokyo-no-yoru</loc>"));
    assert!(built
        .text("robots.txt")
        .contains("Sitemap: https://play.example.com/sitemap.xml"));
}

#[test]
fn theme_static_files_get_a_content_hash_and_pages_point_at_them() {
    let built = Site::sample().build();
    let href = built.page(ZOE).attr("link[rel=stylesheet]", "href");
    let name = href.trim_start_matches("/assets/");
    assert!(
        name.starts_with("style.") && name.ends_with(".css") && name.len() > "style..css".len() + 8,
        "{href}"
    );
    assert!(built.exists(href.trim_start_matches('/')));
}

#[test]
fn hostile_title_from_a_pulled_answer_stays_text() {
    let site = Site::sample();
    let evil = "</script><img src=x onerror=alert(1)>\"'&";
    site.edit(ZOE_RELEASE, |t| {
        let mut v: serde_json::Value = serde_json::from_str(&t).unwrap();
        v["album"]["name"] = evil.into();
        v["album"]["tracks"]["items"][0]["name"] = evil.into();
        serde_json::to_string(&v).unwrap()
    });
    let built = site.build();
    let page = built.page(ZOE);
    assert!(page.all("img[onerror]").is_empty());
    assert!(page
        .all("img")
        .iter()
        .all(|i| i.value().attr("src") != Some("x")));
    assert_eq!(page.text("h1"), evil);
    let ld = page.jsonld();
    assert_eq!(ld["name"], evil, "JSON-LD round-trips the title");
    assert_eq!(ld["track"]["itemListElement"][0]["item"]["name"], evil);
    for script in page.all("script") {
        let ty = script.value().attr("type");
        let json_ld = ty == Some("application/ld+json") || ty == Some("application/json");
        let src = script.value().attr("src");
        assert!(
            json_ld || src.is_some_and(|s| s.starts_with("/assets/")),
            "the only inline script is JSON-LD; others are first-party files"
        );
    }
}

#[test]
fn javascript_urls_from_odesli_never_become_links() {
    let site = Site::sample();
    site.edit(ZOE_RELEASE, |t| {
        let mut v: serde_json::Value = serde_json::from_str(&t).unwrap();
        let links = &mut v["odesli"]["answer"]["linksByPlatform"];
        links["deezer"]["url"] = "javascript:alert(1)".into();
        links["tidal"]["url"] = "https://listen.tidal.com.evil.example/x".into();
        serde_json::to_string(&v).unwrap()
    });
    let out = site.run(&["build", "--out", site.out().to_str().unwrap()]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("zoe-a-paris.toml") && stderr.contains("deezer"),
        "warning names the link: {stderr}"
    );
    let built = common::Built {
        root: site.out(),
        _site: None,
    };
    let html = built.text(ZOE);
    assert!(!html.to_ascii_lowercase().contains("javascript:"));
    assert!(!html.contains("evil.example"));
    assert!(!built.page(ZOE).services().contains(&"deezer".to_string()));
}

#[test]
fn javascript_url_in_a_link_file_is_refused_naming_file_and_field() {
    let site = Site::sample();
    site.edit("links/nova-lane/zoe-a-paris.toml", |t| {
        format!("{t}\n[services]\ndeezer = \"javascript:alert(1)\"\n")
    });
    let err = site.build_fails();
    assert!(err.contains("zoe-a-paris.toml"), "{err}");
    assert!(err.contains("services.deezer"), "{err}");
    assert!(err.contains("https://"), "says what is expected: {err}");
}

#[test]
fn a_slug_cannot_escape_the_output_directory() {
    let site = Site::sample();
    site.write("links/nova-lane/../../etc.toml", "slug = \"../../etc\"\nsource = \"spotify:album:1day0uyMToGjXyXSwqzZKk\"\napproved = true\n");
    site.edit("links/nova-lane/sunflower.toml", |t| {
        t.replace("slug = \"sunflower\"", "slug = \"../../etc\"")
    });
    let err = site.build_fails();
    assert!(
        err.contains("sunflower.toml") && err.contains("not a valid slug"),
        "{err}"
    );
    assert!(!site.dir.path().join("etc").exists());
    assert!(!site.out().exists());
}

#[test]
fn unknown_field_is_an_error_naming_file_field_and_line() {
    let site = Site::sample();
    site.edit("artists/koji-mori.toml", |t| {
        format!("{t}\ncolour = \"blue\"\n")
    });
    let err = site.build_fails();
    assert!(err.contains("koji-mori.toml"), "{err}");
    assert!(err.contains("colour"), "{err}");
    assert!(err.contains("line"), "{err}");
    assert!(err.starts_with("smartlinks: error: "), "{err}");
}

#[test]
fn a_bad_link_file_is_reported_once_without_blaming_its_artist() {
    let site = Site::sample();
    site.edit("links/nova-lane/sunflower.toml", |t| {
        format!("{t}\nbogus = 1\n")
    });
    let err = site.build_fails();
    assert!(
        err.contains("sunflower.toml") && err.contains("bogus"),
        "{err}"
    );
    assert!(!err.contains("there is no artists/"), "{err}");
}

#[test]
fn links_without_an_artist_file_are_named() {
    let site = Site::sample();
    site.write(
        "links/ghost/song.toml",
        "slug = \"song\"\nsource = \"spotify:album:1day0uyMToGjXyXSwqzZKk\"\n",
    );
    let err = site.build_fails();
    assert!(err.contains("there is no artists/ghost.toml"), "{err}");
}

#[test]
fn unknown_theme_is_an_error_listing_the_available_ones() {
    let site = Site::sample();
    site.edit("links/nova-lane/sunflower.toml", |t| {
        format!("{t}\ntheme = \"neon\"\n")
    });
    let err = site.build_fails();
    assert!(
        err.contains("sunflower.toml")
            && err.contains("unknown theme \"neon\"")
            && err.contains("daylight"),
        "{err}"
    );
}

#[test]
fn a_failed_build_leaves_the_previous_site_byte_for_byte() {
    let site = Site::sample();
    site.build();
    let before = snapshot(&site.out());
    // A corrupt catalog file fails one page midway through rendering.
    site.write(ZOE_RELEASE, "{ not json");
    site.edit("links/nova-lane/sunflower.toml", |t| {
        t.replace("approved = true", "approved = false")
    });
    let err = site.build_fails();
    assert!(
        err.contains("1day0uyMToGjXyXSwqzZKk.json") && err.contains("smartlinks pull"),
        "{err}"
    );
    assert_eq!(snapshot(&site.out()), before);
    let leftovers: Vec<_> = std::fs::read_dir(site.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("staging"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn approved_link_without_pulled_data_says_to_pull() {
    let site = Site::sample();
    site.write(
        "links/nova-lane/new-one.toml",
        "slug = \"new-one\"\nsource = \"spotify:album:AAAAAAAAAAAAAAAAAAAAAA\"\napproved = true\n",
    );
    let err = site.build_fails();
    assert!(
        err.contains("new-one.toml") && err.contains("smartlinks pull --artist nova-lane"),
        "{err}"
    );
}

#[test]
fn init_creates_a_site_that_builds_empty() {
    let dir = tempfile::tempdir().unwrap();
    let site_dir = dir.path().join("fresh");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_smartlinks"))
            .args(args)
            .output()
            .unwrap()
    };
    let init = run(&[
        "init",
        site_dir.to_str().unwrap(),
        "--base-url",
        "https://music.example.org/",
    ]);
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let toml = std::fs::read_to_string(site_dir.join("site.toml")).unwrap();
    assert!(toml.contains("base_url = \"https://music.example.org\""));
    assert!(toml.contains("# "), "site.toml is commented");
    let out = dir.path().join("out");
    let build = run(&[
        "--content",
        site_dir.to_str().unwrap(),
        "build",
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&build.stdout).unwrap();
    assert_eq!(report["links"], 0);
    assert!(out.join("404.html").exists() && out.join("robots.txt").exists());
    assert!(std::fs::read_to_string(out.join("sitemap.xml"))
        .unwrap()
        .contains("<urlset"));
    let again = run(&["init", site_dir.to_str().unwrap()]);
    assert!(!again.status.success(), "init refuses to overwrite");
}

#[test]
fn missing_site_says_how_to_start_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_smartlinks"))
        .args([
            "--content",
            dir.path().join("nowhere").to_str().unwrap(),
            "build",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("smartlinks init"), "{err}");
}

#[test]
fn links_manifest_lists_exactly_the_published_links_for_the_edge() {
    let built = Site::sample().build();
    let manifest: serde_json::Value =
        serde_json::from_str(&built.text("_smartlinks/links.json")).unwrap();
    let links: Vec<&str> = manifest["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(links.contains(&"nova-lane/zoe-a-paris"));
    assert!(links.contains(&"koji-mori/tokyo-no-yoru"));
    assert!(
        !links.contains(&"ada-okafor/jollof-and-chill"),
        "unapproved links are not published"
    );
    for key in &links {
        assert!(
            built.exists(&format!("{key}/index.html")),
            "{key} has no page"
        );
    }
    let mut sorted = links.clone();
    sorted.sort();
    assert_eq!(links, sorted, "sorted, so the worker can binary-search it");
}
