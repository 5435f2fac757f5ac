//! Loopback fakes of the services the pull talks to, faithful to
//! ../shared/reference/external-apis.md: same paths, JSON field names,
//! error shapes and limits. Each counts calls per endpoint and can be told
//! to answer 429 with `Retry-After`, 500, slowly, or with malformed JSON.
#![allow(dead_code)]

pub mod data;
pub mod odesli;
pub mod spotify;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;

/// A server stops by itself after this long, whatever the test does.
const MAX_LIFETIME: Duration = Duration::from_secs(600);

/// A fault for the next matching requests.
#[derive(Debug, Clone)]
pub enum Fault {
    /// 429 Too Many Requests, with `Retry-After: N` seconds when given.
    TooMany { retry_after: Option<u64> },
    /// Development mode's quota exhaustion: 429 with a long `Retry-After`
    /// and `"reason": "QUOTA_EXCEEDED"`.
    QuotaExceeded,
    /// 500 Internal Server Error.
    ServerError,
    /// Answers normally, but only after this long (a client timeout).
    Slow(Duration),
    /// 200 with a body that is not JSON.
    Malformed,
}

#[derive(Debug)]
struct Rule {
    path: String,
    fault: Fault,
    /// `None`: every time.
    remaining: Option<u32>,
}

/// One request a fake received.
#[derive(Debug, Clone)]
pub struct Call {
    pub at: Instant,
    pub endpoint: &'static str,
    pub path: String,
    pub query: String,
}

/// Faults and the call log, shared by the fakes.
#[derive(Debug, Default)]
pub struct Recorder {
    rules: Vec<Rule>,
    pub calls: Vec<Call>,
}

impl Recorder {
    pub fn inject(&mut self, path: &str, fault: Fault, times: Option<u32>) {
        self.rules.push(Rule {
            path: path.to_string(),
            fault,
            remaining: times,
        });
    }

    pub fn clear_faults(&mut self) {
        self.rules.clear();
    }

    /// Records a call and returns the fault to apply to it, if any.
    pub fn record(&mut self, endpoint: &'static str, path: &str, query: &str) -> Option<Fault> {
        self.calls.push(Call {
            at: Instant::now(),
            endpoint,
            path: path.to_string(),
            query: query.to_string(),
        });
        let rule = self
            .rules
            .iter_mut()
            .find(|r| r.path == path && r.remaining != Some(0))?;
        if let Some(n) = rule.remaining.as_mut() {
            *n -= 1;
        }
        Some(rule.fault.clone())
    }

    pub fn count(&self, endpoint: &str) -> usize {
        self.calls.iter().filter(|c| c.endpoint == endpoint).count()
    }
}

/// The answer for a fault that replaces the normal one; `Slow` waits and
/// lets the normal answer through.
pub async fn apply(fault: Option<Fault>) -> Option<Response> {
    match fault? {
        Fault::TooMany { retry_after } => {
            let body = axum::Json(serde_json::json!({
                "error": {"status": 429, "message": "API rate limit exceeded"}
            }));
            Some(match retry_after {
                Some(s) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    [("retry-after", s.to_string())],
                    body,
                )
                    .into_response(),
                None => (StatusCode::TOO_MANY_REQUESTS, body).into_response(),
            })
        }
        Fault::QuotaExceeded => Some(
            (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "86400")],
                axum::Json(serde_json::json!({
                    "error": {"status": 429, "message": "API rate limit exceeded", "reason": "QUOTA_EXCEEDED"}
                })),
            )
                .into_response(),
        ),
        Fault::ServerError => Some(
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                axum::Json(
                    serde_json::json!({"error": {"status": 500, "message": "Server error"}}),
                ),
            )
                .into_response(),
        ),
        Fault::Malformed => Some(
            (
                StatusCode::OK,
                [("content-type", "application/json")],
                "{\"albums\": [{\"id\": ",
            )
                .into_response(),
        ),
        Fault::Slow(d) => {
            tokio::time::sleep(d).await;
            None
        }
    }
}

/// A running loopback server; stops when dropped (or after MAX_LIFETIME).
pub struct Server {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Server {
    /// Binds 127.0.0.1 on a free port, then serves `router(addr)` on a
    /// thread of its own.
    pub fn start(router: impl FnOnce(SocketAddr) -> Router + Send + 'static) -> Server {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let shutdown = async {
                    tokio::select! {
                        _ = stopped => {}
                        _ = tokio::time::sleep(MAX_LIFETIME) => {}
                    }
                };
                let _ = axum::serve(listener, router(addr))
                    .with_graceful_shutdown(shutdown)
                    .await;
            });
        });
        Server {
            addr,
            stop: Some(stop),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Query parameters of a request.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

pub fn param(query: &str, name: &str) -> Option<String> {
    query_pairs(query)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}
