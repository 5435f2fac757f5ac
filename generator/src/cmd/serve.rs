use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Result};

use crate::analytics::default_db;
use crate::cli::{GlobalArgs, ServeArgs};
use crate::serve::{self, Config};

/// `./themes` when run from the smartlinks repository, so theme edits show
/// without rebuilding the binary.
fn repo_themes() -> Option<PathBuf> {
    let themes = PathBuf::from("themes");
    (themes.join("common/templates").is_dir() && Path::new("generator/Cargo.toml").is_file())
        .then_some(themes)
}

pub fn run(g: &GlobalArgs, args: ServeArgs) -> Result<ExitCode> {
    let themes = args.themes.or_else(repo_themes);
    if let Some(t) = &themes {
        if !t.join("common").is_dir() {
            bail!(
                "--themes {}: not a themes folder (it has no common/); point it at the themes/ folder of the smartlinks repository",
                t.display()
            );
        }
    }
    let state_dir = g.content.join(".smartlinks");
    let config = Config {
        out: args.out.unwrap_or_else(|| state_dir.join("preview")),
        db: args.db.unwrap_or_else(|| default_db(&g.content)),
        content: g.content.clone(),
        port: args.port,
        themes,
        exit_after: args.exit_after.map(Duration::from_secs),
        json: g.json,
        quiet: g.quiet,
    };
    serve::run(config)?;
    Ok(ExitCode::SUCCESS)
}
