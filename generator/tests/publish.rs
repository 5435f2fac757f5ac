//! `smartlinks publish` on a copy of the sample content: the dry run through
//! the npm wrangler (offline), the checks made before any work, the Workers
//! Static Assets limits, and what a publish records and reports.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{repo_root, Site};
use serde_json::Value;

fn publish(site: &Site, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_smartlinks"));
    c.env_remove("SMARTLINKS_CONTENT")
        .env_remove("CLOUDFLARE_API_TOKEN")
        .env_remove("CLOUDFLARE_ACCOUNT_ID")
        .env_remove("SPOTIFY_CLIENT_ID")
        .env_remove("SPOTIFY_CLIENT_SECRET")
        .env_remove("SMARTLINKS_MAX_FILES")
        .env_remove("SMARTLINKS_WRANGLER")
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CI", "true")
        .current_dir(site.dir.path())
        .arg("--content")
        .arg(site.content())
        .args(["publish", "--out"])
        .arg(site.out())
        .arg("--wrangler-config")
        .arg(repo_root().join("wrangler.toml"))
        .args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn changed_links(v: &Value) -> Vec<(String, String)> {
    v["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["url"].as_str().unwrap().to_string(),
                l["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Stands in for `wrangler deploy`, whose upload needs Cloudflare's API:
/// it records its arguments and succeeds, or fails like wrangler does.
struct StandIn {
    script: PathBuf,
    log: PathBuf,
}

impl StandIn {
    fn new(dir: &Path, exit: i32) -> StandIn {
        let script = dir.join(format!("wrangler-{exit}.sh"));
        let log = dir.join(format!("wrangler-{exit}.log"));
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\necho \"$@\" >> '{}'\necho 'Uploaded smartlinks'\nexit {exit}\n",
                log.display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        StandIn { script, log }
    }

    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

const CREDENTIALS: [(&str, &str); 2] = [
    ("CLOUDFLARE_API_TOKEN", "test-token"),
    ("CLOUDFLARE_ACCOUNT_ID", "0123456789abcdef0123456789abcdef"),
];

#[test]
fn dry_run_builds_and_bundles_the_sample_site_with_the_npm_wrangler_offline() {
    assert!(
        repo_root().join("node_modules/.bin/wrangler").is_file(),
        "run `npm ci` in the repository first: this test runs the npm wrangler"
    );
    let site = Site::sample();
    let out = publish(&site, &[], &["--dry-run", "--skip-pull", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["status"], "dry_run");
    assert_eq!(v["exit_code"], 0);
    // Every approved sample link is new: nothing was published before.
    let links = changed_links(&v);
    assert_eq!(links.len(), 12, "{links:?}");
    assert!(links.iter().all(|(_, s)| s == "new"));
    assert!(links.contains(&(
        "https://play.example.com/nova-lane/zoe-a-paris".into(),
        "new".into()
    )));
    let err = stderr(&out);
    // Wrangler's own dry run read our site and bundled the worker.
    assert!(err.contains("--dry-run: exiting now"), "{err}");
    let assets = site.out().canonicalize().unwrap();
    assert!(
        err.contains(&format!(
            "files from the assets directory {}",
            assets.display()
        )),
        "{err}"
    );
    assert!(site
        .out()
        .join("nova-lane/zoe-a-paris/index.html")
        .is_file());
    // A dry run records nothing.
    assert!(!site.content().join("catalog/published.json").exists());
}

#[test]
fn missing_cloudflare_credentials_fail_before_any_work() {
    let site = Site::sample();
    let out = publish(
        &site,
        &[("CLOUDFLARE_ACCOUNT_ID", "0123")],
        &["--skip-pull"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("CLOUDFLARE_API_TOKEN")
            && !err.contains("CLOUDFLARE_API_TOKEN and")
            && err.contains("--dry-run"),
        "{err}"
    );
    assert!(!site.out().exists(), "nothing was built");
}

#[test]
fn a_site_over_the_file_limit_is_refused_before_deploying() {
    let site = Site::sample();
    let wrangler = StandIn::new(site.dir.path(), 0);
    let mut env = CREDENTIALS.to_vec();
    env.push(("SMARTLINKS_WRANGLER", wrangler.script.to_str().unwrap()));
    env.push(("SMARTLINKS_MAX_FILES", "5"));
    let out = publish(&site, &env, &["--skip-pull"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("more than the 5 one deployment may hold")
            && err.contains("--max-files")
            && err.contains("nothing was deployed"),
        "{err}"
    );
    assert!(wrangler.calls().is_empty(), "wrangler was not run");
    // The flag wins over the variable.
    let out = publish(&site, &env, &["--skip-pull", "--max-files", "100000"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn publish_reports_new_then_nothing_then_only_the_edited_link() {
    let site = Site::sample();
    let wrangler = StandIn::new(site.dir.path(), 0);
    let mut env = CREDENTIALS.to_vec();
    env.push(("SMARTLINKS_WRANGLER", wrangler.script.to_str().unwrap()));

    let first = publish(&site, &env, &["--skip-pull", "--json"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let v = json(&first);
    assert_eq!(v["status"], "published");
    assert_eq!(changed_links(&v).len(), 12);
    let calls = wrangler.calls();
    assert_eq!(calls.len(), 1);
    let assets = site.out().canonicalize().unwrap();
    assert!(
        calls[0].starts_with("deploy --config")
            && calls[0].contains(&format!("--assets {}", assets.display()))
            && !calls[0].contains("--dry-run"),
        "{calls:?}"
    );
    assert!(site.content().join("catalog/published.json").is_file());

    // Nothing changed: a distinct exit code and no deploy.
    let again = publish(&site, &env, &["--skip-pull"]);
    assert_eq!(again.status.code(), Some(4), "{}", stderr(&again));
    assert!(String::from_utf8_lossy(&again.stdout).contains("Nothing changed"));
    assert_eq!(wrangler.calls().len(), 1);

    // One edited link: only its address is printed.
    site.edit("links/nova-lane/sunflower.toml", |t| {
        t + "description = \"Out now.\"\n"
    });
    let edited = publish(&site, &env, &["--skip-pull"]);
    assert_eq!(edited.status.code(), Some(0), "{}", stderr(&edited));
    assert_eq!(
        String::from_utf8_lossy(&edited.stdout).lines().next(),
        Some("changed  https://play.example.com/nova-lane/sunflower")
    );
    assert_eq!(wrangler.calls().len(), 2);
}

#[test]
fn a_failed_deploy_exits_1_and_records_nothing() {
    let site = Site::sample();
    let wrangler = StandIn::new(site.dir.path(), 1);
    let mut env = CREDENTIALS.to_vec();
    env.push(("SMARTLINKS_WRANGLER", wrangler.script.to_str().unwrap()));
    let out = publish(&site, &env, &["--skip-pull", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "no JSON report for a failed publish");
    assert!(stderr(&out).contains("Nothing is recorded as published"));
    assert!(!site.content().join("catalog/published.json").exists());
}

#[test]
fn without_spotify_credentials_the_pull_is_skipped_with_a_warning() {
    let site = Site::sample();
    let wrangler = StandIn::new(site.dir.path(), 0);
    let mut env = CREDENTIALS.to_vec();
    env.push(("SMARTLINKS_WRANGLER", wrangler.script.to_str().unwrap()));
    let out = publish(&site, &env, &["--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the pull is skipped"),
        "{}",
        stderr(&out)
    );
    assert_eq!(json(&out)["pull"], Value::Null);
}

#[test]
fn redirects_lead_every_track_and_a_renamed_links_old_address_to_its_page() {
    let site = Site::sample();
    let built = site.build();
    let rules = built.text("_redirects");
    // Every track of a release, by its Spotify id.
    let release: Value =
        serde_json::from_str(&site.read("catalog/nova-lane/releases/1day0uyMToGjXyXSwqzZKk.json"))
            .unwrap();
    let tracks = release["album"]["tracks"]["items"].as_array().unwrap();
    assert!(!tracks.is_empty());
    for t in tracks {
        let line = format!(
            "/t/{} /nova-lane/zoe-a-paris 301",
            t["id"].as_str().unwrap()
        );
        assert!(rules.lines().any(|l| l == line), "{line} missing:\n{rules}");
    }
    // The unapproved link's tracks lead nowhere: its page is not published.
    let jollof = site.read("links/ada-okafor/jollof-and-chill.toml");
    assert!(!rules.contains("jollof-and-chill"));
    assert!(jollof.contains("approved = false"));

    // Publish, then rename a link by hand: the old address redirects.
    let wrangler = StandIn::new(site.dir.path(), 0);
    let mut env = CREDENTIALS.to_vec();
    env.push(("SMARTLINKS_WRANGLER", wrangler.script.to_str().unwrap()));
    let first = publish(&site, &env, &["--skip-pull"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    rename(&site, "zoe-a-paris", "zoe");
    let second = publish(&site, &env, &["--skip-pull", "--json"]);
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    let v = json(&second);
    assert_eq!(v["removed"], serde_json::json!(["nova-lane/zoe-a-paris"]));
    let rules = std::fs::read_to_string(site.out().join("_redirects")).unwrap();
    assert!(
        rules
            .lines()
            .any(|l| l == "/nova-lane/zoe-a-paris /nova-lane/zoe 301"),
        "{rules}"
    );
    assert!(rules.contains(&format!(
        "/t/{} /nova-lane/zoe 301",
        tracks[0]["id"].as_str().unwrap()
    )));
    // Renamed again: both earlier addresses lead to the newest.
    rename(&site, "zoe", "zoe-paris");
    let third = publish(&site, &env, &["--skip-pull"]);
    assert_eq!(third.status.code(), Some(0), "{}", stderr(&third));
    let rules = std::fs::read_to_string(site.out().join("_redirects")).unwrap();
    for old in ["zoe-a-paris", "zoe"] {
        let line = format!("/nova-lane/{old} /nova-lane/zoe-paris 301");
        assert!(rules.lines().any(|l| l == line), "{line}:\n{rules}");
    }
}

/// Renames a nova-lane link by hand: its slug and its file.
fn rename(site: &Site, from: &str, to: &str) {
    let old = format!("links/nova-lane/{from}.toml");
    let text = site
        .read(&old)
        .replace(&format!("slug = \"{from}\""), &format!("slug = \"{to}\""));
    std::fs::remove_file(site.content().join(&old)).unwrap();
    site.write(&format!("links/nova-lane/{to}.toml"), &text);
}
