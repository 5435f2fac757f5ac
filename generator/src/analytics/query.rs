//! The SQL behind a report, written once for both stores.
//!
//! The local SQLite store and Cloudflare Workers Analytics Engine keep the
//! same events under different column names and count them differently (a
//! row is one event locally; in Analytics Engine a row stands for
//! `_sample_interval` events). A [`Dialect`] names those differences; the
//! queries themselves stay in the small subset of SQL both engines accept:
//! `SELECT … AS alias`, `WHERE` with `=`, `>=`, `<`, `AND`, and `GROUP BY` on
//! aliases. Every value put into the text is checked first (slugs, dates,
//! fixed kinds), so nothing user-supplied reaches it unchecked.

use chrono::NaiveDate;
use smartlinks_core::beacon::{ae, EventKind};

/// A stored event field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Kind,
    Artist,
    Link,
    Service,
    Country,
    Referrer,
    UtmSource,
    UtmMedium,
    UtmCampaign,
    UtmTerm,
    UtmContent,
    Device,
    Locale,
}

impl Field {
    /// Column of the local `events` table.
    fn local(self) -> &'static str {
        match self {
            Field::Kind => "kind",
            Field::Artist => "artist",
            Field::Link => "link",
            Field::Service => "service",
            Field::Country => "country",
            Field::Referrer => "referrer",
            Field::UtmSource => "utm_source",
            Field::UtmMedium => "utm_medium",
            Field::UtmCampaign => "utm_campaign",
            Field::UtmTerm => "utm_term",
            Field::UtmContent => "utm_content",
            Field::Device => "device",
            Field::Locale => "locale",
        }
    }

    /// Column of an Analytics Engine data point, per the layout in
    /// `smartlinks_core::beacon::ae`.
    fn analytics_engine(self) -> &'static str {
        match self {
            Field::Kind => ae::KIND,
            Field::Artist => ae::ARTIST,
            Field::Link => ae::LINK,
            Field::Service => ae::SERVICE,
            Field::Country => ae::COUNTRY,
            Field::Referrer => ae::REFERRER,
            Field::UtmSource => ae::UTM_SOURCE,
            Field::UtmMedium => ae::UTM_MEDIUM,
            Field::UtmCampaign => ae::UTM_CAMPAIGN,
            Field::UtmTerm => ae::UTM_TERM,
            Field::UtmContent => ae::UTM_CONTENT,
            Field::Device => ae::DEVICE,
            Field::Locale => ae::LOCALE,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Engine {
    Sqlite,
    AnalyticsEngine,
}

/// How one store spells the same questions.
#[derive(Debug, Clone)]
pub struct Dialect {
    engine: Engine,
    table: String,
}

impl Dialect {
    /// The local store (`events`, one row per event, `ts` in milliseconds).
    pub fn local() -> Self {
        Dialect {
            engine: Engine::Sqlite,
            table: "events".into(),
        }
    }

    /// An Analytics Engine dataset. `dataset` must be a plain SQL name.
    pub fn analytics_engine(dataset: &str) -> Result<Self, String> {
        let ok = !dataset.is_empty()
            && dataset.len() <= 64
            && dataset
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !dataset.as_bytes()[0].is_ascii_digit();
        if !ok {
            return Err(format!(
                "dataset {dataset:?} is not a dataset name like {}",
                ae::DATASET
            ));
        }
        Ok(Dialect {
            engine: Engine::AnalyticsEngine,
            table: dataset.into(),
        })
    }

    fn column(&self, f: Field) -> &'static str {
        match self.engine {
            Engine::Sqlite => f.local(),
            Engine::AnalyticsEngine => f.analytics_engine(),
        }
    }

    /// How many events the grouped rows stand for.
    fn count(&self) -> &'static str {
        match self.engine {
            Engine::Sqlite => "COUNT(*)",
            Engine::AnalyticsEngine => "SUM(_sample_interval)",
        }
    }

    /// The UTC day of an event as `YYYY-MM-DD`.
    fn day(&self) -> &'static str {
        match self.engine {
            Engine::Sqlite => "strftime('%Y-%m-%d', ts / 1000, 'unixepoch')",
            Engine::AnalyticsEngine => "formatDateTime(timestamp, '%Y-%m-%d')",
        }
    }

    /// The event time compared with a Unix time in seconds.
    fn time_is(&self, op: &str, secs: i64) -> String {
        match self.engine {
            Engine::Sqlite => format!("ts {op} {}", secs * 1000),
            Engine::AnalyticsEngine => format!("timestamp {op} toDateTime({secs})"),
        }
    }
}

/// Which events a report counts.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    artist: Option<String>,
    since: Option<NaiveDate>,
    until: Option<NaiveDate>,
}

