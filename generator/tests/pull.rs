//! `smartlinks pull` and the commands around it, run as the real binary
//! against loopback fakes of Spotify (both access levels) and Odesli. Each
//! test asserts the files on disk and the calls each fake received.

mod common;
mod fakes;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::rc::Rc;
use std::time::{Duration, Instant};

use common::{snapshot, Site};
use fakes::data::{self, fake_id, CAFE_CREME, KOJI, NOVA, NUITS_BLANCHES, ZOE};
use fakes::odesli::FakeOdesli;
use fakes::spotify::{FakeSpotify, Profile, CLIENT_ID, CLIENT_SECRET};
use fakes::Fault;
use serde_json::{json, Value};

const NOVA_TOML: &str = "name = \"Nova Lane\"\nslug = \"nova-lane\"\nspotify_id = \"tBxoiKdJ8q6XZr8T8jdVtn\"\nauto_approve = true\n";
const KOJI_TOML: &str = "name = \"Koji Mori\"\nslug = \"koji-mori\"\nspotify_id = \"TlaBGzj5j37JmAWOpnkoIn\"\nauto_approve = false\n";
/// The first track of Zoë à Paris in the sample catalog.
const ZOE_TRACK: &str = "PYOHVRqbfjI2PzmEaFQ12Y";

/// A fresh site with two connected artists, and fakes serving the sample
/// catalog: nova-lane (auto-approve, 4 releases) and koji-mori (4 releases).
struct World {
    site: Site,
    spotify: FakeSpotify,
    odesli: FakeOdesli,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}\nstderr: {}", self.stdout, self.stderr))
    }
}

impl World {
    fn new(profile: Profile) -> World {
        let (data, answers) = data::sample();
        World::with(profile, data, answers)
    }

    fn with(
        profile: Profile,
        data: data::SpotifyData,
        answers: std::collections::BTreeMap<String, Value>,
    ) -> World {
        let world = World {
            site: Site {
                dir: Rc::new(tempfile::tempdir().unwrap()),
            },
            spotify: FakeSpotify::start(profile, data),
            odesli: FakeOdesli::start(answers),
        };
        let init = world.run(&["init", world.site.content().to_str().unwrap()]);
        assert_eq!(init.code, 0, "{}", init.stderr);
        world.site.write("artists/nova-lane.toml", NOVA_TOML);
        world.site.write("artists/koji-mori.toml", KOJI_TOML);
        world
    }

    fn command(&self, env: &[(&str, &str)], args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_smartlinks"));
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("SPOTIFY_CLIENT_ID", CLIENT_ID)
            .env("SPOTIFY_CLIENT_SECRET", CLIENT_SECRET)
            .env("SPOTIFY_ACCOUNTS_BASE", self.spotify.accounts_base())
            .env("SPOTIFY_API_BASE", self.spotify.api_base())
            .env("ODESLI_API_BASE", self.odesli.base())
            // Fast enough for tests; the pacing test slows Odesli down again.
            .env("SMARTLINKS_ODESLI_PER_MINUTE", "60000")
            .env("SMARTLINKS_BACKOFF_MS", "20")
            .env("SMARTLINKS_HTTP_ATTEMPTS", "3")
            .env("SMARTLINKS_HTTP_TIMEOUT", "5")
            .current_dir(self.site.dir.path())
            .arg("--content")
            .arg(self.site.content())
            .args(args);
        for (k, v) in env {
            if v.is_empty() {
                c.env_remove(k);
            } else {
                c.env(k, v);
            }
        }
        c
    }

    fn run_env(&self, env: &[(&str, &str)], args: &[&str]) -> Run {
        let out = self.command(env, args).output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_env(&[], args)
    }

    /// `pull --json`, expecting exit code `code`; returns the report.
    fn pull_expect(&self, code: i32, args: &[&str]) -> Value {
        let mut all = vec!["pull", "--json"];
        all.extend(args);
        let run = self.run(&all);
        assert_eq!(
            run.code, code,
            "pull {args:?}\nstdout: {}\nstderr: {}",
            run.stdout, run.stderr
        );
        run.json()
    }

    fn pull(&self) -> Value {
        self.pull_expect(0, &[])
    }

    fn reset_calls(&self) {
        self.spotify.reset_calls();
        self.odesli.reset_calls();
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.site.content().join(rel)
    }

