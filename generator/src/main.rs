use std::process::ExitCode;

use clap::Parser;

// Rendering allocates many small strings and maps per page; mimalloc spends
// less time on that than the system allocator, on every core at once.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = smartlinks::cli::Cli::parse();
    match smartlinks::cmd::run(cli) {
        Ok(code) if code == ExitCode::SUCCESS => exit_now(),
        Ok(code) => code,
        Err(err) => {
            // The whole cause chain on one line, as `a: b: c`.
            eprintln!("smartlinks: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Ends a successful run without handing every allocation back first: the
/// allocator would walk and release a large build's memory (milliseconds of
/// `madvise`) that the system reclaims at exit anyway.
fn exit_now() -> ExitCode {
    use std::io::Write;
    if std::io::stdout().flush().is_err() {
        return ExitCode::FAILURE;
    }
    #[cfg(unix)]
    // SAFETY: every file this run wrote is closed and output is flushed;
    // nothing registered to run at exit is ours to need.
    unsafe {
        libc::_exit(0)
    }
    #[cfg(not(unix))]
    ExitCode::SUCCESS
}