impl Filter {
    /// Checks the values that will be written into SQL text.
    pub fn new(
        artist: Option<&str>,
        since: Option<NaiveDate>,
        until: Option<NaiveDate>,
    ) -> Result<Self, String> {
        if let Some(a) = artist {
            let ok = !a.is_empty()
                && a.len() <= 100
                && a.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !ok {
                return Err(format!(
                    "--artist {a:?} is not an artist slug like nova-lane (lowercase letters, digits and dashes)"
                ));
            }
        }
        if let (Some(s), Some(u)) = (since, until) {
            if s > u {
                return Err(format!("--since {s} is after --until {u}"));
            }
        }
        Ok(Filter {
            artist: artist.map(str::to_string),
            since,
            until,
        })
    }

    pub fn artist(&self) -> Option<&str> {
        self.artist.as_deref()
    }

    pub fn since(&self) -> Option<NaiveDate> {
        self.since
    }

    pub fn until(&self) -> Option<NaiveDate> {
        self.until
    }

    fn conditions(&self, d: &Dialect, kind: Option<EventKind>) -> String {
        let mut c = Vec::new();
        if let Some(a) = &self.artist {
            c.push(format!("{} = '{a}'", d.column(Field::Artist)));
        }
        if let Some(s) = self.since {
            c.push(d.time_is(">=", day_start(s)));
        }
        if let Some(u) = self.until {
            // `until` is a whole day, included.
            c.push(d.time_is("<", day_start(u) + 86_400));
        }
        if let Some(k) = kind {
            c.push(format!("{} = '{}'", d.column(Field::Kind), k.as_str()));
        }
        if c.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", c.join(" AND "))
        }
    }
}

fn day_start(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc()
        .timestamp()
}

/// Events per Smart Link and kind: columns `artist`, `link`, `kind`, `n`.
pub fn per_link(d: &Dialect, f: &Filter) -> String {
    format!(
        "SELECT {} AS artist, {} AS link, {} AS kind, {} AS n FROM {}{} GROUP BY artist, link, kind",
        d.column(Field::Artist),
        d.column(Field::Link),
        d.column(Field::Kind),
        d.count(),
        d.table,
        f.conditions(d, None)
    )
}

/// Events per value of `field` and kind (only `kind` events when given):
/// columns `bucket`, `kind`, `n`.
pub fn per_value(d: &Dialect, f: &Filter, field: Field, kind: Option<EventKind>) -> String {
    format!(
        "SELECT {} AS bucket, {} AS kind, {} AS n FROM {}{} GROUP BY bucket, kind",
        d.column(field),
        d.column(Field::Kind),
        d.count(),
        d.table,
        f.conditions(d, kind)
    )
}

/// Views per UTC day: columns `bucket` (`YYYY-MM-DD`), `n`.
pub fn views_per_day(d: &Dialect, f: &Filter) -> String {
    format!(
        "SELECT {} AS bucket, {} AS n FROM {}{} GROUP BY bucket",
        d.day(),
        d.count(),
        d.table,
        f.conditions(d, Some(EventKind::View))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn analytics_engine_queries_count_sampled_rows_and_use_the_blob_layout() {
        let d = Dialect::analytics_engine("smartlinks_events").unwrap();
        let f = Filter::new(
            Some("nova-lane"),
            Some(date("2026-03-01")),
            Some(date("2026-03-31")),
        )
        .unwrap();
        let sql = per_link(&d, &f);
        assert_eq!(
            sql,
            "SELECT blob2 AS artist, blob3 AS link, blob1 AS kind, SUM(_sample_interval) AS n \
             FROM smartlinks_events WHERE blob2 = 'nova-lane' AND timestamp >= toDateTime(1772323200) \
             AND timestamp < toDateTime(1775001600) GROUP BY artist, link, kind"
        );
        let sql = per_value(
            &d,
            &Filter::default(),
            Field::Service,
            Some(EventKind::Click),
        );
        assert!(
            sql.contains("blob4 AS bucket")
                && sql.ends_with("WHERE blob1 = 'click' GROUP BY bucket, kind"),
            "{sql}"
        );
    }

    #[test]
    fn local_queries_use_milliseconds_and_count_rows() {
        let f = Filter::new(None, Some(date("1970-01-02")), None).unwrap();
        let sql = views_per_day(&Dialect::local(), &f);
        assert!(
            sql.contains("COUNT(*)")
                && sql.contains("ts >= 86400000")
                && sql.contains("kind = 'view'"),
            "{sql}"
        );
    }

    #[test]
    fn values_that_would_reach_sql_are_checked() {
        assert!(Filter::new(Some("x' OR '1'='1"), None, None)
            .unwrap_err()
            .contains("--artist"));
        assert!(
            Filter::new(None, Some(date("2026-03-02")), Some(date("2026-03-01")))
                .unwrap_err()
                .contains("after --until")
        );
        assert!(Dialect::analytics_engine("events; DROP").is_err());
        assert!(Dialect::analytics_engine("1abc").is_err());
    }
}