    fn json(&self, rel: &str) -> Value {
        serde_json::from_str(&self.site.read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    fn link(&self, rel: &str) -> toml::Value {
        toml::from_str(&self.site.read(rel)).unwrap()
    }

    /// Link files of an artist: file name -> parsed.
    fn links(&self, artist: &str) -> Vec<(String, toml::Value)> {
        let dir = self.path(&format!("links/{artist}"));
        let mut out: Vec<(String, toml::Value)> = std::fs::read_dir(&dir)
            .map(|d| {
                d.map(|e| e.unwrap().path())
                    .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                    .map(|p| {
                        (
                            p.file_name().unwrap().to_string_lossy().into_owned(),
                            toml::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    fn link_for(&self, artist: &str, album_id: &str) -> Option<(String, toml::Value)> {
        let source = format!("spotify:album:{album_id}");
        self.links(artist)
            .into_iter()
            .find(|(_, l)| l["source"].as_str() == Some(&source))
    }

    fn build(&self) -> common::Built {
        let out = self.site.dir.path().join("public");
        let run = self.run(&["build", "--out", out.to_str().unwrap()]);
        assert_eq!(run.code, 0, "build failed: {}", run.stderr);
        common::Built {
            root: out,
            _site: Some(self.site.dir.clone()),
        }
    }
}

fn artist<'a>(report: &'a Value, slug: &str) -> &'a Value {
    report["artists"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["artist"] == slug)
        .unwrap_or_else(|| panic!("no {slug} in {report}"))
}

fn ids(list: &Value) -> Vec<String> {
    let mut v: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

fn sorted(ids: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

fn nova_ids() -> Vec<String> {
    sorted(&[
        ZOE,
        CAFE_CREME,
        "DUu1nS36MwUFxs1clIJPUx",
        "lqkIJgEWRIrp6MQkrLfZBN",
    ])
}

/// Catalog files other than state.json (which records when releases were
/// last seen, so it changes on every pull).
fn catalog_without_state(world: &World) -> Vec<(PathBuf, Vec<u8>)> {
    snapshot(&world.path("catalog"))
        .into_iter()
        .filter(|(p, _)| !p.ends_with("state.json"))
        .collect()
}

fn every_json_file_parses(dir: &Path) {
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(!name.ends_with(".tmp"), "temporary file left: {name}");
        if name.ends_with(".json") {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            serde_json::from_str::<Value>(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", entry.path().display()));
        }
    }
}

#[test]
fn first_pull_stores_the_catalog_and_starts_link_files() {
    let world = World::new(Profile::Extended);
    let report = world.pull();

    let nova = artist(&report, "nova-lane");
    assert_eq!(ids(&nova["new"]), nova_ids());
    assert_eq!(
        artist(&report, "koji-mori")["new"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert_eq!(report["changed"], true);
    assert_eq!(report["failed"], 0);

    // Verbatim Spotify answers, with the extended-quota fields, beside
    // Odesli's in one file per release.
    let release = world.json(&format!("catalog/nova-lane/releases/{ZOE}.json"));
    let zoe = &release["album"];
    assert_eq!(zoe["name"], "Zoë à Paris");
    assert_eq!(zoe["label"], "Petit Phare Records");
    assert_eq!(zoe["tracks"]["items"].as_array().unwrap().len(), 11);
    assert_eq!(
        world.json("catalog/nova-lane/artist.json")["name"],
        "Nova Lane"
    );
    let odesli = &release["odesli"];
    assert_eq!(odesli["user_country"], "US");
    assert!(odesli["fetched_at"].as_str().unwrap().starts_with("20"));
    assert!(odesli["answer"]["linksByPlatform"]["appleMusic"]["url"].is_string());
    let state = world.json("catalog/nova-lane/state.json");
    assert_eq!(state["releases"].as_object().unwrap().len(), 4);
    assert_eq!(state["releases"][ZOE]["vanished"], false);
    assert!(state["releases"][ZOE]["first_seen"].is_string());

    // The release Nova Lane only appears on is not part of her catalog.
    assert!(!world
        .path(&format!(
            "catalog/nova-lane/releases/{}.json",
            fake_id("GuestSpot")
        ))
        .exists());

    // Link files: approved at once for an auto-approving artist only.
    let (file, zoe_link) = world.link_for("nova-lane", ZOE).unwrap();
    assert_eq!(file, "zoe-a-paris.toml");
    assert_eq!(zoe_link["slug"].as_str(), Some("zoe-a-paris"));
    assert_eq!(zoe_link["approved"].as_bool(), Some(true));
    assert_eq!(world.links("nova-lane").len(), 4);
    let koji = world.links("koji-mori");
    assert_eq!(koji.len(), 4);
    assert!(koji
        .iter()
        .all(|(_, l)| l["approved"].as_bool() == Some(false)));

    // Calls: one listing page and one batch per artist, one Odesli call per release.
    let s = &world.spotify;
    assert_eq!(s.count("token"), 1, "{}", s.summary());
    assert_eq!(s.count("artist"), 2, "{}", s.summary());
    assert_eq!(s.count("artist_albums"), 2, "{}", s.summary());
    assert_eq!(s.count("albums_batch"), 2, "{}", s.summary());
    assert_eq!(s.count("album"), 0, "{}", s.summary());
    assert_eq!(world.odesli.count(), 8);
    assert_eq!(report["calls"]["spotify"], 6);
    assert_eq!(report["calls"]["spotify_token"], 1);
    assert_eq!(report["calls"]["odesli"], 8);
    let listing = s
        .calls()
        .into_iter()
        .find(|c| c.endpoint == "artist_albums")
        .unwrap();
    assert!(
        listing
            .query
            .contains("include_groups=album,single,compilation")
            && listing.query.contains("limit=10"),
        "{}",
        listing.query
    );
}

#[test]
fn second_pull_with_nothing_changed_only_lists_releases() {
    let world = World::new(Profile::Extended);
    world.pull();
    let before = catalog_without_state(&world);
    let links_before = snapshot(&world.path("links"));
    world.reset_calls();

    let report = world.pull();
    let s = &world.spotify;
    assert_eq!(s.count("artist_albums"), 2, "{}", s.summary());
    assert_eq!(s.count("token"), 1, "{}", s.summary());
    assert_eq!(
        s.calls().len(),
        3,
        "only the listing calls: {}",
        s.summary()
    );
    assert_eq!(world.odesli.count(), 0);
    // For bench/side-by-side.sh (shown with --nocapture).
    println!(
        "pull: unchanged catalog: {} Spotify calls ({}), {} Odesli calls",
        s.calls().len(),
        s.summary(),
        world.odesli.count()
    );
    assert_eq!(report["changed"], false);
    assert_eq!(artist(&report, "nova-lane")["unchanged"], 4);
    assert_eq!(report["calls"]["odesli"], 0);
    assert_eq!(catalog_without_state(&world), before);
    assert_eq!(snapshot(&world.path("links")), links_before);

    // The human summary says the same.
    let text = world.run(&["pull"]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(
        text.stdout.contains(
            "nova-lane: 0 new, 0 updated, 0 links refreshed, 0 vanished, 0 failed, 4 unchanged"
        ),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("Odesli 0"), "{}", text.stdout);
}

#[test]
fn releases_stored_as_two_files_move_into_one_and_nothing_is_asked_again() {
    let world = World::new(Profile::Extended);
    world.pull();
    // Store nova-lane's releases as earlier versions did: the album and
    // the Odesli answer apart.
    let dir = world.path("catalog/nova-lane");
    let mut stored = Vec::new();
    for entry in std::fs::read_dir(dir.join("releases")).unwrap() {
        let path = entry.unwrap().path();
        let release: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let name = path.file_name().unwrap().to_owned();
        for (part, folder) in [("album", "albums"), ("odesli", "odesli")] {
            std::fs::create_dir_all(dir.join(folder)).unwrap();
            let text = serde_json::to_string_pretty(&release[part]).unwrap();
            std::fs::write(dir.join(folder).join(&name), text).unwrap();
        }
        std::fs::remove_file(&path).unwrap();
        stored.push((name, release));
    }
    assert_eq!(stored.len(), 4);
    world.reset_calls();

    let report = world.pull();
    assert_eq!(artist(&report, "nova-lane")["unchanged"], 4);
    assert_eq!(world.odesli.count(), 0);
    assert_eq!(world.spotify.count("album"), 0);
    assert_eq!(world.spotify.count("albums_batch"), 0);
    for (name, release) in &stored {
        let path = dir.join("releases").join(name);
        let now: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert_eq!(&now, release, "{name:?} changed");
    }
    assert!(!dir.join("albums").exists() && !dir.join("odesli").exists());
    let built = world.build();
    assert!(
        built
            .page("nova-lane/zoe-a-paris/index.html")
            .services()
            .len()
            > 1
    );
}

#[test]
fn one_new_release_costs_only_its_own_calls() {
    let world = World::new(Profile::Extended);
    world.pull();
    let before = catalog_without_state(&world);
    let new_id = fake_id("NewSingle");
    world.spotify.edit(|d| {
        d.add_album(
            NOVA,
            data::album(
                &new_id,
                "Minuit Pile",
                ("NovaLane", "Nova Lane"),
                "single",
                1,
                "2026-11-20",
            ),
        )
    });
    world
        .odesli
        .set_answer(&new_id, data::odesli_answer(&new_id, "Minuit Pile"));
    world.reset_calls();

    let report = world.pull();
    let s = &world.spotify;
    assert_eq!(s.count("artist_albums"), 2, "{}", s.summary());
    assert_eq!(s.count("album"), 1, "{}", s.summary());
    assert_eq!(s.count("albums_batch"), 0, "{}", s.summary());
    assert_eq!(s.calls().len(), 4, "{}", s.summary());
    assert_eq!(world.odesli.count(), 1);
    assert_eq!(
        ids(&artist(&report, "nova-lane")["new"]),
        vec![new_id.clone()]
    );
    assert_eq!(artist(&report, "nova-lane")["unchanged"], 4);

    let (file, link) = world.link_for("nova-lane", &new_id).unwrap();
    assert_eq!(file, "minuit-pile.toml");
    assert_eq!(link["approved"].as_bool(), Some(true));
    // Everything stored before is as it was; only the new release's file was added.
    let after = catalog_without_state(&world);
    assert_eq!(after.len(), before.len() + 1);
    for file in &before {
        assert!(after.contains(file), "{} changed", file.0.display());
    }
}

#[test]
fn development_mode_falls_back_to_one_call_per_album_and_small_pages() {
    let (mut data, answers) = data::sample();
    for n in 0..8 {
        let id = fake_id(&format!("KojiSingle{n}"));
        data.add_album(
            KOJI,
            data::album(
                &id,
                &format!("Single {n}"),
                ("Koji", "Koji Mori"),
                "single",
                1,
                "2020-01-01",
            ),
        );
    }
    let big = fake_id("BigBox");
    data.add_album(
        NOVA,
        data::album(
            &big,
            "Complete Sessions",
            ("NovaLane", "Nova Lane"),
            "compilation",
            60,
            "2026-10-01",
        ),
    );
    let world = World::with(Profile::Development, data, answers);
    let report = world.pull();

    let s = &world.spotify;
    // The batch endpoint is tried once, answers 404, and is not asked again.
    assert_eq!(s.count("albums_batch"), 1, "{}", s.summary());
    assert_eq!(s.count("album"), 17, "{}", s.summary());
    // 12 koji-mori releases at 10 a page, 5 for nova-lane.
    assert_eq!(s.count("artist_albums"), 3, "{}", s.summary());
    // 50 tracks come with the album; the rest after limit=50 is refused once.
    assert_eq!(s.count("album_tracks"), 2, "{}", s.summary());
    assert_eq!(
        artist(&report, "koji-mori")["new"]
            .as_array()
            .unwrap()
            .len(),
        12
    );
    assert_eq!(report["failed"], 0);

    let stored = &world.json(&format!("catalog/nova-lane/releases/{big}.json"))["album"];
    let tracks = stored["tracks"]["items"].as_array().unwrap();
    assert_eq!(tracks.len(), 60);
    assert_eq!(tracks[59]["track_number"], 60);
    assert!(stored["tracks"]["next"].is_null());
    let zoe = &world.json(&format!("catalog/nova-lane/releases/{ZOE}.json"))["album"];
    assert!(zoe.get("label").is_none() && zoe.get("available_markets").is_none());

    // The pages build from development-mode data.
    let built = world.build();
    let page = built.page("nova-lane/complete-sessions/index.html");
    assert_eq!(page.jsonld()["numTracks"], 60);
    assert!(built.exists("nova-lane/zoe-a-paris/index.html"));
}

#[test]
fn rate_limited_listing_waits_for_retry_after() {
    let world = World::new(Profile::Extended);
    let path = format!("/v1/artists/{NOVA}/albums");
    world.spotify.inject(
        &path,
        Fault::TooMany {
            retry_after: Some(1),
        },
        Some(1),
    );
    let report = world.pull();

    let calls: Vec<Instant> = world
        .spotify
        .calls()
        .into_iter()
        .filter(|c| c.path == path)
        .map(|c| c.at)
        .collect();
    assert_eq!(calls.len(), 2);
    let waited = calls[1] - calls[0];
    assert!(
        waited >= Duration::from_millis(900),
        "asked again after {waited:?}, before Retry-After"
    );
    assert!(report["calls"]["retries"].as_u64().unwrap() >= 1);
    assert_eq!(ids(&artist(&report, "nova-lane")["new"]), nova_ids());
}

#[test]
fn server_errors_timeouts_and_malformed_json_are_retried() {
    let world = World::new(Profile::Extended);
    world
        .spotify
        .inject("/v1/albums", Fault::ServerError, Some(1));
    world
        .odesli
        .inject(ZOE, Fault::Slow(Duration::from_secs(3)), Some(1));
    world.odesli.inject(CAFE_CREME, Fault::Malformed, Some(1));
    let run = world.run_env(&[("SMARTLINKS_HTTP_TIMEOUT", "1")], &["pull", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();

    assert_eq!(
        world.spotify.count("albums_batch"),
        3,
        "{}",
        world.spotify.summary()
    );
    assert_eq!(world.odesli.count(), 10);
    assert_eq!(report["calls"]["retries"], 3);
    assert_eq!(report["failed"], 0);
    for id in [ZOE, CAFE_CREME] {
        let release = world.json(&format!("catalog/nova-lane/releases/{id}.json"));
        assert!(release["odesli"]["answer"]["linksByPlatform"].is_object());
    }
}

#[test]
fn persistent_failure_skips_the_release_keeps_its_files_and_exits_3() {
    let world = World::new(Profile::Extended);
    world.pull();
    let zoe_path = format!("catalog/nova-lane/releases/{ZOE}.json");
    let zoe_before = world.site.read(&zoe_path);

    // Zoë changes upstream but cannot be fetched; two new releases arrive,
    // one of which Odesli keeps failing on.
    let (fine, odesli_down) = (fake_id("FineRelease"), fake_id("OdesliDown"));
    world.spotify.edit(|d| {
        let zoe = d.albums.get_mut(ZOE).unwrap();
        zoe["total_tracks"] = json!(12);
        d.add_album(
            NOVA,
            data::album(
                &fine,
                "Fine",
                ("NovaLane", "Nova Lane"),
                "single",
                1,
                "2026-11-01",
            ),
        );
        d.add_album(
            NOVA,
            data::album(
                &odesli_down,
                "Odesli Down",
                ("NovaLane", "Nova Lane"),
                "single",
                1,
                "2026-11-02",
            ),
        );
    });
    world
        .odesli
        .set_answer(&fine, data::odesli_answer(&fine, "Fine"));
    world.odesli.set_answer(
        &odesli_down,
        data::odesli_answer(&odesli_down, "Odesli Down"),
    );
    world.spotify.inject("/v1/albums", Fault::ServerError, None);
    world
        .spotify
        .inject(&format!("/v1/albums/{ZOE}"), Fault::ServerError, None);
    world.odesli.inject(&odesli_down, Fault::ServerError, None);

    let report = world.pull_expect(3, &[]);
    let nova = artist(&report, "nova-lane");
    assert_eq!(ids(&nova["failed"]), sorted(&[ZOE, &odesli_down]));
    let zoe_failure = nova["failed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == ZOE)
        .unwrap();
    let error = zoe_failure["error"].as_str().unwrap();
    assert!(
        error.contains("500") && error.contains("gave up after 3 attempts"),
        "{error}"
    );
    assert_eq!(ids(&nova["new"]), vec![fine.clone()]);
    assert_eq!(report["failed"], 2);

    // The previous Zoë is intact; the fine release is complete with its link.
    assert_eq!(world.site.read(&zoe_path), zoe_before);
    assert!(world.link_for("nova-lane", &fine).is_some());
    // The half-done release has its album but no link file until it completes.
    let half = world.json(&format!("catalog/nova-lane/releases/{odesli_down}.json"));
    assert!(half["album"].is_object() && half.get("odesli").is_none());
    assert!(world.link_for("nova-lane", &odesli_down).is_none());
    every_json_file_parses(&world.path("catalog"));

    // Once the services recover, the next pull finishes both.
    world.spotify.clear_faults();
    world.odesli.clear_faults();
    world.reset_calls();
    let odesli_down_requests = || {
        world
            .odesli
            .calls()
            .iter()
            .filter(|c| c.path.ends_with(odesli_down.as_str()))
            .count()
    };
    let fixed = world.pull();
    let nova = artist(&fixed, "nova-lane");
    assert_eq!(ids(&nova["updated"]), [ZOE.to_string()]);
    assert_eq!(ids(&nova["refreshed"]), vec![odesli_down.clone()]);
    assert_eq!(odesli_down_requests(), 1);
    assert_eq!(
        world.odesli.count(),
        1,
        "only the missing Odesli answer is asked for"
    );
    assert!(world.link_for("nova-lane", &odesli_down).is_some());
    assert_eq!(
        world.json(&zoe_path)["album"]["total_tracks"],
        12,
        "the changed release is stored once it can be fetched"
    );
}

#[test]
fn exhausted_quota_fails_that_artist_fast_and_flags_nothing() {
    let world = World::new(Profile::Development);
    world.pull();
    let koji_state = world.site.read("catalog/koji-mori/state.json");
    let path = format!("/v1/artists/{KOJI}/albums");
    world.spotify.inject(&path, Fault::QuotaExceeded, None);
    let started = Instant::now();
    let report = world.pull_expect(3, &[]);

    assert!(
        started.elapsed() < Duration::from_secs(30),
        "waited for a day-long Retry-After"
    );
    let koji = artist(&report, "koji-mori");
    let error = koji["error"].as_str().unwrap();
    assert!(
        error.contains("asks to wait 86400 s (QUOTA_EXCEEDED)") && error.contains("koji-mori"),
        "{error}"
    );
    assert_eq!(
        world
            .spotify
            .calls()
            .iter()
            .filter(|c| c.path == path)
            .count(),
        2
    );
    // A listing that failed says nothing about what vanished.
    assert!(koji["vanished"].as_array().unwrap().is_empty());
    let state = world.site.read("catalog/koji-mori/state.json");
    assert_eq!(state, koji_state);
    assert_eq!(artist(&report, "nova-lane")["unchanged"], 4);
    assert_eq!(report["failed"], 1);
    let human = world.run(&["pull"]);
    assert_eq!(human.code, 3);
    assert!(
        human.stdout.contains("koji-mori: not pulled: "),
        "{}",
        human.stdout
    );
}

#[test]
fn vanished_release_is_kept_and_flagged_then_returns() {
    let world = World::new(Profile::Extended);
    world.pull();
    world.spotify.edit(|d| d.unlist(CAFE_CREME));
    let report = world.pull();

    let nova = artist(&report, "nova-lane");
    assert_eq!(ids(&nova["vanished"]), [CAFE_CREME.to_string()]);
    assert_eq!(nova["vanished"][0]["title"], "Café Crème");
    let state = world.json("catalog/nova-lane/state.json");
    assert_eq!(state["releases"][CAFE_CREME]["vanished"], true);
    assert_eq!(state["releases"][ZOE]["vanished"], false);
    for rel in [
        format!("catalog/nova-lane/releases/{CAFE_CREME}.json"),
        "links/nova-lane/cafe-creme.toml".to_string(),
    ] {
        assert!(world.path(&rel).exists(), "{rel} was deleted");
    }
    // Flagged once, not on every pull.
    let again = world.pull();
    assert!(artist(&again, "nova-lane")["vanished"]
        .as_array()
        .unwrap()
        .is_empty());

    world.spotify.edit(|d| {
        d.listing
            .get_mut(NOVA)
            .unwrap()
            .push((CAFE_CREME.to_string(), "single".into()))
    });
    let back = world.pull();
    assert_eq!(
        ids(&artist(&back, "nova-lane")["reappeared"]),
        [CAFE_CREME.to_string()]
    );
    assert_eq!(
        world.json("catalog/nova-lane/state.json")["releases"][CAFE_CREME]["vanished"],
        false
    );
    assert_eq!(world.links("nova-lane").len(), 4, "no second link file");
}

#[test]
fn hand_edited_link_file_is_never_touched_by_a_pull() {
    let world = World::new(Profile::Extended);
    world.pull();
    // The artist renames the link and edits it by hand.
    std::fs::remove_file(world.path("links/nova-lane/zoe-a-paris.toml")).unwrap();
    let edited = format!(
        "# My notes: wait for the vinyl.\nslug = \"zoe\"   # short address\nsource = \"spotify:album:{ZOE}\"\napproved = false\nhide = [\"tidal\"]\n\n[services]\n# the right store\napple_music = \"https://music.apple.com/fr/album/zoe/99\"\n"
    );
    world.site.write("links/nova-lane/zoe.toml", &edited);
    // And the cafe-creme link is deleted: the artist does not want it.
    std::fs::remove_file(world.path("links/nova-lane/cafe-creme.toml")).unwrap();

    // Upstream the title changes, so the release is fetched again.
    world.spotify.edit(|d| {
        let zoe = d.albums.get_mut(ZOE).unwrap();
        zoe["name"] = json!("Zoë à Paris (Deluxe)");
    });
    let report = world.pull();
    assert_eq!(
        ids(&artist(&report, "nova-lane")["updated"]),
        [ZOE.to_string()]
    );
    assert!(artist(&report, "nova-lane")["links_created"]
        .as_array()
        .unwrap()
        .is_empty());
    world.pull_expect(0, &["--full"]);

    assert_eq!(world.site.read("links/nova-lane/zoe.toml"), edited);
    assert!(!world.path("links/nova-lane/cafe-creme.toml").exists());
    let files: Vec<String> = world
        .links("nova-lane")
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    assert_eq!(files.len(), 3, "{files:?}");
    assert_eq!(
        world.json(&format!("catalog/nova-lane/releases/{ZOE}.json"))["album"]["name"],
        "Zoë à Paris (Deluxe)"
    );
}

#[test]
fn pull_then_build_publishes_every_approved_release_with_odesli_buttons() {
    let world = World::new(Profile::Extended);
    // Connect the artist the way an artist would.
    let added = world.run(&[
        "artist",
        "add",
        &format!("https://open.spotify.com/intl-fr/artist/{NOVA}?si=x"),
        "--slug",
        "nova-again",
    ]);
    assert_ne!(added.code, 0);
    assert!(
        added.stderr.contains("already connected as \"nova-lane\""),
        "{}",
        added.stderr
    );
    let album = world.run(&["artist", "add", &format!("spotify:album:{ZOE}")]);
    assert!(
        album.stderr.contains("needs an artist link"),
        "{}",
        album.stderr
    );
    let bad_slug = world.run(&[
        "artist",
        "add",
        &format!("spotify:artist:{NOVA}"),
        "--slug",
        "Nova Lane",
    ]);
    assert!(
        bad_slug
            .stderr
            .contains("--slug \"Nova Lane\" is not a valid slug"),
        "{}",
        bad_slug.stderr
    );
    assert_eq!(
        world.spotify.calls().len(),
        0,
        "bad input is refused before any call"
    );
    std::fs::remove_file(world.path("artists/nova-lane.toml")).unwrap();
    let added = world.run(&[
        "artist",
        "add",
        &format!("spotify:artist:{NOVA}"),
        "--auto-approve",
    ]);
    assert_eq!(added.code, 0, "{}", added.stderr);
    let artist_file = world.link("artists/nova-lane.toml");
    assert_eq!(artist_file["name"].as_str(), Some("Nova Lane"));
    assert_eq!(artist_file["spotify_id"].as_str(), Some(NOVA));
    assert_eq!(artist_file["auto_approve"].as_bool(), Some(true));
    assert_eq!(world.json("catalog/nova-lane/artist.json")["id"], NOVA);

    let report = world.pull();
    assert_eq!(report["failed"], 0);
    // The artist profile was fetched by `artist add`, not again by the pull.
    assert_eq!(world.spotify.count("artist"), 2);

    let built = world.build();
    let nova = world.links("nova-lane");
    assert_eq!(nova.len(), 4);
    for (file, _) in nova {
        let slug = file.trim_end_matches(".toml");
        let page = built.page(&format!("nova-lane/{slug}/index.html"));
        let services = page.services();
        for s in ["spotify", "apple_music", "deezer"] {
            assert!(services.contains(&s.to_string()), "{slug}: {services:?}");
        }
    }
    assert!(built.exists("nova-lane/index.html"));
    let koji = world.links("koji-mori");
    assert_eq!(koji.len(), 4);
    for (file, _) in &koji {
        let slug = file.trim_end_matches(".toml");
        assert!(
            !built.exists(&format!("koji-mori/{slug}/index.html")),
            "{slug} is not approved"
        );
    }

    let approve = world.run(&["approve", "--artist", "koji-mori", "--all"]);
    assert_eq!(approve.code, 0, "{}", approve.stderr);
    let built = world.build();
    for (file, _) in world.links("koji-mori") {
        let slug = file.trim_end_matches(".toml");
        assert!(
            built.exists(&format!("koji-mori/{slug}/index.html")),
            "{slug}"
        );
    }
}

#[path = "hostile/corpus.rs"]
mod corpus;

#[test]
fn the_hostile_corpus_through_the_fake_apis_stays_text_in_every_theme() {
    use scraper::{Html, Selector};
    let (mut data, mut answers) = data::sample();
    // Every third string, as a release name, its track names, its label and
    // cover address; the Odesli answer carries it as two service addresses.
    let strings: Vec<String> = corpus::strings().into_iter().step_by(3).collect();
    let mut ids = Vec::new();
    for (i, s) in strings.iter().enumerate() {
        let id = fake_id(&format!("Hostile{i:03}Z"));
        let mut album = data::album(&id, s, ("NovaLane", "Nova Lane"), "album", 3, "2026-01-01");
        album["label"] = json!(s);
        album["images"] = json!([{"url": s, "width": 640, "height": 640}]);
        for track in album["tracks"]["items"].as_array_mut().unwrap() {
            track["name"] = json!(s);
        }
        data.add_album(NOVA, album);
        let mut answer = data::odesli_answer(&id, s);
        answer["linksByPlatform"]["appleMusic"]["url"] = json!(s);
        answer["linksByPlatform"]["deezer"]["url"] =
            json!(format!("https://www.deezer.com/album/{s}"));
        answers.insert(id.clone(), answer);
        ids.push(id);
    }
    let world = World::with(Profile::Extended, data, answers);
    let report = world.pull();
    assert_eq!(report["failed"], 0, "{report}");
    every_json_file_parses(&world.path("catalog"));

    let any = Selector::parse("*").unwrap();
    let ld = Selector::parse(r#"script[type="application/ld+json"]"#).unwrap();
    for theme in ["daylight", "midnight", "spotlight", "minimal"] {
        world.site.set_theme(theme);
        let built = world.build();
        for (s, id) in strings.iter().zip(&ids) {
            let (_, link) = world.link_for("nova-lane", id).unwrap();
            let rel = format!("nova-lane/{}/index.html", link["slug"].as_str().unwrap());
            let html = Html::parse_document(&built.text(&rel));
            for el in html.select(&any) {
                let el = el.value();
                for (attr, value) in el.attrs() {
                    assert!(
                        !attr.starts_with("on"),
                        "{theme}: <{} {attr}> from {s:?}",
                        el.name()
                    );
                    if ["href", "src", "poster", "action", "data-url"].contains(&attr) {
                        let v = value.trim_start().to_ascii_lowercase();
                        assert!(
                            v.starts_with("https://")
                                || v.starts_with("http://")
                                || v.starts_with('/')
                                || v.starts_with('#'),
                            "{theme}: <{} {attr}={value:?}> from {s:?}",
                            el.name()
                        );
                    }
                }
                if el.name() == "script" {
                    let ty = el.attr("type").unwrap_or_default();
                    let src = el.attr("src").unwrap_or_default();
                    assert!(
                        ty.ends_with("json") || src.starts_with("/assets/"),
                        "{theme}: a script {ty:?} {src:?} from {s:?}"
                    );
                }
            }
            let json: Value =
                serde_json::from_str(&html.select(&ld).next().unwrap().text().collect::<String>())
                    .unwrap();
            assert_eq!(json["name"], json!(s), "{theme}");
            assert_eq!(json["recordLabel"]["name"], json!(s), "{theme}");
            for item in json["track"]["itemListElement"].as_array().unwrap() {
                assert_eq!(item["item"]["name"], json!(s), "{theme}");
            }
        }
    }
}

#[test]
fn hostile_upstream_data_is_stored_safely_and_rendered_escaped() {
    let (mut data, mut answers) = data::sample();
    let evil = fake_id("Evil");
    let title = "</script><script>alert(1)</script>\"' <b>Bold</b>\nnext line";
    let mut album = data::album(
        &evil,
        title,
        ("NovaLane", "Nova Lane"),
        "album",
        2,
        "2026-01-01",
    );
    album["images"] = json!([{"url": "javascript:alert(1)", "width": 640, "height": 640}]);
    album["external_urls"]["spotify"] = json!("javascript:alert(2)");
    album["tracks"]["items"][0]["name"] = json!("<img src=x onerror=alert(3)>");
    data.add_album(NOVA, album);
    let long = fake_id("Long");
    data.add_album(
        NOVA,
        data::album(
            &long,
            &"Très long ".repeat(400),
            ("NovaLane", "Nova Lane"),
            "single",
            1,
            "2026-02-01",
        ),
    );
    // An album Spotify answers without a name: that release fails, alone.
    let nameless = fake_id("Nameless");
    let mut broken = data::album(
        &nameless,
        "x",
        ("NovaLane", "Nova Lane"),
        "single",
        1,
        "2026-03-01",
    );
    broken.as_object_mut().unwrap().remove("name");
    data.add_album(NOVA, broken);
    // A listed id that would leave the catalog folder.
    let mut escape = data::album(
        &fake_id("Escape"),
        "Escape",
        ("NovaLane", "Nova Lane"),
        "single",
        1,
        "2026-04-01",
    );
    escape["id"] = json!("../../../evil");
    data.albums.insert("escape".into(), escape);
    data.listing
        .get_mut(NOVA)
        .unwrap()
        .push(("escape".into(), "single".into()));

    let mut answer = data::odesli_answer(&evil, title);
    answer["linksByPlatform"] = json!({
        "appleMusic": {"url": "javascript:alert(4)"},
        "deezer": {"url": "https://evil.example/album/1"},
        "tidal": {"url": 12345},
        "qobuz": {"url": "https://www.qobuz.com/album/1"},
        "youtubeMusic": {"url": format!("https://music.youtube.com/{}", "a".repeat(5000))},
        "soundcloud": {"url": "https://soundcloud.com/nova/evil"}
    });
    answers.insert(evil.clone(), answer);
    answers.insert(long.clone(), data::odesli_answer(&long, "long"));
    let world = World::with(Profile::Extended, data, answers);

    let report = world.pull_expect(3, &[]);
    let nova = artist(&report, "nova-lane");
    assert_eq!(ids(&nova["failed"]), vec![nameless.clone()]);
    assert!(
        nova["failed"][0]["error"]
            .as_str()
            .unwrap()
            .contains("name"),
        "{}",
        nova["failed"][0]
    );
    assert!(nova["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w.as_str().unwrap().contains("valid id")));
    assert!(!world.site.dir.path().join("evil.json").exists());
    assert!(!world.path("evil.json").exists());
    every_json_file_parses(&world.path("catalog"));
    // The odd Odesli entry is dropped, the unknown platform kept.
    let stored = &world.json(&format!("catalog/nova-lane/releases/{evil}.json"))["odesli"];
    assert!(stored["answer"]["linksByPlatform"].get("tidal").is_none());
    assert!(stored["answer"]["linksByPlatform"].get("qobuz").is_some());

    // The link files are valid TOML whatever the titles.
    let (evil_file, evil_link) = world.link_for("nova-lane", &evil).unwrap();
    assert_eq!(evil_link["approved"].as_bool(), Some(true));
    let (long_file, _) = world.link_for("nova-lane", &long).unwrap();
    assert!(long_file.len() <= 90, "{long_file}");

    let built = world.build();
    let rel = format!(
        "nova-lane/{}/index.html",
        evil_file.trim_end_matches(".toml")
    );
    let html = built.text(&rel);
    assert!(!html.contains("<script>alert"), "title not escaped");
    assert!(!html.contains("<img src=x"), "track name not escaped");
    assert!(
        !html.contains("javascript:"),
        "hostile URL reached the page"
    );
    assert!(!html.contains("evil.example"));
    let page = built.page(&rel);
    assert_eq!(page.text("h1"), title);
    assert_eq!(page.jsonld()["name"], title);
    assert_eq!(page.services(), ["spotify", "soundcloud"]);
    assert_eq!(
        page.attr("a[data-service=spotify]", "href"),
        format!("https://open.spotify.com/album/{evil}")
    );
}

#[test]
fn odesli_is_paced_while_spotify_work_goes_on() {
    let world = World::new(Profile::Development);
    // Without pacing, four requests in a row would overrun this limit; at
    // 90 a minute (one each 0.7 s) they keep under it, even with jitter.
    world.odesli.set_rate_limit(2, Duration::from_secs(1));
    let run = world.run_env(
        &[("SMARTLINKS_ODESLI_PER_MINUTE", "90")],
        &["pull", "--json", "--artist", "nova-lane"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);

    assert_eq!(
        world.odesli.refused(),
        0,
        "a request went over Odesli's limit"
    );
    let odesli: Vec<Instant> = world.odesli.calls().iter().map(|c| c.at).collect();
    assert_eq!(odesli.len(), 4);
    // Loose bounds: arrival times jitter on a busy machine.
    for pair in odesli.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(
            gap >= Duration::from_millis(350),
            "Odesli asked again after {gap:?}"
        );
    }
    let span = odesli[3] - odesli[0];
    assert!(
        span >= Duration::from_millis(1800),
        "four calls in {span:?}"
    );
    // Spotify fetched every album while Odesli waited its turn.
    let last_album = world
        .spotify
        .calls()
        .iter()
        .filter(|c| c.endpoint == "album")
        .map(|c| c.at)
        .max()
        .unwrap();
    assert!(
        last_album < odesli[1],
        "Spotify work waited for Odesli's pace"
    );
}

#[test]
fn fresh_odesli_answers_are_kept_and_stale_ones_renewed() {
    let world = World::new(Profile::Extended);
    // A release Odesli cannot match yet.
    let unknown = fake_id("NotOnOdesli");
    world.spotify.edit(|d| {
        d.add_album(
            NOVA,
            data::album(
                &unknown,
                "Not Yet",
                ("NovaLane", "Nova Lane"),
                "single",
                1,
                "2026-11-21",
            ),
        )
    });
    let first = world.pull();
    assert_eq!(first["failed"], 0);
    let record = &world.json(&format!("catalog/nova-lane/releases/{unknown}.json"))["odesli"];
    assert_eq!(record["answer"]["code"], "could_not_resolve_entity");
    assert!(
        world.link_for("nova-lane", &unknown).is_some(),
        "a Spotify-only link is made"
    );

    world.reset_calls();
    world.pull();
    assert_eq!(
        world.odesli.count(),
        0,
        "fresh answers, unknown ones included, are not asked again"
    );

    world.reset_calls();
    let stale = world.pull_expect(0, &["--odesli-max-age", "0"]);
    assert_eq!(world.odesli.count(), 9);
    assert_eq!(
        world.spotify.count("albums_batch") + world.spotify.count("album"),
        0
    );
    assert_eq!(
        artist(&stale, "nova-lane")["refreshed"]
            .as_array()
            .unwrap()
            .len(),
        5
    );

    // Another country's answer is not fresh for this country.
    world.reset_calls();
    world.pull_expect(0, &["--country", "fr", "--artist", "koji-mori"]);
    assert_eq!(world.odesli.count(), 4);
    let record = &world.json("catalog/koji-mori/releases/iYiDmde9xe9NdsBE0Czqvk.json")["odesli"];
    assert_eq!(record["user_country"], "FR");
    assert!(world.odesli.calls()[0].query.contains("userCountry=FR"));
}

#[test]
fn playlist_add_makes_a_link_from_metadata_alone() {
    let world = World::new(Profile::Development);
    let url = format!("https://open.spotify.com/playlist/{NUITS_BLANCHES}?si=abc");
    let run = world.run(&["playlist", "add", &url, "--artist", "nova-lane", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = run.json();
    assert_eq!(out["slug"], "nuits-blanches-picked-by-nova-lane");
    assert_eq!(out["approved"], true);
    assert_eq!(
        out["url"],
        "https://play.example.com/nova-lane/nuits-blanches-picked-by-nova-lane"
    );
    let stored = world.json(&format!(
        "catalog/nova-lane/playlists/{NUITS_BLANCHES}.json"
    ));
    assert!(stored.get("tracks").is_none() && stored.get("items").is_none());
    assert_eq!(world.spotify.count("playlist"), 1);
    assert_eq!(world.odesli.count(), 0);

    let again = world.run(&["playlist", "add", &url, "--artist", "nova-lane"]);
    assert_ne!(again.code, 0);
    assert!(
        again.stderr.contains("already has a Smart Link"),
        "{}",
        again.stderr
    );
    let wrong = world.run(&[
        "playlist",
        "add",
        &format!("spotify:album:{ZOE}"),
        "--artist",
        "nova-lane",
    ]);
    assert!(
        wrong.stderr.contains("needs a playlist link"),
        "{}",
        wrong.stderr
    );

    let built = world.build();
    let page = built.page("nova-lane/nuits-blanches-picked-by-nova-lane/index.html");
    assert_eq!(page.services(), ["spotify"]);
    assert_eq!(page.jsonld()["@type"], "MusicPlaylist");
}

#[test]
fn resolve_finds_links_for_albums_tracks_and_playlists() {
    let world = World::new(Profile::Extended);
    world.pull();
    world.run(&[
        "playlist",
        "add",
        &format!("spotify:playlist:{NUITS_BLANCHES}"),
        "--artist",
        "nova-lane",
        "--slug",
        "nuits",
    ]);
    let resolve = |input: &str| world.run(&["resolve", input]);

    let album = resolve(&format!("https://open.spotify.com/album/{ZOE}?si=1"));
    assert_eq!(album.code, 0, "{}", album.stderr);
    assert_eq!(
        album.stdout.trim(),
        "https://play.example.com/nova-lane/zoe-a-paris"
    );
    world.reset_calls();
    let track = resolve(&format!(
        "https://open.spotify.com/intl-de/track/{ZOE_TRACK}"
    ));
    assert_eq!(track.code, 0, "{}", track.stderr);
    assert_eq!(
        track.stdout.trim(),
        "https://play.example.com/nova-lane/zoe-a-paris"
    );
    assert_eq!(world.spotify.count("track"), 1);
    let playlist = resolve(&format!("spotify:playlist:{NUITS_BLANCHES}"));
    assert_eq!(
        playlist.stdout.trim(),
        "https://play.example.com/nova-lane/nuits"
    );

    let koji = world
        .link_for("koji-mori", "iYiDmde9xe9NdsBE0Czqvk")
        .unwrap()
        .0;
    let waiting = resolve("spotify:album:iYiDmde9xe9NdsBE0Czqvk");
    assert_eq!(waiting.code, 1);
    assert!(
        waiting.stderr.contains("not approved yet")
            && waiting.stderr.contains(&format!(
                "smartlinks approve koji-mori/{}",
                koji.trim_end_matches(".toml")
            )),
        "{}",
        waiting.stderr
    );
    let unknown = resolve(&format!("spotify:album:{}", fake_id("Nowhere")));
    assert!(
        unknown.stderr.contains("there is no Smart Link"),
        "{}",
        unknown.stderr
    );
    let missing_track = resolve(&format!("spotify:track:{}", fake_id("NoTrack")));
    assert!(
        missing_track.stderr.contains("Spotify has no track"),
        "{}",
        missing_track.stderr
    );
    let bad = resolve("https://example.com/album/123");
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr.contains("https://example.com/album/123")
            && bad.stderr.contains("open.spotify.com"),
        "{}",
        bad.stderr
    );
    let no_credentials = world.run_env(
        &[("SPOTIFY_CLIENT_ID", "")],
        &["resolve", &format!("spotify:track:{ZOE_TRACK}")],
    );
    assert!(
        no_credentials
            .stderr
            .contains("a track link is resolved through Spotify")
            && no_credentials.stderr.contains("SPOTIFY_CLIENT_ID"),
        "{}",
        no_credentials.stderr
    );
    let json = world
        .run(&["resolve", "--json", &format!("spotify:album:{ZOE}")])
        .json();
    assert_eq!(json["artist"], "nova-lane");
    assert_eq!(json["slug"], "zoe-a-paris");
}

#[test]
fn approve_keeps_the_file_and_links_json_reports_state() {
    let world = World::new(Profile::Extended);
    world.pull();
    let rows = world.run(&["links", "--json"]).json();
    let rows = rows["links"].as_array().unwrap();
    assert_eq!(rows.len(), 8);
    let zoe = rows.iter().find(|r| r["slug"] == "zoe-a-paris").unwrap();
    assert_eq!(zoe["artist"], "nova-lane");
    assert_eq!(zoe["kind"], "release");
    assert_eq!(zoe["title"], "Zoë à Paris");
    assert_eq!(zoe["approved"], true);
    assert_eq!(zoe["url"], "https://play.example.com/nova-lane/zoe-a-paris");
    let koji: Vec<&Value> = rows.iter().filter(|r| r["artist"] == "koji-mori").collect();
    assert!(koji
        .iter()
        .all(|r| r["approved"] == false && r["url"].is_null()));

    let slug = koji[0]["slug"].as_str().unwrap().to_string();
    let file = format!("links/koji-mori/{slug}.toml");
    let before = world.site.read(&file);
    let bad = world.run(&["approve", &format!("koji-mori/{slug}"), "koji-mori/nope"]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr.contains("links/koji-mori/nope.toml"),
        "{}",
        bad.stderr
    );
    assert_eq!(
        world.site.read(&file),
        before,
        "nothing changes when one name is wrong"
    );

    let ok = world.run(&["approve", &format!("koji-mori/{slug}")]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert_eq!(
        world.site.read(&file),
        before.replace("approved = false", "approved = true")
    );
    let only_koji = world
        .run(&["links", "--artist", "koji-mori", "--json"])
        .json();
    let approved: Vec<&Value> = only_koji["links"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["approved"] == true)
        .collect();
    assert_eq!(approved.len(), 1);
    assert_eq!(
        approved[0]["url"],
        format!("https://play.example.com/koji-mori/{slug}")
    );

    let all = world
        .run(&["approve", "--artist", "koji-mori", "--all", "--json"])
        .json();
    let changed = all["approved"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["changed"] == true)
        .count();
    assert_eq!(changed, 3);
    let table = world.run(&["links", "--artist", "koji-mori"]);
    assert!(table.stdout.starts_with("ARTIST"), "{}", table.stdout);
    assert!(!table.stdout.contains(" no "), "{}", table.stdout);
}

#[test]
fn missing_or_wrong_credentials_fail_before_any_work() {
    let world = World::new(Profile::Extended);
    let missing = world.run_env(&[("SPOTIFY_CLIENT_SECRET", "")], &["pull"]);
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.starts_with(
            "smartlinks: error: Spotify credentials missing: set SPOTIFY_CLIENT_SECRET"
        ),
        "{}",
        missing.stderr
    );
    assert_eq!(world.spotify.calls().len(), 0);

    let wrong = world.run_env(&[("SPOTIFY_CLIENT_SECRET", "not-the-secret-42")], &["pull"]);
    assert_eq!(wrong.code, 1);
    assert!(wrong.stderr.contains("invalid_client"), "{}", wrong.stderr);
    assert!(!wrong.stderr.contains("not-the-secret-42"));
    assert_eq!(world.spotify.count("token"), 1);
    assert_eq!(world.spotify.calls().len(), 1);
    assert!(!world.path("catalog/nova-lane").exists());

    let bad_base = world.run_env(&[("SPOTIFY_API_BASE", "ftp://x")], &["pull"]);
    assert!(
        bad_base.stderr.contains("SPOTIFY_API_BASE"),
        "{}",
        bad_base.stderr
    );
}

#[test]
fn secrets_are_never_printed_or_written() {
    let world = World::new(Profile::Extended);
    let key = "odesli-key-5ecret";
    for args in [&["pull"][..], &["pull", "--json"][..]] {
        let run = world.run_env(&[("ODESLI_API_KEY", key)], args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        for text in [&run.stdout, &run.stderr] {
            assert!(
                !text.contains(key) && !text.contains(CLIENT_SECRET),
                "{text}"
            );
        }
    }
    assert!(world.odesli.calls()[0]
        .query
        .contains(&format!("key={key}")));
    for (path, bytes) in snapshot(&world.site.content()) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(key) && !text.contains(CLIENT_SECRET),
            "{} holds a secret",
            path.display()
        );
    }
}

#[test]
fn expired_token_is_asked_for_again() {
    let world = World::new(Profile::Extended);
    world.spotify.tokens_expire_after(2);
    let report = world.pull();
    assert_eq!(report["failed"], 0);
    assert!(
        world.spotify.count("token") >= 3,
        "{}",
        world.spotify.summary()
    );
    assert_eq!(ids(&artist(&report, "nova-lane")["new"]), nova_ids());
}

#[cfg(unix)]
/// Each artist's pull state (when there is one) names only releases whose
/// album file is stored.
fn states_name_only_stored_albums(world: &World) {
    for artist in ["nova-lane", "koji-mori"] {
        if !world.path(&format!("catalog/{artist}/state.json")).exists() {
            continue;
        }
        let state = world.json(&format!("catalog/{artist}/state.json"));
        for id in state["releases"].as_object().unwrap().keys() {
            assert!(
                world
                    .path(&format!("catalog/{artist}/releases/{id}.json"))
                    .exists(),
                "state.json names {id} without its album"
            );
        }
    }
}

/// Starts `pull --json` with Odesli paced to one call a second and returns
/// once it has made two: the pull is then midway.
fn pull_until_odesli(world: &World) -> std::process::Child {
    let child = world
        .command(
            &[("SMARTLINKS_ODESLI_PER_MINUTE", "60")],
            &["pull", "--json"],
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while world.odesli.count() < 2 {
        assert!(Instant::now() < deadline, "the pull never reached Odesli");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

#[test]
fn a_pull_killed_midway_leaves_a_consistent_catalog_and_the_next_completes() {
    let world = World::new(Profile::Extended);
    let mut child = pull_until_odesli(&world);
    // No handler runs: the process just ends, wherever it was.
    child.kill().unwrap();
    child.wait().unwrap();

    // Every catalog file parses; a half-written one, if the kill came in the
    // middle of a write, is a dot file the loader never reads.
    for entry in walkdir::WalkDir::new(world.path("catalog"))
        .into_iter()
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.file_type().is_file() || name.starts_with('.') {
            continue;
        }
        assert!(name.ends_with(".json"), "a stray catalog file: {name}");
        let text = std::fs::read_to_string(entry.path()).unwrap();
        serde_json::from_str::<Value>(&text)
            .unwrap_or_else(|e| panic!("{}: {e}", entry.path().display()));
    }
    states_name_only_stored_albums(&world);
    // Whether or not the kill came in the middle of a write, one that did
    // an hour ago left its temporary file; the next pull removes it.
    let stale = world.path("catalog/nova-lane/.state.json.k1ll3d.tmp");
    std::fs::write(&stale, b"{\"releases\": {").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
    // The next pull finishes the job, and the site builds.
    let report = world.pull();
    assert_eq!(report["failed"], 0);
    assert!(!stale.exists(), "the stale temporary file is still there");
    assert_eq!(
        world.links("nova-lane").len() + world.links("koji-mori").len(),
        8
    );
    let out = world.run(&["approve", "--artist", "koji-mori", "--all"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = world.run(&["build", "--out", world.path("public").to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn ctrl_c_stops_the_pull_and_leaves_the_catalog_consistent() {
    let world = World::new(Profile::Extended);
    let mut child = pull_until_odesli(&world);
    let deadline = Instant::now() + Duration::from_secs(30);
    // What Ctrl-C in a terminal sends.
    rustix::process::kill_process(
        rustix::process::Pid::from_child(&child),
        rustix::process::Signal::INT,
    )
    .unwrap();
    let out = loop {
        if child.try_wait().unwrap().is_some() {
            break child.wait_with_output().unwrap();
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the pull did not stop after Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["interrupted"], true);
    assert!(world.odesli.count() < 8, "work went on after Ctrl-C");

    every_json_file_parses(&world.path("catalog"));
    states_name_only_stored_albums(&world);
    // The next pull finishes the job.
    let report = world.pull();
    assert_eq!(report["failed"], 0);
    assert_eq!(
        world.links("nova-lane").len() + world.links("koji-mori").len(),
        8
    );
}
