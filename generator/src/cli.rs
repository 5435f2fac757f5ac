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
it was. Pages whose inputs did not change since the last build (recorded in
<content>/.smartlinks/build.json) are copied, not rendered; --force renders
all. The output is the same either way.

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

    /// Preview the site locally, rebuilding on change and collecting analytics
    #[command(long_about = "\
Build the site, then serve it on 127.0.0.1 for previewing.

The site is rebuilt when a file under the content directory or its themes/
changes, and open pages reload by themselves. A rebuild looks only at the
artists whose files changed, so it takes milliseconds even in a large
catalog. When run from the smartlinks repository, edits to its themes/
folder are picked up too.

Buttons are ordered for a country the way the edge orders them: add
?country=FR to a page address, or send a CF-IPCountry header.

Beacons the pages send are checked like the edge worker checks them and
stored in a local SQLite database (by default <content>/.smartlinks/analytics.db);
read them with `smartlinks analytics`. No IP address is stored.

Example:
    smartlinks serve                      # http://127.0.0.1:8383/
    smartlinks serve --port 0             # any free port; the address is printed")]
    Serve(ServeArgs),

    /// Report page views, service clicks, shares, saves and video plays
    #[command(long_about = "\
Report Views, Music service clicks, Share clicks, Save events, Video plays and
the Service click rate (service clicks / views), in total and per Smart Link.

Figures come from the local database `smartlinks serve` fills (--source local,
the default) or from Cloudflare Workers Analytics Engine, where the edge
worker writes them (--source cloudflare; needs CLOUDFLARE_ACCOUNT_ID and
CLOUDFLARE_API_TOKEN in the environment).

Dates are UTC days, both ends included.

Examples:
    smartlinks analytics
    smartlinks analytics --artist nova-lane --since 2026-03-01 --by country
    smartlinks analytics --csv > links.csv
    smartlinks analytics --html report.html
    smartlinks analytics --source cloudflare --since 2026-03-01 --json")]
    Analytics(AnalyticsArgs),
    /// Connect an artist from their Spotify link
    #[command(long_about = "\
Connect an artist: fetch their name and image from Spotify, write
artists/<slug>.toml (yours to edit) and catalog/<slug>/artist.json.
Needs SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET.

Example:
    smartlinks artist add https://open.spotify.com/artist/tBxoiKdJ8q6XZr8T8jdVtn --auto-approve")]
    Artist(ArtistArgs),

    /// Pull releases and streaming links from Spotify and Odesli
    #[command(long_about = "\
Pull every connected artist's albums, singles, EPs and compilations from
Spotify, with the links of the other services from Odesli, into catalog/.
Only what changed costs calls: an unchanged catalog takes one listing call
per artist and no Odesli call. Each new release gets a link file in
links/<artist>/, approved at once if the artist has auto_approve = true.
Link files that exist are never changed. A release that is no longer on
Spotify is kept and flagged as vanished in state.json.

Exit codes: 0 done; 1 error (nothing pulled); 3 some releases or artists
failed (the others were stored); 130 interrupted (Ctrl-C; the catalog stays
consistent).

Needs SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET; ODESLI_API_KEY is
optional (60 Odesli requests a minute instead of 10).

Examples:
    smartlinks pull
    smartlinks pull --artist nova-lane --json
    smartlinks pull --odesli-max-age 7")]
    Pull(PullArgs),

    /// Make a Smart Link for a Spotify playlist
    #[command(long_about = "\
Make a playlist Smart Link from a Spotify playlist link: fetches the
playlist's name, description and image (the track list is not needed),
stores them in catalog/<artist>/playlists/ and writes
links/<artist>/<slug>.toml. Spotify is its button; add others under
[services] in the link file.

Example:
    smartlinks playlist add https://open.spotify.com/playlist/rgcCCDDwNicTA0MdsMS8El --artist nova-lane")]
    Playlist(PlaylistArgs),

    /// Approve Smart Links so they are published
    #[command(long_about = "\
Set approved = true in link files, leaving the rest of each file (comments
included) as it was. The next build publishes them.

Examples:
    smartlinks approve nova-lane/zoe-a-paris nova-lane/cafe-creme
    smartlinks approve --artist nova-lane --all")]
    Approve(ApproveArgs),

    /// List Smart Links and whether they are published
    #[command(long_about = "\
List the Smart Links: artist, link slug, kind (release or playlist), title
from the catalog, approved, and the published address (empty until
approved).

Examples:
    smartlinks links
    smartlinks links --artist nova-lane --json")]
    Links(LinksArgs),

    /// Print the Smart Link address for a Spotify link
    #[command(long_about = "\
Print the Smart Link address for a Spotify album, track or playlist link.
A track resolves to the release it is on (this asks Spotify, so it needs
SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET). It fails, saying why, when
there is no Smart Link or it is not approved yet.

Examples:
    smartlinks resolve https://open.spotify.com/album/1day0uyMToGjXyXSwqzZKk
    smartlinks resolve spotify:track:PYOHVRqbfjI2PzmEaFQ12Y")]
    Resolve(ResolveArgs),

    /// Print what a paid campaign needs about one Smart Link, as JSON
    #[command(long_about = "\
