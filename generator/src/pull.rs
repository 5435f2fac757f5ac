//! The incremental catalog pull behind `smartlinks pull`.
//!
//! Per artist: list the releases (when nothing changed, these are the only
//! calls), fetch the full album of each new or changed release, ask Odesli
//! about each release whose cached answer is missing or stale, flag releases
//! that left the listing, and start a link file for each new release.
//! Spotify and Odesli work run at the same time, each at its own pace.
//!
//! Every file is written atomically, and state.json after each release, so
//! a failure or Ctrl-C leaves the catalog consistent: what a previous pull
//! stored is replaced only by a complete new answer, and never deleted.

use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use serde::Serialize;
use serde_json::{json, Value};

use crate::content::catalog::{CatalogDir, PullState, ReleaseState, SpotifyAlbum};
use crate::content::edit::{create_file, link_file_text};
use crate::content::spotify_ref::is_spotify_id;
use crate::content::write::{remove_unfinished, write_json_atomic};
use crate::content::{Artist, Content, SpotifyKind, SpotifyRef};
use crate::odesli::Odesli;
use crate::progress::{Bar, Mode, Progress};
use crate::spotify::client::BATCH_SIZE;
use crate::spotify::Spotify;

/// An Odesli answer that matched nothing is asked again sooner: new
/// releases often reach the other services a few days late.
const UNKNOWN_MAX_AGE_HOURS: i64 = 24;

#[derive(Debug, Clone)]
pub struct PullOptions {
    /// Only this artist (slug).
    pub artist: Option<String>,
    /// How long a cached Odesli answer stays fresh.
    pub odesli_max_age: chrono::Duration,
    /// Odesli `userCountry`.
    pub country: String,
    /// Fetch every release and the artist profile again, changed or not.
    pub full: bool,
}

pub struct Clients {
    pub spotify: Spotify,
    pub odesli: Odesli,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReleaseRef {
    pub id: String,
    pub title: Option<String>,
}

impl ReleaseRef {
    /// The title, or the id when the title is unknown.
    pub fn label(&self) -> &str {
        self.title.as_deref().unwrap_or(&self.id)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub id: String,
    pub title: Option<String>,
    pub error: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CreatedLink {
    pub id: String,
    pub slug: String,
    pub file: PathBuf,
    pub approved: bool,
}

/// What a pull did for one artist.
#[derive(Debug, Default, Serialize)]
pub struct ArtistReport {
    pub artist: String,
    /// Set when the artist could not be pulled at all (its listing failed).
    pub error: Option<String>,
    pub new: Vec<ReleaseRef>,
    /// Releases whose Spotify data changed and were fetched again.
    pub updated: Vec<ReleaseRef>,
    /// Releases whose stale Odesli answer was renewed.
    pub refreshed: Vec<ReleaseRef>,
    /// Releases no longer listed by Spotify (kept, flagged in state.json).
    pub vanished: Vec<ReleaseRef>,
    /// Releases listed again after having vanished.
    pub reappeared: Vec<ReleaseRef>,
    pub failed: Vec<Failure>,
    pub unchanged: usize,
    pub links_created: Vec<CreatedLink>,
    pub warnings: Vec<String>,
}

impl ArtistReport {
    pub fn changed(&self) -> bool {
        !(self.new.is_empty()
            && self.updated.is_empty()
            && self.refreshed.is_empty()
            && self.vanished.is_empty()
            && self.reappeared.is_empty()
            && self.links_created.is_empty())
    }
}

#[derive(Debug, Serialize)]
pub struct Calls {
    /// Spotify Web API requests (token requests not included).
    pub spotify: u64,
    pub spotify_token: u64,
    pub odesli: u64,
    /// Requests sent again after a 429, a 5xx, a timeout or malformed JSON.
    pub retries: u64,
}

#[derive(Debug, Serialize)]
pub struct PullReport {
    pub artists: Vec<ArtistReport>,
    pub calls: Calls,
    /// Whether any catalog or link file changed.
    pub changed: bool,
    /// Releases (and artists) that failed.
    pub failed: usize,
    /// Ctrl-C stopped the pull before the end.
    pub interrupted: bool,
    #[serde(serialize_with = "as_secs")]
    pub elapsed: Duration,
}

fn as_secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1000.0).round() / 1000.0)
}

