//! One module per subcommand. Each turns parsed arguments into work and
//! reports the result for people or, with `--json`, for scripts.

mod analytics;
mod approve;
mod artist;
mod build;
mod campaign;
mod init;
mod links;
mod order;
mod playlist;
mod publish;
mod pull;
mod resolve;
mod serve;
mod service;
mod upstream;

use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::cli::{Cli, Command};
use crate::content::{Artist, Content, Link};

pub fn run(cli: Cli) -> Result<ExitCode> {
    let g = cli.global;
    match cli.command {
        Command::Build(args) => build::run(&g, args),
        Command::Init(args) => init::run(&g, args),
        Command::Serve(args) => serve::run(&g, args),
        Command::Analytics(args) => analytics::run(&g, args),
        Command::Artist(args) => artist::run(&g, args),
        Command::Pull(args) => pull::run(&g, args),
        Command::Playlist(args) => playlist::run(&g, args),
        Command::Approve(args) => approve::run(&g, args),
        Command::Links(args) => links::run(&g, args),
        Command::Resolve(args) => resolve::run(&g, args),
        Command::Service(args) => service::run(&g, args),
        Command::Order(args) => order::run(&g, args),
        Command::Campaign(args) => campaign::run(&g, args),
        Command::Publish(args) => publish::run(&g, args),
    }
}

/// Prints `value` as pretty JSON on stdout.
pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

pub(crate) fn warn(msg: &str) {
    eprintln!("smartlinks: warning: {msg}");
}

/// The link `name` (`ARTIST/SLUG`, already split into `artist` and `slug`)
/// names, or an error saying which file is missing and how to list the rest.
fn named_link<'a>(
    content: &'a Content,
    name: &str,
    artist: &str,
    slug: &str,
) -> Result<(&'a Artist, &'a Link)> {
    let a = content.artist(artist).with_context(|| {
        format!("{name:?}: there is no artist {artist:?} (artists/{artist}.toml)")
    })?;
    let link = a.links.iter().find(|x| x.config.slug == slug).with_context(|| {
        format!(
            "{name:?}: there is no Smart Link links/{artist}/{slug}.toml; `smartlinks links --artist {artist}` lists them"
        )
    })?;
    Ok((a, link))
}