Print what a paid campaign setup needs about one Smart Link, always as JSON:
type (release or playlist), Spotify URI and URL, title, artist, artwork URL,
release date, the Smart Link URL and its services (id, name, url) in the
order the page shows them to a fan whose country is unknown.

Takes ARTIST/SLUG or a pasted Spotify album, track or playlist link (a track
is looked up on Spotify, so it needs SPOTIFY_CLIENT_ID and
SPOTIFY_CLIENT_SECRET). A link that is not approved is refused: it is not
published, so an ad must not point at it.

Examples:
    smartlinks campaign nova-lane/zoe-a-paris
    smartlinks campaign https://open.spotify.com/album/1day0uyMToGjXyXSwqzZKk")]
    Campaign(CampaignArgs),

    /// Pull, build and deploy the site and the edge worker
    #[command(long_about = "\
Pull (unless --skip-pull), build, then deploy the site and the edge worker
with wrangler, and print the address of every new or changed Smart Link
(compared with the last publish, recorded in catalog/published.json).

Cloudflare credentials come from CLOUDFLARE_API_TOKEN and
CLOUDFLARE_ACCOUNT_ID and are checked before any work. Without Spotify
credentials the pull is skipped with a warning. Before deploying, the site is
checked against the Workers Static Assets limits: --max-files files per
deployment (20000 on the free plan, 100000 on paid) and 25 MiB per file.

--dry-run does everything but the upload (`wrangler deploy --dry-run`),
needs no credentials and works offline; it records nothing.

Wrangler is run from the folder of --wrangler-config: its
node_modules/.bin/wrangler when there is one (`npm ci`), else `npx wrangler`;
SMARTLINKS_WRANGLER names another.

Exit codes: 0 published; 4 nothing changed (nothing deployed); 3 partial
failure (the pull failed for some releases; the rest was published);
1 failed (nothing deployed); 2 usage error.

Examples:
    smartlinks publish
    smartlinks publish --dry-run --skip-pull
    smartlinks publish --json --max-files 100000")]
    Publish(PublishArgs),

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
pub struct ArtistArgs {
    #[command(subcommand)]
    pub command: ArtistCommand,
}

#[derive(Debug, Subcommand)]
pub enum ArtistCommand {
    /// Connect an artist from their Spotify link
    #[command(long_about = "\
Connect an artist from their Spotify link or URI: writes
artists/<slug>.toml and catalog/<slug>/artist.json.

Example:
    smartlinks artist add https://open.spotify.com/artist/tBxoiKdJ8q6XZr8T8jdVtn --slug nova-lane")]
    Add(ArtistAddArgs),
}

#[derive(Debug, Args)]
pub struct ArtistAddArgs {
    /// The artist's Spotify link or URI
    #[arg(value_name = "SPOTIFY_ARTIST_URL")]
    pub url: String,
    /// Slug for the artist's address (default: from the name)
    #[arg(long, value_name = "SLUG")]
    pub slug: Option<String>,
    /// Publish new releases from a pull at once
    #[arg(long)]
    pub auto_approve: bool,
}

#[derive(Debug, Args)]
pub struct PullArgs {
    /// Pull only this artist
    #[arg(long, value_name = "SLUG")]
    pub artist: Option<String>,
    /// Days an Odesli answer stays fresh before it is asked again
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub odesli_max_age: u32,
    /// Country Odesli answers for (two letters)
    #[arg(long, value_name = "CC", default_value = "US")]
    pub country: String,
    /// Fetch every release and artist profile again, changed or not
    #[arg(long)]
    pub full: bool,
}

#[derive(Debug, Args)]
pub struct PlaylistArgs {
    #[command(subcommand)]
    pub command: PlaylistCommand,
}

#[derive(Debug, Subcommand)]
pub enum PlaylistCommand {
    /// Make a Smart Link for a Spotify playlist
    #[command(long_about = "\
Make a playlist Smart Link from its Spotify link or URI.

Example:
    smartlinks playlist add https://open.spotify.com/playlist/rgcCCDDwNicTA0MdsMS8El --artist nova-lane --slug nuits-blanches")]
    Add(PlaylistAddArgs),
}

#[derive(Debug, Args)]
pub struct PlaylistAddArgs {
    /// The playlist's Spotify link or URI
    #[arg(value_name = "SPOTIFY_PLAYLIST_URL")]
    pub url: String,
    /// The artist whose Smart Link it is
    #[arg(long, value_name = "SLUG")]
    pub artist: String,
    /// Slug for the link's address (default: from the playlist name)
    #[arg(long, value_name = "SLUG")]
    pub slug: Option<String>,
    /// Approve the link at once (default: the artist's auto_approve)
    #[arg(long)]
    pub approve: bool,
}

#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// Links to approve, as ARTIST/SLUG
    #[arg(value_name = "ARTIST/SLUG", required_unless_present = "all")]
    pub links: Vec<String>,
    /// The artist, with --all
    #[arg(long, value_name = "SLUG", requires = "all")]
    pub artist: Option<String>,
    /// Approve every link of --artist
    #[arg(long, requires = "artist", conflicts_with = "links")]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct LinksArgs {
    /// Only this artist's links
    #[arg(long, value_name = "SLUG")]
    pub artist: Option<String>,
}

