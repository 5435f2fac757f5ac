//! `smartlinks campaign`: the JSON a paid campaign setup needs, on the
//! sample content, by link name and by pasted Spotify address.

mod common;
mod fakes;

use std::process::Output;

use common::{service_ids, Site};
use fakes::data::{self, fake_id, NUITS_BLANCHES, ZOE};
use fakes::spotify::{FakeSpotify, Profile, CLIENT_ID, CLIENT_SECRET};
use serde_json::Value;

/// The first track of Zoë à Paris in the sample catalog.
const ZOE_TRACK: &str = "PYOHVRqbfjI2PzmEaFQ12Y";

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "campaign failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn campaign_for_a_release_has_everything_an_ad_needs_in_page_order() {
    let site = Site::sample();
    // JSON without --json: the output is for tools.
    let v = json(&site.run(&["campaign", "nova-lane/zoe-a-paris"]));
    assert_eq!(v["type"], "release");
    assert_eq!(v["link"], "nova-lane/zoe-a-paris");
    assert_eq!(
        v["smart_link_url"],
        "https://play.example.com/nova-lane/zoe-a-paris"
    );
    assert_eq!(v["title"], "Zoë à Paris");
    assert_eq!(v["artist"], "Nova Lane");
    assert_eq!(v["spotify_uri"], format!("spotify:album:{ZOE}"));
    assert_eq!(
        v["spotify_url"],
        format!("https://open.spotify.com/album/{ZOE}")
    );
    assert_eq!(v["release_date"], "2025-03-14");
    // The largest cover, for ad creatives.
    assert_eq!(
        v["artwork_url"],
        "https://i.scdn.co/image/ab67616d0000b273ae1332bce7a51afd9b8e1dd9"
    );
    for s in v["services"].as_array().unwrap() {
        assert!(s["url"].as_str().unwrap().starts_with("https://"), "{s}");
        assert!(!s["name"].as_str().unwrap().is_empty(), "{s}");
    }
    // The same services, in the same order, as the published page.
    let page = site.build().page("nova-lane/zoe-a-paris/index.html");
    assert_eq!(service_ids(&v), page.services());
}

#[test]
fn campaign_leaves_out_hidden_services() {
    let site = Site::sample();
    // cafe-creme hides tidal in its link file.
    let v = json(&site.run(&["campaign", "nova-lane/cafe-creme"]));
    let ids = service_ids(&v);
    assert!(ids.contains(&"spotify".to_string()), "{ids:?}");
    assert!(!ids.contains(&"tidal".to_string()), "{ids:?}");
}

#[test]
fn campaign_for_a_pasted_playlist_url_finds_its_link() {
    let site = Site::sample();
    let v = json(&site.run(&[
        "campaign",
        &format!("https://open.spotify.com/playlist/{NUITS_BLANCHES}?si=abc"),
    ]));
    assert_eq!(v["type"], "playlist");
    assert_eq!(v["link"], "nova-lane/nuits-blanches");
    assert_eq!(v["release_date"], Value::Null);
    assert_eq!(service_ids(&v)[0], "spotify");
}

#[test]
fn campaign_for_a_pasted_track_url_finds_its_release() {
    let site = Site::sample();
    let (data, _) = data::sample();
    let spotify = FakeSpotify::start(Profile::Extended, data);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_smartlinks"))
        .env("SPOTIFY_CLIENT_ID", CLIENT_ID)
        .env("SPOTIFY_CLIENT_SECRET", CLIENT_SECRET)
        .env("SPOTIFY_ACCOUNTS_BASE", spotify.accounts_base())
        .env("SPOTIFY_API_BASE", spotify.api_base())
        .env("SMARTLINKS_HTTP_ATTEMPTS", "1")
        .arg("--content")
        .arg(site.content())
        .args([
            "campaign",
            &format!("https://open.spotify.com/track/{ZOE_TRACK}"),
        ])
        .output()
        .unwrap();
    let v = json(&out);
    assert_eq!(v["link"], "nova-lane/zoe-a-paris");
    assert_eq!(v["spotify_uri"], format!("spotify:album:{ZOE}"));
    assert_eq!(spotify.count("track"), 1);
}

#[test]
fn campaign_refuses_an_unapproved_link_naming_the_fix() {
    let site = Site::sample();
    let out = site.run(&["campaign", "ada-okafor/jollof-and-chill"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "no JSON for a refused link");
    let err = stderr(&out);
    assert!(
        err.contains("not approved")
            && err.contains("jollof-and-chill.toml")
            && err.contains("smartlinks approve ada-okafor/jollof-and-chill"),
        "{err}"
    );
    // The same link by its Spotify address is refused the same way.
    let source = site.read("links/ada-okafor/jollof-and-chill.toml");
    let uri = source
        .lines()
        .find_map(|l| l.strip_prefix("source = "))
        .unwrap()
        .trim_matches('"')
        .to_string();
    let by_url = site.run(&["campaign", &uri]);
    assert_eq!(by_url.status.code(), Some(1));
    assert!(
        stderr(&by_url).contains("not approved"),
        "{}",
        stderr(&by_url)
    );
}

#[test]
fn campaign_names_unknown_links_and_addresses() {
    let site = Site::sample();
    let cases = [
        (
            "nova-lane/no-such-link",
            "links/nova-lane/no-such-link.toml",
        ),
        ("nobody/zoe-a-paris", "there is no artist \"nobody\""),
        (
            &format!("spotify:album:{}", fake_id("Nowhere")) as &str,
            "there is no Smart Link for spotify:album:",
        ),
        ("zoe-a-paris", "neither ARTIST/SLUG"),
        ("https://example.com/album/123", "open.spotify.com"),
    ];
    for (input, expected) in cases {
        let out = site.run(&["campaign", input]);
        assert_eq!(out.status.code(), Some(1), "{input}");
        assert!(out.stdout.is_empty(), "{input}");
        assert!(stderr(&out).contains(expected), "{input}: {}", stderr(&out));
    }
}
