//! `smartlinks publish`: pull, build, check the Workers Static Assets limits,
//! deploy the site and the edge worker with wrangler, and say which Smart
//! Links are new or changed since the last publish.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};

use anyhow::{bail, Context, Result};
use serde::Serialize;

use crate::cli::{GlobalArgs, PublishArgs, PullArgs};
use crate::content::Content;
use crate::progress::Progress;
use crate::publish::{scan, sha256_hex, Published, PublishedLink};
use crate::pull::PullReport;
use crate::render::view::SiteView;
use crate::render::{BuildReport, Renderer};
use crate::spotify::SpotifyConfig;

/// The built site equals the last published one; nothing was deployed.
pub const EXIT_UNCHANGED: u8 = 4;
/// Failed for some releases during the pull; the rest was published.
pub const EXIT_PARTIAL: u8 = super::pull::EXIT_PARTIAL;

#[derive(Serialize)]
struct PublishReport {
    /// `published`, `dry_run` or `unchanged`.
    status: &'static str,
    exit_code: u8,
    /// New or changed Smart Links.
    links: Vec<ChangedLink>,
    /// Addresses published last time and gone now.
    removed: Vec<String>,
    site: crate::publish::SiteScan,
    build: BuildReport,
    /// None when the pull was skipped.
    pull: Option<PullReport>,
}

#[derive(Serialize)]
struct ChangedLink {
    link: String,
    url: String,
    /// `new` or `changed`.
    status: &'static str,
}

pub fn run(g: &GlobalArgs, args: PublishArgs) -> Result<ExitCode> {
    // Everything that can be checked is checked before any work.
    if !args.dry_run {
        check_cloudflare_env()?;
    }
    let config = args.wrangler_config.canonicalize().with_context(|| {
        format!(
            "wrangler configuration {} not found: run publish from the smartlinks repository (where wrangler.toml is) or pass --wrangler-config FILE",
            args.wrangler_config.display()
        )
    })?;
    let project = config.parent().expect("a file has a folder").to_path_buf();
    let wrangler = wrangler_program(&project);
    Content::load(&g.content)?;

    let pull = if args.skip_pull {
        None
    } else if let Err(e) = SpotifyConfig::from_env() {
        super::warn(&format!(
            "{e:#}; the pull is skipped and the site is built from the catalog as it is"
        ));
        None
    } else {
        let report = super::pull::execute(
            g,
            PullArgs {
                artist: None,
                odesli_max_age: 30,
                country: "US".into(),
                full: false,
            },
        )?;
        if !g.json && !g.quiet {
            super::pull::print_report(&report);
        }
        if report.interrupted {
            return Ok(super::pull::exit_code(&report));
        }
        Some(report)
    };
    let partial = pull.as_ref().is_some_and(|p| p.failed > 0);

    let progress = Progress::detect(g.quiet || g.json);
    let content = Content::load(&g.content)?;
    let build = Renderer::new(&content)?.build_with(&args.out, &progress, args.force)?;
    for w in &build.warnings {
        super::warn(w);
    }
    let site = scan(&args.out)?;
    site.check_limits(&args.out, args.max_files)?;

    let previous = Published::load(&content.root)?;
    let now = published_links(&content, &args.out)?;
    let view = SiteView::new(&content.site);
    let links: Vec<ChangedLink> = now
        .iter()
        .filter_map(|(rel, l)| {
            let status = match previous.links.get(rel) {
                None => "new",
                Some(old) if old.page != l.page => "changed",
                Some(_) => return None,
            };
            Some(ChangedLink {
                link: rel.clone(),
                url: view.url(rel),
                status,
            })
        })
        .collect();
    let removed: Vec<String> = previous
        .links
        .keys()
        .filter(|rel| !now.contains_key(*rel))
        .cloned()
        .collect();

    let unchanged = previous.site == site.fingerprint;
    if !unchanged {
        deploy(&wrangler, &project, &config, &args.out, args.dry_run)?;
        if !args.dry_run {
            previous
                .next(site.fingerprint.clone(), now)
                .save(&content.root)?;
        }
    }
    let (status, code) = match (unchanged, args.dry_run) {
        (true, _) => ("unchanged", EXIT_UNCHANGED),
        (false, true) => ("dry_run", if partial { EXIT_PARTIAL } else { 0 }),
        (false, false) => ("published", if partial { EXIT_PARTIAL } else { 0 }),
    };
    let report = PublishReport {
        status,
        exit_code: code,
        links,
        removed,
        site,
        build,
        pull,
    };
    if g.json {
        super::print_json(&report)?;
    } else if !g.quiet {
        print_report(&report, &args.out);
    }
    Ok(ExitCode::from(code))
}

