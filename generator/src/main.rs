use std::process::ExitCode;

use clap::Parser;

// Rendering allocates many small strings and maps per page; mimalloc spends
// less time on that than the system allocator, on every core at once.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
