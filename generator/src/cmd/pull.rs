use std::process::ExitCode;

use anyhow::{bail, Result};

use super::upstream::Upstream;
use crate::cli::{GlobalArgs, PullArgs};
use crate::content::Content;
use crate::odesli::OdesliConfig;
use crate::progress::Progress;
use crate::pull::{pull, Clients, PullOptions, PullReport};
use crate::spotify::SpotifyConfig;

/// Some releases or artists failed; the others were stored.
pub const EXIT_PARTIAL: u8 = 3;
/// Ctrl-C stopped the pull; what was stored is consistent.
pub const EXIT_INTERRUPTED: u8 = 130;

pub fn run(g: &GlobalArgs, args: PullArgs) -> Result<ExitCode> {
    let report = execute(g, args)?;
    if g.json {
        super::print_json(&report)?;
    } else if !g.quiet {
        print_report(&report);
    }
    Ok(exit_code(&report))
}

/// The exit code a pull's report calls for.
pub(crate) fn exit_code(report: &PullReport) -> ExitCode {
    if report.interrupted {
        ExitCode::from(EXIT_INTERRUPTED)
    } else if report.failed > 0 {
        ExitCode::from(EXIT_PARTIAL)
    } else {
        ExitCode::SUCCESS
    }
}

/// Checks the settings and credentials, then pulls; prints nothing.
pub(crate) fn execute(g: &GlobalArgs, args: PullArgs) -> Result<PullReport> {
    let country = args.country.trim().to_ascii_uppercase();
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        bail!(
            "--country {:?} is not a two-letter country code like US or FR",
            args.country
        );
    }
    // Settings and credentials are checked before any work.
    let spotify_cfg = SpotifyConfig::from_env()?;
    let odesli_cfg = OdesliConfig::from_env()?;
    let content = Content::load(&g.content)?;
    let opts = PullOptions {
        artist: args.artist,
        odesli_max_age: chrono::Duration::days(i64::from(args.odesli_max_age)),
        country,
        full: args.full,
    };
    let progress = Progress::detect(g.quiet || g.json);
    let up = Upstream::new()?;
    up.stop_on_ctrl_c();
    let clients = Clients {
        spotify: up.spotify(spotify_cfg),
        odesli: up.odesli(odesli_cfg),
    };
    up.runtime
        .block_on(pull(&content, &clients, &opts, &progress))
}

pub(crate) fn print_report(report: &PullReport) {
    for a in &report.artists {
        if let Some(e) = &a.error {
            println!("{}: not pulled: {e}", a.artist);
            continue;
        }
        println!(
            "{}: {} new, {} updated, {} links refreshed, {} vanished, {} failed, {} unchanged",
            a.artist,
            a.new.len(),
            a.updated.len(),
            a.refreshed.len(),
            a.vanished.len(),
            a.failed.len(),
            a.unchanged
        );
        for l in &a.links_created {
            println!(
                "  new link {} ({})",
                l.file.display(),
                if l.approved {
                    "approved"
                } else {
                    "waiting: smartlinks approve ARTIST/SLUG"
                }
            );
        }
        for v in &a.vanished {
            println!("  vanished {} (kept)", v.title.as_deref().unwrap_or(&v.id));
        }
        for f in &a.failed {
            println!(
                "  failed {} ({}): {}",
                f.title.as_deref().unwrap_or("?"),
                f.id,
                f.error
            );
        }
        for w in &a.warnings {
            super::warn(&format!("{}: {w}", a.artist));
        }
    }
    println!(
        "Calls: Spotify {} (+{} token), Odesli {}, retries {}; {:.2} s{}",
        report.calls.spotify,
        report.calls.spotify_token,
        report.calls.odesli,
        report.calls.retries,
        report.elapsed.as_secs_f64(),
        if report.interrupted {
            "; interrupted, run pull again to finish"
        } else {
            ""
        }
    );
}
