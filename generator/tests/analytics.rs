//! First-party analytics end to end: the beacon script in built pages, the
//! beacon endpoint of `smartlinks serve` (hostile input included), the
//! preview's rebuild, reload and country ordering, and `smartlinks
//! analytics` figures from the local store and from Analytics Engine.

#[path = "analytics/ae_fake.rs"]
mod ae_fake;
mod common;
#[path = "analytics/preview.rs"]
mod preview;

use std::io::Write;
use std::time::Duration;

use ae_fake::{FakeAnalyticsEngine, Point, ACCOUNT, TOKEN};
use common::{copy_dir, Site};
use preview::Preview;
use serde_json::{json, Value};
use smartlinks::analytics::store::Store;
use smartlinks_core::beacon::{ae, Device, Event, EventKind, Utm, MAX_BODY_BYTES};

/// An ordinary phone browser; beacons from it are counted.
pub const PHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

const ZOE: &str = "nova-lane/zoe-a-paris/index.html";

fn beacon_json(kind: &str, service: Option<&str>) -> Value {
    let mut b = json!({
        "kind": kind,
        "artist": "nova-lane",
        "link": "zoe-a-paris",
        "referrer": "https://l.instagram.com/?u=secret",
        "utm": {"source": "ig", "campaign": "launch"},
        "device": "mobile",
        "locale": "fr-FR",
        "ts": 1_772_323_200_000u64
    });
    if let Some(s) = service {
        b["service"] = s.into();
    }
    b
}

fn js_asset(built: &common::Built, stem: &str) -> String {
    let assets = built.root.join("assets");
    let name = std::fs::read_dir(&assets)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with(&format!("{stem}.")) && n.ends_with(".js"))
        .unwrap_or_else(|| panic!("no assets/{stem}.*.js"));
    built.text(&format!("assets/{name}"))
}

// ---------------------------------------------------------------- the page

#[test]
fn beacon_script_is_under_2_kb_gzipped_and_keeps_nothing_on_the_device() {
    let built = Site::sample().build();
    let js = js_asset(&built, "beacon");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(js.as_bytes()).unwrap();
    let size = gz.finish().unwrap().len();
    println!("beacon.js: {} bytes, {size} bytes gzipped", js.len());
    assert!(size <= 2048, "beacon.js is {size} bytes gzipped");
    for forbidden in [
        "document.cookie",
        "localStorage",
        "sessionStorage",
        "indexedDB",
        "preventDefault",
    ] {
        assert!(!js.contains(forbidden), "beacon.js uses {forbidden}");
    }
    assert!(js.contains("sendBeacon"));
}

#[test]
fn link_pages_load_the_beacon_with_their_identity_and_hubs_do_not() {
    let built = Site::sample().build();
    let page = built.page(ZOE);
    let script = page.all("script[data-endpoint]");
    assert_eq!(script.len(), 1);
    let s = script[0].value();
    assert_eq!(s.attr("data-endpoint"), Some("/api/beacon"));
    assert_eq!(s.attr("data-artist"), Some("nova-lane"));
    assert_eq!(s.attr("data-link"), Some("zoe-a-paris"));
    assert!(s.attr("src").unwrap().starts_with("/assets/beacon."));
    assert!(
        s.attr("defer").is_some(),
        "the beacon never blocks rendering"
    );
    // The controls of the data-action contract.
    assert_eq!(page.all("button[data-action=share]").len(), 1);
    assert_eq!(
        page.attr("a[data-action=save]", "href"),
        "https://open.spotify.com/album/1day0uyMToGjXyXSwqzZKk"
    );
    let video = page.attr("[data-action=video]", "data-embed");
    assert!(
        video.starts_with("https://www.youtube-nocookie.com/embed/"),
        "{video}"
    );
    assert!(
        page.all("iframe").is_empty(),
        "the player loads only on click"
    );

    let hub = built.page("nova-lane/index.html");
    assert!(hub.all("script[data-endpoint]").is_empty());
    assert!(built
        .page("404.html")
        .all("script[data-endpoint]")
        .is_empty());
}

// ------------------------------------------------------- the beacon endpoint

