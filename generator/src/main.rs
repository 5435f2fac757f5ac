use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = smartlinks::cli::Cli::parse();
    match smartlinks::cmd::run(cli) {
        Ok(code) => code,
        Err(err) => {
            // The whole cause chain on one line, as `a: b: c`.
            eprintln!("smartlinks: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
