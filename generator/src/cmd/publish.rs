use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{GlobalArgs, PublishArgs};

pub fn run(_g: &GlobalArgs, _args: PublishArgs) -> Result<ExitCode> {
    anyhow::bail!("publish: not yet")
}
