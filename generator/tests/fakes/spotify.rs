//! A fake Spotify (accounts and Web API) in two profiles:
//! - extended quota: every field, `GET /albums?ids=` batches, pages up to 50;
//! - development mode: no `label`, `popularity`, `available_markets` or
//!   `album_group`, `GET /albums?ids=` answers 404, `limit` above 10 answers
//!   400 "Invalid limit".

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use base64::Engine;
use serde_json::{json, Value};

use super::data::SpotifyData;
use super::{apply, param, Call, Fault, Recorder, Server};

pub const CLIENT_ID: &str = "fake-client-id";
pub const CLIENT_SECRET: &str = "fake-client-secret-7f3a9c";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Extended,
    Development,
}

struct Inner {
    profile: Profile,
    data: SpotifyData,
    rec: Recorder,
    tokens: HashMap<String, Instant>,
    /// API requests each token may still make, when limited.
    uses_left: HashMap<String, u32>,
    uses_per_token: Option<u32>,
    issued: u32,
    token_ttl: Duration,
    base: String,
}

type Shared = Arc<Mutex<Inner>>;

pub struct FakeSpotify {
    inner: Shared,
    pub server: Server,
}

impl FakeSpotify {
    pub fn start(profile: Profile, data: SpotifyData) -> FakeSpotify {
        let inner = Arc::new(Mutex::new(Inner {
            profile,
            data,
            rec: Recorder::default(),
            tokens: HashMap::new(),
            uses_left: HashMap::new(),
            uses_per_token: None,
            issued: 0,
            token_ttl: Duration::from_secs(3600),
            base: String::new(),
        }));
        let shared = inner.clone();
        let server = Server::start(move |addr: SocketAddr| {
            shared.lock().unwrap().base = format!("http://{addr}");
            Router::new().fallback(handle).with_state(shared)
        });
        FakeSpotify { inner, server }
    }

    pub fn accounts_base(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    pub fn api_base(&self) -> String {
        format!("http://{}/v1", self.server.addr)
    }

    /// Calls to one endpoint: `token`, `artist`, `artist_albums`,
    /// `albums_batch`, `album`, `album_tracks`, `track`, `playlist`.
    pub fn count(&self, endpoint: &str) -> usize {
        self.inner.lock().unwrap().rec.count(endpoint)
    }

    /// Every endpoint with calls, as `endpoint=N` sorted, for messages.
    pub fn summary(&self) -> String {
        let inner = self.inner.lock().unwrap();
        let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
        for c in &inner.rec.calls {
            *counts.entry(c.endpoint).or_default() += 1;
        }
        format!("{counts:?}")
    }

    pub fn calls(&self) -> Vec<Call> {
        self.inner.lock().unwrap().rec.calls.clone()
    }

    pub fn reset_calls(&self) {
        self.inner.lock().unwrap().rec.calls.clear();
    }

    /// Makes the next `times` requests to `path` (None: all) fail with `fault`.
    pub fn inject(&self, path: &str, fault: Fault, times: Option<u32>) {
        self.inner.lock().unwrap().rec.inject(path, fault, times);
    }

    pub fn clear_faults(&self) {
        self.inner.lock().unwrap().rec.clear_faults();
    }

    pub fn edit(&self, f: impl FnOnce(&mut SpotifyData)) {
        f(&mut self.inner.lock().unwrap().data);
    }

    /// Each token expires after `n` API requests, as if its hour ran out.
    pub fn tokens_expire_after(&self, n: u32) {
        self.inner.lock().unwrap().uses_per_token = Some(n);
    }

    /// Every token issued so far expires now.
    pub fn expire_tokens(&self) {
        let mut inner = self.inner.lock().unwrap();
        let past = Instant::now() - Duration::from_secs(1);
        inner.tokens.values_mut().for_each(|t| *t = past);
    }
}

fn error(status: u16, message: &str) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        axum::Json(json!({"error": {"status": status, "message": message}})),
    )
        .into_response()
}

fn ok(v: Value) -> Response {
    axum::Json(v).into_response()
}

