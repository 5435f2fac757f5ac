//! Country ordering through the real binary: the static page order, the
//! edge data embedded in each page, `smartlinks order`, and the per-link
//! `smartlinks service` edits.

mod common;

use common::{snapshot, Built, Page, Site};
use smartlinks_core::edge::{embedded_json, reorder, EdgeOrders};

const ZOE: &str = "nova-lane/zoe-a-paris/index.html";
const TOKYO_FILE: &str = "links/koji-mori/tokyo-no-yoru.toml";

fn ok(site: &Site, args: &[&str]) -> String {
    let out = site.run(args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn fails(site: &Site, args: &[&str]) -> String {
    let out = site.run(args);
    assert!(!out.status.success(), "{args:?} should have failed");
    String::from_utf8(out.stderr).unwrap()
}

/// Service ids `smartlinks order LINK --country C --json` lists.
fn cli_order(site: &Site, link: &str, country: &str) -> Vec<String> {
    let json = serde_json::from_str(&ok(site, &["order", link, "--country", country, "--json"]));
    common::service_ids(&json.unwrap())
}

fn edge(built: &Built, page: &str) -> Option<(String, EdgeOrders)> {
    let html = built.text(page);
    let json = embedded_json(&html)?;
    let orders = serde_json::from_str(json).unwrap();
    Some((html, orders))
}

/// The page as the edge serves it to a fan in `country`.
fn served(html: &str, orders: &EdgeOrders, country: &str) -> Page {
    let order = orders.for_country(Some(country)).unwrap();
    Page {
        html: scraper::Html::parse_document(&reorder(html, order).unwrap()),
    }
}

#[test]
fn static_html_lists_buttons_in_the_global_order_with_edits_applied_and_hidden_absent() {
    let site = Site::sample();
    let link = "nova-lane/zoe-a-paris";
    ok(
        &site,
        &[
            "service",
            "set",
            link,
            "bandcamp",
            "https://novalane.bandcamp.com/album/zoe-a-paris",
        ],
    );
    ok(
        &site,
        &[
            "service",
            "set",
            link,
            "apple_music",
            "https://music.apple.com/fr/album/zoe-a-paris/1743231948",
        ],
    );
    ok(&site, &["service", "hide", link, "tidal"]);
    let page = site.build().page(ZOE);
    assert_eq!(
        page.services(),
        [
            "spotify",
            "apple_music",
            "youtube_music",
            "amazon_music",
            "deezer",
            "youtube",
            "soundcloud",
            "bandcamp",
            "napster",
            "itunes",
            "amazon_store",
        ]
    );
    assert_eq!(
        page.attr("a[data-service=apple_music]", "href"),
        "https://music.apple.com/fr/album/zoe-a-paris/1743231948"
    );
    assert_eq!(
        page.attr("a[data-service=bandcamp]", "href"),
        "https://novalane.bandcamp.com/album/zoe-a-paris"
    );
}

#[test]
fn embedded_edge_orders_reorder_the_page_for_france_japan_and_nigeria() {
    let site = Site::sample();
    let link = "nova-lane/zoe-a-paris";
    // Nigerian fans' favourites, added by hand so the page has them.
    ok(
        &site,
        &[
            "service",
            "set",
            link,
            "boomplay",
            "https://www.boomplay.com/albums/1",
        ],
    );
    ok(
        &site,
        &[
            "service",
            "set",
            link,
            "audiomack",
            "https://audiomack.com/nova-lane/album/zoe-a-paris",
        ],
    );
    let built = site.build();
    let (html, orders) = edge(&built, ZOE).expect("an auto-ordered page carries edge data");
    let fr = served(&html, &orders, "FR").services();
    assert_eq!(fr[..3], ["spotify", "deezer", "apple_music"]);
    let jp = served(&html, &orders, "JP").services();
    assert_eq!(jp[..3], ["amazon_music", "apple_music", "spotify"]);
    assert_eq!(
        jp[jp.len() - 4..],
        ["deezer", "tidal", "boomplay", "napster"],
        "not offered in Japan: last, in the global order"
    );
    let ng = served(&html, &orders, "NG").services();
    assert_eq!(ng[..3], ["boomplay", "audiomack", "spotify"]);
    for (country, page) in [("FR", &fr), ("JP", &jp), ("NG", &ng)] {
        assert_eq!(
            *page,
            cli_order(&site, link, country),
            "edge and `order` agree for {country}"
        );
        assert_eq!(
            page.len(),
            built.page(ZOE).services().len(),
            "{country}: nothing lost"
        );
    }
    // The splice moves whole buttons: each keeps its own link.
    let fr_page = served(&html, &orders, "FR");
    assert_eq!(
        fr_page.attr("a[data-service=deezer]", "href"),
        built.page(ZOE).attr("a[data-service=deezer]", "href")
    );
    // Unknown countries are served the page as built.
    assert_eq!(
        orders.for_country(Some("XX")).unwrap(),
        built.page(ZOE).services()
    );
}

#[test]
fn edge_data_is_left_out_where_every_fan_sees_the_same_order() {
    let built = Site::sample().build();
    // ada-okafor has a fixed order; the playlist offers Spotify only.
    for page in [
        "ada-okafor/owambe-season/index.html",
        "nova-lane/nuits-blanches/index.html",
    ] {
        assert!(edge(&built, page).is_none(), "{page}");
    }
    for page in [
        ZOE,
        "koji-mori/tokyo-no-yoru/index.html",
        "koji-mori/osaka-blue/index.html",
    ] {
        let text = built.text(page);
        let json = embedded_json(&text).unwrap_or_else(|| panic!("{page}"));
        assert!(
            !json.contains('<') && !json.contains('>'),
            "script-safe: {json}"
        );
        assert!(
            json.len() < 4096,
            "{page}: {} bytes of edge data",
            json.len()
        );
    }
}

#[test]
fn a_release_missing_from_spotify_in_a_country_gets_spotify_last_there() {
    // Ōsaka Blue is on Spotify in eight markets only (available_markets).
    let site = Site::sample();
    let link = "koji-mori/osaka-blue";
    assert_eq!(cli_order(&site, link, "JP")[2], "spotify");
    let de = cli_order(&site, link, "DE");
    assert_eq!(de.last().unwrap(), "spotify");
    let json: serde_json::Value =
        serde_json::from_str(&ok(&site, &["order", link, "--country", "de", "--json"])).unwrap();
    assert_eq!(json["country"], "DE", "the code is taken in any case");
    let spotify = json["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "spotify")
        .unwrap();
    assert_eq!(spotify["available"], false);
}

#[test]
fn order_prints_the_fans_order_with_names_and_urls() {
    let site = Site::sample();
    let out = ok(
        &site,
        &["order", "nova-lane/zoe-a-paris", "--country", "FR"],
    );
    assert!(out.contains("France (FR)"), "{out}");
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| l.trim_start().starts_with(char::is_numeric))
        .collect();
    assert!(
        lines[0].contains("spotify") && lines[0].contains("https://open.spotify.com/album/"),
        "{out}"
    );
    assert!(
        lines[1].contains("deezer") && lines[1].contains("Deezer"),
        "{out}"
    );
    assert!(out.contains("SNEP"), "names the source of the order: {out}");

    let ru = ok(
        &site,
        &["order", "nova-lane/premiere-lumiere", "--country", "RU"],
    );
    let first = ru.lines().nth(1).unwrap();
    assert!(first.contains("yandex"), "{ru}");
    assert!(
        ru.lines()
            .any(|l| l.contains("spotify") && l.contains("moved last")),
        "{ru}"
    );

    let global = ok(&site, &["order", "nova-lane/zoe-a-paris"]);
    assert!(global.contains("unknown"), "{global}");
    let unknown = site.run(&["order", "nova-lane/zoe-a-paris", "--country", "T1"]);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("global order"));
    assert_eq!(
        String::from_utf8(unknown.stdout)
            .unwrap()
            .lines()
            .skip(1)
            .collect::<Vec<_>>(),
        global.lines().skip(1).collect::<Vec<_>>()
    );
}

#[test]
fn a_fixed_order_artist_gets_one_order_in_every_country() {
    let site = Site::sample();
    let link = "ada-okafor/owambe-season";
    let us = cli_order(&site, link, "US");
    assert_eq!(us[..4], ["boomplay", "audiomack", "spotify", "apple_music"]);
    for c in ["FR", "JP", "NG", "RU", "BR"] {
        assert_eq!(cli_order(&site, link, c), us, "{c}");
    }
    let text = ok(&site, &["order", link, "--country", "JP"]);
    assert!(text.contains("fixed"), "{text}");
    assert_eq!(
        site.build()
            .page("ada-okafor/owambe-season/index.html")
            .services(),
        us
    );
}

#[test]
fn hide_unavailable_leaves_services_out_for_the_fan_but_not_the_static_page() {
    let site = Site::sample();
    site.edit("artists/nova-lane.toml", |t| {
        t.replace("hide_unavailable = false", "hide_unavailable = true")
    });
    let ru = cli_order(&site, "nova-lane/premiere-lumiere", "RU");
    assert!(
        !ru.contains(&"spotify".to_string()) && !ru.contains(&"pandora".to_string()),
        "{ru:?}"
    );
    let built = site.build();
    let page = "nova-lane/premiere-lumiere/index.html";
    assert!(built.page(page).services().contains(&"pandora".to_string()));
    let (html, orders) = edge(&built, page).unwrap();
    assert_eq!(served(&html, &orders, "RU").services(), ru);
}

#[test]
fn hide_unavailable_with_a_fixed_order_is_refused() {
    let site = Site::sample();
    site.edit("artists/ada-okafor.toml", |t| {
        format!("{t}hide_unavailable = true\n")
    });
    let err = site.build_fails();
    assert!(
        err.contains("ada-okafor.toml") && err.contains("hide_unavailable"),
        "{err}"
    );
}

#[test]
fn service_commands_edit_the_link_file_and_keep_its_comments() {
    let site = Site::sample();
    let link = "koji-mori/tokyo-no-yoru";
    let original = site.read(TOKYO_FILE);
    ok(
        &site,
        &[
            "service",
            "set",
            link,
            "deezer",
            "https://www.deezer.com/album/77",
        ],
    );
    ok(&site, &["service", "hide", link, "tidal"]);
    let text = site.read(TOKYO_FILE);
    for kept in [
        "# 東京の夜 (album, 1984)",
        "# Odesli matched the 2024 remaster on Apple Music; point fans at the original mix.",
        "apple_music = \"https://music.apple.com/us/album/tokyo-no-yoru-original-1984-mix/1471147104\"",
        "approved = true",
    ] {
        assert!(text.contains(kept), "{kept:?} lost:\n{text}");
    }
    assert!(
        text.contains("deezer = \"https://www.deezer.com/album/77\""),
        "{text}"
    );
    assert!(text.contains("hide = [\"tidal\"]"), "{text}");
    let page = site.build().page("koji-mori/tokyo-no-yoru/index.html");
    assert!(!page.services().contains(&"tidal".to_string()));
    assert_eq!(
        page.attr("a[data-service=deezer]", "href"),
        "https://www.deezer.com/album/77"
    );

    ok(&site, &["service", "reset", link, "deezer"]);
    ok(&site, &["service", "reset", link, "tidal"]);
    assert_eq!(site.read(TOKYO_FILE), original, "reset undoes set and hide");

    let json: serde_json::Value =
        serde_json::from_str(&ok(&site, &["service", "reset", link, "tidal", "--json"])).unwrap();
    assert_eq!(json["changed"], false);
    ok(&site, &["service", "reset", link]);
    let text = site.read(TOKYO_FILE);
    assert!(
        !text.contains("[services]") && text.starts_with("# 東京の夜"),
        "{text}"
    );
}

#[test]
fn a_bad_edit_writes_nothing_and_names_the_problem() {
    let site = Site::sample();
    let link = "koji-mori/tokyo-no-yoru";
    let before = snapshot(&site.content());
    let cases: &[(&[&str], &[&str])] = &[
        (
            &[
                "service",
                "set",
                link,
                "deezer",
                "http://www.deezer.com/album/1",
            ],
            &["services.deezer", "https://"],
        ),
        (
            &[
                "service",
                "set",
                link,
                "deezer",
                "https://deezer.com.evil.example/album/1",
            ],
            &["services.deezer", "deezer.com"],
        ),
        (
            &["service", "set", link, "deezer", "javascript:alert(1)"],
            &["services.deezer", "https://"],
        ),
        (
            &[
                "service",
                "set",
                link,
                "deezer",
                "https://user:pw@www.deezer.com/album/1",
            ],
            &["user name"],
        ),
        (
            &[
                "service",
                "set",
                link,
                "deezr",
                "https://www.deezer.com/album/1",
            ],
            &["unknown service \"deezr\"", "deezer"],
        ),
        (
            &["service", "hide", link, "tidl"],
            &["unknown service \"tidl\""],
        ),
        (
            &[
                "service",
                "set",
                "koji-mori/nope",
                "deezer",
                "https://www.deezer.com/album/1",
            ],
            &["no Smart Link", "tokyo-no-yoru"],
        ),
        (
            &["service", "hide", "../../etc/passwd", "tidal"],
            &["ARTIST/SLUG"],
        ),
    ];
    for (args, needles) in cases {
        let err = fails(&site, args);
        assert!(err.starts_with("smartlinks: error: "), "{err}");
        assert!(err.contains("nothing was written"), "{err}");
        for n in *needles {
            assert!(err.contains(n), "{args:?}: {n:?} not in {err}");
        }
    }
    let other = ok(
        &site,
        &[
            "service",
            "set",
            link,
            "other",
            "https://shop.example.org/tokyo",
        ],
    );
    assert!(
        other.contains("other"),
        "`other` takes any https host: {other}"
    );
    ok(&site, &["service", "reset", link, "other"]);
    assert_eq!(
        snapshot(&site.content()),
        before,
        "no file changed, no temp file left"
    );
}

#[test]
fn a_playlist_shows_spotify_plus_what_the_artist_adds() {
    let site = Site::sample();
    let link = "nova-lane/nuits-blanches";
    let page = "nova-lane/nuits-blanches/index.html";
    assert_eq!(site.build().page(page).services(), ["spotify"]);
    ok(
        &site,
        &[
            "service",
            "set",
            link,
            "apple_music",
            "https://music.apple.com/fr/playlist/nuits-blanches/pl.1",
        ],
    );
    ok(
        &site,
        &[
            "service",
            "set",
            link,
            "deezer",
            "https://www.deezer.com/playlist/42",
        ],
    );
    let built = site.build();
    assert_eq!(
        built.page(page).services(),
        ["spotify", "apple_music", "deezer"]
    );
    let (html, orders) = edge(&built, page).expect("France sees Deezer before Apple Music");
    assert_eq!(
        served(&html, &orders, "FR").services(),
        ["spotify", "deezer", "apple_music"]
    );
}