/// Pulls every connected artist (or the one asked for).
pub async fn pull(
    content: &Content,
    clients: &Clients,
    opts: &PullOptions,
    progress: &Progress,
) -> Result<PullReport> {
    let started = Instant::now();
    let artists: Vec<&Artist> = match &opts.artist {
        Some(slug) => vec![content.artist(slug).with_context(|| {
            let known: Vec<&str> = content
                .artists
                .iter()
                .map(|a| a.config.slug.as_str())
                .collect();
            format!(
                "--artist {slug:?}: no artists/{slug}.toml; connected artists: {}",
                if known.is_empty() {
                    "none (connect one with `smartlinks artist add URL`)".to_string()
                } else {
                    known.join(", ")
                }
            )
        })?],
        None => content.artists.iter().collect(),
    };
    // Credentials are checked before any other work.
    clients.spotify.token().await.context("cannot pull")?;
    // What a pull killed in the middle of a write left behind.
    let unfinished: usize = ["catalog", "links"]
        .iter()
        .map(|d| remove_unfinished(&content.root.join(d), Duration::from_secs(60)))
        .sum();
    if unfinished > 0 {
        progress.line(&format!(
            "Removed {unfinished} temporary file{} an interrupted pull left",
            if unfinished == 1 { "" } else { "s" }
        ));
    }

    progress.line(&format!(
        "Pulling {} artist{} from Spotify and Odesli...",
        artists.len(),
        if artists.len() == 1 { "" } else { "s" }
    ));
    let bar = (progress.mode() == Mode::Bar).then(|| progress.bar("pull", 0));
    let run = Run {
        clients,
        opts,
        content,
        progress,
        bar: bar.as_ref(),
        now: Utc::now(),
    };
    let reports = join_all(artists.iter().map(|a| run.artist(a))).await;
    if let Some(b) = &bar {
        b.finish();
    }
    let interrupted = clients.spotify.is_cancelled();
    let failed = reports
        .iter()
        .map(|r| r.failed.len() + usize::from(r.error.is_some()))
        .sum();
    Ok(PullReport {
        changed: reports.iter().any(ArtistReport::changed),
        artists: reports,
        calls: Calls {
            spotify: clients.spotify.calls(),
            spotify_token: clients.spotify.token_calls(),
            odesli: clients.odesli.calls(),
            retries: clients.spotify.retries() + clients.odesli.retries(),
        },
        failed,
        interrupted,
        elapsed: started.elapsed(),
    })
}

struct Run<'a> {
    clients: &'a Clients,
    opts: &'a PullOptions,
    content: &'a Content,
    progress: &'a Progress,
    bar: Option<&'a Bar>,
    now: DateTime<Utc>,
}

/// What a listing or a stored album says about a release; a difference in
/// any known field means the release changed.
#[derive(Debug, Default, PartialEq)]
struct Fingerprint {
    name: Option<String>,
    album_type: Option<String>,
    total_tracks: Option<u64>,
    release_date: Option<String>,
    cover: Option<String>,
}

impl Fingerprint {
    fn of_listing(v: &Value) -> Self {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        Fingerprint {
            name: s("name"),
            album_type: s("album_type"),
            total_tracks: v.get("total_tracks").and_then(Value::as_u64),
            release_date: s("release_date"),
            cover: v
                .pointer("/images/0/url")
                .and_then(Value::as_str)
                .map(str::to_string),
        }
    }

    fn of_album(a: &SpotifyAlbum) -> Self {
        Fingerprint {
            name: Some(a.name.clone()),
            album_type: Some(a.album_type.clone()),
            total_tracks: a.total_tracks.map(u64::from),
            release_date: a.release_date.clone(),
            cover: a.images.first().map(|i| i.url.clone()),
        }
    }

