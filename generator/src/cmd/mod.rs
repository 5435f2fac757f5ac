//! One module per subcommand. Each turns parsed arguments into work and
//! reports the result for people or, with `--json`, for scripts.

mod build;
mod init;
mod order;
mod service;

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, Command};

pub fn run(cli: Cli) -> Result<ExitCode> {
    let g = cli.global;
    match cli.command {
        Command::Build(args) => build::run(&g, args),
        Command::Init(args) => init::run(&g, args),
        Command::Service(args) => service::run(&g, args),
        Command::Order(args) => order::run(&g, args),
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
