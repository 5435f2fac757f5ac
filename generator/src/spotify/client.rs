//! Spotify Web API client: client-credentials token, artist, album listing,
//! full albums (batched where the app's access level allows), tracks and
//! playlists. Answers are returned verbatim as JSON, after a check that the
//! fields the pages need are there.

use std::sync::atomic::{AtomicU32, AtomicU8, Ordering};

use anyhow::bail;
use futures_util::future::join_all;
use serde_json::Value;
use tokio::time::Instant;

use crate::content::catalog::{SpotifyAlbum, SpotifyArtist, SpotifyPlaylist};
use crate::content::spotify_ref::is_spotify_id;
use crate::http::{base_url_from_env, Http, HttpError, Secret, Service};

pub const DEFAULT_ACCOUNTS_BASE: &str = "https://accounts.spotify.com";
pub const DEFAULT_API_BASE: &str = "https://api.spotify.com/v1";

/// Largest page the artist-albums listing accepts since 2026.
const LISTING_LIMIT: u32 = 10;
/// Ids per `GET /albums?ids=` request.
pub const BATCH_SIZE: usize = 20;
/// A guard against a `next` link that never ends.
const MAX_PAGES: usize = 1000;
/// No real release has more tracks; a larger `total` is not followed.
const MAX_TRACKS: usize = 10_000;

/// Where Spotify is and who we are, from the environment.
#[derive(Debug, Clone)]
pub struct SpotifyConfig {
    pub accounts_base: String,
    pub api_base: String,
    pub client_id: String,
    pub client_secret: Secret,
}

