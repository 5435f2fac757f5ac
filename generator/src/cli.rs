//! Command-line interface definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const ABOUT: &str = "Build and publish Smart Link landing pages for musicians";

const LONG_ABOUT: &str = "\
Build and publish Smart Link landing pages for musicians.

A Smart Link is one page per release or playlist with a button for every
streaming service. smartlinks keeps what you write by hand (site.toml,
artists/*.toml, links/*/*.toml) apart from what it pulls from Spotify and
Odesli (catalog/), and renders every approved link into a static site.

Start with the sample catalog:
    smartlinks build            # renders content/ into public/

Or a site of your own:
    smartlinks init my-site
    smartlinks --content my-site build --out my-site/public";

#[derive(Debug, Parser)]
#[command(name = "smartlinks", version, about = ABOUT, long_about = LONG_ABOUT)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// The content directory
    #[arg(
        long,
        global = true,
        env = "SMARTLINKS_CONTENT",
        default_value = "content",
        value_name = "DIR",
        long_help = "The content directory: site.toml, artists/, links/ and the pulled catalog/. \
                     Defaults to ./content, the sample catalog in a fresh clone."
    )]
    pub content: PathBuf,

    /// Print the result as JSON on stdout
    #[arg(
        long,
        global = true,
        long_help = "Print the result as one JSON document on stdout, for scripts and CI. Progress and warnings still go to stderr."
    )]
    pub json: bool,

    /// No progress output
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render every approved Smart Link into a static site
    #[command(long_about = "\
Render every approved Smart Link, every artist hub, sitemap.xml, robots.txt and
404.html into a static site.

The site is built in a staging directory beside --out and swapped into place
only when every page rendered, so a failed build leaves the previous site as
it was.

Example:
    smartlinks build --out public")]
    Build(BuildArgs),

    /// Create a new, empty site
    #[command(long_about = "\
Create a new, empty site: a commented site.toml and empty artists/ and links/
folders. Building it gives a valid, empty site.

Example:
    smartlinks init my-site --base-url https://music.example.org")]
    Init(InitArgs),

    /// Fix, add or hide one service button on one Smart Link
    #[command(long_about = "\
Fix, add or hide one service button on one Smart Link, in its hand-written
file links/ARTIST/SLUG.toml. Comments and other fields are kept.

A URL must be https and on one of the service's own hosts (any https host for
`other`). A refused edit writes nothing.

Examples:
    smartlinks service set nova-lane/zoe-a-paris apple_music https://music.apple.com/fr/album/zoe-a-paris/123
    smartlinks service hide nova-lane/zoe-a-paris tidal
    smartlinks service reset nova-lane/zoe-a-paris tidal
    smartlinks service reset nova-lane/zoe-a-paris        # every edit and hide")]
    Service(ServiceArgs),

    /// Show the order of the buttons a fan in a country sees
    #[command(long_about = "\
Show the service buttons of one Smart Link in the order a fan in a country
sees them, with the same code the build and the edge use. Without --country,
the global order: the one in the static HTML, for crawlers and fans whose
country is unknown.

Examples:
    smartlinks order nova-lane/zoe-a-paris --country FR
    smartlinks order ada-okafor/owambe-season --country JP --json")]
    Order(OrderArgs),
}

#[derive(Debug, Args)]
pub struct ServiceArgs {
    #[command(subcommand)]
    pub action: ServiceAction,
}

#[derive(Debug, Subcommand)]
pub enum ServiceAction {
    /// Fix or add a service URL on one link
    #[command(long_about = "\
Fix or add a service URL on one link: writes `SERVICE = \"URL\"` under
[services] in links/ARTIST/SLUG.toml. A hidden service is shown again.

Example:
    smartlinks service set nova-lane/zoe-a-paris apple_music https://music.apple.com/fr/album/zoe-a-paris/123")]
    Set {
        /// The link, as ARTIST/SLUG
        link: String,
        /// Service id, such as apple_music or bandcamp
        service: String,
        /// https URL on one of the service's hosts
        url: String,
    },
    /// Hide a service on one link
    #[command(long_about = "\
Hide a service on one link: adds it to `hide` in links/ARTIST/SLUG.toml.

Example:
    smartlinks service hide nova-lane/zoe-a-paris tidal")]
    Hide {
        /// The link, as ARTIST/SLUG
        link: String,
        /// Service id, such as tidal
        service: String,
    },
    /// Remove the edits and hides of one service, or of all
    #[command(long_about = "\
Remove what `set` and `hide` wrote for one service, or for every service when
none is named; the link then shows what Spotify and Odesli found.

Examples:
    smartlinks service reset nova-lane/zoe-a-paris tidal
    smartlinks service reset nova-lane/zoe-a-paris")]
    Reset {
        /// The link, as ARTIST/SLUG
        link: String,
        /// Service id; all services when left out
        service: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct OrderArgs {
    /// The link, as ARTIST/SLUG
    pub link: String,
    /// Two-letter country code, such as FR
    #[arg(
        long,
        value_name = "CODE",
        long_help = "ISO 3166-1 alpha-2 country code of the fan, such as FR or JP (any case). \
                     Left out, or not a known country: the global order."
    )]
    pub country: Option<String>,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Where to write the site
    #[arg(long, default_value = "public", value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder for the new site (created if missing)
    pub dir: PathBuf,
    /// Public address of the site
    #[arg(long, default_value = "https://play.example.com", value_name = "URL")]
    pub base_url: String,
    /// Site name
    #[arg(long, default_value = "Smart Links")]
    pub name: String,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
