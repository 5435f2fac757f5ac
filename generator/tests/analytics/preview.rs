//! Runs the real `smartlinks serve` on a fixture site and talks to it over
//! loopback HTTP. The child is killed when the handle drops, and it stops by
//! itself after `--exit-after` in any case.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::common::Site;

/// Seconds a test server lives at most.
const LIFETIME: &str = "120";

pub struct Preview {
    child: Child,
    pub url: String,
    pub out: PathBuf,
    pub db: PathBuf,
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
}

pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl Preview {
    pub fn start(site: &Site) -> Preview {
        Self::start_with(site, &[])
    }

    pub fn start_with(site: &Site, extra: &[&str]) -> Preview {
        let mut child = Command::new(env!("CARGO_BIN_EXE_smartlinks"))
            .arg("--content")
            .arg(site.content())
            .args(["--json", "serve", "--port", "0"])
            .args(if extra.contains(&"--exit-after") {
                &[][..]
            } else {
                &["--exit-after", LIFETIME][..]
            })
            .args(extra)
            .current_dir(site.dir.path())
            .env_remove("SMARTLINKS_CONTENT")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let line = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                panic!("serve printed no address: {:?}", child.wait());
            }
        };
        let started: serde_json::Value = serde_json::from_str(&line).unwrap();
        Preview {
            child,
            url: started["url"]
                .as_str()
                .unwrap()
                .trim_end_matches('/')
                .to_string(),
            out: PathBuf::from(started["out"].as_str().unwrap()),
            db: PathBuf::from(started["db"].as_str().unwrap()),
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the server to stop by itself; its exit success.
    pub fn wait(mut self, limit: Duration) -> Option<bool> {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status.success());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        let mut req = self.client.get(format!("{}{path}", self.url));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(req)
    }

    /// Posts a beacon the way `navigator.sendBeacon` does (text/plain), from
    /// an ordinary phone browser unless `headers` say otherwise.
    pub fn beacon(&self, body: impl Into<String>, headers: &[(&str, &str)]) -> Answer {
        let mut req = self
            .client
            .post(format!("{}/api/beacon", self.url))
            .header("content-type", "text/plain;charset=UTF-8")
            .body(body.into());
        if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("user-agent"))
        {
            req = req.header("user-agent", crate::PHONE);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(req)
    }

    fn send(&self, req: reqwest::RequestBuilder) -> Answer {
        self.runtime.block_on(async {
            let r = req.send().await.unwrap();
            Answer {
                status: r.status().as_u16(),
                body: r.text().await.unwrap(),
            }
        })
    }

    /// Opens the reload stream, runs `change`, and says whether a `reload`
    /// event arrived within `limit`.
    pub fn reload_after(&self, change: impl FnOnce(), limit: Duration) -> bool {
        self.runtime.block_on(async {
            let mut r = self
                .client
                .get(format!("{}/__smartlinks/reload", self.url))
                .timeout(limit + Duration::from_secs(5))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            assert!(r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream"));
            change();
            let mut seen = String::new();
            let wait = async {
                while let Ok(Some(chunk)) = r.chunk().await {
                    seen.push_str(&String::from_utf8_lossy(&chunk));
                    if seen.contains("event: reload") {
                        return true;
                    }
                }
                false
            };
            tokio::time::timeout(limit, wait).await.unwrap_or(false)
        })
    }

    /// Rows of the analytics database, as the server stored them.
    pub fn events(&self) -> Vec<serde_json::Map<String, serde_json::Value>> {
        let store = smartlinks::analytics::store::Store::open_existing(&self.db).unwrap();
        store.rows("SELECT * FROM events ORDER BY id").unwrap()
    }
}

impl Drop for Preview {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