#[test]
fn valid_beacons_are_stored_with_the_country_and_without_any_address() {
    let site = Site::sample();
    let server = Preview::start(&site);
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let r = server.beacon(
        beacon_json("click", Some("deezer")).to_string(),
        &[("cf-ipcountry", "FR")],
    );
    assert_eq!(r.status, 204, "{}", r.body);
    // Without the header, the country comes from `?country=` on the page
    // that sent the beacon.
    let r = server.beacon(
        beacon_json("view", None).to_string(),
        &[(
            "referer",
            &format!("{}/nova-lane/zoe-a-paris?country=jp", server.url),
        )],
    );
    assert_eq!(r.status, 204, "{}", r.body);

    let rows = server.events();
    assert_eq!(rows.len(), 2);
    let click = &rows[0];
    assert_eq!(click["kind"], "click");
    assert_eq!(click["service"], "deezer");
    assert_eq!(click["country"], "FR");
    assert_eq!(click["referrer"], "https://l.instagram.com", "origin only");
    assert_eq!(click["utm_source"], "ig");
    assert_eq!(click["utm_campaign"], "launch");
    assert_eq!(click["device"], "mobile");
    assert_eq!(click["locale"], "fr-FR");
    assert!(
        click["ts"].as_u64().unwrap() >= before,
        "the server's clock is stored, not the page's"
    );
    assert_eq!(rows[1]["country"], "JP");
    assert_eq!(rows[1]["service"], Value::Null);

    let columns: Vec<&str> = click.keys().map(String::as_str).collect();
    assert!(
        !columns
            .iter()
            .any(|c| c.contains("ip") || c.contains("addr") || c.contains("agent")),
        "{columns:?}"
    );
    drop(server);
    let bytes = std::fs::read(site.content().join(".smartlinks/analytics.db")).unwrap();
    assert!(
        !bytes.windows(9).any(|w| w == b"127.0.0.1"),
        "no address reaches the database"
    );
}

#[test]
fn hostile_beacons_are_refused_and_change_no_count() {
    let site = Site::sample();
    let server = Preview::start(&site);
    let with = |f: &dyn Fn(&mut Value)| {
        let mut b = beacon_json("view", None);
        f(&mut b);
        b.to_string()
    };
    let oversized = with(&|b| b["utm"]["content"] = "x".repeat(MAX_BODY_BYTES).into());
    let cases: Vec<(&str, String, u16)> = vec![
        ("oversized", oversized, 413),
        ("wrong kind", with(&|b| b["kind"] = "purchase".into()), 400),
        (
            "unknown link",
            with(&|b| b["link"] = "not-a-release".into()),
            422,
        ),
        (
            "unpublished link",
            with(&|b| {
                b["artist"] = "ada-okafor".into();
                b["link"] = "jollof-and-chill".into();
            }),
            422,
        ),
        (
            "unknown service",
            beacon_json("click", Some("napster2")).to_string(),
            422,
        ),
        (
            "click without service",
            beacon_json("click", None).to_string(),
            422,
        ),
        ("malformed JSON", "{\"kind\":\"view\",".to_string(), 400),
        ("not JSON", "kind=view".to_string(), 400),
        ("unknown field", with(&|b| b["ip"] = "1.2.3.4".into()), 400),
        (
            "script in a UTM value",
            with(&|b| b["utm"]["campaign"] = "<script>alert(1)</script>".into()),
            422,
        ),
        (
            "script in the referrer",
            with(&|b| b["referrer"] = "javascript:alert(1)".into()),
            422,
        ),
        (
            "markup in the slug",
            with(&|b| b["link"] = "<img src=x onerror=alert(1)>".into()),
            422,
        ),
        (
            "control character in the locale",
            with(&|b| b["locale"] = "fr\u{202e}".into()),
            422,
        ),
    ];
    for (what, body, expected) in &cases {
        let r = server.beacon(body.clone(), &[("cf-ipcountry", "FR")]);
        assert_eq!(r.status, *expected, "{what}: {}", r.body);
    }
    // Bots learn nothing from the answer, and are not counted.
    for ua in [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "curl/8.5.0",
        "",
    ] {
        let r = server.beacon(beacon_json("view", None).to_string(), &[("user-agent", ua)]);
        assert_eq!(r.status, 204, "bot {ua:?}");
    }
    let r = server.get("/api/beacon", &[]);
    assert_eq!(r.status, 405);
    assert!(server.events().is_empty(), "nothing was stored");

    let r = server.beacon(beacon_json("view", None).to_string(), &[]);
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(
        server.events().len(),
        1,
        "a good beacon after all that counts"
    );
}

// --------------------------------------------------------------- the preview

#[test]
fn served_pages_get_the_reload_hook_but_built_files_never_do() {
    let site = Site::sample();
    let server = Preview::start(&site);
    let page = server.get("/nova-lane/zoe-a-paris", &[]);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("/__smartlinks/reload"));
    assert!(page.body.contains("data-endpoint=\"/api/beacon\""));
    let built = std::fs::read_to_string(server.out.join(ZOE)).unwrap();
    assert!(
        !built.contains("__smartlinks"),
        "built file carries the hook"
    );

    let missing = server.get("/nova-lane/no-such-link", &[]);
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("Page not found"));
    let escape = server.get("/..%2f..%2f..%2fetc/passwd", &[]);
    assert_eq!(escape.status, 404);
    assert!(!escape.body.contains("root:"));
}

