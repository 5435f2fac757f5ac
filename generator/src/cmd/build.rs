use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{BuildArgs, GlobalArgs};
use crate::progress::Progress;
use crate::render::build_site;
use crate::theme::Builtin;

pub fn run(g: &GlobalArgs, args: BuildArgs) -> Result<ExitCode> {
    let progress = Progress::detect(g.quiet || g.json);
    let report = build_site(
        &g.content,
        &args.out,
        Builtin::Embedded,
        &progress,
        args.force,
    )?;
    for w in &report.warnings {
        super::warn(w);
    }
    if g.json {
        super::print_json(&report)?;
    } else if !g.quiet {
        println!(
            "Built {} Smart Link{} and {} artist hub{} into {} in {:.2} s ({} rendered, {} unchanged; {} unapproved link{} not published)",
            report.links,
            if report.links == 1 { "" } else { "s" },
            report.hubs,
            if report.hubs == 1 { "" } else { "s" },
            report.out.display(),
            report.elapsed.as_secs_f64(),
            report.rendered,
            report.skipped,
            report.unapproved,
            if report.unapproved == 1 { "" } else { "s" },
        );
    }
    Ok(ExitCode::SUCCESS)
}