    /// Whether the listing differs from what is stored, in a field it gives.
    fn differs_from(&self, stored: &Fingerprint) -> bool {
        fn diff<T: PartialEq>(listed: &Option<T>, stored: &Option<T>) -> bool {
            listed.is_some() && listed != stored
        }
        diff(&self.name, &stored.name)
            || diff(&self.album_type, &stored.album_type)
            || diff(&self.total_tracks, &stored.total_tracks)
            || diff(&self.release_date, &stored.release_date)
            || diff(&self.cover, &stored.cover)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    New,
    Updated,
    Refreshed,
}

#[derive(Debug)]
struct Plan {
    id: String,
    title: Option<String>,
    kind: Kind,
    fetch_album: bool,
    ask_odesli: bool,
}

enum Outcome {
    Done(Kind, ReleaseRef),
    Failed(Failure),
    Interrupted,
}

/// One artist's catalog while it is pulled.
struct ArtistRun<'a> {
    artist: &'a Artist,
    catalog: &'a CatalogDir,
    state: Mutex<PullState>,
}

impl ArtistRun<'_> {
    /// Updates state.json under the lock, so writes happen in order.
    fn update_state(&self, f: impl FnOnce(&mut PullState)) -> Result<()> {
        let mut state = self.state.lock().expect("state lock");
        f(&mut state);
        write_json_atomic(&self.catalog.state_path(), &*state)?;
        Ok(())
    }
}

