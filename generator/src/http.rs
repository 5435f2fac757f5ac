//! The one HTTP client every upstream call goes through.
//!
//! It adds what each API client would otherwise repeat: timeouts, retries of
//! 5xx answers, timeouts and malformed JSON with bounded exponential backoff
//! and jitter, `Retry-After` on 429, a pace and a concurrency limit per
//! service (so Odesli's pace never holds up Spotify work), call counts, a cap
//! on answer size, and a stop on Ctrl-C.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{bail, Context};
use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Limits for every request; read from the environment so CI and tests can
/// shorten them.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Attempts per request, the first included.
    pub attempts: u32,
    /// First backoff delay; doubled per attempt.
    pub backoff_base: Duration,
    /// Longest backoff delay.
    pub backoff_max: Duration,
    /// Longest `Retry-After` honoured; a longer one fails the request.
    pub max_wait: Duration,
    /// Largest answer read, in bytes.
    pub max_body: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            timeout: Duration::from_secs(20),
            attempts: 4,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            max_wait: Duration::from_secs(120),
            max_body: 16 << 20,
        }
    }
}

/// Reads an optional number from the environment, naming the variable when
/// it is not one.
pub fn env_number(name: &str) -> anyhow::Result<Option<f64>> {
    match std::env::var(name) {
        Ok(v) if v.trim().is_empty() => Ok(None),
        Ok(v) => {
            let n: f64 = v
                .trim()
                .parse()
                .ok()
                .filter(|n: &f64| n.is_finite() && *n >= 0.0)
                .with_context(|| {
                    format!("environment variable {name}={v:?} is not a number of zero or more")
                })?;
            Ok(Some(n))
        }
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(e) => bail!("environment variable {name}: {e}"),
    }
}

impl HttpConfig {
    /// Defaults, changed by `SMARTLINKS_HTTP_TIMEOUT` (seconds),
    /// `SMARTLINKS_HTTP_ATTEMPTS`, `SMARTLINKS_BACKOFF_MS` and
    /// `SMARTLINKS_MAX_WAIT` (seconds).
    pub fn from_env() -> anyhow::Result<Self> {
        let mut cfg = HttpConfig::default();
        if let Some(s) = env_number("SMARTLINKS_HTTP_TIMEOUT")? {
            cfg.timeout = Duration::from_secs_f64(s.max(0.01));
        }
        if let Some(n) = env_number("SMARTLINKS_HTTP_ATTEMPTS")? {
            cfg.attempts = (n as u32).clamp(1, 20);
        }
        if let Some(ms) = env_number("SMARTLINKS_BACKOFF_MS")? {
            cfg.backoff_base = Duration::from_secs_f64(ms / 1000.0);
            cfg.backoff_max = cfg.backoff_max.max(cfg.backoff_base);
        }
        if let Some(s) = env_number("SMARTLINKS_MAX_WAIT")? {
            cfg.max_wait = Duration::from_secs_f64(s);
        }
        Ok(cfg)
    }

    /// The delay before attempt `attempt + 1`: doubling from the base, capped,
    /// with jitter so parallel retries do not arrive together.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .backoff_base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let capped = exp.min(self.backoff_max);
        capped.mul_f64(0.5 + fastrand::f64() * 0.5)
    }
}

/// One upstream service: its pace, how many requests may run at once, and
/// how many calls it took.
#[derive(Debug)]
pub struct Service {
    pub name: &'static str,
    interval: Duration,
    next_slot: Mutex<Instant>,
    permits: Semaphore,
    calls: AtomicU64,
    retries: AtomicU64,
}

impl Service {
    /// `per_minute` paces requests evenly (`None`: no pace), a little under
    /// the limit so that network jitter cannot put one request too many in
    /// the service's window.
    pub fn new(name: &'static str, per_minute: Option<f64>, concurrency: usize) -> Self {
        let interval = per_minute
            .filter(|n| *n > 0.0)
            .map_or(Duration::ZERO, |n| Duration::from_secs_f64(60.0 / n * 1.05));
        Service {
            name,
            interval,
            next_slot: Mutex::new(Instant::now()),
            permits: Semaphore::new(concurrency.max(1)),
            calls: AtomicU64::new(0),
            retries: AtomicU64::new(0),
        }
    }