fn print_report(r: &PublishReport, out: &Path) {
    for l in &r.links {
        println!("{:<8} {}", l.status, l.url);
    }
    for rel in &r.removed {
        println!("removed  {rel}");
    }
    let files = format!(
        "{} files, {:.1} MiB from {}",
        r.site.files,
        r.site.bytes as f64 / 1024.0 / 1024.0,
        out.display()
    );
    match r.status {
        "unchanged" => {
            println!("Nothing changed since the last publish; nothing deployed ({files})")
        }
        "dry_run" => println!(
            "Dry run: {} new or changed Smart Link{}; bundled {files}, uploaded nothing",
            r.links.len(),
            if r.links.len() == 1 { "" } else { "s" }
        ),
        _ => println!(
            "Published {} new or changed Smart Link{} ({files})",
            r.links.len(),
            if r.links.len() == 1 { "" } else { "s" }
        ),
    }
}

/// Wrangler reads the same variables; naming them here saves a build.
fn check_cloudflare_env() -> Result<()> {
    let missing: Vec<&str> = ["CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID"]
        .into_iter()
        .filter(|name| std::env::var(name).map_or(true, |v| v.trim().is_empty()))
        .collect();
    if !missing.is_empty() {
        bail!(
            "Cloudflare credentials missing: set {} in the environment (an API token with the Workers Scripts Edit permission, and the account id from the dashboard); or run `smartlinks publish --dry-run`, which needs none",
            missing.join(" and ")
        );
    }
    Ok(())
}

/// Every approved link's address and page fingerprint, as just built.
fn published_links(content: &Content, out: &Path) -> Result<BTreeMap<String, PublishedLink>> {
    let mut links = BTreeMap::new();
    for artist in &content.artists {
        for link in artist.links.iter().filter(|l| l.config.approved) {
            let rel = format!("{}/{}", artist.config.slug, link.config.slug);
            let page = out.join(&rel).join("index.html");
            let bytes = std::fs::read(&page)
                .with_context(|| format!("cannot read the built page {}", page.display()))?;
            links.insert(
                rel,
                PublishedLink {
                    source: link.source.uri(),
                    page: sha256_hex(&bytes),
                },
            );
        }
    }
    Ok(links)
}

/// The wrangler to run: SMARTLINKS_WRANGLER, the project's npm one, or npx.
fn wrangler_program(project: &Path) -> Vec<String> {
    if let Some(w) = std::env::var("SMARTLINKS_WRANGLER")
        .ok()
        .filter(|w| !w.trim().is_empty())
    {
        return vec![w];
    }
    let local = project.join("node_modules/.bin/wrangler");
    if local.is_file() {
        return vec![local.to_string_lossy().into_owned()];
    }
    vec!["npx".into(), "wrangler".into()]
}

fn deploy(
    wrangler: &[String],
    project: &Path,
    config: &Path,
    out: &Path,
    dry_run: bool,
) -> Result<()> {
    let assets = out
        .canonicalize()
        .with_context(|| format!("cannot find the built site {}", out.display()))?;
    let bundle = tempfile::tempdir().context("cannot create a folder for the dry-run bundle")?;
    let mut cmd = Command::new(&wrangler[0]);
    cmd.args(&wrangler[1..])
        .arg("deploy")
        .arg("--config")
        .arg(config)
        .arg("--assets")
        .arg(&assets)
        .current_dir(project)
        .stdin(Stdio::null())
        // stdout stays ours: one JSON document with --json.
        .stdout(stderr_stdio());
    if dry_run {
        cmd.arg("--dry-run").arg("--outdir").arg(bundle.path());
    }
    let shown = format!(
        "{} deploy{}",
        wrangler.join(" "),
        if dry_run { " --dry-run" } else { "" }
    );
    let status = cmd.status().with_context(|| {
        format!(
            "cannot run `{shown}` in {}: install Node.js and run `npm ci` there, or set SMARTLINKS_WRANGLER",
            project.display()
        )
    })?;
    if !status.success() {
        bail!(
            "`{shown}` failed ({status}); its messages are above. Nothing is recorded as published",
        );
    }
    Ok(())
}

fn stderr_stdio() -> Stdio {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        if let Ok(fd) = std::io::stderr().as_fd().try_clone_to_owned() {
            return Stdio::from(fd);
        }
    }
    Stdio::inherit()
}
