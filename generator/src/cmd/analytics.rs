use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};

use crate::analytics::cloudflare::{AnalyticsEngine, TOKEN_ENV};
use crate::analytics::query::Filter;
use crate::analytics::report::{Report, Source};
use crate::analytics::store::Store;
use crate::analytics::{dashboard, default_db, format, Local};
use crate::cli::{AnalyticsArgs, GlobalArgs, SourceKind};

pub fn run(g: &GlobalArgs, args: AnalyticsArgs) -> Result<ExitCode> {
    if g.json && args.csv {
        bail!("--json and --csv both ask for the output format; choose one");
    }
    let filter =
        Filter::new(args.artist.as_deref(), args.since, args.until).map_err(|e| anyhow!(e))?;
    let source: Box<dyn Source> = match args.source {
        SourceKind::Local => {
            let db = args.db.clone().unwrap_or_else(|| default_db(&g.content));
            Box::new(Local::new(Store::open_existing(&db)?))
        }
        SourceKind::Cloudflare => {
            let account = args.account_id.as_deref().context(
                "--source cloudflare needs the account id: set CLOUDFLARE_ACCOUNT_ID or pass --account-id",
            )?;
            let token = std::env::var(TOKEN_ENV).ok().filter(|t| !t.is_empty()).with_context(|| {
                format!("--source cloudflare needs an API token with Account Analytics Read in {TOKEN_ENV}")
            })?;
            Box::new(AnalyticsEngine::new(
                &args.api_base,
                account,
                &token,
                &args.dataset,
            )?)
        }
    };
    let report = Report::compute(source.as_ref(), &filter, args.by)?;

    if let Some(path) = &args.html {
        let html = dashboard::render(&report)?;
        std::fs::write(path, html).with_context(|| format!("cannot write {}", path.display()))?;
        if !g.quiet && !g.json {
            eprintln!("Wrote the dashboard to {}", path.display());
        }
    }
    if g.json {
        super::print_json(&report)?;
    } else if args.csv {
        format::csv(&report, std::io::stdout().lock())?;
    } else if args.html.is_none() {
        print!("{}", format::text(&report));
    }
    Ok(ExitCode::SUCCESS)
}
