use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use crate::cli::{GlobalArgs, InitArgs};
use crate::content::Content;

const SITE_TOML: &str = r#"# Site settings for smartlinks. Every field is documented in README.md.

# Public address of the site; Smart Links live at {base_url}/{artist}/{link}.
base_url = {base_url}

# Site name, shown in page titles and on the 404 page.
name = {name}

# Theme for artists that choose none: daylight, midnight, spotlight or minimal.
theme = "daylight"

# Language of the pages (the html lang attribute).
language = "en"

# Where the pages send first-party analytics events.
analytics_endpoint = "/api/beacon"
"#;

pub fn run(g: &GlobalArgs, args: InitArgs) -> Result<ExitCode> {
    let site_file = Content::site_file(&args.dir);
    if site_file.exists() {
        bail!(
            "{} already exists; init only creates new sites",
            site_file.display()
        );
    }
    let base_url = url::Url::parse(&args.base_url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .with_context(|| {
            format!(
                "--base-url {:?} is not an http(s) address like https://play.example.com",
                args.base_url
            )
        })?;
    for dir in ["artists", "links", "catalog"] {
        let path = args.dir.join(dir);
        std::fs::create_dir_all(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
    }
    let text = SITE_TOML
        .replace(
            "{base_url}",
            &toml_string(base_url.as_str().trim_end_matches('/')),
        )
        .replace("{name}", &toml_string(&args.name));
    std::fs::write(&site_file, text)
        .with_context(|| format!("cannot write {}", site_file.display()))?;
    if g.json {
        super::print_json(&serde_json::json!({ "created": args.dir, "site": site_file }))?;
    } else if !g.quiet {
        println!("Created a new site in {}", args.dir.display());
        println!("Next: smartlinks --content {} build", args.dir.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}