    /// Requests sent, retries included.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    pub fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }

    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Takes the next free slot and sleeps until it.
    async fn wait_turn(&self) {
        let slot = {
            let mut next = self.next_slot.lock().expect("pace lock");
            let slot = (*next).max(Instant::now());
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }

    /// Holds every request to this service until `until` (after a 429).
    fn hold_until(&self, until: Instant) {
        let mut next = self.next_slot.lock().expect("pace lock");
        if *next < until {
            *next = until;
        }
    }
}

/// A credential from the environment. It is never printed: `Debug` hides it
/// and there is no `Display`.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(value)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Reads an API base URL from `var`, or `default`; it must be http(s).
pub fn base_url_from_env(var: &str, default: &str) -> anyhow::Result<String> {
    let raw = match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => v,
        _ => return Ok(default.to_string()),
    };
    let ok = url::Url::parse(raw.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
    match ok {
        Some(_) => Ok(raw.trim().trim_end_matches('/').to_string()),
        None => {
            bail!("environment variable {var}={raw:?} is not an http(s) address like {default}")
        }
    }
}

/// A final answer: a success, or an error status the caller interprets.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    /// The JSON body; an error body that is not JSON becomes a string.
    pub body: Value,
}

impl Reply {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("interrupted")]
    Cancelled,
    #[error("{what}: {detail}; gave up after {attempts} attempt{}", if *attempts == 1 { "" } else { "s" })]
    GaveUp {
        what: String,
        attempts: u32,
        detail: String,
    },
    #[error("{what}: {service} asks to wait {secs} s{reason} before the next request, longer than the {max} s allowed (SMARTLINKS_MAX_WAIT); try again later")]
    WaitTooLong {
        what: String,
        service: &'static str,
        secs: u64,
        max: u64,
        reason: String,
    },
    #[error("{what}: the answer is larger than {limit} bytes, refused")]
    TooLarge { what: String, limit: usize },
    #[error("cannot start the HTTP client: {0}")]
    Client(String),
}

enum Fetch {
    Transport(reqwest::Error),
    TooLarge,
}

/// The shared client. Cheap to clone.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    cfg: HttpConfig,
    cancel: CancellationToken,
}

impl Http {
    pub fn new(cfg: HttpConfig, cancel: CancellationToken) -> Result<Self, HttpError> {
        let client = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("smartlinks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| HttpError::Client(e.to_string()))?;
        Ok(Http {
            client,
            cfg,
            cancel,
        })
    }

    pub fn config(&self) -> &HttpConfig {
        &self.cfg
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Sends the request `make` builds until it gets a final answer, and
    /// returns its JSON. `what` names the request in errors; it must not
    /// contain secrets (URLs are never shown, they may carry keys).
    pub async fn json(
        &self,
        svc: &Service,
        what: &str,
        make: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<Reply, HttpError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            if self.cancel.is_cancelled() {
                return Err(HttpError::Cancelled);
            }
            let permit = tokio::select! {
                p = svc.permits.acquire() => p.expect("semaphore never closed"),
                _ = self.cancel.cancelled() => return Err(HttpError::Cancelled),
            };
            tokio::select! {
                _ = svc.wait_turn() => {}
                _ = self.cancel.cancelled() => return Err(HttpError::Cancelled),
            }
            svc.calls.fetch_add(1, Ordering::Relaxed);
            let outcome = tokio::select! {
                r = self.fetch(make(&self.client)) => r,
                _ = self.cancel.cancelled() => return Err(HttpError::Cancelled),
            };
            drop(permit);
            let mut pause = None;
            let detail = match outcome {
                Err(Fetch::TooLarge) => {
                    return Err(HttpError::TooLarge {
                        what: what.into(),
                        limit: self.cfg.max_body,
                    })
                }
                Err(Fetch::Transport(e)) => describe_transport(&e, self.cfg.timeout),
                Ok((status, headers, body)) => {
                    if status == 429 {
                        let reason = spotify_reason(&body);
                        let wait = retry_after(&headers);
                        if let Some(w) = wait.filter(|w| *w > self.cfg.max_wait) {
                            return Err(HttpError::WaitTooLong {
                                what: what.into(),
                                service: svc.name,
                                secs: w.as_secs(),
                                max: self.cfg.max_wait.as_secs(),
                                reason: reason.map(|r| format!(" ({r})")).unwrap_or_default(),
                            });
                        }
                        // Everyone waits, not just this request: the limit is per client.
                        let wait = wait.unwrap_or_else(|| self.cfg.backoff(attempt));
                        svc.hold_until(Instant::now() + wait);
                        pause = Some(Duration::ZERO);
                        format!(
                            "{} answered 429 Too Many Requests{}",
                            svc.name,
                            reason.map(|r| format!(" ({r})")).unwrap_or_default()
                        )
                    } else if (500..600).contains(&status) {
                        format!("{} answered {status}", svc.name)
                    } else if (200..300).contains(&status) {
                        match serde_json::from_slice::<Value>(&body) {
                            Ok(v) => return Ok(Reply { status, body: v }),
                            Err(e) => format!("{} answered malformed JSON ({e})", svc.name),
                        }
                    } else {
                        let body = serde_json::from_slice(&body).unwrap_or_else(|_| {
                            Value::String(
                                String::from_utf8_lossy(&body).chars().take(300).collect(),
                            )
                        });
                        return Ok(Reply { status, body });
                    }
                }
            };
            if attempt >= self.cfg.attempts {
                return Err(HttpError::GaveUp {
                    what: what.into(),
                    attempts: attempt,
                    detail,
                });
            }
            svc.retries.fetch_add(1, Ordering::Relaxed);
            let delay = pause.unwrap_or_else(|| self.cfg.backoff(attempt));
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = self.cancel.cancelled() => return Err(HttpError::Cancelled),
            }
        }
    }