impl SpotifyConfig {
    /// Reads `SPOTIFY_CLIENT_ID`, `SPOTIFY_CLIENT_SECRET`,
    /// `SPOTIFY_ACCOUNTS_BASE` and `SPOTIFY_API_BASE`.
    pub fn from_env() -> anyhow::Result<Self> {
        let get = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let (id, secret) = (get("SPOTIFY_CLIENT_ID"), get("SPOTIFY_CLIENT_SECRET"));
        let missing: Vec<&str> = [
            ("SPOTIFY_CLIENT_ID", id.is_none()),
            ("SPOTIFY_CLIENT_SECRET", secret.is_none()),
        ]
        .iter()
        .filter(|(_, m)| *m)
        .map(|(n, _)| *n)
        .collect();
        if !missing.is_empty() {
            bail!(
                "Spotify credentials missing: set {} in the environment (the Client ID and Client secret of an app at https://developer.spotify.com/dashboard); they are only sent to Spotify, never written or printed",
                missing.join(" and ")
            );
        }
        Ok(SpotifyConfig {
            accounts_base: base_url_from_env("SPOTIFY_ACCOUNTS_BASE", DEFAULT_ACCOUNTS_BASE)?,
            api_base: base_url_from_env("SPOTIFY_API_BASE", DEFAULT_API_BASE)?,
            client_id: id.expect("checked"),
            client_secret: Secret::new(secret.expect("checked")),
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SpotifyError {
    #[error(transparent)]
    Http(#[from] HttpError),
    #[error("Spotify refused the credentials in SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET ({code}: {description}); copy both again from your app at https://developer.spotify.com/dashboard")]
    Credentials { code: String, description: String },
    #[error("{what}: Spotify has no such item (404)")]
    NotFound { what: String },
    #[error("{what}: Spotify answered {status}: {message}")]
    Status {
        what: String,
        status: u16,
        message: String,
    },
    #[error("{what}: Spotify's answer is not usable: {detail}")]
    Malformed { what: String, detail: String },
}

impl SpotifyError {
    pub fn is_cancelled(&self) -> bool {
        matches!(self, SpotifyError::Http(HttpError::Cancelled))
    }
}

struct Token {
    value: String,
    valid_until: Instant,
}

const BATCH_UNKNOWN: u8 = 0;
const BATCH_WORKS: u8 = 1;
const BATCH_MISSING: u8 = 2;

/// One run's Spotify client. What it learns about the app's access level
/// (batch endpoint, page size) is remembered for the run.
pub struct Spotify {
    http: Http,
    cfg: SpotifyConfig,
    api: Service,
    accounts: Service,
    token: tokio::sync::Mutex<Option<Token>>,
    batch: AtomicU8,
    probe: tokio::sync::Mutex<()>,
    tracks_limit: AtomicU32,
}

impl Spotify {
    pub fn new(http: Http, cfg: SpotifyConfig) -> Self {
        Spotify {
            http,
            cfg,
            api: Service::new("Spotify", None, 4),
            accounts: Service::new("Spotify accounts", None, 1),
            token: tokio::sync::Mutex::new(None),
            batch: AtomicU8::new(BATCH_UNKNOWN),
            probe: tokio::sync::Mutex::new(()),
            tracks_limit: AtomicU32::new(50),
        }
    }

    /// API calls made (token requests not included).
    pub fn calls(&self) -> u64 {
        self.api.calls()
    }

    pub fn token_calls(&self) -> u64 {
        self.accounts.calls()
    }

    pub fn retries(&self) -> u64 {
        self.api.retries() + self.accounts.retries()
    }

    /// Whether Ctrl-C stopped the run.
    pub fn is_cancelled(&self) -> bool {
        self.http.is_cancelled()
    }

    /// Whether `GET /albums?ids=` answered 404 (development mode).
    pub fn batch_unavailable(&self) -> bool {
        self.batch.load(Ordering::Relaxed) == BATCH_MISSING
    }

    /// A valid access token, asking for a new one when the last expired.
    pub async fn token(&self) -> Result<String, SpotifyError> {
        let mut slot = self.token.lock().await;
        if let Some(t) = slot.as_ref().filter(|t| t.valid_until > Instant::now()) {
            return Ok(t.value.clone());
        }
        let url = format!("{}/api/token", self.cfg.accounts_base);
        let reply = self
            .http
            .json(&self.accounts, "Spotify token request", |c| {
                c.post(&url)
                    .basic_auth(&self.cfg.client_id, Some(self.cfg.client_secret.expose()))
                    .form(&[("grant_type", "client_credentials")])
            })
            .await?;
        let what = "Spotify token request";
        if !reply.is_success() {
            if matches!(reply.status, 400 | 401 | 403) {
                let text = |k: &str| {
                    reply
                        .body
                        .get(k)
                        .and_then(Value::as_str)
                        .map(|s| s.chars().take(200).collect::<String>())
                };
                return Err(SpotifyError::Credentials {
                    code: text("error").unwrap_or_else(|| reply.status.to_string()),
                    description: text("error_description").unwrap_or_default(),
                });
            }
            return Err(status_error(what, &reply.status, &reply.body));
        }
        let value = reply
            .body
            .get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| SpotifyError::Malformed {
                what: what.into(),
                detail: "no access_token".into(),
            })?
            .to_string();
        let expires_in = reply
            .body
            .get("expires_in")
            .and_then(Value::as_u64)
            .unwrap_or(3600);
        // Renew a little early so a token never expires mid-request.
        let margin = (expires_in / 10).min(60);
        *slot = Some(Token {
            value: value.clone(),
            valid_until: Instant::now() + std::time::Duration::from_secs(expires_in - margin),
        });
        Ok(value)
    }

    async fn forget_token(&self, used: &str) {
        let mut slot = self.token.lock().await;
        if slot.as_ref().is_some_and(|t| t.value == used) {
            *slot = None;
        }
    }

    /// `GET {api_base}{path}`; a 401 (expired token) is answered once with a
    /// new token. Returns the body of a 2xx answer.
    async fn get(&self, what: &str, path: &str) -> Result<Value, SpotifyError> {
        let url = format!("{}{path}", self.cfg.api_base);
        self.get_url(what, &url).await
    }

    async fn get_url(&self, what: &str, url: &str) -> Result<Value, SpotifyError> {
        let mut renewed = false;
        loop {
            let token = self.token().await?;
            let reply = self
                .http
                .json(&self.api, what, |c| c.get(url).bearer_auth(&token))
                .await?;
            match reply.status {
                200..=299 => return Ok(reply.body),
                401 if !renewed => {
                    self.forget_token(&token).await;
                    renewed = true;
                }
                404 => return Err(SpotifyError::NotFound { what: what.into() }),
                s => return Err(status_error(what, &s, &reply.body)),
            }
        }
    }

    /// `GET /artists/{id}`, checked.
    pub async fn artist(&self, id: &str) -> Result<Value, SpotifyError> {
        let what = format!("Spotify artist {id}");
        let v = self.get(&what, &format!("/artists/{id}")).await?;
        check::<SpotifyArtist>(&what, &v, id)?;
        Ok(v)
    }

    /// Every album, single and compilation of an artist (not `appears_on`),
    /// as the simplified album objects of the listing, deduplicated.
    pub async fn artist_albums(&self, id: &str) -> Result<Vec<Value>, SpotifyError> {
        let what = format!("Spotify albums of artist {id}");
        let mut url = format!(
            "{}/artists/{id}/albums?include_groups=album,single,compilation&limit={LISTING_LIMIT}&offset=0",
            self.cfg.api_base
        );
        let mut items = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..MAX_PAGES {
            let page = self.get_url(&what, &url).await?;
            let page_items = page.get("items").and_then(Value::as_array).ok_or_else(|| {
                SpotifyError::Malformed {
                    what: what.clone(),
                    detail: "the page has no `items` list".into(),
                }
            })?;
            for item in page_items {
                // Without `market` the same album can be listed twice.
                if let Some(id) = item.get("id").and_then(Value::as_str) {
                    if !seen.insert(id.to_string()) {
                        continue;
                    }
                }
                items.push(item.clone());
            }
            match page.get("next").and_then(Value::as_str) {
                Some(next) if !page_items.is_empty() => {
                    // The token must never go to another host.
                    if !next.starts_with(&format!("{}/", self.cfg.api_base)) {
                        return Err(SpotifyError::Malformed {
                            what,
                            detail: format!(
                                "the next page {:?} is not under {}; not followed",
                                next.chars().take(200).collect::<String>(),
                                self.cfg.api_base
                            ),
                        });
                    }
                    url = next.to_string();
                }
                _ => return Ok(items),
            }
        }
        Err(SpotifyError::Malformed {
            what,
            detail: format!("more than {MAX_PAGES} pages"),
        })
    }

    /// Full albums for up to 20 `ids`: one `GET /albums?ids=` where the app
    /// may use it, one `GET /albums/{id}` each where that answers 404
    /// (development mode). Each album succeeds or fails on its own.
    pub async fn albums(&self, ids: &[String]) -> Vec<(String, Result<Value, SpotifyError>)> {
        let batch = if ids.len() > 1 {
            self.try_batch(&ids[..ids.len().min(BATCH_SIZE)]).await
        } else {
            None
        };
        let mut singles: Vec<&String> = Vec::new();
        let mut found = Vec::new();
        match batch {
            Some(Ok(albums)) => {
                for id in ids {
                    match albums.iter().find(|a| a["id"].as_str() == Some(id)) {
                        Some(album) => found.push((id, album.clone())),
                        // A null entry: ask for it alone, for a precise error.
                        None => singles.push(id),
                    }
                }
            }
            Some(Err(e)) if e.is_cancelled() => {
                return ids
                    .iter()
                    .map(|id| (id.clone(), Err(cancelled())))
                    .collect();
            }
            // Batch missing, or failed: each album gets its own chance and error.
            _ => singles.extend(ids),
        }
        let finished =
            join_all(found.into_iter().map(|(id, album)| async move {
                (id.clone(), self.finish_album(id, album).await)
            }));
        let fetched = join_all(
            singles
                .into_iter()
                .map(|id| async move { (id.clone(), self.album(id).await) }),
        );
        let (mut out, rest) = futures_util::future::join(finished, fetched).await;
        out.extend(rest);
        out
    }

    /// `GET /albums?ids=`, or `None` once it is known to answer 404. The
    /// first call is made alone, so a run learns the access level once.
    async fn try_batch(&self, ids: &[String]) -> Option<Result<Vec<Value>, SpotifyError>> {
        if self.batch.load(Ordering::Relaxed) == BATCH_MISSING {
            return None;
        }
        let _probe = if self.batch.load(Ordering::Relaxed) == BATCH_UNKNOWN {
            Some(self.probe.lock().await)
        } else {
            None
        };
        if self.batch.load(Ordering::Relaxed) == BATCH_MISSING {
            return None;
        }
        let what = format!("Spotify albums {}", ids.join(","));
        match self
            .get(&what, &format!("/albums?ids={}", ids.join(",")))
            .await
        {
            Ok(v) => {
                self.batch.store(BATCH_WORKS, Ordering::Relaxed);
                Some(Ok(v
                    .get("albums")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter(|x| x.is_object()).cloned().collect())
                    .unwrap_or_default()))
            }
            Err(SpotifyError::NotFound { .. }) => {
                self.batch.store(BATCH_MISSING, Ordering::Relaxed);
                None
            }
            Err(e) => Some(Err(e)),
        }
    }

    /// `GET /albums/{id}` with every track page.
    pub async fn album(&self, id: &str) -> Result<Value, SpotifyError> {
        let what = format!("Spotify album {id}");
        let v = self.get(&what, &format!("/albums/{id}")).await?;
        self.finish_album(id, v).await
    }

    async fn finish_album(&self, id: &str, mut album: Value) -> Result<Value, SpotifyError> {
        let what = format!("Spotify album {id}");
        self.complete_tracks(id, &mut album).await?;
        check::<SpotifyAlbum>(&what, &album, id)?;
        Ok(album)
    }

    /// Albums embed their first tracks; an album with more (`tracks.next`)
    /// gets the rest from `GET /albums/{id}/tracks`, merged into one list so
    /// the stored answer is complete.
    async fn complete_tracks(&self, id: &str, album: &mut Value) -> Result<(), SpotifyError> {
        let Some(tracks) = album.get_mut("tracks").filter(|t| t.is_object()) else {
            return Ok(());
        };
        if tracks.get("next").is_none_or(Value::is_null) {
            return Ok(());
        }
        let total = tracks.get("total").and_then(Value::as_u64).unwrap_or(0) as usize;
        let mut items: Vec<Value> = tracks
            .get("items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let what = format!("Spotify tracks of album {id}");
        let mut pages = 0;
        while items.len() < total.min(MAX_TRACKS) && pages < MAX_PAGES {
            pages += 1;
            let limit = self.tracks_limit.load(Ordering::Relaxed);
            let path = format!("/albums/{id}/tracks?offset={}&limit={limit}", items.len());
            match self.get(&what, &path).await {
                Ok(page) => {
                    let new: Vec<Value> = page
                        .get("items")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    if new.is_empty() {
                        break;
                    }
                    items.extend(new);
                }
                // Development mode caps page sizes at 10: learn it once.
                Err(SpotifyError::Status {
                    status: 400,
                    message,
                    ..
                }) if limit > LISTING_LIMIT && message.to_lowercase().contains("limit") => {
                    self.tracks_limit.store(LISTING_LIMIT, Ordering::Relaxed);
                }
                Err(e) => return Err(e),
            }
        }
        let count = items.len();
        tracks["items"] = Value::Array(items);
        tracks["next"] = Value::Null;
        tracks["offset"] = Value::from(0);
        tracks["limit"] = Value::from(count);
        Ok(())
    }

    /// `GET /tracks/{id}`: the album it is on.
    pub async fn track_album_id(&self, id: &str) -> Result<String, SpotifyError> {
        let what = format!("Spotify track {id}");
        let v = self.get(&what, &format!("/tracks/{id}")).await?;
        v.pointer("/album/id")
            .and_then(Value::as_str)
            .filter(|a| is_spotify_id(a))
            .map(str::to_string)
            .ok_or_else(|| SpotifyError::Malformed {
                what,
                detail: "no album.id".into(),
            })
    }

    /// `GET /playlists/{id}`: metadata (the track list may be missing).
    pub async fn playlist(&self, id: &str) -> Result<Value, SpotifyError> {
        let what = format!("Spotify playlist {id}");
        let v = self.get(&what, &format!("/playlists/{id}")).await?;
        check::<SpotifyPlaylist>(&what, &v, id)?;
        Ok(v)
    }
}

fn cancelled() -> SpotifyError {
    SpotifyError::Http(HttpError::Cancelled)
}

fn status_error(what: &str, status: &u16, body: &Value) -> SpotifyError {
    let message = body
        .pointer("/error/message")
        .and_then(Value::as_str)
        .or_else(|| body.get("error_description").and_then(Value::as_str))
        .or_else(|| body.as_str())
        .unwrap_or("no message");
    SpotifyError::Status {
        what: what.into(),
        status: *status,
        message: message.chars().take(300).collect(),
    }
}

/// The answer must read as the catalog type the pages use, and be about the
/// item asked for (its id names the file it is stored in).
fn check<T: serde::de::DeserializeOwned>(
    what: &str,
    v: &Value,
    id: &str,
) -> Result<(), SpotifyError> {
    let bad = |detail: String| SpotifyError::Malformed {
        what: what.into(),
        detail,
    };
    match v.get("id").and_then(Value::as_str) {
        Some(got) if got == id => {}
        Some(got) => {
            return Err(bad(format!(
                "it is about {:?}, not {id}",
                got.chars().take(40).collect::<String>()
            )))
        }
        None => return Err(bad("it has no `id`".into())),
    }
    T::deserialize(v).map_err(|e| bad(e.to_string()))?;
    Ok(())
}
