//! Odesli (song.link) client: the other services' links for a Spotify
//! release, paced to Odesli's limit (10 requests a minute without a key, 60
//! with one).

use serde::Deserialize;
use serde_json::Value;

use crate::content::catalog::OdesliAnswer;
use crate::http::{base_url_from_env, env_number, Http, HttpError, Secret, Service};

pub const DEFAULT_BASE: &str = "https://api.song.link/v1-alpha.1";

/// Where Odesli is, the optional key and the pace, from the environment.
#[derive(Debug, Clone)]
pub struct OdesliConfig {
    pub base: String,
    pub key: Option<Secret>,
    pub per_minute: f64,
}

impl OdesliConfig {
    /// Reads `ODESLI_API_BASE`, `ODESLI_API_KEY` and
    /// `SMARTLINKS_ODESLI_PER_MINUTE` (defaults to Odesli's limit for the key).
    pub fn from_env() -> anyhow::Result<Self> {
        let key = std::env::var("ODESLI_API_KEY")
            .ok()
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty())
            .map(Secret::new);
        let per_minute = env_number("SMARTLINKS_ODESLI_PER_MINUTE")?
            .filter(|n| *n > 0.0)
            .unwrap_or_else(|| limit_per_minute(key.is_some()));
        Ok(OdesliConfig {
            base: base_url_from_env("ODESLI_API_BASE", DEFAULT_BASE)?,
            key,
            per_minute,
        })
    }
}

/// Odesli's published limit: 10 requests a minute without a key, 60 with one.
pub fn limit_per_minute(has_key: bool) -> f64 {
    if has_key {
        60.0
    } else {
        10.0
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OdesliError {
    #[error(transparent)]
    Http(#[from] HttpError),
    #[error("{what}: Odesli answered {status}: {message}")]
    Status {
        what: String,
        status: u16,
        message: String,
    },
    #[error("{what}: Odesli's answer is not usable: {detail}")]
    Malformed { what: String, detail: String },
}

impl OdesliError {
    pub fn is_cancelled(&self) -> bool {
        matches!(self, OdesliError::Http(HttpError::Cancelled))
    }
}

/// What Odesli knows about a release.
#[derive(Debug, Clone)]
pub enum Lookup {
    /// The `/links` answer.
    Found(Value),
    /// Odesli could not match the release (`could_not_resolve_entity` and
    /// the like); the error answer is kept so the release is not asked about
    /// on every pull.
    Unknown(Value),
}

impl Lookup {
    pub fn into_answer(self) -> Value {
        match self {
            Lookup::Found(v) | Lookup::Unknown(v) => v,
        }
    }
}

pub struct Odesli {
    http: Http,
    cfg: OdesliConfig,
    svc: Service,
}

impl Odesli {
    pub fn new(http: Http, cfg: OdesliConfig) -> Self {
        let svc = Service::new("Odesli", Some(cfg.per_minute), 1);
        Odesli { http, cfg, svc }
    }

    pub fn calls(&self) -> u64 {
        self.svc.calls()
    }

    pub fn retries(&self) -> u64 {
        self.svc.retries()
    }

    /// `GET /links?url=...&userCountry=...` for a Spotify URL.
    pub async fn links(&self, spotify_url: &str, country: &str) -> Result<Lookup, OdesliError> {
        let what = format!("Odesli links for {spotify_url}");
        let url = format!("{}/links", self.cfg.base);
        let reply = self
            .http
            .json(&self.svc, &what, |c| {
                let mut q = vec![("url", spotify_url), ("userCountry", country)];
                if let Some(k) = &self.cfg.key {
                    q.push(("key", k.expose()));
                }
                c.get(&url).query(&q)
            })
            .await?;
        if !reply.is_success() {
            let code = reply.body.get("code").and_then(Value::as_str).unwrap_or("");
            if reply.status == 400 && code.starts_with("could_not_") {
                return Ok(Lookup::Unknown(reply.body));
            }
            let message = if code.is_empty() {
                reply.body.as_str().unwrap_or("no message").to_string()
            } else {
                code.to_string()
            };
            return Err(OdesliError::Status {
                what,
                status: reply.status,
                message: message.chars().take(200).collect(),
            });
        }
        sanitize(reply.body)
            .map(Lookup::Found)
            .map_err(|detail| OdesliError::Malformed { what, detail })
    }
}

/// Keeps the answer as Odesli sent it, except platform entries that have no
/// string `url` (they could not be shown anyway and would stop the answer
/// from being read back). Unknown platforms stay; the pages ignore them.
fn sanitize(mut answer: Value) -> Result<Value, String> {
    let Some(obj) = answer.as_object_mut() else {
        return Err("the answer is not a JSON object".into());
    };
    if let Some(links) = obj.get_mut("linksByPlatform") {
        match links.as_object_mut() {
            Some(map) => map.retain(|_, entry| entry.get("url").is_some_and(Value::is_string)),
            None => return Err("`linksByPlatform` is not an object".into()),
        }
    }
    OdesliAnswer::deserialize(&answer).map_err(|e| e.to_string())?;
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pace_follows_the_key() {
        let pace = |key: Option<&str>| {
            let cfg = OdesliConfig {
                base: DEFAULT_BASE.into(),
                key: key.map(|k| Secret::new(k.into())),
                per_minute: limit_per_minute(key.is_some()),
            };
            Odesli::new(
                Http::new(Default::default(), Default::default()).unwrap(),
                cfg,
            )
            .svc
            .interval()
        };
        // Six seconds apart without a key, one with one, each a little more.
        assert!(pace(None) >= std::time::Duration::from_secs(6));
        assert!(pace(None) < std::time::Duration::from_secs(7));
        assert!(pace(Some("k")) >= std::time::Duration::from_secs(1));
        assert!(pace(Some("k")) < std::time::Duration::from_millis(1100));
    }

    #[test]
    fn entries_without_a_url_are_dropped_and_unknown_platforms_kept() {
        let answer = serde_json::json!({
            "entityUniqueId": "SPOTIFY_ALBUM::x",
            "linksByPlatform": {
                "deezer": {"url": "https://www.deezer.com/album/1"},
                "tidal": {"url": 42},
                "qobuz": {"url": "https://www.qobuz.com/album/3"},
                "napster": "nope"
            }
        });
        let clean = sanitize(answer).unwrap();
        let keys: Vec<&String> = clean["linksByPlatform"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(keys, ["deezer", "qobuz"]);
        assert!(sanitize(serde_json::json!([1, 2])).is_err());
        assert!(sanitize(serde_json::json!({"pageUrl": 7})).is_err());
    }
}
