//! The preview server's routes: the built site (with per-country button
//! order and a reload hook), the beacon endpoint, and the reload stream.

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::State as Extract;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::Stream;
use smartlinks_core::beacon::{is_bot, Beacon, MAX_BODY_BYTES};
use smartlinks_core::edge::{self, EdgeOrders};
use tokio::sync::broadcast::error::RecvError;

use super::{Published, State};

/// Where open pages listen for "rebuilt, reload". Preview only.
pub(crate) const RELOAD_PATH: &str = "/__smartlinks/reload";

/// Added before `</body>` of pages the preview serves, never to built files.
const RELOAD_SNIPPET: &str = "<script>new EventSource(\"/__smartlinks/reload\").addEventListener(\"reload\",function(){location.reload()})</script>";

pub(crate) fn router(state: Arc<State>) -> Router {
    Router::new()
        .route(RELOAD_PATH, get(reload))
        .fallback(dispatch)
        .with_state(state)
}

fn plain(status: StatusCode, msg: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        msg.into(),
    )
        .into_response()
}

async fn dispatch(
    Extract(state): Extract<Arc<State>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let published = state.published();
    if uri.path() == published.endpoint_path {
        if method == Method::POST {
            return beacon(&state, &published, &headers, body).await;
        }
        let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "beacons are POSTed\n");
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return r;
    }
    if method != Method::GET && method != Method::HEAD {
        let mut r = plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "the preview only serves pages\n",
        );
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    page(&state, &published, &uri, &headers).await
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `?country=FR` in a query string.
fn country_param(query: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "country")
        .map(|(_, v)| v.to_ascii_uppercase())
}

/// The country a request is from: the `CF-IPCountry` header, as at the edge,
/// or, for trying things out, `?country=` on the request (pages) or on the
/// page that sent it (beacons carry the page address as `Referer`).
fn country(headers: &HeaderMap, query: Option<&str>) -> Option<String> {
    if let Some(c) = header_str(headers, "cf-ipcountry") {
        return Some(c.trim().to_ascii_uppercase());
    }
    if let Some(c) = query.and_then(country_param) {
        return Some(c);
    }
    header_str(headers, header::REFERER.as_str())
        .and_then(|r| url::Url::parse(r).ok())
        .and_then(|u| u.query().and_then(country_param))
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Checks a beacon exactly as the edge worker does and stores it. The size
/// limit applies before anything is parsed; bots get a 204 and are not
/// counted; nothing about the sender (no address) is kept.
async fn beacon(state: &State, published: &Published, headers: &HeaderMap, body: Body) -> Response {
    let declared =
        header_str(headers, header::CONTENT_LENGTH.as_str()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("beacon larger than {MAX_BODY_BYTES} bytes\n"),
        );
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("beacon larger than {MAX_BODY_BYTES} bytes\n"),
        );
    };
    if is_bot(header_str(headers, header::USER_AGENT.as_str()).unwrap_or("")) {
        return StatusCode::NO_CONTENT.into_response();
    }
    let beacon: Beacon = match serde_json::from_slice(&bytes) {
        Ok(b) => b,
        Err(e) => return plain(StatusCode::BAD_REQUEST, format!("malformed beacon: {e}\n")),
    };
    let country = country(headers, None);
    let event = match beacon.validate(
        |artist, link| published.links.contains(&format!("{artist}/{link}")),
        country.as_deref(),
        now_ms(),
    ) {
        Ok(e) => e,
        // As the edge worker answers: well-formed, but not an event we count.
        Err(why) => {
            return plain(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("refused beacon: {why}\n"),
            )
        }
    };
    let store = state.store.clone();
    let stored = tokio::task::spawn_blocking(move || {
        store
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(&event)
    })
    .await;
    match stored {
        Ok(Ok(())) => StatusCode::NO_CONTENT.into_response(),
        Ok(Err(e)) => {
            eprintln!("smartlinks: error: {e}");
            plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "cannot store the beacon\n",
            )
        }
        Err(e) => plain(StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")),
    }
}

/// The file under `out` a request path names; `None` if the path could
/// leave the site.
fn file_for(out: &std::path::Path, base_path: &str, path: &str) -> Option<PathBuf> {
    let rel = if base_path.is_empty() {
        path
    } else {
        let rest = path.strip_prefix(base_path)?;
        if !rest.is_empty() && !rest.starts_with('/') {
            return None;
        }
        rest
    };
    let mut file = out.to_path_buf();
    for raw in rel.split('/').filter(|s| !s.is_empty()) {
        let seg = percent_encoding::percent_decode_str(raw)
            .decode_utf8()
            .ok()?;
        if seg == "." || seg == ".." || seg.contains(['/', '\\', '\0']) {
            return None;
        }
        file.push(seg.as_ref());
    }
    if file.is_dir() {
        file.push("index.html");
    }
    Some(file)
}

