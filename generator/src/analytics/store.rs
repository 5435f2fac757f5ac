//! The local analytics store: one SQLite file, one row per event, no IP
//! address and no identifier. `smartlinks serve` writes it; `smartlinks
//! analytics` reads it.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OpenFlags};
use serde_json::{Map, Value};
use smartlinks_core::beacon::Event;

/// Schema changes, oldest first. `PRAGMA user_version` records how many have
/// been applied; a new release only ever appends.
const MIGRATIONS: &[&str] = &[
    // 1: events.
    "CREATE TABLE events (
        id           INTEGER PRIMARY KEY,
        ts           INTEGER NOT NULL,   -- ms since the Unix epoch, receiver's clock
        kind         TEXT NOT NULL CHECK (kind IN ('view','click','share','save','video')),
        artist       TEXT NOT NULL,
        link         TEXT NOT NULL,
        service      TEXT,
        country      TEXT,
        referrer     TEXT,               -- origin only
        utm_source   TEXT,
        utm_medium   TEXT,
        utm_campaign TEXT,
        utm_term     TEXT,
        utm_content  TEXT,
        device       TEXT NOT NULL,
        locale       TEXT
    );
    CREATE INDEX events_artist_ts ON events (artist, ts);
    CREATE INDEX events_ts ON events (ts);",
];

/// Columns of `events` a report may group by.
pub const COLUMNS: &[&str] = &smartlinks_core::beacon::ae::FIELDS;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no analytics database at {path}; `smartlinks serve` creates it when pages send their first events (or use --source cloudflare)")]
    Missing { path: PathBuf },
    #[error("analytics database {path} was written by a newer smartlinks (schema {found}, this one knows {known}); upgrade smartlinks")]
    TooNew {
        path: PathBuf,
        found: usize,
        known: usize,
    },
    #[error("analytics database {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot create {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// One result row: column name → value (text, integer or null).
pub type Row = Map<String, Value>;

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens the database at `path`, creating it (and its folder) if needed.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        Self::connect(path, OpenFlags::default())
    }

    /// Opens an existing database; a missing one is [`StoreError::Missing`].
    pub fn open_existing(path: &Path) -> Result<Store, StoreError> {
        if !path.is_file() {
            return Err(StoreError::Missing {
                path: path.to_path_buf(),
            });
        }
        Self::connect(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
    }

    fn connect(path: &Path, flags: OpenFlags) -> Result<Store, StoreError> {
        let wrap = |source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open_with_flags(path, flags).map_err(wrap)?;
        // WAL lets `smartlinks analytics` read while `serve` writes.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(wrap)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(wrap)?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.migrate()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn wrap(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let version: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| self.wrap(e))?;
        let version = usize::try_from(version).unwrap_or(usize::MAX);
        if version > MIGRATIONS.len() {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: version,
                known: MIGRATIONS.len(),
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
            let tx = self.conn.transaction().map_err(|e| StoreError::Sqlite {
                path: self.path.clone(),
                source: e,
            })?;
            tx.execute_batch(sql)
                .and_then(|()| tx.pragma_update(None, "user_version", i as i64 + 1))
                .and_then(|()| tx.commit())
                .map_err(|e| StoreError::Sqlite {
                    path: self.path.clone(),
                    source: e,
                })?;
        }
        Ok(())
    }

    /// Stores one validated event.
    pub fn insert(&self, e: &Event) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO events (ts, kind, artist, link, service, country, referrer,
                    utm_source, utm_medium, utm_campaign, utm_term, utm_content, device, locale)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                params![
                    i64::try_from(e.ts).unwrap_or(i64::MAX),
                    e.kind.as_str(),
                    e.artist,
                    e.link,
                    e.service,
                    e.country,
                    e.referrer,
                    e.utm.source,
                    e.utm.medium,
                    e.utm.campaign,
                    e.utm.term,
                    e.utm.content,
                    e.device.as_str(),
                    e.locale,
                ],
            )
            .map(drop)
            .map_err(|e| self.wrap(e))
    }

    /// Number of stored events.
    pub fn count(&self) -> Result<u64, StoreError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM events", [], |r| r.get::<_, i64>(0))
            .map(|n| n.max(0) as u64)
            .map_err(|e| self.wrap(e))
    }

    /// Runs a read-only query built by [`super::query`] and returns its rows.
    pub fn rows(&self, sql: &str) -> Result<Vec<Row>, StoreError> {
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.wrap(e))?;
        if !stmt.readonly() {
            return Err(self.wrap(rusqlite::Error::InvalidQuery));
        }
        let names: Vec<String> = stmt.column_names().map(str::to_string).collect();
        let mut rows = stmt.query([]).map_err(|e| self.wrap(e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| self.wrap(e))? {
            let mut map = Map::new();
            for (i, name) in names.iter().enumerate() {
                let value = match row.get_ref(i).map_err(|e| self.wrap(e))? {
                    rusqlite::types::ValueRef::Null => Value::Null,
                    rusqlite::types::ValueRef::Integer(n) => Value::from(n),
                    rusqlite::types::ValueRef::Real(f) => Value::from(f),
                    rusqlite::types::ValueRef::Text(t) => {
                        Value::from(String::from_utf8_lossy(t).into_owned())
                    }
                    rusqlite::types::ValueRef::Blob(_) => Value::Null,
                };
                map.insert(name.clone(), value);
            }
            out.push(map);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smartlinks_core::beacon::{Device, EventKind, Utm};

    fn event() -> Event {
        Event {
            kind: EventKind::Click,
            artist: "nova-lane".into(),
            link: "zoe-a-paris".into(),
            service: Some("deezer".into()),
            referrer: None,
            utm: Utm {
                campaign: Some("launch".into()),
                ..Utm::default()
            },
            device: Device::Mobile,
            locale: Some("fr-FR".into()),
            country: Some("FR".into()),
            ts: 1_700_000_000_000,
        }
    }

    #[test]
    fn events_survive_reopening_and_migrations_run_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/analytics.db");
        let store = Store::open(&path).unwrap();
        store.insert(&event()).unwrap();
        drop(store);
        let store = Store::open_existing(&path).unwrap();
        assert_eq!(store.count().unwrap(), 1);
        let rows = store
            .rows("SELECT kind, service, utm_campaign, utm_source FROM events")
            .unwrap();
        assert_eq!(rows[0]["kind"], "click");
        assert_eq!(rows[0]["service"], "deezer");
        assert_eq!(rows[0]["utm_campaign"], "launch");
        assert_eq!(rows[0]["utm_source"], Value::Null);
    }

    #[test]
    fn missing_and_newer_databases_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("analytics.db");
        let err = Store::open_existing(&path).err().unwrap().to_string();
        assert!(
            err.contains("no analytics database") && err.contains("smartlinks serve"),
            "{err}"
        );
        drop(Store::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let err = Store::open_existing(&path).err().unwrap().to_string();
        assert!(err.contains("newer smartlinks"), "{err}");
    }

    #[test]
    fn only_read_queries_run() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("a.db")).unwrap();
        assert!(store.rows("DELETE FROM events").is_err());
    }

    #[test]
    fn no_column_can_hold_an_address() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("a.db")).unwrap();
        let cols: Vec<String> = store
            .rows("SELECT name FROM pragma_table_info('events')")
            .unwrap()
            .into_iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect();
        let mut expected: Vec<&str> = vec!["id", "ts"];
        expected.extend(COLUMNS);
        let mut got: Vec<&str> = cols.iter().map(String::as_str).collect();
        got.sort();
        expected.sort();
        assert_eq!(got, expected);
    }
}