#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// A Spotify album, track or playlist link or URI
    #[arg(value_name = "SPOTIFY_URL")]
    pub url: String,
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
    /// Render every page, changed or not
    #[arg(
        long,
        long_help = "Render every page, changed or not. Without it, pages whose inputs (content, \
                     catalog, theme, site settings, this binary) did not change since the last build \
                     are copied from it; the result is the same bytes. Example: smartlinks build --force"
    )]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct CampaignArgs {
    /// ARTIST/SLUG, or a Spotify album, track or playlist link
    #[arg(value_name = "LINK_OR_SPOTIFY_URL")]
    pub target: String,
}

/// Workers Static Assets: files per deployment on the free plan.
pub const FREE_PLAN_MAX_FILES: usize = 20_000;

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Where to write the site
    #[arg(long, default_value = "public", value_name = "DIR")]
    pub out: PathBuf,
    /// Build and bundle, but upload nothing (works offline)
    #[arg(long)]
    pub dry_run: bool,
    /// Do not pull from Spotify and Odesli first
    #[arg(long)]
    pub skip_pull: bool,
    /// Most files a deployment may have (20000 free plan, 100000 paid)
    #[arg(
        long,
        env = "SMARTLINKS_MAX_FILES",
        default_value_t = FREE_PLAN_MAX_FILES,
        value_name = "N",
        long_help = "Most files one deployment may have: Workers Static Assets allow 20000 on the \
                     free plan and 100000 on a paid plan. Example: --max-files 100000"
    )]
    pub max_files: usize,
    /// The wrangler configuration of the site and worker
    #[arg(long, default_value = "wrangler.toml", value_name = "FILE")]
    pub wrangler_config: PathBuf,
    /// Render every page, changed or not
    #[arg(long)]
    pub force: bool,
}

/// The preview server's default port.
pub const DEFAULT_PORT: u16 = 8383;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 (0 picks a free one)
    #[arg(long, default_value_t = DEFAULT_PORT, value_name = "N")]
    pub port: u16,
    /// Where to build the previewed site [default: <content>/.smartlinks/preview]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Analytics database [default: <content>/.smartlinks/analytics.db]
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Built-in themes folder to use instead of the embedded copy
    #[arg(
        long,
        value_name = "DIR",
        long_help = "Read the built-in themes from this folder instead of the copy inside the binary, \
                     and rebuild when it changes. Defaults to ./themes when run from the smartlinks \
                     repository. Example: --themes ~/src/smartlinks/themes"
    )]
    pub themes: Option<PathBuf>,
    /// Stop after this many seconds (for tests and scripts)
    #[arg(long, value_name = "SECS", hide = true)]
    pub exit_after: Option<u64>,
}

/// What `--by` breaks the figures down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum Dimension {
    Country,
    Referrer,
    UtmSource,
    UtmCampaign,
    Device,
    Locale,
    Service,
}

/// Where `analytics` reads events from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// The SQLite database `smartlinks serve` fills
    Local,
    /// Cloudflare Workers Analytics Engine, written by the edge worker
    Cloudflare,
}

#[derive(Debug, Args)]
pub struct AnalyticsArgs {
    /// Only this artist (slug)
    #[arg(long, value_name = "SLUG")]
    pub artist: Option<String>,
    /// First day to count, YYYY-MM-DD (UTC)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub since: Option<chrono::NaiveDate>,
    /// Last day to count, YYYY-MM-DD (UTC), included
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub until: Option<chrono::NaiveDate>,
    /// Break the figures down by one dimension
    #[arg(
        long,
        value_enum,
        value_name = "DIMENSION",
        long_help = "Break the figures down by one dimension. `service` counts service clicks per \
                     service; the others count every kind of event per value. \
                     Example: --by utm_campaign"
    )]
    pub by: Option<Dimension>,
    /// Print CSV instead of a table
    #[arg(long, conflicts_with = "html")]
    pub csv: bool,
    /// Write a self-contained HTML dashboard to FILE
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Where the events are
    #[arg(long, value_enum, default_value = "local")]
    pub source: SourceKind,
    /// Local analytics database [default: <content>/.smartlinks/analytics.db]
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Cloudflare account id (for --source cloudflare)
    #[arg(long, env = "CLOUDFLARE_ACCOUNT_ID", value_name = "ID")]
    pub account_id: Option<String>,
    /// Cloudflare API base address
    #[arg(
        long,
        env = "CLOUDFLARE_API_BASE",
        default_value = "https://api.cloudflare.com/client/v4",
        value_name = "URL"
    )]
    pub api_base: String,
    /// Analytics Engine dataset the edge worker writes
    #[arg(
        long,
        env = "SMARTLINKS_AE_DATASET",
        default_value = smartlinks_core::beacon::ae::DATASET,
        value_name = "NAME"
    )]
    pub dataset: String,
}

fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a date like 2026-03-01"))
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