async fn page(state: &State, published: &Published, uri: &Uri, headers: &HeaderMap) -> Response {
    let found = match file_for(&state.out, &published.base_path, uri.path()) {
        Some(f) => tokio::fs::read(&f).await.ok().map(|b| (f, b)),
        None => None,
    };
    let (status, file, bytes) = match found {
        Some((f, b)) => (StatusCode::OK, f, b),
        None => {
            let f = state.out.join("404.html");
            match tokio::fs::read(&f).await {
                Ok(b) => (StatusCode::NOT_FOUND, f, b),
                Err(_) => return plain(StatusCode::NOT_FOUND, "not found\n"),
            }
        }
    };
    let is_html = file.extension().is_some_and(|e| e == "html");
    let mut response = if is_html {
        let html = String::from_utf8_lossy(&bytes);
        let country = country(headers, uri.query());
        let html = preview_html(&html, country.as_deref(), published);
        (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html,
        )
            .into_response()
    } else {
        let mime = mime_guess::from_path(&file).first_or_octet_stream();
        (
            status,
            [(header::CONTENT_TYPE, mime.as_ref().to_string())],
            bytes,
        )
            .into_response()
    };
    // The preview changes under the browser's feet; never let it cache.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A built page as the preview serves it: buttons in the country's order
/// (the edge's contract, `smartlinks_core::edge`), beacons sent here even
/// when the site names an absolute endpoint, and the reload hook.
fn preview_html(html: &str, country: Option<&str>, published: &Published) -> String {
    let mut html = html.to_string();
    if let Some(country) = country {
        let order = edge::embedded_json(&html)
            .and_then(|json| serde_json::from_str::<EdgeOrders>(json).ok());
        if let Some(reordered) = order
            .as_ref()
            .and_then(|o| o.for_country(Some(country)))
            .and_then(|o| edge::reorder(&html, o))
        {
            html = reordered;
        }
    }
    if published.endpoint != published.endpoint_path {
        let attr = |v: &str| format!("data-endpoint=\"{}\"", crate::theme::escape_html(v));
        html = html.replace(&attr(&published.endpoint), &attr(&published.endpoint_path));
    }
    match html.rfind("</body>") {
        Some(i) => html.insert_str(i, RELOAD_SNIPPET),
        None => html.push_str(RELOAD_SNIPPET),
    }
    html
}

/// Server-sent events: one `reload` event after each successful rebuild.
async fn reload(
    Extract(state): Extract<Arc<State>>,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let rx = state.reload.subscribe();
    let stopping = state.stopping.clone();
    let stream =
        futures_util::stream::unfold((rx, stopping), |(mut rx, mut stopping)| async move {
            let build = tokio::select! {
                r = rx.recv() => match r {
                    Ok(n) => n,
                    // Missed some rebuilds: one reload covers them all.
                    Err(RecvError::Lagged(_)) => 0,
                    Err(RecvError::Closed) => return None,
                },
                _ = stopping.wait_for(|s| *s) => return None,
            };
            let event = SseEvent::default().event("reload").data(build.to_string());
            Some((Ok(event), (rx, stopping)))
        });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_paths_cannot_leave_the_site() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        std::fs::create_dir_all(out.join("a/b")).unwrap();
        assert_eq!(file_for(out, "", "/a/b"), Some(out.join("a/b/index.html")));
        assert_eq!(file_for(out, "", "/a/%2e%2e/%2e%2e/etc/passwd"), None);
        assert_eq!(file_for(out, "", "/a/..%2f..%2fetc"), None);
        assert_eq!(file_for(out, "", "/a%5cb"), None);
        assert_eq!(file_for(out, "/music", "/musicx/a"), None);
        assert_eq!(
            file_for(out, "/music", "/music/a/b/"),
            Some(out.join("a/b/index.html"))
        );
    }

    #[test]
    fn country_comes_from_the_header_then_the_query_then_the_page_address() {
        let mut h = HeaderMap::new();
        assert_eq!(country(&h, Some("country=fr")), Some("FR".into()));
        h.insert(
            header::REFERER,
            HeaderValue::from_static("http://127.0.0.1:1/a/b?utm_source=x&country=jp"),
        );
        assert_eq!(country(&h, None), Some("JP".into()));
        h.insert("cf-ipcountry", HeaderValue::from_static("DE"));
        assert_eq!(country(&h, Some("country=fr")), Some("DE".into()));
    }
}