#[test]
fn content_changes_rebuild_reload_open_pages_and_update_the_known_links() {
    let site = Site::sample();
    let server = Preview::start(&site);
    let jollof = || {
        let mut b = beacon_json("view", None);
        b["artist"] = "ada-okafor".into();
        b["link"] = "jollof-and-chill".into();
        server.beacon(b.to_string(), &[])
    };
    assert_eq!(jollof().status, 422, "not published yet");

    let reloaded = server.reload_after(
        || {
            site.edit("links/ada-okafor/jollof-and-chill.toml", |t| {
                t.replace(
                    "approved = false",
                    "approved = true\ndescription = \"Fresh **jollof** beats.\"",
                )
            });
        },
        Duration::from_secs(30),
    );
    assert!(reloaded, "open pages were told to reload");
    let page = server.get("/ada-okafor/jollof-and-chill", &[]);
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("<strong>jollof</strong>"),
        "new content is served"
    );
    assert_eq!(
        jollof().status,
        204,
        "the new link is known after the rebuild"
    );
    assert_eq!(server.events().len(), 1);
}

#[test]
fn a_broken_edit_keeps_the_previous_site_served() {
    let site = Site::sample();
    let server = Preview::start(&site);
    let reloaded = server.reload_after(
        || {
            site.write(
                "links/nova-lane/zoe-a-paris.toml",
                "slug = \"zoe-a-paris\"\nbogus = 1\n",
            );
        },
        Duration::from_secs(3),
    );
    assert!(!reloaded, "a failed build does not reload pages");
    let page = server.get("/nova-lane/zoe-a-paris", &[]);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Zoë à Paris"));
}

/// After its first build the preview checks only the files its watcher
/// saw change; every kind of change must still reach the site, and what
/// did not change is left as it was.
#[test]
fn watched_rebuilds_follow_every_kind_of_change_and_leave_the_rest() {
    let site = Site::sample();
    let server = Preview::start(&site);
    let untouched = server.out.join("ada-okafor/uto/index.html");
    let stamp = |p: &std::path::Path| {
        let m = std::fs::metadata(p).unwrap();
        (m.modified().unwrap(), std::fs::read(p).unwrap())
    };
    let before = stamp(&untouched);
    let rebuilt = |what: &str, change: &dyn Fn()| {
        assert!(
            server.reload_after(change, Duration::from_secs(30)),
            "{what}: no rebuild"
        );
    };

    // Pulled data, written the way a pull writes it: a hidden file renamed
    // over the old one.
    let album = format!(
        "catalog/nova-lane/releases/{}.json",
        site.album_id("links/nova-lane/zoe-a-paris.toml")
    );
    rebuilt("a pulled album", &|| {
        let text = site
            .read(&album)
            .replacen("\"Zoë à Paris\"", "\"Zoë à Paris (Deluxe)\"", 1);
        let tmp = site.content().join("catalog/nova-lane/releases/.zoe.tmp");
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, site.content().join(&album)).unwrap();
    });
    let page = server.get("/nova-lane/zoe-a-paris", &[]);
    assert!(page.body.contains("Zoë à Paris (Deluxe)"), "{}", page.body);

    // A folder moved in: no event names the files in it.
    let albums = site.content().join("catalog/nova-lane/releases");
    let moved_in = site.dir.path().join("releases");
    copy_dir(&albums, &moved_in);
    let text = std::fs::read_to_string(moved_in.join(album.rsplit('/').next().unwrap()))
        .unwrap()
        .replace("Zoë à Paris (Deluxe)", "Zoë à Paris (Remastered)");
    std::fs::write(moved_in.join(album.rsplit('/').next().unwrap()), text).unwrap();
    rebuilt("a folder moved in", &|| {
        std::fs::rename(&albums, site.dir.path().join("releases-before")).unwrap();
        std::fs::rename(&moved_in, &albums).unwrap();
    });
    let page = server.get("/nova-lane/zoe-a-paris", &[]);
    assert!(
        page.body.contains("Zoë à Paris (Remastered)"),
        "{}",
        page.body
    );

    rebuilt("a new link file", &|| {
        site.edit("links/koji-mori/osaka-blue.toml", |t| {
            t.replace("\"osaka-blue\"", "\"osaka-blue-live\"")
        });
        std::fs::rename(
            site.content().join("links/koji-mori/osaka-blue.toml"),
            site.content().join("links/koji-mori/osaka-blue-live.toml"),
        )
        .unwrap();
    });
    assert_eq!(server.get("/koji-mori/osaka-blue-live", &[]).status, 200);
    assert_eq!(server.get("/koji-mori/osaka-blue", &[]).status, 404);

    let sunflower = site.read("links/nova-lane/sunflower.toml");
    rebuilt("a removed link file", &|| {
        std::fs::remove_file(site.content().join("links/nova-lane/sunflower.toml")).unwrap();
    });
    assert_eq!(server.get("/nova-lane/sunflower", &[]).status, 404);
    // A file no input names yet: only its folder tells.
    rebuilt("a link file added", &|| {
        site.write(
            "links/nova-lane/sunflower-again.toml",
            &sunflower.replace("\"sunflower\"", "\"sunflower-again\""),
        );
    });
    assert_eq!(server.get("/nova-lane/sunflower-again", &[]).status, 200);
    let mut b = beacon_json("view", None);
    b["link"] = "sunflower".into();
    assert_eq!(
        server.beacon(b.to_string(), &[]).status,
        422,
        "no longer published"
    );

    rebuilt("an artist file", &|| {
        site.edit("artists/koji-mori.toml", |t| {
            t.replace("name = \"Kōji Mori\"", "name = \"Kōji Mori Trio\"")
        });
    });
    assert!(server
        .get("/koji-mori", &[])
        .body
        .contains("Kōji Mori Trio"));
    assert!(server
        .get("/koji-mori/tokyo-no-yoru", &[])
        .body
        .contains("Kōji Mori Trio"));

    // A failed rebuild, then its fix: the fix is served.
    let cafe = site.read("links/nova-lane/cafe-creme.toml");
    assert!(!server.reload_after(
        || {
            site.write("links/nova-lane/cafe-creme.toml", "slug = 1\n");
        },
        Duration::from_secs(3)
    ));
    rebuilt("a fixed link file", &|| {
        site.write(
            "links/nova-lane/cafe-creme.toml",
            &format!("{cafe}description = \"Back again.\"\n"),
        );
    });
    assert!(server
        .get("/nova-lane/cafe-creme", &[])
        .body
        .contains("Back again."));

    assert!(
        before == stamp(&untouched),
        "another artist's page was rewritten"
    );
}

