//! What the commands that talk to Spotify and Odesli share: settings from
//! the environment, checked before any work, one runtime, and Ctrl-C.

use anyhow::{Context, Result};
use tokio_util::sync::CancellationToken;

use crate::http::{Http, HttpConfig};
use crate::odesli::{Odesli, OdesliConfig};
use crate::spotify::{Spotify, SpotifyConfig};

/// Everything a command needs to talk to the services.
pub struct Upstream {
    pub runtime: tokio::runtime::Runtime,
    pub http: Http,
    pub cancel: CancellationToken,
}

impl Upstream {
    pub fn new() -> Result<Self> {
        let cfg = HttpConfig::from_env()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        let cancel = CancellationToken::new();
        let http = Http::new(cfg, cancel.clone())?;
        Ok(Upstream {
            runtime,
            http,
            cancel,
        })
    }

    /// Stops new requests on Ctrl-C; work in progress finishes its file.
    pub fn stop_on_ctrl_c(&self) {
        let cancel = self.cancel.clone();
        self.runtime.spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("smartlinks: interrupted; finishing the files being written");
                cancel.cancel();
            }
        });
    }

    pub fn spotify(&self, cfg: SpotifyConfig) -> Spotify {
        Spotify::new(self.http.clone(), cfg)
    }

    pub fn odesli(&self, cfg: OdesliConfig) -> Odesli {
        Odesli::new(self.http.clone(), cfg)
    }
}