fn endpoint(method: &Method, segments: &[&str]) -> &'static str {
    match (method.as_str(), segments) {
        ("POST", ["api", "token"]) => "token",
        ("GET", ["v1", "artists", _]) => "artist",
        ("GET", ["v1", "artists", _, "albums"]) => "artist_albums",
        ("GET", ["v1", "albums"]) => "albums_batch",
        ("GET", ["v1", "albums", _]) => "album",
        ("GET", ["v1", "albums", _, "tracks"]) => "album_tracks",
        ("GET", ["v1", "tracks", _]) => "track",
        ("GET", ["v1", "playlists", _]) => "playlist",
        _ => "unknown",
    }
}

async fn handle(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let query = uri.query().unwrap_or("").to_string();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let name = endpoint(&method, &segments);
    let fault = shared.lock().unwrap().rec.record(name, &path, &query);
    if let Some(r) = apply(fault).await {
        return r;
    }
    let mut inner = shared.lock().unwrap();
    if name == "token" {
        return token(&mut inner, &headers, &body);
    }
    if name == "unknown" {
        return error(404, "Service not found");
    }
    // Every API call needs a valid bearer token.
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match bearer.and_then(|t| inner.tokens.get(t)) {
        None => return error(401, "Invalid access token"),
        Some(until) if *until <= Instant::now() => return error(401, "The access token expired"),
        Some(_) => {}
    }
    if let Some(left) = bearer.and_then(|t| inner.uses_left.get_mut(t)) {
        if *left == 0 {
            return error(401, "The access token expired");
        }
        *left -= 1;
    }
    let dev = inner.profile == Profile::Development;
    let max_limit = if dev { 10 } else { 50 };
    let limit = match param(&query, "limit").map(|l| l.parse::<usize>()) {
        None => 20,
        Some(Ok(l)) if (1..=max_limit).contains(&l) => l,
        Some(_) => return error(400, "Invalid limit"),
    };
    let offset: usize = param(&query, "offset")
        .and_then(|o| o.parse().ok())
        .unwrap_or(0);
    let base = inner.base.clone();
    let data = &inner.data;
    match (name, segments.as_slice()) {
        ("artist", [_, _, id]) => match data.artists.get(*id) {
            Some(a) => ok(a.clone()),
            None => error(404, "Resource not found"),
        },
        ("artist_albums", [_, _, id, _]) => {
            let Some(entries) = data.listing.get(*id) else {
                return error(404, "Resource not found");
            };
            let groups = param(&query, "include_groups")
                .unwrap_or_else(|| "album,single,compilation,appears_on".into());
            let wanted: Vec<&str> = groups.split(',').collect();
            let listed: Vec<Value> = entries
                .iter()
                .filter(|(_, g)| wanted.contains(&g.as_str()))
                .filter_map(|(aid, g)| {
                    let mut item = simplified(data.albums.get(aid)?);
                    item["album_group"] = json!(g);
                    Some(strip(item, dev))
                })
                .collect();
            let page = |o: usize| {
                format!("{base}/v1/artists/{id}/albums?include_groups={groups}&limit={limit}&offset={o}")
            };
            ok(json!({
                "href": page(offset),
                "items": listed.iter().skip(offset).take(limit).collect::<Vec<_>>(),
                "limit": limit,
                "next": (offset + limit < listed.len()).then(|| page(offset + limit)),
                "offset": offset,
                "previous": (offset > 0).then(|| page(offset.saturating_sub(limit))),
                "total": listed.len(),
            }))
        }
        ("albums_batch", _) => {
            if dev {
                return error(404, "Not found.");
            }
            let ids: Vec<String> = param(&query, "ids")
                .unwrap_or_default()
                .split(',')
                .map(str::to_string)
                .collect();
            if ids.len() > 20 {
                return error(400, "Too many ids requested");
            }
            let albums: Vec<Value> = ids
                .iter()
                .map(|id| {
                    data.albums
                        .get(id)
                        .map_or(Value::Null, |a| strip(first_page(a, &base, 50), dev))
                })
                .collect();
            ok(json!({ "albums": albums }))
        }
        ("album", [_, _, id]) => match data.albums.get(*id) {
            Some(a) => ok(strip(first_page(a, &base, 50), dev)),
            None if id.len() != 22 => error(400, "invalid id"),
            None => error(404, "Resource not found"),
        },
        ("album_tracks", [_, _, id, _]) => match data.albums.get(*id) {
            Some(a) => {
                let items = a["tracks"]["items"].as_array().cloned().unwrap_or_default();
                let page =
                    |o: usize| format!("{base}/v1/albums/{id}/tracks?offset={o}&limit={limit}");
                let page_items: Vec<Value> = items
                    .iter()
                    .skip(offset)
                    .take(limit)
                    .map(|t| strip(t.clone(), dev))
                    .collect();
                ok(json!({
                    "href": page(offset),
                    "items": page_items,
                    "limit": limit,
                    "next": (offset + limit < items.len()).then(|| page(offset + limit)),
                    "offset": offset,
                    "previous": null,
                    "total": items.len(),
                }))
            }
            None => error(404, "Resource not found"),
        },
        ("track", [_, _, id]) => {
            for album in data.albums.values() {
                let items = album["tracks"]["items"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                if let Some(t) = items.iter().find(|t| t["id"] == json!(id)) {
                    let mut track = t.clone();
                    track["album"] = simplified(album);
                    track["popularity"] = json!(20);
                    return ok(strip(track, dev));
                }
            }
            error(404, "Resource not found")
        }
        ("playlist", [_, _, id]) => match data.playlists.get(*id) {
            Some(p) => {
                // Client-credentials tokens no longer get the track list.
                let mut p = p.clone();
                if let Some(o) = p.as_object_mut() {
                    o.remove("tracks");
                    o.remove("items");
                }
                ok(p)
            }
            None => error(404, "Resource not found"),
        },
        _ => error(404, "Service not found"),
    }
}

fn token(inner: &mut Inner, headers: &HeaderMap, body: &[u8]) -> Response {
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let form = String::from_utf8_lossy(body);
    if param(&form, "grant_type").as_deref() != Some("client_credentials") {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "unsupported_grant_type", "error_description": "grant_type parameter is missing"})),
        )
            .into_response();
    }
    if auth != expected {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "invalid_client", "error_description": "Invalid client"})),
        )
            .into_response();
    }
    inner.issued += 1;
    let value = format!("fake-token-{}", inner.issued);
    inner
        .tokens
        .insert(value.clone(), Instant::now() + inner.token_ttl);
    if let Some(n) = inner.uses_per_token {
        inner.uses_left.insert(value.clone(), n);
    }
    ok(json!({
        "access_token": value,
        "token_type": "Bearer",
        "expires_in": inner.token_ttl.as_secs(),
    }))
}