#[test]
fn buttons_follow_the_country_from_the_query_or_the_cf_header_like_the_edge() {
    let site = Site::sample();
    let global = site.build().page(ZOE).services();
    // What a fan in a country sees, from the same code the build uses.
    let expected = |country: &str| -> Vec<String> {
        let out = site.run(&[
            "order",
            "nova-lane/zoe-a-paris",
            "--country",
            country,
            "--json",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        common::service_ids(&serde_json::from_slice(&out.stdout).unwrap())
    };
    let french = expected("FR");
    assert_ne!(
        french, global,
        "France has its own order (Deezer ranks high there)"
    );
    let server = Preview::start(&site);
    let order = |path: &str, headers: &[(&str, &str)]| {
        let r = server.get(path, headers);
        assert_eq!(r.status, 200);
        common::Page {
            html: scraper::Html::parse_document(&r.body),
        }
        .services()
    };
    assert_eq!(order("/nova-lane/zoe-a-paris?country=FR", &[]), french);
    assert_eq!(order("/nova-lane/zoe-a-paris?country=fr", &[]), french);
    assert_eq!(
        order("/nova-lane/zoe-a-paris", &[("cf-ipcountry", "JP")]),
        expected("JP")
    );
    assert_eq!(
        order("/nova-lane/zoe-a-paris?country=NG", &[]),
        expected("NG")
    );
    assert_eq!(
        order("/nova-lane/zoe-a-paris", &[("cf-ipcountry", "XX")]),
        global
    );
    assert_eq!(order("/nova-lane/zoe-a-paris", &[]), global);
}

#[test]
fn serve_stops_by_itself_and_on_sigterm() {
    let site = Site::sample();
    let server = Preview::start_with(&site, &["--exit-after", "1"]);
    assert_eq!(server.wait(Duration::from_secs(20)), Some(true));

    let server = Preview::start(&site);
    let status = std::process::Command::new("kill")
        .args(["-TERM", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(server.wait(Duration::from_secs(20)), Some(true));
}

#[test]
fn a_busy_port_is_a_clear_error() {
    let site = Site::sample();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = site.run(&["serve", "--port", &port, "--exit-after", "5"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("cannot listen on 127.0.0.1:{port}")) && err.contains("--port 0"),
        "{err}"
    );
}

// ------------------------------------------------------------------ reports

const DAY: u64 = 86_400_000;
/// 2026-03-01T00:00:00Z.
const MAR1: u64 = 1_772_323_200_000;
const HOUR: u64 = 3_600_000;

struct E {
    kind: EventKind,
    link: (&'static str, &'static str),
    service: Option<&'static str>,
    country: Option<&'static str>,
    device: Device,
    locale: Option<&'static str>,
    campaign: Option<&'static str>,
    ts: u64,
}

const ZOE_L: (&str, &str) = ("nova-lane", "zoe-a-paris");
const CAFE: (&str, &str) = ("nova-lane", "cafe-creme");
const TOKYO: (&str, &str) = ("koji-mori", "tokyo-no-yoru");

fn e(
    kind: EventKind,
    link: (&'static str, &'static str),
    country: Option<&'static str>,
    ts: u64,
) -> E {
    E {
        kind,
        link,
        service: None,
        country,
        device: Device::Mobile,
        locale: None,
        campaign: None,
        ts,
    }
}

/// The known set: 9 views, 4 service clicks, 2 shares, 1 save, 1 video
/// play; 7 views fall within 2026-03-01..=2026-03-03.
fn known_events() -> Vec<Event> {
    use EventKind::*;
    let click = |link, service, country, ts| E {
        service: Some(service),
        ..e(Click, link, country, ts)
    };
    let list = vec![
        E {
            campaign: Some("launch"),
            locale: Some("fr-FR"),
            ..e(View, ZOE_L, Some("FR"), MAR1 + 10 * HOUR)
        },
        E {
            campaign: Some("launch"),
            locale: Some("fr-FR"),
            ..e(View, ZOE_L, Some("FR"), MAR1 + 11 * HOUR)
        },
        E {
            campaign: Some("launch"),
            ..click(ZOE_L, "spotify", Some("FR"), MAR1 + 11 * HOUR)
        },
        click(ZOE_L, "deezer", Some("FR"), MAR1 + 12 * HOUR),
        E {
            device: Device::Desktop,
            ..e(View, ZOE_L, Some("FR"), MAR1 + DAY + 9 * HOUR)
        },
        click(ZOE_L, "spotify", Some("FR"), MAR1 + DAY + 9 * HOUR),
        E {
            locale: Some("de-DE"),
            ..e(View, ZOE_L, Some("DE"), MAR1 + 3 * DAY - 1000)
        },
        e(Share, ZOE_L, Some("DE"), MAR1 + 3 * DAY - 500),
        e(Save, ZOE_L, Some("FR"), MAR1 + DAY + 10 * HOUR),
        e(Video, ZOE_L, Some("FR"), MAR1 + DAY + 10 * HOUR),
        E {
            device: Device::Desktop,
            ..e(View, CAFE, Some("US"), MAR1 + DAY)
        },
        E {
            device: Device::Tablet,
            ..e(View, CAFE, Some("US"), MAR1 + DAY + HOUR)
        },
        click(CAFE, "apple_music", Some("US"), MAR1 + DAY + HOUR),
        e(View, TOKYO, Some("JP"), MAR1 + 2 * DAY),
        e(Share, TOKYO, Some("JP"), MAR1 + 2 * DAY),
        // Outside the range on both sides.
        e(View, ZOE_L, Some("FR"), MAR1 - 14 * DAY),
        e(View, ZOE_L, None, MAR1 + 3 * DAY),
    ];
    list.into_iter()
        .map(|x| Event {
            kind: x.kind,
            artist: x.link.0.into(),
            link: x.link.1.into(),
            service: x.service.map(str::to_string),
            referrer: None,
            utm: Utm {
                campaign: x.campaign.map(str::to_string),
                ..Utm::default()
            },
            device: x.device,
            locale: x.locale.map(str::to_string),
            country: x.country.map(str::to_string),
            ts: x.ts,
        })
        .collect()
}

fn site_with_events(events: &[Event]) -> Site {
    let site = Site::sample();
    let store = Store::open(&site.content().join(".smartlinks/analytics.db")).unwrap();
    for ev in events {
        store.insert(ev).unwrap();
    }
    site
}

fn report_json(site: &Site, args: &[&str], env: &[(&str, &str)]) -> Value {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_smartlinks"));
    cmd.arg("--content")
        .arg(site.content())
        .arg("--json")
        .arg("analytics")
        .args(args)
        .env_remove("SMARTLINKS_CONTENT")
        .env_remove("CLOUDFLARE_API_TOKEN")
        .env_remove("CLOUDFLARE_ACCOUNT_ID")
        .env_remove("CLOUDFLARE_API_BASE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn figures(v: &Value) -> (u64, u64, u64, u64, u64) {
    let n = |k: &str| v[k].as_u64().unwrap_or_else(|| panic!("{k} in {v}"));
    (
        n("views"),
        n("service_clicks"),
        n("shares"),
        n("saves"),
        n("video_plays"),
    )
}

fn row<'a>(rows: &'a Value, key: &str, value: Option<&str>) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r[key].as_str() == value)
        .unwrap_or_else(|| panic!("no row {key}={value:?} in {rows}"))
}

const RANGE: [&str; 4] = ["--since", "2026-03-01", "--until", "2026-03-03"];

#[test]
fn report_totals_and_per_link_figures_match_the_stored_events() {
    let site = site_with_events(&known_events());
    let all = report_json(&site, &[], &[]);
    assert_eq!(figures(&all["totals"]), (9, 4, 2, 1, 1));
    let rate = all["totals"]["click_rate"].as_f64().unwrap();
    assert!((rate - 4.0 / 9.0).abs() < 1e-9, "{rate}");

    let r = report_json(&site, &RANGE, &[]);
    assert_eq!(r["source"], "local");
    assert_eq!(figures(&r["totals"]), (7, 4, 2, 1, 1));
    let links = &r["links"];
    assert_eq!(links.as_array().unwrap().len(), 3);
    assert_eq!(links[0]["link"], "zoe-a-paris", "most viewed first");
    let zoe = row(links, "link", Some("zoe-a-paris"));
    assert_eq!(figures(zoe), (4, 3, 1, 1, 1));
    assert_eq!(zoe["click_rate"], 0.75);
    let cafe = row(links, "link", Some("cafe-creme"));
    assert_eq!(figures(cafe), (2, 1, 0, 0, 0));
    assert_eq!(cafe["click_rate"], 0.5);
    let tokyo = row(links, "link", Some("tokyo-no-yoru"));
    assert_eq!(figures(tokyo), (1, 0, 1, 0, 0));
    assert_eq!(tokyo["click_rate"], 0.0);

    let days: Vec<(String, u64)> = r["views_per_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["date"].as_str().unwrap().to_string(),
                d["views"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        days,
        [
            ("2026-03-01".to_string(), 2),
            ("2026-03-02".to_string(), 3),
            ("2026-03-03".to_string(), 2)
        ]
    );
    let services: Vec<(&str, u64)> = r["clicks_per_service"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["service"].as_str().unwrap(),
                s["clicks"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        services,
        [("spotify", 2), ("apple_music", 1), ("deezer", 1)]
    );
    assert_eq!(r["clicks_per_service"][0]["name"], "Spotify");
    let countries: Vec<(&str, u64)> = r["top_countries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["country"].as_str().unwrap(), c["views"].as_u64().unwrap()))
        .collect();
    assert_eq!(countries, [("FR", 3), ("US", 2), ("DE", 1), ("JP", 1)]);

    let nova = report_json(
        &site,
        &[&RANGE[..], &["--artist", "nova-lane"]].concat(),
        &[],
    );
    assert_eq!(figures(&nova["totals"]), (6, 4, 1, 1, 1));
    assert_eq!(nova["links"].as_array().unwrap().len(), 2);
    let first_day = report_json(
        &site,
        &["--since", "2026-03-01", "--until", "2026-03-01"],
        &[],
    );
    assert_eq!(figures(&first_day["totals"]), (2, 2, 0, 0, 0));
}

#[test]
fn breakdowns_count_each_dimension_value() {
    let site = site_with_events(&known_events());
    let by = |d: &str| {
        report_json(&site, &[&RANGE[..], &["--by", d]].concat(), &[])["breakdown"].clone()
    };
    let country = by("country");
    assert_eq!(country["by"], "country");
    assert_eq!(
        figures(row(&country["rows"], "value", Some("FR"))),
        (3, 3, 0, 1, 1)
    );
    assert_eq!(
        figures(row(&country["rows"], "value", Some("DE"))),
        (1, 0, 1, 0, 0)
    );
    assert_eq!(
        figures(row(&country["rows"], "value", Some("US"))),
        (2, 1, 0, 0, 0)
    );
    let device = by("device");
    assert_eq!(row(&device["rows"], "value", Some("mobile"))["views"], 4);
    assert_eq!(row(&device["rows"], "value", Some("desktop"))["views"], 2);
    assert_eq!(row(&device["rows"], "value", Some("tablet"))["views"], 1);
    let campaign = by("utm_campaign");
    assert_eq!(
        figures(row(&campaign["rows"], "value", Some("launch"))),
        (2, 1, 0, 0, 0)
    );
    assert_eq!(
        figures(row(&campaign["rows"], "value", None)),
        (5, 3, 2, 1, 1)
    );
    let service = by("service");
    assert_eq!(service["rows"].as_array().unwrap().len(), 3, "clicks only");
    assert_eq!(
        row(&service["rows"], "value", Some("spotify"))["service_clicks"],
        2
    );
    let locale = by("locale");
    assert_eq!(row(&locale["rows"], "value", Some("fr-FR"))["views"], 2);
}

#[test]
fn csv_and_table_show_the_same_figures() {
    let site = site_with_events(&known_events());
    let out = site.run(&[&["analytics", "--csv"][..], &RANGE].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "artist",
            "link",
            "views",
            "service_clicks",
            "shares",
            "saves",
            "video_plays",
            "click_rate"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(&rows[0][0], "(total)");
    assert_eq!(&rows[0][2], "7");
    let zoe = rows.iter().find(|r| &r[1] == "zoe-a-paris").unwrap();
    assert_eq!(
        zoe.iter().collect::<Vec<_>>(),
        [
            "nova-lane",
            "zoe-a-paris",
            "4",
            "3",
            "1",
            "1",
            "1",
            "0.7500"
        ]
    );

    let out = site.run(&[&["analytics", "--csv", "--by", "country"][..], &RANGE].concat());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("country,views,service_clicks"), "{text}");
    assert!(text.contains("\nFR,3,3,0,1,1,1.0000\n"), "{text}");

    let out = site.run(&[&["analytics"][..], &RANGE].concat());
    let table = String::from_utf8(out.stdout).unwrap();
    for heading in [
        "Views",
        "Music service clicks",
        "Share clicks",
        "Save events",
        "Video plays",
        "Service click rate",
    ] {
        assert!(table.contains(heading), "{heading}\n{table}");
    }
    let zoe_line = table
        .lines()
        .find(|l| l.contains("nova-lane/zoe-a-paris"))
        .unwrap();
    let cells: Vec<&str> = zoe_line
        .split(['│', '┆'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        cells,
        ["nova-lane/zoe-a-paris", "4", "3", "1", "1", "1", "75.0%"],
        "{table}"
    );
    assert!(table.contains("2026-03-01 to 2026-03-03"));
}

#[test]
fn html_dashboard_is_self_contained_with_charts_and_escapes_stored_text() {
    let mut events = known_events();
    // A store someone tampered with: text that never passes the beacon
    // checks must still not become markup.
    let mut evil = events[0].clone();
    evil.utm.campaign = Some("<script>alert(1)</script>".into());
    evil.country = Some("<img src=x onerror=alert(2)>".into());
    events.push(evil);
    let site = site_with_events(&events);
    let file = site.dir.path().join("report.html");
    let out = site.run(
        &[
            &[
                "analytics",
                "--by",
                "utm_campaign",
                "--html",
                file.to_str().unwrap(),
            ][..],
            &RANGE,
        ]
        .concat(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(!html.contains("<script"), "no script at all");
    assert!(!html.contains("<img"), "stored text stays text");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "nothing external"
    );
    assert!(html.contains("default-src 'none'"));

    let doc = scraper::Html::parse_document(&html);
    let sel = |s: &str| scraper::Selector::parse(s).unwrap();
    let charts: Vec<_> = doc.select(&sel("figure svg")).collect();
    assert_eq!(
        charts.len(),
        3,
        "views over time, clicks per service, top countries"
    );
    let day_bars: Vec<String> = charts[0]
        .select(&sel("rect title"))
        .map(|t| t.text().collect())
        .collect();
    assert_eq!(
        day_bars,
        ["2026-03-01: 3", "2026-03-02: 3", "2026-03-03: 2"]
    );
    let service_bars: Vec<String> = charts[1]
        .select(&sel("rect title"))
        .map(|t| t.text().collect())
        .collect();
    assert_eq!(service_bars, ["Spotify: 2", "Apple Music: 1", "Deezer: 1"]);
    let first_country: String = charts[2]
        .select(&sel("rect title"))
        .next()
        .unwrap()
        .text()
        .collect();
    assert_eq!(first_country, "FR: 3");
    let cards: Vec<String> = doc
        .select(&sel(".card b"))
        .map(|b| b.text().collect())
        .collect();
    assert_eq!(cards, ["8", "4", "2", "1", "1", "50.0%"]);
}

#[test]
fn reports_without_a_database_or_with_bad_options_say_what_to_do() {
    let site = Site::sample();
    let out = site.run(&["analytics"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no analytics database") && err.contains("smartlinks serve"),
        "{err}"
    );

    let site = site_with_events(&known_events());
    let out = site.run(&[
        "analytics",
        "--since",
        "2026-03-05",
        "--until",
        "2026-03-01",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("--since 2026-03-05 is after --until 2026-03-01"),
        "{err}"
    );
    let out = site.run(&["analytics", "--since", "March 1st"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("not a date like 2026-03-01"),
        "{err}"
    );
    let out = site.run(&["analytics", "--artist", "x' OR '1'='1"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("not an artist slug"),
        "{err}"
    );
}

// ---------------------------------------------------------------- cloudflare

fn write_points(fake: &FakeAnalyticsEngine, events: &[Event]) {
    for ev in events {
        fake.write(
            ae::DATASET,
            Point {
                ts_ms: ev.ts,
                sample_interval: 1,
                index: &ev.ae_index(),
                blobs: &ev.ae_blobs(),
                doubles: &[1.0],
            },
        );
    }
}

fn cloudflare_env(fake: &FakeAnalyticsEngine) -> Vec<(&'static str, String)> {
    vec![
        ("CLOUDFLARE_API_BASE", fake.api_base()),
        ("CLOUDFLARE_ACCOUNT_ID", ACCOUNT.to_string()),
        ("CLOUDFLARE_API_TOKEN", TOKEN.to_string()),
    ]
}

fn without_source(mut v: Value) -> Value {
    v.as_object_mut().unwrap().remove("source");
    v
}

#[test]
fn cloudflare_source_counts_sampled_points_and_agrees_with_the_local_store() {
    let events = known_events();
    let site = site_with_events(&events);
    let fake = FakeAnalyticsEngine::start(ae::DATASET);
    // Two identical-but-for-the-minute views stored as one point standing
    // for two events, as Analytics Engine does when it samples.
    let (pair, rest) = events.split_at(2);
    fake.write(
        ae::DATASET,
        Point {
            ts_ms: pair[0].ts,
            sample_interval: 2,
            index: &pair[0].ae_index(),
            blobs: &pair[0].ae_blobs(),
            doubles: &[1.0],
        },
    );
    write_points(&fake, rest);
    let env = cloudflare_env(&fake);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();

    for args in [
        &RANGE[..],
        &[&RANGE[..], &["--by", "country"]].concat(),
        &[],
    ] {
        let local = report_json(&site, args, &[]);
        let cloud = report_json(&site, &[args, &["--source", "cloudflare"]].concat(), &env);
        assert_eq!(cloud["source"], "cloudflare");
        assert_eq!(without_source(cloud), without_source(local), "{args:?}");
    }
    let queries = fake.queries();
    assert!(!queries.is_empty());
    for q in &queries {
        assert!(q.contains("SUM(_sample_interval)"), "{q}");
        assert!(q.contains(&format!("FROM {}", ae::DATASET)), "{q}");
    }

    // A heavily sampled point counts for its whole interval.
    let mut heavy = events[10].clone(); // a view of cafe-creme on 2026-03-02
    heavy.device = Device::Desktop;
    fake.write(
        ae::DATASET,
        Point {
            ts_ms: heavy.ts,
            sample_interval: 20,
            index: &heavy.ae_index(),
            blobs: &heavy.ae_blobs(),
            doubles: &[1.0],
        },
    );
    let cloud = report_json(
        &site,
        &[&RANGE[..], &["--source", "cloudflare"]].concat(),
        &env,
    );
    assert_eq!(figures(&cloud["totals"]), (27, 4, 2, 1, 1));
    assert_eq!(
        row(&cloud["links"], "link", Some("cafe-creme"))["views"],
        22
    );
}

#[test]
fn cloudflare_errors_name_the_problem() {
    let site = Site::sample();
    let fake = FakeAnalyticsEngine::start(ae::DATASET);
    let run = |env: &[(&str, &str)]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_smartlinks"));
        cmd.arg("--content")
            .arg(site.content())
            .args(["analytics", "--source", "cloudflare"])
            .env_remove("CLOUDFLARE_API_TOKEN")
            .env_remove("CLOUDFLARE_ACCOUNT_ID")
            .env("CLOUDFLARE_API_BASE", fake.api_base());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(!out.status.success());
        String::from_utf8(out.stderr).unwrap()
    };
    let err = run(&[("CLOUDFLARE_API_TOKEN", TOKEN)]);
    assert!(err.contains("CLOUDFLARE_ACCOUNT_ID"), "{err}");
    let err = run(&[("CLOUDFLARE_ACCOUNT_ID", ACCOUNT)]);
    assert!(err.contains("CLOUDFLARE_API_TOKEN"), "{err}");
    let err = run(&[
        ("CLOUDFLARE_ACCOUNT_ID", ACCOUNT),
        ("CLOUDFLARE_API_TOKEN", "wrong"),
    ]);
    assert!(
        err.starts_with("smartlinks: error: ")
            && err.contains("analytics_engine/sql answered 401")
            && err.contains("Authentication error")
            && err.contains("Account Analytics Read"),
        "{err}"
    );
    assert!(
        fake.queries().is_empty(),
        "nothing ran without a valid token"
    );
}
