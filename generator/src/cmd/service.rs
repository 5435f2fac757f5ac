//! `smartlinks service set|hide|reset`: per-link service edits.

use std::process::ExitCode;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::cli::{GlobalArgs, ServiceAction, ServiceArgs};
use crate::content::link_edit::{edit_link, link_file, ServiceEdit};

#[derive(Serialize)]
struct Report<'a> {
    link: &'a str,
    action: &'static str,
    service: Option<&'a str>,
    url: Option<&'a str>,
    file: String,
    changed: bool,
    notes: Vec<String>,
}

pub fn run(g: &GlobalArgs, args: ServiceArgs) -> Result<ExitCode> {
    let (link, edit, action) = match args.action {
        ServiceAction::Set { link, service, url } => {
            (link, ServiceEdit::Set { service, url }, "set")
        }
        ServiceAction::Hide { link, service } => (link, ServiceEdit::Hide { service }, "hide"),
        ServiceAction::Reset { link, service } => (link, ServiceEdit::Reset { service }, "reset"),
    };
    let context = || format!("cannot {action} a service on {link}: nothing was written");
    let file = link_file(&g.content, &link).with_context(context)?;
    let outcome = edit_link(&file, &edit).with_context(context)?;
    let (service, url) = match &edit {
        ServiceEdit::Set { service, url } => (Some(service.as_str()), Some(url.as_str())),
        ServiceEdit::Hide { service } => (Some(service.as_str()), None),
        ServiceEdit::Reset { service } => (service.as_deref(), None),
    };
    if g.json {
        super::print_json(&Report {
            link: &link,
            action,
            service,
            url,
            file: outcome.file.display().to_string(),
            changed: outcome.changed,
            notes: outcome.notes,
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    for note in &outcome.notes {
        super::warn(note);
    }
    if !g.quiet {
        let what = match (&edit, service) {
            (ServiceEdit::Set { .. }, Some(s)) => format!("{s} now links to {}", url.unwrap_or("")),
            (ServiceEdit::Hide { .. }, Some(s)) => format!("{s} is hidden"),
            (_, Some(s)) => format!("{s} shows what Spotify and Odesli found"),
            (_, None) => "every service shows what Spotify and Odesli found".to_string(),
        };
        let state = if outcome.changed {
            format!("written to {}", outcome.file.display())
        } else {
            format!("{} already said so, unchanged", outcome.file.display())
        };
        println!("{link}: {what} ({state}); rebuild to publish");
    }
    Ok(ExitCode::SUCCESS)
}