    async fn fetch(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<(u16, reqwest::header::HeaderMap, Vec<u8>), Fetch> {
        let mut resp = req.send().await.map_err(Fetch::Transport)?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        if resp
            .content_length()
            .is_some_and(|n| n > self.cfg.max_body as u64)
        {
            return Err(Fetch::TooLarge);
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(Fetch::Transport)? {
            if body.len() + chunk.len() > self.cfg.max_body {
                return Err(Fetch::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok((status, headers, body))
    }
}

/// A transport error without its URL (it may carry an API key), with causes.
fn describe_transport(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        return format!("no answer within {:.1} s", timeout.as_secs_f64());
    }
    let mut text = if e.is_connect() {
        "cannot connect".to_string()
    } else {
        "the connection failed".to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let raw = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = raw.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(raw).ok()?;
    let secs = (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_milliseconds();
    Some(Duration::from_millis(secs.max(0) as u64))
}

/// Spotify explains some 429s, such as `QUOTA_EXCEEDED` in development mode.
fn spotify_reason(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let reason = v.get("error")?.get("reason")?.as_str()?;
    Some(reason.chars().take(60).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_is_capped_and_jittered() {
        let cfg = HttpConfig {
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_millis(350),
            ..HttpConfig::default()
        };
        for _ in 0..50 {
            let first = cfg.backoff(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let third = cfg.backoff(3);
            assert!(third >= Duration::from_millis(175) && third <= Duration::from_millis(350));
            assert!(cfg.backoff(30) <= Duration::from_millis(350));
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("retry-after", "3".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        let later = chrono::Utc::now() + chrono::Duration::seconds(30);
        h.insert("retry-after", later.to_rfc2822().parse().unwrap());
        let d = retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(25) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[tokio::test]
    async fn pace_spaces_requests_and_a_hold_delays_everyone() {
        let svc = Service::new("Odesli", Some(6000.0), 1);
        assert!((svc.interval().as_secs_f64() - 0.0105).abs() < 1e-6);
        let start = Instant::now();
        for _ in 0..3 {
            svc.wait_turn().await;
        }
        // The third request waits two intervals; timers never fire early.
        assert!(start.elapsed() >= Duration::from_micros(21_000));
        svc.hold_until(Instant::now() + Duration::from_millis(100));
        svc.wait_turn().await;
        assert!(start.elapsed() >= Duration::from_millis(121));
    }
}