impl Run<'_> {
    fn note(&self, msg: &str) {
        match self.bar {
            Some(b) => b.println(msg),
            None => self.progress.line(msg),
        }
    }

    async fn artist(&self, artist: &Artist) -> ArtistReport {
        let mut report = ArtistReport {
            artist: artist.config.slug.clone(),
            ..Default::default()
        };
        if let Err(e) = self.artist_inner(artist, &mut report).await {
            if !self.clients.spotify.is_cancelled() {
                self.note(&format!("{}: failed: {e:#}", artist.config.slug));
                report.error = Some(format!("{e:#}"));
            }
        }
        report
    }

    async fn artist_inner(&self, artist: &Artist, report: &mut ArtistReport) -> Result<()> {
        let slug = &artist.config.slug;
        let catalog = &artist.catalog;
        let spotify = &self.clients.spotify;
        let moved = catalog.upgrade_layout()?;
        if moved > 0 {
            self.note(&format!(
                "{slug}: {moved} release{} moved into {}",
                if moved == 1 { "" } else { "s" },
                catalog.dir.join("releases").display()
            ));
        }
        let state = catalog.state().unwrap_or_else(|e| {
            report.warnings.push(format!(
                "{e}; starting a new state.json from the stored albums"
            ));
            PullState::default()
        });

        if self.opts.full || !catalog.artist_path().exists() {
            let profile = spotify.artist(&artist.config.spotify_id).await?;
            write_json_atomic(&catalog.artist_path(), &profile)?;
        }
        let listing = spotify
            .artist_albums(&artist.config.spotify_id)
            .await
            .with_context(|| format!("cannot list the releases of {slug}"))?;

        let mut listed: Vec<(String, Fingerprint)> = Vec::new();
        for item in &listing {
            let Some(id) = item
                .get("id")
                .and_then(Value::as_str)
                .filter(|id| is_spotify_id(id))
            else {
                report.warnings.push(format!(
                    "Spotify listed a release without a valid id ({}), skipped",
                    short(&item.to_string(), 80)
                ));
                continue;
            };
            if item.get("album_group").and_then(Value::as_str) == Some("appears_on") {
                continue;
            }
            listed.push((id.to_string(), Fingerprint::of_listing(item)));
        }
        let listed_ids: HashSet<&str> = listed.iter().map(|(id, _)| id.as_str()).collect();

        // Plan: only new, changed or stale releases cost calls.
        let mut plans = Vec::new();
        for (id, fp) in &listed {
            let (stored, answer) = match catalog
                .release_path(id)
                .exists()
                .then(|| catalog.release(id).ok())
                .flatten()
            {
                Some((release, _)) => (Some(release.album), release.odesli),
                None => (None, None),
            };
            let fetch_album = self.opts.full
                || stored
                    .as_ref()
                    .is_none_or(|a| fp.differs_from(&Fingerprint::of_album(a)));
            let ask_odesli = answer.is_none_or(|record| !self.fresh(&record));
            if !fetch_album && !ask_odesli {
                report.unchanged += 1;
                continue;
            }
            let kind = match (&stored, fetch_album) {
                (None, _) => Kind::New,
                (Some(_), true) => Kind::Updated,
                (Some(_), false) => Kind::Refreshed,
            };
            plans.push(Plan {
                id: id.clone(),
                title: fp
                    .name
                    .clone()
                    .or_else(|| stored.as_ref().map(|a| a.name.clone())),
                kind,
                fetch_album,
                ask_odesli,
            });
        }

        let mut state = state;
        self.mark_seen(&mut state, catalog, &listed_ids, report);
        for r in &report.vanished {
            self.note(&format!(
                "{slug}: vanished from Spotify (kept): {}",
                r.label()
            ));
        }
        for r in &report.reappeared {
            self.note(&format!("{slug}: listed again: {}", r.label()));
        }
        let run = ArtistRun {
            artist,
            catalog,
            state: Mutex::new(state),
        };
        run.update_state(|_| {})?;

        if let Some(b) = self.bar {
            b.inc_length(plans.len() as u64);
        }
        let to_fetch: Vec<&Plan> = plans.iter().filter(|p| p.fetch_album).collect();
        let odesli_only: Vec<&Plan> = plans.iter().filter(|p| !p.fetch_album).collect();
        let batches = join_all(to_fetch.chunks(BATCH_SIZE).map(|chunk| async {
            let ids: Vec<String> = chunk.iter().map(|p| p.id.clone()).collect();
            let albums = spotify.albums(&ids).await;
            // Each release goes on to Odesli as soon as its album is in.
            join_all(albums.into_iter().map(|(id, album)| {
                let plan = chunk.iter().find(|p| p.id == id).expect("asked for");
                self.release(&run, plan, Some(album))
            }))
            .await
        }));
        let refreshes = join_all(odesli_only.iter().map(|p| self.release(&run, p, None)));
        let (batches, refreshes) = futures_util::future::join(batches, refreshes).await;

        let mut failed_ids = BTreeSet::new();
        for outcome in batches.into_iter().flatten().chain(refreshes) {
            match outcome {
                Outcome::Done(Kind::New, r) => report.new.push(r),
                Outcome::Done(Kind::Updated, r) => report.updated.push(r),
                Outcome::Done(Kind::Refreshed, r) => report.refreshed.push(r),
                Outcome::Failed(f) => {
                    failed_ids.insert(f.id.clone());
                    report.failed.push(f);
                }
                Outcome::Interrupted => {}
            }
        }
        if self.clients.spotify.is_cancelled() {
            // Link files are started by the next pull.
            return Ok(());
        }
        self.create_links(&run, &listed, &failed_ids, report)?;
        Ok(())
    }

    /// Flags releases that left the listing as vanished (once) and clears
    /// the flag of those that came back; every stored, listed release was
    /// seen now. Albums stored before state.json knew them get an entry.
    fn mark_seen(
        &self,
        state: &mut PullState,
        catalog: &CatalogDir,
        listed: &HashSet<&str>,
        report: &mut ArtistReport,
    ) {
        let release = |id: &String| ReleaseRef {
            id: id.clone(),
            title: catalog.release(id).ok().map(|(r, _)| r.album.name),
        };
        for (id, entry) in state.releases.iter_mut() {
            if !listed.contains(id.as_str()) {
                if !entry.vanished {
                    entry.vanished = true;
                    report.vanished.push(release(id));
                }
                continue;
            }
            if entry.vanished {
                entry.vanished = false;
                report.reappeared.push(release(id));
            }
            if catalog.release_path(id).exists() {
                entry.last_seen = Some(self.now);
            }
        }
        for id in listed {
            if catalog.release_path(id).exists() && !state.releases.contains_key(*id) {
                state.releases.insert(
                    id.to_string(),
                    ReleaseState {
                        first_seen: Some(self.now),
                        last_seen: Some(self.now),
                        ..Default::default()
                    },
                );
            }
        }
    }

    fn fresh(&self, record: &crate::content::catalog::OdesliRecord) -> bool {
        if record.user_country.as_deref() != Some(self.opts.country.as_str()) {
            return false;
        }
        let max_age = if record.answer.links_by_platform.is_empty() {
            self.opts
                .odesli_max_age
                .min(chrono::Duration::hours(UNKNOWN_MAX_AGE_HOURS))
        } else {
            self.opts.odesli_max_age
        };
        self.now - record.fetched_at < max_age
    }

    /// Stores one release: its album (when fetched) and its Odesli answer
    /// (when stale), in one write of its release file, then its state.
    async fn release(
        &self,
        run: &ArtistRun<'_>,
        plan: &Plan,
        album: Option<Result<Value, crate::spotify::SpotifyError>>,
    ) -> Outcome {
        let slug = &run.artist.config.slug;
        let mut title = plan.title.clone();
        let fail = |title: Option<String>, error: String| {
            self.tick(&format!(
                "{slug}: failed: {}: {error}",
                title.as_deref().unwrap_or(&plan.id)
            ));
            Outcome::Failed(Failure {
                id: plan.id.clone(),
                title,
                error,
            })
        };
        // The release as stored, as written: what is not asked again is
        // kept, with the fields this version does not read.
        let path = run.catalog.release_path(&plan.id);
        let (mut album_json, mut odesli_json) = match std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        {
            Some(Value::Object(mut stored)) => (stored.remove("album"), stored.remove("odesli")),
            _ => (None, None),
        };
        let mut changed = false;
        if let Some(result) = album {
            match result {
                Ok(v) => {
                    title = v
                        .get("name")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .or(title);
                    album_json = Some(v);
                    changed = true;
                }
                Err(e) if e.is_cancelled() => return Outcome::Interrupted,
                Err(e) => return fail(title, e.to_string()),
            }
        }
        let mut odesli_error = None;
        let mut interrupted = false;
        if plan.ask_odesli {
            let url = SpotifyRef::new(SpotifyKind::Album, &plan.id).url();
            match self.clients.odesli.links(&url, &self.opts.country).await {
                Ok(lookup) => {
                    odesli_json = Some(json!({
                        "fetched_at": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                        "user_country": self.opts.country,
                        "answer": lookup.into_answer(),
                    }));
                    changed = true;
                }
                // The album just fetched is still kept.
                Err(e) if e.is_cancelled() => interrupted = true,
                Err(e) => odesli_error = Some(e.to_string()),
            }
        }
        if changed {
            let Some(album_json) = album_json else {
                return fail(title, format!("{} holds no album", path.display()));
            };
            let mut file = json!({ "album": album_json });
            if let Some(answer) = odesli_json {
                file["odesli"] = answer;
            }
            if let Err(e) = write_json_atomic(&path, &file) {
                return fail(title, e.to_string());
            }
        }
        if interrupted {
            return Outcome::Interrupted;
        }
        let now = self.now;
        let saved = run.update_state(|s| {
            let entry = s.releases.entry(plan.id.clone()).or_default();
            entry.first_seen.get_or_insert(now);
            entry.last_seen = Some(now);
            entry.vanished = false;
        });
        if let Err(e) = saved {
            return fail(title, format!("{e:#}"));
        }
        if let Some(e) = odesli_error {
            return fail(title, e);
        }
        let verb = match plan.kind {
            Kind::New => "new",
            Kind::Updated => "updated",
            Kind::Refreshed => "links refreshed",
        };
        self.tick(&format!(
            "{slug}: {verb}: {}",
            title.as_deref().unwrap_or(&plan.id)
        ));
        Outcome::Done(
            plan.kind,
            ReleaseRef {
                id: plan.id.clone(),
                title,
            },
        )
    }

    fn tick(&self, msg: &str) {
        self.note(msg);
        if let Some(b) = self.bar {
            b.inc(1);
        }
    }

    /// Starts a link file for each listed release that has none and never
    /// had one, oldest first so slugs are numbered in a stable order. A link
    /// file that exists is never touched; one the artist deleted is not
    /// brought back (state.json remembers it was made).
    fn create_links(
        &self,
        run: &ArtistRun<'_>,
        listed: &[(String, Fingerprint)],
        failed: &BTreeSet<String>,
        report: &mut ArtistReport,
    ) -> Result<()> {
        let artist = run.artist;
        let links_dir = self.content.root.join("links").join(&artist.config.slug);
        let linked: HashSet<&SpotifyRef> = artist.links.iter().map(|l| &l.source).collect();
        let mut candidates: Vec<(String, SpotifyAlbum)> = Vec::new();
        {
            let state = run.state.lock().expect("state lock");
            for (id, _) in listed {
                let source = SpotifyRef::new(SpotifyKind::Album, id);
                let had_link = state.releases.get(id).is_some_and(|r| r.link.is_some());
                if failed.contains(id) || linked.contains(&source) || had_link {
                    continue;
                }
                // Only complete releases: album and Odesli answer stored.
                if let Ok((release, _)) = run.catalog.release(id) {
                    if release.odesli.is_some() {
                        candidates.push((id.clone(), release.album));
                    }
                }
            }
        }
        candidates.sort_by(|(a_id, a), (b_id, b)| {
            (a.release_date.as_deref(), a_id).cmp(&(b.release_date.as_deref(), b_id))
        });
        let approved = artist.config.auto_approve;
        for (id, album) in candidates {
            let slug = crate::slug::unique_slug(&album.name, &format!("release-{id}"), |s| {
                links_dir.join(format!("{s}.toml")).exists()
            });
            let file = links_dir.join(format!("{slug}.toml"));
            let about = format!(
                "{} ({}{})",
                album.name,
                album.album_type,
                album
                    .release_date
                    .as_deref()
                    .map(|d| format!(", {}", d.chars().take(4).collect::<String>()))
                    .unwrap_or_default()
            );
            let source = SpotifyRef::new(SpotifyKind::Album, &id);
            if !create_file(&file, &link_file_text(&about, &slug, &source, approved))? {
                bail!("{} appeared while it was being created", file.display());
            }
            run.update_state(|s| {
                s.releases.entry(id.clone()).or_default().link = Some(slug.clone());
            })?;
            self.note(&format!(
                "{}: new link {} ({})",
                artist.config.slug,
                file.display(),
                if approved {
                    "approved"
                } else {
                    "waiting for approval"
                }
            ));
            report.links_created.push(CreatedLink {
                id,
                slug,
                file,
                approved,
            });
        }
        Ok(())
    }
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() > n {
        format!("{}…", s.chars().take(n).collect::<String>())
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_differs_only_in_fields_it_gives() {
        let stored = Fingerprint {
            name: Some("Zoë".into()),
            album_type: Some("album".into()),
            total_tracks: Some(11),
            release_date: Some("2025-03-14".into()),
            cover: Some("https://i.scdn.co/a".into()),
        };
        let listing = |v: Value| Fingerprint::of_listing(&v);
        assert!(
            !listing(json!({"id": "x", "name": "Zoë", "total_tracks": 11})).differs_from(&stored)
        );
        assert!(listing(json!({"name": "Zoë", "total_tracks": 12})).differs_from(&stored));
        assert!(listing(json!({"name": "Zoë (Deluxe)"})).differs_from(&stored));
        assert!(listing(json!({"images": [{"url": "https://i.scdn.co/b"}]})).differs_from(&stored));
    }
}
