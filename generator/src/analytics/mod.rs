//! First-party analytics: the local event store, the queries behind a
//! report, the Cloudflare Analytics Engine reader, and the report's
//! terminal, CSV and HTML forms.
//!
//! Events are validated by `smartlinks_core::beacon` before they reach any
//! store; this module only counts them.

pub mod cloudflare;
pub mod dashboard;
pub mod format;
pub mod query;
pub mod report;
pub mod store;

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::cli::SourceKind;
use query::Dialect;
use report::Source;
use store::{Row, Store};

/// Where the local store lives unless `--db` says otherwise.
pub fn default_db(content_root: &Path) -> PathBuf {
    content_root.join(".smartlinks").join("analytics.db")
}

/// The local store as a report source.
pub struct Local {
    store: Store,
    dialect: Dialect,
}

impl Local {
    pub fn new(store: Store) -> Self {
        Local {
            store,
            dialect: Dialect::local(),
        }
    }
}

impl Source for Local {
    fn kind(&self) -> SourceKind {
        SourceKind::Local
    }

    fn dialect(&self) -> &Dialect {
        &self.dialect
    }

    fn rows(&self, sql: &str) -> Result<Vec<Row>> {
        Ok(self.store.rows(sql)?)
    }
}
