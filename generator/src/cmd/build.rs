use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{BuildArgs, GlobalArgs};
use crate::content::Content;
use crate::progress::Progress;
use crate::render::Renderer;

pub fn run(g: &GlobalArgs, args: BuildArgs) -> Result<ExitCode> {
    let progress = Progress::detect(g.quiet || g.json);
    let content = Content::load(&g.content)?;
    let renderer = Renderer::new(&content)?;
    let report = renderer.build_with(&args.out, &progress, args.force)?;
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