/// The simplified album object of listings and tracks.
fn simplified(album: &Value) -> Value {
    let mut a = album.clone();
    if let Some(o) = a.as_object_mut() {
        for k in [
            "tracks",
            "copyrights",
            "external_ids",
            "genres",
            "label",
            "popularity",
        ] {
            o.remove(k);
        }
    }
    a
}

/// An album as `GET /albums/{id}` returns it: the first page of tracks.
fn first_page(album: &Value, base: &str, per_page: usize) -> Value {
    let mut a = album.clone();
    let id = a["id"].as_str().unwrap_or_default().to_string();
    let items = a["tracks"]["items"].as_array().cloned().unwrap_or_default();
    let total = items.len();
    a["tracks"] = json!({
        "href": format!("{base}/v1/albums/{id}/tracks?offset=0&limit={per_page}"),
        "items": items.into_iter().take(per_page).collect::<Vec<_>>(),
        "limit": per_page,
        "next": (total > per_page).then(|| format!("{base}/v1/albums/{id}/tracks?offset={per_page}&limit={per_page}")),
        "offset": 0,
        "previous": null,
        "total": total,
    });
    a
}

/// Removes what a development-mode app no longer gets, at any depth.
fn strip(mut v: Value, dev: bool) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(o) => {
                for k in ["label", "popularity", "available_markets", "album_group"] {
                    o.remove(k);
                }
                o.values_mut().for_each(walk);
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    if dev {
        walk(&mut v);
    }
    v
}
