//! A fake Odesli `GET /v1-alpha.1/links`: answers by Spotify album URL,
//! 400 `could_not_resolve_entity` for anything it does not know, and 429
//! when asked more often than its rate limit allows.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Value};

use super::{apply, param, Call, Fault, Recorder, Server};

struct Inner {
    /// Answers by Spotify album id.
    answers: BTreeMap<String, Value>,
    rec: Recorder,
    /// At most `.0` requests in any window of `.1`.
    rate_limit: Option<(usize, Duration)>,
    accepted: Vec<Instant>,
    refused: usize,
}

type Shared = Arc<Mutex<Inner>>;

pub struct FakeOdesli {
    inner: Shared,
    pub server: Server,
}

impl FakeOdesli {
    pub fn start(answers: BTreeMap<String, Value>) -> FakeOdesli {
        let inner = Arc::new(Mutex::new(Inner {
            answers,
            rec: Recorder::default(),
            rate_limit: None,
            accepted: Vec::new(),
            refused: 0,
        }));
        let shared = inner.clone();
        let server =
            Server::start(move |_: SocketAddr| Router::new().fallback(handle).with_state(shared));
        FakeOdesli { inner, server }
    }

    pub fn base(&self) -> String {
        format!("http://{}/v1-alpha.1", self.server.addr)
    }

    /// Calls to `/links`, refused ones included.
    pub fn count(&self) -> usize {
        self.inner.lock().unwrap().rec.count("links")
    }

    pub fn calls(&self) -> Vec<Call> {
        self.inner.lock().unwrap().rec.calls.clone()
    }

    pub fn reset_calls(&self) {
        self.inner.lock().unwrap().rec.calls.clear();
    }

    /// Requests answered 429 because of the rate limit.
    pub fn refused(&self) -> usize {
        self.inner.lock().unwrap().refused
    }

    pub fn set_rate_limit(&self, requests: usize, window: Duration) {
        self.inner.lock().unwrap().rate_limit = Some((requests, window));
    }

    /// `path` is `/v1-alpha.1/links`; the fault applies to requests whose
    /// `url` parameter contains `album_id` when given.
    pub fn inject(&self, album_id: &str, fault: Fault, times: Option<u32>) {
        self.inner
            .lock()
            .unwrap()
            .rec
            .inject(&links_key(album_id), fault, times);
    }

    pub fn clear_faults(&self) {
        self.inner.lock().unwrap().rec.clear_faults();
    }

    pub fn set_answer(&self, album_id: &str, answer: Value) {
        self.inner
            .lock()
            .unwrap()
            .answers
            .insert(album_id.to_string(), answer);
    }
}

fn links_key(album_id: &str) -> String {
    format!("/v1-alpha.1/links#{album_id}")
}

fn code(status: u16, code: &str) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        axum::Json(json!({"statusCode": status, "code": code})),
    )
        .into_response()
}

async fn handle(State(shared): State<Shared>, uri: Uri) -> Response {
    let query = uri.query().unwrap_or("").to_string();
    if uri.path() != "/v1-alpha.1/links" {
        let _ = shared
            .lock()
            .unwrap()
            .rec
            .record("unknown", uri.path(), &query);
        return code(404, "not_found");
    }
    let url = param(&query, "url").unwrap_or_default();
    let album_id = url
        .strip_prefix("https://open.spotify.com/album/")
        .unwrap_or("")
        .to_string();
    // Faults are keyed by album, so a test can break one release.
    let fault = shared
        .lock()
        .unwrap()
        .rec
        .record("links", &links_key(&album_id), &query);
    if let Some(r) = apply(fault).await {
        return r;
    }
    let mut inner = shared.lock().unwrap();
    if let Some((n, window)) = inner.rate_limit {
        let now = Instant::now();
        inner.accepted.retain(|t| now.duration_since(*t) < window);
        if inner.accepted.len() >= n {
            inner.refused += 1;
            return code(429, "too_many_requests");
        }
        inner.accepted.push(now);
    }
    let country = param(&query, "userCountry").unwrap_or_else(|| "US".into());
    match inner.answers.get(&album_id) {
        Some(answer) => {
            let mut a = answer.clone();
            a["userCountry"] = json!(country);
            axum::Json(a).into_response()
        }
        None => code(400, "could_not_resolve_entity"),
    }
}
