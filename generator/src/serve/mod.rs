//! `smartlinks serve`: a local preview of the built site.
//!
//! It builds the site, serves it on 127.0.0.1, rebuilds when content or
//! themes change ([`watch`]) and tells open pages to reload, orders service
//! buttons per country the way the edge does, and stores the beacons pages
//! send in the local analytics store ([`routes`]).

mod routes;
mod watch;

use std::collections::HashSet;
use std::future::IntoFuture;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde::Serialize;
use tokio::sync::{broadcast, watch as signal};

use crate::analytics::store::Store;
use crate::content::Content;
use crate::progress::Progress;
use crate::render::incremental::Record;
use crate::render::view::SiteView;
use crate::render::{build_site_after, BuildReport, Since};
use crate::theme::Builtin;

/// Everything `serve` needs, checked before it starts.
#[derive(Debug, Clone)]
pub struct Config {
    pub content: PathBuf,
    pub out: PathBuf,
    pub db: PathBuf,
    pub port: u16,
    /// Built-in themes read from disk (and watched) instead of the embedded copy.
    pub themes: Option<PathBuf>,
    pub exit_after: Option<Duration>,
    pub json: bool,
    pub quiet: bool,
}

/// What the server knows of the build it is serving.
#[derive(Debug, Clone)]
pub(crate) struct Published {
    /// Path part of `base_url` (`""` or `/music`).
    pub base_path: String,
    /// `analytics_endpoint` as pages carry it.
    pub endpoint: String,
    /// The path beacons arrive at.
    pub endpoint_path: String,
    /// `artist/link` of every published Smart Link: the only links a beacon
    /// may name.
    pub links: HashSet<String>,
}

pub(crate) struct State {
    pub out: PathBuf,
    pub published: RwLock<Arc<Published>>,
    pub store: Arc<Mutex<Store>>,
    /// A new build number after each successful rebuild.
    pub reload: broadcast::Sender<u64>,
    /// Turns true when the server stops, ending open reload streams.
    pub stopping: signal::Receiver<bool>,
}

impl State {
    pub fn published(&self) -> Arc<Published> {
        self.published
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

#[derive(Serialize)]
struct Started<'a> {
    url: &'a str,
    port: u16,
    out: &'a Path,
    db: &'a Path,
}

/// The path beacons are posted to, from `analytics_endpoint`.
fn endpoint_path(endpoint: &str, site_file: &Path) -> Result<String> {
    let path = if endpoint.starts_with('/') && !endpoint.starts_with("//") {
        endpoint
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .to_string()
    } else {
        url::Url::parse(endpoint)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .map(|u| u.path().to_string())
            .unwrap_or_default()
    };
    if path.len() < 2 {
        bail!(
            "{}: field `analytics_endpoint` is {endpoint:?}; expected a path like /api/beacon or an https address like https://play.example.com/api/beacon",
            site_file.display()
        );
    }
    Ok(path)
}

/// Builds the content into `config.out` (atomically), checking only the
/// files changed `since` the last build when the watcher knows them (see
/// [`build_site_after`]). The record is returned for the next build; the
/// caller saves it.
pub(crate) fn build(
    config: &Config,
    since: Option<Since>,
) -> Result<(BuildReport, Published, Record)> {
    let builtin = match &config.themes {
        Some(dir) => Builtin::Dir(dir),
        None => Builtin::Embedded,
    };
    let (report, record) = build_site_after(
        &config.content,
        &config.out,
        builtin,
        &Progress::silent(),
        false,
        since,
    )?;
    let site = Content::load_site(&config.content)?;
    let published = Published {
        base_path: SiteView::new(&site).base_path,
        endpoint_path: endpoint_path(
            &site.analytics_endpoint,
            &Content::site_file(&config.content),
        )?,
        endpoint: site.analytics_endpoint,
        links: record.published_links().collect(),
    };
    Ok((report, published, record))
}

fn built_line(report: &BuildReport) -> String {
    format!(
        "Built {} Smart Link{} and {} artist hub{} in {:.3} s",
        report.links,
        if report.links == 1 { "" } else { "s" },
        report.hubs,
        if report.hubs == 1 { "" } else { "s" },
        report.elapsed.as_secs_f64()
    )
}

/// Builds, then serves until Ctrl-C, SIGTERM or `exit_after`.
pub fn run(config: Config) -> Result<()> {
    let watcher = watch::Watcher::start(&config)?;
    let (report, published, record) = build(&config, None)?;
    for w in &report.warnings {
        crate::cmd::warn(w);
    }
    if !config.quiet && !config.json {
        eprintln!("{}", built_line(&report));
    }
    let store = Store::open(&config.db)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(config, published, store, (watcher, record)))
}

async fn serve(
    config: Config,
    published: Published,
    store: Store,
    (watcher, record): (watch::Watcher, Record),
) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port))
        .await
        .with_context(|| {
            format!(
                "cannot listen on 127.0.0.1:{}; is another server using it? Try --port 0 for any free port",
                config.port
            )
        })?;
    let port = listener.local_addr()?.port();
    let url = format!("http://127.0.0.1:{port}{}/", published.base_path);

    let (reload, _) = broadcast::channel(16);
    let (stop, stopping) = signal::channel(false);
    let state = Arc::new(State {
        out: config.out.clone(),
        published: RwLock::new(Arc::new(published)),
        store: Arc::new(Mutex::new(store)),
        reload,
        stopping: stopping.clone(),
    });
    watcher.spawn(config.clone(), state.clone(), record)?;

    if config.json {
        // One line, so scripts can read it before the server stops.
        println!(
            "{}",
            serde_json::to_string(&Started {
                url: &url,
                port,
                out: &config.out,
                db: &config.db,
            })?
        );
    } else {
        println!("Serving {url} (Ctrl-C to stop)");
        if !config.quiet {
            println!("Analytics go to {}", config.db.display());
        }
    }

    let mut until_stopped = stopping.clone();
    let server = tokio::spawn(
        axum::serve(listener, routes::router(state))
            .with_graceful_shutdown(async move {
                let _ = until_stopped.wait_for(|s| *s).await;
            })
            .into_future(),
    );
    stop_signal(config.exit_after).await;
    let _ = stop.send(true);
    // Open connections get a moment to finish; the process ends regardless.
    match tokio::time::timeout(Duration::from_secs(3), server).await {
        Ok(Ok(result)) => result.context("the preview server failed")?,
        Ok(Err(e)) => bail!("the preview server stopped unexpectedly: {e}"),
        Err(_) => {}
    }
    if !config.quiet && !config.json {
        eprintln!("Stopped");
    }
    Ok(())
}

async fn stop_signal(exit_after: Option<Duration>) {
    let timer = async {
        match exit_after {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
        _ = timer => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_path_comes_from_a_path_or_an_address() {
        let f = Path::new("site.toml");
        assert_eq!(endpoint_path("/api/beacon", f).unwrap(), "/api/beacon");
        assert_eq!(
            endpoint_path("https://play.example.com/e?x=1", f).unwrap(),
            "/e"
        );
        let err = endpoint_path("beacon", f).unwrap_err().to_string();
        assert!(
            err.contains("site.toml") && err.contains("analytics_endpoint"),
            "{err}"
        );
        assert!(endpoint_path("//evil.example/x", f).is_err());
    }
}
