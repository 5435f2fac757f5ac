//! Progress for people and for logs: a bar on a terminal, plain lines
//! elsewhere (CI), nothing with `--json` or `--quiet`.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Bar,
    Lines,
    Silent,
}

#[derive(Debug, Clone, Copy)]
pub struct Progress {
    mode: Mode,
}

impl Progress {
    /// Chooses bars on a terminal, lines otherwise; `quiet` silences both.
    pub fn detect(quiet: bool) -> Self {
        let mode = if quiet {
            Mode::Silent
        } else if std::io::stderr().is_terminal() {
            Mode::Bar
        } else {
            Mode::Lines
        };
        Progress { mode }
    }

    pub fn silent() -> Self {
        Progress { mode: Mode::Silent }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// A line of status, on stderr, unless silent.
    pub fn line(&self, msg: &str) {
        if self.mode != Mode::Silent {
            eprintln!("{msg}");
        }
    }

    pub fn bar(&self, label: &str, len: u64) -> Bar {
        match self.mode {
            Mode::Bar => {
                let pb = ProgressBar::new(len);
                pb.set_style(
                    ProgressStyle::with_template("{prefix:>10} [{bar:30}] {pos}/{len} {msg}")
                        .expect("valid template")
                        .progress_chars("=> "),
                );
                pb.set_prefix(label.to_string());
                Bar {
                    pb: Some(pb),
                    label: label.to_string(),
                    len,
                    lines: false,
                }
            }
            Mode::Lines => {
                eprintln!("{label} {len} item{}...", if len == 1 { "" } else { "s" });
                Bar {
                    pb: None,
                    label: label.to_string(),
                    len,
                    lines: true,
                }
            }
            Mode::Silent => Bar {
                pb: None,
                label: String::new(),
                len,
                lines: false,
            },
        }
    }
}

pub struct Bar {
    pb: Option<ProgressBar>,
    label: String,
    len: u64,
    lines: bool,
}

impl Bar {
    pub fn inc(&self, n: u64) {
        if let Some(pb) = &self.pb {
            pb.inc(n);
        }
    }

    /// Adds `n` items to a bar whose total grows as work is discovered.
    pub fn inc_length(&self, n: u64) {
        if let Some(pb) = &self.pb {
            pb.inc_length(n);
        }
    }

    /// A line about one item: above the bar on a terminal, plain otherwise.
    pub fn println(&self, msg: &str) {
        if let Some(pb) = &self.pb {
            pb.println(msg);
        } else if self.lines {
            eprintln!("{msg}");
        }
    }

    pub fn set_message(&self, msg: impl Into<String>) {
        if let Some(pb) = &self.pb {
            pb.set_message(msg.into());
        }
    }

    pub fn finish(&self) {
        if let Some(pb) = &self.pb {
            pb.finish_and_clear();
        } else if self.lines {
            eprintln!(
                "{} done ({} item{})",
                self.label,
                self.len,
                if self.len == 1 { "" } else { "s" }
            );
        }
    }
}
